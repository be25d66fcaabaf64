/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_canon.c - header and body canonicalization and the signature check
 * (see dkim_canon.h): every DKIM verification, and our Ed25519 signer.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "dkim_canon.h"

#define HNAMES_MAX 256   /* h= entries considered */

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

int
dkim_canon_header(struct buf *out, enum dkim_canon c, const char *name, size_t nlen,
          const char *value, size_t vlen, int crlf)
{
	if (c == DKIM_C_SIMPLE) {
		buf_append(out, name, nlen);
		buf_putc(out, ':');
		buf_append(out, value, vlen);
	} else {
		while (nlen && is_wsp((unsigned char)name[nlen - 1]))
			nlen--;
		for (size_t i = 0; i < nlen; i++)
			buf_putc(out, tolower((unsigned char)name[i]));
		buf_putc(out, ':');
		int sp = 0, started = 0;
		for (size_t i = 0; i < vlen; i++) {
			unsigned char ch = (unsigned char)value[i];
			if (ch == '\r' || ch == '\n')
				continue;           /* unfold */
			if (is_wsp(ch)) {
				sp = 1;
				continue;
			}
			if (sp && started)
				buf_putc(out, ' ');
			sp = 0;
			started = 1;
			buf_putc(out, ch);
		}
	}
	if (crlf)
		buf_append(out, "\r\n", 2);
	return out->failed ? -1 : 0;
}

int
dkim_canon_headers_for(const struct dkim_hdr *hdrs, size_t n, size_t skip, const char *h,
                       enum dkim_canon hc, const char *signame, const char *sigvalue,
                       size_t sigvlen, struct buf *out)
{
	unsigned char *used = calloc(n ? n : 1, 1);
	if (used == NULL)
		return -1;
	size_t count = 0;
	const char *p = h;
	while (*p && count < HNAMES_MAX) {
		while (*p && (*p == ':' || isspace((unsigned char)*p)))
			p++;
		const char *e = p;
		while (*e && *e != ':')
			e++;
		const char *ne = e;
		while (ne > p && isspace((unsigned char)ne[-1]))
			ne--;
		size_t nl = (size_t)(ne - p);
		if (nl > 0) {
			count++;
			/* the last unused instance, bottom-up (RFC 6376 5.4.2) */
			for (size_t k = n; k-- > 0;) {
				if (used[k] || k == skip)
					continue;
				size_t hn = hdrs[k].namelen;
				while (hn && is_wsp((unsigned char)hdrs[k].raw[hn - 1]))
					hn--;
				if (hn == nl && strncasecmp(hdrs[k].raw, p, nl) == 0) {
					used[k] = 1;
					dkim_canon_header(out, hc, hdrs[k].raw, hdrs[k].namelen,
					          hdrs[k].raw + hdrs[k].namelen + 1,
					          hdrs[k].len - hdrs[k].namelen - 1, 1);
					break;
				}
			}
		}
		p = e;
	}
	free(used);
	/* the signature header itself, b= value empty, no trailing CRLF */
	dkim_canon_header(out, hc, signame, strlen(signame), sigvalue, sigvlen, 0);
	return out->failed ? -1 : 0;
}

int
dkim_canon_headers(const struct dkim_hdr *hdrs, size_t n, size_t sigidx,
                   const struct dkim_sigtags *st, struct buf *out)
{
	const char *h = dkim_taglist_get(&st->tl, "h");
	const struct dkim_tag *bt = dkim_taglist_find(&st->tl, "b");
	if (h == NULL || bt == NULL || sigidx >= n)
		return -1;
	const struct dkim_hdr *sh = &hdrs[sigidx];
	const char *val = sh->raw + sh->namelen + 1;
	size_t vlen = sh->len - sh->namelen - 1;
	struct buf tmp;
	buf_init(&tmp, vlen + 1);
	buf_append(&tmp, val, bt->vstart);
	buf_append(&tmp, val + bt->vend, vlen - bt->vend);
	char name[128];
	size_t nl = sh->namelen < sizeof(name) ? sh->namelen : sizeof(name) - 1;
	memcpy(name, sh->raw, nl);
	name[nl] = '\0';
	int rc = tmp.failed ? -1 : dkim_canon_headers_for(hdrs, n, sigidx, h, st->hcanon, name,
	                                                  buf_cstr(&tmp), tmp.len, out);
	buf_free(&tmp);
	return rc;
}

/* ---- body ---------------------------------------------------------------- */

/* Bytes that end a run: CR and LF always, SP and HT in relaxed mode. */
static unsigned char stop_simple[256], stop_relaxed[256];
/* SHA-256 fetched once: EVP_sha256() makes OpenSSL 3 look it up (under a
   lock) at every init. Falls back to that when the fetch fails. */
