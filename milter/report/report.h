/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.h - the hardening report: what the decision log says, and what
 * stricter settings would have done (spfdkim-ctl report).
 *
 * Feed it lines (any log line; DecisionLog lines, which start with "ts=" and
 * carry spf= and action=, and main-log lines holding "decision ts=" count;
 * anything else is skipped), then print it as text
 * or as one self-contained HTML page with inline SVG. Counts per SPF result,
 * DKIM verdict, action and skip reason; per sender domain (the decision's
 * domain=); per day; and the what-if scenarios (REPORT_WHATIF_*).
 * Caps: REPORT_MAX_DOMAINS distinct domains (later ones are counted under
 * "(other domains)"), REPORT_MAX_DAYS distinct days (later ones are counted
 * in the totals but not plotted), KV_LINE_MAX bytes per line (longer lines
 * are skipped and counted as overlong). Not thread-safe: one reader.
 */
#ifndef SPFDKIM_REPORT_H
#define SPFDKIM_REPORT_H

#include <stdio.h>
#include <time.h>

#define REPORT_MAX_DOMAINS 50000
#define REPORT_MAX_DAYS    3660
#define REPORT_TOP_TEXT    5      /* top domains per result in the text report */
#define REPORT_TOP_HTML    10
#define REPORT_WHATIF_LIST 10     /* domains listed per what-if scenario */

struct report;

/* Counts decisions with ts >= since (0: all). NULL on out-of-memory. */
struct report *report_new(time_t since);
void report_free(struct report *r);
/* One log line (newline optional). 1 counted, 0 not a decision or outside the window, -1 malformed. */
int report_feed(struct report *r, const char *line, size_t len);
/* Feeds every line of fp (named path in messages). 0, or -1 with a reason in err. */
int report_read(struct report *r, FILE *fp, const char *path, char *err, size_t errlen);

/*
 * Where the key=value part of a decision line starts (its "ts="), or NULL
 * when the line is not one: a DecisionLog line (starts with "ts="; *bare set
 * to 1) or a log line holding "decision ts=" (*bare 0).
 */
const char *report_decision_start(const char *line, size_t len, int *bare);
/* "YYYY-MM-DDTHH:MM:SSZ" -> seconds since the epoch. 0 or -1. */
int report_parse_ts(const char *s, time_t *out);

/* "30d", "12h", "2w", "45m", "90s", "all", or a date "YYYY-MM-DD" (UTC). 0 or -1. */
int report_parse_since(const char *s, time_t now, time_t *since, char *err, size_t errlen);

void report_print_text(const struct report *r, FILE *out, const char *source);
/* The HTML page. 0, or -1 on a write error. */
int report_write_html(const struct report *r, FILE *out, const char *source);

/* For tests and scripts. which: "spf", "dkim", "action", "skip", "dmarc"; value: e.g. "fail". */
unsigned long report_count(const struct report *r, const char *which, const char *value);
/* Lines seen / decisions counted / outside the window / malformed / overlong. */
struct report_totals {
	unsigned long lines, decisions, outside, malformed, overlong, domains, domain_overflow;
};
void report_totals(const struct report *r, struct report_totals *t);

/* What-if scenarios, in report order. */
enum { REPORT_WHATIF_SPF_FAIL, REPORT_WHATIF_SPF_SOFTFAIL, REPORT_WHATIF_SPF_TEMPERROR,
       REPORT_WHATIF_SPF_PERMERROR, REPORT_WHATIF_DKIM_FAIL, REPORT_WHATIF_COUNT };
struct report_whatif {
	const char *label;        /* "fail→reject" ... */
	const char *verb;         /* "refused" or "deferred" */
	const char *other_check;  /* "DKIM" (SPF scenarios) or "SPF" */
	unsigned long msgs;       /* messages the stricter action would have hit */
	unsigned long domains;    /* distinct sender domains among them */
	unsigned long other_pass; /* of msgs, how many passed the other check */
	unsigned long already;    /* of msgs, how many the current settings already refused */
};
void report_whatif(const struct report *r, int which, struct report_whatif *out);

#endif
