/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * milter_load.c - the benchmark load generator: plays the corpus of
 * bench/gen_corpus.py to one milter, as an MTA would, and measures it.
 *
 *   milter_load -s SPEC -d CORPUS [-c CONC] [-n PASSES] [-p PID] [-l LABEL]
 *               [-t TRUTH] [-m MAX] [-T TIMEOUT_MS]
 *   milter_load -s SPEC -H N [-p PID]      hold N negotiated connections,
 *                                          print the milter's VmRSS/VmHWM
 *
 * CONC threads play the corpus's SMTP sessions (a session: one client IP
 * and HELO, 1 to 12 messages), taking sessions from one shared index, PASSES
 * times over the corpus. Per session a thread opens one milter connection
 * (milterclient.h, protocol v6, negotiated once), sends connect and helo,
 * then reuses the connection for every message of the session (mail, rcpt,
 * data, headers, eoh, body, eom, abort), then QUIT, as Postfix does: one milter connection per SMTP
 * session. (SMFIC_QUIT_NC cannot carry the next session: libmilter ignores
 * it, and the following connect, once a milter accepted the message at
 * EOM.) Per message it records the latency (MAIL to the final reply; the
 * session's first message also carries connect, negotiation and helo) and
 * the verdicts found in the Authentication-Results headers the milter adds:
 * dkim= (pass if any signature passed, else the first result), spf= and
 * dmarc=.
 *
 * With -p PID, CPU time (utime+stime of /proc/PID/stat) and VmHWM are read
 * around the run. With -t TRUTH (truth.tsv of the corpus) the dkim and spf
 * verdicts are compared message by message (MATCH / MISMATCH).
 *
 * Output: a human summary on stderr and one machine line on stdout:
 *   RESULT label=.. conc=.. msgs=.. errors=.. secs=.. mps=.. p50_ms=..
 *   p99_ms=.. cpu_ms_per_msg=.. hwm_kb=.. rtt_per_msg=.. client_cpu_ms_per_msg=..
 *   dkim_pass=.. ...   (client: this load generator's own CPU)
 *
 * Caps: at most MAX_MSGS messages of at most MAX_MSG_BYTES each; at most
 * MAX_HDRS headers per message; at most MAX_CONC threads, MAX_HOLD held
 * connections. Corpus lines and files beyond them are errors naming them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#include "fileio.h"
#include "milterclient.h"

#define MAX_MSGS      100000
#define MAX_MSG_BYTES (16u * 1024 * 1024)
#define MAX_HDRS      512
#define MAX_CONC      1024
#define MAX_HOLD      5000

struct hdr {
	char *name;
	char *value;   /* folds as LF, without the leading space */
	char *lvalue;  /* the same with the leading space (SMFIP_HDR_LEADSPC) */
};

struct msg {
	unsigned id, session;
	char ip[64], helo[256], from[320], rcpt[320];
	char *raw;                 /* whole file */
	struct hdr *h;
	size_t nh;
	const char *body;
	size_t blen;
	char t_dkim[16], t_spf[16]; /* truth, "" if unknown */
};

enum { V_DKIM, V_SPF, V_DMARC, V_N };
static const char *vname[V_N] = { "dkim", "spf", "dmarc" };
#define VALS 9
static const char *vals[VALS] = { "pass", "fail", "softfail", "neutral", "none",
                                  "temperror", "permerror", "policy", "other" };

struct result {
	double lat_ms;
	int verdict[V_N];       /* index into vals, or -1: no result seen */
	enum mc_verdict final;
	unsigned rtt;
	int ended_early;        /* a final verdict before EOM */
};

static struct msg *msgs;
static size_t nmsgs;
static struct result *results;  /* one per (pass, message) */
static size_t total;
static atomic_size_t next_job;
static atomic_uint nerrors;
static const char *spec;
static int io_timeout = 30000;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *len)
{
	char *p, err[600];

	if (fileio_read_file(path, MAX_MSG_BYTES, &p, len, err, sizeof(err)) < 0) {
		fprintf(stderr, "milter_load: %s\n", err);
		return NULL;
	}
	return p;
}

/* Splits raw into headers (unfolded to LF folds) and body. 0 or -1. */
static int parse_message(struct msg *m, const char *path, size_t len)
{
	char *p = m->raw, *end = m->raw + len;
	m->h = calloc(MAX_HDRS, sizeof(*m->h));
	if (m->h == NULL)
		return -1;
	while (p < end) {
		if (p + 1 < end && p[0] == '\r' && p[1] == '\n') {
			p += 2;
			break;
		}
		char *colon = memchr(p, ':', (size_t)(end - p));
		char *eol = p;
		/* the field ends at a CRLF not followed by SP/HT */
		for (;;) {
			char *cr = memchr(eol, '\n', (size_t)(end - eol));
			if (cr == NULL) {
				eol = end;
				break;
			}
			eol = cr + 1;
			if (eol >= end || (*eol != ' ' && *eol != '\t'))
				break;
		}
		if (colon == NULL || colon > eol) {
			fprintf(stderr, "milter_load: %s: header line without colon\n", path);
			return -1;
		}
		if (m->nh >= MAX_HDRS) {
			fprintf(stderr, "milter_load: %s: more than %d headers\n", path, MAX_HDRS);
			return -1;
		}
		struct hdr *h = &m->h[m->nh++];
		h->name = strndup(p, (size_t)(colon - p));
		/* value: drop CR before LF, drop the final line end */
		size_t vl = (size_t)(eol - colon - 1);
		char *v = malloc(vl + 1), *o = v;
		if (h->name == NULL || v == NULL)
			return -1;
		for (const char *s = colon + 1; s < eol; s++)
			if (*s != '\r')
				*o++ = *s;
		while (o > v && o[-1] == '\n')
			o--;
		*o = '\0';
		h->lvalue = v;
		h->value = v;
		while (*h->value == ' ' || *h->value == '\t')
			h->value++;
		p = eol;
	}
	m->body = p;
	m->blen = (size_t)(end - p);
	return 0;
}

static int load_corpus(const char *dir, const char *truth, size_t max)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/envelopes.tsv", dir) >= (int)sizeof(path))
		return -1;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "milter_load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	msgs = calloc(MAX_MSGS, sizeof(*msgs));
	if (msgs == NULL)
		return -1;
	char line[4096];
	unsigned lineno = 0;
	while (fgets(line, sizeof(line), f) != NULL && nmsgs < max) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (nmsgs >= MAX_MSGS) {
			fprintf(stderr, "milter_load: %s:%u: more than %d messages\n", path, lineno, MAX_MSGS);
			break;
		}
		struct msg *m = &msgs[nmsgs];
		char file[1024];
		if (sscanf(line, "%u\t%u\t%63s\t%255s\t%319s\t%319s\t%1023s", &m->id, &m->session,
		           m->ip, m->helo, m->from, m->rcpt, file) != 7) {
			fprintf(stderr, "milter_load: %s:%u: bad envelope line\n", path, lineno);
			fclose(f);
			return -1;
		}
		char mp[4096];
		if (snprintf(mp, sizeof(mp), "%s/%s", dir, file) >= (int)sizeof(mp))
			return -1;
		size_t len;
		m->raw = read_file(mp, &len);
		if (m->raw == NULL || parse_message(m, mp, len) != 0) {
			fclose(f);
			return -1;
		}
		nmsgs++;
	}
	fclose(f);
	if (truth != NULL) {
		f = fopen(truth, "r");
		if (f == NULL) {
			fprintf(stderr, "milter_load: %s: %s\n", truth, strerror(errno));
			return -1;
		}
		lineno = 0;
		while (fgets(line, sizeof(line), f) != NULL) {
			lineno++;
			unsigned id, size;
			char dom[256], sig[16], dk[16], sp[16];
			if (line[0] == '#')
				continue;
			if (sscanf(line, "%u\t%255s\t%u\t%15s\t%15s\t%15s", &id, dom, &size, sig, dk, sp) != 6) {
				fprintf(stderr, "milter_load: %s:%u: bad truth line\n", truth, lineno);
				fclose(f);
				return -1;
			}
			for (size_t i = 0; i < nmsgs; i++)
				if (msgs[i].id == id) {
					strlcpy(msgs[i].t_dkim, dk, sizeof(msgs[i].t_dkim));
					strlcpy(msgs[i].t_spf, sp, sizeof(msgs[i].t_spf));
					break;
				}
		}
		fclose(f);
	}
	return nmsgs > 0 ? 0 : -1;
}

