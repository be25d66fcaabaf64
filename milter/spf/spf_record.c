/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_record.c - the SPF record parser (RFC 7208 4.6 and the ABNF of 12).
 *
 * Accepts "v=spf1" followed by SP-separated terms. Every term is checked
 * before anything is evaluated, because a syntax error anywhere makes the
 * whole record a permerror (4.6): mechanism names, qualifiers, domain-specs
 * (macro syntax and the domain-end rule), ip4/ip6 networks, CIDR lengths
 * (no leading zeros, /0 valid), modifier names and values, and at most one
 * redirect= and one exp=. Unknown modifiers are syntax-checked and ignored.
 * Caps: SPF_MAX_RECORD octets, SPF_MAX_TERMS terms.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf_ip.h"
#include "spf_macro.h"
#include "spf_record.h"

static const char *const mech_names[] = { "all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists" };

const char *
spf_mech_name(enum spf_mech m)
{
	return (unsigned)m < sizeof(mech_names) / sizeof(mech_names[0]) ? mech_names[m] : "?";
}

int
spf_record_is_spf(const char *txt, size_t len)
{
	return len >= 6 && strncasecmp(txt, "v=spf1", 6) == 0 && (len == 6 || txt[6] == ' ');
}

/* toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static int
is_toplabel(const char *s, size_t n)
{
	int alpha = 0, dash = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalpha(c))
			alpha = 1;
		else if (c == '-')
			dash = 1;
		else if (!isdigit(c))
			return 0;
	}
	if (!dash)
		return alpha;
	return isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[n - 1]);
}

/* domain-spec = macro-string domain-end; domain-end = ("." toplabel ["."]) / macro-expand */
static int
check_domain_spec(const char *s, size_t n, char *err, size_t errlen)
{
	size_t end = n, dot;

	if (n == 0) {
		snprintf(err, errlen, "empty domain-spec");
		return -1;
	}
	if (spf_macro_check(s, n, 0, err, errlen) < 0)
		return -1;
	/* Ends in a macro-expand: "%{...}", or "%%", "%_", "%-". */
	if (s[n - 1] == '}') {
		/* the macro check passed, so a '}' at the end closes a %{ */
		const char *open = NULL;
		for (size_t i = 0; i + 1 < n; i++)
			if (s[i] == '%' && s[i + 1] == '{')
				open = s + i;
			else if (s[i] == '%')
				i++;
		if (open != NULL)
			return 0;
	}
	if (n >= 2 && s[n - 2] == '%' && strchr("%_-", s[n - 1])) {
		/* make sure this '%' is not itself the second half of "%%" */
		size_t k = 0;
		while (k < n - 1 && s[n - 2 - k] == '%')
			k++;
		if (k % 2 == 1)
			return 0;
	}
	if (s[end - 1] == '.')
		end--;
	dot = end;
	while (dot > 0 && s[dot - 1] != '.')
		dot--;
	if (dot == 0 || !is_toplabel(s + dot, end - dot)) {
		snprintf(err, errlen, "domain-spec '%.*s' does not end in a valid top label", (int)(n > 200 ? 200 : n), s);
		return -1;
	}
	return 0;
}

