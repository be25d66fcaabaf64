/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_sockspec.c - the one parser of milter socket specs (Socket, -p, the
 * bridge's milter address, the test tools).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "sockspec.h"

static void
unix_local_and_bare_paths_parse(void **st)
{
	struct sockspec s;
	char err[300];

	(void)st;
	assert_int_equal(sockspec_parse("unix:/run/m.sock", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, SOCKSPEC_UNIX);
	assert_string_equal(s.path, "/run/m.sock");
	assert_int_equal(sockspec_parse("local:/x", &s, err, sizeof(err)), 0);
	assert_string_equal(s.path, "/x");
	assert_int_equal(sockspec_parse("/y", &s, err, sizeof(err)), 0);
	assert_string_equal(s.path, "/y");
}

static void
unix_path_longer_than_sun_path_is_refused(void **st)
{
	struct sockspec s;
	char spec[300], err[300];

	(void)st;
	strcpy(spec, "unix:/");
	memset(spec + 6, 'a', 200);
	spec[206] = '\0';
	assert_int_equal(sockspec_parse(spec, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
	assert_int_equal(sockspec_parse("unix:", &s, err, sizeof(err)), -1);
}

static void
inet_forms_parse_with_and_without_host(void **st)
{
	struct sockspec s;
	char err[300];

	(void)st;
	assert_int_equal(sockspec_parse("inet:8894@127.0.0.1", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, SOCKSPEC_INET);
	assert_int_equal(s.port, 8894);
	assert_string_equal(s.host, "127.0.0.1");
	assert_int_equal(sockspec_parse("inet:25", &s, err, sizeof(err)), 0);
	assert_string_equal(s.host, "");
	assert_int_equal(sockspec_parse("inet6:65535@[::1]", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, SOCKSPEC_INET6);
	assert_int_equal(s.port, 65535);
	assert_string_equal(s.host, "::1");
}

static void
ports_outside_1_to_65535_or_not_numeric_are_refused(void **st)
{
	static const char *const bad[] = { "inet:99999@127.0.0.1", "inet:0@127.0.0.1", "inet:65536",
	    "inet:smtp@127.0.0.1", "inet:@127.0.0.1", "inet:-1@h", "inet:8894@", "inet6:1@[::1" ,
	    "tcp:8894@127.0.0.1", "" };
	struct sockspec s;
	char err[300];

	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sockspec_parse(bad[i], &s, err, sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(err[0] != '\0');
	}
}

static void
wildcard_hosts_connect_to_loopback(void **st)
{
	struct sockspec s;
	struct sockaddr_storage ss;
	socklen_t len;
	char err[300];

	(void)st;
	assert_int_equal(sockspec_parse("inet:8894@0.0.0.0", &s, err, sizeof(err)), 0);
	assert_int_equal(sockspec_connect_addr(&s, &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8894);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unix_local_and_bare_paths_parse),
		cmocka_unit_test(unix_path_longer_than_sun_path_is_refused),
		cmocka_unit_test(inet_forms_parse_with_and_without_host),
		cmocka_unit_test(ports_outside_1_to_65535_or_not_numeric_are_refused),
		cmocka_unit_test(wildcard_hosts_connect_to_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
