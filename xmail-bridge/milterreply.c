/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * milterreply.c - the milter's answers, MTA side: reading replies until a
 * verdict (PROGRESS skipped, REPLYCODE kept as the reply text), collecting
 * the end-of-message modifications (only those negotiated, within
 * MC_MAX_MODS / MC_MAX_MODBYTES), and folding a multi-line SMTP reply into
 * the one "DDD x.y.z text" line XMail's .rej takes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "milterclient.h"
#include "milterclient_int.h"
#include "milterproto.h"

int
mc_add_mod(struct mc_conn *c, enum mc_modtype t, uint32_t index, const char *n, size_t nl,
        const char *v, size_t vl)
{
	struct mc_mod *m;

	if (c->nmods >= MC_MAX_MODS || c->modbytes + nl + vl > MC_MAX_MODBYTES) {
		mc_fail(c, "more than %d modifications or %u bytes of them in one message",
		    MC_MAX_MODS, MC_MAX_MODBYTES);
		return -1;
	}
	if (c->nmods == c->modcap) {
		size_t nc = c->modcap ? c->modcap * 2 : 16;
		struct mc_mod *p = reallocarray(c->mods, nc, sizeof(*p));
		if (p == NULL) {
			mc_fail(c, "out of memory for modifications");
			return -1;
		}
		c->mods = p;
		c->modcap = nc;
	}
	m = &c->mods[c->nmods];
	memset(m, 0, sizeof(*m));
	m->type = t;
	m->index = index;
	m->name = malloc(nl + 1);
	m->value = malloc(vl + 1);
	if (m->name == NULL || m->value == NULL) {
		free(m->name);
		free(m->value);
		mc_fail(c, "out of memory for modifications");
		return -1;
	}
	if (nl)
		memcpy(m->name, n, nl);
	m->name[nl] = '\0';
	if (vl)
		memcpy(m->value, v, vl);
	m->value[vl] = '\0';
	m->vlen = vl;
	c->nmods++;
	c->modbytes += nl + vl;
	return 0;
}

void
mc_clear_message(struct mc_conn *c)
{
	for (size_t i = 0; i < c->nmods; i++) {
		free(c->mods[i].name);
		free(c->mods[i].value);
	}
	c->nmods = 0;
	c->modbytes = 0;
	c->progress = 0;
	buf_reset(&c->reply);
}

static int
need_action(struct mc_conn *c, uint32_t action, const struct mp_reply *r)
{
	if ((c->actions & action) == 0) {
		mc_fail(c, "sent %s but did not negotiate that action", mp_reply_name(r->cmd));
		return -1;
	}
	return 0;
}

/* A modification packet at end of message: record it. */
static int
take_mod(struct mc_conn *c, const struct mp_reply *r)
{
	switch (r->cmd) {
	case SMFIR_ADDHEADER:
		if (need_action(c, SMFIF_ADDHDRS, r) < 0)
			return -1;
		return mc_add_mod(c, MC_MOD_ADDHEADER, 0, r->s1, r->s1len, r->s2, r->s2len);
	case SMFIR_INSHEADER:
		if (need_action(c, SMFIF_ADDHDRS, r) < 0)
			return -1;
		return mc_add_mod(c, MC_MOD_INSHEADER, r->index, r->s1, r->s1len, r->s2, r->s2len);
	case SMFIR_CHGHEADER:
		if (need_action(c, SMFIF_CHGHDRS, r) < 0)
			return -1;
		/* Sendmail compatibility (as Postfix): index 0 means 1. */
		return mc_add_mod(c, MC_MOD_CHGHEADER, r->index ? r->index : 1, r->s1, r->s1len,
		    r->s2, r->s2len);
	case SMFIR_ADDRCPT:
		if (need_action(c, SMFIF_ADDRCPT, r) < 0)
			return -1;
		return mc_add_mod(c, MC_MOD_ADDRCPT, 0, r->s1, r->s1len, "", 0);
	case SMFIR_ADDRCPT_PAR:
		if (need_action(c, SMFIF_ADDRCPT_PAR, r) < 0)
			return -1;
		return mc_add_mod(c, MC_MOD_ADDRCPT_PAR, 0, r->s1, r->s1len, r->s2, r->s2len);
	case SMFIR_DELRCPT:
		if (need_action(c, SMFIF_DELRCPT, r) < 0)
			return -1;
		return mc_add_mod(c, MC_MOD_DELRCPT, 0, r->s1, r->s1len, "", 0);
	case SMFIR_CHGFROM:
		if (need_action(c, SMFIF_CHGFROM, r) < 0)
			return -1;
		return mc_add_mod(c, MC_MOD_CHGFROM, 0, r->s1, r->s1len, r->s2, r->s2len);
	case SMFIR_REPLBODY:
		if (need_action(c, SMFIF_CHGBODY, r) < 0)
			return -1;
		if (c->opt.replbody_cb != NULL) {
			if (c->opt.replbody_cb(c->opt.replbody_arg, r->data, r->dlen) < 0) {
				mc_fail(c, "could not store the replacement body");
				return -1;
			}
			return 0;
		}
		return mc_add_mod(c, MC_MOD_REPLBODY, 0, "", 0, r->data, r->dlen);
	default:
		mc_fail(c, "unexpected reply %s", mp_reply_name(r->cmd));
		return -1;
	}
}

