/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kvline.h - key=value log lines (decision log, spam log): quote values when
 * writing, split and unquote when reading.
 *
 * Quoting rule (shared-formats.md): a value is written bare when it holds
 * only printable ASCII without space, '"' or '\'; otherwise it is written in
 * double quotes with \" and \\ escaped and control or 8-bit bytes as \xHH.
 * An empty or NULL value is written as "-".
 *
 * The parser accepts exactly that: `key=bare` or `key="quoted"` tokens
 * separated by spaces. It copies decoded values into the struct it fills, so
 * the input line may be freed afterwards. Caps: KV_LINE_MAX bytes of line,
 * KV_MAX_FIELDS fields, KV_KEY_MAX bytes per key; longer input is an error.
 * A decoded \x00 becomes '?' so values stay C strings.
 */
#ifndef SPFDKIM_KVLINE_H
#define SPFDKIM_KVLINE_H

#include <stddef.h>

#include "buf.h"

#define KV_LINE_MAX   16384  /* bytes of one line we parse or write */
#define KV_MAX_FIELDS 32     /* fields of one parsed line */
#define KV_KEY_MAX    32     /* bytes of one key, NUL included */

struct kvline {
	size_t n;
	struct {
		char key[KV_KEY_MAX];
		size_t off;                 /* value start in store */
	} f[KV_MAX_FIELDS];
	char store[KV_LINE_MAX + 1];        /* decoded values, NUL-separated */
	size_t used;
};

/* Appends value v quoted per the rule above ("-" when NULL or ""). 0 or -1 (buffer cap). */
int kv_quote(struct buf *b, const char *v);
/* Appends " key=value" (no leading space when b is empty). 0 or -1. */
int kv_put(struct buf *b, const char *key, const char *v);

/*
 * Parses len bytes of s (no newline needed; a trailing CR/LF is ignored) into
 * out. 0, or -1 with a reason naming the offending token in err.
 */
int kv_parse(const char *s, size_t len, struct kvline *out, char *err, size_t errlen);
/* The decoded value of key, or NULL when the line has no such key. */
const char *kv_get(const struct kvline *kv, const char *key);

#endif
