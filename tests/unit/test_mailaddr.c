/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_mailaddr.c - the RFC 5322 From: parser: which domains a value names,
 * and which values give no usable author domain; and the SMTP path reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mailaddr.h"

/* Parses v and checks status, the first address and the domain list ("a,b"). */
static void
expect(const char *v, enum mailaddr_status st, const char *first, const char *domains)
{
	struct mailaddr_list l;
	char got[1024] = "";
	enum mailaddr_status r = mailaddr_parse_from(v, &l);

	if (r != st)
		fail_msg("\"%s\": status %d, want %d (%s)", v, r, st, l.why);
	if (first != NULL)
		assert_string_equal(l.first, first);
	for (size_t i = 0; i < l.ndomains; i++) {
		if (i > 0)
			strlcat(got, ",", sizeof(got));
		strlcat(got, l.domain[i], sizeof(got));
	}
	if (domains != NULL)
		assert_string_equal(got, domains);
	if (st == MAILADDR_INVALID)
		assert_true(l.why[0] != '\0');
}

static void
plain_and_named_addresses_give_their_domain(void **st)
{
	(void)st;
	expect("alice@Example.COM", MAILADDR_OK, "alice@example.com", "example.com");
	expect(" Alice <alice@example.com>", MAILADDR_OK, "alice@example.com", "example.com");
	expect("\"Alice (sales)\" <alice@Pass.Example>", MAILADDR_OK, "alice@pass.example", "pass.example");
	expect("\"Smith, John\" <j@example.com>", MAILADDR_OK, "j@example.com", "example.com");
	expect("John Q. Public <jqp@example.com>", MAILADDR_OK, "jqp@example.com", "example.com");
	expect("J\xc3\xb6rg <j@example.de>", MAILADDR_OK, "j@example.de", "example.de");
	expect("\"a b\"@example.com", MAILADDR_OK, "\"a b\"@example.com", "example.com");
}

static void
comments_never_name_an_address(void **st)
{
	(void)st;
	/* The issue's case: the signer and SPF disagreed here. */
	expect("user@good.example (x <user@other.example>)", MAILADDR_OK, "user@good.example", "good.example");
	expect("(a (nested) comment <x@evil.example>) <u@good.example>", MAILADDR_OK, NULL, "good.example");
	expect("<u@good.example> (\\) escaped <x@evil.example>)", MAILADDR_OK, NULL, "good.example");
	expect("\"<x@evil.example>\" <u@good.example>", MAILADDR_OK, NULL, "good.example");
}

static void
folding_and_obsolete_forms_parse(void **st)
{
	(void)st;
	expect(" Alice\r\n\t<alice@example.com>", MAILADDR_OK, "alice@example.com", "example.com");
	expect("alice . smith @ example . com", MAILADDR_OK, "alice.smith@example.com", "example.com");
	expect("<@relay.example,@r2.example:u@example.com>", MAILADDR_OK, "u@example.com", "example.com");
	expect(", u@example.com,", MAILADDR_OK, "u@example.com", "example.com");
	expect("u@example.com (trailing comment)\r\n ", MAILADDR_OK, NULL, "example.com");
}

static void
lists_and_groups_name_every_domain(void **st)
{
	(void)st;
	expect("<ceo@victim.example>, <a@attacker.example>", MAILADDR_OK, "ceo@victim.example",
	    "victim.example,attacker.example");
	expect("a@x.example, b@X.example", MAILADDR_OK, "a@x.example", "x.example");
	expect("team: a@x.example, <b@y.example>;", MAILADDR_OK, NULL, "x.example,y.example");
	expect("undisclosed-recipients:;", MAILADDR_EMPTY, "", "");
	expect("", MAILADDR_EMPTY, "", "");
	expect("  (only a comment) ", MAILADDR_EMPTY, "", "");
}

static void
unparseable_values_are_invalid(void **st)
{
	(void)st;
	expect("ceo@victim.example;", MAILADDR_INVALID, "", "");
	expect("ceo@victim.example\xc2\xa0", MAILADDR_INVALID, "", "");
	expect("<ceo@victim.example>\xc2\xa0", MAILADDR_INVALID, "", "");
	expect("ceo@victim.example\xa0", MAILADDR_INVALID, "", "");
	expect("[ceo@victim.example]", MAILADDR_INVALID, "", "");
	expect("\"ceo@victim.example\"", MAILADDR_INVALID, "", "");
	expect("<ceo@victim.example> \"<a@attacker.example>\"", MAILADDR_INVALID, "", "");
	expect("ceo@[192.0.2.1]", MAILADDR_INVALID, "", "");
	expect("ceo@victim.example (open comment", MAILADDR_INVALID, "", "");
	expect("\"open quote <a@b.example>", MAILADDR_INVALID, "", "");
	expect("<a@b.example", MAILADDR_INVALID, "", "");
	expect("a b@example.com", MAILADDR_INVALID, "", "");
	expect("just text", MAILADDR_INVALID, "", "");
	expect("a@-bad-.example..com", MAILADDR_INVALID, "", "");
	expect("a@", MAILADDR_INVALID, "", "");
	expect("g1: g2: a@b.example;;", MAILADDR_INVALID, "", "");
	expect("a@b.example\x01", MAILADDR_INVALID, "", "");
}

