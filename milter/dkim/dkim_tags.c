/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_tags.c - RFC 6376 tag lists, DKIM-Signature and key record checks.
 *
 * Accepts the tag-list grammar of RFC 6376 3.2 (FWS anywhere between
 * tokens, CRLF or bare LF), at most DKIM_TAGS_MAX tags. Reasons name the
 * offending tag and value, for the log line an admin reads.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim_tags.h"
#include "dname.h"

static int
is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
dkim_taglist_free(struct dkim_taglist *tl)
{
	for (size_t i = 0; i < tl->n; i++)
		free(tl->t[i].value);
	tl->n = 0;
}

int
dkim_taglist_parse(const char *s, size_t len, int lenient, struct dkim_taglist *out,
                   char *err, size_t errlen)
{
	size_t p = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		while (p < len && is_fws((unsigned char)s[p]))
			p++;
		if (p >= len)
			return 0;
		if (s[p] == ';') {
			if (!lenient) {
				snprintf(err, errlen, "empty tag-spec at offset %zu", p);
				goto bad;
			}
			p++;
			continue;
		}
		/* tag-name = ALPHA *ALNUMPUNC */
		size_t ns = p;
		if (!isalpha((unsigned char)s[p])) {
			snprintf(err, errlen, "bad tag name at \"%.20s\"", s + p);
			goto bad;
		}
		while (p < len && (isalnum((unsigned char)s[p]) || s[p] == '_'))
			p++;
		size_t nlen = p - ns;
		if (nlen >= sizeof(out->t[0].name)) {
			snprintf(err, errlen, "tag name too long: \"%.20s...\"", s + ns);
			goto bad;
		}
		while (p < len && is_fws((unsigned char)s[p]))
			p++;
		if (p >= len || s[p] != '=') {
			snprintf(err, errlen, "tag \"%.*s\" has no '='", (int)nlen, s + ns);
			goto bad;
		}
		p++;
		while (p < len && is_fws((unsigned char)s[p]))
			p++;
		size_t vs = p;
		while (p < len && s[p] != ';') {
			unsigned char c = (unsigned char)s[p];
			if (!is_fws(c) && (c < 0x21 || c > 0x7e)) {
				snprintf(err, errlen, "tag \"%.*s\": bad byte 0x%02x in value",
				         (int)nlen, s + ns, c);
				goto bad;
			}
			p++;
		}
		size_t ve = p;
		while (ve > vs && is_fws((unsigned char)s[ve - 1]))
			ve--;
		for (size_t i = 0; i < out->n; i++)
			if (strlen(out->t[i].name) == nlen && memcmp(out->t[i].name, s + ns, nlen) == 0) {
				snprintf(err, errlen, "duplicate tag \"%.*s\"", (int)nlen, s + ns);
				goto bad;
			}
		if (out->n >= DKIM_TAGS_MAX) {
			snprintf(err, errlen, "more than %d tags", DKIM_TAGS_MAX);
			goto bad;
		}
		struct dkim_tag *t = &out->t[out->n];
		memcpy(t->name, s + ns, nlen);
		t->name[nlen] = '\0';
		t->vstart = vs;
		t->vend = ve;
		t->value = strndup(s + vs, ve - vs);
		if (t->value == NULL) {
			snprintf(err, errlen, "out of memory");
			goto bad;
		}
		out->n++;
		if (p < len)
			p++;        /* the ';' */
	}
bad:
	dkim_taglist_free(out);
	return -1;
}

const struct dkim_tag *
dkim_taglist_find(const struct dkim_taglist *tl, const char *name)
{
	for (size_t i = 0; i < tl->n; i++)
		if (strcmp(tl->t[i].name, name) == 0)
			return &tl->t[i];
	return NULL;
}

const char *
dkim_taglist_get(const struct dkim_taglist *tl, const char *name)
{
	const struct dkim_tag *t = dkim_taglist_find(tl, name);
	return t ? t->value : NULL;
}

