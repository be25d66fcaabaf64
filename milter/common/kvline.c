/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kvline.c - key=value log lines: quoting for writers, a strict splitter for
 * readers (the report and the spam-log table). See kvline.h for the rule.
 */
#include <stdio.h>
#include <string.h>

#include "kvline.h"

static int
is_bare(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
}

int
kv_quote(struct buf *b, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	int bare = 1;

	if (v == NULL || *v == '\0')
		return buf_putc(b, '-');
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (!is_bare(*p)) {
			bare = 0;
			break;
		}
	if (bare)
		return buf_puts(b, v);
	if (buf_putc(b, '"') < 0)
		return -1;
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			char e[2] = { '\\', (char)*p };
			if (buf_append(b, e, 2) < 0)
				return -1;
		} else if (*p < 0x20 || *p >= 0x7f) {
			char e[4] = { '\\', 'x', hex[*p >> 4], hex[*p & 15] };
			if (buf_append(b, e, 4) < 0)
				return -1;
		} else if (buf_putc(b, *p) < 0)
			return -1;
	}
	return buf_putc(b, '"');
}

int
kv_put(struct buf *b, const char *key, const char *v)
{
	if (b->len > 0 && buf_putc(b, ' ') < 0)
		return -1;
	if (buf_puts(b, key) < 0 || buf_putc(b, '=') < 0)
		return -1;
	return kv_quote(b, v);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
kv_parse(const char *s, size_t len, struct kvline *out, char *err, size_t errlen)
{
	size_t i = 0;

	out->n = 0;
	out->used = 0;
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if (len > KV_LINE_MAX) {
		snprintf(err, errlen, "line longer than %d bytes", KV_LINE_MAX);
		return -1;
	}
	for (;;) {
		size_t k0, klen;

		while (i < len && s[i] == ' ')
			i++;
		if (i >= len)
			return 0;
		if (out->n >= KV_MAX_FIELDS) {
			snprintf(err, errlen, "more than %d fields at offset %zu", KV_MAX_FIELDS, i);
			return -1;
		}
		k0 = i;
		while (i < len && s[i] != '=' && s[i] != ' ')
			i++;
		klen = i - k0;
		if (i >= len || s[i] != '=' || klen == 0 || klen >= KV_KEY_MAX) {
			snprintf(err, errlen, "bad token '%.*s' at offset %zu (want key=value)",
			    (int)(klen > 40 ? 40 : klen), s + k0, k0);
			return -1;
		}
		memcpy(out->f[out->n].key, s + k0, klen);
		out->f[out->n].key[klen] = '\0';
		out->f[out->n].off = out->used;
		i++;  /* '=' */
		if (i < len && s[i] == '"') {
			i++;
			for (;;) {
				char c;

				if (i >= len) {
					snprintf(err, errlen, "unterminated quoted value of '%s'", out->f[out->n].key);
					return -1;
				}
				c = s[i++];
				if (c == '"')
					break;
				if (c == '\\') {
					if (i >= len)
						continue;  /* reported as unterminated above */
					c = s[i++];
					if (c == 'x') {
						int h, l;

						if (i + 1 >= len || (h = hexval(s[i])) < 0 || (l = hexval(s[i + 1])) < 0) {
							snprintf(err, errlen, "bad \\x escape in value of '%s'", out->f[out->n].key);
							return -1;
						}
						i += 2;
						c = (char)(h << 4 | l);
						if (c == '\0')
							c = '?';
					} else if (c != '"' && c != '\\') {
						snprintf(err, errlen, "bad escape '\\%c' in value of '%s'", c, out->f[out->n].key);
						return -1;
					}
				}
				out->store[out->used++] = c;
			}
			if (i < len && s[i] != ' ') {
				snprintf(err, errlen, "junk after quoted value of '%s'", out->f[out->n].key);
				return -1;
			}
		} else {
			while (i < len && s[i] != ' ') {
				char c = s[i++];
				/* bare values are printable ASCII; anything else is hostile or cut */
				out->store[out->used++] = (c == '\0') ? '?' : c;
			}
		}
		out->store[out->used++] = '\0';
		out->n++;
	}
}

const char *
kv_get(const struct kvline *kv, const char *key)
{
	for (size_t i = 0; i < kv->n; i++)
		if (strcmp(kv->f[i].key, key) == 0)
			return kv->store + kv->f[i].off;
	return NULL;
}
