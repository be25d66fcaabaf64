/*
 * quote.h - value quoting for our key=value log lines (decision line, spam log).
 *
 * A value made only of printable ASCII without space, '"' or '\' is written
 * bare; anything else is written in double quotes with '"' and '\' escaped
 * and control or 8-bit bytes as \xHH. An empty or NULL value is written "-".
 * The format is shared with the spam log (see /tmp/shared-formats.md).
 */
#ifndef SPFDKIM_QUOTE_H
#define SPFDKIM_QUOTE_H

#include "buf.h"

/* Appends the quoted form of s (NULL or "" -> "-") to b. 0 or -1 (cap). */
int quote_value(struct buf *b, const char *s);
/* Appends " key=value" (value quoted as above). 0 or -1. */
int quote_kv(struct buf *b, const char *key, const char *s);

#endif
