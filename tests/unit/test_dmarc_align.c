/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_dmarc_align.c - identifier alignment (RFC 7489 3.1), pct sampling
 * (6.6.4), the outcome the action table maps, and the verdict for a message
 * without a usable From domain (dmarc.c). Policy discovery needs DNS and is
 * tested against unbound in the milter suite and the interop corpus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dmarc.h"

static struct dmarc_engine *
engine(void)
{
	char err[256];
	struct dmarc_engine *e = dmarc_engine_new(NULL, NULL, err, sizeof(err));

	if (e == NULL)
		fail_msg("engine: %s", err);
	return e;
}

static void
test_strict_alignment_is_equality(void **state)
{
	struct dmarc_engine *e = engine();

	(void)state;
	assert_true(dmarc_aligned(e, "example.com", "example.com", 1));
	assert_true(dmarc_aligned(e, "Example.COM.", "example.com", 1));
	assert_false(dmarc_aligned(e, "mail.example.com", "example.com", 1));
	assert_false(dmarc_aligned(e, "example.com", "news.example.com", 1));
	dmarc_engine_free(e);
}

static void
test_relaxed_alignment_is_same_org_domain(void **state)
{
	struct dmarc_engine *e = engine();

	(void)state;
	assert_true(dmarc_aligned(e, "mail.example.com", "example.com", 0));
	assert_true(dmarc_aligned(e, "example.com", "news.example.com", 0));
	assert_true(dmarc_aligned(e, "a.example.co.uk", "b.example.co.uk", 0));
	assert_false(dmarc_aligned(e, "example.co.uk", "other.co.uk", 0));
	assert_false(dmarc_aligned(e, "co.uk", "example.co.uk", 0));
	assert_false(dmarc_aligned(e, "example.com", "example.net", 0));
	assert_false(dmarc_aligned(e, "evil-example.com", "example.com", 0));
	assert_false(dmarc_aligned(e, "", "example.com", 0));
	dmarc_engine_free(e);
}

static void
test_pct_sampling_is_stable_per_salt(void **state)
{
	unsigned in = 0;

	(void)state;
	assert_true(dmarc_sampled(7, "anything", 100));
	assert_false(dmarc_sampled(7, "anything", 0));
	assert_int_equal(dmarc_sampled(7, "<a@example.com>", 50), dmarc_sampled(7, "<a@example.com>", 50));
	for (int i = 0; i < 1000; i++) {
		char key[32];
		snprintf(key, sizeof(key), "<%d@example.com>", i);
		in += (unsigned)dmarc_sampled(7, key, 30);
	}
	/* About 30% of keys are sampled at pct=30. */
	assert_true(in > 230 && in < 370);
	/* Another salt picks other keys: a sender cannot aim at the sample. */
	{
		unsigned differ = 0;
		for (int i = 0; i < 100; i++) {
			char key[32];
			snprintf(key, sizeof(key), "<%d@example.com>", i);
			differ += (unsigned)(dmarc_sampled(7, key, 50) != dmarc_sampled(8, key, 50));
		}
		assert_true(differ > 20);
	}
}

static void
test_outcome_follows_requested_disposition(void **state)
{
	struct dmarc_verdict v;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.result = DMARC_R_PASS;
	assert_int_equal(dmarc_outcome(&v), DMARC_O_PASS);
	v.result = DMARC_R_NONE;
	assert_int_equal(dmarc_outcome(&v), DMARC_O_NORECORD);
	v.result = DMARC_R_FAIL;
	v.req = DMARC_P_REJECT;
	assert_int_equal(dmarc_outcome(&v), DMARC_O_FAIL_REJECT);
	v.req = DMARC_P_QUARANTINE;
	assert_int_equal(dmarc_outcome(&v), DMARC_O_FAIL_QUARANTINE);
	v.req = DMARC_P_NONE;
	assert_int_equal(dmarc_outcome(&v), DMARC_O_FAIL_NONE);
	v.result = DMARC_R_TEMPERROR;
	assert_int_equal(dmarc_outcome(&v), DMARC_O_TEMPERROR);
	v.result = DMARC_R_PERMERROR;
	assert_int_equal(dmarc_outcome(&v), DMARC_O_PERMERROR);
}

static void
test_no_from_domain_is_permerror(void **state)
{
	struct dmarc_engine *e = engine();
	struct dmarc_auth a = { .spf_done = 1, .spf = SPF_RESULT_PASS, .spf_domain = "example.com" };
	struct dmarc_verdict v;

	(void)state;
	dmarc_check(e, NULL, 0, "several From: header fields", &a, &v);
	assert_int_equal(v.result, DMARC_R_PERMERROR);
	assert_non_null(strstr(v.problem, "several From: header fields"));
	assert_string_equal(v.from_domain, "");
	dmarc_check(e, NULL, 0, NULL, &a, &v);
	assert_int_equal(v.result, DMARC_R_PERMERROR);
	assert_non_null(strstr(v.problem, "no From: header field"));
	dmarc_engine_free(e);
}

static void
test_result_names(void **state)
{
	enum dmarc_result r;

	(void)state;
	assert_string_equal(dmarc_result_str(DMARC_R_PASS), "pass");
	assert_string_equal(dmarc_result_str(DMARC_R_PERMERROR), "permerror");
	assert_int_equal(dmarc_result_parse("TEMPERROR", &r), 0);
	assert_int_equal(r, DMARC_R_TEMPERROR);
	assert_int_equal(dmarc_result_parse("softfail", &r), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict_alignment_is_equality),
		cmocka_unit_test(test_relaxed_alignment_is_same_org_domain),
		cmocka_unit_test(test_pct_sampling_is_stable_per_salt),
		cmocka_unit_test(test_outcome_follows_requested_disposition),
		cmocka_unit_test(test_no_from_domain_is_permerror),
		cmocka_unit_test(test_result_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
