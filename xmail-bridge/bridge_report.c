/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bridge_report.c - how a bridge call ends, as XMail and the admin see it:
 * the exit code, $(FILE).rej (one "DDD x.y.z text" line, written only with
 * exit 3 and never once $(FILE) is gone), and one log line per call in
 * XMail's style (TAB-separated double-quoted fields) to syslog, a file or
 * stderr. The contract is tests/data/xmail/README.md, section 3.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"
#include "fileio.h"
#include "log.h"

void
set_detail(struct run *r, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(r->detail);

	if (n > 0 && n + 2 < sizeof(r->detail)) {
		r->detail[n++] = ';';
		r->detail[n++] = ' ';
		r->detail[n] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(r->detail + n, sizeof(r->detail) - n, fmt, ap);
	va_end(ap);
}

void
set_detail_sys(struct run *r, const char *fmt, ...)
{
	int saved = errno;
	char what[512], e[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	errno = saved;
	syserr_fmt(e, sizeof(e), "%s", what);
	set_detail(r, "%s", e);
}

/* XMail log style: every field in double quotes, TAB-separated, LF. XMail
 * escapes nothing; we replace '"' and control bytes so fields stay intact. */
static void
put_field(struct buf *b, const char *s, int first)
{
	if (!first)
		buf_putc(b, '\t');
	buf_putc(b, '"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		buf_putc(b, c == '"' ? '\'' : (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
	}
	buf_putc(b, '"');
}

void
write_log(struct run *r)
{
	struct buf b;
	char ts[32], ms[32], mw[32], ex[8];
	time_t now = time(NULL);
	struct tm tm;
	struct timespec tn;
	int64_t el_us;

	clock_gettime(CLOCK_MONOTONIC, &tn);
	el_us = (int64_t)tn.tv_sec * 1000000 + tn.tv_nsec / 1000 - r->t0_us;

	if (strcmp(r->o.log, "none") == 0)
		return;
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	/* milliseconds with microseconds: the call and the time spent waiting on the milter */
	snprintf(ms, sizeof(ms), "%lld.%03lld", (long long)(el_us / 1000), (long long)(el_us % 1000));
	snprintf(mw, sizeof(mw), "%llu.%03llu", (unsigned long long)(r->milter_wait_us / 1000),
	    (unsigned long long)(r->milter_wait_us % 1000));
	snprintf(ex, sizeof(ex), "%d", r->exit_code);
	buf_init(&b, 16384);
	put_field(&b, ts, 1);
	put_field(&b, r->o.stage_name ? r->o.stage_name : "-", 0);
	put_field(&b, r->o.msgref, 0);
	put_field(&b, r->o.remote, 0);
	put_field(&b, r->o.from, 0);
	put_field(&b, buf_cstr(&r->rcpts), 0);
	put_field(&b, r->o.milter ? r->o.milter : "-", 0);
	put_field(&b, r->verdict, 0);
	put_field(&b, ex, 0);
	put_field(&b, r->reply, 0);
	put_field(&b, r->mods, 0);
	put_field(&b, ms, 0);
	put_field(&b, mw, 0);
	put_field(&b, r->detail, 0);
	buf_putc(&b, '\n');
	if (strcmp(r->o.log, "syslog") == 0) {
		b.data[b.len - 1] = '\0';
		openlog("xmail-milter-bridge", LOG_PID, LOG_MAIL);
		syslog(strcmp(r->verdict, "accept") == 0 && r->detail[0] == '\0' ? LOG_INFO : LOG_NOTICE,
		    "%s", b.data);
		closelog();
	} else if (strcmp(r->o.log, "stderr") == 0) {
		(void)!write(2, b.data, b.len);
	} else {
		int fd = open(r->o.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd >= 0) {
			(void)!write(fd, b.data, b.len); /* one write: whole line */
			close(fd);
		}
	}
	buf_free(&b);
}

/* Writes $(FILE).rej: one line. 0 or -1. */
static int
write_rej(struct run *r, const char *line)
{
	char path[4096];
	int fd, bad;
	struct buf b;

	if (snprintf(path, sizeof(path), "%s.rej", r->o.file) >= (int)sizeof(path))
		return -1;
	/* XMail deletes $(FILE) when it stops waiting (its timeout): a .rej
	 * written then would stay behind for good. */
	if (access(r->o.file, F_OK) < 0) {
		set_detail(r, "%s is gone (XMail gave up waiting): no .rej", r->o.file);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		set_detail_sys(r, "%s", path);
		return -1;
	}
	buf_init(&b, 0);
	buf_printf(&b, "%s\r\n", line);
	bad = fileio_write_all(fd, b.data, b.len) < 0;
	if (close(fd) < 0 || bad) {
		set_detail_sys(r, "%s: write", path);
		buf_free(&b);
		unlink(path);
		return -1;
	}
	buf_free(&b);
	return 0;
}

/* Ends the run with exit 3 and a .rej, or accepts when the .rej fails
 * on a temporary verdict (a 554 default would turn it permanent). */
int
finish_reject(struct run *r, int temp, const char *reply)
{
	char line[MC_REPLY_MAX];

	mc_fold_reply(reply, temp ? "451" : "550", temp ? "4.7.1" : "5.7.1", line, sizeof(line));
	strlcpy(r->reply, line, sizeof(r->reply));
	if (write_rej(r, line) < 0 && (temp || access(r->o.file, F_OK) < 0)) {
		r->verdict = "accept";
		r->reply[0] = '\0';
		set_detail(r, "no .rej written: accepted");
		return r->exit_code = EXIT_ACCEPT;
	}
	r->verdict = temp ? "tempfail" : "reject";
	return r->exit_code = EXIT_REJECT;
}

/* The configured policy for milter or local errors; the file is untouched. */
int
finish_error(struct run *r)
{
	if (r->o.tempfail_on_error)
		return finish_reject(r, 1, "451 4.7.1 Service unavailable - try again later");
	r->verdict = "accept";
	return r->exit_code = EXIT_ACCEPT;
}
