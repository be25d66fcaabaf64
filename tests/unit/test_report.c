/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_report.c - the hardening report counts decision lines right: per
 * result and action, per domain, what-if scenarios, the window, hostile
 * lines, the domain cap, and HTML escaping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvline.h"
#include "report.h"

#define L(s) report_feed(r, s, strlen(s))

static const char *const LINES[] = {
	"decision ts=2026-11-20T10:00:00Z qid=A ip=192.0.2.1 helo=a mailfrom=x@fwd.test identity=mailfrom domain=fwd.test spf=fail helo_spf=- dkim=pass dkim_d=fwd.test skip=- action=accept reason=- reply=- elapsed_ms=1",
	"Nov 20 10:00:01 host spfdkim-milter[1]: info: decision ts=2026-11-20T10:00:01Z qid=B ip=192.0.2.1 helo=a mailfrom=\"\\\"a b\\\"@Spam.TEST\" identity=mailfrom domain=Spam.TEST spf=fail helo_spf=- dkim=none dkim_d=- skip=- action=reject reason=spf reply=\"550 5.7.23 no \\\"way\\\"\" elapsed_ms=1",
	"decision ts=2026-11-21T10:00:00Z qid=C ip=192.0.2.1 helo=a mailfrom=y@spam.test identity=mailfrom domain=spam.test spf=softfail helo_spf=- dkim=fail dkim_d=- skip=- action=quarantine reason=spf reply=- elapsed_ms=1",
	"decision ts=2026-11-21T11:00:00Z qid=D ip=192.0.2.1 helo=a mailfrom=z@ok.test identity=mailfrom domain=ok.test spf=pass helo_spf=- dkim=fail dkim_d=- skip=- action=save-reject reason=dkim reply=\"550 5.7.20 x\" elapsed_ms=1",
	"decision ts=2026-11-22T11:00:00Z qid=E ip=10.0.0.1 helo=a mailfrom=u@local.test identity=mailfrom domain=- spf=- helo_spf=- dkim=- dkim_d=- skip=lan action=accept reason=- reply=- elapsed_ms=1",
	"decision ts=2026-11-22T12:00:00Z qid=F ip=192.0.2.9 helo=a mailfrom=t@dns.test identity=mailfrom domain=dns.test spf=temperror helo_spf=- dkim=pass dkim_d=dns.test skip=- action=reject reason=spf reply=\"451 4.7.24 later\" elapsed_ms=1",
	"decision ts=2026-11-22T12:00:01Z qid=G ip=192.0.2.9 helo=a mailfrom=t@dns.test identity=mailfrom domain=dns.test spf=weird helo_spf=- dkim=pass dkim_d=dns.test skip=- action=teleport reason=- reply=- elapsed_ms=1",
};

