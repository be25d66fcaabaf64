/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dmarc_record.c - DMARC record recognition and parsing (see dmarc_record.h).
 *
 * The record is walked once, tag by tag; each known tag has its own small
 * grammar from RFC 7489 section 6.4. Literal keywords (tag names, p values,
 * "r"/"s") compare case-insensitively, as ABNF strings do; "DMARC1" is
 * written as %x codes in the ABNF and so compares exactly.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dmarc_record.h"

static const char *const policy_names[] = { "none", "quarantine", "reject" };

const char *
dmarc_policy_str(enum dmarc_policy p)
{
	return (unsigned)p < 3 ? policy_names[p] : "none";
}

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Record text for an error message: at most 40 bytes, control bytes as '?'. */
static void
quote_token(const char *s, size_t n, char *out, size_t outlen)
{
	size_t k = 0;

	if (n > 40)
		n = 40;
	for (size_t i = 0; i < n && k + 1 < outlen; i++)
		out[k++] = ((unsigned char)s[i] < ' ' || (unsigned char)s[i] >= 0x7f) ? '?' : s[i];
	out[k] = '\0';
}

int
dmarc_record_is_dmarc(const char *txt, size_t len)
{
	size_t i = 0;

	while (i < len && is_wsp(txt[i]))
		i++;
	if (i >= len || (txt[i] != 'v' && txt[i] != 'V'))
		return 0;
	i++;
	while (i < len && is_wsp(txt[i]))
		i++;
	if (i >= len || txt[i] != '=')
		return 0;
	i++;
	while (i < len && is_wsp(txt[i]))
		i++;
	if (len - i < 6 || memcmp(txt + i, "DMARC1", 6) != 0)
		return 0;
	i += 6;
	return i == len || txt[i] == ';' || is_wsp(txt[i]);
}

static int
policy_parse(const char *v, size_t n, enum dmarc_policy *out)
{
	for (int i = 0; i < 3; i++)
		if (strlen(policy_names[i]) == n && strncasecmp(v, policy_names[i], n) == 0) {
			*out = (enum dmarc_policy)i;
			return 0;
		}
	return -1;
}

static int
all_digits(const char *v, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)v[i]))
			return 0;
	return 1;
}

/* The value of n (at most 12) digits; the caller checked all_digits(). */
static unsigned long long
digits_value(const char *v, size_t n)
{
	unsigned long long x = 0;

	for (size_t i = 0; i < n; i++)
		x = x * 10 + (unsigned long long)(v[i] - '0');
	return x;
}

/* One dmarc-uri: URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]. 0 or -1. */
static int
uri_parse(const char *v, size_t n, struct dmarc_uri *out)
{
	const char *bang = NULL, *colon;
	size_t ulen;

	for (size_t i = 0; i < n; i++)
		if (v[i] == '!')
			bang = v + i;
	ulen = bang != NULL ? (size_t)(bang - v) : n;
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ":" and more. */
	if (ulen < 3 || !isalpha((unsigned char)v[0]) || (colon = memchr(v, ':', ulen)) == NULL ||
	    (size_t)(colon - v) + 1 >= ulen || ulen >= sizeof(out->uri))
		return -1;
	for (const char *p = v + 1; p < colon; p++)
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
			return -1;
	for (size_t i = 0; i < ulen; i++)
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 0x7f)
			return -1;
	memcpy(out->uri, v, ulen);
	out->uri[ulen] = '\0';
	out->max_size = 0;
	if (bang != NULL) {
		const char *s = bang + 1, *e = v + n;
		unsigned long long mult = 1;
		if (e > s && strchr("kmgtKMGT", e[-1]) != NULL) {
			switch (tolower((unsigned char)e[-1])) {
			case 'k': mult = 1ULL << 10; break;
			case 'm': mult = 1ULL << 20; break;
			case 'g': mult = 1ULL << 30; break;
			default: mult = 1ULL << 40; break;
			}
			e--;
		}
		if (!all_digits(s, (size_t)(e - s)) || e - s > 12)
			return -1;
		out->max_size = digits_value(s, (size_t)(e - s)) * mult;
	}
	return 0;
}

