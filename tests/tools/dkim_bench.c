/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_bench.c - DKIM throughput of the engine the milter uses (dkim.h), for
 * `make bench`: signatures and verifications per second and CPU-ms per
 * message for 10 KB and 100 KB messages, against the floor of one RSA-2048
 * verify plus a SHA-256 of the body measured here with the same OpenSSL
 * (what `openssl speed rsa2048` and `openssl speed -bytes N sha256` measure).
 *
 *   dkim_bench [-K KEYDIR] [-r HOST@PORT] [-t SECONDS] [-o sign|verify]
 *
 * KEYDIR (default tests/dkim/keys) holds r2048.private and ed1.private, the
 * keys tests/dns/zones/dkim.zone publishes for d1.dkim.test. Verification
 * needs that zone served (-r, e.g. the test unbound: tests/dns/unbound.sh);
 * without -r only signing is measured. Key lookups after the first are
 * answered from the DNS layer's cache, as for a busy milter. One thread.
 *
 * Output, one line per measurement:
 *   dkim_bench op=sign|verify alg=rsa-sha256|ed25519-sha256|rsa+ed25519 size=BYTES n=N per_s=X cpu_ms=Y
 *   dkim_bench op=floor size=BYTES rsa2048_verify_ms=A sha256_ms=B floor_ms=A+B
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "buf.h"
#include "dkim.h"
#include "dkim_file.h"
#include "dns.h"
#include "log.h"

static double
cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
make_message(struct buf *m, size_t size)
{
	buf_printf(m, "From: Bench <bench@d1.dkim.test>\r\nTo: rcpt@example.test\r\n"
	           "Subject: benchmark message of %zu bytes\r\nDate: Sun, 29 Nov 2026 12:00:00 +0000\r\n"
	           "Message-ID: <bench-%zu@d1.dkim.test>\r\nMIME-Version: 1.0\r\n"
	           "Content-Type: text/plain; charset=us-ascii\r\n\r\n", size, size);
	unsigned line = 0;
	while (m->len < size)
		buf_printf(m, "line %06u: the quick brown fox jumps over the lazy dog, 0123456789 \r\n", line++);
}

/* Signs msg once; returns the signed message (our fields on top) in out, or -1. */
static int
sign_once(struct dkim_engine *e, const struct buf *msg, struct buf *out)
{
	char err[256];
	struct dkim_msg *m = dkim_msg_new(e, DKIM_MODE_SIGN, "bench", err, sizeof(err));
	if (m == NULL)
		return -1;
	dkim_feed_message(m, msg->data, msg->len);
	struct dkim_report r;
	dkim_msg_eom(m, &r);
	int rc = r.nadd > 0 ? 0 : -1;
	if (out) {
		for (size_t i = 0; i < r.nadd; i++) {
			buf_puts(out, "DKIM-Signature: ");
			for (const char *p = r.add_value[i]; *p; p++) {
				if (*p == '\n')
					buf_putc(out, '\r');
				buf_putc(out, *p);
			}
			buf_puts(out, "\r\n");
		}
		buf_append(out, msg->data, msg->len);
	}
	dkim_report_clear(&r);
	dkim_msg_free(m);
	return rc;
}

static int
verify_once(struct dkim_engine *e, const struct buf *msg, size_t want_pass)
{
	char err[256];
	struct dkim_msg *m = dkim_msg_new(e, DKIM_MODE_VERIFY, "bench", err, sizeof(err));
	if (m == NULL)
		return -1;
	dkim_feed_message(m, msg->data, msg->len);
	struct dkim_report r;
	dkim_msg_eom(m, &r);
	size_t np = 0;
	for (size_t i = 0; i < r.nsigs; i++)
		np += r.sig[i].verdict == DKIM_V_PASS;
	dkim_report_clear(&r);
	dkim_msg_free(m);
	return np == want_pass ? 0 : -1;
}

static void
report(const char *op, const char *alg, size_t size, unsigned n, double wall, double cpu)
{
	printf("dkim_bench op=%s alg=%s size=%zu n=%u per_s=%.1f cpu_ms=%.3f\n", op, alg, size, n,
	       n / wall, cpu * 1000.0 / n);
	fflush(stdout);
}

/* One RSA-2048 verify and one SHA-256 over size bytes, each timed alone. */
static void
floor_line(const char *keydir, size_t size, double secs)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/r2048.private", keydir);
	FILE *fp = fopen(path, "r");
	EVP_PKEY *k = fp ? PEM_read_PrivateKey(fp, NULL, NULL, NULL) : NULL;
	if (fp)
		fclose(fp);
	if (k == NULL) {
		fprintf(stderr, "dkim_bench: cannot read %s\n", path);
		return;
	}
	unsigned char sig[512], data[64] = "header hash input";
	size_t slen = sizeof(sig);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, k);
	EVP_DigestSign(c, sig, &slen, data, sizeof(data));
	EVP_MD_CTX_free(c);
	unsigned n = 0;
	double t0 = cpu_now();
	do {
		c = EVP_MD_CTX_new();
		EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL, k);
		if (EVP_DigestVerify(c, sig, slen, data, sizeof(data)) != 1)
			fprintf(stderr, "dkim_bench: floor verify failed\n");
		EVP_MD_CTX_free(c);
		n++;
	} while (cpu_now() - t0 < secs / 2);
	double rsa_ms = (cpu_now() - t0) * 1000.0 / n;
	unsigned char *body = malloc(size), md[32];
	memset(body, 'x', size);
	unsigned mdl;
	n = 0;
	t0 = cpu_now();
	do {
		EVP_Digest(body, size, md, &mdl, EVP_sha256(), NULL);
		n++;
	} while (cpu_now() - t0 < secs / 2);
	double sha_ms = (cpu_now() - t0) * 1000.0 / n;
	free(body);
	EVP_PKEY_free(k);
	printf("dkim_bench op=floor size=%zu rsa2048_verify_ms=%.4f sha256_ms=%.4f floor_ms=%.4f\n",
	       size, rsa_ms, sha_ms, rsa_ms + sha_ms);
}

