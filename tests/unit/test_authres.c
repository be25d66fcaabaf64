/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_authres.c - Authentication-Results (RFC 8601) and Received-SPF
 * (RFC 7208 9.1) values, the forged-A-R detector, and decision-line quoting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "authres.h"
#include "decision.h"
#include "kvline.h"

static void
ar_spf_mailfrom_and_dkim_parts(void **st)
{
	struct buf b;
	struct authres_spf s = { .result = SPF_RESULT_PASS, .kind = AR_SPF_MAILFROM, .value = "alice@example.test" };
	struct dkim_report r;
	(void)st;
	memset(&r, 0, sizeof(r));
	r.nsigs = 2;
	r.sig[0].verdict = DKIM_V_PASS;
	strcpy(r.sig[0].d, "example.test"); strcpy(r.sig[0].i, "@example.test");
	strcpy(r.sig[0].s, "sel"); strcpy(r.sig[0].a, "rsa-sha256"); strcpy(r.sig[0].b, "AbCdEfGh");
	r.sig[1].verdict = DKIM_V_FAIL;
	strcpy(r.sig[1].d, "other.test"); strcpy(r.sig[1].reason, "body hash (did not) verify");
	buf_init(&b, 0);
	authres_begin(&b, "mx.example.test");
	authres_add_spf(&b, &s);
	authres_add_dkim(&b, &r);
	authres_end(&b);
	assert_string_equal(buf_cstr(&b),
	    " mx.example.test; spf=pass smtp.mailfrom=alice@example.test;\n"
	    "\tdkim=pass header.d=example.test header.i=@example.test header.s=sel header.a=rsa-sha256 header.b=AbCdEfGh;\n"
	    "\tdkim=fail (body hash did not verify) header.d=other.test");
	buf_free(&b);
}

static void
ar_header_from_and_helo_are_distinct(void **st)
{
	struct buf b;
	struct authres_spf hf = { .result = SPF_RESULT_FAIL, .kind = AR_SPF_HEADER_FROM, .value = "example.test" };
	struct authres_spf he = { .result = SPF_RESULT_NONE, .kind = AR_SPF_HELO, .value = "mx.example.test" };
	(void)st;
	buf_init(&b, 0);
	authres_begin(&b, "id");
	authres_add_spf(&b, &hf);
	authres_add_spf(&b, &he);
	authres_end(&b);
	assert_string_equal(buf_cstr(&b), " id; spf=fail header.from=example.test;\n\tspf=none smtp.helo=mx.example.test");
	buf_free(&b);
}

static void
ar_odd_values_are_quoted(void **st)
{
	struct buf b;
	struct authres_spf s = { .result = SPF_RESULT_SOFTFAIL, .kind = AR_SPF_MAILFROM,
	                         .value = "\"odd user\"@example.test" };
	(void)st;
	buf_init(&b, 0);
	authres_begin(&b, "id");
	authres_add_spf(&b, &s);
	authres_end(&b);
	assert_string_equal(buf_cstr(&b), " id; spf=softfail smtp.mailfrom=\"\\\"odd user\\\"@example.test\"");
	buf_free(&b);
}

static void
ar_without_methods_says_none(void **st)
{
	struct buf b;
	(void)st;
	buf_init(&b, 0);
	authres_begin(&b, "id");
	authres_end(&b);
	assert_string_equal(buf_cstr(&b), " id; none");
	buf_free(&b);
}

static void
received_spf_has_comment_and_keys(void **st)
{
	struct buf b;
	struct received_spf r = { .result = SPF_RESULT_FAIL, .receiver = "mx.example.test", .client_ip = "192.0.2.1",
	                          .helo = "client.example", .envelope_from = "bob@example.test",
	                          .identity = "mailfrom", .domain = "example.test", .mechanism = "-all" };
	(void)st;
	buf_init(&b, 0);
	authres_received_spf(&b, &r);
	assert_string_equal(buf_cstr(&b),
	    " fail (mx.example.test: domain of bob@example.test does not designate 192.0.2.1 as permitted sender)\n"
	    "\treceiver=mx.example.test;\n\tclient-ip=192.0.2.1;\n\tenvelope-from=bob@example.test;\n"
	    "\thelo=client.example;\n\tidentity=mailfrom;\n\tmechanism=-all;");
	buf_free(&b);
}

static void
received_spf_null_sender_and_problem(void **st)
{
	struct buf b;
	struct received_spf r = { .result = SPF_RESULT_PERMERROR, .receiver = "mx", .client_ip = "2001:db8::1",
	                          .helo = "h.example", .envelope_from = "", .identity = "helo",
	                          .domain = "h.example", .problem = "unknown mechanism (x)" };
	(void)st;
	buf_init(&b, 0);
	authres_received_spf(&b, &r);
	assert_non_null(strstr(buf_cstr(&b), "envelope-from=\"<>\";"));
	assert_non_null(strstr(buf_cstr(&b), "problem=\"unknown mechanism (x)\";"));
	assert_non_null(strstr(buf_cstr(&b), "permanent error in processing domain of h.example)"));
	buf_free(&b);
}

