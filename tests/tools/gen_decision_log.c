/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gen_decision_log.c - writes a synthetic decision log and the counts a
 * correct report must print for it (the "truth"), for suite 60.
 *
 *   gen_decision_log -n LINES -o LOG -t TRUTH [--seed N] [--now EPOCH] [--days 45]
 *
 * The log mixes DecisionLog lines ("ts=..."), the same with the word
 * ("decision ts=..."), main-log lines ("<time> spfdkim-milter[pid]: info:
 * decision ts=..."), noise that must not count (other log lines,
 * "nodecision ts=", a spam-log line), malformed decision lines (bad
 * ts, unterminated quote, bad escape), one overlong line, quoted values with
 * spaces, quotes and \xHH bytes, and domains in mixed case. Timestamps span
 * --days days before --now, never within two hours of the 30-day boundary,
 * so "--since 30d" is exact however long the test takes.
 *
 * The truth file has one "SCOPE.KEY VALUE" line per count, SCOPE being
 * "all" or "30d": decisions, outside, malformed, overlong, spf=R, dkim=R,
 * action=A, skip=S, and per what-if scenario "whatif.LABEL" with four
 * values: messages, domains, passed-the-other-check, already refused
 * (spaces in a label are written as '_': "whatif.dkim_fail→reject").
 * It quotes values itself (not with the code under test).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 88172645463325252ULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static const char *const SPF[] = { "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror" };
static const char *const DKIM[] = { "none", "pass", "fail", "neutral", "policy", "temperror", "permerror" };
static const char *const ACT[] = { "accept", "reject", "save-reject", "quarantine" };
static const char *const SKIP[] = { "auth", "whitelist", "loopback", "lan" };

#define MAXDOM 2000
struct dom {
	char name[64];
	/* per scope (0 all, 1 30d): counts for what-if domains */
	unsigned hit[2][5];
};
static struct dom doms[MAXDOM];
static int ndoms;

struct scope {
	unsigned long decisions, outside, spf[7], dkim[7], act[4], skip[4], notspf, notdkim;
	unsigned long w_msgs[5], w_other[5], w_already[5];
};
static struct scope sc[2];
static const char *const WLABEL[5] = { "fail→reject", "softfail→reject", "temperror→tempfail", "permerror→reject", "dkim_fail→reject" };

