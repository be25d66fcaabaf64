/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_arc.c - libFuzzer target: the ARC header parser. The input is a
 * header section ("Name:value" lines, folded lines start with white
 * space); arc_collect() must sort or refuse any of it without a crash,
 * leak or overread, and a chain it accepts must be complete (every
 * instance 1..n has its three fields, of the right kind). Each ARC field
 * also goes through the ARC tag checks, and each accepted seal through
 * arc_seal_data().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "dkim_arc.h"
#include "dkim_tags.h"

#define FUZZ_HDRS_MAX 160

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_hdr h[FUZZ_HDRS_MAX];
	size_t n = 0;
	const char *p = (const char *)data, *end = p + size;

	while (p < end && n < FUZZ_HDRS_MAX) {
		const char *e = p;
		while (e < end && !(*e == '\n' && (e + 1 >= end || (e[1] != ' ' && e[1] != '\t'))))
			e++;
		const char *colon = memchr(p, ':', (size_t)(e - p));
		if (colon != NULL) {
			size_t len = (size_t)(e - p);
			h[n].raw = malloc(len + 1);
			memcpy(h[n].raw, p, len);
			h[n].raw[len] = '\0';
			h[n].len = len;
			h[n].namelen = (size_t)(colon - p);
			n++;
		}
		p = e < end ? e + 1 : e;
	}

	char why[160];
	struct arc_sets s;
	time_t now = 1765000000;
	for (size_t i = 0; i < n; i++) {
		int k = arc_header_kind(&h[i]);
		if (k == ARC_AMS || k == ARC_AS) {
			struct dkim_sigtags t;
			if (dkim_sig_check_kind(h[i].raw + h[i].namelen + 1, h[i].len - h[i].namelen - 1, now,
			                        k == ARC_AMS ? DKIM_SIG_AMS : DKIM_SIG_AS, &t, why, sizeof(why)) == 0 &&
			    (t.instance < 1 || t.instance > DKIM_ARC_INSTANCES_MAX))
				__builtin_trap();
			dkim_sigtags_free(&t);
		}
	}
	if (arc_collect(h, n, &s, why, sizeof(why)) == ARC_PASS) {
		if (s.n < 1 || s.n > DKIM_ARC_INSTANCES_MAX)
			__builtin_trap();
		for (size_t i = 0; i < s.n; i++)
			for (int k = 0; k < 3; k++)
				if (s.hidx[i][k] >= n || arc_header_kind(&h[s.hidx[i][k]]) != k)
					__builtin_trap();
		for (size_t i = 1; i <= s.n; i++) {
			const struct dkim_hdr *as = &h[s.hidx[i - 1][ARC_AS]];
			struct dkim_sigtags t;
			if (dkim_sig_check_kind(as->raw + as->namelen + 1, as->len - as->namelen - 1, now,
			                        DKIM_SIG_AS, &t, why, sizeof(why)) == 0) {
				struct buf b;
				buf_init(&b, 1 << 20);
				(void)arc_seal_data(h, n, &s, i, &t, &b);
				buf_free(&b);
			}
			dkim_sigtags_free(&t);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(h[i].raw);
	return 0;
}
