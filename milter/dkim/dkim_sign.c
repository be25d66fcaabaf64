/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_sign.c - rsa-sha256 and ed25519-sha256 DKIM signatures made with
 * OpenSSL (see dkim_sign.h for why not libopendkim). The value is folded
 * before it is signed, so simple header canonicalization sees exactly the
 * bytes the MTA will deliver: "DKIM-Signature: " + value, LF made CRLF.
 * Caps: SIGVALUE_MAX bytes of signature value, RSA keys up to 8192 bits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "buf.h"
#include "dkim_sign.h"

#define SIGVALUE_MAX 8192
#define SIG_MAX 1024            /* bytes of signature: RSA-8192 */

struct dkim_signer {
	EVP_PKEY *key;
	int ed;                     /* ed25519-sha256, else rsa-sha256 */
	char domain[256], selector[64];
	enum dkim_canon hc, bc;
	struct dkim_bodycanon body;
};

struct dkim_signer *
dkim_signer_new(EVP_PKEY *key, const char *domain, const char *selector,
                enum dkim_canon hc, enum dkim_canon bc)
{
	/* malloc, not calloc: the body canonicalizer's output block needs no clearing */
	struct dkim_signer *s = malloc(sizeof(*s));
	if (s == NULL)
		return NULL;
	s->key = key;
	s->ed = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
	s->hc = hc;
	s->bc = bc;
	if (strlcpy(s->domain, domain, sizeof(s->domain)) >= sizeof(s->domain) ||
	    strlcpy(s->selector, selector, sizeof(s->selector)) >= sizeof(s->selector) ||
	    dkim_bodycanon_init(&s->body, bc) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

void
dkim_signer_body(struct dkim_signer *s, const unsigned char *p, size_t n)
{
	dkim_bodycanon_update(&s->body, p, n);
}

void
dkim_signer_free(struct dkim_signer *s)
{
	if (s == NULL)
		return;
	dkim_bodycanon_free(&s->body);
	free(s);
}

static const char *
listed(const char *const *list, const char *name, size_t nl)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strlen(list[i]) == nl && strncasecmp(list[i], name, nl) == 0)
			return list[i];
	return NULL;
}

static void
fold_add(struct buf *v, size_t *col, const char *item, size_t len, const char *sep)
{
	if (*col + len + 1 > 76) {
		buf_puts(v, "\n\t ");
		*col = 2;
	}
	buf_append(v, item, len);
	*col += len;
	if (sep) {
		buf_puts(v, sep);
		*col += strlen(sep);
	}
}

char *
dkim_signer_finish(struct dkim_signer *s, const struct dkim_hdr *hdrs, size_t n,
                   const char *const *signhdrs, const char *const *oversign,
                   char *err, size_t errlen)
{
	unsigned char bh[32], hash[32], sig[SIG_MAX];
	char bh64[48], sig64[4 * SIG_MAX / 3 + 8];
	struct buf h, v, wire, data;
	EVP_MD_CTX *ctx = NULL;
	char *out = NULL;
	size_t siglen = sizeof(sig);
	unsigned hl = 0;

	buf_init(&h, SIGVALUE_MAX);
	buf_init(&v, SIGVALUE_MAX);
	buf_init(&wire, SIGVALUE_MAX + 16);
	buf_init(&data, 0);
	if (dkim_bodycanon_final(&s->body, bh) < 0) {
		snprintf(err, errlen, "body hash failed");
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)bh64, bh, 32);

	/* h=: present headers in message order, then one more of each oversigned name */
	for (size_t i = 0; i < n; i++) {
		size_t nl = hdrs[i].namelen;
		while (nl && (hdrs[i].raw[nl - 1] == ' ' || hdrs[i].raw[nl - 1] == '\t'))
			nl--;
		const char *name = listed(signhdrs, hdrs[i].raw, nl);
		if (name == NULL)
			name = listed(oversign, hdrs[i].raw, nl);
		if (name) {
			if (h.len)
				buf_putc(&h, ':');
			buf_puts(&h, name);
		}
	}
	for (size_t i = 0; oversign && oversign[i]; i++) {
		if (h.len)
			buf_putc(&h, ':');
		buf_puts(&h, oversign[i]);
	}

	buf_printf(&v, "v=1; a=%s; c=%s/%s; d=%s; s=%s;\n\tt=%lld; bh=%s;\n\th=",
	           s->ed ? "ed25519-sha256" : "rsa-sha256", s->hc == DKIM_C_RELAXED ? "relaxed" : "simple",
	           s->bc == DKIM_C_RELAXED ? "relaxed" : "simple", s->domain, s->selector,
	           (long long)time(NULL), bh64);
	size_t col = 3;
	for (const char *p = buf_cstr(&h); *p;) {
		const char *e = strchr(p, ':');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		fold_add(&v, &col, p, len, e ? ":" : ";");
		p += len + (e ? 1 : 0);
	}
	buf_puts(&v, "\n\tb=");

	/* the header as delivered: "DKIM-Signature: " + value, CRLF folds, b= empty */
	buf_putc(&wire, ' ');
	for (const char *q = buf_cstr(&v); *q; q++) {
		if (*q == '\n')
			buf_putc(&wire, '\r');
		buf_putc(&wire, *q);
	}
	if (h.failed || v.failed || wire.failed ||
	    dkim_canon_headers_for(hdrs, n, (size_t)-1, buf_cstr(&h), s->hc, "DKIM-Signature",
	                           wire.data, wire.len, &data) < 0) {
		snprintf(err, errlen, "signature header too large");
		goto out;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (s->ed) {
		/* RFC 8463: Ed25519 (pure) over the SHA-256 of the canonicalized headers */
		if (EVP_Digest(data.data, data.len, hash, &hl, EVP_sha256(), NULL) != 1 ||
		    EVP_DigestSignInit(ctx, NULL, NULL, NULL, s->key) != 1 ||
		    EVP_DigestSign(ctx, sig, &siglen, hash, hl) != 1 || siglen != 64) {
			snprintf(err, errlen, "Ed25519 signing failed");
			goto out;
		}
	} else if (EVP_PKEY_get_size(s->key) <= 0 || EVP_PKEY_get_size(s->key) > SIG_MAX ||
	           EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, s->key) != 1 ||
	           EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)data.data, data.len) != 1) {
		snprintf(err, errlen, "RSA signing failed");
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)sig64, sig, (int)siglen);
	for (size_t i = 0, len = strlen(sig64); i < len; i += 64) {
		if (i)
			buf_puts(&v, "\n\t ");
		buf_append(&v, sig64 + i, len - i > 64 ? 64 : len - i);
	}
	if (v.failed) {
		snprintf(err, errlen, "signature header too large");
		goto out;
	}
	out = buf_take(&v);
out:
	buf_free(&h);
	buf_free(&v);
	buf_free(&wire);
	buf_free(&data);
	EVP_MD_CTX_free(ctx);
	return out;
}
