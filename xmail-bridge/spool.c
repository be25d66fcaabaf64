/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spool.c - XMail's SMTP filter file: parse, un-stuff, edit, rewrite (see
 * spool.h for the layout and the caps).
 *
 * Parsing works on a memory image of the envelope and headers; the body
 * is only ever streamed. Edits change the in-memory lists; spool_rewrite()
 * writes original bytes for everything untouched, so an edit-free rewrite
 * reproduces the file exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fileio.h"
#include "log.h"
#include "spool.h"

#define READ_STEP (64 * 1024)

static char *
memdup0(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

void
spool_free(struct spool *s)
{
	free(s->head);
	free(s->mail_raw);
	free(s->mail_addr);
	for (size_t i = 0; i < s->nmail_args; i++)
		free(s->mail_args[i]);
	free(s->mail_args);
	for (size_t i = 0; i < s->nrcpts; i++) {
		free(s->rcpts[i].raw);
		free(s->rcpts[i].addr);
	}
	free(s->rcpts);
	free(s->tail);
	for (size_t i = 0; i < s->nhdrs; i++) {
		free(s->hdrs[i].raw);
		free(s->hdrs[i].name);
		free(s->hdrs[i].value);
	}
	free(s->hdrs);
	free(s->sep);
	memset(s, 0, sizeof(*s));
}

/*
 * The line at pos: content [*b, *b + *clen) without its line end; *next is
 * the first byte after the line end. Returns 1 if a line was found, 0 when
 * the data ends before a line end (with eof: the last, unterminated line is
 * returned as found, 1, unless it is empty).
 */
static int
line_at(const char *p, size_t len, size_t pos, int eof, size_t *clen, size_t *next)
{
	const char *lf;

	if (pos >= len)
		return 0;
	lf = memchr(p + pos, '\n', len - pos);
	if (lf == NULL) {
		if (!eof)
			return 0;
		*clen = len - pos;
		*next = len;
		return 1;
	}
	*next = (size_t)(lf - p) + 1;
	*clen = (size_t)(lf - p) - pos;
	if (*clen > 0 && p[pos + *clen - 1] == '\r')
		(*clen)--;
	return 1;
}

int
spool_split_addr(const char *s, size_t len, char *ip, size_t iplen, unsigned *port)
{
	const char *rb;
	size_t n;
	unsigned long v = 0;

	if (len < 4 || s[0] != '[')
		return -1;
	rb = memchr(s, ']', len);
	if (rb == NULL)
		return -1;
	n = (size_t)(rb - s) - 1;
	if (n == 0 || n >= iplen)
		return -1;
	memcpy(ip, s + 1, n);
	ip[n] = '\0';
	if ((size_t)(rb - s) + 1 < len) {
		const char *q = rb + 1, *end = s + len;
		if (*q != ':' || q + 1 == end)
			return -1;
		for (q++; q < end; q++) {
			if (*q < '0' || *q > '9')
				return -1;
			v = v * 10 + (unsigned long)(*q - '0');
			if (v > 65535)
				return -1;
		}
	}
	*port = (unsigned)v;
	return 0;
}

/* Line 1, split from the right: the last five fields are fixed. */
static void
parse_line1(struct spool *s, const char *p, size_t len)
{
	size_t semi[5], found = 0;

	for (size_t i = len; i > 0 && found < 5; i--)
		if (p[i - 1] == ';')
			semi[found++] = i - 1;
	if (found < 5)
		return;
	/* semi[4] ends the HELO, semi[3] the client, semi[2] the server domain,
	 * semi[1] the server address. */
	if (semi[4] >= sizeof(s->helo))
		return;
	if (spool_split_addr(p + semi[4] + 1, semi[3] - semi[4] - 1, s->client_ip,
	        sizeof(s->client_ip), &s->client_port) < 0)
		return;
	if (spool_split_addr(p + semi[2] + 1, semi[1] - semi[2] - 1, s->server_ip,
	        sizeof(s->server_ip), &s->server_port) < 0)
		return;
	memcpy(s->helo, p, semi[4]);
	s->helo[semi[4]] = '\0';
	s->line1_ok = 1;
}

/* "<addr> rest" or "addr rest" after the verb; *addr is malloc'ed. */
static int
take_addr(const char *p, size_t len, char **addr, size_t *used)
{
	size_t i = 0, a, e;

	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i < len && p[i] == '<') {
		const char *gt = memchr(p + i, '>', len - i);
		if (gt == NULL)
			return -1;
		a = i + 1;
		e = (size_t)(gt - p);
		i = e + 1;
	} else {
		a = i;
		while (i < len && p[i] != ' ' && p[i] != '\t')
			i++;
		e = i;
	}
	*addr = memdup0(p + a, e - a);
	*used = i;
	return *addr ? 0 : -1;
}

