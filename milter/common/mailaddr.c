/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mailaddr.c - RFC 5322 address parsing (contract in mailaddr.h).
 *
 * A small lexer turns the value into tokens, dropping CFWS: atoms, quoted
 * strings, domain literals and the specials < > @ , : ; . ; any other byte
 * is an error. A recursive-descent parser over the tokens follows the
 * grammar of RFC 5322 3.4 with the obsolete forms of 4.4; the only
 * backtracking is re-reading a phrase as a local-part when an '@' follows,
 * so the work stays linear.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dname.h"
#include "mailaddr.h"

enum tok { T_END, T_ATOM, T_QSTR, T_DLIT, T_SPECIAL, T_BAD };

struct token {
	enum tok t;
	const char *s;   /* the token's bytes (quoted strings with their quotes) */
	size_t n;
	char c;          /* T_SPECIAL: which one */
};

struct parser {
	const char *base, *p;
	struct mailaddr_list *out;
	int failed;
};

static int
is_atext(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static void
fail(struct parser *P, const char *p, const char *what)
{
	if (P->failed)
		return;
	P->failed = 1;
	snprintf(P->out->why, sizeof(P->out->why), "%s at offset %zu", what, (size_t)(p - P->base));
}

/* Skips white space, folding and (nested) comments; NULL for an open comment. */
static const char *
skip_cfws(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '(')
			return p;
		for (size_t depth = 0;; p++) {
			if (*p == '\0')
				return NULL;
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
	}
}

/* Reads the next token at P->p and moves past it (on T_BAD, P has failed). */
static struct token
next(struct parser *P)
{
	struct token k = { .t = T_BAD };
	const char *p = skip_cfws(P->p), *q;

	if (p == NULL) {
		fail(P, P->p, "unterminated comment");
		return k;
	}
	k.s = p;
	if (*p == '\0') {
		k.t = T_END;
	} else if (is_atext((unsigned char)*p)) {
		for (q = p; is_atext((unsigned char)*q); q++)
			;
		k.t = T_ATOM;
		p = q;
	} else if (*p == '"' || *p == '[') {
		char close = *p == '"' ? '"' : ']';
		for (q = p + 1; *q != close; q++) {
			if (*q == '\0' || (close == ']' && *q == '[')) {
				fail(P, p, close == '"' ? "unterminated quoted string" : "unterminated domain literal");
				return k;
			}
			if (*q == '\\' && q[1] != '\0')
				q++;
		}
		k.t = close == '"' ? T_QSTR : T_DLIT;
		p = q + 1;
	} else if (strchr("<>@,:;.", *p) != NULL) {
		k.t = T_SPECIAL;
		k.c = *p++;
	} else {
		char what[48];
		snprintf(what, sizeof(what), "unexpected byte 0x%02x", (unsigned char)*p);
		fail(P, p, what);
		return k;
	}
	k.n = (size_t)(p - k.s);
	P->p = p;
	return k;
}

static struct token
peek(struct parser *P)
{
	const char *save = P->p;
	struct token k = next(P);

	P->p = save;
	return k;
}

static int
is_special(const struct token *k, char c)
{
	return k->t == T_SPECIAL && k->c == c;
}

static int
is_word(const struct token *k)
{
	return k->t == T_ATOM || k->t == T_QSTR;
}

/* Appends n bytes to buf (size cap); -1 when they do not fit. */
static int
append(char *buf, size_t cap, const char *s, size_t n)
{
	size_t len = strlen(buf);

	if (len + n >= cap)
		return -1;
	memcpy(buf + len, s, n);
	buf[len + n] = '\0';
	return 0;
}

