/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_spf_macro.c - SPF macro expansion (spf_macro.c): the examples of
 * RFC 7208 7.4, escapes, URL-encoding, transformers, syntax errors, the
 * exp-only letters, %{p}, and the 253-octet left truncation of 7.3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "spf_macro.h"

static struct spf_ip ip4, ip6;
static struct spf_macro_env env4, env6;

static void
fake_p(void *arg, char *out, size_t outsz)
{
	(void)arg;
	strlcpy(out, "mx.example.com", outsz);
}

static int
setup(void **state)
{
	(void)state;
	spf_ip_parse("192.0.2.3", &ip4);
	spf_ip_parse("2001:db8::cb01", &ip6);
	memset(&env4, 0, sizeof(env4));
	env4.sender = "strong-bad@email.example.com";
	env4.local = "strong-bad";
	env4.sender_domain = "email.example.com";
	env4.domain = "email.example.com";
	env4.ip = &ip4;
	env4.helo = "mx.example.org";
	env4.receiver = "receiver.example.net";
	env4.now = 1234567890;
	env4.validated_name = fake_p;
	env6 = env4;
	env6.ip = &ip6;
	return 0;
}

static const char *
X(const struct spf_macro_env *env, const char *s, int exp)
{
	static char out[SPF_MACRO_MAX_OUT];
	char err[160];
	int rc = spf_macro_expand(s, strlen(s), env, exp, out, sizeof(out), err, sizeof(err));
	if (rc != 0)
		return rc == -1 ? "SYNTAX" : "TOOLONG";
	return out;
}

