/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_threads.c - test helper: one shared dkim_engine (as the milter
 * shares it between libmilter's threads) used by THREADS threads at once,
 * each signing (RSA + Ed25519, dual) and verifying FILE ROUNDS times.
 *
 *   dkim_threads -k KEYTABLE -S SIGNINGTABLE -r HOST@PORT [-j THREADS] [-n ROUNDS] FILE
 *
 * FILE must carry signatures that pass (e.g. from dkim_sign_file). Prints
 * "threads=J rounds=N verified=V passed=P signed=S" and exits 0 when every
 * verification gave as many passes as the first one and every signing made
 * as many signatures as the first one.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dkim.h"
#include "dkim_file.h"
#include "dns.h"
#include "log.h"

static struct dkim_engine *eng;
static struct buf msg;
static unsigned rounds = 50;
static size_t want_pass, want_sigs;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long verified, passed, signed_ok, bad;

static size_t
run(enum dkim_mode mode)
{
	char err[256];
	struct dkim_msg *m = dkim_msg_new(eng, mode, "thr", err, sizeof(err));
	if (m == NULL)
		return (size_t)-1;
	dkim_feed_message(m, msg.data, msg.len);
	struct dkim_report r;
	dkim_msg_eom(m, &r);
	size_t n = 0;
	if (mode == DKIM_MODE_SIGN)
		n = r.nadd;
	else
		for (size_t i = 0; i < r.nsigs; i++)
			n += r.sig[i].verdict == DKIM_V_PASS;
	dkim_report_clear(&r);
	dkim_msg_free(m);
	return n;
}

static void *
worker(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < rounds; i++) {
		size_t p = run(DKIM_MODE_VERIFY), s = run(DKIM_MODE_SIGN);
		pthread_mutex_lock(&lock);
		verified++;
		passed += p == want_pass;
		signed_ok += s == want_sigs;
		bad += (p != want_pass) + (s != want_sigs);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct dkim_options o = { 0 };
	const char *resolver = NULL;
	unsigned threads = 8;
	char err[512];
	int c;

	while ((c = getopt(argc, argv, "k:S:r:j:n:")) != -1) {
		switch (c) {
		case 'k': o.key_table = optarg; break;
		case 'S': o.signing_table = optarg; break;
		case 'r': resolver = optarg; break;
		case 'j': threads = (unsigned)atoi(optarg); break;
		case 'n': rounds = (unsigned)atoi(optarg); break;
		default: goto usage;
		}
	}
	if (optind + 1 != argc || resolver == NULL || threads == 0 || threads > 64)
		goto usage;
	log_open("dkim_threads", "stderr", LOG_L_ERROR, err, sizeof(err));
	FILE *fp = fopen(argv[optind], "rb");
	if (fp == NULL) {
		perror(argv[optind]);
		return 2;
	}
	buf_init(&msg, 0);
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		buf_append(&msg, tmp, n);
	fclose(fp);
	struct dns_options dopt = { .forwarders = resolver };
	struct dns_resolver *dns = dns_resolver_new(&dopt, err, sizeof(err));
	eng = dns ? dkim_engine_new(&o, dns, err, sizeof(err)) : NULL;
	if (eng == NULL) {
		fprintf(stderr, "dkim_threads: %s\n", err);
		return 2;
	}
	want_pass = run(DKIM_MODE_VERIFY);
	want_sigs = run(DKIM_MODE_SIGN);
	if (want_pass == 0 || want_sigs == 0) {
		fprintf(stderr, "dkim_threads: the first verification passed %zu, signing made %zu\n",
		        want_pass, want_sigs);
		return 1;
	}
	pthread_t t[64];
	for (unsigned i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (unsigned i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("threads=%u rounds=%u verified=%lu passed=%lu signed=%lu\n", threads, rounds, verified,
	       passed, signed_ok);
	dkim_engine_free(eng);
	dns_resolver_free(dns);
	buf_free(&msg);
	return bad == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: dkim_threads -k KEYTABLE -S SIGNINGTABLE -r HOST@PORT [-j THREADS] [-n ROUNDS] FILE\n");
	return 2;
}
