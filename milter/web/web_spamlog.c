/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web_spamlog.c - the Spam log tab: the spam log (SpamLog) or the decision
 * log (DecisionLog) as a table, newest first, filtered and paged.
 *
 * The file is mapped read-only and walked from its end (both logs are
 * appended in time order), each line parsed with kv_parse; only the
 * WEB_LOG_PAGE lines of the shown page are kept. Filters: a date range
 * (compared on the ts= day, UTC), a result (spf= or dkim= of the decision
 * log, a word of results= of the spam log), an action, and a sender domain
 * (domain= or the part of mailfrom= after '@'). Every filter value is
 * checked against its form before use and escaped when shown. Cap: files of
 * WEB_LOG_MAX bytes (the newest part is read when one is larger).
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "kvline.h"
#include "web.h"

#define WEB_LOG_PAGE 50
#define WEB_LOG_MAX  (1ULL << 30)

static const char *const results[] = { "pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy", NULL };
static const char *const actions[] = { "accept", "reject", "save-reject", "quarantine", NULL };

struct filter {
	int spam;                     /* spam log, else decision log */
	char from[11], to[11];        /* "" or YYYY-MM-DD */
	const char *result, *action;  /* NULL: any */
	char domain[254];
	unsigned long page;
};

static const char *
one_of(const char *v, const char *const *list)
{
	for (size_t i = 0; v != NULL && list[i] != NULL; i++)
		if (strcmp(v, list[i]) == 0)
			return list[i];
	return NULL;
}

static int
domain_ok(const char *s)
{
	size_t n = strlen(s);

	if (n > 253)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-' && *s != '_')
			return 0;
	return 1;
}

static int
word_in(const char *list, const char *key, const char *want)
{
	char tok[64];

	snprintf(tok, sizeof(tok), "%s=%s", key, want);
	for (const char *p = list; (p = strstr(p, tok)) != NULL; p++)
		if ((p == list || p[-1] == ' ') && (p[strlen(tok)] == '\0' || p[strlen(tok)] == ' '))
			return 1;
	return 0;
}

static int
matches(const struct filter *f, const struct kvline *kv)
{
	const char *ts = kv_get(kv, "ts"), *v;

	if (ts == NULL)
		return 0;
	if (f->from[0] != '\0' && strncmp(ts, f->from, 10) < 0)
		return 0;
	if (f->to[0] != '\0' && strncmp(ts, f->to, 10) > 0)
		return 0;
	if (f->action != NULL && ((v = kv_get(kv, "action")) == NULL || strcmp(v, f->action) != 0))
		return 0;
	if (f->result != NULL) {
		if (f->spam) {
			v = kv_get(kv, "results");
			if (v == NULL || !(word_in(v, "spf", f->result) || word_in(v, "dkim", f->result)))
				return 0;
		} else {
			const char *s = kv_get(kv, "spf"), *d = kv_get(kv, "dkim");
			if (!((s != NULL && strcmp(s, f->result) == 0) || (d != NULL && strcmp(d, f->result) == 0)))
				return 0;
		}
	}
	if (f->domain[0] != '\0') {
		const char *d = f->spam ? NULL : kv_get(kv, "domain"), *m = kv_get(kv, "mailfrom"), *at;
		int hit = d != NULL && strcasecmp(d, f->domain) == 0;
		if (!hit && m != NULL && (at = strrchr(m, '@')) != NULL)
			hit = strcasecmp(at + 1, f->domain) == 0;
		if (!hit)
			return 0;
	}
	return 1;
}

static void
urlenc(struct web_req *r, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (isalnum((unsigned char)*s) || strchr("-._", *s) != NULL)
			web_printf(r, "%c", *s);
		else
			web_printf(r, "%%%02X", (unsigned char)*s);
}

static void
page_link(struct web_req *r, const struct filter *f, unsigned long page, const char *label)
{
	web_printf(r, " <a href=\"/spamlog?log=%s&amp;page=%lu", f->spam ? "spam" : "decision", page);
	if (f->from[0] != '\0')
		web_printf(r, "&amp;from=%s", f->from);
	if (f->to[0] != '\0')
		web_printf(r, "&amp;to=%s", f->to);
	if (f->result != NULL)
		web_printf(r, "&amp;result=%s", f->result);
	if (f->action != NULL)
		web_printf(r, "&amp;action=%s", f->action);
	if (f->domain[0] != '\0') {
		web_put(r, "&amp;domain=");
		urlenc(r, f->domain);
	}
	web_printf(r, "\">%s</a>", label);
}

static void
select_of(struct web_req *r, const char *name, const char *const *list, const char *cur)
{
	web_printf(r, "<select name=\"%s\" id=\"f_%s\"><option value=\"\">(any)</option>", name, name);
	for (size_t i = 0; list[i] != NULL; i++)
		web_printf(r, "<option%s>%s</option>", cur != NULL && strcmp(cur, list[i]) == 0 ? " selected" : "", list[i]);
	web_put(r, "</select> ");
}

