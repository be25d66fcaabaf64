/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_arc.c - ARC (RFC 8617) set structure (dkim_arc.c) and the ARC tag
 * checks of dkim_tags.c: which header sets are a chain worth verifying,
 * which fail before any signature is checked, and what a seal signs.
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

#include "buf.h"
#include "dkim_arc.h"
#include "dkim_tags.h"

#define BH "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

struct msg {
	size_t n;
	struct dkim_hdr h[64];
};

static void
add(struct msg *m, const char *line)
{
	struct dkim_hdr *h = &m->h[m->n++];
	h->raw = strdup(line);
	h->len = strlen(line);
	h->namelen = (size_t)(strchr(line, ':') - line);
}

static void
clear(struct msg *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->h[i].raw);
	m->n = 0;
}

/* One set of instance i with the cv= given, in the order a sealer adds them. */
static void
set(struct msg *m, int i, const char *cv)
{
	char b[512];
	snprintf(b, sizeof(b), "ARC-Seal: i=%d; cv=%s; a=rsa-sha256; d=s%d.test; s=k; b=AAAA", i, cv, i);
	add(m, b);
	snprintf(b, sizeof(b), "ARC-Message-Signature: i=%d; a=rsa-sha256; d=s%d.test; s=k; h=from; bh=" BH "; b=AAAA", i, i);
	add(m, b);
	snprintf(b, sizeof(b), "ARC-Authentication-Results: i=%d; mx.s%d.test; spf=pass", i, i);
	add(m, b);
}

static enum arc_verdict
collect(struct msg *m, struct arc_sets *s, char *why)
{
	return arc_collect(m->h, m->n, s, why, 160);
}

static void
no_arc_fields_is_none(void **st)
{
	(void)st;
	struct msg m = { 0 };
	struct arc_sets s;
	char why[160] = "";
	add(&m, "From: a@b.test");
	add(&m, "DKIM-Signature: v=1; a=rsa-sha256; d=b.test; s=k; h=from; bh=" BH "; b=AAAA");
	assert_int_equal(collect(&m, &s, why), ARC_NONE);
	clear(&m);
}

static void
complete_sets_in_any_order_are_sorted_by_instance(void **st)
{
	(void)st;
	struct msg m = { 0 };
	struct arc_sets s;
	char why[160] = "";
	set(&m, 2, "pass");
	add(&m, "Received: x");
	set(&m, 1, "none");
	add(&m, "arc-seal : i=3; cv=pass; a=rsa-sha256; d=s3.test; s=k; b=AAAA");   /* name case, space */
	add(&m, "ARC-Authentication-Results:\r\n i = 3 ; mx.s3.test; none");
	add(&m, "ARC-Message-Signature: a=rsa-sha256; i=3; d=s3.test; s=k; h=from; bh=" BH "; b=AAAA");
	assert_int_equal(collect(&m, &s, why), ARC_PASS);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.hidx[0][ARC_AS], 4);
	assert_int_equal(s.hidx[0][ARC_AMS], 5);
	assert_int_equal(s.hidx[0][ARC_AAR], 6);
	assert_int_equal(s.hidx[1][ARC_AS], 0);
	assert_int_equal(s.hidx[2][ARC_AAR], 8);
	clear(&m);
}

static void
gaps_duplicates_and_missing_fields_fail(void **st)
{
	(void)st;
	struct msg m = { 0 };
	struct arc_sets s;
	char why[160] = "";

	set(&m, 1, "none");
	set(&m, 3, "pass");
	assert_int_equal(collect(&m, &s, why), ARC_FAIL);
	assert_non_null(strstr(why, "instance 2 has no"));
	clear(&m);

	set(&m, 1, "none");
	add(&m, "ARC-Message-Signature: i=1; a=rsa-sha256; d=x.test; s=k; h=from; bh=" BH "; b=AAAA");
	assert_int_equal(collect(&m, &s, why), ARC_FAIL);
	assert_non_null(strstr(why, "two ARC-Message-Signature fields for instance 1"));
	clear(&m);

	set(&m, 1, "none");
	free(m.h[2].raw);                   /* drop the AAR */
	m.h[2] = m.h[--m.n];
	assert_int_equal(collect(&m, &s, why), ARC_FAIL);
	assert_non_null(strstr(why, "no ARC-Authentication-Results"));
	clear(&m);
}

