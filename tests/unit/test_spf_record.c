/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_spf_record.c - the SPF record parser (spf_record.c): what a valid
 * record turns into, and every syntax error that must make the whole
 * record a permerror (RFC 7208 4.6, 5, 6 and the ABNF of 12).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf_record.h"

static int
parses(const char *txt)
{
	struct spf_record r;
	char err[256];

	if (spf_record_parse(txt, strlen(txt), &r, err, sizeof(err)) < 0)
		return 0;
	spf_record_free(&r);
	return 1;
}

static void
test_record_selection(void **state)
{
	(void)state;
	assert_true(spf_record_is_spf("v=spf1", 6));
	assert_true(spf_record_is_spf("v=spf1 -all", 11));
	assert_true(spf_record_is_spf("V=SPF1 -all", 11));
	assert_false(spf_record_is_spf("v=spf10 -all", 12));
	assert_false(spf_record_is_spf("v=spf1-all", 10));
	assert_false(spf_record_is_spf("spf2.0/pra -all", 15));
	assert_false(spf_record_is_spf(" v=spf1 -all", 12));
}

static void
test_terms_and_qualifiers(void **state)
{
	struct spf_record r;
	char err[256];
	const char *t = "v=spf1  +a -mx:mail.example.com/24//64 ~ptr:example.com ?ip4:192.0.2.0/24 "
	                "ip6:2001:db8::/32 include:_spf.example.net exists:%{ir}.bl.example.org "
	                "redirect=other.example.com exp=why.%{d} unknown-mod=%{l} all ";

	(void)state;
	assert_int_equal(spf_record_parse(t, strlen(t), &r, err, sizeof(err)), 0);
	assert_int_equal(r.nterms, 8);
	assert_int_equal(r.terms[0].qualifier, '+');
	assert_int_equal(r.terms[0].mech, SPF_M_A);
	assert_null(r.terms[0].spec);
	assert_int_equal(r.terms[1].qualifier, '-');
	assert_int_equal(r.terms[1].mech, SPF_M_MX);
	assert_int_equal(r.terms[1].spec_len, strlen("mail.example.com"));
	assert_int_equal(r.terms[1].cidr4, 24);
	assert_int_equal(r.terms[1].cidr6, 64);
	assert_int_equal(r.terms[2].qualifier, '~');
	assert_int_equal(r.terms[2].mech, SPF_M_PTR);
	assert_int_equal(r.terms[3].qualifier, '?');
	assert_int_equal(r.terms[3].mech, SPF_M_IP4);
	assert_int_equal(r.terms[3].cidr4, 24);
	assert_memory_equal(r.terms[3].addr, "\xc0\x00\x02\x00", 4);
	assert_int_equal(r.terms[4].mech, SPF_M_IP6);
	assert_int_equal(r.terms[4].cidr6, 32);
	assert_int_equal(r.terms[5].mech, SPF_M_INCLUDE);
	assert_int_equal(r.terms[6].mech, SPF_M_EXISTS);
	assert_int_equal(r.terms[7].mech, SPF_M_ALL);
	assert_true(r.has_all);
	assert_non_null(r.redirect);
	assert_int_equal(strncmp(r.redirect, "other.example.com", r.redirect_len), 0);
	assert_non_null(r.exp);
	assert_string_equal(r.terms[1].text, "-mx:mail.example.com/24//64");
	spf_record_free(&r);
}

static void
test_cidr_forms(void **state)
{
	(void)state;
	assert_true(parses("v=spf1 ip4:0.0.0.0/0 ip6:::/0 a/0 mx//0 a:x.example.com/0//0 -all"));
	assert_true(parses("v=spf1 a//128 a/32 mx/32//128"));
	assert_false(parses("v=spf1 ip4:192.0.2.0/33"));
	assert_false(parses("v=spf1 ip6:2001:db8::/129"));
	assert_false(parses("v=spf1 a/24/"));
	assert_false(parses("v=spf1 a/01"));          /* no leading zero */
	assert_false(parses("v=spf1 ip4:192.0.2.0/"));
	assert_false(parses("v=spf1 a///64"));
	assert_false(parses("v=spf1 ip4:192.0.2.1//64"));
}

