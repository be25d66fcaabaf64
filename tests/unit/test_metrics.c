/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_metrics.c - the monitoring counters: results land on their own label,
 * unknown values on "other", the histogram is cumulative, counting from many
 * threads loses nothing, and MetricsSocket values parse or are refused.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"

/* The value of one series line in text, or -1. */
static long long
series(const char *text, const char *name)
{
	char pat[256];
	const char *p;

	snprintf(pat, sizeof(pat), "\n%s ", name);
	if ((p = strstr(text, pat)) == NULL)
		return -1;
	return atoll(p + strlen(pat));
}

static long long
scrape(const char *name)
{
	struct buf b;
	struct metrics_ext x = { .have_dns = 1, .dns_upstream = 7, .have_spam = 1, .spam_bytes = 4096 };
	long long v;

	buf_init(&b, 0);
	assert_int_equal(metrics_render(&b, &x), 0);
	v = series(buf_cstr(&b), name);
	buf_free(&b);
	return v;
}

static void
results_count_on_their_label_unknown_on_other(void **st)
{
	long long pass0 = scrape("spfdkim_auth_results_total{method=\"spf\",result=\"pass\"}");
	long long other0 = scrape("spfdkim_auth_results_total{method=\"dkim\",result=\"other\"}");
	(void)st;
	metrics_result("spf", "pass");
	metrics_result("spf", "pass");
	metrics_result("dkim", "something-new");
	metrics_result("nosuchmethod", "pass");   /* ignored */
	metrics_result("spf", NULL);              /* not checked: ignored */
	metrics_result("spf", "-");               /* the decision line's "not checked" */
	assert_int_equal(scrape("spfdkim_auth_results_total{method=\"spf\",result=\"pass\"}"), pass0 + 2);
	assert_int_equal(scrape("spfdkim_auth_results_total{method=\"dkim\",result=\"other\"}"), other0 + 1);
	metrics_action("save-reject");
	metrics_skip("whitelist");
	assert_true(scrape("spfdkim_actions_total{action=\"save-reject\"}") >= 1);
	assert_true(scrape("spfdkim_skipped_total{reason=\"whitelist\"}") >= 1);
	assert_int_equal(scrape("spfdkim_dns_queries_total"), 7);
	assert_int_equal(scrape("spfdkim_spamfolder_bytes"), 4096);
}

static void
histogram_is_cumulative(void **st)
{
	long long c0 = scrape("spfdkim_decision_seconds_count");
	long long le1 = scrape("spfdkim_decision_seconds_bucket{le=\"0.001\"}");
	long long le50 = scrape("spfdkim_decision_seconds_bucket{le=\"0.05\"}");
	long long inf = scrape("spfdkim_decision_seconds_bucket{le=\"+Inf\"}");
	(void)st;
	metrics_decision_ms(0);
	metrics_decision_ms(30);
	metrics_decision_ms(60000);
	assert_int_equal(scrape("spfdkim_decision_seconds_count"), c0 + 3);
	assert_int_equal(scrape("spfdkim_decision_seconds_bucket{le=\"0.001\"}"), le1 + 1);
	assert_int_equal(scrape("spfdkim_decision_seconds_bucket{le=\"0.05\"}"), le50 + 2);
	assert_int_equal(scrape("spfdkim_decision_seconds_bucket{le=\"+Inf\"}"), inf + 3);
}

#define THREADS 4
#define PER_THREAD 100000

static void *
hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < PER_THREAD; i++) {
		metrics_inc(MC_MESSAGES);
		metrics_session_open();
		metrics_session_close();
	}
	return NULL;
}

static void
threads_lose_no_count(void **st)
{
	pthread_t t[THREADS];
	long long m0 = scrape("spfdkim_messages_total");
	(void)st;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(scrape("spfdkim_messages_total"), m0 + THREADS * PER_THREAD);
	assert_int_equal(scrape("spfdkim_sessions_active"), 0);
}

static void
socket_specs(void **st)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char err[256];
	(void)st;
	assert_int_equal(metrics_parse_socket("inet:9894@127.0.0.1", &ss, &sl, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9894);
	assert_int_equal(metrics_parse_socket("inet:9894", &ss, &sl, err, sizeof(err)), 0);
	assert_int_equal(metrics_parse_socket("inet6:9894@[::1]", &ss, &sl, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(metrics_parse_socket("unix:/run/x", &ss, &sl, err, sizeof(err)), -1);
	assert_int_equal(metrics_parse_socket("inet:0@127.0.0.1", &ss, &sl, err, sizeof(err)), -1);
	assert_int_equal(metrics_parse_socket("inet:123456789@127.0.0.1", &ss, &sl, err, sizeof(err)), -1);
	assert_int_equal(metrics_parse_socket("inet:9894@localhost", &ss, &sl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "localhost"));
	assert_int_equal(metrics_parse_socket("inet6:9894@127.0.0.1", &ss, &sl, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(results_count_on_their_label_unknown_on_other),
		cmocka_unit_test(histogram_is_cumulative),
		cmocka_unit_test(threads_lose_no_count),
		cmocka_unit_test(socket_specs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