static void
t_counts(void **state)
{
	struct report *r = report_new(0);
	struct report_totals t;
	struct report_whatif w;

	(void)state;
	for (size_t i = 0; i < sizeof(LINES) / sizeof(LINES[0]); i++)
		assert_int_equal(L(LINES[i]), 1);
	assert_int_equal(L("Nov 20 info: connect from x"), 0);
	assert_int_equal(L("info: nodecision ts=2026-11-20T10:00:00Z spf=fail action=reject"), 0);
	assert_int_equal(L("decision ts=2026-11-20 spf=fail action=reject"), -1);
	assert_int_equal(L("decision ts=2026-11-20T10:00:00Z spf=fail action=reject mailfrom=\"open"), -1);
	assert_int_equal(L("decision ts=2026-11-20T10:00:00Z qid=x"), -1);   /* no spf=/action= */
	/* a spam-log line is not a decision; a bare DecisionLog line is */
	assert_int_equal(L("ts=2026-11-20T10:00:00Z qid=S results=\"spf=fail dkim=none\" action=reject saved=-"), 0);
	assert_int_equal(L("ts=2026-11-20T10:00:00Z qid=H ip=192.0.2.1 helo=a mailfrom=x@fwd.test identity=mailfrom domain=fwd.test spf=fail helo_spf=- dkim=pass dkim_d=fwd.test skip=- action=accept reason=- reply=- elapsed_ms=1"), 1);
	assert_int_equal(L("ts=2026-11-20T10:00:00Z mailfrom=\"open"), -1);

	report_totals(r, &t);
	assert_int_equal(t.decisions, 8);
	assert_int_equal(t.malformed, 4);
	assert_int_equal(t.lines, 15);
	assert_int_equal(report_count(r, "spf", "fail"), 3);
	assert_int_equal(report_count(r, "spf", "softfail"), 1);
	assert_int_equal(report_count(r, "spf", "pass"), 1);
	assert_int_equal(report_count(r, "spf", "-"), 1);
	assert_int_equal(report_count(r, "spf", "other"), 1);
	assert_int_equal(report_count(r, "dkim", "pass"), 4);
	assert_int_equal(report_count(r, "dkim", "fail"), 2);
	assert_int_equal(report_count(r, "action", "accept"), 3);
	assert_int_equal(report_count(r, "action", "reject"), 2);
	assert_int_equal(report_count(r, "action", "save-reject"), 1);
	assert_int_equal(report_count(r, "action", "quarantine"), 1);
	assert_int_equal(report_count(r, "action", "other"), 1);
	assert_int_equal(report_count(r, "skip", "lan"), 1);

	/* Spam.TEST and spam.test are one domain */
	report_whatif(r, REPORT_WHATIF_SPF_FAIL, &w);
	assert_string_equal(w.label, "fail→reject");
	assert_int_equal(w.msgs, 3);
	assert_int_equal(w.domains, 2);
	assert_int_equal(w.other_pass, 2);      /* fwd.test passed DKIM, twice */
	assert_int_equal(w.already, 1);
	report_whatif(r, REPORT_WHATIF_SPF_SOFTFAIL, &w);
	assert_int_equal(w.msgs, 1);
	assert_int_equal(w.already, 0);
	report_whatif(r, REPORT_WHATIF_SPF_TEMPERROR, &w);
	assert_string_equal(w.verb, "deferred");
	assert_int_equal(w.msgs, 1);
	assert_int_equal(w.other_pass, 1);
	report_whatif(r, REPORT_WHATIF_DKIM_FAIL, &w);
	assert_int_equal(w.msgs, 2);
	assert_int_equal(w.domains, 2);
	assert_int_equal(w.other_pass, 1);      /* ok.test passed SPF */
	assert_int_equal(w.already, 1);
	report_totals(r, &t);
	assert_int_equal(t.domains, 5);         /* fwd spam ok dns (no domain) */
	report_free(r);
}

static void
t_window(void **state)
{
	struct report *r;
	struct report_totals t;
	time_t since;
	char err[200];

	(void)state;
	assert_int_equal(report_parse_since("2026-11-21", 0, &since, err, sizeof(err)), 0);
	r = report_new(since);
	for (size_t i = 0; i < sizeof(LINES) / sizeof(LINES[0]); i++)
		L(LINES[i]);
	report_totals(r, &t);
	assert_int_equal(t.decisions, 5);
	assert_int_equal(t.outside, 2);
	report_free(r);

	assert_int_equal(report_parse_since("30d", 1000000000, &since, err, sizeof(err)), 0);
	assert_int_equal(since, 1000000000 - 30 * 86400);
	assert_int_equal(report_parse_since("12h", 1000000000, &since, err, sizeof(err)), 0);
	assert_int_equal(since, 1000000000 - 12 * 3600);
	assert_int_equal(report_parse_since("all", 1000000000, &since, err, sizeof(err)), 0);
	assert_int_equal(since, 0);
	assert_int_equal(report_parse_since("7x", 1000000000, &since, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "7x"));
	assert_int_equal(report_parse_since("d", 1000000000, &since, err, sizeof(err)), -1);
	assert_int_equal(report_parse_since("-5d", 1000000000, &since, err, sizeof(err)), -1);
}

/* More domains than the cap: the rest go to one bucket, counts stay exact. */
static void
t_domain_cap(void **state)
{
	struct report *r = report_new(0);
	struct report_totals t;
	struct report_whatif w;
	char line[512];

	(void)state;
	for (int i = 0; i < REPORT_MAX_DOMAINS + 500; i++) {
		snprintf(line, sizeof(line), "decision ts=2026-11-20T10:00:00Z domain=d%d.test spf=fail dkim=none action=accept", i);
		assert_int_equal(L(line), 1);
	}
	report_totals(r, &t);
	assert_int_equal(t.decisions, REPORT_MAX_DOMAINS + 500);
	assert_int_equal(t.domains, REPORT_MAX_DOMAINS + 1);
	assert_int_equal(t.domain_overflow, 500);
	report_whatif(r, REPORT_WHATIF_SPF_FAIL, &w);
	assert_int_equal(w.msgs, REPORT_MAX_DOMAINS + 500);
	report_free(r);
}

