/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_dkim_tags.c - RFC 6376 tag lists, DKIM-Signature (3.5) and key
 * record (3.6.1) checks: what becomes permerror, and why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "dkim_canon.h"
#include "dkim_tags.h"

static char rsa_p[1024], rsa512_p[512], ed_p[64];

static void
b64(const unsigned char *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

static int
setup(void **st)
{
	(void)st;
	unsigned char der[1024], *p = der;
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	int n = i2d_PUBKEY(k, &p);
	b64(der, (size_t)n, rsa_p);
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
	p = der;
	n = i2d_PUBKEY(k, &p);
	b64(der, (size_t)n, rsa512_p);
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	size_t len = 32;
	EVP_PKEY_get_raw_public_key(k, der, &len);
	b64(der, len, ed_p);
	EVP_PKEY_free(k);
	return 0;
}

static int
parse(const char *s, int lenient, struct dkim_taglist *tl, char *err)
{
	return dkim_taglist_parse(s, strlen(s), lenient, tl, err, 160);
}

static void
taglist_accepts_fws_and_trailing_semicolon(void **st)
{
	(void)st;
	struct dkim_taglist tl;
	char err[160];
	assert_int_equal(parse(" v = 1 ;\r\n\ta=rsa-sha256;  b=ab\r\n cd ; ", 0, &tl, err), 0);
	assert_int_equal(tl.n, 3);
	assert_string_equal(dkim_taglist_get(&tl, "v"), "1");
	assert_string_equal(dkim_taglist_get(&tl, "b"), "ab\r\n cd");
	assert_null(dkim_taglist_get(&tl, "x"));
	dkim_taglist_free(&tl);
}

static void
taglist_rejects_duplicates_bad_names_and_8bit(void **st)
{
	(void)st;
	struct dkim_taglist tl;
	char err[160];
	assert_int_equal(parse("a=1; a=2", 0, &tl, err), -1);
	assert_non_null(strstr(err, "duplicate tag \"a\""));
	assert_int_equal(parse("1a=1", 0, &tl, err), -1);
	assert_int_equal(parse("a 1", 0, &tl, err), -1);
	assert_non_null(strstr(err, "has no '='"));
	assert_int_equal(parse("a=caf\xc3\xa9", 0, &tl, err), -1);
	assert_non_null(strstr(err, "bad byte"));
	assert_int_equal(parse("a=1;;b=2", 0, &tl, err), -1);
	assert_int_equal(parse("a=1;;b=2", 1, &tl, err), 0);   /* key records: lenient */
	dkim_taglist_free(&tl);
}

static void
taglist_caps_the_number_of_tags(void **st)
{
	(void)st;
	struct buf b;
	struct dkim_taglist tl;
	char err[160];
	buf_init(&b, 0);
	for (int i = 0; i < DKIM_TAGS_MAX + 1; i++)
		buf_printf(&b, "t%d=%d;", i, i);
	assert_int_equal(parse(buf_cstr(&b), 0, &tl, err), -1);
	assert_non_null(strstr(err, "more than"));
	buf_free(&b);
}

static void
base64_ignores_fws_and_checks_padding(void **st)
{
	(void)st;
	unsigned char out[16];
	assert_int_equal(dkim_b64_decode("aGVs\r\n bG8=", out, sizeof(out)), 5);
	assert_memory_equal(out, "hello", 5);
	assert_int_equal(dkim_b64_decode("aGVsbG8", out, sizeof(out)), 5);
	assert_int_equal(dkim_b64_decode("aGV!bG8=", out, sizeof(out)), -1);
	assert_int_equal(dkim_b64_decode("aGVs=bG8", out, sizeof(out)), -1);
	assert_int_equal(dkim_b64_decode("aGVsbG8===", out, sizeof(out)), -1);
	assert_int_equal(dkim_b64_decode("aGVsbG8gd29ybGQgaGVsbG8=", out, 4), -1);
	assert_int_equal(dkim_b64_decode("", out, sizeof(out)), 0);
}

#define BH "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define GOOD "v=1; a=rsa-sha256; d=example.test; s=sel; c=relaxed/relaxed; h=From:To; " BH "; b=AAAABBBBCCCC"

static int
sig(const char *v, char *err, struct dkim_sigtags *out)
{
	int rc = dkim_sig_check(v, strlen(v), (time_t)1800000000, out, err, 160);
	return rc;
}

static void
signature_good_one_passes_the_checks(void **st)
{
	(void)st;
	struct dkim_sigtags s;
	char err[160];
	assert_int_equal(sig(GOOD, err, &s), 0);
	assert_int_equal(s.alg, DKIM_ALG_RSA_SHA256);
	assert_int_equal(s.hcanon, DKIM_C_RELAXED);
	assert_string_equal(s.i, "@example.test");
	assert_string_equal(s.b8, "AAAABBBB");
	assert_int_equal(s.bhlen, 32);
	assert_int_equal(s.xb_tag, 0);
	dkim_sigtags_free(&s);
}

static void
signature_unknown_tag_ending_in_b_is_flagged_not_refused(void **st)
{
	(void)st;
	struct dkim_sigtags s;
	char err[160];
	assert_int_equal(sig(GOOD "; zb=whatever", err, &s), 0);
	assert_int_equal(s.xb_tag, 1);
	dkim_sigtags_free(&s);
}

static void
signature_errors_are_permerror_with_a_reason(void **st)
{
	(void)st;
	static const struct { const char *v, *why; } bad[] = {
		{ "a=rsa-sha256; d=example.test; s=sel; h=From; " BH "; b=AAAA", "no v= tag" },
		{ "v=2; a=rsa-sha256; d=example.test; s=sel; h=From; " BH "; b=AAAA", "unsupported signature version" },
		{ "v=1; a=rsa-md5; d=example.test; s=sel; h=From; " BH "; b=AAAA", "unknown signature algorithm" },
		{ "v=1; a=rsa-sha1; d=example.test; s=sel; h=From; " BH "; b=AAAA", "RFC 8301" },
		{ "v=1; a=rsa-sha256; d=example.test; s=sel; h=From; " BH "; b=", "no b= value" },
		{ "v=1; a=rsa-sha256; d=example.test; s=sel; h=From; bh=AAAA; b=AAAA", "bh= is not" },
		{ "v=1; a=rsa-sha256; s=sel; h=From; " BH "; b=AAAA", "d= missing" },
		{ "v=1; a=rsa-sha256; d=example.test; h=From; " BH "; b=AAAA", "no s= selector" },
		{ "v=1; a=rsa-sha256; d=example.test; s=sel; h=To:Subject; " BH "; b=AAAA", "does not include From" },
		{ "v=1; a=rsa-sha256; d=example.test; s=sel; h=From; c=fancy/simple; " BH "; b=AAAA", "header canonicalization" },
		{ "v=1; a=rsa-sha256; d=example.test; s=sel; h=From; i=@other.test; " BH "; b=AAAA", "is not in d=" },
		{ "v=1; a=rsa-sha256; d=example.test; s=sel; h=From; i=@badexample.test; " BH "; b=AAAA", "is not in d=" },
		{ "v=1; a=rsa-sha256; d=example.test; s=sel; h=From; l=12x; " BH "; b=AAAA", "bad body length" },
		{ "v=1; a=rsa-sha256; d=example.test; s=sel; h=From; q=http; " BH "; b=AAAA", "query method" },
		{ "v=1; a=rsa-sha256; d=example.test; s=sel; h=From; t=20; x=10; " BH "; b=AAAA", "before timestamp" },
		{ "v=1; a=rsa-sha256; d=example.test; s=sel; h=From; x=1000; " BH "; b=AAAA", "expired" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dkim_sigtags s;
		char err[160] = "";
		if (sig(bad[i].v, err, &s) != -1 || strstr(err, bad[i].why) == NULL)
			fail_msg("case %zu: want '%s', got '%s'", i, bad[i].why, err);
		dkim_sigtags_free(&s);
	}
	struct dkim_sigtags s;
	char err[160];
	assert_int_equal(sig("v=1; a=rsa-sha256; d=example.test; s=sel; h=from; i=u@Sub.Example.TEST; " BH "; b=AAAA",
	                     err, &s), 0);
	dkim_sigtags_free(&s);
}

static int
key(const char *rec, enum dkim_alg alg, struct dkim_keyinfo *ki, char *err)
{
	return dkim_key_check(rec, strlen(rec), alg, ki, err, 160);
}

static void
key_good_rsa_and_ed25519(void **st)
{
	(void)st;
	char rec[1200], err[160];
	struct dkim_keyinfo ki;
	snprintf(rec, sizeof(rec), "v=DKIM1; p=%s", rsa_p);
	assert_int_equal(key(rec, DKIM_ALG_RSA_SHA256, &ki, err), 0);
	assert_int_equal(ki.type, DKIM_KEY_RSA);
	assert_int_equal(ki.bits, 1024);
	dkim_keyinfo_free(&ki);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; h=sha256; s=email:*; t=y:s; p=%s", ed_p);
	assert_int_equal(key(rec, DKIM_ALG_ED25519_SHA256, &ki, err), 0);
	assert_int_equal(ki.type, DKIM_KEY_ED25519);
	assert_true(ki.testing);
	assert_true(ki.strict);
	dkim_keyinfo_free(&ki);
	snprintf(rec, sizeof(rec), "k=rsa; p=%s", rsa512_p);
	assert_int_equal(key(rec, DKIM_ALG_RSA_SHA256, &ki, err), 0);
	assert_int_equal(ki.bits, 512);   /* the size policy is dkim.c's */
	dkim_keyinfo_free(&ki);
}

static void
key_record_errors_are_permerror_with_a_reason(void **st)
{
	(void)st;
	char rec[1200], err[160];
	struct dkim_keyinfo ki;
	struct { const char *fmt, *p; enum dkim_alg alg; const char *why; } bad[] = {
		{ "v=DKIM1; k=ed25519; p=%s", rsa_p, DKIM_ALG_RSA_SHA256, "does not match" },
		{ "v=DKIM1; k=rsa; p=%s", ed_p, DKIM_ALG_ED25519_SHA256, "does not match" },
		{ "v=DKIM1; k=dsa; p=%s", rsa_p, DKIM_ALG_RSA_SHA256, "unknown key type k=dsa" },
		{ "v=DKIM1; h=sha1; p=%s", rsa_p, DKIM_ALG_RSA_SHA256, "does not allow sha256" },
		{ "v=DKIM1; s=tlsrpt; p=%s", rsa_p, DKIM_ALG_RSA_SHA256, "does not cover email" },
		{ "v=DKIM1; p=%s", "", DKIM_ALG_RSA_SHA256, "revoked" },
		{ "v=DKIM1; k=rsa%s", "", DKIM_ALG_RSA_SHA256, "no p= tag" },
		{ "v=DKIM1; p=%s!!", rsa_p, DKIM_ALG_RSA_SHA256, "not valid base64" },
		{ "v=DKIM1; p=%s", "MAMCAQAA", DKIM_ALG_RSA_SHA256, "does not decode" },
		{ "v=DKIM1; k=ed25519; p=%s", "AAAA", DKIM_ALG_ED25519_SHA256, "not 32" },
		{ "k=rsa; v=DKIM1; p=%s", rsa_p, DKIM_ALG_RSA_SHA256, "first tag" },
		{ "v=DKIM2; p=%s", rsa_p, DKIM_ALG_RSA_SHA256, "not DKIM1" },
		{ "v=DKIM1; p=%s; p=x", rsa_p, DKIM_ALG_RSA_SHA256, "duplicate tag" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(rec, sizeof(rec), bad[i].fmt, bad[i].p);
		err[0] = '\0';
		if (key(rec, bad[i].alg, &ki, err) != -1 || strstr(err, bad[i].why) == NULL)
			fail_msg("case %zu (%s): want '%s', got '%s'", i, bad[i].fmt, bad[i].why, err);
		dkim_keyinfo_free(&ki);
	}
}

static void
canon_relaxed_selects_bottom_up_and_blanks_only_b(void **st)
{
	(void)st;
	const char *sigv = " v=1; a=rsa-sha256; d=example.test; s=sel; c=relaxed/relaxed; h=Subject:From:Subject:X-None; "
	                   BH "; zb=keep; b=AAAA\r\n BBBB";
	char *raws[] = { strdup("Subject: first"), strdup("From:  A   B \r\n\t<a@example.test>  "),
	                 strdup("Subject:second"), NULL };
	size_t sl = strlen("DKIM-Signature:") + strlen(sigv);
	raws[3] = malloc(sl + 1);
	snprintf(raws[3], sl + 1, "DKIM-Signature:%s", sigv);
	struct dkim_hdr h[4];
	for (int i = 0; i < 4; i++) {
		h[i].raw = raws[i];
		h[i].len = strlen(raws[i]);
		h[i].namelen = (size_t)(strchr(raws[i], ':') - raws[i]);
	}
	struct dkim_sigtags s;
	char err[160];
	assert_int_equal(dkim_sig_check(sigv, strlen(sigv), 0, &s, err, sizeof(err)), 0);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(dkim_canon_headers(h, 4, 3, &s, &out), 0);
	const char *want = "subject:second\r\nfrom:A B <a@example.test>\r\nsubject:first\r\n"
	                   "dkim-signature:v=1; a=rsa-sha256; d=example.test; s=sel; c=relaxed/relaxed; "
	                   "h=Subject:From:Subject:X-None; " BH "; zb=keep; b=";
	assert_string_equal(buf_cstr(&out), want);
	buf_free(&out);
	dkim_sigtags_free(&s);
	for (int i = 0; i < 4; i++)
		free(raws[i]);
}

static void
bh(enum dkim_canon c, const char *body, size_t chunk, char *out)
{
	struct dkim_bodycanon bc;
	unsigned char d[32];
	assert_int_equal(dkim_bodycanon_init(&bc, c), 0);
	size_t n = strlen(body);
	for (size_t i = 0; i < n; i += chunk)
		dkim_bodycanon_update(&bc, (const unsigned char *)body + i, n - i < chunk ? n - i : chunk);
	assert_int_equal(dkim_bodycanon_final(&bc, d), 0);
	EVP_EncodeBlock((unsigned char *)out, d, 32);
}

static void
body_canonicalization_matches_rfc6376_examples(void **st)
{
	(void)st;
	char a[64], b[64];
	/* empty body: simple hashes CRLF, relaxed hashes nothing (RFC 6376 3.4.3, 3.4.4) */
	bh(DKIM_C_SIMPLE, "", 1, a);
	assert_string_equal(a, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
	bh(DKIM_C_RELAXED, "", 1, a);
	assert_string_equal(a, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	/* RFC 6376 3.4.5 example body, any chunking, CRLF or LF */
	bh(DKIM_C_RELAXED, " C \r\nD \t E\r\n\r\n\r\n", 1, a);
	bh(DKIM_C_RELAXED, " C\r\nD E\r\n", 7, b);
	assert_string_equal(a, b);
	bh(DKIM_C_RELAXED, " C \nD \t E\n\n", 3, b);
	assert_string_equal(a, b);
	bh(DKIM_C_SIMPLE, " C \r\nD \t E\r\n\r\n\r\n", 2, a);
	bh(DKIM_C_SIMPLE, " C \r\nD \t E", 5, b);     /* missing final CRLF is added */
	assert_string_equal(a, b);
	bh(DKIM_C_SIMPLE, "x\ry\r\n", 1, a);          /* a bare CR is data */
	bh(DKIM_C_SIMPLE, "xy\r\n", 1, b);
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(taglist_accepts_fws_and_trailing_semicolon),
		cmocka_unit_test(taglist_rejects_duplicates_bad_names_and_8bit),
		cmocka_unit_test(taglist_caps_the_number_of_tags),
		cmocka_unit_test(base64_ignores_fws_and_checks_padding),
		cmocka_unit_test(signature_good_one_passes_the_checks),
		cmocka_unit_test(signature_unknown_tag_ending_in_b_is_flagged_not_refused),
		cmocka_unit_test(signature_errors_are_permerror_with_a_reason),
		cmocka_unit_test(key_good_rsa_and_ed25519),
		cmocka_unit_test(key_record_errors_are_permerror_with_a_reason),
		cmocka_unit_test(canon_relaxed_selects_bottom_up_and_blanks_only_b),
		cmocka_unit_test(body_canonicalization_matches_rfc6376_examples),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
