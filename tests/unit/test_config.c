/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_config.c - the configuration parser: both line formats, every value
 * type, defaults, and errors that name the file and line.
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

#include "config.h"
#include "policy.h"

static struct config *
parse(const char *text, char *err, size_t errlen)
{
	return config_parse("test.conf", text, strlen(text), err, errlen);
}

static void
defaults_are_safe_monitor_mode(void **st)
{
	struct config *c = config_new_default();
	(void)st;
	assert_non_null(c);
	assert_string_equal(c->socket, "inet:8894@127.0.0.1");
	assert_int_equal(c->umask, 07);
	assert_int_equal(c->identity, ID_MAILFROM);
	assert_true(c->skip_auth);
	assert_false(c->check_helo);
	assert_false(c->check_loopback);
	assert_false(c->check_lan);
	assert_true(c->received_spf);
	assert_int_equal(c->dns_timeout, 5);
	assert_int_equal(c->dns_budget, 20);
	assert_int_equal(c->dkim_min_key_bits, 1024);
	assert_int_equal(c->spam_retention_days, 30);
	assert_string_equal(c->temp_dir, "/var/tmp");
	for (int i = 0; i < SPF_RESULT_COUNT; i++)
		assert_int_equal(c->spf_action[i], ACT_ACCEPT);
	for (int i = 0; i < DKIM_V_COUNT; i++)
		assert_int_equal(c->dkim_action[i], ACT_ACCEPT);
	assert_non_null(strstr(c->spf_reply[SPF_RESULT_FAIL], "550 5.7.23"));
	assert_non_null(strstr(c->spf_reply[SPF_RESULT_TEMPERROR], "451 4.7.24"));
	assert_non_null(strstr(c->spf_reply[SPF_RESULT_PERMERROR], "550 5.7.24"));
	assert_non_null(strstr(c->dkim_reply[DKIM_V_FAIL], "550 5.7.20"));
	assert_non_null(strstr(c->dkim_reply[DKIM_V_TEMPERROR], "451 4.7.5"));
	assert_false(config_any_save(c));
	config_free(c);
}

static void
key_value_lines_set_every_type(void **st)
{
	char err[512];
	struct config *c = parse(
	    "# comment\n"
	    "\n"
	    "Socket unix:/run/x.sock\n"
	    "  SPFIdentity   header-from  \n"
	    "SPFCheckHelo true\n"
	    "checkloopback 1\n"
	    "Umask 002\n"
	    "DNSTimeout 3\n"
	    "LogLevel debug\n"
	    "SPFFailAction reject\n"
	    "SPFSoftfailAction save-reject\n"
	    "DKIMFailAction quarantine\n"
	    "SPFFailReply 554 5.7.1 Go away %{ip} (%{domain})\n"
	    "AuthservID \"mx.example.test\"\n",
	    err, sizeof(err));
	(void)st;
	assert_non_null(c);
	assert_string_equal(c->socket, "unix:/run/x.sock");
	assert_int_equal(c->identity, ID_HEADER_FROM);
	assert_true(c->check_helo);
	assert_true(c->check_loopback);
	assert_int_equal(c->umask, 02);
	assert_int_equal(c->dns_timeout, 3);
	assert_int_equal(c->log_level, LOG_L_DEBUG);
	assert_int_equal(c->spf_action[SPF_RESULT_FAIL], ACT_REJECT);
	assert_int_equal(c->spf_action[SPF_RESULT_SOFTFAIL], ACT_SAVE_REJECT);
	assert_int_equal(c->dkim_action[DKIM_V_FAIL], ACT_QUARANTINE);
	assert_string_equal(c->spf_reply[SPF_RESULT_FAIL], "554 5.7.1 Go away %{ip} (%{domain})");
	assert_string_equal(c->authserv_id, "mx.example.test");
	assert_true(config_any_save(c));
	assert_true(config_spf_any_reject(c));
	config_free(c);
}