void
web_spamlog_get(struct web_req *r)
{
	static const char *const spam_cols[] = { "ts", "ip", "mailfrom", "rcpts", "results", "action", "reply", NULL };
	static const char *const dec_cols[] = { "ts", "ip", "mailfrom", "domain", "spf", "dkim", "action", "reason", "reply", NULL };
	struct filter f;
	const char *v, *path, *const *cols;
	char err[512];
	struct config *c;
	struct kvline *kv = NULL;
	unsigned long total = 0, shown = 0, first;
	int fd = -1;
	struct stat st;
	const char *map = MAP_FAILED;
	size_t len = 0;
	long long day;

	memset(&f, 0, sizeof(f));
	v = web_arg(r, "log");
	f.spam = v == NULL || strcmp(v, "decision") != 0;
	if ((v = web_arg(r, "from")) != NULL && v[0] != '\0' && web_parse_date(v, &day) == 0)
		strlcpy(f.from, v, sizeof(f.from));
	if ((v = web_arg(r, "to")) != NULL && v[0] != '\0' && web_parse_date(v, &day) == 0)
		strlcpy(f.to, v, sizeof(f.to));
	f.result = one_of(web_arg(r, "result"), results);
	f.action = one_of(web_arg(r, "action"), actions);
	if ((v = web_arg(r, "domain")) != NULL && domain_ok(v))
		strlcpy(f.domain, v, sizeof(f.domain));
	if (web_parse_uint(web_arg(r, "page"), 10000000, &f.page) < 0 || f.page == 0)
		f.page = 1;

	web_begin(r, "Spam log", "spamlog");
	web_put(r, "<form method=\"get\" action=\"/spamlog\"><fieldset><legend>Filter</legend>"
	           "<select name=\"log\" id=\"f_log\">");
	web_printf(r, "<option value=\"spam\"%s>spam log</option><option value=\"decision\"%s>decision log</option></select> ",
	    f.spam ? " selected" : "", f.spam ? "" : " selected");
	web_printf(r, "from <input type=\"date\" name=\"from\" id=\"f_from\" value=\"%s\"> "
	              "to <input type=\"date\" name=\"to\" id=\"f_to\" value=\"%s\"> result ", f.from, f.to);
	select_of(r, "result", results, f.result);
	web_put(r, "action ");
	select_of(r, "action", actions, f.action);
	web_put(r, "domain <input type=\"text\" name=\"domain\" id=\"f_domain\" style=\"min-width:12em\" value=\"");
	web_esc(r, f.domain);
	web_put(r, "\"> <button type=\"submit\" id=\"filter\">Show</button></fieldset></form>");

	if ((c = web_load_config(r->o, err, sizeof(err))) == NULL) {
		web_notice(r, "err", err);
		web_end(r);
		return;
	}
	path = f.spam ? c->spam_log : c->decision_log;
	if (path == NULL || path[0] == '\0') {
		web_notice(r, "err", f.spam ? "No SpamLog is set in the configuration." : "No DecisionLog is set in the configuration.");
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		snprintf(err, sizeof(err), "%s: cannot open", path);
		web_notice(r, "err", err);
		goto out;
	}
	len = (size_t)((unsigned long long)st.st_size > WEB_LOG_MAX ? WEB_LOG_MAX : (unsigned long long)st.st_size);
	if (len > 0 && (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		snprintf(err, sizeof(err), "%s: cannot map", path);
		web_notice(r, "err", err);
		goto out;
	}
	if ((kv = malloc(sizeof(*kv))) == NULL)
		goto out;
	cols = f.spam ? spam_cols : dec_cols;
	first = (f.page - 1) * WEB_LOG_PAGE;
	web_put(r, "<table id=\"log\"><tr>");
	for (size_t i = 0; cols[i] != NULL; i++)
		web_printf(r, "<th>%s</th>", cols[i]);
	web_put(r, "</tr>");
	{
		const char *base = len > 0 ? map + ((size_t)st.st_size - len) : "";
		size_t end = len;
		while (end > 0) {
			size_t start = end;
			if (base[end - 1] == '\n')
				end--;
			start = end;
			while (start > 0 && base[start - 1] != '\n')
				start--;
			if (end > start && end - start <= KV_LINE_MAX &&
			    kv_parse(base + start, end - start, kv, err, sizeof(err)) == 0 && matches(&f, kv)) {
				if (total >= first && shown < WEB_LOG_PAGE) {
					web_put(r, "<tr>");
					for (size_t i = 0; cols[i] != NULL; i++) {
						web_put(r, "<td>");
						web_esc(r, kv_get(kv, cols[i]));
						web_put(r, "</td>");
					}
					web_put(r, "</tr>");
					shown++;
				}
				total++;
			}
			end = start;
		}
	}
	web_put(r, "</table>");
	{
		unsigned long pages = total == 0 ? 1 : (total + WEB_LOG_PAGE - 1) / WEB_LOG_PAGE;
		web_printf(r, "<p id=\"count\">%lu matching lines, page %lu of %lu.", total, f.page, pages);
		if (f.page > 1)
			page_link(r, &f, f.page - 1, "&larr; newer");
		if (f.page < pages)
			page_link(r, &f, f.page + 1, "older &rarr;");
		web_put(r, "</p>");
	}
out:
	free(kv);
	if (map != MAP_FAILED)
		munmap((void *)map, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	config_free(c);
	web_end(r);
}
