/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_dname.c - the one domain-name syntax check (SPF, DKIM d=, DNS cache
 * keys, spfdkim-ctl genkey and spf-record).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "dname.h"

static void
ordinary_names_and_a_trailing_root_dot_are_valid(void **st)
{
	(void)st;
	assert_int_equal(dname_check("example.com", 0), 11);
	assert_int_equal(dname_check("example.com.", 0), 11);
	assert_true(dname_valid("_spf.example.com", DNAME_LDH | DNAME_MULTI));
	assert_true(dname_valid("localhost", 0));
}

static void
empty_labels_and_empty_names_are_invalid(void **st)
{
	(void)st;
	assert_false(dname_valid("", 0));
	assert_false(dname_valid(".", 0));
	assert_false(dname_valid("a..b", 0));
	assert_false(dname_valid(".a.b", 0));
	assert_false(dname_valid("a.b..", 0));
}

static void
labels_over_63_and_names_over_253_octets_are_invalid(void **st)
{
	char n[300];

	(void)st;
	memset(n, 'a', 64);
	strcpy(n + 64, ".com");
	assert_false(dname_valid(n, 0));
	strcpy(n + 63, ".com");   /* a 63-octet label */
	assert_true(dname_valid(n, 0));
	/* 4 * 63 + 3 dots = 255 > 253 */
	for (int i = 0; i < 4; i++) {
		memset(n + i * 64, 'b', 63);
		n[i * 64 + 63] = '.';
	}
	n[4 * 64 - 1] = '\0';
	assert_false(dname_valid(n, 0));
	n[4 * 64 - 3] = '\0'; /* 253 octets */
	assert_true(dname_valid(n, 0));
}

static void
ldh_refuses_spaces_and_percent_that_macros_may_produce(void **st)
{
	(void)st;
	assert_true(dname_valid("a b.example", 0));
	assert_false(dname_valid("a b.example", DNAME_LDH));
	assert_false(dname_valid("a%b.example", DNAME_LDH));
	assert_false(dname_valid("b\xc3\xa4r.example", DNAME_LDH));
	assert_true(dname_valid("b\xc3\xa4r.example", DNAME_LDH | DNAME_8BIT));
}

static void
multi_wants_two_labels_and_noroot_refuses_the_dot(void **st)
{
	(void)st;
	assert_false(dname_valid("com", DNAME_MULTI));
	assert_false(dname_valid("com.", DNAME_MULTI));
	assert_true(dname_valid("a.com", DNAME_MULTI));
	assert_false(dname_valid("a.com.", DNAME_NOROOT));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ordinary_names_and_a_trailing_root_dot_are_valid),
		cmocka_unit_test(empty_labels_and_empty_names_are_invalid),
		cmocka_unit_test(labels_over_63_and_names_over_253_octets_are_invalid),
		cmocka_unit_test(ldh_refuses_spaces_and_percent_that_macros_may_produce),
		cmocka_unit_test(multi_wants_two_labels_and_noroot_refuses_the_dot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
