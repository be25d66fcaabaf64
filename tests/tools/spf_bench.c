/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_bench.c - SPF engine throughput with a warm cache, for `make bench`.
 *
 *   spf_bench [-n CHECKS] [-j THREADS] [-w FILE] RESOLVER
 *
 * RESOLVER is "host@port" (a resolver serving tests/dns/zones/spf-bench.zone,
 * e.g. the test unbound: TEST_DNS) or "" for /etc/resolv.conf. The workload
 * is 50 domains d01..d50.spfbench.test in five record shapes (ip4 only;
 * ip4 + include; mx + a; a + include + redirect over IPv6; exists with
 * %{i}), each checked from an address that passes through the shape's
 * deepest term. -w FILE replaces it: lines "IP SENDER [HELO]".
 *
 * One warm-up pass fills the cache; then CHECKS checks (default 20000) run
 * round-robin on THREADS threads (default 1) sharing one resolver. Prints:
 *   spf checks/s: X
 *   upstream queries per check: Y      (dns_stats upstream, measured pass)
 * and, before those, the workload, the results seen and the DNS lookups
 * (cache hits included) per check. Exit 1 if a check did not pass (the
 * data is not served), 2 on usage errors. Caps: 1000 workload lines.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "spf.h"

#define MAX_WORK 1000

struct item {
	char ip[64];
	char sender[320];
	char helo[256];
};

static struct item work[MAX_WORK];
static size_t nwork;
static struct dns_resolver *res;
static unsigned long per_thread;
static unsigned long counts[8][SPF_RESULT_COUNT];
static unsigned long long lookups[8];

static void
builtin_workload(void)
{
	for (int i = 1; i <= 50; i++) {
		struct item *w = &work[nwork++];
		switch (i % 5) {
		case 0: snprintf(w->ip, sizeof(w->ip), "192.0.2.%d", i); break;
		case 1: snprintf(w->ip, sizeof(w->ip), "203.0.113.%d", i); break;
		case 2: snprintf(w->ip, sizeof(w->ip), "192.0.2.%d", 100 + i); break;
		case 3: snprintf(w->ip, sizeof(w->ip), "2001:db8:%d::%x", 10 + (i + 1) % 5, i); break;
		default: snprintf(w->ip, sizeof(w->ip), "192.0.2.%d", i); break;
		}
		snprintf(w->sender, sizeof(w->sender), "user%d@d%02d.spfbench.test", i, i);
		snprintf(w->helo, sizeof(w->helo), "mail.d%02d.spfbench.test", i);
	}
}

static int
file_workload(const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[1024];
	int lineno = 0;

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL && nwork < MAX_WORK) {
		struct item *w = &work[nwork];
		lineno++;
		w->helo[0] = '\0';
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%63s %319s %255s", w->ip, w->sender, w->helo) < 2) {
			fprintf(stderr, "%s:%d: expected 'IP SENDER [HELO]'\n", path, lineno);
			fclose(fp);
			return -1;
		}
		if (strcmp(w->sender, "<>") == 0)
			w->sender[0] = '\0';
		nwork++;
	}
	fclose(fp);
	return nwork ? 0 : -1;
}

static void
one(size_t k, int slot)
{
	struct spf_request req = { 0 };
	struct spf_response resp;
	struct spf_limits lim;

	spf_limits_default(&lim);
	req.client_ip = work[k].ip;
	req.sender = work[k].sender;
	req.helo = work[k].helo;
	spf_check_host(res, &req, &lim, &resp);
	counts[slot][resp.result]++;
	lookups[slot] += resp.dns_queries;
}

static void *
runner(void *arg)
{
	int slot = (int)(intptr_t)arg;

	for (unsigned long i = 0; i < per_thread; i++)
		one((i + (unsigned long)slot * 7) % nwork, slot);
	return NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	unsigned long checks = 20000;
	int threads = 1, c;
	const char *wfile = NULL;
	struct dns_options o = { 0 };
	struct dns_stats s0, s1;
	char err[256];
	pthread_t th[8];

	while ((c = getopt(argc, argv, "n:j:w:")) != -1) {
		if (c == 'n') checks = strtoul(optarg, NULL, 10);
		else if (c == 'j') threads = atoi(optarg);
		else if (c == 'w') wfile = optarg;
		else return 2;
	}
	if (optind + 1 != argc || checks == 0 || threads < 1 || threads > 8) {
		fprintf(stderr, "usage: spf_bench [-n CHECKS] [-j THREADS(1-8)] [-w FILE] RESOLVER\n");
		return 2;
	}
	if (wfile ? file_workload(wfile) < 0 : (builtin_workload(), 0) < 0)
		return 2;
	o.forwarders = argv[optind];
	res = dns_resolver_new(&o, err, sizeof(err));
	if (res == NULL) {
		fprintf(stderr, "spf_bench: resolver '%s': %s\n", argv[optind], err);
		return 2;
	}
	/* Warm-up: one pass fills the cache. */
	for (size_t k = 0; k < nwork; k++)
		one(k, 0);
	memset(counts, 0, sizeof(counts));
	memset(lookups, 0, sizeof(lookups));

	per_thread = (checks + (unsigned long)threads - 1) / (unsigned long)threads;
	dns_stats_get(res, &s0);
	double t0 = now_s();
	for (int t = 0; t < threads; t++)
		pthread_create(&th[t], NULL, runner, (void *)(intptr_t)t);
	for (int t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	double dt = now_s() - t0;
	dns_stats_get(res, &s1);

	unsigned long total = per_thread * (unsigned long)threads, tally[SPF_RESULT_COUNT] = { 0 };
	unsigned long long lk = 0;
	for (int t = 0; t < threads; t++) {
		lk += lookups[t];
		for (int r = 0; r < SPF_RESULT_COUNT; r++)
			tally[r] += counts[t][r];
	}
	printf("spf workload: %zu domains, %lu checks, %d thread(s), warm cache, resolver %s\n",
	       nwork, total, threads, argv[optind][0] ? argv[optind] : "/etc/resolv.conf");
	printf("spf results:");
	for (int r = 0; r < SPF_RESULT_COUNT; r++)
		if (tally[r])
			printf(" %s=%lu", spf_result_str((enum spf_result)r), tally[r]);
	printf("\n");
	printf("spf dns lookups per check: %.2f (cache hits included)\n", (double)lk / (double)total);
	printf("spf checks/s: %.0f\n", dt > 0 ? (double)total / dt : 0.0);
	printf("upstream queries per check: %.4f\n", (double)(s1.upstream - s0.upstream) / (double)total);
	dns_resolver_free(res);
	return (!wfile && tally[SPF_RESULT_PASS] != total) ? 1 : 0;
}