static int
is_prefix_ci(const char *p, size_t len, const char *pre)
{
	size_t n = strlen(pre);

	return len >= n && strncasecmp(p, pre, n) == 0;
}

/* A header line's name (Postfix is_header): printable, no ':' or space,
 * optional blanks, then ':'. Returns the offset of the ':' or 0. */
static size_t
header_colon(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && (unsigned char)p[i] > 32 && (unsigned char)p[i] < 127 && p[i] != ':')
		i++;
	if (i == 0)
		return 0;
	size_t nl = i;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i < len && p[i] == ':')
		return nl == 0 ? 0 : i;
	return 0;
}

/*
 * Room for one more element in *arr (n used of *cap, each size bytes),
 * doubling from first. 0, SPOOL_TOO_BIG past max, or -1 (no memory).
 */
static int
grow(void **arr, size_t n, size_t *cap, size_t size, size_t first, size_t max)
{
	void *p;
	size_t nc;

	if (n >= max)
		return SPOOL_TOO_BIG;
	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : first;
	if ((p = reallocarray(*arr, nc, size)) == NULL)
		return -1;
	*arr = p;
	*cap = nc;
	return 0;
}

static int
push_hdr(struct spool *s, struct spool_hdr *h)
{
	int r = grow((void **)&s->hdrs, s->nhdrs, &s->hdrcap, sizeof(*h), 32, SPOOL_MAX_HEADERS);

	if (r == 0)
		s->hdrs[s->nhdrs++] = *h;
	return r;
}

static int
push_rcpt(struct spool *s, char *raw, size_t rawlen, char *addr)
{
	int r = grow((void **)&s->rcpts, s->nrcpts, &s->rcptcap, sizeof(s->rcpts[0]), 8,
	    SPOOL_MAX_RCPTS);

	if (r != 0)
		return r;
	s->rcpts[s->nrcpts].raw = raw;
	s->rcpts[s->nrcpts].rawlen = rawlen;
	s->rcpts[s->nrcpts].addr = addr;
	s->nrcpts++;
	return 0;
}

/* Moves the header being parsed (its value in val) into s; clears cur. */
static int
take_hdr(struct spool *s, struct spool_hdr *cur, struct buf *val, char *err, size_t errlen)
{
	int r;

	if (val->failed || (cur->value = buf_take(val)) == NULL) {
		snprintf(err, errlen, "out of memory parsing headers");
		return -1;
	}
	if ((r = push_hdr(s, cur)) < 0) {
		if (r == SPOOL_TOO_BIG)
			snprintf(err, errlen, "more than %d headers", SPOOL_MAX_HEADERS);
		else
			snprintf(err, errlen, "out of memory parsing headers");
		return r;
	}
	memset(cur, 0, sizeof(*cur));
	return 0;
}

/*
 * Parses the headers starting at pos. 1: need more data; 0: done; -1: err;
 * SPOOL_TOO_BIG: past a cap.
 */
