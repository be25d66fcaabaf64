/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spool_edit.c - the milter's edits on a parsed spool, with Postfix's
 * semantics (milter8.c + cleanup_milter.c): headers added, inserted,
 * changed or deleted; MAIL FROM changed; recipients added or removed;
 * discard. Only the in-memory lists change; spool_rewrite() writes them.
 * Anything a milter writes onto an envelope line is checked so that it
 * cannot forge a second field or line.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "spool.h"
#include "spool_int.h"

/* Builds a header (raw stuffed CRLF form and the parsed form). */
static int
make_hdr(struct spool_hdr *h, const char *name, const char *value, int leadspc)
{
	struct buf raw, val;

	memset(h, 0, sizeof(*h));
	buf_init(&raw, SPOOL_MAX_HEADER_BYTES);
	buf_init(&val, SPOOL_MAX_HEADER_BYTES);
	if (name[0] == '.')
		buf_putc(&raw, '.');
	buf_puts(&raw, name);
	buf_putc(&raw, ':');
	if (!leadspc)
		buf_putc(&raw, ' ');
	if (!leadspc)
		buf_putc(&val, ' ');
	for (const char *v = value; *v; v++) {
		if (*v == '\r' && v[1] == '\n')
			continue;
		if (*v == '\n') {
			buf_append(&raw, "\r\n", 2);
			buf_putc(&val, '\n');
			/* A fold must continue with a blank; add one if missing. */
			if (v[1] != ' ' && v[1] != '\t' && v[1] != '\0') {
				buf_putc(&raw, '\t');
				buf_putc(&val, '\t');
			}
			continue;
		}
		buf_putc(&raw, *v);
		buf_putc(&val, *v);
	}
	buf_append(&raw, "\r\n", 2);
	if (raw.failed || val.failed) {
		buf_free(&raw);
		buf_free(&val);
		return -1;
	}
	h->rawlen = raw.len;
	h->raw = buf_take(&raw);
	h->value = buf_take(&val);
	h->name = strdup(name);
	if (h->raw == NULL || h->value == NULL || h->name == NULL) {
		free(h->raw);
		free(h->value);
		free(h->name);
		return -1;
	}
	return 0;
}

static int
valid_hdr_name(const char *name)
{
	if (*name == '\0')
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= 32 || *p >= 127 || *p == ':')
			return 0;
	return 1;
}

int
spool_hdr_insert(struct spool *s, uint32_t index, const char *name, const char *value,
                 int leadspc)
{
	struct spool_hdr h;
	size_t at;

	if (!valid_hdr_name(name) || make_hdr(&h, name, value, leadspc) < 0)
		return -1;
	if (spool_push_hdr(s, &h) < 0) {
		free(h.raw);
		free(h.name);
		free(h.value);
		return -1;
	}
	/*
	 * Postfix inserts before header index+1 counting its own Received:
	 * header, which milters never see, as the first one. XMail adds its
	 * Received: later, above everything, so: index 0 or 1 is the top of
	 * the headers the milter saw, index n goes after n-1 of them.
	 */
	at = index == 0 ? 0 : (size_t)index - 1;
	if (at > s->nhdrs - 1)
		at = s->nhdrs - 1;
	memmove(&s->hdrs[at + 1], &s->hdrs[at], (s->nhdrs - 1 - at) * sizeof(h));
	s->hdrs[at] = h;
	return 0;
}

int
spool_hdr_add(struct spool *s, const char *name, const char *value, int leadspc)
{
	return spool_hdr_insert(s, UINT32_MAX, name, value, leadspc);
}

int
spool_hdr_change(struct spool *s, uint32_t index, const char *name, const char *value,
                 int leadspc)
{
	uint32_t seen = 0;

	if (index == 0)
		index = 1;
	for (size_t i = 0; i < s->nhdrs; i++) {
		if (strcasecmp(s->hdrs[i].name, name) != 0 || ++seen != index)
			continue;
		if (value[0] == '\0') {
			free(s->hdrs[i].raw);
			free(s->hdrs[i].name);
			free(s->hdrs[i].value);
			memmove(&s->hdrs[i], &s->hdrs[i + 1], (s->nhdrs - i - 1) * sizeof(s->hdrs[0]));
			s->nhdrs--;
			return 0;
		}
		struct spool_hdr h;
		/* Keep the name as it is in the message. */
		if (make_hdr(&h, s->hdrs[i].name, value, leadspc) < 0)
			return -1;
		free(s->hdrs[i].raw);
		free(s->hdrs[i].name);
		free(s->hdrs[i].value);
		s->hdrs[i] = h;
		return 0;
	}
	if (value[0] == '\0')
		return 0;
	return spool_hdr_add(s, name, value, leadspc);
}

/* addr without <> into a fresh string. */
static char *
bare_addr(const char *addr)
{
	size_t n = strlen(addr);

	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>')
		return spool_memdup0(addr + 1, n - 2);
	return strdup(addr);
}

static int
line_safe(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

/* An address we may write between <> on an envelope line: printable, no
 * blank, no <>, so a milter cannot forge a {ra=...} or a second field. */
static int
addr_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 32 || *p >= 127 || *p == '<' || *p == '>')
			return 0;
	return 1;
}

int
spool_chg_from(struct spool *s, const char *addr, const char *args)
{
	char *a = bare_addr(addr);
	struct buf b;

	if (a == NULL)
		return -1;
	if (!addr_safe(a) || (args && !line_safe(args))) {
		free(a);
		return -1;
	}
	buf_init(&b, 0);
	buf_printf(&b, "MAIL FROM:<%s>%s%s\r\n", a, args && *args ? " " : "", args ? args : "");
	if (b.failed) {
		free(a);
		buf_free(&b);
		return -1;
	}
	free(s->mail_raw);
	free(s->mail_addr);
	s->mail_rawlen = b.len;
	s->mail_raw = buf_take(&b);
	s->mail_addr = a;
	return 0;
}

int
spool_add_rcpt(struct spool *s, const char *addr)
{
	char *a = bare_addr(addr), *raw;
	struct buf b;

	if (a == NULL)
		return -1;
	if (!addr_safe(a) || a[0] == '\0') {
		free(a);
		return -1;
	}
	/* Measured: a RCPT line without {ra=} is delivered like the others. */
	buf_init(&b, 0);
	buf_printf(&b, "RCPT TO:<%s>\r\n", a);
	if (b.failed) {
		free(a);
		buf_free(&b);
		return -1;
	}
	size_t len = b.len;
	raw = buf_take(&b);
	if (spool_push_rcpt(s, raw, len, a) < 0) {
		free(raw);
		free(a);
		return -1;
	}
	return 0;
}

int
spool_del_rcpt(struct spool *s, const char *addr)
{
	char *a = bare_addr(addr);
	int n = 0;

	if (a == NULL)
		return -1;
	for (size_t i = 0; i < s->nrcpts;) {
		if (strcasecmp(s->rcpts[i].addr, a) == 0) {
			free(s->rcpts[i].raw);
			free(s->rcpts[i].addr);
			memmove(&s->rcpts[i], &s->rcpts[i + 1], (s->nrcpts - i - 1) * sizeof(s->rcpts[0]));
			s->nrcpts--;
			n++;
		} else
			i++;
	}
	free(a);
	return n;
}

void
spool_mark_discard(struct spool *s)
{
	s->mark_discard = !s->discarded;
}

void
spool_discard(struct spool *s)
{
	for (size_t i = 0; i < s->nrcpts; i++) {
		free(s->rcpts[i].raw);
		free(s->rcpts[i].addr);
	}
	s->nrcpts = 0;
}
