/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl_report.c - spfdkim-ctl report: read the decision log, print what
 * happened and what stricter settings would have done.
 *
 *   spfdkim-ctl report [-c CONFIG] [--since 30d] [--html FILE] [--log FILE]
 *
 * The log is --log FILE ("-" for stdin), else DecisionLog from the config.
 * --since defaults to 30d ("all" reads everything). The text report always
 * goes to stdout; --html also writes the page to FILE (via FILE.tmp and a
 * rename, so a browser never sees half a page). Counting is report_stats.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "report.h"

static int
usage(void)
{
	fprintf(stderr, "usage: spfdkim-ctl report [-c CONFIG] [--since 30d] [--html FILE] [--log FILE]\n");
	return 2;
}

static int
write_html(const struct report *r, const char *file, const char *source)
{
	char tmp[4096];
	FILE *f;
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", file, (long)getpid());

	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "spfdkim-ctl report: --html '%s': path too long\n", file);
		return -1;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "spfdkim-ctl report: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (report_write_html(r, f, source) < 0 || fflush(f) != 0 || ferror(f)) {
		fprintf(stderr, "spfdkim-ctl report: writing %s: %s\n", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, file) < 0) {
		fprintf(stderr, "spfdkim-ctl report: %s: %s\n", file, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
ctl_report(int argc, char **argv)
{
	const char *conf = NULL, *since_s = "30d", *html = NULL, *logf = NULL, *path;
	struct config *c = NULL;
	struct report *r;
	char err[1024];
	time_t since;
	FILE *fp;
	int rc = 0;

	/* Every option takes a value, so options come in pairs. */
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL) {
			fprintf(stderr, "spfdkim-ctl report: option %s needs a value\n", a);
			return usage();
		}
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
			conf = v;
		else if (strcmp(a, "--since") == 0)
			since_s = v;
		else if (strcmp(a, "--html") == 0)
			html = v;
		else if (strcmp(a, "--log") == 0)
			logf = v;
		else {
			fprintf(stderr, "spfdkim-ctl report: unknown option '%s'\n", a);
			return usage();
		}
	}
	if (report_parse_since(since_s, time(NULL), &since, err, sizeof(err)) < 0) {
		fprintf(stderr, "spfdkim-ctl report: %s\n", err);
		return 2;
	}
	if (conf != NULL && (c = config_load(conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "spfdkim-ctl report: %s\n", err);
		return 2;
	}
	path = logf != NULL ? logf : c != NULL ? c->decision_log : NULL;
	if (path == NULL || path[0] == '\0') {
		fprintf(stderr, "spfdkim-ctl report: no decision log (set DecisionLog in -c CONFIG, or give --log FILE)\n");
		config_free(c);
		return 2;
	}
	if ((fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		fprintf(stderr, "spfdkim-ctl report: %s: %s\n", path, strerror(errno));
		config_free(c);
		return 2;
	}
	if ((r = report_new(since)) == NULL) {
		fprintf(stderr, "spfdkim-ctl report: out of memory\n");
		rc = 2;
	} else if (report_read(r, fp, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "spfdkim-ctl report: %s\n", err);
		rc = 2;
	} else {
		report_print_text(r, stdout, path);
		if (html != NULL) {
			if (write_html(r, html, path) < 0)
				rc = 2;
			else
				printf("\nHTML report written to %s\n", html);
		}
	}
	report_free(r);
	if (fp != stdin)
		fclose(fp);
	config_free(c);
	return rc;
}
