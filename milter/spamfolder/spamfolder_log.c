/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spamfolder_log.c - the spam log line and the X-Spam-Folder-* header block
 * of a saved copy, both built from one struct spam_meta.
 *
 * Spam log (shared-formats.md): ts qid ip helo mailfrom rcpts results action
 * reply saved, values quoted per kvline.h, one whole line per O_APPEND
 * write() so concurrent writers never interleave. Caps: each value is cut to
 * SPAMFOLDER_LOG_VALUE bytes, the recipient list to SPAMFOLDER_MAX_RCPTS_SHOWN
 * addresses and SPAMFOLDER_LOG_RCPTS bytes ("+N" ends a cut list), so a line
 * always fits KV_LINE_MAX. The file is opened per line, so rotation needs no
 * signal.
 * Envelope headers: one header per fact, folded at 78 columns with a TAB,
 * values stripped of CR/LF/controls and cut to SPAMFOLDER_MAX_VALUE bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fileio.h"
#include "kvline.h"
#include "log.h"
#include "spamfolder_int.h"

#define SPAMFOLDER_LOG_VALUE 256    /* bytes of one spam-log value (reply: 2x) */
#define SPAMFOLDER_LOG_RCPTS 1024   /* bytes of the spam-log recipient list */
#define HDR_FOLD_AT          78

void
spamfolder_fmt_time(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strlcpy(out, "1970-01-01T00:00:00Z", len);
}