long
dkim_b64_decode(const char *s, unsigned char *out, size_t outlen)
{
	unsigned acc = 0;
	int bits = 0, pad = 0;
	size_t n = 0;

	for (; *s; s++) {
		int c = (unsigned char)*s, v;
		if (is_fws(c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad)
			return -1;          /* data after padding */
		if (c >= 'A' && c <= 'Z') v = c - 'A';
		else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
		else if (c >= '0' && c <= '9') v = c - '0' + 52;
		else if (c == '+') v = 62;
		else if (c == '/') v = 63;
		else return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= outlen)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (pad > 2 || bits >= 6 || (pad && (bits / 2) != pad))
		return -1;
	return (long)n;
}

/* Copies the value with all FWS removed, truncated to outlen-1. */
static void
compact(const char *v, char *out, size_t outlen)
{
	size_t n = 0;
	for (; *v && n + 1 < outlen; v++)
		if (!is_fws((unsigned char)*v))
			out[n++] = *v;
	out[n] = '\0';
}

static int
parse_uint(const char *v, int maxdigits, long long *out)
{
	long long x = 0;
	int n = 0;
	for (; *v; v++, n++) {
		if (!isdigit((unsigned char)*v) || n >= maxdigits)
			return -1;
		x = x * 10 + (*v - '0');
	}
	if (n == 0)
		return -1;
	*out = x;
	return 0;
}

/* Does the colon-separated list contain item (case-insensitive, FWS ignored)? */
static int
list_has(const char *list, const char *item)
{
	size_t il = strlen(item);
	const char *p = list;
	while (*p) {
		while (*p && (is_fws((unsigned char)*p) || *p == ':'))
			p++;
		const char *e = p;
		while (*e && *e != ':' && !is_fws((unsigned char)*e))
			e++;
		if ((size_t)(e - p) == il && strncasecmp(p, item, il) == 0)
			return 1;
		p = e;
		while (*p && *p != ':')
			p++;
	}
	return 0;
}

void
dkim_sigtags_free(struct dkim_sigtags *st)
{
	dkim_taglist_free(&st->tl);
}

int
dkim_sig_check(const char *value, size_t len, time_t now, struct dkim_sigtags *st,
               char *err, size_t errlen)
{
	return dkim_sig_check_kind(value, len, now, DKIM_SIG_DKIM, st, err, errlen);
}

int
dkim_sig_check_kind(const char *value, size_t len, time_t now, enum dkim_sigkind kind,
                    struct dkim_sigtags *st, char *err, size_t errlen)
{
	const char *v;
	int arc = kind != DKIM_SIG_DKIM;

	memset(st, 0, sizeof(*st));
	st->l = st->t = st->x = -1;
	if (dkim_taglist_parse(value, len, 0, &st->tl, err, errlen) < 0)
		return -1;
	st->d = dkim_taglist_get(&st->tl, "d");
	st->s = dkim_taglist_get(&st->tl, "s");
	st->a = dkim_taglist_get(&st->tl, "a");
	st->i = dkim_taglist_get(&st->tl, "i");
	if ((v = dkim_taglist_get(&st->tl, "b")) != NULL)
		compact(v, st->b8, sizeof(st->b8));
	if (!arc && st->i == NULL && st->d != NULL) {
		snprintf(st->idefault, sizeof(st->idefault), "@%s", st->d);
		st->i = st->idefault;
	}
	for (size_t k = 0; k < st->tl.n; k++) {
		size_t nl = strlen(st->tl.t[k].name);
		if (nl > 1 && st->tl.t[k].name[nl - 1] == 'b' && strcmp(st->tl.t[k].name, "b") != 0)
			st->xb_tag = 1;
	}

	if (arc) {
		/* RFC 8617 4.2.1, 4.2.2: i= is the instance, 1..ARC_INSTANCES_MAX */
		long long inst;
		if (st->i == NULL || parse_uint(st->i, 3, &inst) < 0 || inst < 1 || inst > DKIM_ARC_INSTANCES_MAX) {
			snprintf(err, errlen, "ARC instance i=%.20s is not 1..%d", st->i ? st->i : "", DKIM_ARC_INSTANCES_MAX);
			return -1;
		}
		st->instance = (int)inst;
	}
	if (kind == DKIM_SIG_AS) {
		st->cv = dkim_taglist_get(&st->tl, "cv");
		if (st->cv == NULL || (strcmp(st->cv, "none") != 0 && strcmp(st->cv, "pass") != 0 &&
		    strcmp(st->cv, "fail") != 0)) {
			snprintf(err, errlen, "ARC-Seal cv=%.20s is not none, pass or fail", st->cv ? st->cv : "");
			return -1;
		}
		if (dkim_taglist_get(&st->tl, "h") != NULL) {
			snprintf(err, errlen, "ARC-Seal has an h= tag");
			return -1;
		}
	}
	if (arc)
		;                       /* no v= in ARC headers */
	else if ((v = dkim_taglist_get(&st->tl, "v")) == NULL) {
		snprintf(err, errlen, "signature has no v= tag");
		return -1;
	} else if (strcmp(v, "1") != 0) {
		snprintf(err, errlen, "unsupported signature version v=%.20s", v);
		return -1;
	}
	if (st->a == NULL) {
		snprintf(err, errlen, "signature has no a= tag");
		return -1;
	}
	if (strcasecmp(st->a, "rsa-sha256") == 0)
		st->alg = DKIM_ALG_RSA_SHA256;
	else if (strcasecmp(st->a, "ed25519-sha256") == 0)
		st->alg = DKIM_ALG_ED25519_SHA256;
	else if (strcasecmp(st->a, "rsa-sha1") == 0) {
		snprintf(err, errlen, "a=rsa-sha1 is not accepted (RFC 8301)");
		return -1;
	} else {
		snprintf(err, errlen, "unknown signature algorithm a=%.30s", st->a);
		return -1;
	}
	if ((v = dkim_taglist_get(&st->tl, "b")) == NULL || *v == '\0') {
		snprintf(err, errlen, "signature has no b= value");
		return -1;
	}
	long n = dkim_b64_decode(v, st->b, sizeof(st->b));
	if (n <= 0) {
		snprintf(err, errlen, "b= is not valid base64");
		return -1;
	}
	st->blen = (size_t)n;
	if (kind != DKIM_SIG_AS) {
		if ((v = dkim_taglist_get(&st->tl, "bh")) == NULL || *v == '\0') {
			snprintf(err, errlen, "signature has no bh= value");
			return -1;
		}
		n = dkim_b64_decode(v, st->bh, sizeof(st->bh));
		if (n != 32) {
			snprintf(err, errlen, "bh= is not a base64 SHA-256 digest");
			return -1;
		}
		st->bhlen = (size_t)n;
	}
	if (st->d == NULL || !dname_valid(st->d, DNAME_LDH | DNAME_8BIT)) {
		snprintf(err, errlen, "signature d= missing or not a domain: \"%.60s\"", st->d ? st->d : "");
		return -1;
	}
	if (st->s == NULL || *st->s == '\0') {
		snprintf(err, errlen, "signature has no s= selector");
		return -1;
	}
	for (const char *p = st->s; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_')) {
			snprintf(err, errlen, "bad selector s=%.60s", st->s);
			return -1;
		}
	if (kind == DKIM_SIG_AS) {
		/* RFC 8617 5.1.1: the seal is always relaxed header canonicalization */
		st->hcanon = st->bcanon = DKIM_C_RELAXED;
		return 0;
	}
	if ((v = dkim_taglist_get(&st->tl, "h")) == NULL || *v == '\0') {
		snprintf(err, errlen, "signature has no h= list");
		return -1;
	}
	if (kind == DKIM_SIG_DKIM && !list_has(v, "from")) {
		snprintf(err, errlen, "h= does not include From");
		return -1;
	}
	if (kind == DKIM_SIG_AMS && list_has(v, "arc-seal")) {
		snprintf(err, errlen, "ARC-Message-Signature h= includes ARC-Seal");
		return -1;
	}
	st->hcanon = st->bcanon = DKIM_C_SIMPLE;
	if ((v = dkim_taglist_get(&st->tl, "c")) != NULL) {
		char hc[16] = "", bc[16] = "simple";
		const char *slash = strchr(v, '/');
		size_t hl = slash ? (size_t)(slash - v) : strlen(v);
		if (hl >= sizeof(hc) || (slash && strlen(slash + 1) >= sizeof(bc))) {
			snprintf(err, errlen, "bad canonicalization c=%.30s", v);
			return -1;
		}
		memcpy(hc, v, hl);
		hc[hl] = '\0';
		if (slash)
			strlcpy(bc, slash + 1, sizeof(bc));
		if (strcmp(hc, "relaxed") == 0) st->hcanon = DKIM_C_RELAXED;
		else if (strcmp(hc, "simple") != 0) {
			snprintf(err, errlen, "unknown header canonicalization c=%.30s", v);
			return -1;
		}
		if (strcmp(bc, "relaxed") == 0) st->bcanon = DKIM_C_RELAXED;
		else if (strcmp(bc, "simple") != 0) {
			snprintf(err, errlen, "unknown body canonicalization c=%.30s", v);
			return -1;
		}
	}
	if (!arc && st->i != st->idefault) {
		const char *at = strrchr(st->i, '@');
		if (at == NULL) {
			snprintf(err, errlen, "i=%.60s has no @", st->i);
			return -1;
		}
		const char *idom = at + 1;
		size_t il = strlen(idom), dl = strlen(st->d);
		if (!(strcasecmp(idom, st->d) == 0 ||
		      (il > dl && idom[il - dl - 1] == '.' && strcasecmp(idom + il - dl, st->d) == 0))) {
			snprintf(err, errlen, "i=%.60s is not in d=%.60s", st->i, st->d);
			return -1;
		}
	}
	if (kind == DKIM_SIG_AMS && dkim_taglist_get(&st->tl, "l") != NULL) {
		snprintf(err, errlen, "ARC-Message-Signature has an l= tag");
		return -1;
	}
	if ((v = dkim_taglist_get(&st->tl, "l")) != NULL && parse_uint(v, 76, &st->l) < 0) {
		snprintf(err, errlen, "bad body length l=%.30s", v);
		return -1;
	}
	if ((v = dkim_taglist_get(&st->tl, "q")) != NULL && !list_has(v, "dns/txt")) {
		snprintf(err, errlen, "unsupported query method q=%.30s", v);
		return -1;
	}
	if ((v = dkim_taglist_get(&st->tl, "t")) != NULL && parse_uint(v, 12, &st->t) < 0) {
		snprintf(err, errlen, "bad timestamp t=%.30s", v);
		return -1;
	}
	if ((v = dkim_taglist_get(&st->tl, "x")) != NULL) {
		if (parse_uint(v, 12, &st->x) < 0) {
			snprintf(err, errlen, "bad expiry x=%.30s", v);
			return -1;
		}
		if (st->t >= 0 && st->x < st->t) {
			snprintf(err, errlen, "expiry x=%lld is before timestamp t=%lld", st->x, st->t);
			return -1;
		}
		if (st->x < (long long)now) {
			snprintf(err, errlen, "signature expired (x=%lld)", st->x);
			return -1;
		}
	}
	return 0;
}

void
dkim_keyinfo_free(struct dkim_keyinfo *ki)
{
	EVP_PKEY_free(ki->pkey);
	ki->pkey = NULL;
}

int
dkim_key_check(const char *rec, size_t len, enum dkim_alg alg, struct dkim_keyinfo *ki,
               char *err, size_t errlen)
{
	struct dkim_taglist tl;
	const char *v;
	char e2[160];
	int rc = -1;

	memset(ki, 0, sizeof(*ki));
	if (dkim_taglist_parse(rec, len, 1, &tl, e2, sizeof(e2)) < 0) {
		snprintf(err, errlen, "key record syntax: %s", e2);
		return -1;
	}
	if ((v = dkim_taglist_get(&tl, "v")) != NULL &&
	    (strcmp(tl.t[0].name, "v") != 0 || strcmp(v, "DKIM1") != 0)) {
		snprintf(err, errlen, "key record v=%.20s is not DKIM1 as the first tag", v);
		goto out;
	}
	/* Every accepted algorithm hashes with SHA-256 (rsa-sha1 is refused). */
	if ((v = dkim_taglist_get(&tl, "h")) != NULL && !list_has(v, "sha256")) {
		snprintf(err, errlen, "key record h=%.30s does not allow sha256", v);
		goto out;
	}
	v = dkim_taglist_get(&tl, "k");
	if (v == NULL || strcmp(v, "rsa") == 0)
		ki->type = DKIM_KEY_RSA;
	else if (strcmp(v, "ed25519") == 0)
		ki->type = DKIM_KEY_ED25519;
	else {
		snprintf(err, errlen, "unknown key type k=%.30s", v);
		goto out;
	}
	enum dkim_keytype want = alg == DKIM_ALG_ED25519_SHA256 ? DKIM_KEY_ED25519 : DKIM_KEY_RSA;
	if (ki->type != want) {
		snprintf(err, errlen, "key type k=%s does not match the signature's a=%s",
		         ki->type == DKIM_KEY_RSA ? "rsa" : "ed25519",
		         want == DKIM_KEY_RSA ? "rsa-sha256" : "ed25519-sha256");
		goto out;
	}
	if ((v = dkim_taglist_get(&tl, "s")) != NULL && !list_has(v, "email") && !list_has(v, "*")) {
		snprintf(err, errlen, "key record s=%.30s does not cover email", v);
		goto out;
	}
	if ((v = dkim_taglist_get(&tl, "t")) != NULL) {
		ki->testing = list_has(v, "y");
		ki->strict = list_has(v, "s");
	}
	if ((v = dkim_taglist_get(&tl, "p")) == NULL) {
		snprintf(err, errlen, "key record has no p= tag");
		goto out;
	}
	unsigned char der[2048];
	long n = dkim_b64_decode(v, der, sizeof(der));
	if (n == 0) {
		snprintf(err, errlen, "key revoked (empty p=)");
		goto out;
	}
	if (n < 0) {
		snprintf(err, errlen, "key record p= is not valid base64");
		goto out;
	}
	if (ki->type == DKIM_KEY_ED25519) {
		if (n != 32) {
			snprintf(err, errlen, "ed25519 key p= is %ld bytes, not 32", n);
			goto out;
		}
		ki->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, 32);
	} else {
		const unsigned char *q = der;
		ki->pkey = d2i_PUBKEY(NULL, &q, n);
		if (ki->pkey != NULL && EVP_PKEY_get_base_id(ki->pkey) != EVP_PKEY_RSA) {
			EVP_PKEY_free(ki->pkey);
			ki->pkey = NULL;
			snprintf(err, errlen, "key record p= is not an RSA key (k=rsa)");
			goto out;
		}
		if (ki->pkey == NULL) {       /* a bare PKCS#1 RSAPublicKey, as some publish */
			q = der;
			ki->pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, n);
		}
	}
	if (ki->pkey == NULL) {
		snprintf(err, errlen, "key record p= does not decode as a%s key",
		         ki->type == DKIM_KEY_RSA ? "n RSA" : " ed25519");
		goto out;
	}
	ki->bits = (unsigned)EVP_PKEY_get_bits(ki->pkey);
	rc = 0;
out:
	dkim_taglist_free(&tl);
	return rc;
}