static void
instance_numbers_outside_1_to_50_fail(void **st)
{
	(void)st;
	static const char *const bad[] = {
		"ARC-Authentication-Results: i=0; mx.test; none",
		"ARC-Authentication-Results: i=51; mx.test; none",
		"ARC-Authentication-Results: i=1x; mx.test; none",
		"ARC-Authentication-Results: mx.test; i=1; none",
		"ARC-Authentication-Results: i=1",
		"ARC-Seal: cv=none; a=rsa-sha256; d=s.test; s=k; b=AAAA",
		"ARC-Seal: i=-1; cv=none; a=rsa-sha256; d=s.test; s=k; b=AAAA",
		"ARC-Seal: i=0001; cv=none; a=rsa-sha256; d=s.test; s=k; b=AAAA",
		"ARC-Message-Signature: i=; a=rsa-sha256",
		"ARC-Message-Signature: i=1; i=1; a=rsa-sha256",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct msg m = { 0 };
		struct arc_sets s;
		char why[160] = "";
		add(&m, bad[k]);
		assert_int_equal(collect(&m, &s, why), ARC_FAIL);
		assert_non_null(strstr(why, "instance"));
		clear(&m);
	}
}

static void
cv_values_must_match_the_position_in_the_chain(void **st)
{
	(void)st;
	struct msg m = { 0 };
	struct arc_sets s;
	char why[160] = "";

	set(&m, 1, "pass");                  /* the first seal has nothing to pass */
	assert_int_equal(collect(&m, &s, why), ARC_FAIL);
	assert_non_null(strstr(why, "i=1 has a cv= other than none"));
	clear(&m);

	set(&m, 1, "none");
	set(&m, 2, "none");
	assert_int_equal(collect(&m, &s, why), ARC_FAIL);
	assert_non_null(strstr(why, "i=2 has a cv= other than pass"));
	clear(&m);

	set(&m, 1, "none");
	set(&m, 2, "fail");
	assert_int_equal(collect(&m, &s, why), ARC_FAIL);
	assert_non_null(strstr(why, "newest seal (i=2) says cv=fail"));
	clear(&m);

	set(&m, 1, "none");
	set(&m, 2, "Pass");                  /* cv values are case-sensitive tokens */
	assert_int_equal(collect(&m, &s, why), ARC_FAIL);
	clear(&m);
}

static void
seal_data_is_aar_ams_as_per_instance_with_the_last_b_empty(void **st)
{
	(void)st;
	struct msg m = { 0 };
	struct arc_sets s;
	struct dkim_sigtags t;
	char why[160] = "";
	struct buf b;

	set(&m, 1, "none");
	set(&m, 2, "pass");
	assert_int_equal(collect(&m, &s, why), ARC_PASS);
	const struct dkim_hdr *as2 = &m.h[s.hidx[1][ARC_AS]];
	assert_int_equal(dkim_sig_check_kind(as2->raw + as2->namelen + 1, as2->len - as2->namelen - 1,
	                                     time(NULL), DKIM_SIG_AS, &t, why, sizeof(why)), 0);
	buf_init(&b, 0);
	assert_int_equal(arc_seal_data(m.h, m.n, &s, 2, &t, &b), 0);
	assert_string_equal(buf_cstr(&b),
	    "arc-authentication-results:i=1; mx.s1.test; spf=pass\r\n"
	    "arc-message-signature:i=1; a=rsa-sha256; d=s1.test; s=k; h=from; bh=" BH "; b=AAAA\r\n"
	    "arc-seal:i=1; cv=none; a=rsa-sha256; d=s1.test; s=k; b=AAAA\r\n"
	    "arc-authentication-results:i=2; mx.s2.test; spf=pass\r\n"
	    "arc-message-signature:i=2; a=rsa-sha256; d=s2.test; s=k; h=from; bh=" BH "; b=AAAA\r\n"
	    "arc-seal:i=2; cv=pass; a=rsa-sha256; d=s2.test; s=k; b=");
	assert_int_equal(arc_seal_data(m.h, m.n, &s, 3, &t, &b), -1);
	buf_free(&b);
	dkim_sigtags_free(&t);
	clear(&m);
}