static int val_index(const char *s, size_t n)
{
	for (int i = 0; i < VALS - 1; i++)
		if (strlen(vals[i]) == n && strncasecmp(s, vals[i], n) == 0)
			return i;
	return VALS - 1;
}

/* Finds "key=word" results in one Authentication-Results value. */
static void parse_ar(const char *v, int verdict[V_N])
{
	for (const char *p = v; *p != '\0'; p++) {
		if (p != v && p[-1] != ' ' && p[-1] != ';' && p[-1] != '\t' && p[-1] != '\n')
			continue;
		for (int k = 0; k < V_N; k++) {
			size_t kl = strlen(vname[k]);
			if (strncasecmp(p, vname[k], kl) != 0 || p[kl] != '=')
				continue;
			const char *w = p + kl + 1;
			size_t wl = strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
			int vi = val_index(w, wl);
			/* a message passes DKIM if any signature passed */
			if (verdict[k] < 0 || (k == V_DKIM && vi == 0))
				verdict[k] = vi;
		}
	}
}

/* Replies an MTA waits for per message (connect and helo, once per session,
   are left out). */
static unsigned expected_replies(uint32_t proto, const struct msg *m)
{
	unsigned n = 0;
	if (!(proto & SMFIP_NOMAIL) && !(proto & SMFIP_NR_MAIL)) n++;
	if (!(proto & SMFIP_NORCPT) && !(proto & SMFIP_NR_RCPT)) n++;
	if (!(proto & SMFIP_NODATA) && !(proto & SMFIP_NR_DATA)) n++;
	if (!(proto & SMFIP_NOHDRS) && !(proto & SMFIP_NR_HDR)) n += (unsigned)m->nh;
	if (!(proto & SMFIP_NOEOH) && !(proto & SMFIP_NR_EOH)) n++;
	if (!(proto & SMFIP_NOBODY) && !(proto & SMFIP_NR_BODY))
		n += (unsigned)((m->blen + MC_BODY_CHUNK - 1) / MC_BODY_CHUNK);
	return n + 1; /* eom */
}

