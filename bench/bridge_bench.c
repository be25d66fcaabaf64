/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bridge_bench.c - the XMail bridge's own cost per message.
 *
 *   bridge_bench BRIDGE MILTER SPOOLFILE N [WARMUP]
 *
 * Runs BRIDGE N times the way XMail does (posix_spawn, one argv element per
 * tab field, on a fresh copy of SPOOLFILE under a .xtmp name) against
 * MILTER, timing exec to exit with CLOCK_MONOTONIC and reading the peak RSS
 * from wait4(). The bridge logs (--log FILE) how long it waited on the
 * milter; "own" = wall time minus that wait, i.e. the milter's time is
 * excluded. Prints one line of key=value results (times in ms).
 * The spool copy is streamed, never held here: posix_spawn's child shares
 * our memory until exec, so our RSS would show up in its ru_maxrss.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

/* Field k (0-based) of the last XMail-style log line: "a"<TAB>"b"... */
static double
log_field(const char *path, int k)
{
	char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n;
	char *line, *p;
	int f = 0;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	line = buf;
	for (p = buf; *p; p++)
		if (*p == '\n' && p[1])
			line = p + 1;
	for (p = line; *p && f < k; p++)
		if (*p == '\t')
			f++;
	if (*p == '"')
		p++;
	return atof(p);
}

int
main(int argc, char **argv)
{
	const char *bridge, *milter, *spool;
	size_t n, warm, len;
	char dir[256], file[512], logf[512], *tmpl;
	const char *tmpdir = getenv("TMPDIR");
	int tfd;
	double *wall, *own, *inside;
	long maxrss = 0;
	unsigned fails = 0;
	FILE *f;
	struct stat st;

	if (argc < 5) {
		fprintf(stderr, "usage: bridge_bench BRIDGE MILTER SPOOLFILE N [WARMUP]\n");
		return 2;
	}
	bridge = argv[1];
	milter = argv[2];
	spool = argv[3];
	n = (size_t)atol(argv[4]);
	warm = argc > 5 ? (size_t)atol(argv[5]) : 20;
	if (n == 0 || stat(spool, &st) < 0 || (f = fopen(spool, "rb")) == NULL) {
		fprintf(stderr, "bridge_bench: cannot read %s\n", spool);
		return 2;
	}
	len = (size_t)st.st_size;
	fclose(f);
	tfd = open(spool, O_RDONLY);
	tmpl = malloc(65536);
	if (tfd < 0 || tmpl == NULL) {
		fprintf(stderr, "bridge_bench: cannot read %s\n", spool);
		return 2;
	}
	/* The spool copies go under $TMPDIR (default /tmp): a tmpfs there shows
	   what the bridge's fsync of a rewritten spool file costs on disk. */
	snprintf(dir, sizeof(dir), "%s/bridge_bench.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(file, sizeof(file), "%s/0d36c0d1b7efe4ac46854a59434854d3.xtmp", dir);
	snprintf(logf, sizeof(logf), "%s/bridge.log", dir);
	wall = calloc(n, sizeof(double));
	own = calloc(n, sizeof(double));
	inside = calloc(n, sizeof(double));
	if (!wall || !own || !inside)
		return 2;
	for (size_t i = 0; i < n + warm; i++) {
		int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0666), status;
		pid_t pid;
		struct rusage ru;
		char *av[] = { (char *)bridge, "--stage", "post-data", "--milter", (char *)milter,
			"--file", file, "--auth", "-", "--remote", "[127.0.0.1]:40000", "--local",
			"[127.0.0.1]:2525", "--from", "sender@sender.test", "--rcpt", "alice@example.test",
			"--msgref", "S1", "--timeout", "30", "--on-error", "fail-open", "--log", logf, NULL };
		double t0, t1;

		off_t off = 0;
		if (fd < 0) {
			perror(file);
			return 2;
		}
		for (;;) {
			ssize_t r = pread(tfd, tmpl, 65536, off);
			if (r <= 0)
				break;
			if (write(fd, tmpl, (size_t)r) != r) {
				perror(file);
				return 2;
			}
			off += r;
		}
		close(fd);
		unlink(logf);
		t0 = now_ms();
		if (posix_spawn(&pid, bridge, NULL, NULL, av, environ) != 0) {
			perror(bridge);
			return 2;
		}
		if (wait4(pid, &status, 0, &ru) < 0) {
			perror("wait4");
			return 2;
		}
		t1 = now_ms();
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fails++;
		if (i < warm)
			continue;
		if (ru.ru_maxrss > maxrss)
			maxrss = ru.ru_maxrss;
		wall[i - warm] = t1 - t0;
		own[i - warm] = (t1 - t0) - log_field(logf, 12);
		inside[i - warm] = log_field(logf, 11) - log_field(logf, 12);
	}
	qsort(wall, n, sizeof(double), cmpd);
	qsort(own, n, sizeof(double), cmpd);
	qsort(inside, n, sizeof(double), cmpd);
	printf("bytes=%zu n=%zu wall_p50=%.3f wall_p99=%.3f own_p50=%.3f own_p99=%.3f "
	    "inside_p50=%.3f inside_p99=%.3f maxrss_kb=%ld nonzero_exits=%u\n",
	    len, n, pct(wall, n, .5), pct(wall, n, .99), pct(own, n, .5), pct(own, n, .99),
	    pct(inside, n, .5), pct(inside, n, .99), maxrss, fails);
	unlink(file);
	unlink(logf);
	rmdir(dir);
	close(tfd);
	free(tmpl);
	free(wall);
	free(own);
	free(inside);
	return 0;
}
