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

/* 1 signature valid, 0 invalid, -1 OpenSSL error. */
int dkim_canon_verify(const struct dkim_sigtags *st, EVP_PKEY *pkey,
                      const unsigned char *data, size_t len);

#endif