static EVP_MD *sha256_fetched;
static pthread_once_t canon_once = PTHREAD_ONCE_INIT;

static void
canon_init_once(void)
{
	stop_simple['\r'] = stop_simple['\n'] = 1;
	stop_relaxed['\r'] = stop_relaxed['\n'] = stop_relaxed[' '] = stop_relaxed['\t'] = 1;
	sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *
sha256(void)
{
	pthread_once(&canon_once, canon_init_once);
	return sha256_fetched ? sha256_fetched : EVP_sha256();
}

int
dkim_bodycanon_start(struct dkim_bodycanon *bc, enum dkim_canon c)
{
	pthread_once(&canon_once, canon_init_once);
	/* not a memset of the whole struct: the output block needs no clearing */
	bc->relaxed = c == DKIM_C_RELAXED;
	bc->ended = 0;
	bc->crlf = 0;
	bc->wsp = bc->cr = bc->any = 0;
	bc->total = 0;
	bc->nsink = 0;
	bc->olen = 0;
	return 0;
}

int
dkim_bodycanon_sink(struct dkim_bodycanon *bc, long long limit)
{
	if (limit < 0)
		limit = -1;
	for (size_t i = 0; i < bc->nsink; i++)
		if (bc->sink[i].limit == limit)
			return (int)i;
	if (bc->nsink >= DKIM_BODYSINKS_MAX || bc->total > 0 || bc->olen > 0 || bc->crlf || bc->any ||
	    bc->cr || bc->ended)
		return -1;
	struct dkim_bodysink *k = &bc->sink[bc->nsink];
	memset(k, 0, sizeof(*k));
	k->limit = limit;
	k->md = EVP_MD_CTX_new();
	if (k->md == NULL || EVP_DigestInit_ex(k->md, sha256(), NULL) != 1) {
		EVP_MD_CTX_free(k->md);
		k->md = NULL;
		return -1;
	}
	return (int)bc->nsink++;
}

int
dkim_bodycanon_init(struct dkim_bodycanon *bc, enum dkim_canon c)
{
	if (dkim_bodycanon_start(bc, c) < 0 || dkim_bodycanon_sink(bc, -1) != 0) {
		dkim_bodycanon_free(bc);
		return -1;
	}
	return 0;
}

/* Canonical bytes to every sink, each up to its limit. */
static void
bc_hash(struct dkim_bodycanon *bc, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < bc->nsink; i++) {
		struct dkim_bodysink *k = &bc->sink[i];
		size_t take = n;
		if (k->limit >= 0) {
			unsigned long long room = (unsigned long long)k->limit - k->hashed;
			if (k->hashed >= (unsigned long long)k->limit)
				continue;
			if (take > room)
				take = (size_t)room;
		}
		if (take > 0 && k->md)
			EVP_DigestUpdate(k->md, p, take);
		k->hashed += take;
	}
}

static void
bc_flush(struct dkim_bodycanon *bc)
{
	if (bc->olen) {
		bc_hash(bc, bc->out, bc->olen);
		bc->olen = 0;
	}
}

static inline void
bc_put(struct dkim_bodycanon *bc, const unsigned char *p, size_t n)
{
	bc->total += n;
	if (n > sizeof(bc->out) - bc->olen) {
		bc_flush(bc);
		if (n >= sizeof(bc->out) / 2) {   /* a long run goes straight to the hash */
			bc_hash(bc, p, n);
			return;
		}
	}
	memcpy(bc->out + bc->olen, p, n);
	bc->olen += n;
}

/* A run of data bytes: first the held-back line ends and (relaxed) one SP for a WSP run. */
static inline void
bc_data(struct dkim_bodycanon *bc, const unsigned char *p, size_t n)
{
	static const unsigned char crlfs[] = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";
	while (bc->crlf > 0) {
		size_t k = bc->crlf < 8 ? bc->crlf : 8;
		bc_put(bc, crlfs, 2 * k);
		bc->crlf -= k;
	}
	if (bc->wsp) {
		bc_put(bc, (const unsigned char *)" ", 1);
		bc->wsp = 0;
	}
	bc_put(bc, p, n);
	bc->any = 1;
}

/* The first stop byte at or after j (or n). Eight bytes at a time while none
   is below 0x21 (SP, HT, CR and LF all are), then byte by byte. */
static inline size_t
scan_run(const unsigned char *p, size_t j, size_t n, const unsigned char *stop)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	for (;;) {
		while (n - j >= 8) {
			uint64_t w;
			memcpy(&w, p + j, 8);
			if (((w - ones * 0x21) & ~w & highs) != 0)
				break;
			j += 8;
		}
		size_t lim = n - j > 8 ? j + 8 : n;
		while (j < lim && !stop[p[j]])
			j++;
		if (j < lim || j >= n)
			return j;
	}
}

