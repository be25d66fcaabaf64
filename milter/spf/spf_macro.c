/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_macro.c - SPF macro strings (RFC 7208 7): syntax check and expansion.
 *
 * Accepts the macro-string / explain-string grammar of RFC 7208 12:
 * literals %x21-24 / %x26-7E, "%%", "%_", "%-" and
 * "%{" letter [digits] ["r"] [delimiters] "}". The letters c, r and t are
 * only valid in explanations. A digit transformer of 0 is an error. Values
 * are split on the delimiters (default "."), optionally reversed, cut to the
 * rightmost N parts and joined with "."; an upper-case letter URL-escapes
 * the result. Output is capped by the caller's buffer (SPF_MACRO_MAX_OUT).
 * Pure functions; %{p} calls back into the evaluator for its DNS work.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "spf_macro.h"

#define MAX_PARTS 128   /* cap: parts a value is split into */

static int
is_delim(int c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

/* Parses one "%{...}" at s[*i] (pointing at '{'). */
struct mexp {
	char letter;        /* lower case */
	int upper;
	unsigned digits;    /* 0: all */
	int reverse;
	char delims[8];
};

static int
parse_expand(const char *s, size_t len, size_t *i, int exp, struct mexp *m, char *err, size_t errlen)
{
	size_t j = *i + 1;   /* after '{' */
	char c;
	int nd = 0;
	unsigned long v = 0;

	memset(m, 0, sizeof(*m));
	if (j >= len) {
		snprintf(err, errlen, "unterminated macro '%.*s'", (int)(len - *i + 1), s + *i - 1);
		return -1;
	}
	c = s[j++];
	m->upper = isupper((unsigned char)c) != 0;
	m->letter = (char)tolower((unsigned char)c);
	if (strchr("slodiphv", m->letter) == NULL || m->letter == '\0') {
		if (!(exp && strchr("crt", m->letter) != NULL && m->letter != '\0')) {
			snprintf(err, errlen, "invalid macro letter '%c'", c);
			return -1;
		}
	}
	while (j < len && isdigit((unsigned char)s[j])) {
		if (v < 100000)
			v = v * 10 + (unsigned long)(s[j] - '0');
		nd++;
		j++;
	}
	if (nd > 0 && v == 0) {
		snprintf(err, errlen, "macro digit transformer 0 in '%%{%c...}'", c);
		return -1;
	}
	m->digits = v > MAX_PARTS ? MAX_PARTS : (unsigned)v;
	if (j < len && (s[j] == 'r' || s[j] == 'R')) {
		m->reverse = 1;
		j++;
	}
	while (j < len && is_delim(s[j])) {
		if (strchr(m->delims, s[j]) == NULL && strlen(m->delims) < sizeof(m->delims) - 1)
			m->delims[strlen(m->delims)] = s[j];
		j++;
	}
	if (j >= len || s[j] != '}') {
		snprintf(err, errlen, "bad macro syntax at '%.*s'", (int)(len - *i + 1 > 20 ? 20 : len - *i + 1), s + *i - 1);
		return -1;
	}
	if (m->delims[0] == '\0')
		m->delims[0] = '.';
	*i = j + 1;
	return 0;
}

/* Walks the string; with out == NULL it only checks the syntax. */
static int
walk(const char *s, size_t len, const struct spf_macro_env *env, int exp,
     char *out, size_t outsz, char *err, size_t errlen)
{
	size_t i = 0, o = 0;
	char val[1100], tmp[1100];

#define PUT(ch) do { if (out) { if (o + 1 >= outsz) return -2; out[o++] = (ch); } } while (0)
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c != '%') {
			if (c == ' ' && exp) {
				PUT(' ');
			} else if (c < 0x21 || c > 0x7e) {
				snprintf(err, errlen, "invalid character 0x%02x in macro string", c);
				return -1;
			} else {
				PUT((char)c);
			}
			i++;
			continue;
		}
		if (i + 1 >= len) {
			snprintf(err, errlen, "lone '%%' at end of macro string");
			return -1;
		}
		c = (unsigned char)s[i + 1];
		if (c == '%') { PUT('%'); i += 2; continue; }
		if (c == '_') { PUT(' '); i += 2; continue; }
		if (c == '-') {
			PUT('%'); PUT('2'); PUT('0');
			i += 2;
			continue;
		}
		if (c != '{') {
			snprintf(err, errlen, "invalid macro '%%%c'", c);
			return -1;
		}
		struct mexp m;
		i += 1;
		if (parse_expand(s, len, &i, exp, &m, err, errlen) < 0)
			return -1;
		if (out == NULL)
			continue;

		/* The raw value. */
		val[0] = '\0';
		switch (m.letter) {
		case 's': strlcpy(val, env->sender ? env->sender : "", sizeof(val)); break;
		case 'l': strlcpy(val, env->local ? env->local : "", sizeof(val)); break;
		case 'o': strlcpy(val, env->sender_domain ? env->sender_domain : "", sizeof(val)); break;
		case 'd': strlcpy(val, env->domain ? env->domain : "", sizeof(val)); break;
		case 'h': strlcpy(val, env->helo ? env->helo : "", sizeof(val)); break;
		case 'r': strlcpy(val, env->receiver ? env->receiver : "unknown", sizeof(val)); break;
		case 'i': if (env->ip) spf_ip_macro_i(env->ip, val, sizeof(val)); break;
		case 'c': if (env->ip) spf_ip_text(env->ip, val, sizeof(val)); break;
		case 'v': strlcpy(val, env->ip && env->ip->v6 ? "ip6" : "in-addr", sizeof(val)); break;
		case 't': snprintf(val, sizeof(val), "%lld", env->now ? env->now : (long long)time(NULL)); break;
		case 'p':
			if (env->validated_name)
				env->validated_name(env->arg, val, sizeof(val));
			else
				strlcpy(val, "unknown", sizeof(val));
			break;
		}

		/* Split, reverse, keep the rightmost N, join with '.'. */
		const char *part[MAX_PARTS];
		size_t plen[MAX_PARTS], np = 0, k, start = 0, vl = strlen(val);
		for (k = 0; k <= vl; k++) {
			if (k == vl || strchr(m.delims, val[k]) != NULL) {
				if (np < MAX_PARTS) {
					part[np] = val + start;
					plen[np] = k - start;
					np++;
				} else {
					/* fold the overflow into the last part */
					plen[np - 1] = k - (size_t)(part[np - 1] - val);
				}
				start = k + 1;
			}
		}
		if (m.reverse)
			for (k = 0; k < np / 2; k++) {
				const char *tp = part[k]; size_t tl = plen[k];
				part[k] = part[np - 1 - k]; plen[k] = plen[np - 1 - k];
				part[np - 1 - k] = tp; plen[np - 1 - k] = tl;
			}
		size_t first = (m.digits && m.digits < np) ? np - m.digits : 0, t = 0;
		for (k = first; k < np; k++) {
			if (k > first && t + 1 < sizeof(tmp))
				tmp[t++] = '.';
			for (size_t q = 0; q < plen[k] && t + 1 < sizeof(tmp); q++)
				tmp[t++] = part[k][q];
		}
		tmp[t] = '\0';
		for (k = 0; k < t; k++) {
			unsigned char ch = (unsigned char)tmp[k];
			if (m.upper && !(isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~')) {
				static const char hx[] = "0123456789ABCDEF";
				PUT('%'); PUT(hx[ch >> 4]); PUT(hx[ch & 15]);
			} else {
				PUT((char)ch);
			}
		}
	}
	if (out) {
		if (o >= outsz)
			return -2;
		out[o] = '\0';
	}
	return 0;
#undef PUT
}

int
spf_macro_check(const char *s, size_t len, int exp, char *err, size_t errlen)
{
	return walk(s, len, NULL, exp, NULL, 0, err, errlen);
}

int
spf_macro_expand(const char *s, size_t len, const struct spf_macro_env *env, int exp,
                 char *out, size_t outsz, char *err, size_t errlen)
{
	if (outsz == 0)
		return -2;
	out[0] = '\0';
	return walk(s, len, env, exp, out, outsz, err, errlen);
}

void
spf_domain_truncate(char *name)
{
	size_t n = strlen(name);
	char *p = name;

	if (n > 0 && name[n - 1] == '.')
		name[--n] = '\0';
	while (n > 253) {
		char *dot = strchr(p, '.');
		if (dot == NULL) {
			/* one giant label: nothing sensible is left */
			name[0] = '\0';
			return;
		}
		n -= (size_t)(dot + 1 - p);
		p = dot + 1;
	}
	if (p != name)
		memmove(name, p, n + 1);
}
