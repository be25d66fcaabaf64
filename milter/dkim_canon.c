/*
 * dkim_canon.c - header and body canonicalization and the signature check
 * for what we do ourselves rather than in libopendkim (see dkim_canon.h).
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
					canon_one(out, hc, hdrs[k].raw, hdrs[k].namelen,
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
	canon_one(out, hc, signame, strlen(signame), sigvalue, sigvlen, 0);
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

int
dkim_bodycanon_init(struct dkim_bodycanon *bc, enum dkim_canon c)
{
	memset(bc, 0, sizeof(*bc));
	bc->relaxed = c == DKIM_C_RELAXED;
	bc->md = EVP_MD_CTX_new();
	if (bc->md == NULL || EVP_DigestInit_ex(bc->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(bc->md);
		bc->md = NULL;
		return -1;
	}
	return 0;
}

static void
bc_put(struct dkim_bodycanon *bc, const char *p, size_t n)
{
	if (bc->olen + n > sizeof(bc->out)) {
		EVP_DigestUpdate(bc->md, bc->out, bc->olen);
		bc->olen = 0;
	}
	if (n > sizeof(bc->out)) {
		EVP_DigestUpdate(bc->md, p, n);
		return;
	}
	memcpy(bc->out + bc->olen, p, n);
	bc->olen += n;
}

static void
bc_char(struct dkim_bodycanon *bc, char c)
{
	for (; bc->crlf > 0; bc->crlf--)
		bc_put(bc, "\r\n", 2);
	if (bc->wsp) {
		bc_put(bc, " ", 1);
		bc->wsp = 0;
	}
	bc_put(bc, &c, 1);
	bc->any = 1;
}

void
dkim_bodycanon_update(struct dkim_bodycanon *bc, const unsigned char *p, size_t n)
{
	if (bc->md == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		char c = (char)p[i];
		if (bc->cr) {
			bc->cr = 0;
			if (c == '\n') {
				bc->wsp = 0;     /* trailing WSP of the line goes */
				bc->crlf++;
				continue;
			}
			bc_char(bc, '\r');  /* a bare CR is data */
		}
		if (c == '\r')
			bc->cr = 1;
		else if (c == '\n') {
			bc->wsp = 0;
			bc->crlf++;
		} else if (bc->relaxed && (c == ' ' || c == '\t'))
			bc->wsp = 1;
		else
			bc_char(bc, c);
	}
}

int
dkim_bodycanon_final(struct dkim_bodycanon *bc, unsigned char out[32])
{
	unsigned len = 0;
	int rc = -1;
	if (bc->md == NULL)
		return -1;
	if (bc->cr)
		bc_char(bc, '\r');
	/* simple: one CRLF ends the body (an empty body is CRLF); relaxed: only if non-empty */
	if (!bc->relaxed || bc->any)
		bc_put(bc, "\r\n", 2);
	if (EVP_DigestUpdate(bc->md, bc->out, bc->olen) == 1 &&
	    EVP_DigestFinal_ex(bc->md, out, &len) == 1 && len == 32)
		rc = 0;
	dkim_bodycanon_free(bc);
	return rc;
}

void
dkim_bodycanon_free(struct dkim_bodycanon *bc)
{
	EVP_MD_CTX_free(bc->md);
	bc->md = NULL;
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
