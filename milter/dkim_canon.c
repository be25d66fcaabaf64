/*
 * dkim_canon.c - header canonicalization and the signature check for the
 * signatures we verify ourselves (see dkim_canon.h for why).
 */
#include <ctype.h>
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

/* name: the header name bytes; value: everything after the colon. */
static int
canon_one(struct buf *out, enum dkim_canon c, const char *name, size_t nlen,
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
dkim_canon_headers(const struct dkim_hdr *hdrs, size_t n, size_t sigidx,
                   const struct dkim_sigtags *st, struct buf *out)
{
	const char *h = dkim_taglist_get(&st->tl, "h");
	const struct dkim_tag *bt = dkim_taglist_find(&st->tl, "b");
	unsigned char *used = calloc(n ? n : 1, 1);
	if (h == NULL || bt == NULL || used == NULL) {
		free(used);
		return -1;
	}
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
				if (used[k] || k == sigidx)
					continue;
				size_t hn = hdrs[k].namelen;
				while (hn && is_wsp((unsigned char)hdrs[k].raw[hn - 1]))
					hn--;
				if (hn == nl && strncasecmp(hdrs[k].raw, p, nl) == 0) {
					used[k] = 1;
					canon_one(out, st->hcanon, hdrs[k].raw, hdrs[k].namelen,
					          hdrs[k].raw + hdrs[k].namelen + 1,
					          hdrs[k].len - hdrs[k].namelen - 1, 1);
					break;
				}
			}
		}
		p = e;
	}
	free(used);

	/* the signature header itself, b= value removed, no trailing CRLF */
	const struct dkim_hdr *sh = &hdrs[sigidx];
	const char *val = sh->raw + sh->namelen + 1;
	size_t vlen = sh->len - sh->namelen - 1;
	struct buf tmp;
	buf_init(&tmp, vlen + 1);
	buf_append(&tmp, val, bt->vstart);
	buf_append(&tmp, val + bt->vend, vlen - bt->vend);
	int rc = tmp.failed ? -1 : canon_one(out, st->hcanon, sh->raw, sh->namelen,
	                                     buf_cstr(&tmp), tmp.len, 0);
	buf_free(&tmp);
	return out->failed ? -1 : rc;
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
		if (EVP_Digest(data, len, hash, &hl, EVP_sha256(), NULL) != 1 ||
		    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1)
			goto out;
		rc = EVP_DigestVerify(ctx, st->b, st->blen, hash, hl) == 1;
	} else {
		const EVP_MD *md = st->alg == DKIM_ALG_RSA_SHA1 ? EVP_sha1() : EVP_sha256();
		if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) != 1)
			goto out;
		rc = EVP_DigestVerify(ctx, st->b, st->blen, data, len) == 1;
	}
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}