static void
test_addresses(void **state)
{
	(void)state;
	assert_false(parses("v=spf1 ip4:192.0.2.300"));
	assert_false(parses("v=spf1 ip4:192.0.02.1"));  /* leading zero */
	assert_false(parses("v=spf1 ip4:192.0.2"));
	assert_false(parses("v=spf1 ip4:"));
	assert_false(parses("v=spf1 ip4"));
	assert_false(parses("v=spf1 ip6:2001:db8::zz"));
	assert_false(parses("v=spf1 ip6:192.0.2.1"));
	assert_true(parses("v=spf1 ip6:::ffff:192.0.2.1"));
}

static void
test_domain_specs(void **state)
{
	(void)state;
	assert_false(parses("v=spf1 include:"));
	assert_false(parses("v=spf1 include"));
	assert_false(parses("v=spf1 a:"));
	assert_false(parses("v=spf1 exists"));
	assert_false(parses("v=spf1 a:foo.1"));                /* all-numeric top label */
	assert_false(parses("v=spf1 a:example"));              /* no dot before the top label */
	assert_false(parses("v=spf1 a:foo.-com"));
	assert_true(parses("v=spf1 a:foo.example.com."));
	assert_true(parses("v=spf1 a:foo.1com"));
	assert_true(parses("v=spf1 a:foo.xn--p1ai"));
	assert_true(parses("v=spf1 exists:%{i}"));             /* ends in a macro */
	assert_true(parses("v=spf1 a:%{d}%%"));
	assert_false(parses("v=spf1 a:%{x}.example.com"));
	assert_false(parses("v=spf1 a:%{c}.example.com"));     /* c only in exp text */
	assert_false(parses("v=spf1 redirect="));
	assert_false(parses("v=spf1 exp="));
	assert_false(parses("v=spf1 redirect=a.example.com redirect=b.example.com"));
	assert_false(parses("v=spf1 exp=a.example.com exp=b.example.com"));
}

static void
test_mechanisms_and_modifiers(void **state)
{
	(void)state;
	assert_false(parses("v=spf1 foo"));
	assert_false(parses("v=spf1 foo:bar.example.com"));
	assert_false(parses("v=spf1 -"));
	assert_false(parses("v=spf1 =a"));
	assert_false(parses("v=spf1 -redirect=x.example.com"));   /* qualifier on a modifier */
	assert_false(parses("v=spf1 all:x"));
	assert_false(parses("v=spf1 ptr/24"));
	assert_false(parses("v=spf1 ip4:192.0.2.1\n -all"));       /* control characters */
	assert_false(parses("v=spf1\t-all"));
	assert_false(parses("v=spf1 a:caf\xc3\xa9.example.com"));
	assert_true(parses("v=spf1 moo= -all"));                    /* unknown modifiers are ignored */
	assert_true(parses("v=spf1 match.sub-domains_9=yes -all"));
	assert_false(parses("v=spf1 moo=%{q}"));                    /* ... but syntax-checked */
	assert_true(parses("v=spf1 A MX:example.com PTR ALL"));     /* case-insensitive */
	assert_true(parses("v=spf1"));
	assert_true(parses("v=spf1   "));
}

static void
test_caps(void **state)
{
	char *big = malloc(SPF_MAX_RECORD + 64);
	size_t n;

	(void)state;
	assert_non_null(big);
	strlcpy(big, "v=spf1", SPF_MAX_RECORD + 64);
	while ((n = strlen(big)) + 7 < SPF_MAX_RECORD)
		strlcat(big, " a", SPF_MAX_RECORD + 64);
	assert_false(parses(big));   /* over SPF_MAX_TERMS */
	strlcpy(big, "v=spf1 ", SPF_MAX_RECORD + 64);
	memset(big + 7, 'x', SPF_MAX_RECORD);
	memcpy(big + 7, "moo=", 4);
	big[SPF_MAX_RECORD + 7] = '\0';
	assert_false(parses(big));   /* over SPF_MAX_RECORD */
	free(big);
}

static void
test_error_names_the_term(void **state)
{
	struct spf_record r;
	char err[256];
	const char *t = "v=spf1 a mx ip4:10.0.0.1/40 -all";

	(void)state;
	assert_int_equal(spf_record_parse(t, strlen(t), &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ip4:10.0.0.1/40"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_selection),
		cmocka_unit_test(test_terms_and_qualifiers),
		cmocka_unit_test(test_cidr_forms),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_domain_specs),
		cmocka_unit_test(test_mechanisms_and_modifiers),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_error_names_the_term),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
