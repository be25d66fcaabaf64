/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl_spam.c - spfdkim-ctl purge and spamlog: the spam folder and spam log
 * seen from the command line.
 *
 *   spfdkim-ctl purge   [-c CONFIG] [--folder SPAMFOLDER] [--days N]
 *   spfdkim-ctl spamlog [-c CONFIG] [--log SPAMLOG] [--since 7d]
 *
 * The config (milter/core/config.h) gives SpamFolder, SpamRetentionDays and
 * SpamLog; the flags override it (and work without a config). purge deletes
 * only the milter's own copies older than the retention (spamfolder.h) and
 * prints how many. spamlog prints the spam log as a table, newest last;
 * malformed lines are reported on stderr with their line number (at most
 * CTL_SPAM_MAX_WARN of them) and skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "ctl.h"
#include "kvline.h"
#include "report.h"
#include "spamfolder.h"

#define CTL_SPAM_MAX_WARN 10

struct spamopts {
	const char *conf, *folder, *log, *since;
	long days;
};

/* Parses the common flags; returns 0, or 2 (usage) after printing why. */
static int
parse_opts(int argc, char **argv, struct spamopts *o, int want_since)
{
	memset(o, 0, sizeof(*o));
	o->days = -1;
	/* Every option takes a value, so options come in pairs. */
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL) {
			fprintf(stderr, "spfdkim-ctl %s: option %s needs a value\n", argv[0], a);
			return 2;
		}
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
			o->conf = v;
		else if (strcmp(a, "--folder") == 0)
			o->folder = v;
		else if (strcmp(a, "--log") == 0)
			o->log = v;
		else if (want_since && strcmp(a, "--since") == 0)
			o->since = v;
		else if (!want_since && strcmp(a, "--days") == 0) {
			char *end;
			errno = 0;
			o->days = strtol(v, &end, 10);
			if (errno != 0 || *end != '\0' || o->days < 1 || o->days > 36500) {
				fprintf(stderr, "spfdkim-ctl %s: --days '%s': want 1..36500\n", argv[0], v);
				return 2;
			}
		} else {
			fprintf(stderr, "spfdkim-ctl %s: unknown option '%s'\n", argv[0], a);
			return 2;
		}
	}
	return 0;
}

/* Loads -c CONFIG (or the defaults). NULL after printing the error. */
static struct config *
load_conf(const char *cmd, const char *path)
{
	char err[1024];
	struct config *c = path != NULL ? config_load(path, err, sizeof(err)) : config_new_default();

	if (c == NULL)
		fprintf(stderr, "spfdkim-ctl %s: %s\n", cmd, path != NULL ? err : "out of memory");
	return c;
}

int
ctl_purge(int argc, char **argv)
{
	struct spamopts o;
	struct spamfolder_options so;
	struct spamfolder *sf;
	struct config *c;
	char err[1024];
	unsigned removed = 0;
	int rc;

	if (parse_opts(argc, argv, &o, 0) != 0) {
		fprintf(stderr, "usage: spfdkim-ctl purge [-c CONFIG] [--folder SPAMFOLDER] [--days N]\n");
		return 2;
	}
	if ((c = load_conf(argv[0], o.conf)) == NULL)
		return 2;
	memset(&so, 0, sizeof(so));
	so.folder = o.folder != NULL ? o.folder : c->spam_folder;
	so.retention_days = o.days > 0 ? (unsigned)o.days : c->spam_retention_days;
	if (so.folder == NULL || so.folder[0] == '\0') {
		fprintf(stderr, "spfdkim-ctl purge: no SpamFolder (give -c CONFIG or --folder)\n");
		config_free(c);
		return 2;
	}
	if ((sf = spamfolder_new(&so, err, sizeof(err))) == NULL) {
		fprintf(stderr, "spfdkim-ctl purge: %s\n", err);
		config_free(c);
		return 2;
	}
	rc = spamfolder_purge(sf, time(NULL), &removed, err, sizeof(err));
	printf("purged %u entries older than %u days from %s\n", removed,
	    so.retention_days ? so.retention_days : SPAMFOLDER_DEFAULT_DAYS, spamfolder_dir(sf));
	if (rc < 0)
		fprintf(stderr, "spfdkim-ctl purge: %s\n", err);
	spamfolder_free(sf);
	config_free(c);
	return rc < 0 ? 1 : 0;
}

/* Copies s into a column of width w, cutting with "..." when longer. */
static void
col(char *out, size_t len, const char *s, size_t w)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (s == NULL)
		s = "-";
	if (w + 1 > len)
		w = len - 1;
	if (n <= w) {
		strlcpy(out, s, len);
		return;
	}
	memcpy(out, s, w - 3);
	memcpy(out + w - 3, "...", 3);
	out[w] = '\0';
}

