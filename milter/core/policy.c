/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy.c - action ranking and SMTP reply templates (see policy.h).
 *
 * Default replies use the RFC 7372 enhanced status codes: 5.7.23 SPF
 * validation failed, 4.7.24/5.7.24 SPF validation error, 5.7.20 no passing
 * DKIM signature, 4.7.5 cryptographic failure (temporary), 5.7.26 multiple
 * authentication checks failed (DMARC: neither SPF nor DKIM aligned). A
 * template written without an enhanced code ("451 Please try again later", as the
 * XMail admin guide writes them) gets the code of its result's default with
 * the class of its own reply code (policy_reply_complete, at config load):
 * RFC 2034 requires every reply of a server that offers ENHANCEDSTATUSCODES,
 * as Postfix and Sendmail do, to carry one, and the RFC 7372 code tells the
 * sender which check refused the mail.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

static const char *const spf_defaults[SPF_RESULT_COUNT] = {
	[SPF_RESULT_NONE] = "550 5.7.23 %{domain} has no SPF record and this server requires one",
	[SPF_RESULT_NEUTRAL] = "550 5.7.23 SPF check for %{domain} gave neutral for %{ip}",
	[SPF_RESULT_PASS] = "550 5.7.23 SPF pass for %{domain}",
	[SPF_RESULT_FAIL] = "550 5.7.23 SPF fail: %{ip} is not allowed to send mail for %{domain}",
	[SPF_RESULT_SOFTFAIL] = "550 5.7.23 SPF softfail: %{ip} is not allowed to send mail for %{domain}",
	[SPF_RESULT_TEMPERROR] = "451 4.7.24 SPF temporary error for %{domain}, try again later",
	[SPF_RESULT_PERMERROR] = "550 5.7.24 SPF permanent error in the record of %{domain}",
};

static const char *const dkim_defaults[DKIM_V_COUNT] = {
	[DKIM_V_NONE] = "550 5.7.20 No DKIM signature found",
	[DKIM_V_PASS] = "550 5.7.20 DKIM pass",
	[DKIM_V_FAIL] = "550 5.7.20 No passing DKIM signature found",
	[DKIM_V_NEUTRAL] = "550 5.7.20 No passing DKIM signature found",
	[DKIM_V_POLICY] = "550 5.7.20 No acceptable DKIM signature found",
	[DKIM_V_TEMPERROR] = "451 4.7.5 DKIM temporary error, try again later",
	[DKIM_V_PERMERROR] = "550 5.7.20 No passing DKIM signature found",
};

static const char *const dmarc_defaults[DMARC_O_COUNT] = {
	[DMARC_O_PASS] = "550 5.7.26 DMARC pass for %{domain}",
	[DMARC_O_NORECORD] = "550 5.7.26 %{domain} publishes no DMARC policy",
	[DMARC_O_FAIL_NONE] = "550 5.7.26 Unauthenticated mail from %{domain}: no aligned SPF or DKIM pass",
	[DMARC_O_FAIL_QUARANTINE] = "550 5.7.26 Unauthenticated mail from %{domain}: no aligned SPF or DKIM pass",
	[DMARC_O_FAIL_REJECT] = "550 5.7.26 Unauthenticated mail from %{domain} is refused by its DMARC policy",
	[DMARC_O_TEMPERROR] = "451 4.7.26 DMARC policy of %{domain} could not be looked up, try again later",
	[DMARC_O_PERMERROR] = "550 5.7.26 DMARC evaluation failed for %{domain}: %{explanation}",
};

static const char *const action_names[ACT_COUNT] = { "accept", "reject", "save-reject", "quarantine" };

const char *
action_str(enum action a)
{
	return (unsigned)a < ACT_COUNT ? action_names[a] : "accept";
}

int
action_parse(const char *s, enum action *out)
{
	for (int i = 0; i < ACT_COUNT; i++)
		if (strcasecmp(s, action_names[i]) == 0) {
			*out = (enum action)i;
			return 0;
		}
	return -1;
}

const char *
policy_default_spf_reply(enum spf_result r)
{
	return (unsigned)r < SPF_RESULT_COUNT ? spf_defaults[r] : spf_defaults[SPF_RESULT_FAIL];
}

const char *
policy_default_bad_from_reply(void)
{
	return "550 5.7.1 Unusable From: header field: %{explanation}";
}

const char *
policy_default_dkim_reply(enum dkim_verdict v)
{
	return (unsigned)v < DKIM_V_COUNT ? dkim_defaults[v] : dkim_defaults[DKIM_V_FAIL];
}

const char *
policy_default_dmarc_reply(enum dmarc_outcome o)
{
	return (unsigned)o < DMARC_O_COUNT ? dmarc_defaults[o] : dmarc_defaults[DMARC_O_FAIL_REJECT];
}

int
policy_action_rank(enum action a)
{
	switch (a) {
	case ACT_SAVE_REJECT: return 3;
	case ACT_REJECT: return 2;
	case ACT_QUARANTINE: return 1;
	default: return 0;
	}
}

int
policy_is_reject(enum action a)
{
	return a == ACT_REJECT || a == ACT_SAVE_REJECT;
}

static const char *const field_names[] = { "sender", "ip", "domain", "helo", "result", "explanation" };

static const char *
field_value(const struct reply_fields *f, const char *name, size_t n)
{
	const char *v[] = { f->sender, f->ip, f->domain, f->helo, f->result, f->explanation };

	for (size_t i = 0; i < sizeof(field_names) / sizeof(field_names[0]); i++)
		if (strlen(field_names[i]) == n && strncmp(field_names[i], name, n) == 0)
			return v[i] ? v[i] : "";
	return NULL;
}

