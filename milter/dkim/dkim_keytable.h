/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_keytable.h - OpenDKIM-compatible KeyTable and SigningTable.
 *
 * KeyTable lines:     NAME DOMAIN:SELECTOR:/path/to/key   (DOMAIN "%": the From: domain)
 * SigningTable lines: PATTERN NAME[,NAME...]
 * Either file may be given as "file:/path"; the SigningTable also as
 * "refile:/path", where PATTERN is a glob ("*@example.com", "*") matched
 * case-insensitively against the whole From: address. Without refile:, the
 * lookup is OpenDKIM's: the full address, then the domain, then ".parent"
 * entries for each parent domain; the first of those that has lines wins.
 *
 * Unlike OpenDKIM (first match only unless MultipleSignatures), every
 * matching line counts, in file order, so two lines (or "NAME1,NAME2") for
 * one domain give an RSA + ed25519 dual signature. At most
 * DKIM_SIGN_KEYS_MAX keys per message.
 *
 * Keys are read and checked (RSA of at least 1024 bits, or Ed25519) at
 * load; the table is immutable afterwards, so lookups need no lock.
 * Caps: 4096-byte lines, DKIM_KEYTABLE_MAX lines per file, 16 KB key files.
 */
#ifndef SPFDKIM_DKIM_KEYTABLE_H
#define SPFDKIM_DKIM_KEYTABLE_H

#include <stddef.h>

#include <openssl/evp.h>

#include "dkim_tags.h"

#define DKIM_SIGN_KEYS_MAX 4
#define DKIM_KEYTABLE_MAX 100000

struct dkim_signkey {
	char name[128];
	char domain[256];       /* "%": use the From: domain */
	char selector[64];
	char path[512];
	EVP_PKEY *pkey;         /* parsed once, read-only (dkim_sign.c) */
	enum dkim_keytype type;
	unsigned bits;
};

struct dkim_keytable;

/* signing_table may be NULL (then nothing is signed). NULL with file:line in err. */
struct dkim_keytable *dkim_keytable_load(const char *key_table, const char *signing_table,
                                         char *err, size_t errlen);
void dkim_keytable_free(struct dkim_keytable *kt);

/* Keys to sign mail From: addr with, in table order; returns how many (<= max). */
size_t dkim_keytable_match(const struct dkim_keytable *kt, const char *addr,
                           const struct dkim_signkey **out, size_t max);

/* Glob with '*' only, case-insensitive; exposed for tests. */
int dkim_glob_match(const char *pat, const char *s);

#endif
