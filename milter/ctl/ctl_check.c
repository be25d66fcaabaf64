/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl_check.c - spfdkim-ctl check: the whole verdict for one message, offline.
 *
 *   spfdkim-ctl check FILE --ip IP --mail-from ADDR --helo NAME
 *                    [--resolver HOST@PORT] [-c CONFIG] [--rcpt ADDR] [--milter PATH]
 *
 * Prints, as its first line, the Authentication-Results value the milter
 * would add for that message from that client, then the action the config
 * would take ("action=... reason=... reply=..."), then the decision line.
 *
 * No second evaluation: the milter itself (spfdkim-milter, found beside
 * this program, in ../sbin, or given by --milter) is started on a private
 * unix socket in a temporary directory with the config as it is and fed
 * the message over the milter protocol (the bridge's client library). Its
 * decision line gives the action; its debug log line "QID:
 * Authentication-Results: ..." gives the field it builds, also for a
 * message it refuses (which gets no header edits); that log line is cut
 * at the log's 4 KB line cap.
 * The config is followed by what keeps the run away from production state:
 * the socket, log, DecisionLog, SpamFolder, SpamLog and TempDirectory move
 * into the temporary directory, PidFile and UserID are cleared, --resolver
 * replaces Resolver, LogLevel is debug. The directory is removed at the end.
 * Exit: 0 accept, 1 any other action, 2 usage or a failure to run the check.
 */
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "ctl.h"
#include "kvline.h"
#include "milterclient.h"

#define CHECK_MSG_MAX (64 * 1024 * 1024)  /* bytes of message read */
#define CHECK_WAIT_MS 15000               /* milter start-up */

struct check {
	const char *file, *ip, *mailfrom, *helo, *resolver, *conf, *rcpt, *milter;
	char dir[64];
	char *msg;
	size_t len;
};

static int
usage(void)
{
	fprintf(stderr, "usage: spfdkim-ctl check FILE --ip IP --mail-from ADDR --helo NAME "
	    "[--resolver HOST@PORT] [-c CONFIG] [--rcpt ADDR] [--milter PATH]\n");
	return 2;
}

static int
read_file(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = fopen(path, "re");
	struct buf b;
	char chunk[65536];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "spfdkim-ctl check: %s: %s\n", path, strerror(errno));
		return -1;
	}
	buf_init(&b, max);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) < 0) {
			fprintf(stderr, "spfdkim-ctl check: %s: larger than %zu bytes\n", path, max);
			fclose(f);
			buf_free(&b);
			return -1;
		}
	fclose(f);
	*len = b.len;
	if ((*out = buf_take(&b)) == NULL) {
		*out = strdup("");
		*len = 0;
	}
	return *out != NULL ? 0 : -1;
}

/* The milter program: --milter, beside this program, ../sbin, or PATH. */
static void
find_milter(const struct check *k, char *out, size_t outlen)
{
	char self[PATH_MAX], cand[PATH_MAX + 32];
	ssize_t n;

	if (k->milter != NULL) {
		strlcpy(out, k->milter, outlen);
		return;
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		char *slash;
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(cand, sizeof(cand), "%s/spfdkim-milter", self);
			if (access(cand, X_OK) == 0) {
				strlcpy(out, cand, outlen);
				return;
			}
			snprintf(cand, sizeof(cand), "%s/../sbin/spfdkim-milter", self);
			if (access(cand, X_OK) == 0) {
				strlcpy(out, cand, outlen);
				return;
			}
		}
	}
	strlcpy(out, "spfdkim-milter", outlen);
}

/* Writes DIR/NAME.conf: the admin's config, then our overrides. */
static int
write_conf(const struct check *k, const char *name, const char *text, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.conf", k->dir, name);
	if ((f = fopen(path, "we")) == NULL)
		return -1;
	fwrite(text, 1, len, f);
	fprintf(f, "\nSocket unix:%s/%s.sock\nPidFile\nUserID\nLog %s/%s.log\nLogLevel debug\nDecisionLog %s/%s.decisions\n"
	    "SpamFolder %s/spam\nSpamLog %s/spam.log\nTempDirectory %s\n",
	    k->dir, name, k->dir, name, k->dir, name, k->dir, k->dir, k->dir);
	if (k->resolver != NULL)
		fprintf(f, "Resolver %s\n", k->resolver);
	return fclose(f) == 0 ? 0 : -1;
}

