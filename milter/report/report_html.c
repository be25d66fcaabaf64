/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_html.c - the report as one self-contained HTML page: inline CSS and
 * inline SVG plots (SPF results per day, what-if impact), then the tables of
 * the text report. No scripts, fonts or links to anything outside the page.
 * Every string from the log (domains) is HTML-escaped.
 */
#include <stdio.h>
#include <string.h>

#include "report_int.h"

/* Stack order bottom-up, and colours, by SPF slot. */
static const int stack_order[R_RES] = { 3, 1, 2, 5, 4, 7, 6, 0, 8 };
static const char *const spf_colour[R_RES] = {
	"#64b5f6", /* - (not checked / skipped) */
	"#9e9e9e", /* none */
	"#b0bec5", /* neutral */
	"#2e7d32", /* pass */
	"#c62828", /* fail */
	"#ef6c00", /* softfail */
	"#6a1b9a", /* temperror */
	"#795548", /* permerror */
	"#e0e0e0", /* other */
};

static void
esc(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

static void
day_label(long day, char *out, size_t len, const char *fmt)
{
	time_t t = (time_t)day * 86400;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, len, fmt, &tm) == 0)
		strlcpy(out, "?", len);
}

/* A "nice" tick step (1, 2 or 5 times a power of ten) for about 5 ticks up to max. */
static unsigned long
nice_step(unsigned long max)
{
	unsigned long p = 1;

	if (max < 5)
		return 1;
	while (p * 10 <= max / 5)
		p *= 10;
	if (p * 5 <= max / 5)
		return p * 5;
	if (p * 2 <= max / 5)
		return p * 2;
	return p;
}

static void
plot_days(const struct report *r, FILE *out)
{
	const double W = 1100, H = 380, L = 70, R = 20, T = 20, B = 70;
	long d0, d1, nd;
	unsigned long ymax = 1, step;
	double bw, x0, ph = H - T - B, pw = W - L - R;

	fprintf(out, "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"SPF results per day\">\n",
	    W, H, W, H);
	if (r->ndays == 0) {
		fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" class=\"muted\">no decisions in the window</text></svg>\n", W / 2, H / 2);
		return;
	}
	d0 = r->days[0].day;
	d1 = r->days[r->ndays - 1].day;
	nd = d1 - d0 + 1;
	for (size_t i = 0; i < r->ndays; i++) {
		unsigned long t = 0;
		for (int s = 0; s < R_RES; s++)
			t += r->days[i].spf[s];
		if (t > ymax)
			ymax = t;
	}
	step = nice_step(ymax);
	ymax = ((ymax + step - 1) / step) * step;
	bw = pw / (double)nd;
	if (bw > 60)
		bw = 60;   /* a few days: keep bars bar-shaped, centred */
	x0 = L + (pw - bw * (double)nd) / 2;
	/* grid and y axis */
	for (unsigned long v = 0; v <= ymax; v += step) {
		double y = T + ph - ph * (double)v / (double)ymax;
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
		    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%lu</text>\n",
		    L, y, W - R, y, L - 6, y + 4, v);
	}
	/* bars */
	for (size_t i = 0; i < r->ndays; i++) {
		double x = x0 + bw * (double)(r->days[i].day - d0), y = T + ph;
		char lab[32];

		day_label(r->days[i].day, lab, sizeof(lab), "%Y-%m-%d");
		for (int o = 0; o < R_RES; o++) {
			int s = stack_order[o];
			double h = ph * (double)r->days[i].spf[s] / (double)ymax;
			if (r->days[i].spf[s] == 0)
				continue;
			y -= h;
			fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"><title>%s spf=%s: %u</title></rect>\n",
			    x + bw * 0.1, y, bw * 0.8 > 0.5 ? bw * 0.8 : 0.5, h, spf_colour[s], lab, report_spf_names[s],
			    r->days[i].spf[s]);
		}
	}
	/* x labels: about 12 */
	{
		long every = nd / 12 + 1;
		for (long d = d0; d <= d1; d += every) {
			char lab[32];
			double x = x0 + bw * ((double)(d - d0) + 0.5);
			day_label(d, lab, sizeof(lab), "%m-%d");
			fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"tick\">%s</text>\n", x, T + ph + 18, lab);
		}
	}
	fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n", L, T + ph, W - R, T + ph);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" transform=\"rotate(-90 %.1f %.1f)\" text-anchor=\"middle\">messages per day</text>\n",
	    16.0, T + ph / 2, 16.0, T + ph / 2);
	/* legend */
	{
		double x = L;
		for (int o = 0; o < R_RES; o++) {
			int s = stack_order[o];
			if (r->spf[s] == 0)
				continue;
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\"/>"
			    "<text x=\"%.1f\" y=\"%.1f\" class=\"legend\">%s%s</text>\n",
			    x, H - 30, spf_colour[s], x + 19, H - 19, s == 0 ? "not checked" : "", s == 0 ? "" : report_spf_names[s]);
			x += 125;
		}
	}
	fprintf(out, "</svg>\n");
}