static int
parse_headers(const char *p, size_t len, size_t pos, int eof, struct spool *s, char *err,
              size_t errlen)
{
	struct spool_hdr cur = { 0 };
	int have = 0, rc = -1;
	struct buf val;

	buf_init(&val, SPOOL_MAX_HEADER_BYTES);
	for (;;) {
		size_t clen, next;
		const char *l = p + pos, *u;
		size_t ulen;

		if (pos - (size_t)s->data_off > SPOOL_MAX_HEADER_BYTES) {
			snprintf(err, errlen, "headers exceed %d bytes", SPOOL_MAX_HEADER_BYTES);
			rc = SPOOL_TOO_BIG;
			goto bad;
		}
		if (!line_at(p, len, pos, eof, &clen, &next)) {
			if (!eof) {
				buf_free(&val);
				free(cur.raw);
				free(cur.name);
				return 1;
			}
			/* EOF: the message has no body. */
			s->body_off = (off_t)len;
			break;
		}
		if (have && clen > 0 && (l[0] == ' ' || l[0] == '\t')) {
			size_t nl = cur.rawlen + (next - pos);
			char *r = realloc(cur.raw, nl);
			if (r == NULL)
				goto oom;
			memcpy(r + cur.rawlen, l, next - pos);
			cur.raw = r;
			cur.rawlen = nl;
			buf_putc(&val, '\n');
			buf_append(&val, l, clen);
			pos = next;
			continue;
		}
		if (have) {
			if ((rc = take_hdr(s, &cur, &val, err, errlen)) < 0)
				goto bad;
			have = 0;
		}
		if (clen == 0) {
			s->sep = memdup0(l, next - pos);
			s->seplen = next - pos;
			if (s->sep == NULL)
				goto oom;
			s->body_off = (off_t)next;
			break;
		}
		u = l;
		ulen = clen;
		if (u[0] == '.') {
			u++;
			ulen--;
		}
		size_t colon = header_colon(u, ulen);
		if (colon == 0) {
			/* Not a header: the body starts here, without an empty line. */
			s->body_off = (off_t)pos;
			break;
		}
		size_t nlen = 0;
		while (nlen < colon && u[nlen] != ' ' && u[nlen] != '\t')
			nlen++;
		cur.name = memdup0(u, nlen);
		cur.raw = memdup0(l, next - pos);
		cur.rawlen = next - pos;
		if (cur.name == NULL || cur.raw == NULL)
			goto oom;
		buf_reset(&val);
		buf_append(&val, u + colon + 1, ulen - colon - 1);
		have = 1;
		pos = next;
	}
	if (have && (rc = take_hdr(s, &cur, &val, err, errlen)) < 0)
		goto bad;
	if (s->sep == NULL) {
		s->sep = memdup0("", 0);
		if (s->sep == NULL)
			goto oom;
	}
	buf_free(&val);
	return 0;
oom:
	snprintf(err, errlen, "out of memory parsing headers");
	rc = -1;
bad:
	buf_free(&val);
	free(cur.raw);
	free(cur.name);
	free(cur.value);
	return rc;
}

