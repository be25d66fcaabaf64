/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_dmarc_record.c - the DMARC record parser (dmarc_record.c): which TXT
 * strings are DMARC records, what each tag turns into, and what makes a
 * record malformed (permerror) per RFC 7489 sections 6.3, 6.4 and 6.6.3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dmarc_record.h"

static int
parse(const char *txt, struct dmarc_record *r, char *err, size_t errlen)
{
	return dmarc_record_parse(txt, strlen(txt), r, err, errlen);
}

static void
test_which_txt_strings_are_dmarc_records(void **state)
{
	(void)state;
	assert_true(dmarc_record_is_dmarc("v=DMARC1; p=none", 16));
	assert_true(dmarc_record_is_dmarc("v=DMARC1", 8));
	assert_true(dmarc_record_is_dmarc(" v = DMARC1 ;p=none", 19));
	assert_true(dmarc_record_is_dmarc("V=DMARC1;p=none", 15));
	assert_false(dmarc_record_is_dmarc("v=dmarc1; p=none", 16));
	assert_false(dmarc_record_is_dmarc("v=DMARC10; p=none", 17));
	assert_false(dmarc_record_is_dmarc("p=none; v=DMARC1", 16));
	assert_false(dmarc_record_is_dmarc("v=spf1 -all", 11));
	assert_false(dmarc_record_is_dmarc("", 0));
}

static void
test_defaults_of_a_minimal_record(void **state)
{
	struct dmarc_record r;
	char err[128];

	(void)state;
	assert_int_equal(parse("v=DMARC1; p=reject", &r, err, sizeof(err)), 0);
	assert_int_equal(r.p, DMARC_P_REJECT);
	assert_int_equal(r.sp, DMARC_P_REJECT);     /* sp defaults to p */
	assert_false(r.has_sp);
	assert_int_equal(r.pct, 100);
	assert_false(r.adkim_strict);
	assert_false(r.aspf_strict);
	assert_string_equal(r.fo, "0");
	assert_int_equal(r.ri, 86400);
	assert_int_equal(r.nrua, 0);
	assert_int_equal(r.nruf, 0);
}

static void
test_every_tag_parsed(void **state)
{
	struct dmarc_record r;
	char err[128], sum[128];
	const char *t = "v=DMARC1;p=Quarantine; sp = none ;pct=25;adkim=s;aspf=S;fo=1:d;rf=afrf;ri=3600;"
	    "rua=mailto:agg@example.com!10m, mailto:second@example.net;ruf=mailto:ruf@example.com;x_future=1;";

	(void)state;
	assert_int_equal(parse(t, &r, err, sizeof(err)), 0);
	assert_int_equal(r.p, DMARC_P_QUARANTINE);
	assert_int_equal(r.sp, DMARC_P_NONE);
	assert_true(r.has_sp);
	assert_int_equal(r.pct, 25);
	assert_true(r.adkim_strict);
	assert_true(r.aspf_strict);
	assert_string_equal(r.fo, "1:d");
	assert_int_equal(r.ri, 3600);
	assert_int_equal(r.nrua, 2);
	assert_string_equal(r.rua[0].uri, "mailto:agg@example.com");
	assert_true(r.rua[0].max_size == 10ULL << 20);
	assert_string_equal(r.rua[1].uri, "mailto:second@example.net");
	assert_true(r.rua[1].max_size == 0);
	assert_int_equal(r.nruf, 1);
	assert_string_equal(r.ruf[0].uri, "mailto:ruf@example.com");
	dmarc_record_summary(&r, sum, sizeof(sum));
	assert_string_equal(sum, "p=quarantine sp=none adkim=s aspf=s pct=25 fo=1:d");
}

