/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics.h - process-wide counters for monitoring, and their Prometheus
 * text rendering.
 *
 * The counters are plain 64-bit atomics bumped with relaxed ordering: any
 * thread may count at any time at the cost of one uncontended atomic add,
 * and nothing is locked. Every label set is fixed at compile time (methods
 * and their results, actions, skip reasons): nothing per domain or sender,
 * and a value outside the table is counted as "other". A new method (DMARC)
 * is one more row in the method table of metrics.c.
 *
 * Values that live elsewhere (the DNS resolver's statistics, the spam
 * folder's size) are passed in by the caller at render time.
 */
#ifndef SPFDKIM_METRICS_H
#define SPFDKIM_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "buf.h"

enum metrics_counter {
	MC_MESSAGES,             /* messages that reached a decision */
	MC_SESSIONS,             /* milter sessions (SMTP connections) opened */
	MC_RELOADS,              /* configuration reloads that took effect */
	MC_RELOAD_FAILURES,      /* reloads refused (the running configuration stays) */
	MC_SPAM_SAVED,           /* spam folder copies written */
	MC_SPAM_SAVE_FAILED,     /* spam folder copies that could not be written */
	MC_COUNT
};

void metrics_inc(enum metrics_counter c);
/* The active-sessions gauge. */
void metrics_session_open(void);
void metrics_session_close(void);
/* One message's result for a method ("spf", "dkim", ...); NULL or "-": not checked. */
void metrics_result(const char *method, const char *result);
/* One message's action ("accept", "reject", ...) and skip reason ("auth", ...). */
void metrics_action(const char *action);
void metrics_skip(const char *reason);
/* One message's decision time (MAIL FROM to the decision), in milliseconds. */
void metrics_decision_ms(uint64_t ms);

/* Values kept by other modules, read by the caller just before rendering. */
struct metrics_ext {
	int have_dns;
	uint64_t dns_lookups, dns_cache_hits, dns_upstream, dns_timeouts, dns_failures;
	int have_spam;               /* a spam folder is configured */
	uint64_t spam_bytes, spam_files;
};

/* Cap on the rendered text (it is a fixed set of series, a few KB). */
#define METRICS_TEXT_MAX (64u * 1024u)

/* Appends the Prometheus text exposition (format 0.0.4) to out. 0 or -1 (cap). */
int metrics_render(struct buf *out, const struct metrics_ext *x);

/*
 * "inet:PORT@ADDR" or "inet6:PORT@ADDR" (ADDR a numeric address; "inet:PORT"
 * alone means 127.0.0.1) -> a socket address to listen on. 0, or -1 with a
 * reason naming the text in err.
 */
int metrics_parse_socket(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen,
                         char *err, size_t errlen);

#endif
