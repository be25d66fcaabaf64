/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web_report.c - the Report tab: `spfdkim-ctl report`'s HTML report of the
 * DecisionLog, made afresh on every visit (report_write_html), shown inside
 * the page frame. The report's own style sheet is kept (a <style> in the
 * body); its SVG plots are inline, so the CSP needs nothing more. The
 * window is ?since= in report_parse_since's form (30d by default, "all").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "report.h"
#include "web.h"

void
web_report_get(struct web_req *r)
{
	char err[512];
	const char *since_s = web_arg(r, "since");
	struct config *c = web_load_config(r->o, err, sizeof(err));
	struct report *rep = NULL;
	time_t since = 0;
	FILE *fp = NULL, *mem = NULL;
	char *html = NULL;
	size_t hlen = 0;

	if (since_s == NULL || since_s[0] == '\0')
		since_s = "30d";
	web_begin(r, "Report", "report");
	web_put(r, "<form method=\"get\" action=\"/report\"><fieldset><legend>Window</legend>"
	           "<label><b>Since</b><input type=\"text\" name=\"since\" id=\"since\" value=\"");
	web_esc(r, since_s);
	web_put(r, "\"></label><small>30d, 12h, 2w, a date YYYY-MM-DD, or all.</small>"
	           "<button type=\"submit\" id=\"since_go\">Show</button></fieldset></form>");
	if (c == NULL) {
		web_notice(r, "err", err);
		web_end(r);
		return;
	}
	if (report_parse_since(since_s, time(NULL), &since, err, sizeof(err)) < 0) {
		web_notice(r, "err", err);
		goto out;
	}
	if (c->decision_log == NULL || c->decision_log[0] == '\0') {
		web_notice(r, "err", "No DecisionLog is set in the configuration: the report reads it.");
		goto out;
	}
	if ((rep = report_new(since)) == NULL || (fp = fopen(c->decision_log, "re")) == NULL) {
		snprintf(err, sizeof(err), "%.400s: cannot read", c->decision_log);
		web_notice(r, "err", err);
		goto out;
	}
	if (report_read(rep, fp, c->decision_log, err, sizeof(err)) < 0) {
		web_notice(r, "err", err);
		goto out;
	}
	if ((mem = open_memstream(&html, &hlen)) == NULL || report_write_html(rep, mem, c->decision_log) < 0 ||
	    fclose(mem) != 0) {
		mem = NULL;
		web_notice(r, "err", "the report could not be made");
		goto out;
	}
	mem = NULL;
	{
		/* Its style sheet and its body, inside our frame. */
		const char *st = strstr(html, "<style>"), *se = st != NULL ? strstr(st, "</style>") : NULL;
		const char *b = strstr(html, "<body>"), *be = b != NULL ? strstr(b, "</body>") : NULL;
		if (st != NULL && se != NULL) {
			/* Its body{} rule would restyle our frame: it applies to its div. */
			web_put(r, "<div id=\"report\">");
			for (const char *p = st; p < se + 8; p++) {
				if (strncmp(p, "body{", 5) == 0) {
					web_put(r, "#report{");
					p += 4;
				} else
					buf_putc(&r->page, *p);
			}
		}
		if (b != NULL && be != NULL)
			buf_append(&r->page, b + 6, (size_t)(be - b - 6));
		if (st != NULL && se != NULL)
			web_put(r, "</div>");
	}
out:
	if (mem != NULL)
		fclose(mem);
	free(html);
	if (fp != NULL)
		fclose(fp);
	report_free(rep);
	config_free(c);
	web_end(r);
}
