/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log.c - process-wide logging: syslog, stderr or an append-only file.
 *
 * The target is global process state by nature (like syslog itself); it is
 * guarded by a mutex so a reload can switch it while sessions log. The level
 * is read without the lock (an atomic load) so that filtered-out debug lines
 * cost no locking. Lines are formatted into a bounded stack buffer; longer
 * lines are cut, never split.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"

#define LOG_LINE_MAX 4096

enum log_kind { LK_STDERR, LK_SYSLOG, LK_FILE };

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum log_kind log_kind = LK_STDERR;
static int log_fd = -1;
static enum log_level log_min = LOG_L_INFO;
static char log_ident[64] = "spfdkim";

static const char *const level_names[] = { "debug", "info", "warn", "error", "fatal" };

int
log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	if (strcasecmp(s, "warning") == 0) {
		*out = LOG_L_WARN;
		return 0;
	}
	return -1;
}

int
log_open(const char *ident, const char *target, enum log_level min, char *err, size_t errlen)
{
	enum log_kind kind;
	int fd = -1;

	if (target == NULL || strcmp(target, "stderr") == 0)
		kind = LK_STDERR;
	else if (strcmp(target, "syslog") == 0)
		kind = LK_SYSLOG;
	else {
		kind = LK_FILE;
		char why[512];
		if ((fd = fileio_open_append(target, 0640, why, sizeof(why))) < 0) {
			snprintf(err, errlen, "log file %s", why);
			return -1;
		}
	}
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	if (log_kind == LK_SYSLOG && kind != LK_SYSLOG)
		closelog();
	log_fd = fd;
	log_kind = kind;
	__atomic_store_n(&log_min, min, __ATOMIC_RELAXED);
	if (ident != NULL)
		strlcpy(log_ident, ident, sizeof(log_ident));
	if (kind == LK_SYSLOG)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void
log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	if (log_kind == LK_SYSLOG)
		closelog();
	log_kind = LK_STDERR;
	pthread_mutex_unlock(&log_lock);
}

void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT };
	char msg[LOG_LINE_MAX];
	char line[LOG_LINE_MAX + 128];
	int n;

	if (lvl < __atomic_load_n(&log_min, __ATOMIC_RELAXED) && lvl != LOG_L_FATAL)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		strlcpy(msg, "(unformattable log message)", sizeof(msg));
	/* One line per call: a stray newline in data must not forge a log line. */
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';

	pthread_mutex_lock(&log_lock);
	if (log_kind == LK_SYSLOG) {
		syslog(prio[lvl], "%s: %s", level_names[lvl], msg);
	} else {
		struct timespec ts;
		struct tm tm;
		char stamp[32];
		int fd = log_kind == LK_FILE ? log_fd : STDERR_FILENO;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s.%03ld %s[%ld]: %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, log_ident, (long)getpid(), level_names[lvl], msg);
		if (n > (int)sizeof(line) - 1) {
			n = (int)sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		if (n > 0 && write(fd, line, (size_t)n) < 0) {
			/* Nowhere left to report a logging failure. */
		}
	}
	pthread_mutex_unlock(&log_lock);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_L_FATAL, fmt, ap);
	va_end(ap);
	exit(1);
}

/* fmt, then ": " and the text of errnum, into out. */
static void
vfmt_errno(char *out, size_t len, int errnum, const char *fmt, va_list ap)
{
	char ebuf[128];
	int n = vsnprintf(out, len, fmt, ap);

	if (n < 0 && len > 0)
		out[0] = '\0';
	strlcat(out, ": ", len);
	strlcat(out, strerror_r(errnum, ebuf, sizeof(ebuf)), len);
}

void
log_sys(enum log_level lvl, const char *fmt, ...)
{
	int e = errno;
	char msg[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vfmt_errno(msg, sizeof(msg), e, fmt, ap);
	va_end(ap);
	log_msg(lvl, "%s", msg);
	errno = e;
}

void
log_fatal_sys(const char *fmt, ...)
{
	int e = errno;
	char msg[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vfmt_errno(msg, sizeof(msg), e, fmt, ap);
	va_end(ap);
	log_fatal("%s", msg);
}

void
syserr_fmt(char *err, size_t errlen, const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vfmt_errno(err, errlen, e, fmt, ap);
	va_end(ap);
	errno = e;
}
