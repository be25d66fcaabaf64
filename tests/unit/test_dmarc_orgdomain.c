/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_dmarc_orgdomain.c - organizational domains from the Public Suffix
 * List (dmarc_orgdomain.c, RFC 7489 3.2), with the system's list and with a
 * list file given by DMARCPublicSuffixList.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmarc_orgdomain.h"

static void
expect_org(const struct dmarc_psl *p, const char *name, const char *want)
{
	char out[256];

	assert_int_equal(dmarc_org_domain(p, name, out, sizeof(out)), 0);
	if (strcmp(out, want) != 0)
		fail_msg("org domain of %s: got %s, want %s", name, out, want);
}

static void
test_system_list_gives_registrable_domains(void **state)
{
	char err[256];
	struct dmarc_psl *p = dmarc_psl_load(NULL, err, sizeof(err));

	(void)state;
	assert_non_null(p);
	expect_org(p, "example.com", "example.com");
	expect_org(p, "mail.sub.example.com", "example.com");
	expect_org(p, "MAIL.Example.COM.", "example.com");
	expect_org(p, "a.example.co.uk", "example.co.uk");
	expect_org(p, "x.y.example.test", "example.test");   /* unlisted TLD: the "*" rule */
	expect_org(p, "co.uk", "co.uk");                     /* a public suffix is its own */
	expect_org(p, "com", "com");
	expect_org(p, "someone.github.io", "someone.github.io"); /* private section counts */
	dmarc_psl_free(p);
}

static void
test_bad_names_refused(void **state)
{
	char err[256], out[8];
	struct dmarc_psl *p = dmarc_psl_load(NULL, err, sizeof(err));

	(void)state;
	assert_non_null(p);
	assert_int_equal(dmarc_org_domain(p, "", out, sizeof(out)), -1);
	assert_int_equal(dmarc_org_domain(p, "...", out, sizeof(out)), -1);
	assert_int_equal(dmarc_org_domain(p, "long-name.example.com", out, sizeof(out)), -1);
	dmarc_psl_free(p);
}

static void
test_list_file_from_the_config(void **state)
{
	char path[] = "/tmp/test_dmarc_psl_XXXXXX", err[256];
	int fd = mkstemp(path);
	const char *list = "// a site list\ntest\nexample.test\n*.wild.test\n!keep.wild.test\n";
	struct dmarc_psl *p;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, list, strlen(list)), (ssize_t)strlen(list));
	close(fd);
	p = dmarc_psl_load(path, err, sizeof(err));
	assert_non_null(p);
	expect_org(p, "a.b.example.test", "b.example.test");
	expect_org(p, "a.b.other.test", "other.test");
	expect_org(p, "x.y.wild.test", "x.y.wild.test");
	expect_org(p, "a.keep.wild.test", "keep.wild.test");
	dmarc_psl_free(p);
	unlink(path);
	p = dmarc_psl_load("/nonexistent/psl.dat", err, sizeof(err));
	assert_null(p);
	assert_non_null(strstr(err, "/nonexistent/psl.dat"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_system_list_gives_registrable_domains),
		cmocka_unit_test(test_bad_names_refused),
		cmocka_unit_test(test_list_file_from_the_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