/* 1: need more data; 0: parsed; -1: error in err; SPOOL_TOO_BIG: past a cap. */
static int
parse_image(const char *p, size_t len, int eof, struct spool *s, char *err, size_t errlen)
{
	size_t pos = 0, clen, next, l1 = 0, l1len = 0;
	size_t starts[4];
	int rc = -1;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < 4; i++) {
		if (!line_at(p, len, pos, eof, &clen, &next)) {
			if (!eof && len < SPOOL_MAX_ENVELOPE) {
				spool_free(s);
				return 1;
			}
			snprintf(err, errlen, "has only %d line(s) before the end (need 4)", i);
			goto fail;
		}
		starts[i] = pos;
		if (i == 0) {
			l1 = pos;
			l1len = clen;
		} else if (i == 1) {
			if (clen >= sizeof(s->server_domain))
				clen = sizeof(s->server_domain) - 1;
			memcpy(s->server_domain, p + pos, clen);
			s->server_domain[clen] = '\0';
		} else if (i == 2) {
			if (clen >= sizeof(s->msgid))
				clen = sizeof(s->msgid) - 1;
			memcpy(s->msgid, p + pos, clen);
			s->msgid[clen] = '\0';
		} else {
			size_t used;
			if (!is_prefix_ci(p + pos, clen, "MAIL FROM:")) {
				snprintf(err, errlen, "line 4 is not a MAIL FROM: line: \"%.*s\"",
				    (int)(clen > 60 ? 60 : clen), p + pos);
				goto fail;
			}
			if (take_addr(p + pos + 10, clen - 10, &s->mail_addr, &used) < 0) {
				snprintf(err, errlen, "line 4: bad address: \"%.*s\"",
				    (int)(clen > 60 ? 60 : clen), p + pos);
				goto fail;
			}
			/* ESMTP parameters, separated by blanks. */
			const char *q = p + pos + 10 + used, *end = p + pos + clen;
			while (q < end) {
				while (q < end && (*q == ' ' || *q == '\t'))
					q++;
				const char *w = q;
				while (q < end && *q != ' ' && *q != '\t')
					q++;
				/* Past SPOOL_MAX_MAIL_ARGS, parameters are not passed on. */
				if (q > w && s->nmail_args < SPOOL_MAX_MAIL_ARGS) {
					char **na = reallocarray(s->mail_args, s->nmail_args + 1, sizeof(char *));
					if (na == NULL)
						goto oom;
					s->mail_args = na;
					if ((na[s->nmail_args] = memdup0(w, (size_t)(q - w))) == NULL)
						goto oom;
					s->nmail_args++;
				}
			}
			s->mail_raw = memdup0(p + pos, next - pos);
			s->mail_rawlen = next - pos;
			if (s->mail_raw == NULL)
				goto oom;
		}
		pos = next;
	}
	parse_line1(s, p + l1, l1len);
	s->head = memdup0(p, starts[3]);
	s->headlen = starts[3];
	if (s->head == NULL)
		goto oom;
	/* RCPT lines up to the first other line. */
	for (;;) {
		char *addr, *raw;
		size_t used;

		if (!line_at(p, len, pos, eof, &clen, &next)) {
			if (!eof) {
				if (len >= SPOOL_MAX_ENVELOPE) {
					snprintf(err, errlen, "envelope exceeds %d bytes", SPOOL_MAX_ENVELOPE);
					rc = SPOOL_TOO_BIG;
					goto fail;
				}
				spool_free(s);
				return 1;
			}
			break;
		}
		if (!is_prefix_ci(p + pos, clen, "RCPT TO:"))
			break;
		if (take_addr(p + pos + 8, clen - 8, &addr, &used) < 0) {
			snprintf(err, errlen, "bad RCPT line: \"%.*s\"", (int)(clen > 60 ? 60 : clen),
			    p + pos);
			goto fail;
		}
		raw = memdup0(p + pos, next - pos);
		if (raw == NULL || (rc = push_rcpt(s, raw, next - pos, addr)) < 0) {
			free(raw);
			free(addr);
			if (rc != SPOOL_TOO_BIG)
				goto oom;
			snprintf(err, errlen, "more than %d RCPT lines", SPOOL_MAX_RCPTS);
			goto fail;
		}
		pos = next;
	}
	/* The rest of the envelope, through the <<MAIL-DATA>> line. */
	size_t tail0 = pos;
	for (;;) {
		if (!line_at(p, len, pos, eof, &clen, &next)) {
			if (!eof) {
				if (len >= SPOOL_MAX_ENVELOPE) {
					snprintf(err, errlen, "no <<MAIL-DATA>> within %d bytes",
					    SPOOL_MAX_ENVELOPE);
					goto fail;
				}
				spool_free(s);
				return 1;
			}
			pos = len;
			break;
		}
		size_t start = pos;
		pos = next;
		if (clen == 13 && memcmp(p + start, "<<MAIL-DATA>>", 13) == 0) {
			s->has_data = 1;
			break;
		}
	}
	s->tail = memdup0(p + tail0, pos - tail0);
	s->taillen = pos - tail0;
	if (s->tail == NULL)
		goto oom;
	{
		size_t ml = strlen(SPOOL_DISCARD_LINE);
		if (s->taillen >= ml + 1 && memcmp(s->tail, SPOOL_DISCARD_LINE, ml) == 0 &&
		    (s->tail[ml] == '\r' || s->tail[ml] == '\n'))
			s->discarded = 1;
	}
	if (s->has_data) {
		int r;
		s->data_off = (off_t)pos;
		r = parse_headers(p, len, pos, eof, s, err, errlen);
		if (r == 1) {
			spool_free(s);
			return 1;
		}
		if (r < 0) {
			rc = r;
			goto fail;
		}
	} else {
		s->data_off = s->body_off = (off_t)len;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	rc = -1;
fail:
	spool_free(s);
	return rc;
}