static void
arc_tags_follow_rfc8617_not_dkim(void **st)
{
	(void)st;
	struct dkim_sigtags t;
	char why[160];
	time_t now = time(NULL);
#define CHK(kind, v) dkim_sig_check_kind(v, strlen(v), now, kind, &t, why, sizeof(why))

	const char *ams = " i=7; a=rsa-sha256; d=s.test; s=k; h=to:subject; bh=" BH "; b=AAAA";
	assert_int_equal(CHK(DKIM_SIG_AMS, ams), 0);      /* no v=, no From: needed */
	assert_int_equal(t.instance, 7);
	dkim_sigtags_free(&t);
	assert_int_equal(CHK(DKIM_SIG_DKIM, ams), -1);    /* as a DKIM-Signature: no v= */
	dkim_sigtags_free(&t);

	assert_int_equal(CHK(DKIM_SIG_AMS, "i=1; a=rsa-sha256; d=s.test; s=k; h=from:arc-seal; bh=" BH "; b=AAAA"), -1);
	assert_non_null(strstr(why, "includes ARC-Seal"));
	dkim_sigtags_free(&t);
	assert_int_equal(CHK(DKIM_SIG_AMS, "i=1; a=rsa-sha256; d=s.test; s=k; h=from; l=3; bh=" BH "; b=AAAA"), -1);
	assert_non_null(strstr(why, "l="));
	dkim_sigtags_free(&t);
	assert_int_equal(CHK(DKIM_SIG_AMS, "i=51; a=rsa-sha256; d=s.test; s=k; h=from; bh=" BH "; b=AAAA"), -1);
	dkim_sigtags_free(&t);

	assert_int_equal(CHK(DKIM_SIG_AS, "i=2; cv=pass; a=rsa-sha256; d=s.test; s=k; b=AAAA"), 0);
	assert_string_equal(t.cv, "pass");
	assert_int_equal(t.hcanon, DKIM_C_RELAXED);
	dkim_sigtags_free(&t);
	assert_int_equal(CHK(DKIM_SIG_AS, "i=2; cv=maybe; a=rsa-sha256; d=s.test; s=k; b=AAAA"), -1);
	dkim_sigtags_free(&t);
	assert_int_equal(CHK(DKIM_SIG_AS, "i=2; a=rsa-sha256; d=s.test; s=k; b=AAAA"), -1);
	dkim_sigtags_free(&t);
	assert_int_equal(CHK(DKIM_SIG_AS, "i=2; cv=pass; a=rsa-sha256; d=s.test; s=k; h=from; b=AAAA"), -1);
	assert_non_null(strstr(why, "h= tag"));
	dkim_sigtags_free(&t);
	assert_int_equal(CHK(DKIM_SIG_AS, "i=2; cv=pass; a=rsa-sha1; d=s.test; s=k; b=AAAA"), -1);
	dkim_sigtags_free(&t);
#undef CHK
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_arc_fields_is_none),
		cmocka_unit_test(complete_sets_in_any_order_are_sorted_by_instance),
		cmocka_unit_test(gaps_duplicates_and_missing_fields_fail),
		cmocka_unit_test(instance_numbers_outside_1_to_50_fail),
		cmocka_unit_test(cv_values_must_match_the_position_in_the_chain),
		cmocka_unit_test(seal_data_is_aar_ams_as_per_instance_with_the_last_b_empty),
		cmocka_unit_test(arc_tags_follow_rfc8617_not_dkim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
