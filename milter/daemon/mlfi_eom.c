/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mlfi_eom.c - end of message, as a list of phases (mlfi_eom() at the end):
 *   eom_dkim             finish DKIM: verdict, passing domains, its action
 *   eom_spf_header_from  SPF for the From: author, or the bad-from outcome
 *   eom_spf_action       the SPF side's action (identity, HELO fail, bad-from)
 *   eom_dmarc            DMARC: SPF and DKIM aligned with the From: domains
 *   eom_combine          the strongest action and its reply
 *   eom_our_headers      queue A-R, Received-SPF, DKIM-Signature
 *   eom_save             spam folder copy for save-reject / quarantine
 *   eom_act              reply, discard, or deliver with our edits; decision
 * Order matters for the MTA: forged Authentication-Results fields are
 * deleted (highest index first) before ours are inserted at index 0, so the
 * indexes the MTA sees are the ones we counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "buf.h"
#include "log.h"
#include "metrics.h"
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

/*
 * Deletes every forged A-R field (highest index first, so the lower indexes
 * stay valid), then inserts ours. One log line says how many and which
 * (the first AR_LOG_INDEXES indexes).
 */
#define AR_LOG_INDEXES 16

static int
ar_is_forged(const struct txn *t, unsigned i)
{
	return (size_t)(i - 1) / 8 < t->ar_forged_bytes &&
	    (t->ar_forged[(i - 1) / 8] & (1u << ((i - 1) % 8))) != 0;
}

