/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_file.c - whole messages from files for spfdkim-ctl dkim-verify and
 * the test and bench tools: split header fields (CRLF or LF input, folded
 * lines kept with CRLF, an mbox "From " line skipped), feed them and the
 * body (CRLF or bare LF, not copied) to a dkim_msg; print a report the way
 * dkim-verify does. Caps: 1 MB per header value (longer is cut).
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "dkim.h"
#include "dkim_file.h"

/* Feeds a whole message (CRLF or LF) to m: header fields, then the body in CRLF. */
int
dkim_feed_message(struct dkim_msg *m, const char *msg, size_t len)
{
	size_t p = 0;
	/* an mbox "From " line is not a header */
	if (len > 5 && strncmp(msg, "From ", 5) == 0) {
		const char *nl = memchr(msg, '\n', len);
		p = nl ? (size_t)(nl - msg) + 1 : len;
	}
	struct buf name, val;
	buf_init(&name, 1024);
	buf_init(&val, 1024 * 1024);
	int have = 0, rc = 0;
	while (p < len) {
		const char *nl = memchr(msg + p, '\n', len - p);
		size_t e = nl ? (size_t)(nl - msg) : len;
		size_t le = e;
		if (le > p && msg[le - 1] == '\r')
			le--;
		size_t next = nl ? e + 1 : len;
		if (le == p) {          /* blank line: end of headers */
			p = next;
			break;
		}
		if (msg[p] == ' ' || msg[p] == '\t') {
			if (have) {
				buf_append(&val, "\r\n", 2);
				buf_append(&val, msg + p, le - p);
			}
		} else {
			if (have && dkim_msg_header(m, buf_cstr(&name), buf_cstr(&val)) < 0)
				rc = -1;
			buf_reset(&name);
			buf_reset(&val);
			const char *colon = memchr(msg + p, ':', le - p);
			have = colon != NULL;
			if (have) {
				buf_append(&name, msg + p, (size_t)(colon - (msg + p)));
				buf_append(&val, colon + 1, le - (size_t)(colon + 1 - msg));
			}
		}
		p = next;
	}
	if (have && dkim_msg_header(m, buf_cstr(&name), buf_cstr(&val)) < 0)
		rc = -1;
	buf_free(&name);
	buf_free(&val);
	if (dkim_msg_eoh(m) < 0)
		rc = -1;
	/* body as it is, in milter-sized chunks: the canonicalizers take CRLF or bare LF */
	while (p < len) {
		size_t n = len - p < 65535 ? len - p : 65535;
		dkim_msg_body(m, (const unsigned char *)msg + p, n);
		p += n;
	}
	return rc;
}

/* One report line, as the dkim-verify output and the test tools print it. */
void
dkim_report_print(FILE *fp, const struct dkim_report *r)
{
	if (r->nsigs == 0) {
		fprintf(fp, "dkim=none\n");
		return;
	}
	for (size_t i = 0; i < r->nsigs; i++) {
		const struct dkim_sig_report *s = &r->sig[i];
		fprintf(fp, "dkim=%s header.d=%s header.s=%s header.b=%s header.i=%s header.a=%s",
		        dkim_verdict_str(s->verdict), *s->d ? s->d : "-", *s->s ? s->s : "-",
		        *s->b ? s->b : "-", *s->i ? s->i : "-", *s->a ? s->a : "-");
		if (*s->reason) {
			fputs(" reason=\"", fp);
			for (const char *c = s->reason; *c; c++)
				fputs(*c == '"' ? "'" : (char[]){ *c, 0 }, fp);
			fputs("\"", fp);
		}
		fputc('\n', fp);
	}
}

