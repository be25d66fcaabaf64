/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spool_int.h - what the spool_*.c files share and nobody else uses: the
 * read size, a NUL-terminated copy, and the growth of the header and
 * recipient lists (with their caps, SPOOL_TOO_BIG past them).
 */
#ifndef XMAIL_BRIDGE_SPOOL_INT_H
#define XMAIL_BRIDGE_SPOOL_INT_H

#include <stddef.h>

#include "spool.h"

#define READ_STEP (64 * 1024)

/* p[0..n) as a fresh NUL-terminated string, or NULL. */
char *spool_memdup0(const char *p, size_t n);
/* Append to s->hdrs / s->rcpts (taking ownership): 0, -1 or SPOOL_TOO_BIG. */
int spool_push_hdr(struct spool *s, struct spool_hdr *h);
int spool_push_rcpt(struct spool *s, char *raw, size_t rawlen, char *addr);

#endif