/* local-part = word *("." word)   (dot-atom, quoted-string, obs-local-part) */
static int
parse_local(struct parser *P, char *local)
{
	struct token k;

	local[0] = '\0';
	for (;;) {
		k = next(P);
		if (!is_word(&k)) {
			fail(P, k.s ? k.s : P->p, "local-part expected");
			return -1;
		}
		if (append(local, MAILADDR_LOCAL_MAX, k.s, k.n) < 0) {
			fail(P, k.s, "local-part too long");
			return -1;
		}
		k = peek(P);
		if (!is_special(&k, '.'))
			return 0;
		(void)next(P);
		(void)append(local, MAILADDR_LOCAL_MAX, ".", 1);
	}
}

/* domain = atom *("." atom), lower-cased into dom; a domain literal is refused. */
static int
parse_domain(struct parser *P, char *dom)
{
	struct token k;
	const char *start = P->p;

	dom[0] = '\0';
	for (;;) {
		k = next(P);
		if (k.t == T_DLIT) {
			fail(P, k.s, "domain literal is not a domain name");
			return -1;
		}
		if (k.t != T_ATOM) {
			fail(P, k.s ? k.s : P->p, "domain expected");
			return -1;
		}
		if (append(dom, MAILADDR_DOMAIN_MAX, k.s, k.n) < 0) {
			fail(P, start, "domain too long");
			return -1;
		}
		k = peek(P);
		if (!is_special(&k, '.'))
			break;
		(void)next(P);
		if (append(dom, MAILADDR_DOMAIN_MAX, ".", 1) < 0) {
			fail(P, start, "domain too long");
			return -1;
		}
	}
	for (char *c = dom; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	if (!dname_valid(dom, DNAME_LDH | DNAME_NOROOT)) {
		fail(P, start, "domain is not a DNS name");
		return -1;
	}
	return 0;
}

static int
record(struct parser *P, const char *local, const char *dom)
{
	struct mailaddr_list *o = P->out;
	size_t i;

	if (o->naddrs++ == 0)
		snprintf(o->first, sizeof(o->first), "%s@%s", local, dom);
	for (i = 0; i < o->ndomains; i++)
		if (strcmp(o->domain[i], dom) == 0)
			return 0;
	if (o->ndomains == MAILADDR_DOMAINS_MAX) {
		fail(P, P->p, "too many domains");
		return -1;
	}
	strlcpy(o->domain[o->ndomains++], dom, MAILADDR_DOMAIN_MAX);
	return 0;
}

/* addr-spec = local-part "@" domain */
static int
parse_addr_spec(struct parser *P)
{
	char local[MAILADDR_LOCAL_MAX], dom[MAILADDR_DOMAIN_MAX];
	struct token k;

	if (parse_local(P, local) < 0)
		return -1;
	k = next(P);
	if (!is_special(&k, '@')) {
		fail(P, k.s ? k.s : P->p, "'@' expected");
		return -1;
	}
	if (parse_domain(P, dom) < 0)
		return -1;
	return record(P, local, dom);
}

/* After "<": [obs-route ":"] addr-spec ">"; obs-route = *("," / "@" domain). */
static int
parse_angle(struct parser *P)
{
	struct token k = peek(P);
	char dom[MAILADDR_DOMAIN_MAX];

	if (is_special(&k, '@') || is_special(&k, ',')) {
		for (;;) {
			k = next(P);
			if (is_special(&k, ':'))
				break;
			if (is_special(&k, ','))
				continue;
			if (!is_special(&k, '@') || parse_domain(P, dom) < 0) {
				fail(P, k.s ? k.s : P->p, "bad source route");
				return -1;
			}
		}
	}
	if (parse_addr_spec(P) < 0)
		return -1;
	k = next(P);
	if (!is_special(&k, '>')) {
		fail(P, k.s ? k.s : P->p, "'>' expected");
		return -1;
	}
	return 0;
}

/*
 * mailbox = name-addr / addr-spec; with in_list, also group = display-name
 * ":" [mailbox-list] ";". A phrase (words and obs-phrase dots) is read
 * first; what follows says which form it was.
 */
static int
parse_address(struct parser *P, int allow_group)
{
	const char *start = P->p;
	struct token k;
	size_t words = 0;

	for (;;) {
		k = peek(P);
		if (is_word(&k) || (words > 0 && is_special(&k, '.'))) {
			(void)next(P);
			words += is_word(&k);
			continue;
		}
		break;
	}
	if (P->failed)
		return -1;
	if (is_special(&k, '<')) {
		(void)next(P);
		return parse_angle(P);
	}
	if (is_special(&k, ':') && words > 0) {
		if (!allow_group) {
			fail(P, k.s, "group inside a group");
			return -1;
		}
		(void)next(P);
		for (;;) {
			k = peek(P);
			if (is_special(&k, ';')) {
				(void)next(P);
				return 0;
			}
			if (is_special(&k, ',')) {
				(void)next(P);
				continue;
			}
			if (parse_address(P, 0) < 0)
				return -1;
			k = peek(P);
			if (!is_special(&k, ',') && !is_special(&k, ';')) {
				fail(P, k.s ? k.s : P->p, "',' or ';' expected in a group");
				return -1;
			}
		}
	}
	if (is_special(&k, '@') && words > 0) {
		P->p = start;
		return parse_addr_spec(P);
	}
	fail(P, k.s ? k.s : P->p, words > 0 ? "no address after the name" : "address expected");
	return -1;
}

enum mailaddr_status
mailaddr_parse_from(const char *value, struct mailaddr_list *out)
{
	struct parser P = { .base = value, .p = value, .out = out };
	struct token k;

	memset(out, 0, sizeof(*out));
	for (;;) {
		k = peek(&P);
		if (k.t == T_END || P.failed)
			break;
		if (is_special(&k, ',')) {          /* obs-addr-list: empty elements */
			(void)next(&P);
			continue;
		}
		if (parse_address(&P, 1) < 0)
			break;
		k = next(&P);
		if (k.t == T_END || P.failed)
			break;
		if (!is_special(&k, ',')) {
			fail(&P, k.s, "',' expected after an address");
			break;
		}
	}
	if (P.failed) {
		out->naddrs = out->ndomains = 0;
		out->first[0] = '\0';
		return MAILADDR_INVALID;
	}
	return out->naddrs > 0 ? MAILADDR_OK : MAILADDR_EMPTY;
}

const char *
mailaddr_author_domain(size_t nfrom, enum mailaddr_status st, const struct mailaddr_list *l,
    const char **why)
{
	const char *w;

	if (nfrom == 0)
		w = "no From: header field";
	else if (nfrom > 1)
		w = "several From: header fields";
	else if (st == MAILADDR_INVALID)
		w = "unparseable From: header field";
	else if (st == MAILADDR_EMPTY)
		w = "no address in the From: header field";
	else if (l->ndomains != 1)
		w = "several domains in the From: header field";
	else {
		*why = NULL;
		return l->domain[0];
	}
	*why = w;
	return NULL;
}

int
mailaddr_parse_path(const char *p, size_t len, char *out, size_t outlen, size_t *used)
{
	size_t i = 0, a, e;

	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i < len && p[i] == '<') {
		int inq = 0;

		a = ++i;
		for (; i < len && (inq || p[i] != '>'); i++) {
			if (p[i] == '\\' && i + 1 < len)
				i++;
			else if (p[i] == '"')
				inq = !inq;
		}
		if (i >= len)
			return -1;
		e = i++;
		/* "@a,@b:mailbox": the source route ends at the first ':' after an '@' start. */
		if (a < e && p[a] == '@') {
			const char *colon = memchr(p + a, ':', e - a);
			if (colon != NULL)
				a = (size_t)(colon - p) + 1;
		}
	} else {
		a = i;
		while (i < len && p[i] != ' ' && p[i] != '\t')
			i++;
		e = i;
	}
	if (e - a >= outlen)
		return -1;
	memcpy(out, p + a, e - a);
	out[e - a] = '\0';
	*used = i;
	return 0;
}