static void
plot_whatif(const struct report *r, FILE *out)
{
	const double W = 1100, L = 190, R = 320, T = 20, rowh = 46, B = 50;
	const double H = T + rowh * REPORT_WHATIF_COUNT + B, pw = W - L - R;
	unsigned long max = 1;
	struct report_whatif wi[REPORT_WHATIF_COUNT];

	for (int w = 0; w < REPORT_WHATIF_COUNT; w++) {
		report_whatif(r, w, &wi[w]);
		if (wi[w].msgs > max)
			max = wi[w].msgs;
	}
	fprintf(out, "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"What-if impact\">\n",
	    W, H, W, H);
	for (int w = 0; w < REPORT_WHATIF_COUNT; w++) {
		double y = T + rowh * w, len = pw * (double)wi[w].msgs / (double)max;
		double plen = pw * (double)wi[w].other_pass / (double)max;
		double alen = pw * (double)wi[w].already / (double)max;
		const char *col = w == REPORT_WHATIF_SPF_TEMPERROR ? "#6a1b9a" : w == REPORT_WHATIF_SPF_SOFTFAIL ? "#ef6c00" :
		    w == REPORT_WHATIF_SPF_PERMERROR ? "#795548" : "#c62828";

		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"label\">", L - 10, y + 22);
		esc(out, wi[w].label);
		fprintf(out, "</text>\n");
		fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"26\" fill=\"%s\"><title>%lu messages from %lu domains</title></rect>\n",
		    L, y + 6, len, col, wi[w].msgs, wi[w].domains);
		if (plen > 0)
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"10\" fill=\"#1565c0\"><title>%lu also passed %s</title></rect>\n",
			    L, y + 22, plen, wi[w].other_pass, wi[w].other_check);
		if (alen > 0)
			fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" stroke-width=\"2\" stroke-dasharray=\"3 2\"><title>%lu already refused</title></line>\n",
			    L + alen, y + 2, L + alen, y + 36, wi[w].already);
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"label\">%lu msgs, %lu domains, %lu %s-pass</text>\n",
		    L + len + 8, y + 24, wi[w].msgs, wi[w].domains, wi[w].other_pass, wi[w].other_check);
	}
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"#c62828\"/><text x=\"%.1f\" y=\"%.1f\" class=\"legend\">messages the stricter action would hit</text>\n",
	    L, H - 30, L + 19, H - 19);
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"#1565c0\"/><text x=\"%.1f\" y=\"%.1f\" class=\"legend\">of them, passed the other check (forwarders, lists)</text>\n",
	    L + 330, H - 30, L + 349, H - 19);
	fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" stroke-width=\"2\" stroke-dasharray=\"3 2\"/><text x=\"%.1f\" y=\"%.1f\" class=\"legend\">already refused now</text>\n",
	    L + 720, H - 32, L + 720, H - 16, L + 728, H - 19);
	fprintf(out, "</svg>\n");
}

