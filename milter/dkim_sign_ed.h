/*
 * dkim_sign_ed.h - ed25519-sha256 signing (RFC 8463) with OpenSSL.
 *
 * Why not libopendkim: Debian 12's libopendkim 2.11.0~beta2 can sign
 * ed25519-sha256, but leaks about 740 bytes per signature (its private key
 * load in dkim_eom is never freed), which a long-running milter cannot
 * afford. Verification there does not leak and stays in libopendkim.
 *
 * One signer per message and key; the EVP_PKEY is the key table's and is
 * only read. Body and headers are canonicalized by dkim_canon.c.
 */
#ifndef SPFDKIM_DKIM_SIGN_ED_H
#define SPFDKIM_DKIM_SIGN_ED_H

#include <stddef.h>

#include <openssl/evp.h>

#include "dkim_canon.h"

struct dkim_edsign;

struct dkim_edsign *dkim_edsign_new(EVP_PKEY *key, const char *domain, const char *selector,
                                    enum dkim_canon hc, enum dkim_canon bc);
void dkim_edsign_body(struct dkim_edsign *s, const unsigned char *p, size_t n);
/*
 * Builds the DKIM-Signature value (no name, no leading space, folded with
 * "\n\t"): h= lists every present header named in signhdrs (NULL-ended,
 * case-insensitive) in message order, then each oversign name once more.
 * malloc'd string, or NULL with the reason in err.
 */
char *dkim_edsign_finish(struct dkim_edsign *s, const struct dkim_hdr *hdrs, size_t n,
                         const char *const *signhdrs, const char *const *oversign,
                         char *err, size_t errlen);
void dkim_edsign_free(struct dkim_edsign *s);

#endif