static int is_final(enum mc_verdict v)
{
	return v != MC_CONTINUE && v != MC_SKIP;
}

/* Connect macros and steps of a new session. Returns the verdict. */
static enum mc_verdict session_start(struct mc_conn *c, const struct msg *m)
{
	char host[300], connmac[400];
	snprintf(host, sizeof(host), "relay.%s", m->helo + (strncmp(m->helo, "mail.", 5) == 0 ? 5 : 0));
	snprintf(connmac, sizeof(connmac), "%s [%s]", host, m->ip);
	struct mc_macro cm[] = { { "j", "mx.inbound.example" }, { "{daemon_name}", "bench" },
	                         { "v", "Postfix 3.7" }, { "_", connmac },
	                         { "{client_addr}", m->ip }, { "{client_name}", host } };
	if (mc_set_macros(c, MC_ST_CONNECT, cm, 6) != 0)
		return MC_ERROR;
	enum mc_verdict v = mc_connect_info(c, host, '4', 25000, m->ip);
	if (v == MC_CONTINUE)
		v = mc_helo(c, m->helo);
	return v;
}

/* One message of a session over c. Returns 0, or -1 when the connection is
   unusable. */
static int one_message(struct mc_conn *c, const struct msg *m, unsigned tid, unsigned seq,
                       struct result *r)
{
	char qid[32], from[330], rcpt[330];
	snprintf(qid, sizeof(qid), "B%02X%06X", tid & 0xff, seq & 0xffffff);
	snprintf(from, sizeof(from), "<%s>", m->from);
	snprintf(rcpt, sizeof(rcpt), "<%s>", m->rcpt);
	struct mc_macro mm[] = { { "i", qid }, { "{mail_addr}", m->from } };
	struct mc_macro rm[] = { { "{rcpt_addr}", m->rcpt } };
	struct mc_macro im[] = { { "i", qid } };
	uint32_t proto = mc_protocol(c);
	int lead = (proto & SMFIP_HDR_LEADSPC) != 0;
	enum mc_verdict v;