static void
forged_ar_detection(void **st)
{
	(void)st;
	assert_true(authres_is_ours(" mx.test; spf=pass", "mx.test"));
	assert_true(authres_is_ours("MX.TEST;spf=pass", "mx.test"));
	assert_true(authres_is_ours(" (comment (nested)) mx.test 1; none", "mx.test"));
	assert_true(authres_is_ours("\r\n\tmx.test;\r\n\tdkim=pass", "mx.test"));
	assert_false(authres_is_ours(" mx.test.evil.example; spf=pass", "mx.test"));
	assert_false(authres_is_ours(" other.example; spf=pass smtp.mailfrom=x@mx.test", "mx.test"));
	assert_false(authres_is_ours(" mx.tes; spf=pass", "mx.test"));
	assert_false(authres_is_ours(" (unterminated mx.test;", "mx.test"));
	assert_false(authres_is_ours("", "mx.test"));
	assert_false(authres_is_ours(" mx.test;", ""));
	/* RFC 8601 2.2: the authserv-id may be a quoted-string. */
	assert_true(authres_is_ours(" \"mx.example\"; dkim=pass", "mx.example"));
	assert_true(authres_is_ours(" (c) \"MX.Example\" 1; dkim=pass", "mx.example"));
	assert_true(authres_is_ours(" \"mx.\\example\"; dkim=pass", "mx.example"));
	assert_false(authres_is_ours(" \"mx.example.evil\"; dkim=pass", "mx.example"));
	assert_false(authres_is_ours(" \"mx.exampl\"; dkim=pass", "mx.example"));
	assert_false(authres_is_ours(" \"mx.example", "mx.example"));
}

static void
ar_policy_part_for_an_unusable_from(void **st)
{
	struct buf b;
	struct authres_spf a = { .kind = AR_SPF_HEADER_FROM, .policy = 1, .reason = "several From: header fields" };
	(void)st;
	buf_init(&b, 0);
	authres_begin(&b, "id");
	authres_add_spf(&b, &a);
	authres_end(&b);
	assert_string_equal(buf_cstr(&b), " id; spf=policy (several From: header fields)");
	buf_free(&b);
}

static void
quoting_rules(void **st)
{
	struct buf b;
	(void)st;
	buf_init(&b, 0);
	kv_quote(&b, "plain.value@x");
	buf_putc(&b, '|');
	kv_quote(&b, "");
	buf_putc(&b, '|');
	kv_quote(&b, NULL);
	buf_putc(&b, '|');
	kv_quote(&b, "a b\"c\\d\x01\xe9");
	assert_string_equal(buf_cstr(&b), "plain.value@x|-|-|\"a b\\\"c\\\\d\\x01\\xE9\"");
	buf_free(&b);
}

static void
decision_line_order(void **st)
{
	struct buf b;
	struct decision d = { .ts = 1795956706, .qid = "4Xyz", .ip = "192.0.2.1", .helo = "mx.example.test",
	                      .mailfrom = "a@example.test", .identity = "mailfrom", .domain = "example.test",
	                      .spf = "fail", .dkim = "pass", .dkim_d = "example.test", .action = "reject",
	                      .reason = "spf", .reply = "550 5.7.23 no", .elapsed_ms = 12 };
	(void)st;
	buf_init(&b, 0);
	assert_int_equal(decision_format(&b, &d), 0);
	assert_string_equal(buf_cstr(&b),
	    "decision ts=2026-11-29T12:51:46Z qid=4Xyz ip=192.0.2.1 helo=mx.example.test mailfrom=a@example.test "
	    "identity=mailfrom domain=example.test spf=fail helo_spf=- dkim=pass dkim_d=example.test skip=- "
	    "action=reject reason=spf reply=\"550 5.7.23 no\" dmarc=- dmarc_from=- dmarc_p=- dmarc_req=- "
	    "dmarc_align=- dmarc_spf=- dmarc_spf_d=- dmarc_rdom=- dmarc_pub=- dmarc_rua=- arc=- arc_d=- dmarc_override=- elapsed_ms=12");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ar_spf_mailfrom_and_dkim_parts),
		cmocka_unit_test(ar_header_from_and_helo_are_distinct),
		cmocka_unit_test(ar_odd_values_are_quoted),
		cmocka_unit_test(ar_policy_part_for_an_unusable_from),
		cmocka_unit_test(ar_without_methods_says_none),
		cmocka_unit_test(received_spf_has_comment_and_keys),
		cmocka_unit_test(received_spf_null_sender_and_problem),
		cmocka_unit_test(forged_ar_detection),
		cmocka_unit_test(quoting_rules),
		cmocka_unit_test(decision_line_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
