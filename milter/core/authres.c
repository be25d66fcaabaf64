/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authres.c - Authentication-Results and Received-SPF values (see authres.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authres.h"

/* RFC 5322 atext plus '.' and '@': such a value needs no quoting. */
static int
is_plain(const char *s)
{
	if (*s == '\0')
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (!isalnum(*p) && strchr("!#$%&'*+-/=?^_`{|}~.@", *p) == NULL)
			return 0;
	return 1;
}

static void
put_value(struct buf *b, const char *s)
{
	if (is_plain(s)) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < ' ' || *p >= 0x7f)
			buf_putc(b, '?');
		else {
			if (*p == '"' || *p == '\\')
				buf_putc(b, '\\');
			buf_putc(b, *p);
		}
	}
	buf_putc(b, '"');
}

static void
put_comment_text(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p >= ' ' && *p < 0x7f && *p != '(' && *p != ')' && *p != '\\')
			buf_putc(b, *p);
}

void
authres_begin(struct buf *b, const char *authserv_id)
{
	buf_putc(b, ' ');
	buf_puts(b, authserv_id);
	buf_putc(b, ';');
}

static void
sep(struct buf *b)
{
	/* The first part follows "id;" with a space, later ones after "\n\t". */
	if (b->len > 0 && b->data[b->len - 1] == ';' && memchr(b->data, '=', b->len) == NULL)
		buf_putc(b, ' ');
	else
		buf_puts(b, ";\n\t");
}

void
authres_add_spf(struct buf *b, const struct authres_spf *s)
{
	static const char *const prop[] = { "smtp.mailfrom", "smtp.helo", "header.from" };

	sep(b);
	buf_printf(b, "spf=%s", s->policy ? "policy" : spf_result_str(s->result));
	if (s->reason != NULL && s->reason[0] != '\0') {
		buf_puts(b, " (");
		put_comment_text(b, s->reason);
		buf_putc(b, ')');
	}
	if (s->value != NULL && s->value[0] != '\0') {
		buf_printf(b, " %s=", prop[s->kind]);
		put_value(b, s->value);
	}
}

void
authres_add_dkim(struct buf *b, const struct dkim_report *r)
{
	if (r->nsigs == 0) {
		sep(b);
		buf_puts(b, "dkim=none");
		return;
	}
	for (size_t i = 0; i < r->nsigs && i < DKIM_REPORT_MAX; i++) {
		const struct dkim_sig_report *s = &r->sig[i];
		sep(b);
		buf_printf(b, "dkim=%s", dkim_verdict_str(s->verdict));
		if (s->reason[0] != '\0') {
			buf_puts(b, " (");
			put_comment_text(b, s->reason);
			buf_putc(b, ')');
		}
		if (s->d[0]) { buf_puts(b, " header.d="); put_value(b, s->d); }
		if (s->i[0]) { buf_puts(b, " header.i="); put_value(b, s->i); }
		if (s->s[0]) { buf_puts(b, " header.s="); put_value(b, s->s); }
		if (s->a[0]) { buf_puts(b, " header.a="); put_value(b, s->a); }
		if (s->b[0]) { buf_puts(b, " header.b="); put_value(b, s->b); }
	}
}

void
authres_add_dmarc(struct buf *b, const struct dmarc_verdict *v, const char *dis)
{
	sep(b);
	buf_printf(b, "dmarc=%s", dmarc_result_str(v->result));
	if (v->have_record)
		buf_printf(b, " (p=%s dis=%s)", dmarc_policy_str(v->policy), dis != NULL ? dis : "none");
	if (v->from_domain[0] != '\0') {
		buf_puts(b, " header.from=");
		put_value(b, v->from_domain);
	}
}

void
authres_add_arc(struct buf *b, const struct dkim_report *r, const char *remote_ip)
{
	sep(b);
	buf_printf(b, "arc=%s", arc_verdict_str(r->arc));
	if (r->arc == ARC_PASS) {
		buf_printf(b, " (i=%u d=", r->arc_sets);
		put_comment_text(b, r->arc_d);
		buf_putc(b, ')');
	} else if (r->arc == ARC_FAIL && r->arc_reason[0] != '\0') {
		buf_puts(b, " (");
		put_comment_text(b, r->arc_reason);
		buf_putc(b, ')');
	}
	if (remote_ip != NULL && remote_ip[0] != '\0') {
		buf_puts(b, " smtp.remote-ip=");
		put_value(b, remote_ip);
	}
}

