/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spool_body.c - the message body of XMail's spool, which XMail keeps
 * dot-stuffed: streamed un-stuffed to the milter in chunks of at most one
 * milter body packet (never held in memory), and a replacement body
 * re-stuffed with CRLF line ends (see spool.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "spool.h"
#include "spool_int.h"

/* Un-stuffing state carried across reads. */
struct unstuffer {
	int bol;
	char out[65535]; /* one milter body chunk */
	size_t n;
};

/* Copies runs up to each LF with memcpy; only a '.' right after a line
 * start is dropped. */
static int
unstuff_feed(struct unstuffer *u, const char *p, size_t len,
             int (*cb)(void *, const char *, size_t), void *arg)
{
	size_t i = 0;

	while (i < len) {
		const char *lf;
		size_t run, room;

		if (u->bol) {
			u->bol = 0;
			if (p[i] == '.') {
				i++;
				continue;
			}
		}
		lf = memchr(p + i, '\n', len - i);
		run = lf ? (size_t)(lf - (p + i)) + 1 : len - i;
		room = sizeof(u->out) - u->n;
		if (run > room)
			run = room;
		memcpy(u->out + u->n, p + i, run);
		u->n += run;
		i += run;
		if (u->out[u->n - 1] == '\n')
			u->bol = 1;
		if (u->n == sizeof(u->out)) {
			int r = cb(arg, u->out, u->n);
			u->n = 0;
			if (r != 0)
				return r;
		}
	}
	return 0;
}

int
spool_unstuff_mem(const char *p, size_t len, int (*cb)(void *, const char *, size_t), void *arg)
{
	struct unstuffer *u = malloc(sizeof(*u));
	int r;

	if (u == NULL)
		return -1;
	u->bol = 1;
	u->n = 0;
	r = unstuff_feed(u, p, len, cb, arg);
	if (r == 0 && u->n > 0)
		r = cb(arg, u->out, u->n);
	free(u);
	return r < 0 ? -1 : 0;
}

int
spool_stream_body(int fd, const struct spool *s, int (*cb)(void *, const char *, size_t),
                  void *arg, char *err, size_t errlen)
{
	struct unstuffer *u;
	char *in;
	off_t off = s->body_off;
	int r = 0;

	if (!s->has_data)
		return 0;
	u = malloc(sizeof(*u));
	in = malloc(READ_STEP);
	if (u == NULL || in == NULL) {
		free(u);
		free(in);
		snprintf(err, errlen, "out of memory streaming the body");
		return -1;
	}
	u->bol = 1;
	u->n = 0;
	for (;;) {
		ssize_t n = pread(fd, in, READ_STEP, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			syserr_fmt(err, errlen, "reading the body");
			r = -1;
			break;
		}
		if (n == 0)
			break;
		off += n;
		r = unstuff_feed(u, in, (size_t)n, cb, arg);
		if (r != 0)
			break;
	}
	if (r == 0 && u->n > 0)
		r = cb(arg, u->out, u->n);
	if (r < 0 && err[0] == '\0')
		snprintf(err, errlen, "body consumer failed");
	free(u);
	free(in);
	return r < 0 ? -1 : 0;
}

void
spool_stuffer_init(struct spool_stuffer *st)
{
	st->bol = 1;
	st->cr = 0;
}

int
spool_stuff(struct spool_stuffer *st, const char *in, size_t len, void *out_buf)
{
	struct buf *out = out_buf;

	for (size_t i = 0; i < len; i++) {
		char ch = in[i];

		if (st->cr) {
			st->cr = 0;
			if (ch == '\n') {
				buf_append(out, "\r\n", 2);
				st->bol = 1;
				continue;
			}
			buf_putc(out, '\r'); /* a bare CR stays inside the line */
		}
		if (ch == '\r') {
			if (st->bol) {
				/* A line that starts with CR: nothing to stuff. */
				st->bol = 0;
			}
			st->cr = 1;
			continue;
		}
		if (ch == '\n') {
			buf_append(out, "\r\n", 2);
			st->bol = 1;
			continue;
		}
		if (st->bol && ch == '.')
			buf_putc(out, '.');
		st->bol = 0;
		buf_putc(out, ch);
	}
	return out->failed ? -1 : 0;
}

int
spool_stuff_finish(struct spool_stuffer *st, void *out_buf)
{
	struct buf *out = out_buf;

	if (st->cr) {
		st->cr = 0;
		buf_append(out, "\r\n", 2);
		st->bol = 1;
	}
	if (!st->bol) {
		buf_append(out, "\r\n", 2);
		st->bol = 1;
	}
	return out->failed ? -1 : 0;
}
