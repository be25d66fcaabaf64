/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_netlist.c - the whitelist / InternalHosts parser and matcher.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "netlist.h"

static struct netlist
build(const char *text)
{
	struct netlist l;
	char err[256];

	netlist_init(&l);
	assert_int_equal(netlist_add_text(&l, "t", text, strlen(text), err, sizeof(err)), 0);
	netlist_finish(&l);
	return l;
}

static int
has(const struct netlist *l, const char *ip)
{
	uint8_t a[16];

	assert_int_equal(netlist_addr_parse(ip, a), 0);
	return netlist_match(l, a);
}

static void
single_ipv4_matches_only_itself(void **st)
{
	struct netlist l = build("192.168.1.100\n");
	(void)st;
	assert_true(has(&l, "192.168.1.100"));
	assert_false(has(&l, "192.168.1.101"));
	assert_false(has(&l, "192.168.1.99"));
	netlist_free(&l);
}

static void
ipv4_range_is_inclusive(void **st)
{
	struct netlist l = build("192.168.1.100-192.168.1.120\n");
	(void)st;
	assert_true(has(&l, "192.168.1.100"));
	assert_true(has(&l, "192.168.1.110"));
	assert_true(has(&l, "192.168.1.120"));
	assert_false(has(&l, "192.168.1.121"));
	assert_false(has(&l, "192.168.1.99"));
	netlist_free(&l);
}

static void
ipv4_netmask_and_prefix_forms_agree(void **st)
{
	struct netlist a = build("192.168.1.0/255.255.255.0\n");
	struct netlist b = build("192.168.1.0/24\n");
	(void)st;
	assert_true(has(&a, "192.168.1.0") && has(&b, "192.168.1.0"));
	assert_true(has(&a, "192.168.1.255") && has(&b, "192.168.1.255"));
	assert_false(has(&a, "192.168.2.0") || has(&b, "192.168.2.0"));
	netlist_free(&a);
	netlist_free(&b);
}

static void
ipv6_forms_match(void **st)
{
	struct netlist l = build("2001:db8::1\n2001:db8:1::/48\n2001:db8:2::1-2001:db8:2::ff\n");
	(void)st;
	assert_true(has(&l, "2001:db8::1"));
	assert_false(has(&l, "2001:db8::2"));
	assert_true(has(&l, "2001:db8:1:ffff::1"));
	assert_false(has(&l, "2001:db8:3::1"));
	assert_true(has(&l, "2001:db8:2::80"));
	assert_false(has(&l, "2001:db8:2::100"));
	netlist_free(&l);
}

static void
v4_mapped_client_matches_ipv4_entry(void **st)
{
	struct netlist l = build("10.1.2.3\n");
	(void)st;
	assert_true(has(&l, "::ffff:10.1.2.3"));
	netlist_free(&l);
}

static void
comments_blank_lines_and_trailing_text_are_ignored(void **st)
{
	struct netlist l = build("# office\n\n   \n192.0.2.7 the printer\n192.0.2.9\tbackup mx\r\n");
	(void)st;
	assert_int_equal(l.n, 2);
	assert_true(has(&l, "192.0.2.7"));
	assert_true(has(&l, "192.0.2.9"));
	netlist_free(&l);
}

static void
overlapping_entries_merge(void **st)
{
	struct netlist l = build("10.0.0.0/24\n10.0.0.128-10.0.1.5\n10.0.1.6\n10.0.0.5\n");
	(void)st;
	assert_int_equal(l.n, 1);
	assert_true(has(&l, "10.0.1.6"));
	assert_false(has(&l, "10.0.1.7"));
	netlist_free(&l);
}

static void
bad_lines_are_errors_naming_file_line_and_token(void **st)
{
	static const char *const bad[] = {
		"192.168.1.300\n", "192.168.1.0/33\n", "192.168.1.0/255.0.255.0\n",
		"192.168.1.9-192.168.1.1\n", "10.0.0.1-2001:db8::1\n", "2001:db8::/129\n",
		"hello\n", "1.2.3.4/\n", "1.2.3.4/-1\n",
	};
	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct netlist l;
		char err[256];
		netlist_init(&l);
		assert_int_equal(netlist_add_text(&l, "wl.txt", bad[i], strlen(bad[i]), err, sizeof(err)), -1);
		assert_non_null(strstr(err, "wl.txt:1:"));
		netlist_free(&l);
	}
	{
		struct netlist l;
		char err[256];
		const char *t = "10.0.0.1\n\n10.0.0.999\n";
		netlist_init(&l);
		assert_int_equal(netlist_add_text(&l, "wl.txt", t, strlen(t), err, sizeof(err)), -1);
		assert_non_null(strstr(err, "wl.txt:3:"));
		assert_non_null(strstr(err, "10.0.0.999"));
		netlist_free(&l);
	}
}

