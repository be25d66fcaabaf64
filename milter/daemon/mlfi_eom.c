/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mlfi_eom.c - end of message: finish DKIM, run the header-from SPF check,
 * combine the actions, write our headers at the top, and reject, save or
 * accept. Order matters for the MTA: forged Authentication-Results fields
 * are deleted (highest index first) before ours are inserted at index 0,
 * so the indexes the MTA sees are the ones we counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "buf.h"
#include "log.h"
#include "mlfi.h"
#include "policy.h"

#define HDR_MAX 32768  /* bytes of one header value we build (32 signatures fit) */

/*
 * Header edits are collected first and sent to the MTA only when the
 * message is delivered: a refused or quarantined message costs no edits.
 */
#define MAX_EDITS 8   /* 4 DKIM-Signature + A-R + 2 Received-SPF, and a spare */

struct edits {
	size_t n;
	struct { const char *name; char *value; } e[MAX_EDITS];
};

static void
edits_free(struct edits *ed)
{
	for (size_t i = 0; i < ed->n; i++)
		free(ed->e[i].value);
	ed->n = 0;
}

/* Queues "name: value" for the top of the header, and prepends it to block. */
static void
insert_top(struct edits *ed, const char *name, const char *value, struct buf *block)
{
	struct buf v;
	char *val;

	buf_init(&v, HDR_MAX + 2);
	if (value[0] != ' ')
		buf_putc(&v, ' ');
	buf_puts(&v, value);
	if ((val = buf_take(&v)) == NULL) {
		log_warn("no memory for header %s", name);
		return;
	}
	if (block != NULL) {
		/* The same field for the spam folder copy, CRLF-terminated, folded with CRLF. */
		struct buf tmp;
		buf_init(&tmp, HDR_MAX * 8);
		buf_printf(&tmp, "%s:", name);
		for (const char *p = val; *p != '\0'; p++) {
			if (*p == '\n')
				buf_puts(&tmp, "\r\n");
			else
				buf_putc(&tmp, *p);
		}
		buf_puts(&tmp, "\r\n");
		/* Inserted at the top: prepend to the block. */
		buf_puts(&tmp, buf_cstr(block));
		buf_reset(block);
		buf_puts(block, buf_cstr(&tmp));
		buf_free(&tmp);
	}
	if (ed->n < MAX_EDITS) {
		ed->e[ed->n].name = name;
		ed->e[ed->n].value = val;
		ed->n++;
	} else
		free(val);
}

/* Deletes our forged A-R fields (highest index first), then inserts ours. */
static void
edits_apply(SMFICTX *ctx, const struct session *s, const struct edits *ed)
{
	const struct txn *t = &s->t;

	for (size_t i = t->nar_delete; i > 0; i--) {
		char n[] = "Authentication-Results";
		if (smfi_chgheader(ctx, n, (int)t->ar_delete[i - 1], NULL) != MI_SUCCESS)
			log_warn("%s: could not remove a forged Authentication-Results", t->qid[0] ? t->qid : "-");
		else
			log_info("%s: removed Authentication-Results #%u claiming our authserv-id %s",
			    t->qid[0] ? t->qid : "-", t->ar_delete[i - 1], s->rt->authserv_id);
	}
	for (size_t i = 0; i < ed->n; i++) {
		char n[64];
		strlcpy(n, ed->e[i].name, sizeof(n));
		if (smfi_insheader(ctx, 0, n, ed->e[i].value) != MI_SUCCESS)
			log_warn("smfi_insheader(%s) failed", n);
	}
}

static void
received_spf(struct edits *ed, struct session *s, const struct spf_outcome *o, struct buf *block)
{
	static const char *const idn[] = { "mailfrom", "helo", "header-from" };
	struct received_spf r = {
		.result = o->resp.result,
		.receiver = s->rt->hostname,
		.client_ip = s->ip[0] ? s->ip : NULL,
		.helo = s->helo[0] ? s->helo : NULL,
		.envelope_from = s->t.mailfrom,
		.identity = idn[o->kind],
		.domain = o->resp.domain,
		.mechanism = o->resp.mechanism,
		.problem = o->resp.problem,
	};
	struct buf b;

	buf_init(&b, HDR_MAX);
	authres_received_spf(&b, &r);
	insert_top(ed, "Received-SPF", buf_cstr(&b), block);
	buf_free(&b);
}

