/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_dkim_keytable.c - OpenDKIM KeyTable/SigningTable (refile: too) and
 * the signing side of dkim.h: which keys sign which From: address, dual
 * RSA + Ed25519 signatures, and the errors an admin sees (file:line).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim.h"
#include "dkim_keytable.h"

static char tmpdir[64];

static void
path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

static void
write_file(const char *name, const char *text)
{
	char p[256];
	path(p, sizeof(p), name);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	chmod(p, 0600);
}

static void
write_key(const char *name, EVP_PKEY *k)
{
	char p[256];
	path(p, sizeof(p), name);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	chmod(p, 0600);
	EVP_PKEY_free(k);
}

static int
setup(void **st)
{
	(void)st;
	strlcpy(tmpdir, "/tmp/test_dkim_kt.XXXXXX", sizeof(tmpdir));
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	write_key("rsa.pem", EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048));
	write_key("ed.pem", EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	write_key("small.pem", EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512));
	char kt[1024];
	snprintf(kt, sizeof(kt),
	         "# comment\n\nrsa example.test:s1:%s/rsa.pem\ned example.test:e1:%s/ed.pem\n"
	         "any %%:wild:%s/rsa.pem\n", tmpdir, tmpdir, tmpdir);
	write_file("KeyTable", kt);
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
glob_matches_like_opendkim_refile(void **st)
{
	(void)st;
	assert_true(dkim_glob_match("*@example.test", "a@example.test"));
	assert_true(dkim_glob_match("*@EXAMPLE.test", "a@example.TEST"));
	assert_false(dkim_glob_match("*@example.test", "a@sub.example.test"));
	assert_true(dkim_glob_match("*@*.example.test", "a@sub.example.test"));
	assert_true(dkim_glob_match("*", "x@y"));
	assert_true(dkim_glob_match("a*b*c", "aXXbYYc"));
	assert_false(dkim_glob_match("a*b*c", "aXXbYY"));
}

static struct dkim_keytable *
load(const char *st_name, const char *st_text, int refile, char *err)
{
	char kt[256], st[300], stp[256];
	path(kt, sizeof(kt), "KeyTable");
	write_file(st_name, st_text);
	path(stp, sizeof(stp), st_name);
	snprintf(st, sizeof(st), "%s%s", refile ? "refile:" : "", stp);
	return dkim_keytable_load(kt, st, err, 300);
}

static void
refile_signing_table_gives_every_matching_key_in_order(void **st)
{
	(void)st;
	char err[300];
	const struct dkim_signkey *k[DKIM_SIGN_KEYS_MAX];
	struct dkim_keytable *t = load("st1", "*@example.test rsa\n*@example.test ed\n*@other.test any\n", 1, err);
	assert_non_null(t);
	assert_int_equal(dkim_keytable_match(t, "user@example.test", k, DKIM_SIGN_KEYS_MAX), 2);
	assert_string_equal(k[0]->selector, "s1");
	assert_int_equal(k[0]->type, DKIM_KEY_RSA);
	assert_string_equal(k[1]->selector, "e1");
	assert_int_equal(k[1]->type, DKIM_KEY_ED25519);
	assert_int_equal(dkim_keytable_match(t, "user@other.test", k, DKIM_SIGN_KEYS_MAX), 1);
	assert_string_equal(k[0]->domain, "%");
	assert_int_equal(dkim_keytable_match(t, "user@nowhere.test", k, DKIM_SIGN_KEYS_MAX), 0);
	dkim_keytable_free(t);
}

static void
plain_signing_table_tries_address_then_domain_then_parents(void **st)
{
	(void)st;
	char err[300];
	const struct dkim_signkey *k[DKIM_SIGN_KEYS_MAX];
	struct dkim_keytable *t = load("st2", "boss@example.test ed\nexample.test rsa,ed\n.parent.test any\n", 0, err);
	assert_non_null(t);
	assert_int_equal(dkim_keytable_match(t, "boss@example.test", k, 4), 1);
	assert_string_equal(k[0]->name, "ed");
	assert_int_equal(dkim_keytable_match(t, "other@example.test", k, 4), 2);
	assert_int_equal(dkim_keytable_match(t, "x@mail.parent.test", k, 4), 1);
	assert_string_equal(k[0]->name, "any");
	assert_int_equal(dkim_keytable_match(t, "x@example.test.evil", k, 4), 0);
	dkim_keytable_free(t);
}