static void
caps_hold(void **st)
{
	char v[4096], local[300];
	struct mailaddr_list l;
	size_t n = 0;
	(void)st;
	for (int i = 0; i < MAILADDR_DOMAINS_MAX; i++)
		n += (size_t)snprintf(v + n, sizeof(v) - n, "%sa@d%d.example", i ? ", " : "", i);
	expect(v, MAILADDR_OK, "a@d0.example", NULL);
	snprintf(v + n, sizeof(v) - n, ", a@one-too-many.example");
	expect(v, MAILADDR_INVALID, "", "");
	memset(local, 'x', sizeof(local) - 1);
	local[sizeof(local) - 1] = '\0';
	snprintf(v, sizeof(v), "%s@example.com", local);
	expect(v, MAILADDR_INVALID, "", "");
	/* Same domain many times: one domain, every address counted. */
	n = 0;
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(v + n, sizeof(v) - n, "%su%d@same.example", i ? "," : "", i);
	assert_int_equal(mailaddr_parse_from(v, &l), MAILADDR_OK);
	assert_int_equal(l.naddrs, 100);
	assert_int_equal(l.ndomains, 1);
}

static void
author_domain_needs_exactly_one_from_and_one_domain(void **st)
{
	struct mailaddr_list l;
	const char *why;
	enum mailaddr_status s;
	(void)st;
	s = mailaddr_parse_from("A <a@good.example>", &l);
	assert_string_equal(mailaddr_author_domain(1, s, &l, &why), "good.example");
	assert_null(why);
	assert_null(mailaddr_author_domain(0, s, &l, &why));
	assert_string_equal(why, "no From: header field");
	assert_null(mailaddr_author_domain(2, s, &l, &why));
	assert_string_equal(why, "several From: header fields");
	s = mailaddr_parse_from("a@x.example, b@y.example", &l);
	assert_null(mailaddr_author_domain(1, s, &l, &why));
	assert_string_equal(why, "several domains in the From: header field");
	s = mailaddr_parse_from("x:;", &l);
	assert_null(mailaddr_author_domain(1, s, &l, &why));
	assert_string_equal(why, "no address in the From: header field");
	s = mailaddr_parse_from("a@x.example;", &l);
	assert_null(mailaddr_author_domain(1, s, &l, &why));
	assert_string_equal(why, "unparseable From: header field");
}

/* Parses the path v; want NULL for an error, else the mailbox and the rest. */
static void
path(const char *v, const char *want, const char *rest)
{
	char out[64];
	size_t used = 0;
	int r = mailaddr_parse_path(v, strlen(v), out, sizeof(out), &used);

	if (want == NULL) {
		assert_int_equal(r, -1);
		return;
	}
	assert_int_equal(r, 0);
	assert_string_equal(out, want);
	assert_string_equal(v + used, rest);
}

static void
envelope_paths_give_the_mailbox(void **st)
{
	(void)st;
	path("<alice@example.com>", "alice@example.com", "");
	path("<>", "", "");
	path(" <bob@example.com> SIZE=100 BODY=8BITMIME", "bob@example.com", " SIZE=100 BODY=8BITMIME");
	path("carol@example.com SIZE=1", "carol@example.com", " SIZE=1");
	path("<@relay.example,@r2.example:dave@example.com>", "dave@example.com", "");
	path("<\"a>b c\"@example.com> X=1", "\"a>b c\"@example.com", " X=1");
	path("<alice@example.com", NULL, NULL);
	path("<x@0123456789012345678901234567890123456789012345678901234567890.example>", NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_and_named_addresses_give_their_domain),
		cmocka_unit_test(comments_never_name_an_address),
		cmocka_unit_test(folding_and_obsolete_forms_parse),
		cmocka_unit_test(lists_and_groups_name_every_domain),
		cmocka_unit_test(unparseable_values_are_invalid),
		cmocka_unit_test(caps_hold),
		cmocka_unit_test(author_domain_needs_exactly_one_from_and_one_domain),
		cmocka_unit_test(envelope_paths_give_the_mailbox),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