static void
add_spf_part(struct buf *ar, struct session *s, const struct spf_outcome *o)
{
	struct authres_spf a = { .result = o->resp.result };

	switch (o->kind) {
	case SK_MAILFROM:
		a.kind = AR_SPF_MAILFROM;
		a.value = s->t.mailfrom;
		break;
	case SK_HELO:
		a.kind = AR_SPF_HELO;
		a.value = o->resp.domain[0] ? o->resp.domain : s->helo;
		break;
	case SK_HEADER_FROM:
		a.kind = AR_SPF_HEADER_FROM;
		a.value = o->resp.domain;
		break;
	}
	authres_add_spf(ar, &a);
}

sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);
	struct txn *t;
	const struct config *c;
	struct dkim_report rep;
	int have_rep = 0;
	enum action spf_act = ACT_ACCEPT, dkim_act = ACT_ACCEPT, act;
	const struct spf_outcome *spf_o = NULL;
	const char *reason = NULL, *dkim_str = NULL;
	char dkim_d[512] = "";
	struct policy_reply reply;
	int have_reply = 0;
	struct buf block;
	struct edits ed = { 0 };
	sfsistat rc = SMFIS_CONTINUE;
	const char *v;

	if (s == NULL || !s->t.active)
		return SMFIS_CONTINUE;
	t = &s->t;
	c = s->rt->cfg;
	if ((v = smfi_getsymval(ctx, "i")) != NULL && t->qid[0] == '\0')
		strlcpy(t->qid, v, sizeof(t->qid));
	/* rep (26 KB) is filled by dkim_msg_eom() and read only when have_rep. */
	rep.nsigs = 0;
	rep.nadd = 0;
	buf_init(&block, 4 * HDR_MAX);

	/* DKIM */
	if (t->dkim != NULL) {
		if (!t->dkim_eoh) {
			t->dkim_eoh = 1;
			dkim_msg_eoh(t->dkim);
		}
		if (dkim_msg_eom(t->dkim, &rep) == 0)
			have_rep = 1;
		else
			log_warn("%s: DKIM end of message failed", t->qid[0] ? t->qid : "-");
	}
	if (have_rep && t->dkim_mode == DKIM_MODE_VERIFY) {
		dkim_str = dkim_verdict_str(rep.summary);
		for (size_t i = 0; i < rep.nsigs && i < DKIM_REPORT_MAX; i++)
			if (rep.sig[i].verdict == DKIM_V_PASS && rep.sig[i].d[0] != '\0') {
				if (dkim_d[0] != '\0')
					strlcat(dkim_d, ",", sizeof(dkim_d));
				strlcat(dkim_d, rep.sig[i].d, sizeof(dkim_d));
			}
		if (t->skip == SKIP_NONE)
			dkim_act = c->dkim_action[rep.summary];
	}

	/* SPF for the header From: identity (fallback: MAIL FROM, or HELO for <>). */
	if (t->skip == SKIP_NONE && c->identity == ID_HEADER_FROM && !t->spf.done) {
		if (t->hfrom_domain[0] != '\0')
			mlfi_spf_check(s, SK_HEADER_FROM, t->hfrom_domain, t->hfrom, &t->spf);
		else if (t->mailfrom[0] != '\0')
			mlfi_spf_check(s, SK_MAILFROM, NULL, t->mailfrom, &t->spf);
		else
			mlfi_spf_check(s, SK_HELO, s->helo[0] ? s->helo : NULL, "", &t->spf);
	}
	if (t->skip == SKIP_NONE) {
		if (t->spf.done) {
			spf_act = c->spf_action[t->spf.resp.result];
			spf_o = &t->spf;
		}
		if (t->helo.done && t->helo.resp.result == SPF_RESULT_FAIL &&
		    policy_action_rank(c->spf_action[SPF_RESULT_FAIL]) > policy_action_rank(spf_act)) {
			spf_act = c->spf_action[SPF_RESULT_FAIL];
			spf_o = &t->helo;
		}
	}

	/* The strongest action wins; SPF's reply on a tie. */
	act = policy_action_rank(dkim_act) > policy_action_rank(spf_act) ? dkim_act : spf_act;
	if (act != ACT_ACCEPT) {
		struct reply_fields f = { 0 };
		const char *tmpl;
		int use_spf;

		if (act == ACT_REJECT || act == ACT_SAVE_REJECT)
			use_spf = policy_is_reject(spf_act);
		else
			use_spf = spf_act == ACT_QUARANTINE;
		f.sender = t->mailfrom[0] ? t->mailfrom : "<>";
		f.ip = s->ip[0] ? s->ip : "unknown";
		f.helo = s->helo;
		if (use_spf) {
			reason = "spf";
			f.domain = spf_o->resp.domain;
			f.result = spf_result_str(spf_o->resp.result);
			f.explanation = spf_o->resp.explanation;
			tmpl = c->spf_reply[spf_o->resp.result];
		} else {
			reason = "dkim";
			f.domain = rep.nsigs > 0 ? rep.sig[0].d : t->hfrom_domain;
			f.result = dkim_str;
			f.explanation = rep.nsigs > 0 ? rep.sig[0].reason : "";
			tmpl = c->dkim_reply[rep.summary];
		}
		if (policy_reply_expand(tmpl, &f, &reply) == 0)
			have_reply = 1;
	}

	/* Our header fields (sent only if the message is delivered). */
	{
		struct buf ar;
		int methods = 0;

		if (have_rep && t->dkim_mode == DKIM_MODE_SIGN)
			for (size_t i = 0; i < rep.nadd && i < 4; i++)
				if (rep.add_value[i] != NULL)
					insert_top(&ed, "DKIM-Signature", rep.add_value[i], NULL);
		buf_init(&ar, HDR_MAX);
		authres_begin(&ar, s->rt->authserv_id);
		if (t->spf.done) {
			add_spf_part(&ar, s, &t->spf);
			methods++;
		}
		if (t->helo.done) {
			add_spf_part(&ar, s, &t->helo);
			methods++;
		}
		if (have_rep && t->dkim_mode == DKIM_MODE_VERIFY) {
			authres_add_dkim(&ar, &rep);
			methods++;
		}
		authres_end(&ar);
		if (methods > 0)
			insert_top(&ed, "Authentication-Results", buf_cstr(&ar), &block);
		buf_free(&ar);
		if (c->received_spf) {
			if (t->helo.done)
				received_spf(&ed, s, &t->helo, &block);
			if (t->spf.done)
				received_spf(&ed, s, &t->spf, &block);
		}
	}

	/* The action. */
	{
		struct decision_ctx dc = {
			.action = action_str(act), .reason = reason,
			.reply = have_reply && policy_is_reject(act) ? reply.plain : NULL,
			.dkim = dkim_str, .dkim_d = dkim_d,
		};
		char saved[1024] = "", err[512] = "";
		int save_ok = 0;

		if (act == ACT_SAVE_REJECT || act == ACT_QUARANTINE) {
			struct spam_meta m;
			char results[128];

			snprintf(results, sizeof(results), "spf=%s dkim=%s",
			    t->spf.done ? spf_result_str(t->spf.resp.result) : "-", dkim_str ? dkim_str : "-");
			memset(&m, 0, sizeof(m));
			m.qid = t->qid; m.client_ip = s->ip; m.helo = s->helo;
			m.mail_from = t->mailfrom[0] ? t->mailfrom : "<>";
			m.rcpts = (const char *const *)t->rcpts; m.nrcpts = t->nrcpts;
			m.results = results; m.action = action_str(act);
			m.reply = have_reply && act == ACT_SAVE_REJECT ? reply.plain : NULL;
			if (!t->spooling || msgcopy_finish(&t->copy) < 0)
				snprintf(err, sizeof(err), "message not spooled: %.400s",
				    t->copy.err[0] ? t->copy.err : "no temp copy");
			else if (spamfolder_save(s->rt->spam, &m, buf_cstr(&block), t->copy.fd,
			    saved, sizeof(saved), err, sizeof(err)) == 0)
				save_ok = 1;
			if (!save_ok)
				log_error("%s: spam folder save failed (%s): %s", t->qid[0] ? t->qid : "-",
				    action_str(act), err);
		}
		switch (act) {
		case ACT_ACCEPT:
			edits_apply(ctx, s, &ed);
			break;
		case ACT_REJECT:
		case ACT_SAVE_REJECT:
			mlfi_spam_log(s, action_str(act), dc.reply, dkim_str, save_ok ? saved : NULL);
			if (have_reply)
				rc = mlfi_reply(ctx, &reply);
			else
				rc = SMFIS_REJECT;
			break;
		case ACT_QUARANTINE:
			if (save_ok) {
				mlfi_spam_log(s, "quarantine", NULL, dkim_str, saved);
				rc = SMFIS_DISCARD;
			} else {
				/* Never lose mail: deliver with our headers. */
				log_error("%s: quarantine failed, delivering normally", t->qid[0] ? t->qid : "-");
				edits_apply(ctx, s, &ed);
				dc.action = "accept";
				dc.reason = NULL;
			}
			break;
		}
		mlfi_log_decision(s, &dc);
	}
	if (have_rep)
		dkim_report_clear(&rep);
	edits_free(&ed);
	buf_free(&block);
	mlfi_txn_reset(s);
	return rc;
}
