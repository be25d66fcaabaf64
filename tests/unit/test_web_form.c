/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_web_form.c - what spfdkim-web reads from a request: form bodies,
 * cookies, file names, numbers and dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "web_form.h"

static void
form_decodes_plus_and_percent_like_a_browser(void **st)
{
	const char *body = "csrf=ab12&k_SPFFailReply=451+Please+try+again+later&whitelist=192.0.2.1+a%0D%0A10.0.0.0%2F8&empty=&flag";
	struct form f;
	char err[256];
	(void)st;
	assert_int_equal(form_parse(body, strlen(body), &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, 5);
	assert_string_equal(form_get(&f, "csrf"), "ab12");
	assert_string_equal(form_get(&f, "k_SPFFailReply"), "451 Please try again later");
	assert_string_equal(form_get(&f, "whitelist"), "192.0.2.1 a\r\n10.0.0.0/8");
	assert_string_equal(form_get(&f, "empty"), "");
	assert_string_equal(form_get(&f, "flag"), "");
	assert_null(form_get(&f, "missing"));
	form_free(&f);
}

static void
form_refuses_bad_escapes_nul_and_too_many_fields(void **st)
{
	struct form f;
	char err[256], *many;
	size_t n = 0;
	(void)st;
	assert_int_equal(form_parse("a=%zz", 5, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad %-escape"));
	assert_int_equal(form_parse("a=%4", 4, &f, err, sizeof(err)), -1);
	assert_int_equal(form_parse("a=x%00y", 7, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	assert_int_equal(f.n, 0);
	many = malloc(8 * (WEB_FORM_FIELDS + 1) + 1);
	assert_non_null(many);
	for (int i = 0; i <= WEB_FORM_FIELDS; i++)
		n += (size_t)sprintf(many + n, "f%d=1&", i % 100);
	assert_int_equal(form_parse(many, n, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than"));
	free(many);
	assert_int_equal(form_parse("a=1", WEB_FORM_MAX + 1UL, &f, err, sizeof(err)), -1);
}

static void
cookie_lookup_takes_the_named_cookie_only(void **st)
{
	char out[40];
	(void)st;
	assert_int_equal(cookie_get("xsid=bad; sid=0123; other=1", "sid", out, sizeof(out)), 0);
	assert_string_equal(out, "0123");
	assert_int_equal(cookie_get("other=1", "sid", out, sizeof(out)), -1);
	assert_int_equal(cookie_get(NULL, "sid", out, sizeof(out)), -1);
	assert_int_equal(cookie_get("sid=0123456789012345678901234567890123456789", "sid", out, sizeof(out)), -1);
}

static void
only_maildir_names_may_name_a_spam_copy(void **st)
{
	(void)st;
	assert_true(web_safe_name("1733480000.M1P2Q3.spfdkim.host:2,S"));
	assert_true(web_safe_name("1764999999123.1a.2b.3c.mx"));
	assert_false(web_safe_name("../etc/passwd"));
	assert_false(web_safe_name("a/b"));
	assert_false(web_safe_name(".hidden"));
	assert_false(web_safe_name(""));
	assert_false(web_safe_name("a b"));
	assert_false(web_safe_name("a\nb"));
}

static void
numbers_and_dates_are_checked(void **st)
{
	unsigned long v;
	long long t;
	(void)st;
	assert_int_equal(web_parse_uint("42", 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(web_parse_uint("101", 100, &v), -1);
	assert_int_equal(web_parse_uint("-1", 100, &v), -1);
	assert_int_equal(web_parse_uint("1e3", 10000, &v), -1);
	assert_int_equal(web_parse_uint("99999999999999999999", 100, &v), -1);
	assert_int_equal(web_parse_uint(NULL, 100, &v), -1);
	assert_int_equal(web_parse_date("2026-12-06", &t), 0);
	assert_int_equal(t, 1796515200LL);
	assert_int_equal(web_parse_date("2026-13-06", &t), -1);
	assert_int_equal(web_parse_date("2026-12-6", &t), -1);
	assert_int_equal(web_parse_date("2026-12-06x", &t), -1);
	assert_true(web_ct_equal("abcd", "abcd", 4));
	assert_false(web_ct_equal("abcd", "abce", 4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(form_decodes_plus_and_percent_like_a_browser),
		cmocka_unit_test(form_refuses_bad_escapes_nul_and_too_many_fields),
		cmocka_unit_test(cookie_lookup_takes_the_named_cookie_only),
		cmocka_unit_test(only_maildir_names_may_name_a_spam_copy),
		cmocka_unit_test(numbers_and_dates_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
