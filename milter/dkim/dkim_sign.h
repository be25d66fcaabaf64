/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_sign.h - rsa-sha256 and ed25519-sha256 (RFC 8463) DKIM signatures
 * made with OpenSSL.
 *
 * Why not libopendkim: Debian 12's libopendkim 2.11.0~beta2 leaks about
 * 740 bytes per ed25519 signature, and for RSA it decodes the PEM key again
 * for every message and canonicalizes the body a byte at a time: about
 * 1.5 ms per 10 KB message, against 0.4 ms here (tests/tools/dkim_bench).
 *
 * One signer per message and key; the EVP_PKEY is the key table's, parsed
 * once and only read (OpenSSL 3 keys may be shared by threads for signing).
 * Body and headers are canonicalized by dkim_canon.c.
 */
#ifndef SPFDKIM_DKIM_SIGN_H
#define SPFDKIM_DKIM_SIGN_H

#include <stddef.h>

#include <openssl/evp.h>

#include "dkim_canon.h"

struct dkim_signer;

/* key: RSA (rsa-sha256) or Ed25519 (ed25519-sha256). NULL when out of memory. */
struct dkim_signer *dkim_signer_new(EVP_PKEY *key, const char *domain, const char *selector,
                                     enum dkim_canon hc, enum dkim_canon bc);
void dkim_signer_body(struct dkim_signer *s, const unsigned char *p, size_t n);
/*
 * Builds the DKIM-Signature value (no name, no leading space, folded with
 * "\n\t"): h= lists every present header named in signhdrs (NULL-ended,
 * case-insensitive) in message order, then each oversign name once more.
 * malloc'd string, or NULL with the reason in err.
 */
char *dkim_signer_finish(struct dkim_signer *s, const struct dkim_hdr *hdrs, size_t n,
                         const char *const *signhdrs, const char *const *oversign,
                         char *err, size_t errlen);
void dkim_signer_free(struct dkim_signer *s);

#endif