/* Splits "CODE [X.Y.Z] text": returns the text start, or NULL. xcode is ""
   when the template has no enhanced code. A second word that starts like a
   code ("5." ...) is taken as one and must be a well-formed X.Y.Z of the
   reply's class: a typo there is an error, not text. */
static const char *
split(const char *t, char rcode[4], char xcode[16], char *err, size_t errlen)
{
	const char *p = t, *x;
	size_t n;

	if (!(p[0] == '4' || p[0] == '5') || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || p[3] != ' ') {
		snprintf(err, errlen, "reply \"%.40s\" must start with a 4xx or 5xx code and a space", t);
		return NULL;
	}
	memcpy(rcode, p, 3);
	rcode[3] = '\0';
	xcode[0] = '\0';
	x = p + 4;
	n = strcspn(x, " ");
	if (isdigit((unsigned char)x[0]) && x[1] == '.') {
		int a, b, c, len = 0;
		char tmp[16];
		if (n >= sizeof(tmp)) {
			snprintf(err, errlen, "reply \"%.40s\": enhanced status code too long", t);
			return NULL;
		}
		memcpy(tmp, x, n);
		tmp[n] = '\0';
		if (sscanf(tmp, "%1d.%3d.%3d%n", &a, &b, &c, &len) != 3 || (size_t)len != n ||
		    a + '0' != p[0]) {
			snprintf(err, errlen, "reply \"%.40s\": enhanced status code \"%s\" must be %c.Y.Z",
			    t, tmp, p[0]);
			return NULL;
		}
		memcpy(xcode, tmp, n + 1);
		x += n;
		if (*x != ' ')
			x = "";
		else
			x++;
	}
	if (*x == '\0' || *x == ' ') {
		snprintf(err, errlen, "reply \"%.40s\": missing text after the status code", t);
		return NULL;
	}
	return x;
}

int
policy_reply_complete(const char *tmpl, const char *dflt, char *out, size_t outlen)
{
	char rc[4], xc[16], drc[4], dxc[16], err[128];
	const char *text = split(tmpl, rc, xc, err, sizeof(err));
	int n;

	if (text == NULL)
		return -1;
	if (xc[0] != '\0' || split(dflt, drc, dxc, err, sizeof(err)) == NULL || dxc[0] == '\0')
		n = snprintf(out, outlen, "%s", tmpl);
	else
		/* The class follows the reply code: 451 gets 4.7.23, 554 gets 5.7.23. */
		n = snprintf(out, outlen, "%s %c%s %s", rc, rc[0], dxc + 1, text);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int
policy_reply_check(const char *tmpl, char *err, size_t errlen)
{
	char rc[4], xc[16];
	const char *text = split(tmpl, rc, xc, err, errlen);

	if (text == NULL)
		return -1;
	if (strlen(tmpl) > POLICY_REPLY_MAX / 2) {
		snprintf(err, errlen, "reply too long (cap %d bytes)", POLICY_REPLY_MAX / 2);
		return -1;
	}
	for (const char *p = text; *p != '\0'; p++) {
		if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f) {
			snprintf(err, errlen, "reply contains a control or non-ASCII byte");
			return -1;
		}
		if (*p == '%' && p[1] == '%') {
			p++;
			continue;
		}
		if (*p == '%') {
			const char *e;
			if (p[1] != '{' || (e = strchr(p + 2, '}')) == NULL) {
				snprintf(err, errlen, "reply: '%%' must start a %%{field} (write %%%% for a percent sign)");
				return -1;
			}
			{
				static const struct reply_fields none;
				if (field_value(&none, p + 2, (size_t)(e - p - 2)) == NULL) {
					snprintf(err, errlen, "reply: unknown field %%{%.*s} (known: sender ip domain helo result explanation)",
					    (int)(e - p - 2 > 40 ? 40 : e - p - 2), p + 2);
					return -1;
				}
			}
			p = e;
		}
	}
	return 0;
}

/* Appends c to both outputs (text escaped for libmilter). */
static void
put(struct policy_reply *o, size_t *tn, size_t *pn, size_t plain_off, char c)
{
	if ((unsigned char)c < ' ' || (unsigned char)c >= 0x7f)
		c = '?';
	if (*tn + (c == '%' ? 2 : 1) < sizeof(o->text) - 1) {
		o->text[(*tn)++] = c;
		if (c == '%')
			o->text[(*tn)++] = '%';
	}
	if (plain_off + *pn < sizeof(o->plain) - 1 && *tn < sizeof(o->text) - 1)
		o->plain[plain_off + (*pn)++] = c;
}

int
policy_reply_expand(const char *tmpl, const struct reply_fields *f, struct policy_reply *out)
{
	char err[128];
	const char *text = split(tmpl, out->rcode, out->xcode, err, sizeof(err));
	size_t tn = 0, pn = 0, off;
	int n;

	if (text == NULL)
		return -1;
	n = snprintf(out->plain, sizeof(out->plain), "%s %s%s", out->rcode, out->xcode,
	    out->xcode[0] != '\0' ? " " : "");
	off = n > 0 ? (size_t)n : 0;
	for (const char *p = text; *p != '\0'; p++) {
		const char *e, *v;
		if (*p == '%' && p[1] == '%') {
			put(out, &tn, &pn, off, '%');
			p++;
		} else if (*p == '%' && p[1] == '{' && (e = strchr(p + 2, '}')) != NULL &&
		    (v = field_value(f, p + 2, (size_t)(e - p - 2))) != NULL) {
			for (; *v != '\0'; v++)
				put(out, &tn, &pn, off, *v);
			p = e;
		} else
			put(out, &tn, &pn, off, *p);
	}
	out->text[tn] = '\0';
	out->plain[off + pn] = '\0';
	return 0;
}
