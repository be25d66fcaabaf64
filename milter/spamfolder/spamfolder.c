/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spamfolder.c - keep suspect mail: the target (a Maildir, or an XMail
 * account's Maildir) and saving one copy of a message into it.
 *
 * Accepts SpamFolder values "/abs/Maildir" and "xmail:MAILROOT:account@domain".
 * A save writes tmp/NAME, fsyncs, and renames it into new/, so readers never
 * see a partial file and concurrent saves need no lock (names are unique by
 * time, pid, thread and an atomic sequence, and opened O_EXCL). Any failure
 * unlinks the tmp file and returns -1 with the path and errno in err.
 * Retention is in spamfolder_retention.c, the spam log and envelope headers
 * in spamfolder_log.c. The struct is built once per config snapshot and is
 * read-only afterwards except for the atomic sequence and the sweep state.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fileio.h"
#include "log.h"
#include "spamfolder_int.h"

#define XMAIL_TMP_PREFIX "spfdkim-tmp."

static int
valid_component(const char *s, size_t n)
{
	if (n == 0 || n > 255 || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || (unsigned char)s[i] < 0x21 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

int
spamfolder_parse_target(const char *folder, char *maildir, size_t len, int *is_xmail,
    char *err, size_t errlen)
{
	*is_xmail = 0;
	if (folder == NULL || folder[0] == '\0') {
		snprintf(err, errlen, "SpamFolder is empty");
		return -1;
	}
	if (strncmp(folder, "xmail:", 6) == 0) {
		const char *root = folder + 6, *colon = strrchr(root, ':'), *at;
		char acct[256], dom[256];
		size_t rlen, alen, dlen;
		int n;

		if (colon == NULL || colon == root) {
			snprintf(err, errlen, "SpamFolder '%s': want xmail:MAILROOT:account@domain", folder);
			return -1;
		}
		rlen = (size_t)(colon - root);
		if (root[0] != '/') {
			snprintf(err, errlen, "SpamFolder '%s': MAILROOT must be an absolute path", folder);
			return -1;
		}
		at = strrchr(colon + 1, '@');
		if (at == NULL) {
			snprintf(err, errlen, "SpamFolder '%s': account '%s' has no @domain", folder, colon + 1);
			return -1;
		}
		alen = (size_t)(at - (colon + 1));
		dlen = strlen(at + 1);
		if (!valid_component(colon + 1, alen) || !valid_component(at + 1, dlen)) {
			snprintf(err, errlen, "SpamFolder '%s': bad account or domain '%s'", folder, colon + 1);
			return -1;
		}
		/* XMail keeps account and domain directories in lower case */
		for (size_t i = 0; i < alen; i++)
			acct[i] = (char)tolower((unsigned char)colon[1 + i]);
		acct[alen] = '\0';
		for (size_t i = 0; i < dlen; i++)
			dom[i] = (char)tolower((unsigned char)at[1 + i]);
		dom[dlen] = '\0';
		while (rlen > 1 && root[rlen - 1] == '/')
			rlen--;
		n = snprintf(maildir, len, "%.*s/domains/%s/%s/Maildir", (int)rlen, root, dom, acct);
		if (n < 0 || (size_t)n >= len) {
			snprintf(err, errlen, "SpamFolder '%s': path too long", folder);
			return -1;
		}
		*is_xmail = 1;
		return 0;
	}
	if (folder[0] != '/') {
		snprintf(err, errlen, "SpamFolder '%s': want an absolute Maildir path or xmail:MAILROOT:account@domain", folder);
		return -1;
	}
	if (strlcpy(maildir, folder, len) >= len) {
		snprintf(err, errlen, "SpamFolder '%s': path too long", folder);
		return -1;
	}
	{
		size_t l = strlen(maildir);
		while (l > 1 && maildir[l - 1] == '/')
			maildir[--l] = '\0';
	}
	return 0;
}

static time_t
wall_clock(void)
{
	return time(NULL);
}

struct spamfolder *
spamfolder_new(const struct spamfolder_options *opt, char *err, size_t errlen)
{
	struct spamfolder *sf;
	char host[256];

	if ((sf = calloc(1, sizeof(*sf))) == NULL) {
		snprintf(err, errlen, "spam folder: out of memory");
		return NULL;
	}
	pthread_mutex_init(&sf->sweep_lock, NULL);
	atomic_init(&sf->seq, 0);
	sf->retention_days = SPAMFOLDER_DEFAULT_DAYS;
	sf->now = opt != NULL && opt->now != NULL ? opt->now : wall_clock;
	if (opt == NULL)
		return sf;
	if (opt->retention_days > 0)
		sf->retention_days = opt->retention_days > 36500 ? 36500 : opt->retention_days;
	if (opt->spam_log != NULL && opt->spam_log[0] != '\0' &&
	    (sf->spam_log = strdup(opt->spam_log)) == NULL) {
		snprintf(err, errlen, "spam folder: out of memory");
		spamfolder_free(sf);
		return NULL;
	}
	if (opt->folder == NULL || opt->folder[0] == '\0')
		return sf;
	if (spamfolder_parse_target(opt->folder, sf->dir, sizeof(sf->dir), &sf->xmail, err, errlen) < 0) {
		spamfolder_free(sf);
		return NULL;
	}
	if (sf->xmail) {
		char *slash;

		strlcpy(sf->account_dir, sf->dir, sizeof(sf->account_dir));
		if ((slash = strrchr(sf->account_dir, '/')) != NULL)
			*slash = '\0';
	}
	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	/* file names: keep it to [A-Za-z0-9.-]; '/' and ':' would break Maildir names */
	for (size_t i = 0; host[i] != '\0' && i + 1 < sizeof(sf->host); i++) {
		unsigned char c = (unsigned char)host[i];
		sf->host[i] = (isalnum(c) || c == '-' || c == '.') ? (char)c : '_';
	}
	sf->enabled = 1;
	return sf;
}

void
spamfolder_free(struct spamfolder *sf)
{
	if (sf == NULL)
		return;
	pthread_mutex_destroy(&sf->sweep_lock);
	free(sf->spam_log);
	free(sf);
}

int spamfolder_enabled(const struct spamfolder *sf) { return sf != NULL && sf->enabled; }
const char *spamfolder_dir(const struct spamfolder *sf) { return sf != NULL ? sf->dir : ""; }
int spamfolder_is_xmail(const struct spamfolder *sf) { return sf != NULL && sf->xmail; }
const char *spamfolder_log_path(const struct spamfolder *sf) { return sf != NULL ? sf->spam_log : NULL; }

/* mkdir that accepts an existing directory. */
static int
mkdir_ok(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	syserr_fmt(err, errlen, "spam folder: cannot create directory %s", path);
	return -1;
}

/* Makes the Maildir and its tmp/new/cur; for a Maildir target also its parents. */
static int
ensure_dirs(const struct spamfolder *sf, char *err, size_t errlen)
{
	char p[PATH_MAX];
	static const char *const sub[] = { "tmp", "new", "cur" };
	struct stat st;

	if (sf->xmail) {
		if (stat(sf->account_dir, &st) < 0) {
			syserr_fmt(err, errlen, "spam folder: XMail account directory %s", sf->account_dir);
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "spam folder: XMail account directory %s: not a directory", sf->account_dir);
			return -1;
		}
		if (mkdir_ok(sf->dir, err, errlen) < 0)
			return -1;
	} else {
		strlcpy(p, sf->dir, sizeof(p));
		for (char *s = p + 1; *s != '\0'; s++) {
			if (*s != '/')
				continue;
			*s = '\0';
			if (stat(p, &st) < 0 && mkdir_ok(p, err, errlen) < 0)
				return -1;
			*s = '/';
		}
		if (mkdir_ok(p, err, errlen) < 0)
			return -1;
	}
	for (size_t i = 0; i < 3; i++) {
		int n = snprintf(p, sizeof(p), "%s/%s", sf->dir, sub[i]);
		if (n < 0 || (size_t)n >= sizeof(p)) {
			snprintf(err, errlen, "spam folder: path too long: %s", sf->dir);
			return -1;
		}
		if (mkdir_ok(p, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* A buffered writer that remembers the first error. */
struct writer {
	int fd;
	size_t len;
	int err;
	unsigned long total;
	char b[65536];
};

static void
w_flush(struct writer *w)
{
	if (w->err == 0 && fileio_write_all(w->fd, w->b, w->len) < 0)
		w->err = errno;
	w->len = 0;
}

static void
w_put(struct writer *w, const char *p, size_t n)
{
	while (n > 0 && w->err == 0) {
		size_t k = sizeof(w->b) - w->len;
		if (k > n)
			k = n;
		memcpy(w->b + w->len, p, k);
		w->len += k;
		w->total += k;
		p += k;
		n -= k;
		if (w->len == sizeof(w->b))
			w_flush(w);
	}
}

/* hdr_block, one header line per line, CRLF-ended, blank lines dropped (they would end the header). */
static void
w_hdr_block(struct writer *w, const char *h)
{
	while (h != NULL && *h != '\0') {
		size_t n = strcspn(h, "\n");
		size_t m = n;

		if (m > 0 && h[m - 1] == '\r')
			m--;
		if (m > 0) {
			w_put(w, h, m);
			w_put(w, "\r\n", 2);
		}
		h += n;
		if (*h == '\n')
			h++;
	}
}

/* Copies the message; xmail: stuffs a '.' before lines that start with '.'. */
static int
w_message(struct writer *w, int fd, int stuff, char *why, size_t whylen)
{
	char in[65536];
	off_t off = 0;
	int bol = 1;

	for (;;) {
		ssize_t n = pread(fd, in, sizeof(in), off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			syserr_fmt(why, whylen, "reading the message");
			return -1;
		}
		if (n == 0)
			return 0;
		if ((unsigned long)off + (unsigned long)n > SPAMFOLDER_MAX_MESSAGE) {
			snprintf(why, whylen, "message larger than %lu bytes", SPAMFOLDER_MAX_MESSAGE);
			return -1;
		}
		off += n;
		if (!stuff) {
			w_put(w, in, (size_t)n);
		} else {
			size_t s = 0;
			for (size_t i = 0; i < (size_t)n; i++) {
				if (bol && in[i] == '.') {
					w_put(w, in + s, i - s);
					w_put(w, ".", 1);
					s = i;
				}
				bol = in[i] == '\n';
			}
			w_put(w, in + s, (size_t)n - s);
		}
		if (w->err != 0)
			return 0;  /* the caller reports w->err */
	}
}

static int
make_names(struct spamfolder *sf, const struct timespec *ts, char *name, size_t nlen,
    char *tmpname, size_t tlen)
{
	unsigned seq = atomic_fetch_add(&sf->seq, 1);
	int n, m;

	if (sf->xmail) {
		unsigned long long ms = (unsigned long long)ts->tv_sec * 1000ULL + (unsigned long long)ts->tv_nsec / 1000000ULL;
		n = snprintf(name, nlen, "%llu.%lx.%x.%x.%s", ms, (unsigned long)pthread_self(),
		    (unsigned)getpid(), seq, sf->host);
		m = snprintf(tmpname, tlen, XMAIL_TMP_PREFIX "%s", name);
	} else {
		n = snprintf(name, nlen, "%lld.M%06ldP%uQ%u.spfdkim.%s", (long long)ts->tv_sec,
		    ts->tv_nsec / 1000L, (unsigned)getpid(), seq, sf->host);
		m = snprintf(tmpname, tlen, "%s", name);
	}
	return (n < 0 || (size_t)n >= nlen || m < 0 || (size_t)m >= tlen) ? -1 : 0;
}

int
spamfolder_save(struct spamfolder *sf, const struct spam_meta *meta, const char *hdr_block,
    int msg_fd, char *path_out, size_t pathlen, char *err, size_t errlen)
{
	char name[256], tmpname[300], tmppath[PATH_MAX], newpath[PATH_MAX], why[256];
	struct timespec ts;
	struct writer *w;
	struct buf env;
	int fd = -1, n, tries;
	static const struct spam_meta none;

	if (path_out != NULL && pathlen > 0)
		path_out[0] = '\0';
	if (!spamfolder_enabled(sf)) {
		snprintf(err, errlen, "no spam folder configured");
		return -1;
	}
	if (meta == NULL)
		meta = &none;
	if (msg_fd < 0) {
		snprintf(err, errlen, "spam folder %s: no message to save", sf->dir);
		return -1;
	}
	if (ensure_dirs(sf, err, errlen) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	for (tries = 0; tries < 8; tries++) {
		if (make_names(sf, &ts, name, sizeof(name), tmpname, sizeof(tmpname)) < 0) {
			snprintf(err, errlen, "spam folder %s: file name too long", sf->dir);
			return -1;
		}
		n = snprintf(tmppath, sizeof(tmppath), "%s/tmp/%s", sf->dir, tmpname);
		if (n < 0 || (size_t)n >= sizeof(tmppath) ||
		    (n = snprintf(newpath, sizeof(newpath), "%s/new/%s", sf->dir, name)) < 0 ||
		    (size_t)n >= sizeof(newpath)) {
			snprintf(err, errlen, "spam folder %s: path too long", sf->dir);
			return -1;
		}
		fd = open(tmppath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		syserr_fmt(err, errlen, "spam folder: cannot create %s", tmppath);
		strlcat(err, " (nothing saved)", errlen);
		return -1;
	}
	if ((w = malloc(sizeof(*w))) == NULL) {
		close(fd);
		unlink(tmppath);
		snprintf(err, errlen, "spam folder %s: out of memory (nothing saved)", sf->dir);
		return -1;
	}
	w->fd = fd;
	w->len = 0;
	w->err = 0;
	w->total = 0;
	why[0] = '\0';

	buf_init(&env, 64 * 1024);
	if (spamfolder_format_envelope(meta, ts.tv_sec, &env) < 0)
		snprintf(why, sizeof(why), "envelope headers over their cap");
	else {
		w_put(w, env.data, env.len);
		w_hdr_block(w, hdr_block);
		if (w_message(w, msg_fd, sf->xmail, why, sizeof(why)) == 0)
			w_flush(w);
	}
	buf_free(&env);
	if (why[0] == '\0' && w->err == 0 && fsync(fd) < 0)
		w->err = errno;
	if (close(fd) < 0 && why[0] == '\0' && w->err == 0)
		w->err = errno;
	if (why[0] == '\0' && w->err != 0) {
		errno = w->err;
		syserr_fmt(why, sizeof(why), "writing");
	}
	free(w);
	if (why[0] == '\0' && rename(tmppath, newpath) < 0)
		syserr_fmt(why, sizeof(why), "rename into new/");
	if (why[0] != '\0') {
		unlink(tmppath);
		snprintf(err, errlen, "spam folder: saving %s failed: %s (nothing saved)", tmppath, why);
		return -1;
	}
	/* make the rename durable; a failure here loses nothing already reported */
	n = snprintf(tmppath, sizeof(tmppath), "%s/new", sf->dir);
	if (n > 0 && (size_t)n < sizeof(tmppath) && (fd = open(tmppath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	if (path_out != NULL && pathlen > 0)
		strlcpy(path_out, newpath, pathlen);
	spamfolder_maybe_sweep(sf, sf->now());
	return 0;
}
