/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics.c - the counters of metrics.h and their Prometheus text.
 *
 * Each label set is a row of a static table with its own counters; a value
 * is found by a short linear search over at most a dozen names, so counting
 * a message costs a few string compares and atomic adds. The tables are
 * rendered in full every time (zeros included), which keeps every series
 * present from the first scrape and the output a fixed size.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "sockspec.h"

#define NAMES_MAX 12                 /* values per label set, "other" included */

struct labelset {
	const char *name;                /* method name, or NULL for a plain set */
	const char *const values[NAMES_MAX]; /* NULL-terminated; "other" is implicit */
	uint64_t count[NAMES_MAX + 1];
};

/* One row per authentication method; the results are the RFC 8601 names. */
static struct labelset methods[] = {
	/* "policy": an unusable From: under SPFIdentity header-from (SPFBadFromAction). */
	{ "spf", { "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror", "policy" }, { 0 } },
	{ "dkim", { "none", "pass", "fail", "neutral", "policy", "temperror", "permerror" }, { 0 } },
	{ "dmarc", { "none", "pass", "fail", "temperror", "permerror" }, { 0 } },
	{ "arc", { "none", "pass", "fail" }, { 0 } },
};
#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

static struct labelset actions = {
	NULL, { "accept", "reject", "save-reject", "quarantine", "tempfail", "discard" }, { 0 }
};
static struct labelset skips = { NULL, { "auth", "whitelist", "loopback", "lan" }, { 0 } };

static uint64_t counters[MC_COUNT];
static int64_t active_sessions;

/* Decision time histogram, upper bounds in milliseconds (+Inf is the last slot). */
static const unsigned hist_le_ms[] = { 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 };
#define NBUCKETS (sizeof(hist_le_ms) / sizeof(hist_le_ms[0]))
static uint64_t hist_count[NBUCKETS + 1];  /* per bucket, not cumulative */
static uint64_t hist_sum_ms;