static void
loopback_and_lan_classes(void **st)
{
	uint8_t a[16];
	(void)st;
	netlist_addr_parse("127.0.0.5", a); assert_true(netlist_is_loopback(a));
	netlist_addr_parse("::1", a); assert_true(netlist_is_loopback(a));
	netlist_addr_parse("128.0.0.1", a); assert_false(netlist_is_loopback(a));
	netlist_addr_parse("10.9.9.9", a); assert_true(netlist_is_lan(a));
	netlist_addr_parse("172.16.0.1", a); assert_true(netlist_is_lan(a));
	netlist_addr_parse("172.31.255.1", a); assert_true(netlist_is_lan(a));
	netlist_addr_parse("172.32.0.1", a); assert_false(netlist_is_lan(a));
	netlist_addr_parse("192.168.0.1", a); assert_true(netlist_is_lan(a));
	netlist_addr_parse("fd00::1", a); assert_true(netlist_is_lan(a));
	netlist_addr_parse("fe80::1", a); assert_true(netlist_is_lan(a));
	netlist_addr_parse("2001:db8::1", a); assert_false(netlist_is_lan(a));
	netlist_addr_parse("192.0.2.1", a); assert_false(netlist_is_lan(a));
}

static void
file_loading_reports_missing_file(void **st)
{
	struct netlist l;
	char err[256], path[] = "/tmp/test_netlist.XXXXXX";
	int fd = mkstemp(path);
	(void)st;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "198.51.100.0/24 partner\n", 24), 24);
	close(fd);
	netlist_init(&l);
	assert_int_equal(netlist_load_file(&l, path, err, sizeof(err)), 0);
	netlist_finish(&l);
	assert_true(has(&l, "198.51.100.77"));
	netlist_free(&l);
	unlink(path);
	netlist_init(&l);
	assert_int_equal(netlist_load_file(&l, "/nonexistent/wl", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/wl"));
	netlist_free(&l);
}

static void
empty_list_matches_nothing(void **st)
{
	struct netlist l = build("");
	(void)st;
	assert_false(has(&l, "0.0.0.0"));
	assert_false(has(&l, "::"));
	netlist_free(&l);
}

static void
opendkim_datasets_inline_csl_file_and_refile(void **st)
{
	struct netlist l;
	char err[256], path[] = "/tmp/test_netlist.XXXXXX", spec[64];
	int fd = mkstemp(path);
	(void)st;
	netlist_init(&l);
	/* Debian's commented-out InternalHosts line, unchanged. */
	assert_int_equal(netlist_load_dataset(&l, "192.168.0.0/16, 10.0.0.0/8, 172.16.0.0/12", err, sizeof(err)), 0);
	assert_int_equal(netlist_load_dataset(&l, "csl:2001:db8::/32,198.51.100.7", err, sizeof(err)), 0);
	netlist_finish(&l);
	assert_true(has(&l, "192.168.7.7"));
	assert_true(has(&l, "172.31.0.1"));
	assert_true(has(&l, "2001:db8::1"));
	assert_true(has(&l, "198.51.100.7"));
	assert_false(has(&l, "198.51.100.8"));
	assert_false(has(&l, "127.0.0.1"));
	netlist_free(&l);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "127.0.0.1\n::1\n192.0.2.0/24\n", 27), 27);
	close(fd);
	for (int i = 0; i < 3; i++) {
		snprintf(spec, sizeof(spec), "%s%s", i == 0 ? "" : i == 1 ? "file:" : "refile:", path);
		netlist_init(&l);
		assert_int_equal(netlist_load_dataset(&l, spec, err, sizeof(err)), 0);
		netlist_finish(&l);
		assert_true(has(&l, "192.0.2.99"));
		assert_true(has(&l, "::1"));
		netlist_free(&l);
	}
	unlink(path);
}

static void
opendkim_dataset_host_names_are_errors_naming_the_item(void **st)
{
	struct netlist l;
	char err[256];
	(void)st;
	netlist_init(&l);
	assert_int_equal(netlist_load_dataset(&l, "10.0.0.0/8, mail.example.com", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "item 2"));
	assert_non_null(strstr(err, "mail.example.com"));
	assert_int_equal(netlist_load_dataset(&l, "10.0.0.1,,10.0.0.2", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "item 2"));
	assert_int_equal(netlist_load_dataset(&l, "refile:/nonexistent/TrustedHosts", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/TrustedHosts"));
	netlist_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_ipv4_matches_only_itself),
		cmocka_unit_test(ipv4_range_is_inclusive),
		cmocka_unit_test(ipv4_netmask_and_prefix_forms_agree),
		cmocka_unit_test(ipv6_forms_match),
		cmocka_unit_test(v4_mapped_client_matches_ipv4_entry),
		cmocka_unit_test(comments_blank_lines_and_trailing_text_are_ignored),
		cmocka_unit_test(overlapping_entries_merge),
		cmocka_unit_test(bad_lines_are_errors_naming_file_line_and_token),
		cmocka_unit_test(loopback_and_lan_classes),
		cmocka_unit_test(file_loading_reports_missing_file),
		cmocka_unit_test(empty_list_matches_nothing),
		cmocka_unit_test(opendkim_datasets_inline_csl_file_and_refile),
		cmocka_unit_test(opendkim_dataset_host_names_are_errors_naming_the_item),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