static void
errors_name_the_file_and_line(void **st)
{
	(void)st;
	char err[300];
	assert_null(load("st3", "*@example.test rsa\n*@x.test nosuchkey\n", 1, err));
	assert_non_null(strstr(err, "st3 line 2"));
	assert_non_null(strstr(err, "nosuchkey"));
	char bad[512];
	snprintf(bad, sizeof(bad), "small example.test:s:%s/small.pem\n", tmpdir);
	write_file("KeyTable.small", bad);
	char kt[256];
	path(kt, sizeof(kt), "KeyTable.small");
	assert_null(dkim_keytable_load(kt, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "line 1"));
	assert_non_null(strstr(err, "too small"));
	write_file("KeyTable.bad", "broken example.test-no-colons\n");
	path(kt, sizeof(kt), "KeyTable.bad");
	assert_null(dkim_keytable_load(kt, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "KeyTable.bad line 1"));
	assert_null(dkim_keytable_load("/nonexistent/KeyTable", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/KeyTable"));
}

/* Signs a small message through dkim.h and returns the report. */
static void
sign_msg(const char *from, struct dkim_report *r, const char *canon)
{
	char kt[256], st[300], stp[256], err[300];
	path(kt, sizeof(kt), "KeyTable");
	write_file("st4", "*@example.test rsa\n*@example.test ed\n*@other.test any\n");
	path(stp, sizeof(stp), "st4");
	snprintf(st, sizeof(st), "refile:%s", stp);
	struct dkim_options o = { .key_table = kt, .signing_table = st, .canonicalization = canon };
	struct dkim_engine *e = dkim_engine_new(&o, NULL, err, sizeof(err));
	assert_non_null(e);
	struct dkim_msg *m = dkim_msg_new(e, DKIM_MODE_SIGN, "Q1", err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(dkim_msg_header(m, "From", from), 0);
	assert_int_equal(dkim_msg_header(m, "Subject", " folded\r\n\tsubject"), 0);
	assert_int_equal(dkim_msg_eoh(m), 0);
	assert_int_equal(dkim_msg_body(m, (const unsigned char *)"hello\r\n", 7), 0);
	assert_int_equal(dkim_msg_eom(m, r), 0);
	dkim_msg_free(m);
	dkim_engine_free(e);
}

static void
signing_dual_rsa_and_ed25519_values_fold_with_lf(void **st)
{
	(void)st;
	struct dkim_report r;
	sign_msg(" Someone <someone@example.test>", &r, NULL);
	assert_int_equal(r.nadd, 2);
	assert_int_equal(r.nsigs, 0);
	assert_int_equal(r.summary, DKIM_V_NONE);
	assert_non_null(strstr(r.add_value[0], "a=rsa-sha256"));
	assert_non_null(strstr(r.add_value[0], "c=relaxed/relaxed"));
	assert_non_null(strstr(r.add_value[0], "d=example.test"));
	assert_non_null(strstr(r.add_value[1], "a=ed25519-sha256"));
	assert_null(strchr(r.add_value[0], '\r'));
	assert_true(r.add_value[0][0] != ' ');
	dkim_report_clear(&r);
	assert_int_equal(r.nadd, 0);
}

static void
signing_percent_domain_is_the_from_domain(void **st)
{
	(void)st;
	struct dkim_report r;
	sign_msg(" x@Other.TEST", &r, "simple/simple");
	assert_int_equal(r.nadd, 1);
	assert_non_null(strstr(r.add_value[0], "d=other.test"));
	assert_non_null(strstr(r.add_value[0], "c=simple/simple"));
	dkim_report_clear(&r);
	sign_msg(" nobody@unknown.test", &r, NULL);
	assert_int_equal(r.nadd, 0);
	dkim_report_clear(&r);
}

static void
engine_refuses_bad_canonicalization(void **st)
{
	(void)st;
	char err[300];
	struct dkim_options o = { .canonicalization = "loose/relaxed" };
	assert_null(dkim_engine_new(&o, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "loose/relaxed"));
}

static void
verify_without_dns_is_temperror_and_unsigned_is_none(void **st)
{
	(void)st;
	char err[300];
	struct dkim_options o = { 0 };
	struct dkim_engine *e = dkim_engine_new(&o, NULL, err, sizeof(err));
	assert_non_null(e);
	struct dkim_report r;
	struct dkim_msg *m = dkim_msg_new(e, DKIM_MODE_VERIFY, NULL, err, sizeof(err));
	dkim_msg_header(m, "From", " a@example.test");
	dkim_msg_header(m, "DKIM-Signature", " v=1; a=rsa-sha256; d=example.test; s=s; h=from; "
	                "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA");
	dkim_msg_eoh(m);
	dkim_msg_eom(m, &r);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.summary, DKIM_V_TEMPERROR);
	assert_string_equal(r.sig[0].d, "example.test");
	assert_string_equal(r.sig[0].b, "AAAA");
	dkim_report_clear(&r);
	dkim_msg_free(m);
	m = dkim_msg_new(e, DKIM_MODE_VERIFY, "Q", err, sizeof(err));
	dkim_msg_header(m, "From", " a@example.test");
	dkim_msg_eom(m, &r);      /* eoh implied */
	assert_int_equal(r.summary, DKIM_V_NONE);
	assert_int_equal(r.nsigs, 0);
	dkim_msg_free(m);
	/* more than DKIMMaxSignatures (16) signatures: 16 reported */
	m = dkim_msg_new(e, DKIM_MODE_VERIFY, "Q", err, sizeof(err));
	for (int i = 0; i < 40; i++)
		dkim_msg_header(m, "DKIM-Signature", " v=1; broken");
	dkim_msg_eom(m, &r);
	assert_int_equal(r.nsigs, 16);
	assert_int_equal(r.summary, DKIM_V_PERMERROR);
	dkim_msg_free(m);
	dkim_engine_free(e);
}

static void
verdict_names_round_trip(void **st)
{
	(void)st;
	enum dkim_verdict v;
	for (int i = 0; i < DKIM_V_COUNT; i++) {
		assert_int_equal(dkim_verdict_parse(dkim_verdict_str((enum dkim_verdict)i), &v), 0);
		assert_int_equal(v, i);
	}
	assert_int_equal(dkim_verdict_parse("softfail", &v), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(glob_matches_like_opendkim_refile),
		cmocka_unit_test(refile_signing_table_gives_every_matching_key_in_order),
		cmocka_unit_test(plain_signing_table_tries_address_then_domain_then_parents),
		cmocka_unit_test(errors_name_the_file_and_line),
		cmocka_unit_test(signing_dual_rsa_and_ed25519_values_fold_with_lf),
		cmocka_unit_test(signing_percent_domain_is_the_from_domain),
		cmocka_unit_test(engine_refuses_bad_canonicalization),
		cmocka_unit_test(verify_without_dns_is_temperror_and_unsigned_is_none),
		cmocka_unit_test(verdict_names_round_trip),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