/* The log's quoting rule, written independently of milter/common/kvline.c. */
static void
q(FILE *f, const char *v)
{
	int bare = *v != '\0';

	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			bare = 0;
	if (*v == '\0') {
		fputc('-', f);
		return;
	}
	if (bare) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\x%02X", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static int
idx(const char *const *a, int n, const char *v)
{
	for (int i = 0; i < n; i++)
		if (strcmp(a[i], v) == 0)
			return i;
	return -1;
}

int
main(int argc, char **argv)
{
	long n = 10000, days = 45;
	time_t now = time(NULL);
	const char *out = NULL, *truth = NULL;
	FILE *f, *t;
	long i, malformed = 0, overlong = 0, lines = 0;
	int ndomtypes[4];

	for (int a = 1; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "-n") == 0) n = atol(argv[a + 1]);
		else if (strcmp(argv[a], "-o") == 0) out = argv[a + 1];
		else if (strcmp(argv[a], "-t") == 0) truth = argv[a + 1];
		else if (strcmp(argv[a], "--seed") == 0) rng ^= strtoull(argv[a + 1], NULL, 10) * 2654435761ULL;
		else if (strcmp(argv[a], "--now") == 0) now = (time_t)atoll(argv[a + 1]);
		else if (strcmp(argv[a], "--days") == 0) days = atol(argv[a + 1]);
	}
	if (out == NULL || truth == NULL || n < 100 || days < 31) {
		fprintf(stderr, "usage: gen_decision_log -n LINES(>=100) -o LOG -t TRUTH [--seed N] [--now EPOCH] [--days D>=31]\n");
		return 2;
	}
	/* domains: good, forwarders/lists (SPF breaks, DKIM passes), spammers, broken DNS */
	for (int k = 0; k < 300; k++) snprintf(doms[ndoms++].name, 64, "good%d.test", k);
	ndomtypes[0] = ndoms;
	for (int k = 0; k < 60; k++) snprintf(doms[ndoms++].name, 64, "list%d.fwd.test", k);
	ndomtypes[1] = ndoms;
	for (int k = 0; k < 400; k++) snprintf(doms[ndoms++].name, 64, "spam%d.bad.test", k);
	ndomtypes[2] = ndoms;
	for (int k = 0; k < 25; k++) snprintf(doms[ndoms++].name, 64, "broken%d.dns.test", k);
	ndomtypes[3] = ndoms;

	if ((f = fopen(out, "w")) == NULL || (t = fopen(truth, "w")) == NULL) {
		perror(out);
		return 2;
	}
	for (i = 0; i < n; i++) {
		/* time: evenly spread over days, away from the 30-day boundary */
		time_t ts = now - (time_t)days * 86400 + (time_t)((double)i * ((double)days * 86400 - 60) / (double)n);
		time_t bound = now - 30 * 86400;
		int in30, kind = (int)rnd(100), s, d, a, sk = -1, di = -1;
		char tsb[32], mf[128], helo[96], dom[80];
		const char *reply = "-";
		struct tm tm;

		if (ts > bound - 7200 && ts < bound + 7200)
			ts = bound + 7200 + (ts - bound + 7200) % 600;
		in30 = ts >= bound;
		gmtime_r(&ts, &tm);
		strftime(tsb, sizeof(tsb), "%Y-%m-%dT%H:%M:%SZ", &tm);

		/* noise that never counts */
		if (kind < 3) {
			fprintf(f, "%s spfdkim-milter[42]: info: connect from mx%ld.example.test [192.0.2.%ld]\n", tsb, i, i % 250);
			lines++;
			continue;
		}
		if (kind < 4) {
			if (i % 2)
				fprintf(f, "%s spfdkim-milter[42]: info: nodecision ts=%s spf=fail action=reject\n", tsb, tsb);
			else
				fprintf(f, "ts=%s qid=S ip=192.0.2.1 helo=h mailfrom=a@b.test rcpts=c@d.test results=\"spf=fail dkim=none\" action=reject reply=- saved=-\n", tsb);
			lines++;
			continue;
		}
		if (kind < 5) {
			switch (rnd(3)) {
			case 0: fprintf(f, "decision ts=2026-13-45T99:00:00Z spf=fail action=reject\n"); break;
			case 1: fprintf(f, "decision ts=%s qid=Q mailfrom=\"unterminated spf=fail action=reject\n", tsb); break;
			default: fprintf(f, "decision ts=%s qid=Q helo=\"bad\\q\" spf=fail action=reject\n", tsb); break;
			}
			malformed++;
			lines++;
			continue;
		}
		/* one decision */
		{
			int r = (int)rnd(100), dt;
			if (r < 8) {
				sk = (int)rnd(4);
			}
			dt = r < 55 ? 0 : r < 67 ? 1 : r < 95 ? 2 : 3;
			di = (dt == 0 ? 0 : ndomtypes[dt - 1]) + (int)rnd((uint32_t)(ndomtypes[dt] - (dt == 0 ? 0 : ndomtypes[dt - 1])));
			/* skewed: low indexes more often, so "top domains" means something */
			if (rnd(2) == 0)
				di = (dt == 0 ? 0 : ndomtypes[dt - 1]) + (di - (dt == 0 ? 0 : ndomtypes[dt - 1])) / 8;
			switch (dt) {
			case 0: s = rnd(20) == 0 ? 4 : 2; d = rnd(3) == 0 ? 0 : 1; break;
			case 1: s = rnd(2) ? 3 : 4; d = rnd(10) == 0 ? 2 : 1; break;
			case 2: { static const int ss[] = { 0, 1, 3, 3, 3, 4, 4, 6 }; s = ss[rnd(8)]; d = rnd(4) == 0 ? 2 : rnd(6) == 0 ? 4 : 0; } break;
			default: s = rnd(2) ? 5 : 6; d = rnd(2) ? 0 : 5; break;
			}
			/* the "current config": some hardening already */
			a = 0;
			if (s == 3) a = rnd(10) < 3 ? 1 : rnd(10) < 2 ? 2 : 0;
			else if (s == 4) a = rnd(10) < 2 ? 3 : 0;
			else if (s == 5) a = rnd(3) == 0 ? 1 : 0;
			else if (d == 2 && rnd(5) == 0) a = 1;
			if (a == 1 || a == 2)
				reply = s == 5 ? "451 4.7.24 temporary SPF error" : "550 5.7.23 SPF \"fail\" for sender";
			if (sk >= 0) {
				s = -1;
				d = -1;
				a = 0;
				reply = "-";
			}
		}
		if (sk >= 0)
			strcpy(dom, "-");
		else {
			strcpy(dom, doms[di].name);
			if (rnd(10) == 0)   /* mixed case: the report folds it */
				for (char *p = dom; *p && p < dom + 5; p++)
					if (*p >= 'a' && *p <= 'z') *p -= 32;
		}
		switch (rnd(4)) {
		case 0: snprintf(mf, sizeof(mf), "\"john doe\"@%s", dom); break;
		case 1: snprintf(mf, sizeof(mf), "bounce+%ld=x@%s", i, dom); break;
		default: snprintf(mf, sizeof(mf), "user%ld@%s", i % 97, dom); break;
		}
		if (rnd(50) == 0)
			snprintf(helo, sizeof(helo), "h\xc3\xa9llo %ld", i);
		else
			snprintf(helo, sizeof(helo), "mx%ld.%s", i % 13, sk >= 0 ? "local.test" : doms[di].name);
		if (kind < 20)
			fprintf(f, "%s spfdkim-milter[42]: info: decision ", tsb);
		else if (kind < 60)
			fputs("decision ", f);
		fprintf(f, "ts=%s qid=Q%lX ip=192.0.2.%ld helo=", tsb, (unsigned long)i, i % 250);
		q(f, helo);
		fputs(" mailfrom=", f);
		q(f, mf);
		fprintf(f, " identity=mailfrom domain=%s spf=%s helo_spf=- dkim=%s dkim_d=%s skip=%s action=%s reason=%s reply=",
		    dom, s >= 0 ? SPF[s] : "-", d >= 0 ? DKIM[d] : "-", d == 1 ? doms[di].name : "-",
		    sk >= 0 ? SKIP[sk] : "-", ACT[a], a ? "spf" : "-");
		q(f, strcmp(reply, "-") == 0 ? "" : reply);
		fprintf(f, " elapsed_ms=%u\n", rnd(300));
		lines++;

		for (int scope = 0; scope < 2; scope++) {
			struct scope *c = &sc[scope];
			if (scope == 1 && !in30) {
				c->outside++;
				continue;
			}
			c->decisions++;
			if (s >= 0) c->spf[s]++; else c->notspf++;
			if (d >= 0) c->dkim[d]++; else c->notdkim++;
			c->act[a]++;
			if (sk >= 0) c->skip[sk]++;
			for (int w = 0; w < 5; w++) {
				int hit = (w == 0 && s == 3) || (w == 1 && s == 4) || (w == 2 && s == 5) || (w == 3 && s == 6) || (w == 4 && d == 2);
				if (!hit)
					continue;
				c->w_msgs[w]++;
				if ((w < 4 && d == 1) || (w == 4 && s == 2))
					c->w_other[w]++;
				if (a == 1 || a == 2)
					c->w_already[w]++;
				doms[di].hit[scope][w]++;
			}
		}
	}
	/* one overlong line: a decision the report must skip and count */
	fprintf(f, "decision ts=%s spf=fail action=reject helo=", "2026-11-01T00:00:00Z");
	for (int k = 0; k < 20000; k++)
		fputc('x', f);
	fputc('\n', f);
	overlong++;
	lines++;
	(void)idx;

	for (int scope = 0; scope < 2; scope++) {
		const char *p = scope ? "30d" : "all";
		struct scope *c = &sc[scope];
		fprintf(t, "%s.lines %ld\n%s.decisions %lu\n%s.outside %lu\n%s.malformed %ld\n%s.overlong %ld\n",
		    p, lines, p, c->decisions, p, c->outside, p, malformed, p, overlong);
		for (int k = 0; k < 7; k++)
			fprintf(t, "%s.spf=%s %lu\n", p, SPF[k], c->spf[k]);
		fprintf(t, "%s.spf=- %lu\n", p, c->notspf);
		for (int k = 0; k < 7; k++)
			fprintf(t, "%s.dkim=%s %lu\n", p, DKIM[k], c->dkim[k]);
		fprintf(t, "%s.dkim=- %lu\n", p, c->notdkim);
		for (int k = 0; k < 4; k++)
			fprintf(t, "%s.action=%s %lu\n", p, ACT[k], c->act[k]);
		for (int k = 0; k < 4; k++)
			fprintf(t, "%s.skip=%s %lu\n", p, SKIP[k], c->skip[k]);
		for (int w = 0; w < 5; w++) {
			unsigned long nd = 0;
			for (int k = 0; k < ndoms; k++)
				if (doms[k].hit[scope][w])
					nd++;
			fprintf(t, "%s.whatif.%s %lu %lu %lu %lu\n", p, WLABEL[w], c->w_msgs[w], nd, c->w_other[w], c->w_already[w]);
		}
	}
	fclose(t);
	if (fclose(f) != 0) {
		perror(out);
		return 2;
	}
	return 0;
}
