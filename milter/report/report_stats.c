/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_stats.c - read decision lines and count them for the report.
 *
 * Accepts any log line. A decision is either a line of the DecisionLog file,
 * which starts with "ts=" and has spf= and action= keys, or a line holding
 * the word "decision" followed by " ts=" (at the start or after a space: the
 * main log's "... info: decision ts=..."). The rest
 * is parsed with kvline.c's strict rules; a line that fails is counted as
 * malformed, and the first such reason is kept for the summary. Unknown
 * result or action words are counted as "other", never dropped.
 * Caps are in report.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kvline.h"
#include "log.h"
#include "report_int.h"

const char *const report_spf_names[R_RES] = { "-", "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror", "other" };
const char *const report_dkim_names[R_RES] = { "-", "none", "pass", "fail", "neutral", "policy", "temperror", "permerror", "other" };
const char *const report_act_names[R_ACT] = { "accept", "reject", "save-reject", "quarantine", "other" };
const char *const report_skip_names[R_SKIP] = { "-", "auth", "whitelist", "loopback", "lan", "other" };
const char *const report_dmarc_names[R_DMARC] = { "-", "none", "pass", "fail", "temperror", "permerror", "other" };

#define OTHER_DOMAINS "(other domains)"
#define NO_DOMAIN     "(no domain)"
#define DOMAIN_MAX    253

static int
lookup(const char *const *names, int n, const char *v)
{
	if (v == NULL)
		return n - 1;
	for (int i = 0; i < n - 1; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return n - 1;
}

struct report *
report_new(time_t since)
{
	struct report *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->since = since;
	r->hashcap = 1;
	while (r->hashcap < 2 * (size_t)REPORT_MAX_DOMAINS + 2)
		r->hashcap <<= 1;
	if ((r->hash = calloc(r->hashcap, sizeof(*r->hash))) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->ndoms; i++)
		free(r->doms[i].name);
	free(r->doms);
	free(r->hash);
	free(r->days);
	free(r);
}

static uint32_t
fnv(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct rdomain *
add_domain(struct report *r, const char *name)
{
	size_t mask = r->hashcap - 1, i = fnv(name) & mask;
	struct rdomain *d;

	while (r->hash[i] != 0) {
		d = &r->doms[r->hash[i] - 1];
		if (strcmp(d->name, name) == 0)
			return d;
		i = (i + 1) & mask;
	}
	if (r->ndoms >= REPORT_MAX_DOMAINS && strcmp(name, OTHER_DOMAINS) != 0) {
		r->domain_overflow++;
		return add_domain(r, OTHER_DOMAINS);
	}
	if (r->ndoms == r->domcap) {
		size_t nc = r->domcap ? r->domcap * 2 : 256;
		struct rdomain *nd;

		if (nc > REPORT_MAX_DOMAINS + 1)
			nc = REPORT_MAX_DOMAINS + 1;
		if ((nd = reallocarray(r->doms, nc, sizeof(*nd))) == NULL)
			return NULL;
		r->doms = nd;
		r->domcap = nc;
	}
	d = &r->doms[r->ndoms];
	memset(d, 0, sizeof(*d));
	if ((d->name = strdup(name)) == NULL)
		return NULL;
	r->hash[i] = (uint32_t)++r->ndoms;
	return d;
}

static struct rday *
add_day(struct report *r, long day)
{
	size_t lo = 0, hi = r->ndays;

	if (r->ndays > 0 && r->days[r->ndays - 1].day == day)   /* logs are mostly in order */
		return &r->days[r->ndays - 1];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (r->days[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->ndays && r->days[lo].day == day)
		return &r->days[lo];
	if (r->ndays >= REPORT_MAX_DAYS)
		return NULL;
	if (r->ndays == r->daycap) {
		size_t nc = r->daycap ? r->daycap * 2 : 64;
		struct rday *nd = reallocarray(r->days, nc, sizeof(*nd));
		if (nd == NULL)
			return NULL;
		r->days = nd;
		r->daycap = nc;
	}
	memmove(&r->days[lo + 1], &r->days[lo], (r->ndays - lo) * sizeof(*r->days));
	memset(&r->days[lo], 0, sizeof(*r->days));
	r->days[lo].day = day;
	r->ndays++;
	return &r->days[lo];
}

int
report_parse_ts(const char *s, time_t *out)
{
	struct tm tm;
	const char *e;

	if (s == NULL || strlen(s) != 20)
		return -1;
	memset(&tm, 0, sizeof(tm));
	e = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (e == NULL || *e != '\0')
		return -1;
	*out = timegm(&tm);
	return 0;
}

/* The sender domain, lower case; "(no domain)" for "-" or a hostile value. */
static void
norm_domain(const char *v, char *out, size_t len)
{
	size_t n = 0;

	if (v == NULL || strcmp(v, "-") == 0 || *v == '\0') {
		strlcpy(out, NO_DOMAIN, len);
		return;
	}
	for (; *v != '\0' && n + 1 < len && n < DOMAIN_MAX; v++) {
		unsigned char c = (unsigned char)*v;
		if (c <= 0x20 || c >= 0x7f) {
			strlcpy(out, "(invalid domain)", len);
			return;
		}
		out[n++] = (char)tolower(c);
	}
	out[n] = '\0';
}

static void
malformed(struct report *r, const char *why)
{
	if (r->malformed++ == 0)
		snprintf(r->first_malformed, sizeof(r->first_malformed), "line %lu: %.200s", r->lines, why);
}

const char *
report_decision_start(const char *line, size_t len, int *bare)
{
	static const char tag[] = "decision ts=";
	const char *p, *end = line + len;

	*bare = 0;
	if (len >= 3 && memcmp(line, "ts=", 3) == 0) {
		/* the DecisionLog file: the line itself, from ts= on */
		*bare = 1;
		return line;
	}
	for (p = line;; p++) {
		p = memmem(p, (size_t)(end - p), tag, sizeof(tag) - 1);
		if (p == NULL)
			return NULL;
		if (p == line || p[-1] == ' ')
			return p + sizeof("decision");
	}
}

int
report_feed(struct report *r, const char *line, size_t len)
{
	struct kvline *kv;
	const char *p, *end = line + len;
	char err[200], dom[DOMAIN_MAX + 2];
	time_t ts;
	int s, d, a, k, dm, refused, bare = 0;
	const char *req;
	struct rdomain *rd;
	struct rday *day;

	r->lines++;
	if ((p = report_decision_start(line, len, &bare)) == NULL)
		return 0;
	if ((kv = malloc(sizeof(*kv))) == NULL) {
		malformed(r, "out of memory");
		return -1;
	}
	if (kv_parse(p, (size_t)(end - p), kv, err, sizeof(err)) < 0) {
		malformed(r, err);
		free(kv);
		return -1;
	}
	if (report_parse_ts(kv_get(kv, "ts"), &ts) < 0) {
		malformed(r, "bad ts= (want YYYY-MM-DDTHH:MM:SSZ)");
		free(kv);
		return -1;
	}
	if (kv_get(kv, "spf") == NULL || kv_get(kv, "action") == NULL) {
		free(kv);
		if (bare)
			return 0;   /* a ts= line of another kind (e.g. the spam log) */
		malformed(r, "no spf= or action=");
		return -1;
	}
	if (ts < r->since) {
		r->outside++;
		free(kv);
		return 0;
	}
	s = lookup(report_spf_names, R_RES, kv_get(kv, "spf"));
	d = lookup(report_dkim_names, R_RES, kv_get(kv, "dkim") != NULL ? kv_get(kv, "dkim") : "-");
	a = lookup(report_act_names, R_ACT, kv_get(kv, "action"));
	k = lookup(report_skip_names, R_SKIP, kv_get(kv, "skip") != NULL ? kv_get(kv, "skip") : "-");
	dm = lookup(report_dmarc_names, R_DMARC, kv_get(kv, "dmarc") != NULL ? kv_get(kv, "dmarc") : "-");
	req = kv_get(kv, "dmarc_req");
	norm_domain(kv_get(kv, "domain"), dom, sizeof(dom));
	if (dm == 3 && req != NULL && strcmp(req, "reject") == 0) {
		r->dmarc_req_reject++;
		r->dmarc_reject_already += a == 1 || a == 2;
	} else if (dm == 3 && req != NULL && strcmp(req, "quarantine") == 0) {
		r->dmarc_req_quarantine++;
		r->dmarc_quarantine_already += a == 1 || a == 2 || a == 3;
	}
	free(kv);

	refused = a == 1 || a == 2;
	r->decisions++;
	if (r->decisions == 1 || ts < r->first)
		r->first = ts;
	if (r->decisions == 1 || ts > r->last)
		r->last = ts;
	r->spf[s]++;
	r->dkim[d]++;
	r->act[a]++;
	r->skip[k]++;
	r->dmarc[dm]++;
	if (refused) {
		r->spf_refused[s]++;
		r->dkim_refused[d]++;
	}
	if (d == DKIM_I_PASS)
		r->spf_dkimpass[s]++;
	if (s == SPF_I_PASS)
		r->dkim_spfpass[d]++;
	if ((rd = add_domain(r, dom)) != NULL) {
		rd->spf[s]++;
		rd->dkim[d]++;
		if (d == DKIM_I_PASS)
			rd->spf_dkimpass[s]++;
		if (s == SPF_I_PASS)
			rd->dkim_spfpass[d]++;
	}
	if ((day = add_day(r, (long)(ts >= 0 ? ts / 86400 : (ts - 86399) / 86400))) != NULL) {
		day->spf[s]++;
		day->act[a]++;
		for (int w = 0; w < REPORT_WHATIF_COUNT; w++) {
			int m = report_whatif_metric(w);
			if ((m < R_RES && m == s) || (m >= R_RES && m - R_RES == d))
				day->whatif[w]++;
		}
	}
	return 1;
}

int
report_read(struct report *r, FILE *fp, const char *path, char *err, size_t errlen)
{
	char *line = malloc(KV_LINE_MAX + 2);

	if (line == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while (fgets(line, KV_LINE_MAX + 2, fp) != NULL) {
		size_t n = strlen(line);

		if (n > 0 && line[n - 1] != '\n' && !feof(fp)) {
			int c;
			/* longer than the cap: skip to the end of the line, count it */
			while ((c = getc(fp)) != EOF && c != '\n')
				;
			r->lines++;
			r->overlong++;
			continue;
		}
		report_feed(r, line, n);
	}
	free(line);
	if (ferror(fp)) {
		syserr_fmt(err, errlen, "%s: read error", path);
		return -1;
	}
	return 0;
}

int
report_parse_since(const char *s, time_t now, time_t *since, char *err, size_t errlen)
{
	char *end;
	unsigned long long n;
	struct tm tm;
	const char *e;

	if (s == NULL || *s == '\0' || strcmp(s, "all") == 0) {
		*since = 0;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if (strlen(s) == 10 && (e = strptime(s, "%Y-%m-%d", &tm)) != NULL && *e == '\0') {
		*since = timegm(&tm);
		return 0;
	}
	errno = 0;
	n = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || errno != 0 || n > 100000ULL * 86400ULL || end[0] == '\0' || end[1] != '\0') {
		snprintf(err, errlen, "--since '%s': want Nd, Nh, Nw, Nm, Ns, all, or YYYY-MM-DD", s);
		return -1;
	}
	switch (*end) {
	case 's': break;
	case 'm': n *= 60; break;
	case 'h': n *= 3600; break;
	case 'd': n *= 86400; break;
	case 'w': n *= 7 * 86400; break;
	default:
		snprintf(err, errlen, "--since '%s': unknown unit '%c' (s, m, h, d, w)", s, *end);
		return -1;
	}
	if ((time_t)n > now) {
		*since = 0;
		return 0;
	}
	*since = now - (time_t)n;
	return 0;
}

int
report_whatif_metric(int which)
{
	switch (which) {
	case REPORT_WHATIF_SPF_FAIL: return SPF_I_FAIL;
	case REPORT_WHATIF_SPF_SOFTFAIL: return SPF_I_SOFTFAIL;
	case REPORT_WHATIF_SPF_TEMPERROR: return SPF_I_TEMPERROR;
	case REPORT_WHATIF_SPF_PERMERROR: return SPF_I_PERMERROR;
	default: return R_METRIC_DKIM(DKIM_I_FAIL);
	}
}

unsigned long
report_dom_count(const struct rdomain *d, int metric)
{
	return metric < R_RES ? d->spf[metric] : d->dkim[metric - R_RES];
}

unsigned long
report_dom_otherpass(const struct rdomain *d, int metric)
{
	return metric < R_RES ? d->spf_dkimpass[metric] : d->dkim_spfpass[metric - R_RES];
}

size_t
report_top(const struct report *r, int metric, size_t *idx, size_t k)
{
	size_t n = 0;

	for (size_t i = 0; i < r->ndoms; i++) {
		unsigned long c = report_dom_count(&r->doms[i], metric);
		size_t j;

		if (c == 0)
			continue;
		for (j = n; j > 0; j--) {
			unsigned long cj = report_dom_count(&r->doms[idx[j - 1]], metric);
			if (cj > c || (cj == c && strcmp(r->doms[idx[j - 1]].name, r->doms[i].name) < 0))
				break;
			if (j < k)
				idx[j] = idx[j - 1];
		}
		if (j < k) {
			idx[j] = i;
			if (n < k)
				n++;
		}
	}
	return n;
}

void
report_whatif(const struct report *r, int which, struct report_whatif *out)
{
	static const char *const labels[REPORT_WHATIF_COUNT] = {
		"fail→reject", "softfail→reject", "temperror→tempfail", "permerror→reject", "dkim fail→reject" };
	int m = report_whatif_metric(which);

	memset(out, 0, sizeof(*out));
	if (which < 0 || which >= REPORT_WHATIF_COUNT)
		return;
	out->label = labels[which];
	out->verb = which == REPORT_WHATIF_SPF_TEMPERROR ? "deferred" : "refused";
	out->other_check = m < R_RES ? "DKIM" : "SPF";
	out->msgs = m < R_RES ? r->spf[m] : r->dkim[m - R_RES];
	out->other_pass = m < R_RES ? r->spf_dkimpass[m] : r->dkim_spfpass[m - R_RES];
	out->already = m < R_RES ? r->spf_refused[m] : r->dkim_refused[m - R_RES];
	for (size_t i = 0; i < r->ndoms; i++)
		if (report_dom_count(&r->doms[i], m) > 0)
			out->domains++;
}

unsigned long
report_count(const struct report *r, const char *which, const char *value)
{
	if (strcmp(which, "spf") == 0)
		return r->spf[lookup(report_spf_names, R_RES, value)];
	if (strcmp(which, "dkim") == 0)
		return r->dkim[lookup(report_dkim_names, R_RES, value)];
	if (strcmp(which, "action") == 0)
		return r->act[lookup(report_act_names, R_ACT, value)];
	if (strcmp(which, "skip") == 0)
		return r->skip[lookup(report_skip_names, R_SKIP, value)];
	if (strcmp(which, "dmarc") == 0)
		return r->dmarc[lookup(report_dmarc_names, R_DMARC, value)];
	return 0;
}

void
report_totals(const struct report *r, struct report_totals *t)
{
	t->lines = r->lines;
	t->decisions = r->decisions;
	t->outside = r->outside;
	t->malformed = r->malformed;
	t->overlong = r->overlong;
	t->domains = r->ndoms;
	t->domain_overflow = r->domain_overflow;
}
