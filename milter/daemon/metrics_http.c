/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics_http.c - serves the counters of metrics.c at /metrics in the
 * Prometheus text format, over libmicrohttpd.
 *
 * One internal polling thread of libmicrohttpd answers every request; a
 * scrape renders a few KB, reads the current runtime's DNS statistics and
 * walks its spam folder (spamfolder_usage, capped), so the thread never
 * touches a session. Only GET and HEAD of /metrics are answered (others get
 * 404 or 405); at most METRICS_HTTP_CONNS clients at a time, each dropped
 * after METRICS_HTTP_TIMEOUT idle seconds. Started once, before privileges
 * are dropped; a reload does not move it.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "metrics_http.h"
#include "runtime.h"

#define METRICS_HTTP_CONNS   16
#define METRICS_HTTP_TIMEOUT 10

static struct MHD_Daemon *daemon_h;

static void
fill_ext(struct metrics_ext *x)
{
	struct runtime *rt = runtime_acquire();

	memset(x, 0, sizeof(*x));
	if (rt == NULL)
		return;
	if (rt->dns != NULL) {
		struct dns_stats st;

		dns_stats_get(rt->dns, &st);
		x->have_dns = 1;
		x->dns_lookups = st.lookups;
		x->dns_cache_hits = st.cache_hits;
		x->dns_upstream = st.upstream;
		x->dns_timeouts = st.timeouts;
		x->dns_failures = st.failures;
	}
	if (rt->spam != NULL && spamfolder_enabled(rt->spam)) {
		unsigned long long files, bytes;

		/* A folder that cannot be read shows what could be counted. */
		(void)spamfolder_usage(rt->spam, &files, &bytes);
		x->have_spam = 1;
		x->spam_files = files;
		x->spam_bytes = bytes;
	}
	runtime_release(rt);
}

static enum MHD_Result
reply_text(struct MHD_Connection *conn, unsigned status, const char *type, char *text, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **state)
{
	struct metrics_ext x;
	struct buf b;
	size_t len;

	(void)cls; (void)version; (void)upload; (void)upload_len; (void)state;
	if (strcmp(url, "/metrics") != 0)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "text/plain", strdup("not found: try /metrics\n"), 24);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", strdup("GET only\n"), 9);
	fill_ext(&x);
	buf_init(&b, METRICS_TEXT_MAX);
	if (metrics_render(&b, &x) < 0) {
		buf_free(&b);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", strdup("render failed\n"), 14);
	}
	len = b.len;
	return reply_text(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", buf_take(&b), len);
}

int
metrics_http_start(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	sigset_t all, old;
	char why[256];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;

	if (metrics_parse_socket(spec, &ss, &sl, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "MetricsSocket: %s", why);
		return -1;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The server's thread must leave the process signals to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	daemon_h = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_CONNS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (daemon_h == NULL) {
		snprintf(err, errlen, "MetricsSocket %s: cannot listen (in use, or no permission)", spec);
		return -1;
	}
	return 0;
}

void
metrics_http_stop(void)
{
	if (daemon_h != NULL)
		MHD_stop_daemon(daemon_h);
	daemon_h = NULL;
}