/* Hostile values: overlong lines are skipped by the reader; HTML escapes domains. */
static void
t_hostile(void **state)
{
	struct report *r = report_new(0);
	struct report_totals t;
	char *big = malloc(KV_LINE_MAX * 2), *page = NULL;
	size_t plen = 0;
	FILE *f, *in;
	char err[200];

	(void)state;
	L("decision ts=2026-11-20T10:00:00Z domain=<script>alert(1)</script> spf=fail dkim=none action=accept");
	L("decision ts=2026-11-20T10:00:00Z domain=\"a\\x00b\" spf=fail dkim=none action=accept");
	memset(big, 'x', KV_LINE_MAX * 2 - 2);
	memcpy(big, "decision ts=2026-11-20T10:00:00Z spf=fail action=accept helo=", 62);
	big[KV_LINE_MAX * 2 - 2] = '\n';
	in = fmemopen(big, KV_LINE_MAX * 2 - 1, "r");
	assert_int_equal(report_read(r, in, "mem", err, sizeof(err)), 0);
	fclose(in);
	report_totals(r, &t);
	assert_int_equal(t.overlong, 1);
	assert_int_equal(t.decisions, 2);
	f = open_memstream(&page, &plen);
	assert_int_equal(report_write_html(r, f, "<log>"), 0);
	fclose(f);
	assert_null(strstr(page, "<script>"));
	assert_non_null(strstr(page, "&lt;script&gt;"));
	assert_non_null(strstr(page, "<svg"));
	assert_non_null(strstr(page, "</html>"));
	free(page);
	free(big);
	report_free(r);
}

/* The text report prints the lines scripts read. */
static void
t_text_lines(void **state)
{
	struct report *r = report_new(0);
	char *txt = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < sizeof(LINES) / sizeof(LINES[0]); i++)
		L(LINES[i]);
	f = open_memstream(&txt, &len);
	report_print_text(r, f, "x.log");
	fclose(f);
	assert_non_null(strstr(txt, "\n  spf=fail                       2   28.6%\n"));
	assert_non_null(strstr(txt, "\nfail→reject would have refused 2 messages from 2 domains; 1 of them also passed DKIM (likely forwarders or mailing lists); 1 already refused\n"));
	assert_non_null(strstr(txt, "\ntemperror→tempfail would have deferred 1 messages from 1 domains;"));
	assert_non_null(strstr(txt, "  spf=fail: fwd.test (1), spam.test (1)\n"));
	free(txt);
	report_free(r);
}

/* DMARC: counts per result and what honouring p=reject / p=quarantine would do. */
static void
t_dmarc_whatif(void **state)
{
	static const char *const dl[] = {
		"ts=2026-11-20T10:00:00Z qid=A spf=pass dkim=none action=accept dmarc=fail dmarc_from=bank.test dmarc_p=reject dmarc_req=reject",
		"ts=2026-11-20T10:00:01Z qid=B spf=pass dkim=none action=reject reason=dmarc dmarc=fail dmarc_from=bank.test dmarc_p=reject dmarc_req=reject",
		"ts=2026-11-20T10:00:02Z qid=C spf=pass dkim=none action=accept dmarc=fail dmarc_from=shop.test dmarc_p=reject dmarc_req=quarantine",
		"ts=2026-11-20T10:00:03Z qid=D spf=pass dkim=none action=quarantine dmarc=fail dmarc_from=shop.test dmarc_p=quarantine dmarc_req=quarantine",
		"ts=2026-11-20T10:00:04Z qid=E spf=pass dkim=pass action=accept dmarc=pass dmarc_from=ok.test dmarc_p=reject dmarc_req=none",
		"ts=2026-11-20T10:00:05Z qid=F spf=pass dkim=none action=accept dmarc=fail dmarc_from=mon.test dmarc_p=none dmarc_req=none",
	};
	struct report *r = report_new(0);
	char *txt = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < sizeof(dl) / sizeof(dl[0]); i++)
		assert_int_equal(L(dl[i]), 1);
	assert_int_equal(report_count(r, "dmarc", "fail"), 5);
	assert_int_equal(report_count(r, "dmarc", "pass"), 1);
	f = open_memstream(&txt, &len);
	report_print_text(r, f, "x.log");
	fclose(f);
	assert_non_null(strstr(txt, "\n  dmarc=fail                     5   83.3%\n"));
	assert_non_null(strstr(txt, "\ndmarc p=reject honoured would have refused 2 messages; 1 already refused\n"));
	assert_non_null(strstr(txt, "\ndmarc p=quarantine honoured would have quarantined 2 messages; 1 already quarantined or refused\n"));
	free(txt);
	report_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_counts),
		cmocka_unit_test(t_window),
		cmocka_unit_test(t_domain_cap),
		cmocka_unit_test(t_hostile),
		cmocka_unit_test(t_text_lines),
		cmocka_unit_test(t_dmarc_whatif),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