static void
test_malformed_records_are_errors(void **state)
{
	static const char *const bad[] = {
		"v=DMARC1",                          /* no p */
		"v=DMARC1; p=block",                 /* p outside its values */
		"v=DMARC1; p=none; sp=maybe",
		"v=DMARC1; p=none; pct=101",
		"v=DMARC1; p=none; pct=-1",
		"v=DMARC1; p=none; pct=ten",
		"v=DMARC1; p=none; adkim=x",
		"v=DMARC1; p=none; aspf=relaxed",
		"v=DMARC1; p=none; fo=2",
		"v=DMARC1; p=none; fo=1:",
		"v=DMARC1; p=none; ri=soon",
		"v=DMARC1; p=none; ri=99999999999",
		"v=DMARC1; p=none; p=reject",        /* tag twice */
		"v=DMARC1; p=none; junk",            /* not tag=value */
		"v=DMARC1 x; p=none",                /* v value other than DMARC1 */
		"v=DMARC1; p=none; v=DMARC1",        /* v not only first */
		"v=spf1 -all",
	};
	struct dmarc_record r;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(bad[i], &r, err, sizeof(err)) == 0)
			fail_msg("accepted malformed record \"%s\"", bad[i]);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(dmarc_record_parse("v=DMARC1; p=none\0x", 18, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	/* The error names the offending tag. */
	assert_int_equal(parse("v=DMARC1; p=none; pct=500", &r, err, sizeof(err)), -1);
	assert_string_equal(err, "pct=500 is not valid");
}

static void
test_invalid_p_with_rua_is_taken_as_p_none(void **state)
{
	struct dmarc_record r;
	char err[128];

	(void)state;
	/* RFC 7489 6.6.3 step 6 */
	assert_int_equal(parse("v=DMARC1; p=bogus; rua=mailto:d@example.com", &r, err, sizeof(err)), 0);
	assert_true(r.p_from_rua);
	assert_int_equal(r.p, DMARC_P_NONE);
	assert_int_equal(r.sp, DMARC_P_NONE);
	assert_int_equal(parse("v=DMARC1; rua=mailto:d@example.com", &r, err, sizeof(err)), 0);
	assert_true(r.p_from_rua);
	/* Without a valid URI there is nothing to fall back on. */
	assert_int_equal(parse("v=DMARC1; p=bogus; rua=not a uri", &r, err, sizeof(err)), -1);
}

static void
test_unknown_tags_and_empty_specs_ignored(void **state)
{
	struct dmarc_record r;
	char err[128];

	(void)state;
	assert_int_equal(parse("v=DMARC1;;p=none;;np=reject;psd=y;", &r, err, sizeof(err)), 0);
	assert_int_equal(r.p, DMARC_P_NONE);
}

static void
test_uri_lists_capped_and_bad_uris_dropped(void **state)
{
	struct dmarc_record r;
	char err[128], t[1024];

	(void)state;
	strlcpy(t, "v=DMARC1; p=none; rua=", sizeof(t));
	for (int i = 0; i < 12; i++) {
		char u[64];
		snprintf(u, sizeof(u), "%smailto:r%d@example.com", i ? "," : "", i);
		strlcat(t, u, sizeof(t));
	}
	assert_int_equal(parse(t, &r, err, sizeof(err)), 0);
	assert_int_equal(r.nrua, DMARC_URI_MAX);
	assert_int_equal(parse("v=DMARC1; p=none; rua=nocolon,mailto:ok@example.com!x,mailto:a@b.example!5k",
	    &r, err, sizeof(err)), 0);
	assert_int_equal(r.nrua, 1);
	assert_string_equal(r.rua[0].uri, "mailto:a@b.example");
	assert_true(r.rua[0].max_size == 5 * 1024);
}

static void
test_record_length_is_capped(void **state)
{
	static char t[DMARC_RECORD_MAX + 64];
	struct dmarc_record r;
	char err[128];

	(void)state;
	strlcpy(t, "v=DMARC1; p=none; x=", sizeof(t));
	while (strlen(t) < DMARC_RECORD_MAX + 10)
		strlcat(t, "a", sizeof(t));
	assert_int_equal(parse(t, &r, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_which_txt_strings_are_dmarc_records),
		cmocka_unit_test(test_defaults_of_a_minimal_record),
		cmocka_unit_test(test_every_tag_parsed),
		cmocka_unit_test(test_malformed_records_are_errors),
		cmocka_unit_test(test_invalid_p_with_rua_is_taken_as_p_none),
		cmocka_unit_test(test_unknown_tags_and_empty_specs_ignored),
		cmocka_unit_test(test_uri_lists_capped_and_bad_uris_dropped),
		cmocka_unit_test(test_record_length_is_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