static void
xmail_tab_format_works_with_the_same_keys(void **st)
{
	char err[512];
	struct config *c = parse(
	    "\"SPFFailAction\"\t\"save-reject\"\n"
	    "\"Whitelist\"\t\"/etc/wl\"\n"
	    "Resolver 127.0.0.1@5353\n"
	    "\"SPFNoneReply\"\t\"550 5.7.23 say \\\"hi\\\"\"\r\n",
	    err, sizeof(err));
	(void)st;
	assert_non_null(c);
	assert_int_equal(c->spf_action[SPF_RESULT_FAIL], ACT_SAVE_REJECT);
	assert_string_equal(c->whitelist, "/etc/wl");
	assert_string_equal(c->resolver, "127.0.0.1@5353");
	assert_string_equal(c->spf_reply[SPF_RESULT_NONE], "550 5.7.23 say \"hi\"");
	config_free(c);
}

static void
errors_name_file_line_and_token(void **st)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "Bogus yes\n", "test.conf:1: unknown key \"Bogus\"" },
		{ "\n\nSPFFailAction drop\n", "test.conf:3: SPFFailAction: \"drop\"" },
		{ "CheckLAN maybe\n", "test.conf:1: CheckLAN: \"maybe\"" },
		{ "DNSTimeout 0\n", "test.conf:1: DNSTimeout" },
		{ "DNSTimeout 5s\n", "test.conf:1: DNSTimeout" },
		{ "Umask 999\n", "test.conf:1: Umask" },
		{ "SPFIdentity helo\n", "test.conf:1: SPFIdentity" },
		{ "SPFFailReply 250 2.0.0 fine\n", "test.conf:1: SPFFailReply" },
		{ "SPFFailReply 550 4.7.1 mismatch\n", "test.conf:1: SPFFailReply" },
		{ "SPFFailReply 550 5.7.1\n", "test.conf:1: SPFFailReply" },
		{ "SPFFailReply 550 5.7.1 %{nosuch}\n", "test.conf:1: SPFFailReply: reply: unknown field %{nosuch}" },
		{ "SPFFailReply 550 5.7.1 100%\n", "test.conf:1: SPFFailReply" },
		{ "\"SPFFailAction\"\t\"reject\n", "test.conf:1:" },
		{ "\"SPFFailAction\"\treject\n", "test.conf:1:" },
		{ "Socket 8894\n", "test.conf:1: Socket" },
		{ "LogLevel loud\n", "test.conf:1: LogLevel" },
		{ "Log relative/path\n", "test.conf:1: Log" },
		{ "SPFFailAction\n", "test.conf:1: SPFFailAction needs a value" },
	};
	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "";
		struct config *c = parse(bad[i].text, err, sizeof(err));
		if (c != NULL || strstr(err, bad[i].want) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, bad[i].want);
	}
}

static void
optional_path_keys_can_be_cleared(void **st)
{
	char err[512];
	struct config *c = parse("Whitelist /a\nWhitelist\n", err, sizeof(err));
	(void)st;
	assert_non_null(c);
	assert_null(c->whitelist);
	config_free(c);
}

static void
long_and_binary_lines_are_refused(void **st)
{
	char err[512];
	char *big = malloc(CONFIG_LINE_MAX + 100);
	(void)st;
	memset(big, 'A', CONFIG_LINE_MAX + 50);
	big[CONFIG_LINE_MAX + 50] = '\0';
	assert_null(config_parse("big.conf", big, strlen(big), err, sizeof(err)));
	assert_non_null(strstr(err, "big.conf:1: line too long"));
	assert_null(config_parse("nul.conf", "Socket a\0b\n", 11, err, sizeof(err)));
	assert_non_null(strstr(err, "nul.conf:1:"));
	free(big);
}

static void
load_reports_missing_file(void **st)
{
	char err[512];
	(void)st;
	assert_null(config_load("/nonexistent/spfdkim.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/spfdkim.conf"));
}