static void
edits_apply(SMFICTX *ctx, const struct session *s, const struct edits *ed)
{
	const struct txn *t = &s->t;
	const char *qid = t->qid[0] ? t->qid : "-";
	char which[AR_LOG_INDEXES * 12 + 8] = "", tmp[sizeof(which)];
	size_t removed = 0, visited = 0;

	for (unsigned i = t->ar_seen; i > 0; i--) {
		char n[] = "Authentication-Results";
		if (!ar_is_forged(t, i))
			continue;
		visited++;
		if (smfi_chgheader(ctx, n, (int)i, NULL) != MI_SUCCESS) {
			log_warn("%s: could not remove forged Authentication-Results #%u", qid, i);
			continue;
		}
		removed++;
		/* The lowest indexes are listed, lowest first: prepend while walking down. */
		if (t->nar_forged - visited < AR_LOG_INDEXES) {
			snprintf(tmp, sizeof(tmp), " #%u", i);
			strlcat(tmp, which, sizeof(tmp));
			strlcpy(which, tmp, sizeof(which));
		}
	}
	if (removed > 0)
		log_info("%s: removed %zu forged Authentication-Results claiming our authserv-id %s:%s%s",
		    qid, removed, s->rt->authserv_id, which, t->nar_forged > AR_LOG_INDEXES ? " ..." : "");
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

/* The end-of-message state, passed from phase to phase. */
struct eom {
	struct session *s;
	struct txn *t;
	const struct config *c;
	struct dkim_report rep;          /* filled by dkim_msg_eom(), read only when have_rep */
	int have_rep;
	const char *dkim_str;            /* verify mode: the summary verdict */
	char dkim_d[512];                /* domains of the passing signatures */
	enum action spf_act, dkim_act, dmarc_act, act;
	int dmarc_override;              /* DMARC failed, a trusted ARC sealer vouched: no DMARC action */
	const struct spf_outcome *spf_o; /* the SPF outcome that set spf_act */
	const char *reason;              /* "spf", "dkim", "bad-from", "dmarc" */
	struct policy_reply reply;
	int have_reply;
	struct buf block;                /* our fields, for the spam folder copy */
	struct edits ed;                 /* our fields, for the MTA */
	char saved[1024];                /* the spam folder copy's name */
	int save_ok;
};

/* Finishes DKIM: the verdict, the passing domains, and its action. */
static void
eom_dkim(struct eom *e)
{
	struct txn *t = e->t;

	if (t->dkim == NULL)
		return;
	if (!t->dkim_eoh) {
		t->dkim_eoh = 1;
		dkim_msg_eoh(t->dkim);
	}
	if (dkim_msg_eom(t->dkim, &e->rep) == 0)
		e->have_rep = 1;
	else
		log_warn("%s: DKIM end of message failed", t->qid[0] ? t->qid : "-");
	if (!e->have_rep || t->dkim_mode != DKIM_MODE_VERIFY)
		return;
	e->dkim_str = dkim_verdict_str(e->rep.summary);
	for (size_t i = 0; i < e->rep.nsigs && i < DKIM_REPORT_MAX; i++)
		if (e->rep.sig[i].verdict == DKIM_V_PASS && e->rep.sig[i].d[0] != '\0') {
			if (e->dkim_d[0] != '\0')
				strlcat(e->dkim_d, ",", sizeof(e->dkim_d));
			strlcat(e->dkim_d, e->rep.sig[i].d, sizeof(e->dkim_d));
		}
	if (t->skip == SKIP_NONE)
		e->dkim_act = e->c->dkim_action[e->rep.summary];
}

/*
 * SPF for the header From: identity. Only a message without any From: falls
 * back (to MAIL FROM, or HELO for <>); several From: fields, several
 * domains, no address or an unparseable value is the bad-from outcome, with
 * its own action: it must never pass as whichever domain an attacker chose.
 */
static void
eom_spf_header_from(struct eom *e)
{
	struct session *s = e->s;
	struct txn *t = e->t;
	const char *dom;

	if (t->skip != SKIP_NONE || e->c->identity != ID_HEADER_FROM || t->spf.done)
		return;
	dom = mailaddr_author_domain(t->nfrom, t->from_st, &t->from, &t->bad_from);
	if (dom != NULL)
		mlfi_spf_check(s, SK_HEADER_FROM, dom, t->from.first, &t->spf);
	else if (t->nfrom > 0)
		log_info("%s: %s%s%s", t->qid[0] ? t->qid : "-", t->bad_from,
		    t->from_st == MAILADDR_INVALID ? ": " : "", t->from_st == MAILADDR_INVALID ? t->from.why : "");
	else {
		t->bad_from = NULL;
		if (t->mailfrom[0] != '\0')
			mlfi_spf_check(s, SK_MAILFROM, NULL, t->mailfrom, &t->spf);
		else
			mlfi_spf_check(s, SK_HELO, s->helo[0] ? s->helo : NULL, "", &t->spf);
	}
}

/* The SPF side's action: the identity's result, a HELO fail, or bad-from. */
static void
eom_spf_action(struct eom *e)
{
	const struct txn *t = e->t;
	const struct config *c = e->c;

	if (t->skip != SKIP_NONE)
		return;
	if (t->bad_from != NULL)
		e->spf_act = c->bad_from_action;
	else if (t->spf.done) {
		e->spf_act = c->spf_action[t->spf.resp.result];
		e->spf_o = &t->spf;
	}
	if (t->helo.done && t->helo.resp.result == SPF_RESULT_FAIL &&
	    policy_action_rank(c->spf_action[SPF_RESULT_FAIL]) > policy_action_rank(e->spf_act)) {
		e->spf_act = c->spf_action[SPF_RESULT_FAIL];
		e->spf_o = &t->helo;
	}
}

/* DMARC: SPF (MAIL FROM) and DKIM tied to the From: domains, and its action. */
static void
eom_dmarc(struct eom *e)
{
	mlfi_dmarc_check(e->s, e->have_rep && e->t->dkim_mode == DKIM_MODE_VERIFY ? &e->rep : NULL);
	if (!e->t->dmarc_done)
		return;
	e->dmarc_act = e->c->dmarc_action[dmarc_outcome(&e->t->dmarc)];
	/* ARCTrustedSealers: the forwarder we trust saw it authenticated (RFC 8617 7.2) */
	if (e->t->dmarc.result == DMARC_R_FAIL && e->have_rep && e->rep.arc == ARC_PASS &&
	    config_arc_trusted(e->c, e->rep.arc_d)) {
		e->dmarc_override = 1;
		if (e->dmarc_act != ACT_ACCEPT)
			log_info("%s: DMARC failure of %s accepted: ARC chain sealed by trusted %s",
			    e->t->qid[0] ? e->t->qid : "-", e->t->dmarc.from_domain, e->rep.arc_d);
		e->dmarc_act = ACT_ACCEPT;
	}
}

/* The strongest action wins (on a tie SPF's reply, then DKIM's, then DMARC's); expands its reply. */
static void
eom_combine(struct eom *e)
{
	const struct session *s = e->s;
	const struct txn *t = e->t;
	const struct config *c = e->c;
	struct reply_fields f = { 0 };
	const char *tmpl;
	int use_spf, use_dkim;

	e->act = e->spf_act;
	if (policy_action_rank(e->dkim_act) > policy_action_rank(e->act))
		e->act = e->dkim_act;
	if (policy_action_rank(e->dmarc_act) > policy_action_rank(e->act))
		e->act = e->dmarc_act;
	if (e->act == ACT_ACCEPT)
		return;
	if (e->act == ACT_REJECT || e->act == ACT_SAVE_REJECT) {
		use_spf = policy_is_reject(e->spf_act);
		use_dkim = policy_is_reject(e->dkim_act);
	} else {
		use_spf = e->spf_act == ACT_QUARANTINE;
		use_dkim = e->dkim_act == ACT_QUARANTINE;
	}
	f.sender = t->mailfrom[0] ? t->mailfrom : "<>";
	f.ip = s->ip[0] ? s->ip : "unknown";
	f.helo = s->helo;
	if (use_spf && e->spf_o == NULL) {
		e->reason = "bad-from";
		f.domain = "";
		f.result = "policy";
		f.explanation = t->bad_from;
		tmpl = c->bad_from_reply;
	} else if (use_spf) {
		e->reason = "spf";
		f.domain = e->spf_o->resp.domain;
		f.result = spf_result_str(e->spf_o->resp.result);
		f.explanation = e->spf_o->resp.explanation;
		tmpl = c->spf_reply[e->spf_o->resp.result];
	} else if (use_dkim) {
		e->reason = "dkim";
		f.domain = e->rep.nsigs > 0 ? e->rep.sig[0].d : t->from.ndomains > 0 ? t->from.domain[0] : "";
		f.result = e->dkim_str;
		f.explanation = e->rep.nsigs > 0 ? e->rep.sig[0].reason : "";
		tmpl = c->dkim_reply[e->rep.summary];
	} else {
		e->reason = "dmarc";
		f.domain = t->dmarc.from_domain;
		f.result = dmarc_result_str(t->dmarc.result);
		f.explanation = t->dmarc.problem;
		tmpl = c->dmarc_reply[dmarc_outcome(&t->dmarc)];
	}
	if (policy_reply_expand(tmpl, &f, &e->reply) == 0)
		e->have_reply = 1;
}

/* Queues our fields (sent only if the message is delivered). */
static void
eom_our_headers(struct eom *e)
{
	struct session *s = e->s;
	const struct txn *t = e->t;
	struct buf ar;
	int methods = 0;

	if (e->have_rep && t->dkim_mode == DKIM_MODE_SIGN)
		for (size_t i = 0; i < e->rep.nadd && i < 4; i++)
			if (e->rep.add_value[i] != NULL)
				insert_top(&e->ed, "DKIM-Signature", e->rep.add_value[i], NULL);
	buf_init(&ar, HDR_MAX);
	authres_begin(&ar, s->rt->authserv_id);
	if (t->bad_from != NULL) {
		struct authres_spf a = { .kind = AR_SPF_HEADER_FROM, .policy = 1, .reason = t->bad_from };
		authres_add_spf(&ar, &a);
		methods++;
	}
	if (t->spf.done) {
		add_spf_part(&ar, s, &t->spf);
		methods++;
	}
	if (t->helo.done) {
		add_spf_part(&ar, s, &t->helo);
		methods++;
	}
	if (e->have_rep && t->dkim_mode == DKIM_MODE_VERIFY) {
		authres_add_dkim(&ar, &e->rep);
		methods++;
	}
	if (e->have_rep && t->dkim_mode == DKIM_MODE_VERIFY) {
		authres_add_arc(&ar, &e->rep, s->ip);
		methods++;
	}
	if (t->dmarc_done) {
		/* dis: what this server does for DMARC. */
		authres_add_dmarc(&ar, &t->dmarc, policy_is_reject(e->dmarc_act) ? "reject" :
		    e->dmarc_act == ACT_QUARANTINE ? "quarantine" : "none");
		methods++;
	}
	authres_end(&ar);
	if (methods > 0) {
		/* Logged whatever the action (spfdkim-ctl check reads it). */
		log_debug("%s: Authentication-Results:%s", t->qid[0] ? t->qid : "-", buf_cstr(&ar));
		insert_top(&e->ed, "Authentication-Results", buf_cstr(&ar), &e->block);
	}
	buf_free(&ar);
	if (e->c->received_spf) {
		if (t->helo.done)
			received_spf(&e->ed, s, &t->helo, &e->block);
		if (t->spf.done)
			received_spf(&e->ed, s, &t->spf, &e->block);
	}
}

/* save-reject and quarantine: the spam folder copy, with our fields on top. */
static void
eom_save(struct eom *e)
{
	struct session *s = e->s;
	struct txn *t = e->t;
	struct spam_meta m;
	char results[160], err[512] = "";

	if (e->act != ACT_SAVE_REJECT && e->act != ACT_QUARANTINE)
		return;
	mlfi_results_str(s, e->dkim_str, results, sizeof(results));
	memset(&m, 0, sizeof(m));
	m.qid = t->qid; m.client_ip = s->ip; m.helo = s->helo;
	m.mail_from = t->mailfrom[0] ? t->mailfrom : "<>";
	m.rcpts = (const char *const *)t->rcpts; m.nrcpts = t->nrcpts;
	m.results = results; m.action = action_str(e->act);
	m.reply = e->have_reply && e->act == ACT_SAVE_REJECT ? e->reply.plain : NULL;
	if (!t->spooling || msgcopy_finish(&t->copy) < 0)
		snprintf(err, sizeof(err), "message not spooled: %.400s",
		    t->copy.err[0] ? t->copy.err : "no temp copy");
	else if (spamfolder_save(s->rt->spam, &m, buf_cstr(&e->block), t->copy.fd,
	    e->saved, sizeof(e->saved), err, sizeof(err)) == 0)
		e->save_ok = 1;
	metrics_inc(e->save_ok ? MC_SPAM_SAVED : MC_SPAM_SAVE_FAILED);
	if (!e->save_ok)
		log_error("%s: spam folder save failed (%s): %s", t->qid[0] ? t->qid : "-",
		    action_str(e->act), err);
}

/* Does what the action says and writes the decision line. */
static sfsistat
eom_act(SMFICTX *ctx, struct eom *e)
{
	struct session *s = e->s;
	const struct txn *t = e->t;
	struct decision_ctx dc = {
		.action = action_str(e->act), .reason = e->reason,
		.reply = e->have_reply && policy_is_reject(e->act) ? e->reply.plain : NULL,
		.dkim = e->dkim_str, .dkim_d = e->dkim_d,
		.arc = e->have_rep && t->dkim_mode == DKIM_MODE_VERIFY ? arc_verdict_str(e->rep.arc) : NULL,
		.arc_d = e->have_rep && e->rep.arc == ARC_PASS ? e->rep.arc_d : NULL,
		.dmarc_override = e->dmarc_override ? "arc" : NULL,
	};
	sfsistat rc = SMFIS_CONTINUE;

	switch (e->act) {
	case ACT_ACCEPT:
		edits_apply(ctx, s, &e->ed);
		break;
	case ACT_REJECT:
	case ACT_SAVE_REJECT:
		mlfi_spam_log(s, action_str(e->act), dc.reply, e->dkim_str, e->save_ok ? e->saved : NULL);
		rc = e->have_reply ? mlfi_reply(ctx, &e->reply) : SMFIS_REJECT;
		break;
	case ACT_QUARANTINE:
		if (e->save_ok) {
			mlfi_spam_log(s, "quarantine", NULL, e->dkim_str, e->saved);
			rc = SMFIS_DISCARD;
		} else {
			/* Never lose mail: deliver with our headers. */
			log_error("%s: quarantine failed, delivering normally", t->qid[0] ? t->qid : "-");
			edits_apply(ctx, s, &e->ed);
			dc.action = "accept";
			dc.reason = NULL;
		}
		break;
	}
	mlfi_log_decision(s, &dc);
	return rc;
}

sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);
	struct eom *e;
	sfsistat rc;
	const char *v;

	if (s == NULL || !s->t.active)
		return SMFIS_CONTINUE;
	if ((v = smfi_getsymval(ctx, "i")) != NULL && s->t.qid[0] == '\0')
		strlcpy(s->t.qid, v, sizeof(s->t.qid));
	/* A forged A-R we could not mark may not be delivered; ~30 KB off the stack. */
	if (s->t.ar_nomem || (e = calloc(1, sizeof(*e))) == NULL) {
		log_error("%s: out of memory at end of message: try again later",
		    s->t.qid[0] ? s->t.qid : "-");
		mlfi_txn_reset(s);
		return SMFIS_TEMPFAIL;
	}
	e->s = s;
	e->t = &s->t;
	e->c = s->rt->cfg;
	buf_init(&e->block, 4 * HDR_MAX);

	eom_dkim(e);
	eom_spf_header_from(e);
	eom_spf_action(e);
	eom_dmarc(e);
	eom_combine(e);
	eom_our_headers(e);
	eom_save(e);
	rc = eom_act(ctx, e);

	if (e->have_rep)
		dkim_report_clear(&e->rep);
	edits_free(&e->ed);
	buf_free(&e->block);
	free(e);
	mlfi_txn_reset(s);
	return rc;
}