void
dkim_bodycanon_update(struct dkim_bodycanon *bc, const unsigned char *p, size_t n)
{
	const unsigned char *stop = bc->relaxed ? stop_relaxed : stop_simple;
	size_t i = 0;
	if (bc->ended || bc->nsink == 0)
		return;
	while (i < n) {
		if (bc->cr) {               /* a CR ended the previous piece */
			bc->cr = 0;
			if (p[i] == '\n') {
				bc->wsp = 0;    /* trailing WSP of the line goes */
				bc->crlf++;
				i++;
				continue;
			}
			bc_data(bc, (const unsigned char *)"\r", 1);   /* a bare CR is data */
		}
		/* a run: up to a byte that changes in canonical form; a single SP
		   between words (relaxed) and a CRLF before a line that starts with
		   an ordinary byte stay as they are, so they do not end it */
		size_t j = i;
		for (;;) {
			j = scan_run(p, j, n, stop);
			if (j == i && bc->wsp)
				break;      /* a pending WSP run must be decided first */
			if (j + 2 < n && p[j] == '\r' && p[j + 1] == '\n' && !stop[p[j + 2]]) {
				j += 3;
				continue;
			}
			if (j + 1 < n && p[j] == ' ' && !stop[p[j + 1]]) {   /* SP stops relaxed only */
				j += 2;
				continue;
			}
			break;
		}
		if (j > i)
			bc_data(bc, p + i, j - i);
		if (j >= n)
			break;
		switch (p[j]) {
		case '\n':
			bc->wsp = 0;
			bc->crlf++;
			break;
		case '\r':
			if (j + 1 < n && p[j + 1] == '\n') {
				bc->wsp = 0;
				bc->crlf++;
				j++;
			} else
				bc->cr = 1;
			break;
		default:                    /* SP or HT, relaxed only */
			bc->wsp = 1;
			break;
		}
		i = j + 1;
	}
}

/* End of the body: a pending CR is data; the body ends with one CRLF
   (simple: always, an empty body is CRLF; relaxed: only if not empty). */
static void
bc_end(struct dkim_bodycanon *bc)
{
	if (bc->ended)
		return;
	if (bc->cr) {
		bc->cr = 0;
		bc_data(bc, (const unsigned char *)"\r", 1);
	}
	bc->wsp = 0;
	bc->crlf = 0;
	if (!bc->relaxed || bc->any)
		bc_put(bc, (const unsigned char *)"\r\n", 2);
	bc_flush(bc);
	bc->ended = 1;
}

int
dkim_bodycanon_digest(struct dkim_bodycanon *bc, int sink, unsigned char out[32],
                      unsigned long long *total)
{
	if (sink < 0 || (size_t)sink >= bc->nsink)
		return -1;
	bc_end(bc);
	struct dkim_bodysink *k = &bc->sink[sink];
	if (!k->done) {
		unsigned len = 0;
		if (k->md == NULL || EVP_DigestFinal_ex(k->md, k->digest, &len) != 1 || len != 32)
			return -1;
		k->done = 1;
	}
	memcpy(out, k->digest, 32);
	if (total)
		*total = bc->total;
	return 0;
}

int
dkim_bodycanon_final(struct dkim_bodycanon *bc, unsigned char out[32])
{
	int rc = dkim_bodycanon_digest(bc, 0, out, NULL);
	dkim_bodycanon_free(bc);
	return rc;
}

void
dkim_bodycanon_free(struct dkim_bodycanon *bc)
{
	for (size_t i = 0; i < bc->nsink; i++) {
		EVP_MD_CTX_free(bc->sink[i].md);
		bc->sink[i].md = NULL;
	}
	bc->nsink = 0;
}

int
dkim_canon_verify(const struct dkim_sigtags *st, EVP_PKEY *pkey,
                  const unsigned char *data, size_t len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -1;
	if (ctx == NULL)
		return -1;
	if (st->alg == DKIM_ALG_ED25519_SHA256) {
		/* RFC 8463: Ed25519 (pure) over the SHA-256 of the header data */
		unsigned char hash[32];
		unsigned hl = 0;
		if (EVP_Digest(data, len, hash, &hl, sha256(), NULL) != 1 ||
		    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1)
			goto out;
		rc = EVP_DigestVerify(ctx, st->b, st->blen, hash, hl) == 1;
	} else {
		if (EVP_DigestVerifyInit(ctx, NULL, sha256(), NULL, pkey) != 1)
			goto out;
		rc = EVP_DigestVerify(ctx, st->b, st->blen, data, len) == 1;
	}
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}
