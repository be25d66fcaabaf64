/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_spamfolder.c - the spam folder: targets, saved copies and their names,
 * retention with backdated files, the spam-log line and its quoting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "kvline.h"
#include "log.h"
#include "spamfolder.h"

static const char MSG[] =
    "From: a@example.test\r\nSubject: hi\r\n\r\nline one\r\n.leading dot\r\n..two\r\nend\r\n";
static const char *const RCPTS[] = { "<b@example.net>", "<c@example.net>" };

/* snprintf into a PATH_MAX buffer; the test fails on truncation. */
static void pf(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
pf(char *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && n < PATH_MAX);
}

static char *
mkroot(void)
{
	char *t = strdup("/tmp/test_spamfolder.XXXXXX");
	assert_non_null(mkdtemp(t));
	return t;
}

static void
rmrf(const char *p)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	assert_int_equal(system(cmd), 0);
}

static int
msg_fd(const char *text)
{
	char t[] = "/tmp/test_spamfolder_msg.XXXXXX";
	int fd = mkstemp(t);
	assert_true(fd >= 0);
	unlink(t);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

static size_t
count_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = calloc(1, 1 << 20);
	assert_non_null(f);
	*len = fread(b, 1, (1 << 20) - 1, f);
	fclose(f);
	return b;
}

/*
 * The retention clock the tests give the spam folder (spamfolder_options.now)
 * and pass to purge/sweep: a fixed time, so no result depends on today's
 * date. It is in the past (2023-11-14), so copies a save writes now are
 * never old to it; every file that is meant to be old is backdated from it.
 */
#define FAKE_NOW ((time_t)1700000000)

static time_t
fake_clock(void)
{
	return FAKE_NOW;
}