/* "/N" with no leading zero and N <= max. */
static int
parse_cidr(const char *s, size_t n, int max, int *out)
{
	int v = 0;

	if (n == 0 || n > 3 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Splits a trailing dual-cidr-length off arg[0..*n): sets cidr4/cidr6, shortens *n. */
static int
split_dual_cidr(const char *arg, size_t *n, int *c4, int *c6, char *err, size_t errlen, const char *term)
{
	size_t e = *n, k;

	*c4 = *c6 = -1;
	/* "//N" at the end? */
	k = e;
	while (k > 0 && isdigit((unsigned char)arg[k - 1]))
		k--;
	if (k < e && k >= 2 && arg[k - 1] == '/' && arg[k - 2] == '/') {
		if (parse_cidr(arg + k, e - k, 128, c6) < 0)
			goto bad;
		e = k - 2;
		k = e;
		while (k > 0 && isdigit((unsigned char)arg[k - 1]))
			k--;
	}
	if (k < e && k >= 1 && arg[k - 1] == '/' && !(k >= 2 && arg[k - 2] == '/')) {
		if (parse_cidr(arg + k, e - k, 32, c4) < 0)
			goto bad;
		e = k - 1;
	}
	*n = e;
	return 0;
bad:
	snprintf(err, errlen, "bad CIDR length in '%s'", term);
	return -1;
}

/*
 * The ":domain-spec" after a mechanism name (p, len: what follows the name,
 * CIDR suffixes already cut). 0, or -1 with err naming the token.
 */
static int
take_spec(struct spf_term *t, const char *p, size_t len, const char *tok, char *err, size_t errlen)
{
	if (*p != ':') {
		snprintf(err, errlen, "bad mechanism syntax '%s'", tok);
		return -1;
	}
	t->spec = p + 1;
	t->spec_len = len - 1;
	return check_domain_spec(t->spec, t->spec_len, err, errlen);
}

static int
parse_term(struct spf_record *r, char *tok, char *err, size_t errlen)
{
	char *p = tok, q = '+';
	size_t nl = 0, len;
	struct spf_term *t;
	int qual_given = 0;

	if (*p == '+' || *p == '-' || *p == '~' || *p == '?') {
		q = *p++;
		qual_given = 1;
	}
	if (!isalpha((unsigned char)*p)) {
		snprintf(err, errlen, "unknown term '%s'", tok);
		return -1;
	}
	while (isalnum((unsigned char)p[nl]) || p[nl] == '-' || p[nl] == '_' || p[nl] == '.')
		nl++;

	if (p[nl] == '=') {
		/* modifier */
		const char *val = p + nl + 1;
		size_t vl = strlen(val);
		if (qual_given) {
			snprintf(err, errlen, "qualifier on modifier '%s'", tok);
			return -1;
		}
		if (nl == 8 && strncasecmp(p, "redirect", 8) == 0) {
			if (r->redirect) {
				snprintf(err, errlen, "second redirect= in '%s'", tok);
				return -1;
			}
			if (check_domain_spec(val, vl, err, errlen) < 0)
				return -1;
			r->redirect = val;
			r->redirect_len = vl;
		} else if (nl == 3 && strncasecmp(p, "exp", 3) == 0) {
			if (r->exp) {
				snprintf(err, errlen, "second exp= in '%s'", tok);
				return -1;
			}
			if (check_domain_spec(val, vl, err, errlen) < 0)
				return -1;
			r->exp = val;
			r->exp_len = vl;
		} else {
			char e2[160];
			if (spf_macro_check(val, vl, 0, e2, sizeof(e2)) < 0) {
				snprintf(err, errlen, "modifier '%s': %s", tok, e2);
				return -1;
			}
		}
		return 0;
	}

	/* mechanism */
	size_t m;
	for (m = 0; m < sizeof(mech_names) / sizeof(mech_names[0]); m++)
		if (strlen(mech_names[m]) == nl && strncasecmp(p, mech_names[m], nl) == 0)
			break;
	if (m == sizeof(mech_names) / sizeof(mech_names[0]) || (p[nl] != '\0' && p[nl] != ':' && p[nl] != '/')) {
		snprintf(err, errlen, "unknown mechanism '%s'", tok);
		return -1;
	}
	if (r->nterms >= SPF_MAX_TERMS) {
		snprintf(err, errlen, "more than %d terms", SPF_MAX_TERMS);
		return -1;
	}
	t = &r->terms[r->nterms];
	memset(t, 0, sizeof(*t));
	t->qualifier = q;
	t->mech = (enum spf_mech)m;
	t->text = tok;
	t->cidr4 = t->cidr6 = -1;
	p += nl;
	len = strlen(p);

	switch (t->mech) {
	case SPF_M_ALL:
		if (len != 0)
			goto junk;
		break;
	case SPF_M_INCLUDE:
	case SPF_M_EXISTS:
		if (*p != ':')
			goto needarg;
		if (take_spec(t, p, len, tok, err, errlen) < 0)
			return -1;
		break;
	case SPF_M_A:
	case SPF_M_MX:
		if (split_dual_cidr(p, &len, &t->cidr4, &t->cidr6, err, errlen, tok) < 0)
			return -1;
		if (len > 0 && take_spec(t, p, len, tok, err, errlen) < 0)
			return -1;
		break;
	case SPF_M_PTR:
		if (len > 0 && take_spec(t, p, len, tok, err, errlen) < 0)
			return -1;
		break;
	case SPF_M_IP4:
	case SPF_M_IP6: {
		const char *slash;
		size_t al;
		int is6 = t->mech == SPF_M_IP6;
		if (*p != ':')
			goto needarg;
		p++;
		slash = strchr(p, '/');
		al = slash ? (size_t)(slash - p) : strlen(p);
		if (is6 ? spf_ip6_parse(p, al, t->addr) < 0 : spf_ip4_parse_strict(p, al, t->addr) < 0) {
			snprintf(err, errlen, "bad address in '%s'", tok);
			return -1;
		}
		if (slash) {
			int v;
			if (parse_cidr(slash + 1, strlen(slash + 1), is6 ? 128 : 32, &v) < 0) {
				snprintf(err, errlen, "bad CIDR length in '%s'", tok);
				return -1;
			}
			if (is6) t->cidr6 = v; else t->cidr4 = v;
		}
		break;
	}
	}
	if (t->mech == SPF_M_ALL)
		r->has_all = 1;
	r->nterms++;
	return 0;
needarg:
	snprintf(err, errlen, "mechanism '%s' needs ':' and an argument", tok);
	return -1;
junk:
	snprintf(err, errlen, "bad mechanism syntax '%s'", tok);
	return -1;
}

int
spf_record_parse(const char *txt, size_t len, struct spf_record *out, char *err, size_t errlen)
{
	char *p, *tok;

	memset(out, 0, sizeof(*out));
	if (len > SPF_MAX_RECORD) {
		snprintf(err, errlen, "record of %zu octets exceeds the cap of %d", len, SPF_MAX_RECORD);
		return -1;
	}
	if (!spf_record_is_spf(txt, len)) {
		snprintf(err, errlen, "not an SPF record");
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)txt[i] < 0x20 || (unsigned char)txt[i] > 0x7e) {
			snprintf(err, errlen, "invalid character 0x%02x at offset %zu", (unsigned char)txt[i], i);
			return -1;
		}
	out->buf = malloc(len + 1);
	out->terms = calloc(len / 2 + 1 < SPF_MAX_TERMS ? len / 2 + 1 : SPF_MAX_TERMS, sizeof(struct spf_term));
	if (out->buf == NULL || out->terms == NULL) {
		spf_record_free(out);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(out->buf, txt, len);
	out->buf[len] = '\0';
	p = out->buf + 6;
	while (*p) {
		if (*p == ' ') {
			*p++ = '\0';
			continue;
		}
		tok = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
		if (out->nterms >= len / 2 + 1) {
			snprintf(err, errlen, "too many terms");
			spf_record_free(out);
			return -1;
		}
		if (parse_term(out, tok, err, errlen) < 0) {
			spf_record_free(out);
			return -1;
		}
	}
	return 0;
}

void
spf_record_free(struct spf_record *r)
{
	free(r->buf);
	free(r->terms);
	memset(r, 0, sizeof(*r));
}
