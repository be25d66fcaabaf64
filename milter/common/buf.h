/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * buf.h - a growable byte buffer with a hard cap (compare Postfix's vstring).
 *
 * The buffer owns its storage; buf_free() releases it. The data is always
 * NUL-terminated (the NUL is not counted in len), so text users may read
 * buf.data as a C string. Every append checks the cap: input-driven sizes
 * can never grow without bound. After a failed append the buffer keeps its
 * old contents and `failed` is set, so callers may check once at the end.
 */
#ifndef SPFDKIM_BUF_H
#define SPFDKIM_BUF_H

#include <stddef.h>

struct buf {
	char *data;   /* NULL until the first append; use buf_cstr() for text */
	size_t len;   /* bytes used, excluding the terminating NUL */
	size_t cap;   /* bytes allocated */
	size_t max;   /* cap on len; 0 means SIZE_MAX/2 */
	int failed;   /* set by any append that hit the cap or ran out of memory */
};

void buf_init(struct buf *b, size_t max);
/* Each returns 0, or -1 (cap or ENOMEM) leaving the contents unchanged. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Always a valid C string ("" when empty). */
const char *buf_cstr(const struct buf *b);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Hands the storage to the caller (who frees it) and resets b. Never NULL on success. */
char *buf_take(struct buf *b);

#endif
