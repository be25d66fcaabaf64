/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_text.c - the report as plain text for a terminal.
 *
 * Stable line shapes (scripts and tests read them):
 *   "  spf=RESULT   COUNT   PCT%"  (and dkim=, action=, skip=)
 *   "LABEL would have refused N messages from M domains; P of them also
 *    passed DKIM (likely forwarders or mailing lists); A already refused"
 *   "dmarc p=reject honoured would have refused N messages; A already refused"
 *   "dmarc p=quarantine honoured would have quarantined N messages; A already
 *    quarantined or refused"
 */
#include <stdio.h>
#include <string.h>

#include "report_int.h"

static double
pct(unsigned long n, unsigned long total)
{
	return total == 0 ? 0.0 : 100.0 * (double)n / (double)total;
}

static void
fmt_ts(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strlcpy(out, "?", len);
}

static void
counts(FILE *out, const char *title, const char *key, const char *const *names, const unsigned long *c,
    int n, unsigned long total)
{
	fprintf(out, "\n%s\n", title);
	for (int i = 0; i < n; i++) {
		char k[48];

		if (c[i] == 0 && (i == n - 1 || strcmp(names[i], "-") == 0))
			continue;   /* "other" and "not checked" only when present */
		snprintf(k, sizeof(k), "%s=%s", key, names[i]);
		fprintf(out, "  %-22s %9lu %6.1f%%\n", k, c[i], pct(c[i], total));
	}
}

static void
top_line(FILE *out, const struct report *r, const char *key, const char *name, int metric)
{
	size_t idx[REPORT_TOP_TEXT], n = report_top(r, metric, idx, REPORT_TOP_TEXT);

	if (n == 0)
		return;
	fprintf(out, "  %s=%s:", key, name);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s %s (%lu)", i ? "," : "", r->doms[idx[i]].name,
		    report_dom_count(&r->doms[idx[i]], metric));
	fputc('\n', out);
}

void
report_print_text(const struct report *r, FILE *out, const char *source)
{
	char a[32], b[32];

	fprintf(out, "spfdkim-milter report: %s\n", source != NULL ? source : "(stdin)");
	if (r->since > 0) {
		fmt_ts(r->since, a, sizeof(a));
		fprintf(out, "window: since %s\n", a);
	} else
		fprintf(out, "window: whole log\n");
	if (r->decisions > 0) {
		fmt_ts(r->first, a, sizeof(a));
		fmt_ts(r->last, b, sizeof(b));
		fprintf(out, "decisions: %lu, from %s to %s\n", r->decisions, a, b);
	} else
		fprintf(out, "decisions: 0\n");
	fprintf(out, "lines read: %lu, outside the window: %lu, malformed: %lu, overlong: %lu\n",
	    r->lines, r->outside, r->malformed, r->overlong);
	if (r->malformed > 0)
		fprintf(out, "first malformed: %s\n", r->first_malformed);
	if (r->domain_overflow > 0)
		fprintf(out, "note: more than %d sender domains; %lu decisions counted under (other domains)\n",
		    REPORT_MAX_DOMAINS, r->domain_overflow);

	counts(out, "Per SPF result", "spf", report_spf_names, r->spf, R_RES, r->decisions);
	counts(out, "Per DKIM result", "dkim", report_dkim_names, r->dkim, R_RES, r->decisions);
	counts(out, "Per action", "action", report_act_names, r->act, R_ACT, r->decisions);
	counts(out, "Checks skipped", "skip", report_skip_names, r->skip, R_SKIP, r->decisions);
	counts(out, "Per DMARC result", "dmarc", report_dmarc_names, r->dmarc, R_DMARC, r->decisions);

	fprintf(out, "\nTop sender domains per SPF result\n");
	for (int i = 1; i < R_RES; i++)
		top_line(out, r, "spf", report_spf_names[i], i);
	fprintf(out, "\nTop sender domains per DKIM result\n");
	for (int i = 1; i < R_RES; i++)
		top_line(out, r, "dkim", report_dkim_names[i], R_METRIC_DKIM(i));

	fprintf(out, "\nWhat if\n");
	for (int w = 0; w < REPORT_WHATIF_COUNT; w++) {
		struct report_whatif wi;
		size_t idx[REPORT_WHATIF_LIST], n;
		int m = report_whatif_metric(w);

		report_whatif(r, w, &wi);
		fprintf(out, "%s would have %s %lu messages from %lu domains; %lu of them also passed %s%s; %lu already %s\n",
		    wi.label, wi.verb, wi.msgs, wi.domains, wi.other_pass, wi.other_check,
		    m < R_RES && wi.other_pass > 0 ? " (likely forwarders or mailing lists)" : "", wi.already,
		    w == REPORT_WHATIF_SPF_TEMPERROR ? "refused or deferred" : "refused");
		n = report_top(r, m, idx, REPORT_WHATIF_LIST);
		for (size_t i = 0; i < n; i++)
			fprintf(out, "    %-40s %7lu messages, %lu passed %s\n", r->doms[idx[i]].name,
			    report_dom_count(&r->doms[idx[i]], m), report_dom_otherpass(&r->doms[idx[i]], m),
			    wi.other_check);
		if (wi.domains > n)
			fprintf(out, "    ... and %lu more domains\n", wi.domains - n);
	}
	/* DMARC: the disposition each failing message's domain asked for (after pct). */
	fprintf(out, "dmarc p=reject honoured would have refused %lu messages; %lu already refused\n",
	    r->dmarc_req_reject, r->dmarc_reject_already);
	fprintf(out, "dmarc p=quarantine honoured would have quarantined %lu messages; %lu already quarantined or refused\n",
	    r->dmarc_req_quarantine, r->dmarc_quarantine_already);
}