/* Reads replies to cmd until a decision. */
enum mc_verdict
mc_read_verdict(struct mc_conn *c, int cmd)
{
	for (;;) {
		const char *p;
		size_t len;
		struct mp_reply r;
		char derr[256];

		if (mc_read_packet(c, &p, &len) < 0)
			return MC_ERROR;
		if (mp_decode_reply(p, len, &r, derr, sizeof(derr)) < 0)
			return mc_fail(c, "after %s: %s", mp_cmd_name(cmd), derr);
		switch (r.cmd) {
		case SMFIR_PROGRESS:
			c->progress++;
			continue;
		case SMFIR_CONTINUE:
			return cmd == SMFIC_BODYEOB ? MC_ACCEPT : MC_CONTINUE;
		case SMFIR_ACCEPT:
			return MC_ACCEPT;
		case SMFIR_REJECT:
			return MC_REJECT;
		case SMFIR_TEMPFAIL:
			return MC_TEMPFAIL;
		case SMFIR_SHUTDOWN:
		case SMFIR_CONN_FAIL:
			buf_reset(&c->reply);
			buf_puts(&c->reply, "421 4.7.0 Service not available - closing connection");
			return MC_TEMPFAIL;
		case SMFIR_DISCARD:
			if (cmd == SMFIC_CONNECT || cmd == SMFIC_HELO)
				return mc_fail(c, "DISCARD is not allowed for connect or helo");
			return MC_DISCARD;
		case SMFIR_SKIP:
			if ((c->protocol & SMFIP_SKIP) == 0)
				return mc_fail(c, "sent SMFIR_SKIP without negotiating SMFIP_SKIP");
			return cmd == SMFIC_BODY ? MC_SKIP : MC_CONTINUE;
		case SMFIR_REPLYCODE: {
			buf_reset(&c->reply);
			/* Sendmail uses the text as a format: "%%" means "%". */
			for (size_t i = 0; i < r.dlen; i++) {
				if (r.data[i] == '%' && i + 1 < r.dlen && r.data[i + 1] == '%')
					i++;
				buf_putc(&c->reply, r.data[i]);
			}
			if (c->reply.failed)
				return mc_fail(c, "out of memory for the reply text");
			return r.data[0] == '4' ? MC_TEMPFAIL : MC_REJECT;
		}
		case SMFIR_QUARANTINE:
			/* Not a decision (as in Sendmail 8.13 and Postfix). */
			if ((c->actions & SMFIF_QUARANTINE) == 0)
				return mc_fail(c, "sent SMFIR_QUARANTINE but did not negotiate it");
			if (mc_add_mod(c, MC_MOD_QUARANTINE, 0, r.s1, r.s1len, "", 0) < 0)
				return MC_ERROR;
			continue;
		default:
			if (cmd != SMFIC_BODYEOB)
				return mc_fail(c, "unexpected reply %s after %s", mp_reply_name(r.cmd),
				    mp_cmd_name(cmd));
			if (take_mod(c, &r) < 0)
				return MC_ERROR;
			continue;
		}
	}
}

/* Copies the enhanced status "d.d{1,3}.d{1,3}" at s into st; its length or 0. */
static size_t
take_status(const char *s, char *st, size_t stlen)
{
	size_t i = 0, parts = 0, digits = 0;

	while (s[i]) {
		if (s[i] >= '0' && s[i] <= '9') {
			digits++;
			if (digits > 3)
				return 0;
		} else if (s[i] == '.' && digits > 0 && parts < 2) {
			parts++;
			digits = 0;
		} else
			break;
		i++;
	}
	if (parts != 2 || digits == 0 || (s[i] != ' ' && s[i] != '\0') || i >= stlen)
		return 0;
	memcpy(st, s, i);
	st[i] = '\0';
	return i;
}

int
mc_fold_reply(const char *reply, const char *dflt_code, const char *dflt_status, char *out,
              size_t outlen)
{
	char code[4] = "", status[16] = "", text[1024] = "";
	size_t tl = 0;
	const char *p = reply ? reply : "";

	while (*p) {
		const char *eol = p + strcspn(p, "\r\n");
		const char *q = p;

		if (eol - p >= 3 && q[0] >= '2' && q[0] <= '5' && q[1] >= '0' && q[1] <= '9' &&
		    q[2] >= '0' && q[2] <= '9' && (eol - p == 3 || q[3] == ' ' || q[3] == '-')) {
			if (code[0] == '\0') {
				memcpy(code, q, 3);
				code[3] = '\0';
			}
			q += eol - p == 3 ? 3 : 4;
			char st[16];
			size_t sl = take_status(q, st, sizeof(st));
			if (sl > 0) {
				if (status[0] == '\0')
					strlcpy(status, st, sizeof(status));
				q += sl;
			}
		}
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (q < eol && tl > 0 && tl + 1 < sizeof(text))
			text[tl++] = ' ';
		for (; q < eol && tl + 1 < sizeof(text); q++) {
			unsigned char ch = (unsigned char)*q;
			text[tl++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
		}
		p = eol;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	text[tl] = '\0';
	while (tl > 0 && text[tl - 1] == ' ')
		text[--tl] = '\0';
	if (code[0] != '4' && code[0] != '5')
		strlcpy(code, dflt_code && (dflt_code[0] == '4' || dflt_code[0] == '5') &&
		    strlen(dflt_code) == 3 ? dflt_code : "550", sizeof(code));
	if (status[0] != code[0])
		strlcpy(status, dflt_status ? dflt_status : "5.7.1", sizeof(status));
	if (status[0] != code[0])
		status[0] = code[0];
	if (text[0] == '\0')
		strlcpy(text, code[0] == '4' ? "Try again later" : "Message rejected", sizeof(text));
	if (snprintf(out, outlen, "%s %s %s", code, status, text) < 0 && outlen > 0)
		out[0] = '\0';
	return 0;
}