static void
touch_file(const char *path, const char *text, time_t mtime)
{
	FILE *f = fopen(path, "wb");
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static struct spam_meta
meta(void)
{
	struct spam_meta m = {
		.qid = "4Xyz", .client_ip = "192.0.2.1", .helo = "mx.example.test",
		.mail_from = "<a@example.test>", .rcpts = RCPTS, .nrcpts = 2,
		.results = "spf=fail dkim=none", .action = "save-reject",
		.reply = "550 5.7.23 SPF fail for a@example.test",
	};
	return m;
}

static void
t_target_parse(void **state)
{
	char d[PATH_MAX], err[256];
	int x;

	(void)state;
	assert_int_equal(spamfolder_parse_target("/var/spool/spam/", d, sizeof(d), &x, err, sizeof(err)), 0);
	assert_string_equal(d, "/var/spool/spam");
	assert_int_equal(x, 0);
	assert_int_equal(spamfolder_parse_target("xmail:/var/MailRoot:Spam@Example.TEST", d, sizeof(d), &x, err, sizeof(err)), 0);
	assert_string_equal(d, "/var/MailRoot/domains/example.test/spam/Maildir");
	assert_int_equal(x, 1);
	assert_int_equal(spamfolder_parse_target("relative/dir", d, sizeof(d), &x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "relative/dir"));
	assert_int_equal(spamfolder_parse_target("xmail:/r:noatsign", d, sizeof(d), &x, err, sizeof(err)), -1);
	assert_int_equal(spamfolder_parse_target("xmail:/r:../x@d", d, sizeof(d), &x, err, sizeof(err)), -1);
	assert_int_equal(spamfolder_parse_target("xmail:/r:a@d/../e", d, sizeof(d), &x, err, sizeof(err)), -1);
	assert_int_equal(spamfolder_parse_target("xmail:rel:a@d", d, sizeof(d), &x, err, sizeof(err)), -1);
}

/* A Maildir copy: tmp/new/cur made, one file in new/, marker first, message exact. */
static void
t_save_maildir(void **state)
{
	char *root = mkroot(), folder[PATH_MAX], path[PATH_MAX], err[512], sub[PATH_MAX];
	struct spamfolder_options o = { 0 };
	struct spam_meta m = meta();
	struct spamfolder *sf;
	regex_t re;
	size_t len;
	char *body;
	int fd = msg_fd(MSG);

	(void)state;
	pf(folder, "%s/spam/Maildir", root);  /* parents made too */
	o.folder = folder;
	sf = spamfolder_new(&o, err, sizeof(err));
	assert_non_null(sf);
	assert_true(spamfolder_enabled(sf));
	assert_int_equal(spamfolder_save(sf, &m, "Authentication-Results: mx; spf=fail\r\n", fd,
	    path, sizeof(path), err, sizeof(err)), 0);
	pf(sub, "%s/new", folder);
	assert_int_equal(count_dir(sub), 1);
	pf(sub, "%s/tmp", folder);
	assert_int_equal(count_dir(sub), 0);
	pf(sub, "%s/cur", folder);
	assert_int_equal(access(sub, F_OK), 0);
	assert_int_equal(regcomp(&re, "/new/[0-9]+\\.M[0-9]{6}P[0-9]+Q[0-9]+\\.spfdkim\\.[A-Za-z0-9._-]+$", REG_EXTENDED), 0);
	assert_int_equal(regexec(&re, path, 0, NULL, 0), 0);
	regfree(&re);
	assert_true(spamfolder_is_ours(sf, sub, strrchr(path, '/') + 1));
	body = slurp(path, &len);
	assert_int_equal(strncmp(body, SPAMFOLDER_MARKER, strlen(SPAMFOLDER_MARKER)), 0);
	assert_non_null(strstr(body, "\r\nX-Spam-Folder-Client-IP: 192.0.2.1\r\n"));
	assert_non_null(strstr(body, "\r\nX-Spam-Folder-HELO: mx.example.test\r\n"));
	assert_non_null(strstr(body, "\r\nX-Spam-Folder-Mail-From: <a@example.test>\r\n"));
	assert_non_null(strstr(body, "\r\nX-Spam-Folder-Rcpt-To: <b@example.net>, <c@example.net>\r\n"));
	assert_non_null(strstr(body, "\r\nX-Spam-Folder-Results: spf=fail dkim=none\r\n"));
	assert_non_null(strstr(body, "\r\nX-Spam-Folder-Action: save-reject\r\n"));
	assert_non_null(strstr(body, "\r\nAuthentication-Results: mx; spf=fail\r\n"));
	/* the message follows unchanged: no dot-stuffing in a plain Maildir */
	assert_true(len > strlen(MSG));
	assert_memory_equal(body + len - strlen(MSG), MSG, strlen(MSG));
	free(body);
	spamfolder_free(sf);
	close(fd);
	rmrf(root);
	free(root);
}

/* An XMail account: its Maildir, XMail's file name form, body dot-stuffed. */
static void
t_save_xmail(void **state)
{
	char *root = mkroot(), folder[PATH_MAX], path[PATH_MAX], err[512], acct[PATH_MAX], sub[PATH_MAX];
	struct spamfolder_options o = { 0 };
	struct spam_meta m = meta();
	struct spamfolder *sf;
	regex_t re;
	size_t len;
	char *body;
	int fd = msg_fd(MSG);

	(void)state;
	pf(folder, "xmail:%s:spam@example.test", root);
	o.folder = folder;
	sf = spamfolder_new(&o, err, sizeof(err));
	assert_non_null(sf);
	assert_true(spamfolder_is_xmail(sf));
	/* no such account: a clear error, nothing created */
	assert_int_equal(spamfolder_save(sf, &m, "", fd, path, sizeof(path), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "domains/example.test/spam"));
	pf(acct, "%s/domains", root);
	mkdir(acct, 0755);
	pf(acct, "%s/domains/example.test", root);
	mkdir(acct, 0755);
	pf(acct, "%s/domains/example.test/spam", root);
	mkdir(acct, 0755);
	assert_int_equal(spamfolder_save(sf, &m, "Authentication-Results: mx; spf=fail\r\n", fd,
	    path, sizeof(path), err, sizeof(err)), 0);
	assert_int_equal(regcomp(&re, "/domains/example\\.test/spam/Maildir/new/[0-9]{13}\\.[0-9a-f]+\\.[0-9a-f]+\\.[0-9a-f]+\\.[A-Za-z0-9._-]+$", REG_EXTENDED), 0);
	assert_int_equal(regexec(&re, path, 0, NULL, 0), 0);
	regfree(&re);
	pf(sub, "%s/Maildir/tmp", acct);
	assert_int_equal(count_dir(sub), 0);
	body = slurp(path, &len);
	assert_int_equal(strncmp(body, SPAMFOLDER_MARKER, strlen(SPAMFOLDER_MARKER)), 0);
	assert_non_null(strstr(body, "\r\nline one\r\n..leading dot\r\n...two\r\nend\r\n"));
	pf(sub, "%s/Maildir/new", acct);
	assert_true(spamfolder_is_ours(sf, sub, strrchr(path, '/') + 1));
	free(body);
	spamfolder_free(sf);
	close(fd);
	rmrf(root);
	free(root);
}

/* A save that cannot read its message leaves nothing in new/ or tmp/. */
static void
t_save_failure_leaves_nothing(void **state)
{
	char *root = mkroot(), folder[PATH_MAX], path[PATH_MAX], err[512], sub[PATH_MAX];
	struct spamfolder_options o = { 0 };
	struct spam_meta m = meta();
	struct spamfolder *sf;
	int dfd;

	(void)state;
	pf(folder, "%s/Maildir", root);
	o.folder = folder;
	sf = spamfolder_new(&o, err, sizeof(err));
	assert_non_null(sf);
	dfd = open(root, O_RDONLY | O_DIRECTORY);   /* pread fails with EISDIR */
	assert_int_equal(spamfolder_save(sf, &m, "", dfd, path, sizeof(path), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nothing saved"));
	assert_string_equal(path, "");
	pf(sub, "%s/new", folder);
	assert_int_equal(count_dir(sub), 0);
	pf(sub, "%s/tmp", folder);
	assert_int_equal(count_dir(sub), 0);
	close(dfd);
	/* no folder configured: -1 and a reason */
	spamfolder_free(sf);
	o.folder = NULL;
	sf = spamfolder_new(&o, err, sizeof(err));
	assert_false(spamfolder_enabled(sf));
	assert_int_equal(spamfolder_save(sf, &m, "", 0, path, sizeof(path), err, sizeof(err)), -1);
	spamfolder_free(sf);
	rmrf(root);
	free(root);
}

/* Old copies of ours go; new ones and foreign files stay; the sweep is rate limited. */
static void
t_retention_maildir(void **state)
{
	char *root = mkroot(), folder[PATH_MAX], p[PATH_MAX], err[512], path[PATH_MAX];
	struct spamfolder_options o = { 0 };
	struct spam_meta m = meta();
	struct spamfolder *sf;
	time_t now = FAKE_NOW, old = now - 31 * 86400, young = now - 29 * 86400;
	unsigned removed = 99;
	int fd = msg_fd(MSG);

	(void)state;
	pf(folder, "%s/Maildir", root);
	o.folder = folder;
	o.retention_days = 30;
	o.now = fake_clock;
	sf = spamfolder_new(&o, err, sizeof(err));
	assert_non_null(sf);
	assert_int_equal(spamfolder_purge(sf, now, &removed, err, sizeof(err)), 0);   /* no dirs yet */
	assert_int_equal(removed, 0);
	assert_int_equal(spamfolder_save(sf, &m, "", fd, path, sizeof(path), err, sizeof(err)), 0);  /* first sweep ran */
#define F(sub, name, t) do { pf(p, "%s/%s/%s", folder, sub, name); touch_file(p, "x\r\n", t); } while (0)
	F("new", "1700000000.M000001P12Q0.spfdkim.host", old);          /* ours, old: goes */
	F("cur", "1700000000.M000002P12Q1.spfdkim.host:2,S", old);      /* ours, read, old: goes */
	F("new", "1700000000.M000003P12Q2.spfdkim.host", young);        /* ours, young: stays */
	F("new", "1700000000.M000004P12.otherhost", old);               /* foreign: stays */
	F("cur", "1700000000.12345.host:2,", old);                       /* foreign: stays */
	F("tmp", "1700000000.M000005P12Q3.spfdkim.host", now - 2 * 86400); /* our crash leftover: goes */
	F("tmp", "foreign-tmp", now - 2 * 86400);                        /* foreign: stays */
	/* a second save within the minute does not sweep */
	assert_int_equal(spamfolder_save(sf, &m, "", fd, path, sizeof(path), err, sizeof(err)), 0);
	pf(p, "%s/new/1700000000.M000001P12Q0.spfdkim.host", folder);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(spamfolder_maybe_sweep(sf, now + 1), 0);
	/* a minute later it does */
	assert_int_equal(spamfolder_maybe_sweep(sf, now + SPAMFOLDER_SWEEP_INTERVAL + 1), 1);
	assert_int_equal(access(p, F_OK), -1);
	pf(p, "%s/cur/1700000000.M000002P12Q1.spfdkim.host:2,S", folder);
	assert_int_equal(access(p, F_OK), -1);
	pf(p, "%s/tmp/1700000000.M000005P12Q3.spfdkim.host", folder);
	assert_int_equal(access(p, F_OK), -1);
	pf(p, "%s/new/1700000000.M000003P12Q2.spfdkim.host", folder);
	assert_int_equal(access(p, F_OK), 0);
	pf(p, "%s/new/1700000000.M000004P12.otherhost", folder);
	assert_int_equal(access(p, F_OK), 0);
	pf(p, "%s/cur/1700000000.12345.host:2,", folder);
	assert_int_equal(access(p, F_OK), 0);
	pf(p, "%s/tmp/foreign-tmp", folder);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(access(path, F_OK), 0);   /* the fresh saves stay */
	/* purge: another backdated one goes, counted */
	F("new", "1700000000.M000006P12Q4.spfdkim.host", old);
	assert_int_equal(spamfolder_purge(sf, now, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 1);
#undef F
	spamfolder_free(sf);
	close(fd);
	rmrf(root);
	free(root);
}

/* XMail account: ours is known by the first line, never by name alone. */
static void
t_retention_xmail(void **state)
{
	char *root = mkroot(), folder[PATH_MAX], p[PATH_MAX], err[512], md[PATH_MAX];
	struct spamfolder_options o = { 0 };
	struct spamfolder *sf;
	time_t now = FAKE_NOW, old = now - 40 * 86400;
	unsigned removed = 0;

	(void)state;
	pf(folder, "xmail:%s:spam@example.test", root);
	pf(md, "mkdir -p '%s/domains/example.test/spam/Maildir/new' '%s/domains/example.test/spam/Maildir/tmp'", root, root);
	assert_int_equal(system(md), 0);
	pf(md, "%s/domains/example.test/spam/Maildir", root);
	o.folder = folder;
	sf = spamfolder_new(&o, err, sizeof(err));
	assert_non_null(sf);
	pf(p, "%s/new/1795949181645.7f62a4dfa6c0.3179.18.vm", md);
	touch_file(p, SPAMFOLDER_MARKER " saved=x\r\nFrom: a\r\n\r\nb\r\n", old);          /* ours */
	pf(p, "%s/new/1795949181646.7f62a4dfa6c0.3179.19.vm", md);
	touch_file(p, "Return-Path: <a@b>\nDelivered-To: spam@example.test\n\nbody\r\n", old);  /* XMail's own */
	pf(p, "%s/new/notxmailform", md);
	touch_file(p, SPAMFOLDER_MARKER "\r\n", old);                                         /* bad name */
	pf(p, "%s/tmp/spfdkim-tmp.1795949181647.1.2.3.vm", md);
	touch_file(p, "partial", now - 3 * 86400);                                           /* our leftover */
	assert_int_equal(spamfolder_purge(sf, now, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 2);
	pf(p, "%s/new/1795949181646.7f62a4dfa6c0.3179.19.vm", md);
	assert_int_equal(access(p, F_OK), 0);
	pf(p, "%s/new/notxmailform", md);
	assert_int_equal(access(p, F_OK), 0);
	spamfolder_free(sf);
	rmrf(root);
	free(root);
}

/* The spam-log line: field order, quoting, "-" for empty, saved path. */
static void
t_log_line_format(void **state)
{
	struct spam_meta m = meta();
	struct buf b;
	time_t t = 1795955707;   /* 2026-11-29T12:35:07Z */

	(void)state;
	buf_init(&b, KV_LINE_MAX);
	assert_int_equal(spamfolder_format_log(&m, "/var/spool/spam/new/1.M1P1Q1.spfdkim.h", t, &b), 0);
	assert_string_equal(buf_cstr(&b),
	    "ts=2026-11-29T12:35:07Z qid=4Xyz ip=192.0.2.1 helo=mx.example.test mailfrom=a@example.test "
	    "rcpts=b@example.net,c@example.net results=\"spf=fail dkim=none\" action=save-reject "
	    "reply=\"550 5.7.23 SPF fail for a@example.test\" saved=/var/spool/spam/new/1.M1P1Q1.spfdkim.h");
	buf_reset(&b);
	m.helo = "evil\r\nhelo \"x\"\\";
	m.mail_from = "<>";
	m.qid = NULL;
	m.action = "reject";
	assert_int_equal(spamfolder_format_log(&m, NULL, t, &b), 0);
	assert_string_equal(buf_cstr(&b),
	    "ts=2026-11-29T12:35:07Z qid=- ip=192.0.2.1 helo=\"evil\\x0D\\x0Ahelo \\\"x\\\"\\\\\" mailfrom=- "
	    "rcpts=b@example.net,c@example.net results=\"spf=fail dkim=none\" action=reject "
	    "reply=\"550 5.7.23 SPF fail for a@example.test\" saved=-");
	buf_free(&b);
}

/* 500 recipients of 200 bytes each: the line stays under the cap and says how many were cut. */
static void
t_log_line_caps(void **state)
{
	static char addrs[500][220];
	const char *list[500];
	struct spam_meta m = meta();
	struct kvline *kv = malloc(sizeof(*kv));
	char err[256];
	struct buf b;
	const char *r;

	(void)state;
	for (int i = 0; i < 500; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "<%03d%0190d@example.net>", i, 0);
		list[i] = addrs[i];
	}
	m.rcpts = list;
	m.nrcpts = 500;
	buf_init(&b, KV_LINE_MAX);
	assert_int_equal(spamfolder_format_log(&m, NULL, 0, &b), 0);
	assert_true(b.len < KV_LINE_MAX);
	assert_int_equal(kv_parse(b.data, b.len, kv, err, sizeof(err)), 0);
	r = kv_get(kv, "rcpts");
	assert_non_null(r);
	assert_non_null(strstr(r, ",+"));
	assert_string_equal(kv_get(kv, "saved"), "-");
	buf_free(&b);
	free(kv);
}

/* Envelope headers: folded under 79 columns, no CR/LF smuggled into a value. */
static void
t_envelope_headers(void **state)
{
	static char addrs[40][40];
	const char *list[40];
	struct spam_meta m = meta();
	struct buf b;
	const char *p;

	(void)state;
	for (int i = 0; i < 40; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "<user%02d@example.net>", i);
		list[i] = addrs[i];
	}
	m.rcpts = list;
	m.nrcpts = 40;
	m.helo = "x\r\nBcc: injected@example.test";
	buf_init(&b, 1 << 16);
	assert_int_equal(spamfolder_format_envelope(&m, 0, &b), 0);
	assert_null(strstr(b.data, "\r\nBcc:"));
	assert_non_null(strstr(b.data, "X-Spam-Folder-HELO: x Bcc: injected@example.test\r\n"));
	for (p = b.data; *p != '\0';) {
		size_t n = strcspn(p, "\r\n");
		assert_true(n <= 78);
		assert_true(p[n] == '\r' && p[n + 1] == '\n');
		assert_true(p == b.data || n > 0);
		p += n + 2;
	}
	assert_non_null(strstr(b.data, "<user39@example.net>"));
	buf_free(&b);
}

/* Quoting and parsing agree. */
static void
t_kv_roundtrip(void **state)
{
	static const char *const vals[] = { "plain", "with space", "q\"uote", "back\\slash", "\x01\x7f\xff",
	                                    "550 5.7.23 \"x\"", "=", "a=b", "" };
	struct kvline *kv = malloc(sizeof(*kv));
	char err[256];
	struct buf a;

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		buf_init(&a, 4096);
		assert_int_equal(kv_put(&a, "k", vals[i]), 0);
		assert_int_equal(kv_put(&a, "z", "end"), 0);
		assert_int_equal(kv_parse(a.data, a.len, kv, err, sizeof(err)), 0);
		assert_string_equal(kv_get(kv, "k"), vals[i][0] != '\0' ? vals[i] : "-");
		assert_string_equal(kv_get(kv, "z"), "end");
		buf_free(&a);
	}
	assert_int_equal(kv_parse("a=\"open", 7, kv, err, sizeof(err)), -1);
	assert_int_equal(kv_parse("noequals", 8, kv, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "noequals"));
	assert_int_equal(kv_parse("a=\"\\q\"", 6, kv, err, sizeof(err)), -1);
	assert_int_equal(kv_parse("a=\"\\x4\"", 7, kv, err, sizeof(err)), -1);
	assert_int_equal(kv_parse("a=\"x\"junk", 9, kv, err, sizeof(err)), -1);
	free(kv);
}

struct worker { struct spamfolder *sf; int fd; int ok; int swept; time_t now; };

static void *
saver(void *arg)
{
	struct worker *w = arg;
	struct spam_meta m = meta();
	char path[PATH_MAX], err[512];

	for (int i = 0; i < 25; i++)
		if (spamfolder_save(w->sf, &m, "", w->fd, path, sizeof(path), err, sizeof(err)) == 0)
			w->ok++;
	return NULL;
}

static void *
sweeper(void *arg)
{
	struct worker *w = arg;

	w->swept = spamfolder_maybe_sweep(w->sf, w->now);
	return NULL;
}

/* 8 threads saving at once: 200 distinct copies, no leftovers; 8 sweeps at once: exactly one runs. */
static void
t_concurrent(void **state)
{
	char *root = mkroot(), folder[PATH_MAX], err[512], sub[PATH_MAX];
	struct spamfolder_options o = { 0 };
	struct spamfolder *sf;
	struct worker w[8];
	pthread_t th[8];
	int fd = msg_fd(MSG), swept = 0;

	(void)state;
	pf(folder, "%s/Maildir", root);
	o.folder = folder;
	o.now = fake_clock;
	sf = spamfolder_new(&o, err, sizeof(err));
	assert_non_null(sf);
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ .sf = sf, .fd = fd };
		assert_int_equal(pthread_create(&th[i], NULL, saver, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].ok, 25);
	}
	pf(sub, "%s/new", folder);
	assert_int_equal(count_dir(sub), 200);
	pf(sub, "%s/tmp", folder);
	assert_int_equal(count_dir(sub), 0);
	for (int i = 0; i < 8; i++) {
		w[i].now = FAKE_NOW + 10 * SPAMFOLDER_SWEEP_INTERVAL;
		assert_int_equal(pthread_create(&th[i], NULL, sweeper, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		swept += w[i].swept;
	}
	assert_int_equal(swept, 1);
	spamfolder_free(sf);
	close(fd);
	rmrf(root);
	free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_target_parse),
		cmocka_unit_test(t_save_maildir),
		cmocka_unit_test(t_save_xmail),
		cmocka_unit_test(t_save_failure_leaves_nothing),
		cmocka_unit_test(t_retention_maildir),
		cmocka_unit_test(t_retention_xmail),
		cmocka_unit_test(t_log_line_format),
		cmocka_unit_test(t_log_line_caps),
		cmocka_unit_test(t_envelope_headers),
		cmocka_unit_test(t_kv_roundtrip),
		cmocka_unit_test(t_concurrent),
	};
	char err[256];

	/* the sweep logs what it removed; keep the TAP output clean */
	log_open("test_spamfolder", "/dev/null", LOG_L_DEBUG, err, sizeof(err));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