int
spool_parse_mem(const char *p, size_t len, struct spool *s, char *err, size_t errlen)
{
	int r = parse_image(p, len, 1, s, err, errlen);

	if (r == 0)
		s->file_size = (off_t)len;
	return r;
}

int
spool_parse_fd(int fd, const char *path, struct spool *s, char *err, size_t errlen)
{
	struct buf b;
	int eof = 0, r;
	off_t off = 0;
	struct stat st;
	char perr[256];

	memset(s, 0, sizeof(*s));
	if (fstat(fd, &st) < 0) {
		syserr_fmt(err, errlen, "%s: fstat", path);
		return -1;
	}
	buf_init(&b, SPOOL_MAX_ENVELOPE + SPOOL_MAX_HEADER_BYTES + READ_STEP);
	char *tmp = malloc(READ_STEP);
	if (tmp == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (;;) {
		ssize_t n = pread(fd, tmp, READ_STEP, off);

		if (n > 0 && buf_append(&b, tmp, (size_t)n) < 0) {
			int big = b.len + (size_t)n > SPOOL_MAX_ENVELOPE + SPOOL_MAX_HEADER_BYTES;
			free(tmp);
			buf_free(&b);
			if (!big) {
				snprintf(err, errlen, "%s: out of memory", path);
				return -1;
			}
			snprintf(err, errlen, "%s: envelope and headers exceed %d bytes", path,
			    SPOOL_MAX_ENVELOPE + SPOOL_MAX_HEADER_BYTES);
			return SPOOL_TOO_BIG;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			syserr_fmt(err, errlen, "%s: read", path);
			buf_free(&b);
			free(tmp);
			return -1;
		}
		off += n;
		if (n == 0)
			eof = 1;
		r = parse_image(b.data ? b.data : "", b.len, eof, s, perr, sizeof(perr));
		if (r == 0)
			break;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, perr);
			buf_free(&b);
			free(tmp);
			return r;
		}
	}
	free(tmp);
	buf_free(&b);
	s->file_size = st.st_size;
	if (!s->has_data)
		s->data_off = s->body_off = st.st_size;
	return 0;
}

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
	if (push_hdr(s, &h) < 0) {
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
		return memdup0(addr + 1, n - 2);
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
	if (push_rcpt(s, raw, len, a) < 0) {
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

/* Buffered writer that remembers the first error. */
struct wout {
	int fd;
	int err;
	size_t n;
	char b[64 * 1024];
};

static void
w_flush(struct wout *w)
{
	if (!w->err && fileio_write_all(w->fd, w->b, w->n) < 0)
		w->err = errno;
	w->n = 0;
}

static void
w_put(struct wout *w, const char *p, size_t len)
{
	while (len > 0 && !w->err) {
		size_t room = sizeof(w->b) - w->n, k = len < room ? len : room;
		memcpy(w->b + w->n, p, k);
		w->n += k;
		p += k;
		len -= k;
		if (w->n == sizeof(w->b))
			w_flush(w);
	}
}

static int
w_copy(struct wout *w, int fd, off_t off)
{
	char *in = malloc(READ_STEP);

	if (in == NULL) {
		w->err = ENOMEM;
		return -1;
	}
	for (;;) {
		ssize_t n = pread(fd, in, READ_STEP, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(in);
			return -1;
		}
		if (n == 0)
			break;
		w_put(w, in, (size_t)n);
		off += n;
	}
	free(in);
	return 0;
}

int
spool_rewrite(const char *path, int in_fd, const struct spool *s, int replbody_fd, char *err,
              size_t errlen)
{
	char tmp[4096], dir[4096];
	struct stat st;
	struct wout *w;
	int fd, saved, anon = 1;

	if (fstat(in_fd, &st) < 0) {
		syserr_fmt(err, errlen, "%s: fstat", path);
		return -1;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.bridge.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	/*
	 * Write into an unnamed file in the same directory and give it a name
	 * only once it is complete and synced: if we are killed meanwhile
	 * (XMail never kills a filter, but our own deadline alarm may),
	 * nothing is left behind. Without O_TMPFILE, a named temp file.
	 */
	strlcpy(dir, path, sizeof(dir));
	fd = open(dirname(dir), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		anon = 0;
		fd = mkostemp(tmp, O_CLOEXEC);
	}
	if (fd < 0) {
		syserr_fmt(err, errlen, "%s: cannot create temp file", path);
		return -1;
	}
	w = malloc(sizeof(*w));
	if (w == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail_close;
	}
	w->fd = fd;
	w->err = 0;
	w->n = 0;
	/* XMail's file mode (0666 in daemon mode), not our umask's; and its owner. */
	if (fchmod(fd, st.st_mode & 07777) < 0) {
		syserr_fmt(err, errlen, "%s: fchmod", tmp);
		goto fail_free;
	}
	if (fchown(fd, st.st_uid, st.st_gid) < 0 && errno != EPERM) {
		syserr_fmt(err, errlen, "%s: fchown", tmp);
		goto fail_free;
	}
	w_put(w, s->head, s->headlen);
	w_put(w, s->mail_raw, s->mail_rawlen);
	if (s->mark_discard)
		w_put(w, SPOOL_DISCARD_LINE "\r\n", strlen(SPOOL_DISCARD_LINE) + 2);
	for (size_t i = 0; i < s->nrcpts; i++)
		w_put(w, s->rcpts[i].raw, s->rcpts[i].rawlen);
	w_put(w, s->tail, s->taillen);
	if (s->has_data) {
		for (size_t i = 0; i < s->nhdrs; i++)
			w_put(w, s->hdrs[i].raw, s->hdrs[i].rawlen);
		if (replbody_fd >= 0) {
			/* A replaced body needs the empty line even if there was none. */
			if (s->seplen > 0)
				w_put(w, s->sep, s->seplen);
			else
				w_put(w, "\r\n", 2);
			if (w_copy(w, replbody_fd, 0) < 0) {
				syserr_fmt(err, errlen, "reading the replacement body");
				goto fail_free;
			}
		} else {
			w_put(w, s->sep, s->seplen);
			if (w_copy(w, in_fd, s->body_off) < 0) {
				syserr_fmt(err, errlen, "%s: read", path);
				goto fail_free;
			}
		}
	} else if (s->body_off < st.st_size) {
		/* Without data nothing follows the envelope; keep anything anyway. */
		if (w_copy(w, in_fd, s->body_off) < 0) {
			syserr_fmt(err, errlen, "%s: read", path);
			goto fail_free;
		}
	}
	w_flush(w);
	if (w->err) {
		errno = w->err;
		syserr_fmt(err, errlen, "%s: write", tmp);
		goto fail_free;
	}
	if (fsync(fd) < 0) {
		syserr_fmt(err, errlen, "%s: fsync", tmp);
		goto fail_free;
	}
	if (anon) {
		char proc[64];
		int made = 0;

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		for (int tries = 0; tries < 16 && !made; tries++) {
			/* mkstemp-style name, then link the finished file to it */
			if (snprintf(tmp, sizeof(tmp), "%s.bridge.%ld.%d", path, (long)getpid(),
			        tries) >= (int)sizeof(tmp))
				break;
			if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0)
				made = 1;
			else if (errno != EEXIST)
				break;
		}
		if (!made) {
			syserr_fmt(err, errlen, "%s: cannot name the temp file", path);
			close(fd);
			free(w);
			return -1;
		}
	}
	if (close(fd) < 0) {
		fd = -1;
		syserr_fmt(err, errlen, "%s: close", tmp);
		goto fail_free;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		syserr_fmt(err, errlen, "rename %s to %s", tmp, path);
		goto fail_free;
	}
	free(w);
	/* Make the rename durable; XMail reopens by path right after us. */
	{
		strlcpy(dir, path, sizeof(dir));
		int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	return 0;
fail_free:
	free(w);
fail_close:
	saved = errno;
	if (fd >= 0)
		close(fd);
	/* A named temp file exists unless the unnamed one was never linked. */
	if (!anon || fd < 0)
		unlink(tmp);
	errno = saved;
	return -1;
}
