/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_dkim_canon.c - the run-based body canonicalizer (RFC 6376 3.4.3,
 * 3.4.4) against a plain line-by-line reference written from the RFC text:
 * the same digest whatever the chunking, CRLF or LF input, trailing empty
 * lines, bare CRs, and l= limits shorter and longer than the body.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "buf.h"
#include "dkim_canon.h"

/* The reference: split into lines at LF (a CR just before it belongs to
   the line end, any other CR is data), canonicalize each line, drop the
   trailing empty lines, end every line with CRLF. Returns a malloc'd string. */
static char *
ref_canon(const char *body, size_t n, int relaxed, size_t *outlen)
{
	struct buf out;
	buf_init(&out, 0);
	size_t keep = 0;                /* length up to the last non-empty line */
	size_t i = 0;
	while (i < n) {
		const char *nl = memchr(body + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - body) : n;
		size_t le = end;
		if (nl && le > i && body[le - 1] == '\r')
			le--;
		size_t start = out.len;
		if (relaxed) {
			int sp = 0;
			for (size_t k = i; k < le; k++) {
				if (body[k] == ' ' || body[k] == '\t') {
					sp = 1;
					continue;
				}
				if (sp)
					buf_putc(&out, ' ');
				sp = 0;
				buf_putc(&out, body[k]);
			}
		} else {
			buf_append(&out, body + i, le - i);
		}
		int empty = out.len == start;
		buf_append(&out, "\r\n", 2);
		if (!empty)
			keep = out.len;
		i = nl ? end + 1 : n;
	}
	out.len = keep;
	if (!relaxed && keep == 0)
		buf_append(&out, "\r\n", 2);
	assert_false(out.failed);
	*outlen = out.len;
	char *s = malloc(out.len + 1);
	assert_non_null(s);
	memcpy(s, out.data ? out.data : "", out.len);
	s[out.len] = '\0';
	buf_free(&out);
	return s;
}

static void
sha(const char *p, size_t n, unsigned char d[32])
{
	unsigned l = 0;
	assert_int_equal(EVP_Digest(p, n, d, &l, EVP_sha256(), NULL), 1);
}

/* Feeds body in random pieces (chunk 0: one piece) with sinks for the given
   limits, and checks every digest and the total against the reference. */
static void
check_body(const char *body, size_t n, enum dkim_canon c, unsigned chunk_seed)
{
	size_t rl;
	char *ref = ref_canon(body, n, c == DKIM_C_RELAXED, &rl);
	long long limits[] = { -1, 0, 1, (long long)rl / 2, (long long)rl, (long long)rl + 7 };
	int idx[6];
	struct dkim_bodycanon *bc = malloc(sizeof(*bc));
	assert_non_null(bc);
	assert_int_equal(dkim_bodycanon_start(bc, c), 0);
	for (int k = 0; k < 6; k++) {
		idx[k] = dkim_bodycanon_sink(bc, limits[k]);
		assert_true(idx[k] >= 0);
	}
	unsigned r = chunk_seed;
	for (size_t i = 0; i < n;) {
		size_t take = n - i;
		if (chunk_seed) {
			r = r * 1103515245u + 12345u;
			take = 1 + (r >> 16) % 17;
			if (take > n - i)
				take = n - i;
		}
		dkim_bodycanon_update(bc, (const unsigned char *)body + i, take);
		i += take;
	}
	for (int k = 0; k < 6; k++) {
		unsigned char got[32], want[32];
		unsigned long long total = 0;
		assert_int_equal(dkim_bodycanon_digest(bc, idx[k], got, &total), 0);
		assert_int_equal(total, rl);
		size_t hl = limits[k] < 0 || (size_t)limits[k] > rl ? rl : (size_t)limits[k];
		sha(ref, hl, want);
		if (memcmp(got, want, 32) != 0)
			fail_msg("body digest differs: canon %s, seed %u, limit %lld, body \"%.*s\"",
			         c == DKIM_C_RELAXED ? "relaxed" : "simple", chunk_seed, limits[k],
			         (int)n, body);
	}
	dkim_bodycanon_free(bc);
	free(bc);
	free(ref);
}

