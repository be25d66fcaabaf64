/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log.h - process-wide logging: syslog, stderr or an append-only file.
 *
 * Levels follow Postfix: info, warn, error, fatal (fatal logs and exits, so
 * only main() and start-up code may call it), plus debug. One call writes one
 * whole line with a single write(), so concurrent threads and processes never
 * interleave within a line. The target is set once at start-up or reload;
 * log_open() may be called again (it is locked), callers never free anything.
 *
 * The *_sys variants append ": " and strerror(errno), like Postfix's "%m"
 * or OpenSMTPD's log_warn(); syserr_fmt() does the same for an error string
 * handed back to a caller. errno is read before anything else runs.
 */
#ifndef SPFDKIM_LOG_H
#define SPFDKIM_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_L_DEBUG, LOG_L_INFO, LOG_L_WARN, LOG_L_ERROR, LOG_L_FATAL };

/*
 * target: "syslog" (facility mail), "stderr", or a file path (opened O_APPEND,
 * created 0640). Returns 0, or -1 with a reason in err; the old target stays.
 */
int log_open(const char *ident, const char *target, enum log_level min,
             char *err, size_t errlen);
/* Parses "debug", "info", "warn", "error"; returns -1 on anything else. */
int log_level_parse(const char *s, enum log_level *out);
void log_close(void);

void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap);

#define log_debug(...) log_msg(LOG_L_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_L_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_L_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_L_ERROR, __VA_ARGS__)
/* Logs at fatal level and calls exit(1). */
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

void log_sys(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_warn_sys(...)  log_sys(LOG_L_WARN, __VA_ARGS__)
#define log_error_sys(...) log_sys(LOG_L_ERROR, __VA_ARGS__)
void log_fatal_sys(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Formats into err and appends ": strerror(errno)"; err is always terminated. */
void syserr_fmt(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