/* Printable on a terminal: controls become '?'. */
static void
tame(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			*s = '?';
}

int
ctl_spamlog(int argc, char **argv)
{
	struct spamopts o;
	struct config *c;
	struct kvline *kv;
	const char *path;
	char *line, err[256];
	time_t since = 0;
	unsigned long lineno = 0, shown = 0, saved = 0, bad = 0;
	FILE *fp;

	if (parse_opts(argc, argv, &o, 1) != 0) {
		fprintf(stderr, "usage: spfdkim-ctl spamlog [-c CONFIG] [--log SPAMLOG] [--since 7d]\n");
		return 2;
	}
	if (o.since != NULL && report_parse_since(o.since, time(NULL), &since, err, sizeof(err)) < 0) {
		fprintf(stderr, "spfdkim-ctl spamlog: %s\n", err);
		return 2;
	}
	if ((c = load_conf(argv[0], o.conf)) == NULL)
		return 2;
	path = o.log != NULL ? o.log : c->spam_log;
	if (path == NULL || path[0] == '\0') {
		fprintf(stderr, "spfdkim-ctl spamlog: no SpamLog (give -c CONFIG or --log)\n");
		config_free(c);
		return 2;
	}
	if ((fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		fprintf(stderr, "spfdkim-ctl spamlog: %s: %s\n", path, strerror(errno));
		config_free(c);
		return 2;
	}
	kv = malloc(sizeof(*kv));
	line = malloc(KV_LINE_MAX + 2);
	if (kv == NULL || line == NULL) {
		fprintf(stderr, "spfdkim-ctl spamlog: out of memory\n");
		free(kv);
		free(line);
		if (fp != stdin)
			fclose(fp);
		config_free(c);
		return 2;
	}
	printf("%-19s  %-11s  %-15s  %-28s  %-28s  %-22s  %s\n", "TIME (UTC)", "ACTION", "CLIENT", "MAIL FROM",
	    "RCPTS", "RESULTS", "SAVED");
	while (fgets(line, KV_LINE_MAX + 2, fp) != NULL) {
		size_t n = strlen(line);
		char t[32], a[16], ip[48], mf[32], rc[32], res[32], sv[256];
		const char *ts, *s;
		struct tm tm;

		lineno++;
		if (n > 0 && line[n - 1] != '\n' && !feof(fp)) {
			int ch;
			while ((ch = getc(fp)) != EOF && ch != '\n')
				;
			if (bad++ < CTL_SPAM_MAX_WARN)
				fprintf(stderr, "spfdkim-ctl spamlog: %s:%lu: line longer than %d bytes, skipped\n", path, lineno, KV_LINE_MAX);
			continue;
		}
		if (n <= 1)
			continue;
		memset(&tm, 0, sizeof(tm));
		if (kv_parse(line, n, kv, err, sizeof(err)) < 0) {
			if (bad++ < CTL_SPAM_MAX_WARN)
				fprintf(stderr, "spfdkim-ctl spamlog: %s:%lu: %s, skipped\n", path, lineno, err);
			continue;
		}
		if ((ts = kv_get(kv, "ts")) == NULL || strlen(ts) != 20 ||
		    (s = strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL || *s != '\0') {
			if (bad++ < CTL_SPAM_MAX_WARN)
				fprintf(stderr, "spfdkim-ctl spamlog: %s:%lu: no valid ts=, skipped\n", path, lineno);
			continue;
		}
		if (timegm(&tm) < since)
			continue;
		snprintf(t, sizeof(t), "%.10s %.8s", ts, ts + 11);
		col(a, sizeof(a), kv_get(kv, "action"), 11);
		col(ip, sizeof(ip), kv_get(kv, "ip"), 15);
		col(mf, sizeof(mf), kv_get(kv, "mailfrom"), 28);
		col(rc, sizeof(rc), kv_get(kv, "rcpts"), 28);
		col(res, sizeof(res), kv_get(kv, "results"), 22);
		s = kv_get(kv, "saved");
		if (s != NULL && strcmp(s, "-") != 0) {
			const char *b = strrchr(s, '/');
			saved++;
			col(sv, sizeof(sv), b != NULL ? b + 1 : s, 80);
		} else
			strlcpy(sv, "-", sizeof(sv));
		tame(a); tame(ip); tame(mf); tame(rc); tame(res); tame(sv);
		printf("%-19s  %-11s  %-15s  %-28s  %-28s  %-22s  %s\n", t, a, ip, mf, rc, res, sv);
		shown++;
	}
	printf("%lu entries, %lu with a saved copy%s", shown, saved, bad ? "" : "\n");
	if (bad)
		printf(", %lu malformed lines skipped\n", bad);
	if (fp != stdin)
		fclose(fp);
	free(kv);
	free(line);
	config_free(c);
	return 0;
}