	r->rtt += expected_replies(proto, m);
	if (mc_set_macros(c, MC_ST_MAIL, mm, 2) != 0 || mc_set_macros(c, MC_ST_RCPT, rm, 1) != 0 ||
	    mc_set_macros(c, MC_ST_DATA, im, 1) != 0 || mc_set_macros(c, MC_ST_EOH, im, 1) != 0 ||
	    mc_set_macros(c, MC_ST_EOM, im, 1) != 0)
		return -1;
	const char *fa[] = { from }, *ra[] = { rcpt };
	v = mc_mail(c, fa, 1);
	if (v == MC_CONTINUE) v = mc_rcpt(c, ra, 1);
	if (v == MC_CONTINUE) v = mc_data(c);
	for (size_t i = 0; i < m->nh && v == MC_CONTINUE; i++)
		v = mc_header(c, m->h[i].name, lead ? m->h[i].lvalue : m->h[i].value);
	if (v == MC_CONTINUE) v = mc_eoh(c);
	if (v == MC_CONTINUE) v = mc_body(c, m->body, m->blen);
	r->ended_early = is_final(v);
	if (!is_final(v)) v = mc_eom(c);
	r->final = v;
	if (v == MC_ERROR) {
		fprintf(stderr, "milter_load: message %u: %s\n", m->id, mc_error(c));
		return -1;
	}
	size_t nmods;
	const struct mc_mod *mods = mc_mods(c, &nmods);
	for (size_t i = 0; i < nmods; i++)
		if ((mods[i].type == MC_MOD_ADDHEADER || mods[i].type == MC_MOD_INSHEADER) &&
		    strcasecmp(mods[i].name, "Authentication-Results") == 0)
			parse_ar(mods[i].value, r->verdict);
	/* mc_abort() clears this message's modifications (libmilter ignores
	   an ABORT after a finished message). */
	if (mc_abort(c) != 0)
		return -1;
	return 0;
}

/* Sessions: index of each session's first message; sessions[nsessions] = nmsgs. */
static size_t *sessions;
static size_t nsessions;

struct worker {
	pthread_t th;
	unsigned tid;
};