static void
add(uint64_t *p)
{
	__atomic_add_fetch(p, 1, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void
labelset_count(struct labelset *ls, const char *value)
{
	size_t i;

	for (i = 0; i < NAMES_MAX && ls->values[i] != NULL; i++)
		if (strcmp(ls->values[i], value) == 0)
			break;
	if (i < NAMES_MAX && ls->values[i] == NULL)
		i = NAMES_MAX;               /* "other" */
	add(&ls->count[i]);
}

void
metrics_inc(enum metrics_counter c)
{
	if ((unsigned)c < MC_COUNT)
		add(&counters[c]);
}

void
metrics_session_open(void)
{
	add(&counters[MC_SESSIONS]);
	__atomic_add_fetch(&active_sessions, 1, __ATOMIC_RELAXED);
}

void
metrics_session_close(void)
{
	__atomic_sub_fetch(&active_sessions, 1, __ATOMIC_RELAXED);
}

void
metrics_result(const char *method, const char *result)
{
	if (method == NULL || result == NULL || strcmp(result, "-") == 0)
		return;
	for (size_t m = 0; m < NMETHODS; m++)
		if (strcmp(methods[m].name, method) == 0) {
			labelset_count(&methods[m], result);
			return;
		}
}

void
metrics_action(const char *action)
{
	if (action != NULL)
		labelset_count(&actions, action);
}

void
metrics_skip(const char *reason)
{
	if (reason != NULL)
		labelset_count(&skips, reason);
}

void
metrics_decision_ms(uint64_t ms)
{
	size_t b = 0;

	while (b < NBUCKETS && ms > hist_le_ms[b])
		b++;
	add(&hist_count[b]);
	__atomic_add_fetch(&hist_sum_ms, ms, __ATOMIC_RELAXED);
}

/* --- rendering ------------------------------------------------------------ */

static void
head(struct buf *o, const char *name, const char *type, const char *help)
{
	buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
one(struct buf *o, const char *name, const char *type, const char *help, uint64_t v)
{
	head(o, name, type, help);
	buf_printf(o, "%s %llu\n", name, (unsigned long long)v);
}

/* Rows of one label set; prefix is e.g. "method=\"spf\"," or "". */
static void
rows(struct buf *o, const char *name, const char *prefix, const char *label, const struct labelset *ls)
{
	size_t i;

	for (i = 0; i < NAMES_MAX && ls->values[i] != NULL; i++)
		buf_printf(o, "%s{%s%s=\"%s\"} %llu\n", name, prefix, label, ls->values[i],
		    (unsigned long long)get(&ls->count[i]));
	buf_printf(o, "%s{%s%s=\"other\"} %llu\n", name, prefix, label,
	    (unsigned long long)get(&ls->count[NAMES_MAX]));
}

int
metrics_render(struct buf *o, const struct metrics_ext *x)
{
	uint64_t cum = 0;
	int64_t active = __atomic_load_n(&active_sessions, __ATOMIC_RELAXED);

	if (o->max == 0 || o->max > METRICS_TEXT_MAX)
		o->max = METRICS_TEXT_MAX;
	one(o, "spfdkim_messages_total", "counter", "Messages that reached a decision.", get(&counters[MC_MESSAGES]));
	one(o, "spfdkim_sessions_total", "counter", "Milter sessions (SMTP connections) opened.",
	    get(&counters[MC_SESSIONS]));
	one(o, "spfdkim_sessions_active", "gauge", "Milter sessions open now.",
	    (uint64_t)(active > 0 ? active : 0));

	head(o, "spfdkim_auth_results_total", "counter",
	    "Messages by authentication method and result (SPF: the checked identity).");
	for (size_t m = 0; m < NMETHODS; m++) {
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "method=\"%s\",", methods[m].name);
		rows(o, "spfdkim_auth_results_total", prefix, "result", &methods[m]);
	}
	head(o, "spfdkim_actions_total", "counter", "Messages by the action taken.");
	rows(o, "spfdkim_actions_total", "", "action", &actions);
	head(o, "spfdkim_skipped_total", "counter", "Messages not checked, by reason.");
	rows(o, "spfdkim_skipped_total", "", "reason", &skips);

	head(o, "spfdkim_decision_seconds", "histogram",
	    "Time from MAIL FROM to the decision per message (millisecond resolution).");
	for (size_t b = 0; b < NBUCKETS; b++) {
		cum += get(&hist_count[b]);
		buf_printf(o, "spfdkim_decision_seconds_bucket{le=\"%g\"} %llu\n", hist_le_ms[b] / 1000.0,
		    (unsigned long long)cum);
	}
	cum += get(&hist_count[NBUCKETS]);
	buf_printf(o, "spfdkim_decision_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
	{
		uint64_t s = get(&hist_sum_ms);
		buf_printf(o, "spfdkim_decision_seconds_sum %llu.%03u\n", (unsigned long long)(s / 1000),
		    (unsigned)(s % 1000));
	}
	buf_printf(o, "spfdkim_decision_seconds_count %llu\n", (unsigned long long)cum);

	one(o, "spfdkim_config_reloads_total", "counter", "Configuration reloads that took effect.",
	    get(&counters[MC_RELOADS]));
	one(o, "spfdkim_config_reload_failures_total", "counter",
	    "Configuration reloads refused (the running configuration was kept).",
	    get(&counters[MC_RELOAD_FAILURES]));

	if (x != NULL && x->have_dns) {
		one(o, "spfdkim_dns_lookups_total", "counter", "DNS lookups made by the checks.", x->dns_lookups);
		one(o, "spfdkim_dns_cache_hits_total", "counter", "DNS lookups answered from the milter's cache.",
		    x->dns_cache_hits);
		one(o, "spfdkim_dns_queries_total", "counter", "DNS queries sent to the resolver.", x->dns_upstream);
		one(o, "spfdkim_dns_timeouts_total", "counter", "DNS queries that timed out.", x->dns_timeouts);
		one(o, "spfdkim_dns_servfail_total", "counter", "DNS queries answered SERVFAIL or failed in the resolver.",
		    x->dns_failures);
	}

	one(o, "spfdkim_spamfolder_saved_total", "counter", "Copies written to the spam folder.",
	    get(&counters[MC_SPAM_SAVED]));
	one(o, "spfdkim_spamfolder_save_failures_total", "counter", "Spam folder copies that could not be written.",
	    get(&counters[MC_SPAM_SAVE_FAILED]));
	if (x != NULL && x->have_spam) {
		one(o, "spfdkim_spamfolder_bytes", "gauge", "Bytes of the milter's copies in the spam folder.",
		    x->spam_bytes);
		one(o, "spfdkim_spamfolder_files", "gauge", "The milter's copies in the spam folder.", x->spam_files);
	}
	return o->failed ? -1 : 0;
}

/* --- the listening address ------------------------------------------------ */

int
metrics_parse_socket(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen, char *err, size_t errlen)
{
	struct sockspec sp;
	char why[300];
	const char *host;

	memset(ss, 0, sizeof(*ss));
	if (sockspec_parse(spec, &sp, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "\"%.80s\": %s", spec, why);
		return -1;
	}
	if (sp.kind == SOCKSPEC_UNIX) {
		snprintf(err, errlen, "\"%.80s\" is not inet:port@address or inet6:port@address (HTTP needs TCP)", spec);
		return -1;
	}
	host = sp.host[0] != '\0' ? sp.host : sp.kind == SOCKSPEC_INET6 ? "::1" : "127.0.0.1";
	if (sp.kind == SOCKSPEC_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)sp.port);
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			snprintf(err, errlen, "\"%.80s\": \"%.80s\" is not a numeric IPv4 address", spec, host);
			return -1;
		}
		*sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)sp.port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			snprintf(err, errlen, "\"%.80s\": \"%.80s\" is not a numeric IPv6 address", spec, host);
			return -1;
		}
		*sslen = sizeof(*sin6);
	}
	return 0;
}
