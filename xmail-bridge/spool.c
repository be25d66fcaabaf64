/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spool.c - parsing XMail's SMTP filter file ($(FILE)): the envelope
 * (lines 1-4, the RCPT lines) and the message headers into struct spool
 * (see spool.h for the layout and the caps). Works on a memory image of
 * the envelope and headers only; the body is streamed (spool_body.c).
 * Every parsed line keeps its original bytes, so spool_rewrite() can
 * reproduce the file exactly; edits are in spool_edit.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mailaddr.h"
#include "spool.h"
#include "spool_int.h"

char *
spool_memdup0(const char *p, size_t n)
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

/*
 * "<addr> rest" or "addr rest" after the verb, read by mailaddr_parse_path()
 * as the milter reads MAIL and RCPT; *addr is malloc'ed.
 */
static int
take_addr(const char *p, size_t len, char **addr, size_t *used)
{
	if ((*addr = malloc(len + 1)) == NULL)
		return -1;
	if (mailaddr_parse_path(p, len, *addr, len + 1, used) < 0) {
		free(*addr);
		*addr = NULL;
		return -1;
	}
	return 0;
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

int
spool_push_hdr(struct spool *s, struct spool_hdr *h)
{
	int r = grow((void **)&s->hdrs, s->nhdrs, &s->hdrcap, sizeof(*h), 32, SPOOL_MAX_HEADERS);

	if (r == 0)
		s->hdrs[s->nhdrs++] = *h;
	return r;
}

int
spool_push_rcpt(struct spool *s, char *raw, size_t rawlen, char *addr)
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
	if ((r = spool_push_hdr(s, cur)) < 0) {
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
			s->sep = spool_memdup0(l, next - pos);
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
			/*
			 * Not a header: the body starts here, without an empty line.
			 * As Postfix's mime_state does, one is added on rewrite, so no
			 * reader takes what follows (a forged Authentication-Results:,
			 * say) for headers the milter never saw as headers.
			 */
			if ((s->sep = spool_memdup0("\r\n", 2)) == NULL)
				goto oom;
			s->seplen = 2;
			s->sep_added = 1;
			s->body_off = (off_t)pos;
			break;
		}
		size_t nlen = 0;
		while (nlen < colon && u[nlen] != ' ' && u[nlen] != '\t')
			nlen++;
		cur.name = spool_memdup0(u, nlen);
		cur.raw = spool_memdup0(l, next - pos);
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
		s->sep = spool_memdup0("", 0);
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
			if (!eof) {
				/* a HELO or MAIL line the size of the whole envelope cap */
				snprintf(err, errlen, "line %d exceeds the %d-byte envelope", i + 1,
				    SPOOL_MAX_ENVELOPE);
				rc = SPOOL_TOO_BIG;
				goto fail;
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
					if ((na[s->nmail_args] = spool_memdup0(w, (size_t)(q - w))) == NULL)
						goto oom;
					s->nmail_args++;
				}
			}
			s->mail_raw = spool_memdup0(p + pos, next - pos);
			s->mail_rawlen = next - pos;
			if (s->mail_raw == NULL)
				goto oom;
		}
		pos = next;
	}
	parse_line1(s, p + l1, l1len);
	s->head = spool_memdup0(p, starts[3]);
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
		raw = spool_memdup0(p + pos, next - pos);
		if (raw == NULL || (rc = spool_push_rcpt(s, raw, next - pos, addr)) < 0) {
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
	s->tail = spool_memdup0(p + tail0, pos - tail0);
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
	const size_t cap = SPOOL_MAX_ENVELOPE + SPOOL_MAX_HEADER_BYTES;
	struct buf b;
	int eof = 0, r = -1;
	off_t off = 0;
	struct stat st;
	char perr[256];
	char *tmp = NULL;

	memset(s, 0, sizeof(*s));
	if (fstat(fd, &st) < 0) {
		syserr_fmt(err, errlen, "%s: fstat", path);
		return -1;
	}
	buf_init(&b, cap);
	for (;;) {
		/* Each read doubles what we hold, so a header section of n bytes
		 * is parsed O(log n) times, not n / 64 KB times. */
		size_t want = b.len < READ_STEP ? READ_STEP : b.len;
		ssize_t n;
		char *t;

		if (want > cap - b.len)
			want = cap - b.len;
		if (want == 0) {
			snprintf(err, errlen, "%s: envelope and headers exceed %zu bytes", path, cap);
			r = SPOOL_TOO_BIG;
			break;
		}
		if ((t = realloc(tmp, want)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", path);
			r = -1;
			break;
		}
		tmp = t;
		n = pread(fd, tmp, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			syserr_fmt(err, errlen, "%s: read", path);
			r = -1;
			break;
		}
		if (n > 0 && buf_append(&b, tmp, (size_t)n) < 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			r = -1;
			break;
		}
		off += n;
		eof = n == 0;
		r = parse_image(b.data ? b.data : "", b.len, eof, s, perr, sizeof(perr));
		if (r == 0)
			break;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, perr);
			break;
		}
	}
	free(tmp);
	buf_free(&b);
	if (r < 0)
		return r;
	s->file_size = st.st_size;
	if (!s->has_data)
		s->data_off = s->body_off = st.st_size;
	return 0;
}