static void
count_table(FILE *out, const char *title, const char *const *names, const unsigned long *c, int n,
    unsigned long total, const char *const *colours)
{
	fprintf(out, "<table><caption>%s</caption><tr><th>value</th><th>messages</th><th>share</th></tr>\n", title);
	for (int i = 0; i < n; i++) {
		if (c[i] == 0 && (i == n - 1 || strcmp(names[i], "-") == 0))
			continue;
		fprintf(out, "<tr><td>");
		if (colours != NULL)
			fprintf(out, "<span class=\"sw\" style=\"background:%s\"></span>", colours[i]);
		fprintf(out, "%s</td><td class=\"n\">%lu</td><td class=\"n\">%.1f%%</td></tr>\n",
		    names[i], c[i], total ? 100.0 * (double)c[i] / (double)total : 0.0);
	}
	fprintf(out, "</table>\n");
}

static void
fmt_ts(time_t t, char *o, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(o, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		strlcpy(o, "?", len);
}

int
report_write_html(const struct report *r, FILE *out, const char *source)
{
	char a[40], b[40];

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	    "<title>spfdkim-milter report</title>\n<style>\n"
	    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:24px 32px;color:#212121;background:#fafafa}\n"
	    "h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\n"
	    ".meta{color:#616161;font-size:14px;margin:2px 0}.muted{fill:#9e9e9e;font-size:16px}\n"
	    ".cards{display:flex;gap:14px;margin:16px 0;flex-wrap:wrap}.card{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:10px 16px;min-width:130px}\n"
	    ".card b{display:block;font-size:24px}.card span{color:#616161;font-size:13px}\n"
	    "svg.plot{background:#fff;border:1px solid #e0e0e0;border-radius:8px;max-width:100%;height:auto}\n"
	    ".grid{stroke:#eeeeee}.axis{stroke:#616161}.tick{font-size:12px;fill:#616161}.legend{font-size:13px;fill:#424242}.label{font-size:14px;fill:#212121}\n"
	    ".tables{display:flex;gap:18px;flex-wrap:wrap;align-items:flex-start}\n"
	    "table{border-collapse:collapse;background:#fff;border:1px solid #e0e0e0;font-size:14px;margin-bottom:12px}\n"
	    "caption{text-align:left;font-weight:600;padding:4px 0}th,td{padding:4px 10px;border-bottom:1px solid #f0f0f0;text-align:left}\n"
	    "td.n{text-align:right;font-variant-numeric:tabular-nums}.sw{display:inline-block;width:11px;height:11px;margin-right:6px;border-radius:2px}\n"
	    "p.whatif{margin:6px 0;font-size:15px}\n"
	    "</style></head><body>\n", out);
	fputs("<h1>spfdkim-milter report</h1>\n<p class=\"meta\">decision log: ", out);
	esc(out, source != NULL ? source : "(stdin)");
	fputs("</p>\n", out);
	if (r->since > 0) {
		fmt_ts(r->since, a, sizeof(a));
		fprintf(out, "<p class=\"meta\">window: since %s</p>\n", a);
	}
	if (r->decisions > 0) {
		fmt_ts(r->first, a, sizeof(a));
		fmt_ts(r->last, b, sizeof(b));
		fprintf(out, "<p class=\"meta\">%lu decisions from %s to %s; %lu lines read, %lu malformed, %lu overlong</p>\n",
		    r->decisions, a, b, r->lines, r->malformed, r->overlong);
	}
	fprintf(out, "<div class=\"cards\">"
	    "<div class=\"card\"><b>%lu</b><span>messages</span></div>"
	    "<div class=\"card\"><b>%lu</b><span>SPF pass</span></div>"
	    "<div class=\"card\"><b>%lu</b><span>SPF fail</span></div>"
	    "<div class=\"card\"><b>%lu</b><span>SPF softfail</span></div>"
	    "<div class=\"card\"><b>%lu</b><span>DKIM pass</span></div>"
	    "<div class=\"card\"><b>%lu</b><span>refused (reject, save-reject)</span></div>"
	    "<div class=\"card\"><b>%lu</b><span>quarantined</span></div></div>\n",
	    r->decisions, r->spf[SPF_I_PASS], r->spf[SPF_I_FAIL], r->spf[SPF_I_SOFTFAIL], r->dkim[DKIM_I_PASS],
	    r->act[1] + r->act[2], r->act[3]);

	fputs("<h2>SPF results per day</h2>\n", out);
	plot_days(r, out);

	fputs("<h2>What if</h2>\n", out);
	plot_whatif(r, out);
	for (int w = 0; w < REPORT_WHATIF_COUNT; w++) {
		struct report_whatif wi;
		report_whatif(r, w, &wi);
		fprintf(out, "<p class=\"whatif\"><b>");
		esc(out, wi.label);
		fprintf(out, "</b> would have %s <b>%lu</b> messages from <b>%lu</b> domains; %lu of them also passed %s; %lu already refused.</p>\n",
		    wi.verb, wi.msgs, wi.domains, wi.other_pass, wi.other_check, wi.already);
	}
	fputs("<div class=\"tables\">\n", out);
	for (int w = 0; w < REPORT_WHATIF_COUNT; w++) {
		struct report_whatif wi;
		size_t idx[REPORT_WHATIF_LIST], n;
		int m = report_whatif_metric(w);

		report_whatif(r, w, &wi);
		n = report_top(r, m, idx, REPORT_WHATIF_LIST);
		if (n == 0)
			continue;
		fputs("<table><caption>", out);
		esc(out, wi.label);
		fprintf(out, ": domains hit</caption><tr><th>domain</th><th>messages</th><th>%s pass</th></tr>\n", wi.other_check);
		for (size_t i = 0; i < n; i++) {
			fputs("<tr><td>", out);
			esc(out, r->doms[idx[i]].name);
			fprintf(out, "</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td></tr>\n",
			    report_dom_count(&r->doms[idx[i]], m), report_dom_otherpass(&r->doms[idx[i]], m));
		}
		if (wi.domains > n)
			fprintf(out, "<tr><td colspan=\"3\">… and %lu more domains</td></tr>\n", wi.domains - n);
		fputs("</table>\n", out);
	}
	fputs("</div>\n<h2>Counts</h2>\n<div class=\"tables\">\n", out);
	count_table(out, "SPF result", report_spf_names, r->spf, R_RES, r->decisions, spf_colour);
	count_table(out, "DKIM result", report_dkim_names, r->dkim, R_RES, r->decisions, NULL);
	count_table(out, "Action", report_act_names, r->act, R_ACT, r->decisions, NULL);
	count_table(out, "Checks skipped", report_skip_names, r->skip, R_SKIP, r->decisions, NULL);
	fputs("</div>\n<h2>Top sender domains per SPF result</h2>\n<div class=\"tables\">\n", out);
	for (int s = 1; s < R_RES; s++) {
		size_t idx[REPORT_TOP_HTML], n = report_top(r, s, idx, REPORT_TOP_HTML);
		if (n == 0)
			continue;
		fprintf(out, "<table><caption><span class=\"sw\" style=\"background:%s\"></span>spf=%s</caption><tr><th>domain</th><th>messages</th></tr>\n",
		    spf_colour[s], report_spf_names[s]);
		for (size_t i = 0; i < n; i++) {
			fputs("<tr><td>", out);
			esc(out, r->doms[idx[i]].name);
			fprintf(out, "</td><td class=\"n\">%lu</td></tr>\n", report_dom_count(&r->doms[idx[i]], s));
		}
		fputs("</table>\n", out);
	}
	fputs("</div>\n<h2>Top sender domains per DKIM result</h2>\n<div class=\"tables\">\n", out);
	for (int s = 1; s < R_RES; s++) {
		size_t idx[REPORT_TOP_HTML], n = report_top(r, R_METRIC_DKIM(s), idx, REPORT_TOP_HTML);
		if (n == 0)
			continue;
		fprintf(out, "<table><caption>dkim=%s</caption><tr><th>domain</th><th>messages</th></tr>\n", report_dkim_names[s]);
		for (size_t i = 0; i < n; i++) {
			fputs("<tr><td>", out);
			esc(out, r->doms[idx[i]].name);
			fprintf(out, "</td><td class=\"n\">%lu</td></tr>\n", report_dom_count(&r->doms[idx[i]], R_METRIC_DKIM(s)));
		}
		fputs("</table>\n", out);
	}
	fputs("</div>\n<p class=\"meta\">Generated by spfdkim-ctl report.</p>\n</body></html>\n", out);
	return ferror(out) ? -1 : 0;
}