/*
 * A comma list of URIs into uris (first DMARC_URI_MAX kept). Unparseable
 * URIs are dropped. Returns how many were valid.
 */
static size_t
uri_list(const char *v, size_t n, struct dmarc_uri *uris, size_t *nuris)
{
	size_t valid = 0, i = 0;

	*nuris = 0;
	while (i <= n) {
		size_t s = i, e;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (s < e && is_wsp(v[s]))
			s++;
		while (e > s && is_wsp(v[e - 1]))
			e--;
		if (e > s) {
			struct dmarc_uri u;
			if (uri_parse(v + s, e - s, &u) == 0) {
				valid++;
				if (*nuris < DMARC_URI_MAX)
					uris[(*nuris)++] = u;
			}
		}
		i++;
	}
	return valid;
}

/* fo: "0" / "1" / "d" / "s", colon-separated. */
static int
fo_parse(const char *v, size_t n, char *out, size_t outlen)
{
	size_t k = 0;
	int want_opt = 1;

	for (size_t i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)v[i]);
		if (is_wsp(c))
			continue;
		if (want_opt) {
			if (c != '0' && c != '1' && c != 'd' && c != 's')
				return -1;
			want_opt = 0;
		} else if (c == ':')
			want_opt = 1;
		else
			return -1;
		if (k + 1 < outlen)
			out[k++] = c;
	}
	out[k] = '\0';
	return want_opt ? -1 : 0;
}

/* rf: Keyword *( ":" Keyword ), Keyword = ALPHA / DIGIT / "-". */
static int
rf_parse(const char *v, size_t n)
{
	int want = 1;

	for (size_t i = 0; i < n; i++) {
		if (is_wsp(v[i]))
			continue;
		if (isalnum((unsigned char)v[i]) || v[i] == '-')
			want = 0;
		else if (v[i] == ':' && !want)
			want = 1;
		else
			return -1;
	}
	return want ? -1 : 0;
}

enum tag { T_V, T_P, T_SP, T_PCT, T_RUA, T_RUF, T_ADKIM, T_ASPF, T_FO, T_RF, T_RI, T_COUNT };
static const char *const tag_names[T_COUNT] = {
	"v", "p", "sp", "pct", "rua", "ruf", "adkim", "aspf", "fo", "rf", "ri"
};

