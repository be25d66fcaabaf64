/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_kvline.c - hostile decision-log and spam-log lines through the
 * key=value parser (what spfdkim-ctl report and spamlog read), and every
 * parsed value back through the quoting writer: writing then parsing a value
 * must give the same value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kvline kv, back;
	char err[256];
	struct buf b;

	if (kv_parse((const char *)data, size, &kv, err, sizeof(err)) < 0)
		return 0;
	buf_init(&b, 4 * KV_LINE_MAX);
	for (size_t i = 0; i < kv.n; i++)
		kv_put(&b, kv.f[i].key, kv.store + kv.f[i].off);
	if (!b.failed && b.len <= KV_LINE_MAX &&
	    kv_parse(b.data ? b.data : "", b.len, &back, err, sizeof(err)) == 0) {
		if (back.n != kv.n)
			abort();
		for (size_t i = 0; i < kv.n; i++) {
			const char *v = kv.store + kv.f[i].off;
			const char *w = back.store + back.f[i].off;
			/* "" is written as "-", which reads back as "-". */
			if (strcmp(v, w) != 0 && !(v[0] == '\0' && strcmp(w, "-") == 0))
				abort();
		}
	}
	buf_free(&b);
	return 0;
}
