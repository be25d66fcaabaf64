/*
 * quote.c - value quoting for key=value log lines (see quote.h).
 */
#include <string.h>

#include "quote.h"

static int
is_bare(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '\\')
			return 0;
	return 1;
}

int
quote_value(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	if (s == NULL || *s == '\0')
		return buf_putc(b, '-');
	if (is_bare(s))
		return buf_puts(b, s);
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, *p);
		} else if (*p < ' ' || *p >= 0x7f) {
			char x[4] = { '\\', 'x', hex[*p >> 4], hex[*p & 15] };
			buf_append(b, x, sizeof(x));
		} else
			buf_putc(b, *p);
	}
	buf_putc(b, '"');
	return b->failed ? -1 : 0;
}

int
quote_kv(struct buf *b, const char *key, const char *s)
{
	buf_putc(b, ' ');
	buf_puts(b, key);
	buf_putc(b, '=');
	return quote_value(b, s);
}