int
dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *out, char *err, size_t errlen)
{
	int seen[T_COUNT] = { 0 };
	int p_bad = 0, sp_bad = 0;
	size_t i = 0, ntags = 0, rua_valid = 0;
	char tok[48];

	memset(out, 0, sizeof(*out));
	out->pct = 100;
	out->ri = 86400;
	strlcpy(out->fo, "0", sizeof(out->fo));
	if (len > DMARC_RECORD_MAX) {
		snprintf(err, errlen, "record longer than %d bytes", DMARC_RECORD_MAX);
		return -1;
	}
	if (memchr(txt, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL byte in record");
		return -1;
	}
	if (!dmarc_record_is_dmarc(txt, len)) {
		snprintf(err, errlen, "record does not start with v=DMARC1");
		return -1;
	}
	while (i < len) {
		size_t ns, ne, vs, ve, end;
		int t = -1;

		end = i;
		while (end < len && txt[end] != ';')
			end++;
		ns = i;
		while (ns < end && is_wsp(txt[ns]))
			ns++;
		if (ns == end) {             /* empty spec: ";;" or the trailing ";" */
			i = end + 1;
			continue;
		}
		ne = ns;
		while (ne < end && (isalnum((unsigned char)txt[ne]) || txt[ne] == '_'))
			ne++;
		vs = ne;
		while (vs < end && is_wsp(txt[vs]))
			vs++;
		if (ne == ns || !isalpha((unsigned char)txt[ns]) || vs >= end || txt[vs] != '=') {
			quote_token(txt + ns, end - ns, tok, sizeof(tok));
			snprintf(err, errlen, "\"%s\" is not a tag=value", tok);
			return -1;
		}
		vs++;
		while (vs < end && is_wsp(txt[vs]))
			vs++;
		ve = end;
		while (ve > vs && is_wsp(txt[ve - 1]))
			ve--;
		for (size_t k = vs; k < ve; k++)
			if ((unsigned char)txt[k] < ' ' ? txt[k] != '\t' : (unsigned char)txt[k] >= 0x7f) {
				quote_token(txt + ns, end - ns, tok, sizeof(tok));
				snprintf(err, errlen, "control or 8-bit byte in \"%s\"", tok);
				return -1;
			}
		for (int k = 0; k < T_COUNT; k++)
			if (strlen(tag_names[k]) == ne - ns && strncasecmp(txt + ns, tag_names[k], ne - ns) == 0)
				t = k;
		ntags++;
		if (t >= 0) {
			const char *v = txt + vs;
			size_t n = ve - vs;
			int bad = 0;

			if (seen[t]) {
				snprintf(err, errlen, "tag %s given twice", tag_names[t]);
				return -1;
			}
			seen[t] = 1;
			switch ((enum tag)t) {
			case T_V:
				bad = ntags != 1 || n != 6 || memcmp(v, "DMARC1", 6) != 0;
				break;
			case T_P:
				p_bad = policy_parse(v, n, &out->p) < 0;
				break;
			case T_SP:
				sp_bad = policy_parse(v, n, &out->sp) < 0;
				out->has_sp = !sp_bad;
				break;
			case T_PCT:
				bad = !all_digits(v, n) || n > 3 || digits_value(v, n) > 100;
				if (!bad)
					out->pct = (unsigned)digits_value(v, n);
				break;
			case T_RUA:
				rua_valid = uri_list(v, n, out->rua, &out->nrua);
				break;
			case T_RUF:
				(void)uri_list(v, n, out->ruf, &out->nruf);
				break;
			case T_ADKIM:
			case T_ASPF:
				bad = n != 1 || (tolower((unsigned char)v[0]) != 'r' && tolower((unsigned char)v[0]) != 's');
				if (!bad && t == T_ADKIM)
					out->adkim_strict = tolower((unsigned char)v[0]) == 's';
				else if (!bad)
					out->aspf_strict = tolower((unsigned char)v[0]) == 's';
				break;
			case T_FO:
				bad = fo_parse(v, n, out->fo, sizeof(out->fo)) < 0;
				break;
			case T_RF:
				bad = rf_parse(v, n) < 0;
				break;
			case T_RI:
				bad = !all_digits(v, n) || n > 10 || digits_value(v, n) > 4294967295ULL;
				if (!bad)
					out->ri = (unsigned long)digits_value(v, n);
				break;
			case T_COUNT:
				break;
			}
			if (bad) {
				quote_token(v, n, tok, sizeof(tok));
				snprintf(err, errlen, "%s=%s is not valid", tag_names[t], tok);
				return -1;
			}
		}
		i = end + 1;
	}
	if (!seen[T_P] || p_bad || sp_bad) {
		/* 6.6.3 step 6: with a valid rua, act as if p=none was published. */
		if (rua_valid > 0) {
			out->p = out->sp = DMARC_P_NONE;
			out->has_sp = 0;
			out->p_from_rua = 1;
			return 0;
		}
		if (!seen[T_P])
			snprintf(err, errlen, "no p= tag");
		else
			snprintf(err, errlen, "%s= is not none, quarantine or reject", p_bad ? "p" : "sp");
		return -1;
	}
	if (!out->has_sp)
		out->sp = out->p;
	return 0;
}

void
dmarc_record_summary(const struct dmarc_record *r, char *out, size_t outlen)
{
	snprintf(out, outlen, "p=%s sp=%s adkim=%c aspf=%c pct=%u fo=%s", dmarc_policy_str(r->p),
	    dmarc_policy_str(r->sp), r->adkim_strict ? 's' : 'r', r->aspf_strict ? 's' : 'r', r->pct, r->fo);
}
