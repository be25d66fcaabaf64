/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_canon.h - RFC 6376 canonicalization and the signature check, for
 * every verification and for our signers (dkim_sign.c).
 *
 * Headers: select the h= headers bottom-up (5.4.2), canonicalize them
 * simple or relaxed (3.4.1, 3.4.2), append the signature header with only
 * the b= value removed (by tag offsets, not by scanning for "b=", so an
 * unknown tag such as zb= is hashed as sent). Body: a streaming run-based
 * canonicalizer into shared SHA-256 digests. Check: rsa-sha256 or
 * ed25519-sha256 (RFC 8463) with a parsed EVP_PKEY.
 */
#ifndef SPFDKIM_DKIM_CANON_H
#define SPFDKIM_DKIM_CANON_H

#include <stddef.h>

#include "buf.h"
#include "dkim_tags.h"

/* One header as on the wire: raw = "Name:value" with CRLF folds and no final CRLF. */
struct dkim_hdr {
	char *raw;
	size_t namelen;     /* bytes before the colon */
	size_t len;
};

/*
 * One header, canonicalized simple or relaxed, into out: name is the name
 * bytes, value everything after the colon; crlf: end it with CRLF.
 * 0, or -1 when out hit its cap.
 */
int dkim_canon_header(struct buf *out, enum dkim_canon c, const char *name, size_t nlen,
                      const char *value, size_t vlen, int crlf);

/*
 * Appends the canonicalized header data signature st covers to out:
 * hdrs[0..n) in message order, sigidx the DKIM-Signature being verified
 * (its value was what dkim_sig_check() parsed: raw + namelen + 1).
 * 0, or -1 when out hit its cap.
 */
int dkim_canon_headers(const struct dkim_hdr *hdrs, size_t n, size_t sigidx,
                       const struct dkim_sigtags *st, struct buf *out);

/*
 * The same for a signer: hlist is the h= value, sigvalue the signature
 * header's value (after the colon, CRLF folds) with b= empty; skip is a
 * header index not to select ((size_t)-1: none).
 */
int dkim_canon_headers_for(const struct dkim_hdr *hdrs, size_t n, size_t skip, const char *hlist,
                           enum dkim_canon hc, const char *signame, const char *sigvalue,
                           size_t sigvlen, struct buf *out);

/*
 * Streaming body canonicalization (RFC 6376 3.4.3, 3.4.4) into SHA-256.
 * Input may use CRLF or bare LF line ends (a bare LF counts as CRLF, a bare
 * CR is data). Run-based: only SP, HT (relaxed), CR and LF are looked at on
 * their own; the bytes between them are copied as whole runs into an output
 * block that is hashed in large pieces. Trailing empty lines are held back
 * as a count, so memory stays constant whatever the body.
 *
 * One canonicalizer feeds several digests ("sinks"), one per body length
 * limit (l=, or -1 for the whole body): signatures with the same body
 * canonicalization and l= share one. Caps: DKIM_BODYSINKS_MAX sinks.
 */
#define DKIM_BODYSINKS_MAX 32
#define DKIM_BODYCANON_BLOCK 8192

struct dkim_bodysink {
	EVP_MD_CTX *md;
	long long limit;              /* canonical bytes hashed at most; -1: all */
	unsigned long long hashed;
	int done;                     /* digest below is final */
	unsigned char digest[32];
};

struct dkim_bodycanon {
	int relaxed;
	int ended;
	size_t crlf;                  /* line ends not yet emitted */
	int wsp, cr, any;
	unsigned long long total;     /* canonical bytes produced so far */
	size_t nsink;
	struct dkim_bodysink sink[DKIM_BODYSINKS_MAX];
	size_t olen;
	unsigned char out[DKIM_BODYCANON_BLOCK];
};
/* No sinks yet: add them with dkim_bodycanon_sink(). 0 or -1. */
int dkim_bodycanon_start(struct dkim_bodycanon *bc, enum dkim_canon c);
/* The sink for limit (-1: whole body), shared if one exists: its index, or -1
   (cap, out of memory, or input already fed). */
int dkim_bodycanon_sink(struct dkim_bodycanon *bc, long long limit);
void dkim_bodycanon_update(struct dkim_bodycanon *bc, const unsigned char *p, size_t n);
/* End of body; then each sink's digest. *total: canonical body length (to
   tell an l= beyond the body). 0, or -1 on a hash error. */
int dkim_bodycanon_digest(struct dkim_bodycanon *bc, int sink, unsigned char out[32],
                          unsigned long long *total);
/* Shorthands for one whole-body digest (signers): start + sink(-1), and
   digest + free. */
int dkim_bodycanon_init(struct dkim_bodycanon *bc, enum dkim_canon c);
/* 0 and the 32-byte digest in out, or -1. Frees the context either way. */
int dkim_bodycanon_final(struct dkim_bodycanon *bc, unsigned char out[32]);
void dkim_bodycanon_free(struct dkim_bodycanon *bc);

/* 1 signature valid, 0 invalid, -1 OpenSSL error. */
int dkim_canon_verify(const struct dkim_sigtags *st, EVP_PKEY *pkey,
                      const unsigned char *data, size_t len);

#endif
