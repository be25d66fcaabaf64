/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_dkim_message.c - hostile messages through the DKIM verifier (no DNS:
 * every key lookup is temperror, so the tag checks, the signature parser and
 * our header canonicalization see arbitrary input) and through the tag-list,
 * signature and key-record checks directly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dkim.h"
#include "dkim_canon.h"
#include "dkim_file.h"
#include "dkim_tags.h"
#include "log.h"

static struct dkim_engine *eng;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	if (eng == NULL) {
		struct dkim_options o = { .max_signatures = 8 };
		log_open("fuzz", "/dev/null", LOG_L_ERROR, err, sizeof(err));
		eng = dkim_engine_new(&o, NULL, err, sizeof(err));
		if (eng == NULL)
			abort();
	}
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	/* the tag checks on the raw input */
	struct dkim_sigtags st;
	dkim_sig_check(s, strlen(s), 1800000000, &st, err, sizeof(err));
	dkim_sigtags_free(&st);
	struct dkim_keyinfo ki;
	for (int a = 0; a < 3; a++) {
		dkim_key_check(s, strlen(s), (enum dkim_alg)a, &ki, err, sizeof(err));
		dkim_keyinfo_free(&ki);
	}
	struct dkim_bodycanon bc;
	unsigned char d[32];
	if (dkim_bodycanon_init(&bc, size & 1 ? DKIM_C_RELAXED : DKIM_C_SIMPLE) == 0) {
		dkim_bodycanon_update(&bc, data, size);
		dkim_bodycanon_final(&bc, d);
	}

	/* our header canonicalization for every checked signature: split "Name:value" lines */
	struct dkim_hdr h[64];
	size_t nh = 0;
	for (char *line = s, *nl; line && *line && nh < 64; line = nl) {
		nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (nl)
			nl++;
		char *colon = memchr(line, ':', len);
		if (colon == NULL)
			break;
		h[nh].raw = line;
		h[nh].len = len;
		h[nh].namelen = (size_t)(colon - line);
		nh++;
	}
	for (size_t i = 0; i < nh; i++) {
		char *v = strndup(h[i].raw + h[i].namelen + 1, h[i].len - h[i].namelen - 1);
		if (v && dkim_sig_check(v, strlen(v), 0, &st, err, sizeof(err)) == 0) {
			struct buf out;
			buf_init(&out, 1 << 20);
			dkim_canon_headers(h, nh, i, &st, &out);
			buf_free(&out);
		}
		dkim_sigtags_free(&st);
		free(v);
	}

	/* the whole message */
	struct dkim_msg *m = dkim_msg_new(eng, DKIM_MODE_VERIFY, "fuzz", err, sizeof(err));
	if (m) {
		dkim_feed_message(m, s, size);
		struct dkim_report r;
		dkim_msg_eom(m, &r);
		dkim_report_clear(&r);
		dkim_msg_free(m);
	}
	free(s);
	return 0;
}
