/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_int.h - the report's counters, shared by report_stats.c (parsing
 * and counting), report_text.c and report_html.c (output). Not for other
 * modules: use report.h.
 */
#ifndef SPFDKIM_REPORT_INT_H
#define SPFDKIM_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "report.h"

#define R_RES   9   /* result slots: the 8 names below plus "other" */
#define R_ACT   5
#define R_SKIP  6
#define R_OTHER 8
#define R_DMARC 7   /* "-", none, pass, fail, temperror, permerror, other */

extern const char *const report_spf_names[R_RES];   /* "-", none, neutral, pass, fail, softfail, temperror, permerror, other */
extern const char *const report_dkim_names[R_RES];  /* "-", none, pass, fail, neutral, policy, temperror, permerror, other */
extern const char *const report_act_names[R_ACT];   /* accept reject save-reject quarantine other */
extern const char *const report_skip_names[R_SKIP]; /* "-", auth whitelist loopback lan other */
extern const char *const report_dmarc_names[R_DMARC];

enum { SPF_I_PASS = 3, SPF_I_FAIL = 4, SPF_I_SOFTFAIL = 5, SPF_I_TEMPERROR = 6, SPF_I_PERMERROR = 7 };
enum { DKIM_I_PASS = 2, DKIM_I_FAIL = 3 };

struct rdomain {
	char *name;
	uint32_t spf[R_RES], spf_dkimpass[R_RES];
	uint32_t dkim[R_RES], dkim_spfpass[R_RES];
};

struct rday {
	long day;                  /* days since the epoch, UTC */
	uint32_t spf[R_RES];
	uint32_t act[R_ACT];
	uint32_t whatif[REPORT_WHATIF_COUNT];
};

struct report {
	time_t since;
	time_t first, last;        /* ts range of counted decisions */
	unsigned long lines, decisions, outside, malformed, overlong, domain_overflow;
	unsigned long spf[R_RES], dkim[R_RES], act[R_ACT], skip[R_SKIP];
	unsigned long spf_refused[R_RES], dkim_refused[R_RES];
	unsigned long spf_dkimpass[R_RES], dkim_spfpass[R_RES];
	unsigned long dmarc[R_DMARC];
	/* DMARC failures by the disposition the domain asked for (dmarc_req=),
	   and how many of them the current settings already refused or saved */
	unsigned long dmarc_req_reject, dmarc_req_quarantine;
	unsigned long dmarc_reject_already, dmarc_quarantine_already;
	/* domains: open-addressing hash of indexes into doms */
	struct rdomain *doms;
	size_t ndoms, domcap;
	uint32_t *hash;            /* index+1, 0 empty */
	size_t hashcap;            /* power of two, > 2 * REPORT_MAX_DOMAINS */
	struct rday *days;         /* sorted by day */
	size_t ndays, daycap;
	char first_malformed[256]; /* "line N: reason" of the first malformed line */
};

/*
 * A metric names one per-domain counter: m < R_RES is spf[m], R_RES <= m <
 * 2*R_RES is dkim[m - R_RES]. report_whatif_metric() maps a scenario to one.
 */
#define R_METRIC_DKIM(i) (R_RES + (i))
int report_whatif_metric(int which);
unsigned long report_dom_count(const struct rdomain *d, int metric);
/* Of those, how many passed the other check (DKIM for SPF metrics, SPF for DKIM ones). */
unsigned long report_dom_otherpass(const struct rdomain *d, int metric);
/* Fills idx[] with up to k domain indexes, largest count first (ties: by name); returns how many. */
size_t report_top(const struct report *r, int metric, size_t *idx, size_t k);

#endif
