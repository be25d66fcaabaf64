/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * canon_bench.c - what DKIM body hashing costs per message over the bench
 * corpus, for the report's "where the CPU goes":
 *
 *   canon_bench MESSAGE-FILE...
 *
 * For each message body (after the first blank line) it measures, in CPU
 * time of this process:
 *   - dkim_canon.c's streaming relaxed canonicalizer (dkim_bodycanon_*);
 *   - a run-based relaxed canonicalizer (below): ordinary bytes are copied
 *     in runs into a 16 KB buffer hashed in large blocks; only SP, HT, CR
 *     and LF are looked at one by one. It handles CRLF text only (what the
 *     corpus holds) and is a yardstick, not a replacement: its digest is
 *     checked against dkim_canon.c's for every message;
 *   - a plain SHA-256 of the body (the floor).
 * Prints one line each: ms per message and MB/s, and the digest mismatches.
 * Caps: messages larger than 4 MB are skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "dkim_canon.h"

#define MAX_FILE (4u * 1024 * 1024)

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct runcanon {
	EVP_MD_CTX *md;
	size_t crlf;          /* line ends held back (trailing empty lines vanish) */
	int wsp, any;
	unsigned char ob[16384];
	size_t ol;
};

static void rc_put(struct runcanon *f, const void *p, size_t n)
{
	if (f->ol + n > sizeof(f->ob)) {
		EVP_DigestUpdate(f->md, f->ob, f->ol);
		f->ol = 0;
	}
	if (n > sizeof(f->ob)) {
		EVP_DigestUpdate(f->md, p, n);
		return;
	}
	memcpy(f->ob + f->ol, p, n);
	f->ol += n;
}

static void rc_update(struct runcanon *f, const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && p[j] != '\r' && p[j] != '\n' && p[j] != ' ' && p[j] != '\t')
			j++;
		if (j > i) {
			for (; f->crlf > 0; f->crlf--)
				rc_put(f, "\r\n", 2);
			if (f->wsp) {
				rc_put(f, " ", 1);
				f->wsp = 0;
			}
			rc_put(f, p + i, j - i);
			f->any = 1;
		}
		if (j >= n)
			break;
		if (p[j] == ' ' || p[j] == '\t')
			f->wsp = 1;
		else if (p[j] == '\n') {
			f->wsp = 0;
			f->crlf++;
		}
		i = j + 1;
	}
}

int main(int argc, char **argv)
{
	static unsigned char buf[MAX_FILE];
	size_t total = 0;
	unsigned nm = 0, mismatch = 0;
	double t_lib = 0, t_run = 0, t_sha = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: canon_bench MESSAGE-FILE...\n");
		return 2;
	}
	for (int k = 1; k < argc; k++) {
		FILE *fp = fopen(argv[k], "rb");
		if (fp == NULL) {
			fprintf(stderr, "canon_bench: %s: cannot open\n", argv[k]);
			continue;
		}
		size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
		int big = !feof(fp);
		fclose(fp);
		buf[n] = '\0';
		unsigned char *b = (unsigned char *)strstr((char *)buf, "\r\n\r\n");
		if (big || b == NULL) {
			fprintf(stderr, "canon_bench: %s: skipped (over 4 MB or no body)\n", argv[k]);
			continue;
		}
		b += 4;
		size_t bl = n - (size_t)(b - buf);
		unsigned char d1[32], d2[32], d3[32];
		unsigned l = 0;
		total += bl;
		nm++;

		double t0 = cpu_now();
		struct dkim_bodycanon bc;
		if (dkim_bodycanon_init(&bc, DKIM_C_RELAXED) != 0)
			return 1;
		dkim_bodycanon_update(&bc, b, bl);
		if (dkim_bodycanon_final(&bc, d1) != 0)
			return 1;
		t_lib += cpu_now() - t0;

		t0 = cpu_now();
		static struct runcanon f;
		f.md = EVP_MD_CTX_new();
		f.crlf = 0;
		f.wsp = f.any = 0;
		f.ol = 0;
		if (f.md == NULL || EVP_DigestInit_ex(f.md, EVP_sha256(), NULL) != 1)
			return 1;
		rc_update(&f, b, bl);
		if (f.any)
			rc_put(&f, "\r\n", 2);
		EVP_DigestUpdate(f.md, f.ob, f.ol);
		EVP_DigestFinal_ex(f.md, d2, &l);
		EVP_MD_CTX_free(f.md);
		t_run += cpu_now() - t0;

		t0 = cpu_now();
		EVP_Digest(b, bl, d3, &l, EVP_sha256(), NULL);
		t_sha += cpu_now() - t0;
		if (memcmp(d1, d2, 32) != 0)
			mismatch++;
	}
	if (nm == 0)
		return 1;
	printf("%u bodies, average %.1f KB, relaxed body canonicalization + SHA-256 (CPU time):\n", nm,
	       (double)total / 1024.0 / nm);
	printf("  dkim_canon.c dkim_bodycanon_update: %.3f ms/msg %5.0f MB/s\n", t_lib * 1000 / nm,
	       (double)total / t_lib / 1e6);
	printf("  run-based yardstick:                %.3f ms/msg %5.0f MB/s (digest mismatches: %u)\n",
	       t_run * 1000 / nm, (double)total / t_run / 1e6, mismatch);
	printf("  SHA-256 alone (floor):              %.3f ms/msg %5.0f MB/s\n", t_sha * 1000 / nm,
	       (double)total / t_sha / 1e6);
	return 0;
}