static void
check_all_ways(const char *body, size_t n)
{
	for (int c = 0; c < 2; c++)
		for (unsigned seed = 0; seed < 8; seed++)
			check_body(body, n, (enum dkim_canon)c, seed);
}

static void
edge_bodies_match_the_reference_in_any_chunking(void **st)
{
	(void)st;
	static const char *const bodies[] = {
		"",                                  /* empty body */
		"\r\n", "\r\n\r\n\r\n", "\n\n\n",    /* only line ends */
		"abc",                               /* no final CRLF */
		"abc\r\n", "abc\n", "abc\r\n\r\n\r\n",
		" C \r\nD \t E\r\n\r\n\r\n",         /* RFC 6376 3.4.5 */
		"  leading\r\n\t\ttabs\r\n",
		"trailing   \r\nspace \t \r\n \r\n\t\r\n",
		"word  \t  \t  word\r\n",            /* a WSP run the chunks cut anywhere */
		"x\ry\r\n", "x\r\r\n", "x\r", "\r", "\r\r\n\r", "a \r b\r\n", "a \r\r\n",
		"mixed\nline\r\nends\n\r\n",
		" ", "\t \t", " \r\n \r\n",
		"a  b\r\n", "a \r\nb\r\n", "a\t b\r\n", "a \t\r\nb", "a\r\n b\r\n", "a\r\n\r\nb",
		"one two three\r\nfour five\r\n\r\nsix \r\n", "a\nb c\r\nd  \ne",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		check_all_ways(bodies[i], strlen(bodies[i]));
}

static void
random_bodies_match_the_reference_in_any_chunking(void **st)
{
	(void)st;
	/* short words, then long words with 8-bit and control bytes (the 8-byte scan) */
	static const char *const alphas[] = { "ab  \t\r\n\n", "abcdefghijklmnopqrstu\x80\xff\x01\x7f \r\n" };
	char body[400];
	unsigned r = 42;
	for (int t = 0; t < 800; t++) {
		const char *alpha = alphas[t % 2];
		size_t na = strlen(alpha);
		r = r * 1103515245u + 12345u;
		size_t n = (r >> 16) % sizeof(body);
		for (size_t i = 0; i < n; i++) {
			r = r * 1103515245u + 12345u;
			body[i] = alpha[(r >> 16) % na];
		}
		check_all_ways(body, n);
	}
}

static void
long_runs_and_many_empty_lines(void **st)
{
	(void)st;
	/* runs longer than the output block go straight to the hash */
	size_t n = 3 * DKIM_BODYCANON_BLOCK + 100;
	char *b = malloc(n);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (char)('a' + i % 26);
	b[DKIM_BODYCANON_BLOCK] = ' ';
	b[DKIM_BODYCANON_BLOCK + 1] = ' ';
	check_all_ways(b, n);
	/* thousands of empty lines in the middle, then text */
	memset(b, '\n', n);
	b[n - 1] = 'z';
	check_all_ways(b, n);
	free(b);
}

static void
sinks_are_shared_and_fixed_before_the_body(void **st)
{
	(void)st;
	struct dkim_bodycanon *bc = malloc(sizeof(*bc));
	assert_non_null(bc);
	assert_int_equal(dkim_bodycanon_start(bc, DKIM_C_RELAXED), 0);
	int a = dkim_bodycanon_sink(bc, -1);
	assert_int_equal(dkim_bodycanon_sink(bc, -1), a);   /* same canon, no l=: one hash */
	int l = dkim_bodycanon_sink(bc, 10);
	assert_true(l >= 0 && l != a);
	assert_int_equal(dkim_bodycanon_sink(bc, 10), l);
	dkim_bodycanon_update(bc, (const unsigned char *)"hello\r\n", 7);
	assert_int_equal(dkim_bodycanon_sink(bc, 5), -1);    /* too late for a new one */
	assert_int_equal(dkim_bodycanon_sink(bc, 10), l);
	dkim_bodycanon_free(bc);
	free(bc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(edge_bodies_match_the_reference_in_any_chunking),
		cmocka_unit_test(random_bodies_match_the_reference_in_any_chunking),
		cmocka_unit_test(long_runs_and_many_empty_lines),
		cmocka_unit_test(sinks_are_shared_and_fixed_before_the_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
