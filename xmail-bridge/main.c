/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - xmail-milter-bridge: runs one milter from an XMail SMTP filter
 * stage (filters.post-rcpt.tab, filters.pre-data.tab, filters.post-data.tab).
 *
 *   xmail-milter-bridge --stage post-data --milter inet:8894@127.0.0.1
 *       --file @@FILE --auth @@USERAUTH --remote @@REMOTEADDR
 *       --local @@LOCALADDR --from @@FROM --rcpt @@CRCPT --msgref @@MSGREF
 *       [--timeout 30] [--on-error fail-open|tempfail] [--log syslog|FILE|stderr|none]
 *       [--daemon-name NAME] [--spam-folder FOLDER]
 *
 * XMail's contract (tests/data/xmail/README.md): exit 3 with one
 * "DDD x.y.z text" line in $(FILE).rej rejects; anything else accepts, and
 * a .rej is written only together with exit 3. The message is edited by
 * rewriting $(FILE) atomically (spool.c). A broken, missing or slow milter
 * gets the --on-error policy: fail-open (default: accept untouched, log) or
 * tempfail (451 in .rej, exit 3). The whole run is bounded by --timeout
 * (default 30 s, well under XMail's 90 s). Every call logs one line.
 *
 * Stages (each run is one milter connection, one message, then QUIT):
 *  post-rcpt  CONNECT, HELO, MAIL, one RCPT per RCPT line already in the
 *             file (already accepted: a late reject of those is logged and
 *             ignored), then RCPT @@CRCPT, whose verdict is the answer.
 *  pre-data   ... every RCPT, then DATA; its verdict is the answer.
 *  post-data  ... DATA, headers, EOH, the un-stuffed body, EOM; then the
 *             modifications are applied to $(FILE).
 * A reject/tempfail at any step before EOM (connect, MAIL, any RCPT) ends
 * the message with that reply: XMail has already accepted the recipients,
 * so refusing the message is the only way not to lose the milter's verdict
 * silently (run the bridge at post-rcpt for per-recipient decisions).
 * DISCARD removes every RCPT line; at post-rcpt, where XMail adds the
 * current and later recipients after us, it puts SPOOL_DISCARD_LINE after
 * line 4 instead (XMail then sees no recipient), and later calls for the
 * message skip the milter. QUARANTINE: with --spam-folder the message is
 * saved there and discarded; without, it is delivered and the request
 * logged.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fileio.h"
#include "milterclient.h"
#include "milterproto.h"
#include "spamfolder.h"
#include "spool.h"
#include "version.h"

#define EXIT_ACCEPT 0
#define EXIT_REJECT 3

enum stage { ST_POST_RCPT, ST_PRE_DATA, ST_POST_DATA };
enum outcome { OUT_ACCEPT, OUT_REJECT, OUT_TEMPFAIL, OUT_DISCARD };

struct opts {
	enum stage stage;
	const char *stage_name;
	const char *milter, *file, *auth, *remote, *local, *from, *rcpt, *msgref;
	const char *log, *daemon_name, *spam_folder;
	int timeout_s;
	int tempfail_on_error;
};

/* Everything the log line reports. */
struct run {
	struct opts o;
	int64_t t0;                 /* start, CLOCK_MONOTONIC ms (deadline) */
	int64_t t0_us;              /* the same in microseconds (log) */
	uint64_t milter_wait_us;
	const char *verdict;        /* accept reject tempfail discard */
	char reply[MC_REPLY_MAX];
	char detail[1024];
	char mods[256];
	int exit_code;
	struct buf rcpts;
};

static void
set_detail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_detail(struct run *r, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(r->detail);

	if (n > 0 && n + 2 < sizeof(r->detail)) {
		r->detail[n++] = ';';
		r->detail[n++] = ' ';
		r->detail[n] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(r->detail + n, sizeof(r->detail) - n, fmt, ap);
	va_end(ap);
}

/* Start-up hygiene: XMail leaves its fds (the client socket among them)
 * open without CLOEXEC and starts us with signals blocked and ignored. */
static void
sanitize_process(void)
{
	sigset_t all;
	struct sigaction sa;
	DIR *d;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	/* exec already reset caught signals; ignored ones (SIGPIPE, SIGTSTP,
	 * SIGTTIN, SIGTTOU from XMail) stay ignored unless we reset them.
	 * glibc refuses its two reserved real-time signals; that is harmless. */
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			(void)sigaction(s, &sa, NULL);
	/* Keep 0-2 valid so nothing we open lands there. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0) {
			int n = open("/dev/null", O_RDWR);
			if (n >= 0 && n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
	if (close_range(3, ~0U, 0) == 0)
		return;
	d = opendir("/proc/self/fd");
	if (d != NULL) {
		int dfd = dirfd(d), max = -1;
		struct dirent *e;
		int fds[4096];
		size_t n = 0;

		while ((e = readdir(d)) != NULL && n < sizeof(fds) / sizeof(fds[0])) {
			int fd = atoi(e->d_name);
			if (fd > 2 && fd != dfd)
				fds[n++] = fd;
			if (fd > max)
				max = fd;
		}
		closedir(d);
		for (size_t i = 0; i < n; i++)
			close(fds[i]);
		if (n < sizeof(fds) / sizeof(fds[0]))
			return;
	}
	long mx = sysconf(_SC_OPEN_MAX);
	for (long fd = 3; fd < (mx > 0 ? mx : 65536); fd++)
		close((int)fd);
}

static void
usage(void)
{
	printf(
	    "usage: xmail-milter-bridge --stage post-rcpt|pre-data|post-data --milter SOCKET\n"
	    "       --file @@FILE --auth @@USERAUTH --remote @@REMOTEADDR --local @@LOCALADDR\n"
	    "       --from @@FROM --rcpt @@CRCPT --msgref @@MSGREF\n"
	    "       [--timeout SECONDS] [--on-error fail-open|tempfail]\n"
	    "       [--log syslog|FILE|stderr|none] [--daemon-name NAME] [--spam-folder FOLDER]\n"
	    "       xmail-milter-bridge -V | --version | -h | --help\n");
}

/*
 * Returns 0; 1 when -h/--help or -V/--version was answered on stdout (the
 * caller exits 0); or -1 with a reason in err (the policy then decides).
 */
static int
parse_args(int argc, char **argv, struct opts *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->timeout_s = 30;
	o->log = "syslog";
	o->daemon_name = "XMail";
	o->auth = o->remote = o->local = o->from = o->rcpt = o->msgref = "";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		char key[32];
		const char *eq = strchr(a, '=');

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage();
			return 1;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("xmail-milter-bridge %s\n", spfdkim_version());
			return 1;
		}
		if (strncmp(a, "--", 2) != 0) {
			snprintf(err, errlen, "argument %d (\"%.60s\") is not an option", i, a);
			return -1;
		}
		if (eq != NULL && (size_t)(eq - a) < sizeof(key)) {
			memcpy(key, a, (size_t)(eq - a));
			key[eq - a] = '\0';
			v = eq + 1;
		} else {
			if (strlcpy(key, a, sizeof(key)) >= sizeof(key) || i + 1 >= argc) {
				snprintf(err, errlen, "option \"%.60s\" needs a value", a);
				return -1;
			}
			v = argv[++i];
		}
		if (strcmp(key, "--stage") == 0) {
			o->stage_name = v;
			if (strcmp(v, "post-rcpt") == 0)
				o->stage = ST_POST_RCPT;
			else if (strcmp(v, "pre-data") == 0)
				o->stage = ST_PRE_DATA;
			else if (strcmp(v, "post-data") == 0)
				o->stage = ST_POST_DATA;
			else {
				snprintf(err, errlen, "--stage \"%.60s\": want post-rcpt, pre-data or post-data", v);
				return -1;
			}
		} else if (strcmp(key, "--milter") == 0)
			o->milter = v;
		else if (strcmp(key, "--file") == 0)
			o->file = v;
		else if (strcmp(key, "--auth") == 0)
			o->auth = v;
		else if (strcmp(key, "--remote") == 0)
			o->remote = v;
		else if (strcmp(key, "--local") == 0)
			o->local = v;
		else if (strcmp(key, "--from") == 0)
			o->from = v;
		else if (strcmp(key, "--rcpt") == 0)
			o->rcpt = v;
		else if (strcmp(key, "--msgref") == 0)
			o->msgref = v;
		else if (strcmp(key, "--log") == 0)
			o->log = v;
		else if (strcmp(key, "--daemon-name") == 0)
			o->daemon_name = v;
		else if (strcmp(key, "--spam-folder") == 0)
			o->spam_folder = *v ? v : NULL;
		else if (strcmp(key, "--timeout") == 0) {
			char *end;
			long t = strtol(v, &end, 10);
			if (*v == '\0' || *end != '\0' || t < 1 || t > 85) {
				snprintf(err, errlen, "--timeout \"%.20s\": want 1..85 seconds", v);
				return -1;
			}
			o->timeout_s = (int)t;
		} else if (strcmp(key, "--on-error") == 0) {
			if (strcmp(v, "fail-open") == 0 || strcmp(v, "accept") == 0)
				o->tempfail_on_error = 0;
			else if (strcmp(v, "tempfail") == 0)
				o->tempfail_on_error = 1;
			else {
				snprintf(err, errlen, "--on-error \"%.30s\": want fail-open or tempfail", v);
				return -1;
			}
		} else {
			snprintf(err, errlen, "unknown option \"%.40s\"", key);
			return -1;
		}
	}
	if (o->stage_name == NULL || o->milter == NULL || o->file == NULL || *o->file == '\0' ||
	    *o->milter == '\0') {
		snprintf(err, errlen, "--stage, --milter and --file are required");
		return -1;
	}
	return 0;
}

/* XMail log style: every field in double quotes, TAB-separated, LF. XMail
 * escapes nothing; we replace '"' and control bytes so fields stay intact. */
static void
put_field(struct buf *b, const char *s, int first)
{
	if (!first)
		buf_putc(b, '\t');
	buf_putc(b, '"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		buf_putc(b, c == '"' ? '\'' : (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
	}
	buf_putc(b, '"');
}

static void
write_log(struct run *r)
{
	struct buf b;
	char ts[32], ms[32], mw[32], ex[8];
	time_t now = time(NULL);
	struct tm tm;
	struct timespec tn;
	int64_t el_us;

	clock_gettime(CLOCK_MONOTONIC, &tn);
	el_us = (int64_t)tn.tv_sec * 1000000 + tn.tv_nsec / 1000 - r->t0_us;

	if (strcmp(r->o.log, "none") == 0)
		return;
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	/* milliseconds with microseconds: the call and the time spent waiting on the milter */
	snprintf(ms, sizeof(ms), "%lld.%03lld", (long long)(el_us / 1000), (long long)(el_us % 1000));
	snprintf(mw, sizeof(mw), "%llu.%03llu", (unsigned long long)(r->milter_wait_us / 1000),
	    (unsigned long long)(r->milter_wait_us % 1000));
	snprintf(ex, sizeof(ex), "%d", r->exit_code);
	buf_init(&b, 16384);
	put_field(&b, ts, 1);
	put_field(&b, r->o.stage_name ? r->o.stage_name : "-", 0);
	put_field(&b, r->o.msgref, 0);
	put_field(&b, r->o.remote, 0);
	put_field(&b, r->o.from, 0);
	put_field(&b, buf_cstr(&r->rcpts), 0);
	put_field(&b, r->o.milter ? r->o.milter : "-", 0);
	put_field(&b, r->verdict, 0);
	put_field(&b, ex, 0);
	put_field(&b, r->reply, 0);
	put_field(&b, r->mods, 0);
	put_field(&b, ms, 0);
	put_field(&b, mw, 0);
	put_field(&b, r->detail, 0);
	buf_putc(&b, '\n');
	if (strcmp(r->o.log, "syslog") == 0) {
		b.data[b.len - 1] = '\0';
		openlog("xmail-milter-bridge", LOG_PID, LOG_MAIL);
		syslog(strcmp(r->verdict, "accept") == 0 && r->detail[0] == '\0' ? LOG_INFO : LOG_NOTICE,
		    "%s", b.data);
		closelog();
	} else if (strcmp(r->o.log, "stderr") == 0) {
		(void)!write(2, b.data, b.len);
	} else {
		int fd = open(r->o.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd >= 0) {
			(void)!write(fd, b.data, b.len); /* one write: whole line */
			close(fd);
		}
	}
	buf_free(&b);
}

/* Writes $(FILE).rej: one line. 0 or -1. */
static int
write_rej(struct run *r, const char *line)
{
	char path[4096];
	int fd;
	struct buf b;
	ssize_t w;

	if (snprintf(path, sizeof(path), "%s.rej", r->o.file) >= (int)sizeof(path))
		return -1;
	/* XMail deletes $(FILE) when it stops waiting (its timeout): a .rej
	 * written then would stay behind for good. */
	if (access(r->o.file, F_OK) < 0) {
		set_detail(r, "%s is gone (XMail gave up waiting): no .rej", r->o.file);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		set_detail(r, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf_init(&b, 0);
	buf_printf(&b, "%s\r\n", line);
	w = write(fd, b.data, b.len);
	if (w != (ssize_t)b.len || close(fd) < 0) {
		set_detail(r, "%s: write: %s", path, w < 0 ? strerror(errno) : "short write");
		buf_free(&b);
		unlink(path);
		return -1;
	}
	buf_free(&b);
	return 0;
}

/* Ends the run with exit 3 and a .rej, or accepts when the .rej fails
 * on a temporary verdict (a 554 default would turn it permanent). */
static int
finish_reject(struct run *r, int temp, const char *reply)
{
	char line[MC_REPLY_MAX];

	mc_fold_reply(reply, temp ? "451" : "550", temp ? "4.7.1" : "5.7.1", line, sizeof(line));
	strlcpy(r->reply, line, sizeof(r->reply));
	if (write_rej(r, line) < 0 && (temp || access(r->o.file, F_OK) < 0)) {
		r->verdict = "accept";
		r->reply[0] = '\0';
		set_detail(r, "no .rej written: accepted");
		return r->exit_code = EXIT_ACCEPT;
	}
	r->verdict = temp ? "tempfail" : "reject";
	return r->exit_code = EXIT_REJECT;
}

/* The configured policy for milter or local errors; the file is untouched. */
static int
finish_error(struct run *r)
{
	if (r->o.tempfail_on_error)
		return finish_reject(r, 1, "451 4.7.1 Service unavailable - try again later");
	r->verdict = "accept";
	return r->exit_code = EXIT_ACCEPT;
}

static int anon_file(const char *file);

struct replbody {
	const char *file;           /* $(FILE): the anonymous file goes beside it */
	int fd;                     /* -1 until the first chunk */
	struct spool_stuffer st;
	struct buf tmp;
	int used;
};

static int
replbody_cb(void *arg, const char *data, size_t len)
{
	struct replbody *rb = arg;

	rb->used = 1;
	if (rb->fd < 0 && (rb->fd = anon_file(rb->file)) < 0)
		return -1;
	buf_reset(&rb->tmp);
	if (spool_stuff(&rb->st, data, len, &rb->tmp) < 0)
		return -1;
	return fileio_write_all(rb->fd, rb->tmp.data, rb->tmp.len);
}

static int
replbody_finish(struct replbody *rb)
{
	buf_reset(&rb->tmp);
	if (spool_stuff_finish(&rb->st, &rb->tmp) < 0)
		return -1;
	return fileio_write_all(rb->fd, rb->tmp.data, rb->tmp.len);
}

/* An anonymous file next to $(FILE) for a replacement body. */
static int
anon_file(const char *file)
{
	char dir[4096], tmpl[4200];
	int fd;

	strlcpy(dir, file, sizeof(dir));
	fd = open(dirname(dir), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (snprintf(tmpl, sizeof(tmpl), "%s.body.XXXXXX", file) >= (int)sizeof(tmpl))
		return -1;
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd >= 0)
		unlink(tmpl);
	return fd;
}

struct body_ctx {
	struct mc_conn *c;
	enum mc_verdict v;
};

static int
body_cb(void *arg, const char *data, size_t len)
{
	struct body_ctx *b = arg;

	b->v = mc_body(b->c, data, len);
	if (b->v == MC_CONTINUE)
		return 0;
	return b->v == MC_ERROR ? -1 : 1;
}

static void
count_mod(char *mods, size_t len, const char *what)
{
	if (mods[0] != '\0')
		strlcat(mods, ",", len);
	strlcat(mods, what, len);
}

static int
write_cb(void *arg, const char *d, size_t l)
{
	return fileio_write_all(*(int *)arg, d, l);
}

/* The (edited) message un-stuffed in an anonymous file, for the spam
 * folder; replfd (stuffed, offset 0) replaces the body when >= 0. */
static int
unstuffed_copy(const char *file, int in_fd, const struct spool *s, int replfd)
{
	int fd = anon_file(file);
	char err[256] = "";
	struct spool body;

	if (fd < 0)
		return -1;
	for (size_t i = 0; i < s->nhdrs; i++) {
		const char *raw = s->hdrs[i].raw;
		size_t n = s->hdrs[i].rawlen;
		if (n > 0 && raw[0] == '.') {
			raw++;
			n--;
		}
		if (write_cb(&fd, raw, n) < 0)
			goto fail;
	}
	if (write_cb(&fd, "\r\n", 2) < 0)
		goto fail;
	memset(&body, 0, sizeof(body));
	body.has_data = 1;
	body.body_off = replfd >= 0 ? 0 : s->body_off;
	if (spool_stream_body(replfd >= 0 ? replfd : in_fd, &body, write_cb, &fd, err,
	        sizeof(err)) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * Applies the modifications of an accepted message. Returns 1 if the
 * spool changed, 0 if not, -1 on error (detail set).
 */
static int
apply_mods(struct run *r, struct spool *s, struct mc_conn *c, int *quarantine,
           char *qreason, size_t qlen)
{
	size_t n;
	const struct mc_mod *m = mc_mods(c, &n);
	int leadspc = (mc_protocol(c) & SMFIP_HDR_LEADSPC) != 0, changed = 0;
	unsigned cnt[9] = { 0 };
	static const char *names[9] = { "addheader", "insheader", "chgheader", "addrcpt",
		"addrcpt_par", "delrcpt", "chgfrom", "quarantine", "replbody" };

	for (size_t i = 0; i < n; i++) {
		int rc = 0;

		cnt[m[i].type]++;
		switch (m[i].type) {
		case MC_MOD_ADDHEADER:
			rc = spool_hdr_add(s, m[i].name, m[i].value, leadspc);
			break;
		case MC_MOD_INSHEADER:
			rc = spool_hdr_insert(s, m[i].index, m[i].name, m[i].value, leadspc);
			break;
		case MC_MOD_CHGHEADER:
			rc = spool_hdr_change(s, m[i].index, m[i].name, m[i].value, leadspc);
			break;
		case MC_MOD_ADDRCPT:
		case MC_MOD_ADDRCPT_PAR:
			/* XMail keeps no RCPT parameters in its file, so none are written. */
			rc = spool_add_rcpt(s, m[i].name);
			break;
		case MC_MOD_DELRCPT:
			rc = spool_del_rcpt(s, m[i].name) < 0 ? -1 : 0;
			break;
		case MC_MOD_CHGFROM:
			rc = spool_chg_from(s, m[i].name, m[i].value);
			break;
		case MC_MOD_QUARANTINE:
			*quarantine = 1;
			strlcpy(qreason, m[i].name, qlen);
			continue;
		case MC_MOD_REPLBODY:
			continue; /* only with a callback, which is always set */
		}
		if (rc < 0) {
			set_detail(r, "cannot apply %s \"%.80s\"", names[m[i].type], m[i].name);
			return -1;
		}
		changed = 1;
	}
	for (int t = 0; t < 9; t++)
		if (cnt[t]) {
			char one[32];
			snprintf(one, sizeof(one), "%s=%u", names[t], cnt[t]);
			count_mod(r->mods, sizeof(r->mods), one);
		}
	return changed;
}

static const char *
verdict_reply(struct mc_conn *c, enum mc_verdict v)
{
	const char *rp = mc_reply(c);

	if (rp[0])
		return rp;
	return v == MC_TEMPFAIL ? "451 4.7.1 Service unavailable - try again later"
	                        : "550 5.7.1 Command rejected";
}

static int
run_bridge(struct run *r)
{
	struct opts *o = &r->o;
	struct spool s;
	struct mc_conn *c = NULL;
	struct mc_options mo;
	struct replbody rb = { .fd = -1 };
	char err[512] = "", cip[64] = "", lip[64] = "", cport[8] = "";
	unsigned cp = 0, lp = 0;
	int fd, rc = EXIT_ACCEPT, quarantine = 0;
	enum mc_verdict v = MC_CONTINUE;
	int64_t deadline = r->t0 + (int64_t)o->timeout_s * 1000;
	char qreason[256] = "";

	memset(&s, 0, sizeof(s));
	fd = open(o->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_detail(r, "%s: %s", o->file, strerror(errno));
		return finish_error(r);
	}
	if (spool_parse_fd(fd, o->file, &s, err, sizeof(err)) < 0) {
		set_detail(r, "%s", err);
		close(fd);
		return finish_error(r);
	}
	for (size_t i = 0; i < s.nrcpts; i++) {
		if (i)
			buf_putc(&r->rcpts, ',');
		buf_puts(&r->rcpts, s.rcpts[i].addr);
	}
	if (o->stage == ST_POST_RCPT && o->rcpt[0]) {
		if (s.nrcpts)
			buf_putc(&r->rcpts, ',');
		buf_puts(&r->rcpts, o->rcpt);
	}
	if (s.discarded) {
		/* A milter discarded this message at post-rcpt already. */
		set_detail(r, "message already discarded at post-rcpt: milter not called");
		r->verdict = "discard";
		rc = r->exit_code = EXIT_ACCEPT;
		goto out;
	}
	if (o->stage == ST_POST_DATA && !s.has_data) {
		set_detail(r, "%s: no <<MAIL-DATA>> at post-data", o->file);
		goto error;
	}
	/* Client and server addresses: the macros, else line 1. */
	if (spool_split_addr(o->remote, strlen(o->remote), cip, sizeof(cip), &cp) < 0 && s.line1_ok) {
		strlcpy(cip, s.client_ip, sizeof(cip));
		cp = s.client_port;
	}
	if (spool_split_addr(o->local, strlen(o->local), lip, sizeof(lip), &lp) < 0 && s.line1_ok) {
		strlcpy(lip, s.server_ip, sizeof(lip));
		lp = s.server_port;
	}
	if (!s.line1_ok)
		set_detail(r, "%s: line 1 has fewer than 6 ';' fields: HELO unknown", o->file);
	snprintf(cport, sizeof(cport), "%u", cp);

	memset(&mo, 0, sizeof(mo));
	mo.io_timeout_ms = o->timeout_s * 1000;
	if (o->stage == ST_POST_DATA) {
		rb.file = o->file;
		spool_stuffer_init(&rb.st);
		buf_init(&rb.tmp, 0);
		mo.replbody_cb = replbody_cb;
		mo.replbody_arg = &rb;
	}
	/* Every action is offered at every stage, as Postfix does: a milter that
	 * insists on one must not fail negotiation at post-rcpt or pre-data
	 * (modifications only come at end of message, which those never reach). */
	c = mc_open(o->milter, &mo, deadline, err, sizeof(err));
	if (c == NULL) {
		set_detail(r, "%s", err);
		goto error;
	}
	{
		const char *auth = (o->auth[0] && strcmp(o->auth, "-") != 0) ? o->auth : NULL;
		char hostname[80];
		struct mc_macro conn[] = {
			{ "j", s.server_domain[0] ? s.server_domain : NULL },
			{ "{daemon_name}", o->daemon_name },
			{ "{client_addr}", cip[0] ? cip : NULL },
			{ "{client_port}", cip[0] ? cport : NULL },
			{ "{if_addr}", lip[0] ? lip : NULL },
		};
		struct mc_macro mail[] = {
			{ "i", o->msgref[0] ? o->msgref : s.msgid },
			{ "{auth_authen}", auth },
			{ "{mail_addr}", s.mail_addr },
		};
		struct mc_macro later[] = { { "i", o->msgref[0] ? o->msgref : s.msgid } };
		const char *margv[66];
		char mailaddr[1024];
		size_t margc = 0;

		if (mc_set_macros(c, MC_ST_CONNECT, conn, 5) < 0 ||
		    mc_set_macros(c, MC_ST_MAIL, mail, 3) < 0 ||
		    mc_set_macros(c, MC_ST_DATA, later, 1) < 0 ||
		    mc_set_macros(c, MC_ST_EOH, later, 1) < 0 ||
		    mc_set_macros(c, MC_ST_EOM, later, 1) < 0) {
			set_detail(r, "a macro value is too long");
			goto error;
		}
		snprintf(hostname, sizeof(hostname), "[%s]", cip);
		if (cip[0])
			v = mc_connect_info(c, hostname, strchr(cip, ':') ? '6' : '4', (uint16_t)cp, cip);
		else
			v = mc_connect_info(c, "unknown", 'U', 0, "");
		if (v != MC_CONTINUE)
			goto verdict;
		v = mc_helo(c, s.line1_ok && s.helo[0] ? s.helo : hostname);
		if (v != MC_CONTINUE)
			goto verdict;
		snprintf(mailaddr, sizeof(mailaddr), "<%s>", s.mail_addr);
		margv[margc++] = mailaddr;
		for (size_t i = 0; i < s.nmail_args && margc < 66; i++)
			margv[margc++] = s.mail_args[i];
		v = mc_mail(c, margv, margc);
		if (v != MC_CONTINUE)
			goto verdict;
		for (size_t i = 0; i <= s.nrcpts; i++) {
			const char *addr;
			char ra[1024];
			const char *rav[1] = { ra };

			if (i < s.nrcpts)
				addr = s.rcpts[i].addr;
			else if (o->stage == ST_POST_RCPT && o->rcpt[0])
				addr = o->rcpt;
			else
				break;
			struct mc_macro rm[] = { { "i", later[0].value }, { "{rcpt_addr}", addr } };
			if (mc_set_macros(c, MC_ST_RCPT, rm, 2) < 0) {
				set_detail(r, "recipient too long");
				goto error;
			}
			snprintf(ra, sizeof(ra), "<%s>", addr);
			v = mc_rcpt(c, rav, 1);
			if (v == MC_CONTINUE)
				continue;
			if (o->stage == ST_POST_RCPT && i < s.nrcpts &&
			    (v == MC_REJECT || v == MC_TEMPFAIL)) {
				/* Already accepted by an earlier call: only this RCPT counts. */
				set_detail(r, "milter now refuses earlier recipient <%s>: ignored", addr);
				v = MC_CONTINUE;
				continue;
			}
			goto verdict;
		}
		if (o->stage == ST_POST_RCPT)
			goto verdict;
		v = mc_data(c);
		if (v != MC_CONTINUE || o->stage == ST_PRE_DATA)
			goto verdict;
		for (size_t i = 0; i < s.nhdrs; i++) {
			const char *val = s.hdrs[i].value;
			if (!(mc_protocol(c) & SMFIP_HDR_LEADSPC) && val[0] == ' ')
				val++;
			v = mc_header(c, s.hdrs[i].name, val);
			if (v != MC_CONTINUE)
				goto verdict;
		}
		v = mc_eoh(c);
		if (v != MC_CONTINUE)
			goto verdict;
		struct body_ctx bc = { c, MC_CONTINUE };
		err[0] = '\0';
		if (spool_stream_body(fd, &s, body_cb, &bc, err, sizeof(err)) < 0) {
			if (bc.v == MC_ERROR)
				set_detail(r, "%s", mc_error(c));
			else
				set_detail(r, "%s: %s", o->file, err);
			goto error;
		}
		if (bc.v != MC_CONTINUE && bc.v != MC_SKIP) {
			v = bc.v;
			goto verdict;
		}
		v = mc_eom(c);
	}
verdict:
	r->milter_wait_us = mc_wait_us(c);
	switch (v) {
	case MC_ERROR:
		set_detail(r, "%s", mc_error(c));
		goto error;
	case MC_REJECT:
	case MC_TEMPFAIL:
		rc = finish_reject(r, v == MC_TEMPFAIL, verdict_reply(c, v));
		goto out;
	case MC_DISCARD:
		/* At post-rcpt XMail adds this and later recipients after us: a
		 * marker line keeps them all from counting. */
		if (o->stage == ST_POST_RCPT)
			spool_mark_discard(&s);
		else
			spool_discard(&s);
		if (spool_rewrite(o->file, fd, &s, -1, err, sizeof(err)) < 0) {
			set_detail(r, "%s", err);
			goto error;
		}
		r->verdict = "discard";
		rc = r->exit_code = EXIT_ACCEPT;
		goto out;
	case MC_ACCEPT:
	case MC_CONTINUE:
	case MC_SKIP: {
		int ch = apply_mods(r, &s, c, &quarantine, qreason, sizeof(qreason));
		if (ch < 0)
			goto error;
		if (rb.used) {
			if (replbody_finish(&rb) < 0) {
				set_detail(r, "cannot store the replacement body: %s", strerror(errno));
				goto error;
			}
			ch = 1;
		}
		if (quarantine) {
			struct spamfolder_options so = { .folder = o->spam_folder, .retention_days = 30 };
			struct spamfolder *sf = NULL;
			char qerr[256] = "", saved[1024] = "";
			int ok = 0;

			if (o->spam_folder != NULL && (sf = spamfolder_new(&so, qerr, sizeof(qerr))) != NULL) {
				const char **rl = calloc(s.nrcpts + 1, sizeof(char *));
				for (size_t i = 0; rl && i < s.nrcpts; i++)
					rl[i] = s.rcpts[i].addr;
				struct spam_meta meta = { .qid = o->msgref[0] ? o->msgref : s.msgid,
					.client_ip = cip, .helo = s.helo, .mail_from = s.mail_addr,
					.rcpts = rl, .nrcpts = rl ? s.nrcpts : 0,
					.results = qreason, .action = "quarantine", .reply = "" };
				int mfd = unstuffed_copy(o->file, fd, &s, rb.used ? rb.fd : -1);
				if (mfd >= 0 && spamfolder_save(sf, &meta, "", mfd, saved, sizeof(saved),
				        qerr, sizeof(qerr)) == 0)
					ok = 1;
				if (mfd >= 0)
					close(mfd);
				free(rl);
				spamfolder_free(sf);
			}
			if (ok) {
				set_detail(r, "quarantined (%s) to %s", qreason, saved);
				spool_discard(&s);
				ch = 1;
				r->verdict = "discard";
			} else
				set_detail(r, "quarantine (%s) requested; %s: delivered", qreason,
				    o->spam_folder ? qerr : "no --spam-folder");
		}
		if (ch > 0 && spool_rewrite(o->file, fd, &s, rb.used ? rb.fd : -1, err, sizeof(err)) < 0) {
			set_detail(r, "%s", err);
			goto error;
		}
		if (r->verdict == NULL)
			r->verdict = "accept";
		rc = r->exit_code = EXIT_ACCEPT;
		goto out;
	}
	}
error:
	if (c != NULL)
		r->milter_wait_us = mc_wait_us(c);
	rc = finish_error(r);
out:
	mc_close(c);
	if (rb.fd >= 0)
		close(rb.fd);
	buf_free(&rb.tmp);
	spool_free(&s);
	close(fd);
	return rc;
}

int
main(int argc, char **argv)
{
	struct run r;
	char err[512];
	int rc;

	sanitize_process();
	umask(077); /* the rewrite sets XMail's file mode explicitly */
	memset(&r, 0, sizeof(r));
	{
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		r.t0_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
		r.t0 = r.t0_us / 1000;
	}
	buf_init(&r.rcpts, 64 * 1024);
	if ((rc = parse_args(argc, argv, &r.o, err, sizeof(err))) == 1)
		return 0;
	if (rc < 0) {
		if (r.o.log == NULL)
			r.o.log = "syslog";
		set_detail(&r, "usage: %s", err);
		/* Without a file there is no .rej to write: accept. */
		if (r.o.file == NULL || r.o.file[0] == '\0')
			r.o.tempfail_on_error = 0;
		rc = finish_error(&r);
		write_log(&r);
		return rc;
	}
	/* A hard backstop past the deadline (the policy normally applies first). */
	alarm((unsigned)r.o.timeout_s + 5);
	rc = run_bridge(&r);
	write_log(&r);
	buf_free(&r.rcpts);
	return rc;
}