/* Copies at most max bytes of s into out, dropping one pair of surrounding <>. */
static void
cut(const char *s, size_t max, int unbracket, char *out, size_t outlen)
{
	size_t n;

	if (s == NULL)
		s = "";
	n = strlen(s);
	if (unbracket && n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	if (n > max)
		n = max;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* Header-safe: CR, LF and TAB become spaces, other controls '?'. */
static void
sanitize(char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\r' || c == '\n' || c == '\t')
			*s = ' ';
		else if (c < 0x20 || c == 0x7f)
			*s = '?';
	}
}

int
spamfolder_format_log(const struct spam_meta *m, const char *saved_path, time_t now, struct buf *out)
{
	char ts[32], v[SPAMFOLDER_LOG_VALUE * 2 + 1];
	struct buf r;
	size_t shown = 0, total = 0;
	int rc, full = 0;

	spamfolder_fmt_time(now, ts, sizeof(ts));
	buf_init(&r, SPAMFOLDER_LOG_RCPTS + 32);
	for (size_t i = 0; i < m->nrcpts && m->rcpts != NULL; i++) {
		cut(m->rcpts[i], SPAMFOLDER_LOG_VALUE, 1, v, sizeof(v));
		if (v[0] == '\0')
			continue;
		total++;
		if (full || shown >= SPAMFOLDER_MAX_RCPTS_SHOWN || r.len + strlen(v) + 1 > SPAMFOLDER_LOG_RCPTS) {
			full = 1;
			continue;
		}
		if ((r.len > 0 && buf_putc(&r, ',') < 0) || buf_puts(&r, v) < 0)
			full = 1;
		else
			shown++;
	}
	if (total > shown)
		buf_printf(&r, "%s+%zu", r.len > 0 ? "," : "", total - shown);

	rc = kv_put(out, "ts", ts);
	cut(m->qid, SPAMFOLDER_LOG_VALUE, 0, v, sizeof(v));
	rc |= kv_put(out, "qid", v);
	cut(m->client_ip, SPAMFOLDER_LOG_VALUE, 0, v, sizeof(v));
	rc |= kv_put(out, "ip", v);
	cut(m->helo, SPAMFOLDER_LOG_VALUE, 0, v, sizeof(v));
	rc |= kv_put(out, "helo", v);
	cut(m->mail_from, SPAMFOLDER_LOG_VALUE, 1, v, sizeof(v));
	rc |= kv_put(out, "mailfrom", v);
	rc |= kv_put(out, "rcpts", buf_cstr(&r));
	cut(m->results, SPAMFOLDER_LOG_VALUE, 0, v, sizeof(v));
	rc |= kv_put(out, "results", v);
	cut(m->action, SPAMFOLDER_LOG_VALUE, 0, v, sizeof(v));
	rc |= kv_put(out, "action", v);
	cut(m->reply, SPAMFOLDER_LOG_VALUE * 2, 0, v, sizeof(v));
	rc |= kv_put(out, "reply", v);
	cut(saved_path, SPAMFOLDER_LOG_VALUE * 2, 0, v, sizeof(v));
	rc |= kv_put(out, "saved", v);
	buf_free(&r);
	return rc != 0 || out->failed ? -1 : 0;
}

int
spamfolder_log(struct spamfolder *sf, const struct spam_meta *meta, const char *saved_path)
{
	char why[600];
	static const struct spam_meta none;
	struct buf line;
	int fd, rc = 0;
	ssize_t n;

	if (sf == NULL || sf->spam_log == NULL)
		return 0;
	if (meta == NULL)
		meta = &none;
	buf_init(&line, KV_LINE_MAX);
	if (spamfolder_format_log(meta, saved_path, time(NULL), &line) < 0 || buf_putc(&line, '\n') < 0) {
		log_error("spam log %s: line over %d bytes, not written (qid %s)", sf->spam_log, KV_LINE_MAX,
		    meta->qid != NULL ? meta->qid : "-");
		buf_free(&line);
		return -1;
	}
	fd = fileio_open_append(sf->spam_log, 0640, why, sizeof(why));
	if (fd < 0) {
		log_error("spam log %s", why);
		rc = -1;
	} else {
		do
			n = write(fd, line.data, line.len);
		while (n < 0 && errno == EINTR);
		if (n < 0 || (size_t)n != line.len) {
			log_error("spam log %s: write failed: %s", sf->spam_log, n < 0 ? strerror(errno) : "short write");
			rc = -1;
		}
		close(fd);
	}
	buf_free(&line);
	return rc;
}

/* Appends "Name: value" folded at HDR_FOLD_AT columns between words. */
static void
hdr_put(struct buf *b, const char *name, const char *value)
{
	size_t col = strlen(name) + 2;
	const char *p = value;

	buf_printf(b, "%s:", name);
	for (;;) {
		size_t w;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		w = strcspn(p, " ");
		if (col > strlen(name) + 2 && col + 1 + w > HDR_FOLD_AT) {
			buf_puts(b, "\r\n\t");
			col = 8;
		} else {
			buf_putc(b, ' ');
			col++;
		}
		buf_append(b, p, w);
		col += w;
		p += w;
	}
	buf_puts(b, "\r\n");
}

int
spamfolder_format_envelope(const struct spam_meta *m, time_t now, struct buf *out)
{
	char ts[32], v[SPAMFOLDER_MAX_VALUE + 1], line[SPAMFOLDER_MAX_VALUE + 128];
	struct buf r;
	size_t shown = 0, total = 0;

	spamfolder_fmt_time(now, ts, sizeof(ts));
	cut(m->qid, 128, 0, v, sizeof(v));
	sanitize(v);
	/* the first line is the marker retention looks for: keep it first */
	snprintf(line, sizeof(line), "spfdkim-milter; saved=%s; qid=%s", ts, v[0] != '\0' ? v : "-");
	hdr_put(out, "X-Spam-Folder-Envelope", line);
	cut(m->client_ip, SPAMFOLDER_MAX_VALUE, 0, v, sizeof(v));
	sanitize(v);
	hdr_put(out, "X-Spam-Folder-Client-IP", v[0] != '\0' ? v : "-");
	cut(m->helo, SPAMFOLDER_MAX_VALUE, 0, v, sizeof(v));
	sanitize(v);
	hdr_put(out, "X-Spam-Folder-HELO", v[0] != '\0' ? v : "-");
	cut(m->mail_from, SPAMFOLDER_MAX_VALUE, 1, v, sizeof(v));
	sanitize(v);
	snprintf(line, sizeof(line), "<%s>", v);
	hdr_put(out, "X-Spam-Folder-Mail-From", line);

	buf_init(&r, 64 * 1024);
	for (size_t i = 0; i < m->nrcpts && m->rcpts != NULL; i++) {
		cut(m->rcpts[i], SPAMFOLDER_MAX_VALUE, 1, v, sizeof(v));
		sanitize(v);
		if (v[0] == '\0')
			continue;
		total++;
		if (shown >= SPAMFOLDER_MAX_RCPTS_SHOWN)
			continue;
		buf_printf(&r, "%s<%s>", r.len > 0 ? ", " : "", v);
		shown++;
	}
	if (total > shown)
		buf_printf(&r, "%s(%zu more)", r.len > 0 ? ", " : "", total - shown);
	hdr_put(out, "X-Spam-Folder-Rcpt-To", r.len > 0 ? buf_cstr(&r) : "-");
	buf_free(&r);

	cut(m->results, SPAMFOLDER_MAX_VALUE, 0, v, sizeof(v));
	sanitize(v);
	hdr_put(out, "X-Spam-Folder-Results", v[0] != '\0' ? v : "-");
	cut(m->action, 64, 0, v, sizeof(v));
	sanitize(v);
	hdr_put(out, "X-Spam-Folder-Action", v[0] != '\0' ? v : "-");
	cut(m->reply, SPAMFOLDER_MAX_VALUE, 0, v, sizeof(v));
	sanitize(v);
	if (v[0] != '\0')
		hdr_put(out, "X-Spam-Folder-Reply", v);
	return out->failed ? -1 : 0;
}