static void fail_rest(size_t from, size_t to, size_t base)
{
	for (size_t k = from; k < to; k++) {
		results[base + k].lat_ms = -1;
		atomic_fetch_add(&nerrors, 1);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char err[512];
	struct mc_options o = { .io_timeout_ms = io_timeout };
	unsigned seq = 0;
	for (;;) {
		size_t j = atomic_fetch_add(&next_job, 1);
		if (j >= nsessions * (total / nmsgs))
			break;
		size_t pass = j / nsessions, sidx = j % nsessions, base = pass * nmsgs;
		size_t first = sessions[sidx], end = sessions[sidx + 1];
		for (size_t k = first; k < end; k++)
			for (int q = 0; q < V_N; q++)
				results[base + k].verdict[q] = -1;
		double t0 = now_s();
		struct mc_conn *c = mc_open(spec, &o, 0, err, sizeof(err));
		if (c == NULL) {
			fprintf(stderr, "milter_load: %s\n", err);
			fail_rest(first, end, base);
			continue;
		}
		enum mc_verdict v = session_start(c, &msgs[first]);
		if (v == MC_ERROR) {
			fprintf(stderr, "milter_load: session of message %u: %s\n", msgs[first].id, mc_error(c));
			mc_close(c);
			fail_rest(first, end, base);
			continue;
		}
		for (size_t k = first; k < end; k++) {
			struct result *r = &results[base + k];
			if (v != MC_CONTINUE) {
				/* the whole session was refused at connect or helo */
				r->final = v;
				r->lat_ms = (now_s() - t0) * 1000.0;
				t0 = now_s();
				continue;
			}
			if (one_message(c, &msgs[k], w->tid, seq++, r) != 0) {
				fail_rest(k, end, base);
				break;
			}
			double t1 = now_s();
			r->lat_ms = (t1 - t0) * 1000.0;
			t0 = t1;
		}
		mc_close(c);
	}
	return NULL;
}

/* utime+stime of pid in ms, or -1. */
static double proc_cpu_ms(long pid)
{
	char path[64], buf[2048];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	unsigned long ut = 0, st = 0;
	/* after ")": state(3) ... utime is field 14, stime 15 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* A "VmXXX:" value of /proc/pid/status in kB, or -1. */
static long proc_status_kb(long pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	long v = -1;
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* This process's own CPU time in ms. */
static double self_cpu_ms(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int hold(unsigned n, long pid)
{
	struct mc_conn **cs = calloc(n, sizeof(*cs));
	char err[512];
	struct mc_options o = { .io_timeout_ms = io_timeout };
	unsigned ok = 0;
	if (cs == NULL)
		return 1;
	long rss0 = pid > 0 ? proc_status_kb(pid, "VmRSS") : -1;
	for (unsigned i = 0; i < n; i++) {
		cs[i] = mc_open(spec, &o, 0, err, sizeof(err));
		if (cs[i] == NULL) {
			fprintf(stderr, "milter_load: hold %u: %s\n", i, err);
			break;
		}
		char ip[32];
		snprintf(ip, sizeof(ip), "198.18.%u.%u", 100 + i / 250, 1 + i % 250);
		enum mc_verdict v = mc_connect_info(cs[i], "held.bench.test", '4', 25000, ip);
		if (v == MC_CONTINUE)
			v = mc_helo(cs[i], "held.bench.test");
		if (v == MC_ERROR) {
			fprintf(stderr, "milter_load: hold %u: %s\n", i, mc_error(cs[i]));
			break;
		}
		ok++;
	}
	usleep(500000);
	long rss = pid > 0 ? proc_status_kb(pid, "VmRSS") : -1;
	long hwm = pid > 0 ? proc_status_kb(pid, "VmHWM") : -1;
	long thr = pid > 0 ? proc_status_kb(pid, "Threads") : -1;
	for (unsigned i = 0; i < n; i++)
		mc_close(cs[i]);
	free(cs);
	printf("HOLD conns=%u rss_before_kb=%ld rss_kb=%ld hwm_kb=%ld threads=%ld\n", ok, rss0, rss, hwm, thr);
	fprintf(stderr, "held %u connections: VmRSS %ld kB (before %ld kB), VmHWM %ld kB, %ld threads\n",
	        ok, rss, rss0, hwm, thr);
	return ok == n ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: milter_load -s SPEC -d CORPUS [-c CONC] [-n PASSES] [-p PID] [-l LABEL]\n"
	                "                   [-t TRUTH] [-m MAX] [-T TIMEOUT_MS]\n"
	                "       milter_load -s SPEC -H N [-p PID]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *truth = NULL, *label = "milter";
	unsigned conc = 1, passes = 1, holdn = 0;
	long pid = 0;
	size_t max = MAX_MSGS;
	int opt;
	while ((opt = getopt(argc, argv, "s:d:c:n:p:l:t:m:T:H:")) != -1) {
		switch (opt) {
		case 's': spec = optarg; break;
		case 'd': dir = optarg; break;
		case 'c': conc = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': passes = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': pid = strtol(optarg, NULL, 10); break;
		case 'l': label = optarg; break;
		case 't': truth = optarg; break;
		case 'm': max = strtoul(optarg, NULL, 10); break;
		case 'T': io_timeout = atoi(optarg); break;
		case 'H': holdn = (unsigned)strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (spec == NULL)
		usage();
	if (holdn > 0) {
		if (holdn > MAX_HOLD) {
			fprintf(stderr, "milter_load: -H %u: at most %d\n", holdn, MAX_HOLD);
			return 2;
		}
		return hold(holdn, pid);
	}
	if (dir == NULL || conc < 1 || conc > MAX_CONC || passes < 1 || passes > 100)
		usage();
	if (load_corpus(dir, truth, max) != 0)
		return 1;
	total = nmsgs * passes;
	sessions = calloc(nmsgs + 1, sizeof(*sessions));
	if (sessions == NULL)
		return 1;
	for (size_t i = 0; i < nmsgs; i++)
		if (i == 0 || msgs[i].session != msgs[i - 1].session)
			sessions[nsessions++] = i;
	sessions[nsessions] = nmsgs;
	results = calloc(total, sizeof(*results));
	struct worker *w = calloc(conc, sizeof(*w));
	if (results == NULL || w == NULL)
		return 1;

	double cpu0 = pid > 0 ? proc_cpu_ms(pid) : -1;
	double self0 = self_cpu_ms();
	double t0 = now_s();
	for (unsigned i = 0; i < conc; i++) {
		w[i].tid = i;
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0) {
			fprintf(stderr, "milter_load: pthread_create failed\n");
			return 1;
		}
	}
	for (unsigned i = 0; i < conc; i++)
		pthread_join(w[i].th, NULL);
	double secs = now_s() - t0;
	double cpu1 = pid > 0 ? proc_cpu_ms(pid) : -1;
	double self1 = self_cpu_ms();
	long hwm = pid > 0 ? proc_status_kb(pid, "VmHWM") : -1;

	double *lat = calloc(total, sizeof(double));
	size_t nok = 0;
	unsigned long cnt[V_N][VALS + 1];
	unsigned long finals[MC_ERROR + 1];
	unsigned long rtt = 0;
	unsigned long dk_match = 0, dk_mis = 0, spf_match = 0, spf_mis = 0;
	memset(cnt, 0, sizeof(cnt));
	memset(finals, 0, sizeof(finals));
	if (lat == NULL)
		return 1;
	for (size_t j = 0; j < total; j++) {
		struct result *r = &results[j];
		const struct msg *m = &msgs[j % nmsgs];
		if (r->lat_ms < 0)
			continue;
		lat[nok++] = r->lat_ms;
		finals[r->final]++;
		rtt += r->rtt;
		for (int k = 0; k < V_N; k++)
			cnt[k][r->verdict[k] < 0 ? VALS : (unsigned)r->verdict[k]]++;
		if (m->t_dkim[0] != '\0') {
			const char *got = r->verdict[V_DKIM] < 0 ? "-" : vals[r->verdict[V_DKIM]];
			if (strcmp(got, m->t_dkim) == 0)
				dk_match++;
			else if (dk_mis++ < 5)
				fprintf(stderr, "  dkim mismatch: message %u truth %s got %s\n", m->id, m->t_dkim, got);
			got = r->verdict[V_SPF] < 0 ? "-" : vals[r->verdict[V_SPF]];
			if (strcmp(got, m->t_spf) == 0)
				spf_match++;
			else if (spf_mis++ < 5)
				fprintf(stderr, "  spf mismatch: message %u truth %s got %s\n", m->id, m->t_spf, got);
		}
	}
	qsort(lat, nok, sizeof(double), cmp_double);
	double p50 = nok ? lat[nok / 2] : 0, p99 = nok ? lat[(size_t)((double)(nok - 1) * 0.99)] : 0;
	double cpum = (cpu0 >= 0 && cpu1 >= 0 && nok) ? (cpu1 - cpu0) / (double)nok : -1;

	printf("RESULT label=%s conc=%u msgs=%zu errors=%u secs=%.3f mps=%.1f p50_ms=%.3f p99_ms=%.3f "
	       "cpu_ms_per_msg=%.4f hwm_kb=%ld rtt_per_msg=%.1f client_cpu_ms_per_msg=%.4f",
	       label, conc, nok, atomic_load(&nerrors), secs, (double)nok / secs, p50, p99, cpum, hwm,
	       nok ? (double)rtt / (double)nok : 0, nok ? (self1 - self0) / (double)nok : 0);
	for (int k = 0; k < V_N; k++) {
		for (int i = 0; i < VALS; i++)
			if (cnt[k][i])
				printf(" %s_%s=%lu", vname[k], vals[i], cnt[k][i]);
		if (cnt[k][VALS])
			printf(" %s_absent=%lu", vname[k], cnt[k][VALS]);
	}
	for (int i = 0; i <= MC_ERROR; i++)
		if (finals[i])
			printf(" final_%s=%lu", mc_verdict_name((enum mc_verdict)i), finals[i]);
	if (truth != NULL)
		printf(" dkim_truth=%s dkim_match=%lu dkim_mismatch=%lu spf_truth=%s spf_match=%lu spf_mismatch=%lu",
		       dk_mis ? "MISMATCH" : "MATCH", dk_match, dk_mis,
		       spf_mis ? "MISMATCH" : "MATCH", spf_match, spf_mis);
	printf("\n");
	fprintf(stderr, "%s c=%u: %zu msgs in %.2f s = %.0f msgs/s, p50 %.2f ms, p99 %.2f ms, %.3f CPU-ms/msg, "
	        "VmHWM %ld kB, %u errors\n", label, conc, nok, secs, (double)nok / secs, p50, p99, cpum, hwm,
	        atomic_load(&nerrors));
	free(lat);
	free(w);
	return atomic_load(&nerrors) ? 1 : 0;
}
