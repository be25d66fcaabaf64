/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_tags.h - RFC 6376 tag lists: the DKIM-Signature (section 3.5) and
 * the key record (section 3.6.1), parsed and checked before any hashing.
 *
 * Why our own (we used libopendkim before): it reports key-record errors
 * as "fail", ignores k=, and strips the value of any tag whose name ends in
 * "b" (zb=) when it hashes the signature header. Checking the tags here
 * lets dkim.c give the RFC 8601 result (permerror for a broken key or
 * signature, with the reason) and hash a zb= tag as sent.
 *
 * Pure functions over caller memory; thread-safe. Caps: DKIM_TAGS_MAX tags
 * per list, tag names up to 31 characters.
 */
#ifndef SPFDKIM_DKIM_TAGS_H
#define SPFDKIM_DKIM_TAGS_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#define DKIM_TAGS_MAX 64

struct dkim_tag {
	char name[32];
	size_t vstart, vend;          /* value offsets in the parsed text (trimmed) */
	char *value;                  /* copy of the value, surrounding FWS trimmed */
};

struct dkim_taglist {
	size_t n;
	struct dkim_tag t[DKIM_TAGS_MAX];
};

/* lenient: skip empty tag-specs (";;"), as key records in the wild have them.
   0, or -1 with the offending token in err. Free with dkim_taglist_free(). */
int dkim_taglist_parse(const char *s, size_t len, int lenient, struct dkim_taglist *out,
                       char *err, size_t errlen);
const struct dkim_tag *dkim_taglist_find(const struct dkim_taglist *tl, const char *name);
const char *dkim_taglist_get(const struct dkim_taglist *tl, const char *name);
void dkim_taglist_free(struct dkim_taglist *tl);

/* Base64 with FWS ignored (RFC 6376 3.5 b=, bh=, and 3.6.1 p=). Returns the
   decoded length, or -1 on a bad character, bad padding or overflow of out. */
long dkim_b64_decode(const char *s, unsigned char *out, size_t outlen);

enum dkim_alg { DKIM_ALG_RSA_SHA256, DKIM_ALG_ED25519_SHA256 };
enum dkim_keytype { DKIM_KEY_RSA, DKIM_KEY_ED25519 };
enum dkim_canon { DKIM_C_SIMPLE, DKIM_C_RELAXED };

/* One checked DKIM-Signature. Strings point into tl (freed with it). */
struct dkim_sigtags {
	struct dkim_taglist tl;
	enum dkim_alg alg;
	enum dkim_canon hcanon, bcanon;
	const char *d, *s, *a, *i;    /* i: "@d" when absent */
	char idefault[260];
	long long l;                  /* -1: whole body */
	long long t, x;               /* -1: absent */
	unsigned char bh[64];
	size_t bhlen;
	unsigned char b[1024];        /* decoded signature */
	size_t blen;
	char b8[9];                   /* first 8 characters of b= (FWS removed) */
	int xb_tag;                   /* an unknown tag whose name ends in "b" (zb=) */
	int instance;                 /* ARC headers: i= */
	const char *cv;               /* ARC-Seal: cv= */
};

/* RFC 8617 4.2.1: at most 50 ARC sets per message. */
#define DKIM_ARC_INSTANCES_MAX 50

/*
 * What a signature header is: a DKIM-Signature, an ARC-Message-Signature
 * (RFC 8617 4.1.2: DKIM's tags without v=, i= the instance, no l=, h= must
 * not list ARC-Seal) or an ARC-Seal (4.1.3: i=, a=, b=, d=, s=, cv=, t=;
 * no h= or bh=; always relaxed header canonicalization).
 */
enum dkim_sigkind { DKIM_SIG_DKIM, DKIM_SIG_AMS, DKIM_SIG_AS };

/*
 * Checks one DKIM-Signature header value per RFC 6376 3.5 (and RFC 8301:
 * rsa-sha1 is not accepted). now: for x=. Returns 0, or -1 with the reason
 * in err (the result is then permerror). Whatever the return, d/s/a/i/b8
 * are filled as far as the value allowed, for the report; free with
 * dkim_sigtags_free().
 */
int dkim_sig_check(const char *value, size_t len, time_t now, struct dkim_sigtags *out,
                   char *err, size_t errlen);
/* The same for the kind of header given (dkim_sig_check: DKIM_SIG_DKIM). */
int dkim_sig_check_kind(const char *value, size_t len, time_t now, enum dkim_sigkind kind,
                        struct dkim_sigtags *out, char *err, size_t errlen);
void dkim_sigtags_free(struct dkim_sigtags *st);

struct dkim_keyinfo {
	enum dkim_keytype type;
	unsigned bits;
	int testing;                  /* t=y */
	int strict;                   /* t=s: i= must be exactly d= */
	EVP_PKEY *pkey;               /* owned; free with dkim_keyinfo_free() */
};

/*
 * Checks one key record (the TXT strings joined) per RFC 6376 3.6.1 and
 * RFC 8463 against the signature algorithm: v=DKIM1 first if present, h=
 * must allow the signature's hash, k= must be known and match a=, s= must
 * cover email, p= must be present, non-empty (else revoked) and decode as
 * a key of type k=. Returns 0, or -1 with the reason in err (permerror).
 */
int dkim_key_check(const char *rec, size_t len, enum dkim_alg alg, struct dkim_keyinfo *out,
                   char *err, size_t errlen);
void dkim_keyinfo_free(struct dkim_keyinfo *ki);

#endif