static void
sample_config_parses(void **st)
{
	char err[512];
	struct config *c = config_load("conf/spfdkim-milter.conf", err, sizeof(err));
	(void)st;
	if (c == NULL)
		fail_msg("%s", err);
	config_free(c);
}

/* Every commented-out "#Key value" line of the sample is a valid setting. */
static void
sample_config_documented_values_parse(void **st)
{
	char err[512], line[CONFIG_LINE_MAX];
	FILE *f = fopen("conf/spfdkim-milter.conf", "r");
	char *text = calloc(1, CONFIG_FILE_MAX);
	size_t len = 0;
	unsigned n = 0;
	struct config *c;
	(void)st;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (line[0] == '#' && line[1] >= 'A' && line[1] <= 'Z' && strchr(line, ' ') != NULL) {
			len += (size_t)snprintf(text + len, CONFIG_FILE_MAX - len, "%s", line + 1);
			n++;
		}
	fclose(f);
	assert_true(n >= 55);
	c = config_parse("uncommented", text, len, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	config_free(c);
	free(text);
}

static void
reply_expansion_fills_fields_and_escapes_percent(void **st)
{
	struct reply_fields f = { .sender = "a%b@example.test", .ip = "192.0.2.1", .domain = "example.test",
	                          .helo = "mx\r\n.test", .result = "fail", .explanation = "" };
	struct policy_reply r;
	(void)st;
	assert_int_equal(policy_reply_expand("554 5.7.1 %{sender} from %{ip} via %{helo}: %{result}", &f, &r), 0);
	assert_string_equal(r.rcode, "554");
	assert_string_equal(r.xcode, "5.7.1");
	assert_string_equal(r.text, "a%%b@example.test from 192.0.2.1 via mx??.test: fail");
	assert_string_equal(r.plain, "554 5.7.1 a%b@example.test from 192.0.2.1 via mx??.test: fail");
}

/* The XMail admin guide writes its sample replies without an enhanced code;
   the client sees them with the RFC 7372 code of the result, in the class of
   the reply code. */
static void
guide_replies_without_enhanced_code_get_the_rfc7372_code(void **st)
{
	char err[512];
	struct config *c = parse(
	    "SPFFailReply 550 Connection not accepted due to spam\n"
	    "SPFSoftfailReply 451 Please try again later\n"
	    "\"SPFNoneReply\"\t\"554 Transaction failed\"\n"
	    "SPFTemperrorReply 451 Try later\n"
	    "DKIMFailReply 554 Transaction failed\n"
	    "DKIMTemperrorReply 451 Please try again later\n",
	    err, sizeof(err));
	struct reply_fields f = { 0 };
	struct policy_reply r;
	(void)st;
	assert_non_null(c);
	assert_string_equal(c->spf_reply[SPF_RESULT_FAIL], "550 5.7.23 Connection not accepted due to spam");
	assert_string_equal(c->spf_reply[SPF_RESULT_SOFTFAIL], "451 4.7.23 Please try again later");
	assert_string_equal(c->spf_reply[SPF_RESULT_NONE], "554 5.7.23 Transaction failed");
	assert_string_equal(c->spf_reply[SPF_RESULT_TEMPERROR], "451 4.7.24 Try later");
	assert_string_equal(c->dkim_reply[DKIM_V_FAIL], "554 5.7.20 Transaction failed");
	assert_string_equal(c->dkim_reply[DKIM_V_TEMPERROR], "451 4.7.5 Please try again later");
	assert_int_equal(policy_reply_expand(c->spf_reply[SPF_RESULT_SOFTFAIL], &f, &r), 0);
	assert_string_equal(r.rcode, "451");
	assert_string_equal(r.xcode, "4.7.23");
	assert_string_equal(r.plain, "451 4.7.23 Please try again later");
	config_free(c);
	/* Without the config step the expansion keeps the reply as written. */
	assert_int_equal(policy_reply_expand("554 Transaction failed", &f, &r), 0);
	assert_string_equal(r.xcode, "");
	assert_string_equal(r.plain, "554 Transaction failed");
	assert_int_equal(policy_reply_check("550 5.7 Half a code", err, sizeof(err)), -1);
	assert_int_equal(policy_reply_check("451 5.7.1 Wrong class", err, sizeof(err)), -1);
	assert_int_equal(policy_reply_check("550 ", err, sizeof(err)), -1);
}

static void
opendkim_names_set_the_same_keys(void **st)
{
	char err[512];
	struct config *c = parse("MinimumKeyBits\t\t2048\nCanonicalization\trelaxed/simple\n"
	    "OversignHeaders\t\tFrom\nUMask\t\t\t002\nLog /var/log/x.log\nSyslog\t\t\tyes\n"
	    "SyslogSuccess\t\tyes\nUserID\t\t\topendkim:opendkim\n"
	    "InternalHosts\t\t192.168.0.0/16, 10.0.0.0/8\nExternalIgnoreList\trefile:/etc/opendkim/TrustedHosts\n"
	    "Socket\t\t\tlocal:/run/opendkim/opendkim.sock\n", err, sizeof(err));
	(void)st;
	assert_non_null(c);
	assert_int_equal(c->dkim_min_key_bits, 2048);
	assert_string_equal(c->dkim_canon, "relaxed/simple");
	assert_string_equal(c->dkim_oversign, "From");
	assert_int_equal(c->umask, 02);
	assert_string_equal(c->log, "syslog");
	assert_string_equal(c->user_id, "opendkim:opendkim");
	assert_string_equal(c->internal_hosts, "192.168.0.0/16, 10.0.0.0/8");
	assert_string_equal(c->external_ignore, "refile:/etc/opendkim/TrustedHosts");
	assert_string_equal(c->socket, "local:/run/opendkim/opendkim.sock");
	config_free(c);
	/* The alias keeps the bounds of the key it names. */
	assert_null(parse("MinimumKeyBits 100\n", err, sizeof(err)));
	assert_non_null(strstr(err, "test.conf:1: DKIMMinimumKeyBits"));
}

static void
opendkim_keys_with_another_meaning_are_refused_with_the_reason(void **st)
{
	char err[512];
	(void)st;
	assert_null(parse("Syslog no\n", err, sizeof(err)));
	assert_non_null(strstr(err, "test.conf:1: Syslog"));
	assert_non_null(strstr(err, "Log stderr or Log FILE"));
	assert_null(parse("SyslogSuccess no\n", err, sizeof(err)));
	assert_non_null(strstr(err, "test.conf:1: SyslogSuccess"));
	assert_null(parse("\nTrustAnchorFile /usr/share/dns/root.key\n", err, sizeof(err)));
	assert_non_null(strstr(err, "test.conf:2: TrustAnchorFile: DNSSEC validation is not supported"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_safe_monitor_mode),
		cmocka_unit_test(key_value_lines_set_every_type),
		cmocka_unit_test(xmail_tab_format_works_with_the_same_keys),
		cmocka_unit_test(errors_name_file_line_and_token),
		cmocka_unit_test(optional_path_keys_can_be_cleared),
		cmocka_unit_test(long_and_binary_lines_are_refused),
		cmocka_unit_test(load_reports_missing_file),
		cmocka_unit_test(sample_config_parses),
		cmocka_unit_test(sample_config_documented_values_parse),
		cmocka_unit_test(reply_expansion_fills_fields_and_escapes_percent),
		cmocka_unit_test(guide_replies_without_enhanced_code_get_the_rfc7372_code),
		cmocka_unit_test(opendkim_names_set_the_same_keys),
		cmocka_unit_test(opendkim_keys_with_another_meaning_are_refused_with_the_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