int
main(int argc, char **argv)
{
	const char *keydir = "tests/dkim/keys", *resolver = NULL, *only = NULL;
	double secs = 1.0;
	char err[512];
	int c;

	while ((c = getopt(argc, argv, "K:r:t:o:")) != -1) {
		switch (c) {
		case 'K': keydir = optarg; break;
		case 'r': resolver = optarg; break;
		case 't': secs = atof(optarg); break;
		case 'o': only = optarg; break;
		default:
			fprintf(stderr, "usage: dkim_bench [-K KEYDIR] [-r HOST@PORT] [-t SECONDS] [-o sign|verify]\n");
			return 2;
		}
	}
	log_open("dkim_bench", "stderr", LOG_L_ERROR, err, sizeof(err));
	char tmp[] = "/tmp/dkim_bench.XXXXXX";
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	char kt[600], st_rsa[600], st_ed[600], st_dual[600];
	snprintf(kt, sizeof(kt), "%s/KeyTable", tmp);
	snprintf(st_rsa, sizeof(st_rsa), "%s/st.rsa", tmp);
	snprintf(st_ed, sizeof(st_ed), "%s/st.ed", tmp);
	snprintf(st_dual, sizeof(st_dual), "%s/st.dual", tmp);
	FILE *fp = fopen(kt, "w");
	fprintf(fp, "rsa d1.dkim.test:r2048:%s/r2048.private\ned d1.dkim.test:ed1:%s/ed1.private\n",
	        keydir, keydir);
	fclose(fp);
	fp = fopen(st_rsa, "w"); fputs("d1.dkim.test rsa\n", fp); fclose(fp);
	fp = fopen(st_ed, "w"); fputs("d1.dkim.test ed\n", fp); fclose(fp);
	fp = fopen(st_dual, "w"); fputs("d1.dkim.test rsa,ed\n", fp); fclose(fp);

	struct dns_resolver *dns = NULL;
	if (resolver) {
		struct dns_options dopt = { .forwarders = resolver };
		if ((dns = dns_resolver_new(&dopt, err, sizeof(err))) == NULL) {
			fprintf(stderr, "dkim_bench: resolver %s: %s\n", resolver, err);
			return 2;
		}
	}
	static const struct { const char *alg, *st; size_t nsig; } algs[] = {
		{ "rsa-sha256", NULL, 1 }, { "ed25519-sha256", NULL, 1 }, { "rsa+ed25519", NULL, 2 },
	};
	const char *tables[] = { st_rsa, st_ed, st_dual };
	static const size_t sizes[] = { 10 * 1024, 100 * 1024 };
	int rc = 0;

	for (size_t si = 0; si < 2; si++) {
		struct buf msg;
		buf_init(&msg, 0);
		make_message(&msg, sizes[si]);
		for (size_t a = 0; a < 3; a++) {
			struct dkim_options o = { .key_table = kt, .signing_table = tables[a] };
			struct dkim_engine *e = dkim_engine_new(&o, dns, err, sizeof(err));
			if (e == NULL) {
				fprintf(stderr, "dkim_bench: %s\n", err);
				rc = 2;
				break;
			}
			struct buf signed_msg;
			buf_init(&signed_msg, 0);
			if (sign_once(e, &msg, &signed_msg) < 0) {
				fprintf(stderr, "dkim_bench: signing failed\n");
				rc = 1;
			}
			unsigned n = 0;
			double w0 = wall_now(), c0 = cpu_now();
			if (only == NULL || strcmp(only, "sign") == 0) {
				do {
					if (sign_once(e, &msg, NULL) < 0)
						rc = 1;
					n++;
				} while (wall_now() - w0 < secs);
				report("sign", algs[a].alg, sizes[si], n, wall_now() - w0, cpu_now() - c0);
			}
			if (dns && (only == NULL || strcmp(only, "verify") == 0)) {
				if (verify_once(e, &signed_msg, algs[a].nsig) < 0) {   /* warms the DNS cache */
					fprintf(stderr, "dkim_bench: %s signature does not verify (is the test DNS "
					        "serving tests/dns/zones/dkim.zone at %s?)\n", algs[a].alg, resolver);
					rc = 1;
				} else {
					n = 0;
					w0 = wall_now();
					c0 = cpu_now();
					do {
						if (verify_once(e, &signed_msg, algs[a].nsig) < 0)
							rc = 1;
						n++;
					} while (wall_now() - w0 < secs);
					report("verify", algs[a].alg, sizes[si], n, wall_now() - w0, cpu_now() - c0);
				}
			}
			buf_free(&signed_msg);
			dkim_engine_free(e);
		}
		if (only == NULL)
			floor_line(keydir, sizes[si], secs);
		buf_free(&msg);
	}
	dns_resolver_free(dns);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "dkim_bench: could not remove %s\n", tmp);
	return rc;
}