void
authres_end(struct buf *b)
{
	if (b->len > 0 && b->data[b->len - 1] == ';')
		buf_puts(b, " none");
}

static void
kv(struct buf *b, const char *k, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	buf_printf(b, "\n\t%s=", k);
	put_value(b, v);
	buf_putc(b, ';');
}

void
authres_received_spf(struct buf *b, const struct received_spf *r)
{
	const char *rs = spf_result_str(r->result);
	const char *who = r->identity && strcmp(r->identity, "helo") == 0 ? r->helo : r->envelope_from;
	const char *ip = r->client_ip ? r->client_ip : "unknown";

	if (r->identity && strcmp(r->identity, "header-from") == 0)
		who = r->domain;
	if (who == NULL || who[0] == '\0')
		who = r->domain;
	buf_printf(b, " %s (", rs);
	put_comment_text(b, r->receiver ? r->receiver : "unknown");
	buf_puts(b, ": ");
	switch (r->result) {
	case SPF_RESULT_PASS: buf_puts(b, "domain of "); put_comment_text(b, who ? who : ""); buf_puts(b, " designates "); put_comment_text(b, ip); buf_puts(b, " as permitted sender"); break;
	case SPF_RESULT_FAIL: buf_puts(b, "domain of "); put_comment_text(b, who ? who : ""); buf_puts(b, " does not designate "); put_comment_text(b, ip); buf_puts(b, " as permitted sender"); break;
	case SPF_RESULT_SOFTFAIL: buf_puts(b, "transitioning domain of "); put_comment_text(b, who ? who : ""); buf_puts(b, " does not designate "); put_comment_text(b, ip); buf_puts(b, " as permitted sender"); break;
	case SPF_RESULT_NEUTRAL: put_comment_text(b, ip); buf_puts(b, " is neither permitted nor denied by domain of "); put_comment_text(b, who ? who : ""); break;
	case SPF_RESULT_NONE: buf_puts(b, "domain of "); put_comment_text(b, who ? who : ""); buf_puts(b, " does not designate permitted sender hosts"); break;
	case SPF_RESULT_TEMPERROR: buf_puts(b, "error in processing during lookup of "); put_comment_text(b, who ? who : ""); break;
	case SPF_RESULT_PERMERROR: buf_puts(b, "permanent error in processing domain of "); put_comment_text(b, who ? who : ""); break;
	}
	buf_putc(b, ')');
	kv(b, "receiver", r->receiver);
	kv(b, "client-ip", r->client_ip);
	kv(b, "envelope-from", r->envelope_from && r->envelope_from[0] ? r->envelope_from : "<>");
	kv(b, "helo", r->helo);
	kv(b, "identity", r->identity);
	kv(b, "mechanism", r->mechanism);
	kv(b, "problem", r->problem);
}

int
authres_is_ours(const char *value, const char *authserv_id)
{
	const char *p = value;
	size_t n, idlen = strlen(authserv_id);

	if (idlen == 0)
		return 0;
	/* Skip white space, folding and CFWS comments before the id. */
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '(')
			break;
		for (int depth = 0; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0') { p++; continue; }
			if (*p == '(') depth++;
			if (*p == ')' && --depth == 0) { p++; break; }
		}
	}
	if (*p == '"') {
		/* quoted-string: compare the unescaped content, byte by byte */
		size_t i = 0;
		for (p++; *p != '"'; p++, i++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (*p == '\0' || i >= idlen ||
			    tolower((unsigned char)*p) != tolower((unsigned char)authserv_id[i]))
				return 0;
		}
		return i == idlen;
	}
	n = strcspn(p, " \t\r\n;(");
	return n == idlen && strncasecmp(p, authserv_id, n) == 0;
}
