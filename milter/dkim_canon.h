/*
 * dkim_canon.h - our own RFC 6376 header hashing and signature check, for
 * the signatures libopendkim hashes wrongly (an unknown tag whose name ends
 * in "b", such as zb=: libopendkim blanks its value along with b=).
 *
 * The body hash still comes from libopendkim (dkim_sig_gethashes), whose
 * body canonicalization is right; here we select the h= headers bottom-up
 * (5.4.2), canonicalize them simple or relaxed (3.4.1, 3.4.2), append the
 * signature header with only the b= value removed (by tag offsets, not by
 * scanning for "b="), and verify rsa-sha256 or ed25519-sha256 (RFC 8463).
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
 * Input may use CRLF or bare LF line ends. Trailing empty lines are held
 * back as a count, so memory stays constant whatever the body.
 */
struct dkim_bodycanon {
	EVP_MD_CTX *md;
	int relaxed;
	size_t crlf;                  /* line ends not yet hashed */
	int wsp, cr, any;
	unsigned char out[4096];
	size_t olen;
};
int dkim_bodycanon_init(struct dkim_bodycanon *bc, enum dkim_canon c);
void dkim_bodycanon_update(struct dkim_bodycanon *bc, const unsigned char *p, size_t n);
/* 0 and the 32-byte digest in out, or -1. Frees the context either way. */
int dkim_bodycanon_final(struct dkim_bodycanon *bc, unsigned char out[32]);
void dkim_bodycanon_free(struct dkim_bodycanon *bc);

/* 1 signature valid, 0 invalid, -1 OpenSSL error. */
int dkim_canon_verify(const struct dkim_sigtags *st, EVP_PKEY *pkey,
                      const unsigned char *data, size_t len);

#endif