/* Starts the milter on DIR/NAME.sock; its pid, or -1. */
static pid_t
start_milter(const struct check *k, const char *name)
{
	char prog[PATH_MAX], conf[128], out[128], sock[128];
	pid_t pid;

	find_milter(k, prog, sizeof(prog));
	snprintf(conf, sizeof(conf), "%s/%s.conf", k->dir, name);
	snprintf(out, sizeof(out), "%s/%s.stderr", k->dir, name);
	snprintf(sock, sizeof(sock), "%s/%s.sock", k->dir, name);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp(prog, prog, "-f", "-c", conf, (char *)NULL);
		fprintf(stderr, "spfdkim-ctl check: cannot run %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	for (int waited = 0; waited < CHECK_WAIT_MS; waited += 50) {
		struct stat st;
		int status;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return pid;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return -1;
}

static void
stop_milter(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

static void
print_file_tail(const struct check *k, const char *name)
{
	char path[128], *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", k->dir, name);
	if (read_file(path, 1 << 20, &text, &len) == 0 && len > 0)
		fprintf(stderr, "%s: %s", name, len > 600 ? text + len - 600 : text);
	free(text);
}

/* Sends the message (CONNECT .. EOM) to the milter on DIR/NAME.sock. 0, or -1 with a message on stderr. */
static int
send_message(const struct check *k, const char *name)
{
	char spec[160], err[512];
	struct mc_options o = { .io_timeout_ms = 60000 };
	struct mc_conn *c;
	enum mc_verdict v;
	const char *mf[1], *rc[1];
	char mfb[600], rcb[600];
	struct mc_macro mac[] = { { "i", "CHECK" } };
	struct buf name_b, val_b, body;
	size_t p = 0;
	int lead, have = 0;

	snprintf(spec, sizeof(spec), "unix:%s/%s.sock", k->dir, name);
	if ((c = mc_open(spec, &o, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "spfdkim-ctl check: %s\n", err);
		return -1;
	}
	lead = (mc_protocol(c) & 0x00100000) != 0;   /* SMFIP_HDR_LEADSPC */
	mc_set_macros(c, MC_ST_MAIL, mac, 1);
	mc_set_macros(c, MC_ST_EOM, mac, 1);
	snprintf(mfb, sizeof(mfb), "<%s>", k->mailfrom);
	snprintf(rcb, sizeof(rcb), "<%s>", k->rcpt);
	mf[0] = mfb;
	rc[0] = rcb;
	v = mc_connect_info(c, "unknown", strchr(k->ip, ':') != NULL ? '6' : '4', 25, k->ip);
	if (v == MC_CONTINUE)
		v = mc_helo(c, k->helo);
	if (v == MC_CONTINUE)
		v = mc_mail(c, mf, 1);
	if (v == MC_CONTINUE)
		v = mc_rcpt(c, rc, 1);
	buf_init(&name_b, 1024);
	buf_init(&val_b, 1024 * 1024);
	buf_init(&body, CHECK_MSG_MAX * 2);
	/* Header fields: folds kept as CRLF, as an MTA passes them. */
	if (k->len > 5 && strncmp(k->msg, "From ", 5) == 0) {
		const char *nl = memchr(k->msg, '\n', k->len);
		p = nl ? (size_t)(nl - k->msg) + 1 : k->len;
	}
	while (p < k->len && v == MC_CONTINUE) {
		const char *nl = memchr(k->msg + p, '\n', k->len - p);
		size_t e = nl ? (size_t)(nl - k->msg) : k->len, le = e, next = nl ? e + 1 : k->len;
		if (le > p && k->msg[le - 1] == '\r')
			le--;
		if (le == p) {
			p = next;
			break;
		}
		if (k->msg[p] == ' ' || k->msg[p] == '\t') {
			if (have) {
				buf_append(&val_b, "\r\n", 2);
				buf_append(&val_b, k->msg + p, le - p);
			}
		} else {
			const char *colon;
			if (have) {
				const char *hv = buf_cstr(&val_b);
				v = mc_header(c, buf_cstr(&name_b), !lead && hv[0] == ' ' ? hv + 1 : hv);
			}
			buf_reset(&name_b);
			buf_reset(&val_b);
			colon = memchr(k->msg + p, ':', le - p);
			have = colon != NULL;
			if (have) {
				buf_append(&name_b, k->msg + p, (size_t)(colon - (k->msg + p)));
				buf_append(&val_b, colon + 1, le - (size_t)(colon + 1 - k->msg));
			}
		}
		p = next;
	}
	if (have && v == MC_CONTINUE) {
		const char *hv = buf_cstr(&val_b);
		v = mc_header(c, buf_cstr(&name_b), !lead && hv[0] == ' ' ? hv + 1 : hv);
	}
	if (v == MC_CONTINUE)
		v = mc_eoh(c);
	/* The body in CRLF, as SMTP carries it. */
	for (; p < k->len; p++) {
		if (k->msg[p] == '\n' && (p == 0 || k->msg[p - 1] != '\r'))
			buf_putc(&body, '\r');
		buf_putc(&body, k->msg[p]);
	}
	if (v == MC_CONTINUE && body.len > 0)
		v = mc_body(c, body.data, body.len);
	if (v == MC_CONTINUE || v == MC_SKIP)
		v = mc_eom(c);
	buf_free(&name_b);
	buf_free(&val_b);
	buf_free(&body);
	if (v == MC_ERROR) {
		fprintf(stderr, "spfdkim-ctl check: milter protocol: %s\n", mc_error(c));
		mc_close(c);
		return -1;
	}
	mc_close(c);
	return 0;
}

/* The Authentication-Results value the milter logged, unfolded ("" if none). */
static int
logged_ar(const struct check *k, const char *name, char *ar, size_t arlen)
{
	static const char tag[] = ": CHECK: Authentication-Results:";
	char path[128], *text = NULL, *p, *e;
	size_t len, o = 0;

	ar[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s.log", k->dir, name);
	if (read_file(path, 16 << 20, &text, &len) < 0)
		return -1;
	if ((p = strstr(text, tag)) != NULL) {
		p += sizeof(tag) - 1;
		if ((e = strchr(p, '\n')) != NULL)
			*e = '\0';
		while (*p == ' ')
			p++;
		/* folds were logged as " \t": one space */
		for (; *p != '\0' && o + 1 < arlen; p++)
			if (*p != '\t')
				ar[o++] = *p;
		ar[o] = '\0';
	}
	free(text);
	return 0;
}

/* The decision line the milter wrote (DIR/NAME.decisions), into line. */
static int
last_decision(const struct check *k, const char *name, char *line, size_t linelen)
{
	char path[128], *text = NULL, *e;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s.decisions", k->dir, name);
	if (read_file(path, KV_LINE_MAX * 4, &text, &len) < 0)
		return -1;
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	e = strrchr(text, '\n');
	strlcpy(line, e != NULL ? e + 1 : text, linelen);
	free(text);
	return line[0] != '\0' ? 0 : -1;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Removes our temporary directory (made by mkdtemp, never followed out of). */
static void
remove_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
ctl_check(int argc, char **argv)
{
	struct check k = { .rcpt = "postmaster@localhost" };
	char *conf_text = NULL, err[1024], ar[16384], line[KV_LINE_MAX + 1], path[128];
	size_t conf_len = 0;
	pid_t pid;
	int rc = 2;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = NULL;

		if (a[0] != '-') {
			if (k.file != NULL) {
				fprintf(stderr, "spfdkim-ctl check: one message FILE only ('%s')\n", a);
				return usage();
			}
			k.file = a;
			continue;
		}
		if (strcmp(a, "--ip") == 0) slot = &k.ip;
		else if (strcmp(a, "--mail-from") == 0) slot = &k.mailfrom;
		else if (strcmp(a, "--helo") == 0) slot = &k.helo;
		else if (strcmp(a, "--resolver") == 0) slot = &k.resolver;
		else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) slot = &k.conf;
		else if (strcmp(a, "--rcpt") == 0) slot = &k.rcpt;
		else if (strcmp(a, "--milter") == 0) slot = &k.milter;
		else {
			fprintf(stderr, "spfdkim-ctl check: unknown option %s\n", a);
			return usage();
		}
		if (v == NULL) {
			fprintf(stderr, "spfdkim-ctl check: option %s needs a value\n", a);
			return usage();
		}
		*slot = v;
		i++;
	}
	if (k.file == NULL || k.ip == NULL || k.mailfrom == NULL || k.helo == NULL)
		return usage();
	if (strcmp(k.mailfrom, "<>") == 0)
		k.mailfrom = "";
	if (k.conf != NULL) {
		/* The check refuses what start would refuse, naming FILE:LINE. */
		struct config *c = config_load(k.conf, err, sizeof(err));
		if (c == NULL) {
			fprintf(stderr, "spfdkim-ctl check: %s\n", err);
			return 2;
		}
		config_free(c);
		if (read_file(k.conf, CONFIG_FILE_MAX, &conf_text, &conf_len) < 0)
			return 2;
	}
	if (read_file(k.file, CHECK_MSG_MAX, &k.msg, &k.len) < 0) {
		free(conf_text);
		return 2;
	}
	strlcpy(k.dir, "/tmp/spfdkim-check.XXXXXX", sizeof(k.dir));
	if (mkdtemp(k.dir) == NULL) {
		fprintf(stderr, "spfdkim-ctl check: mkdtemp: %s\n", strerror(errno));
		goto out_free;
	}
	snprintf(path, sizeof(path), "%s/spam", k.dir);
	mkdir(path, 0700);
	for (int i = 0; i < 3; i++) {
		static const char *const md[] = { "new", "cur", "tmp" };
		snprintf(path, sizeof(path), "%s/spam/%s", k.dir, md[i]);
		mkdir(path, 0700);
	}

	if (write_conf(&k, "real", conf_text ? conf_text : "", conf_len) < 0 ||
	    (pid = start_milter(&k, "real")) < 0) {
		fprintf(stderr, "spfdkim-ctl check: the milter did not start\n");
		print_file_tail(&k, "real.stderr");
		goto out;
	}
	if (send_message(&k, "real") < 0 || last_decision(&k, "real", line, sizeof(line)) < 0) {
		stop_milter(pid);
		print_file_tail(&k, "real.log");
		goto out;
	}
	stop_milter(pid);
	if (logged_ar(&k, "real", ar, sizeof(ar)) < 0)
		goto out;

	{
		struct kvline *kv = malloc(sizeof(*kv));
		const char *act, *reason, *reply;

		if (kv == NULL || kv_parse(line, strlen(line), kv, err, sizeof(err)) < 0) {
			fprintf(stderr, "spfdkim-ctl check: decision line: %s\n", kv ? err : "out of memory");
			free(kv);
			goto out;
		}
		act = kv_get(kv, "action");
		reason = kv_get(kv, "reason");
		reply = kv_get(kv, "reply");
		if (ar[0] != '\0')
			printf("%s\n", ar);
		else if (act != NULL && strcmp(act, "accept") != 0)
			printf("(none: refused at MAIL FROM, before the message)\n");
		else
			printf("(none: no check runs for this client)\n");
		printf("action=%s reason=%s reply=%s\n", act ? act : "-", reason ? reason : "-",
		    reply && strcmp(reply, "-") != 0 ? reply : "-");
		printf("%s\n", line);
		rc = act != NULL && strcmp(act, "accept") == 0 ? 0 : 1;
		free(kv);
	}
out:
	remove_tree(k.dir);
out_free:
	free(conf_text);
	free(k.msg);
	return rc;
}