/* RFC 7208 7.4, IPv4 examples. */
static void
test_rfc7208_7_4_examples(void **state)
{
	(void)state;
	assert_string_equal(X(&env4, "%{s}", 0), "strong-bad@email.example.com");
	assert_string_equal(X(&env4, "%{o}", 0), "email.example.com");
	assert_string_equal(X(&env4, "%{d}", 0), "email.example.com");
	assert_string_equal(X(&env4, "%{d4}", 0), "email.example.com");
	assert_string_equal(X(&env4, "%{d3}", 0), "email.example.com");
	assert_string_equal(X(&env4, "%{d2}", 0), "example.com");
	assert_string_equal(X(&env4, "%{d1}", 0), "com");
	assert_string_equal(X(&env4, "%{dr}", 0), "com.example.email");
	assert_string_equal(X(&env4, "%{d2r}", 0), "example.email");
	assert_string_equal(X(&env4, "%{l}", 0), "strong-bad");
	assert_string_equal(X(&env4, "%{l-}", 0), "strong.bad");
	assert_string_equal(X(&env4, "%{lr}", 0), "strong-bad");
	assert_string_equal(X(&env4, "%{lr-}", 0), "bad.strong");
	assert_string_equal(X(&env4, "%{l1r-}", 0), "strong");
	assert_string_equal(X(&env4, "%{ir}.%{v}._spf.%{d2}", 0), "3.2.0.192.in-addr._spf.example.com");
	assert_string_equal(X(&env4, "%{lr-}.lp._spf.%{d2}", 0), "bad.strong.lp._spf.example.com");
	assert_string_equal(X(&env4, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", 0),
	                    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	assert_string_equal(X(&env4, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", 0),
	                    "3.2.0.192.in-addr.strong.lp._spf.example.com");
	assert_string_equal(X(&env4, "%{d2}.trusted-domains.example.net", 0),
	                    "example.com.trusted-domains.example.net");
}

/* RFC 7208 7.4, IPv6 example. The RFC prints lower-case nibbles, the RFC
 * 7208 test suite expects upper case; DNS names are case-insensitive. */
static void
test_rfc7208_7_4_ipv6(void **state)
{
	(void)state;
	assert_int_equal(strcasecmp(X(&env6, "%{ir}.%{v}._spf.%{d2}", 0),
	    "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"), 0);
	assert_string_equal(X(&env6, "%{c}", 1), "2001:db8::cb01");
	assert_string_equal(X(&env6, "%{v}", 0), "ip6");
}

static void
test_escapes_and_url_encoding(void **state)
{
	(void)state;
	assert_string_equal(X(&env4, "a%%b%_c%-d", 0), "a%b c%20d");
	assert_string_equal(X(&env4, "%{S}", 0), "strong-bad%40email.example.com");
	struct spf_macro_env e = env4;
	e.local = "~jack&jill=up-a_b3.c";
	assert_string_equal(X(&e, "%{L}", 0), "~jack%26jill%3Dup-a_b3.c");
	assert_string_equal(X(&env4, "%{D2R}", 0), "example.email");
}

static void
test_transformers(void **state)
{
	(void)state;
	assert_string_equal(X(&env4, "%{d200}", 0), "email.example.com");   /* more than the parts */
	assert_string_equal(X(&env4, "%{l+-}", 0), "strong.bad");          /* several delimiters */
	assert_string_equal(X(&env4, "%{s@}", 0), "SYNTAX");               /* '@' is no delimiter */
	assert_string_equal(X(&env4, "%{d0}", 0), "SYNTAX");               /* digit 0 is invalid */
	assert_string_equal(X(&env4, "%{d01}", 0), "com");
}

static void
test_syntax_errors(void **state)
{
	char err[160];

	(void)state;
	assert_string_equal(X(&env4, "%{x}", 0), "SYNTAX");
	assert_string_equal(X(&env4, "%{d", 0), "SYNTAX");
	assert_string_equal(X(&env4, "abc%", 0), "SYNTAX");
	assert_string_equal(X(&env4, "%a", 0), "SYNTAX");
	assert_string_equal(X(&env4, "%(ir)", 0), "SYNTAX");
	assert_string_equal(X(&env4, "a b", 0), "SYNTAX");     /* no spaces in a domain-spec */
	assert_string_equal(X(&env4, "caf\xc3\xa9", 0), "SYNTAX");
	assert_int_equal(spf_macro_check("%{d}.x", 6, 0, err, sizeof(err)), 0);
	assert_int_equal(spf_macro_check("%{q}", 4, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "q"));   /* the message names the input */
}

static void
test_exp_only_letters(void **state)
{
	(void)state;
	assert_string_equal(X(&env4, "%{c}", 0), "SYNTAX");
	assert_string_equal(X(&env4, "%{r}", 0), "SYNTAX");
	assert_string_equal(X(&env4, "%{t}", 0), "SYNTAX");
	assert_string_equal(X(&env4, "%{c} via %{r} at %{t}", 1), "192.0.2.3 via receiver.example.net at 1234567890");
	assert_string_equal(X(&env4, "%{i} is %{h}", 1), "192.0.2.3 is mx.example.org");
	assert_string_equal(X(&env4, "connect from %{p}", 1), "connect from mx.example.com");
}

static void
test_output_cap(void **state)
{
	char out[16], err[160];

	(void)state;
	assert_int_equal(spf_macro_expand("%{s}", 4, &env4, 0, out, sizeof(out), err, sizeof(err)), -2);
	assert_int_equal(spf_macro_expand("abc", 3, &env4, 0, out, 4, err, sizeof(err)), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(spf_macro_expand("abcd", 4, &env4, 0, out, 4, err, sizeof(err)), -2);
}

static void
test_truncate_253(void **state)
{
	char name[600];

	(void)state;
	/* 30 labels of 9 octets + dot = 300 octets, then "example.com" */
	name[0] = '\0';
	for (int i = 0; i < 30; i++)
		strlcat(name, "abcdefgh.", sizeof(name));
	strlcat(name, "example.com.", sizeof(name));
	spf_domain_truncate(name);
	assert_true(strlen(name) <= 253);
	assert_true(strlen(name) > 253 - 10);
	assert_string_equal(name + strlen(name) - 12, ".example.com");
	assert_int_equal(strncmp(name, "abcdefgh.", 9), 0);   /* whole labels dropped */
	strlcpy(name, "short.example.com.", sizeof(name));
	spf_domain_truncate(name);
	assert_string_equal(name, "short.example.com");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7208_7_4_examples),
		cmocka_unit_test(test_rfc7208_7_4_ipv6),
		cmocka_unit_test(test_escapes_and_url_encoding),
		cmocka_unit_test(test_transformers),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_exp_only_letters),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_truncate_253),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
