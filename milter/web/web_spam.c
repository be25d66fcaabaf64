/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web_spam.c - the Spam folder tab: the saved copies, one shown as text,
 * release to the original recipients, delete. Opening the tab first removes
 * the copies older than SpamRetentionDays (spamfolder_purge, the milter's
 * own retention code: only our files, by mtime).
 *
 * A copy is named by its file name alone (id=), checked by web_safe_name and
 * looked up only in new/ and cur/ of the configured folder, and acted on
 * only when spamfolder_is_ours says the file is one of ours. A copy is shown
 * as escaped text in <pre>, capped at WEB_VIEW_MAX bytes: no part of a
 * message is ever rendered as HTML, and the page's CSP loads nothing remote.
 *
 * Release re-sends the message as saved (our X-Spam-Folder-* block taken
 * off, XMail dot-stuffing undone) to the envelope recorded in it:
 *  - XMail (-x MAILROOT, unless -r sendmail): a file written in MailRoot/spool/temp and renamed
 *    into spool/local ("mail from:<...>", "rcpt to:<...>" lines, an empty
 *    line, the message): XMail delivers it locally, its SMTP filters (our
 *    bridge) never see it;
 *  - Postfix/Sendmail: the -s command (default /usr/sbin/sendmail) with -i
 *    -f SENDER -- RCPTS, message on stdin: a local submission, which the
 *    milter does not SPF-check (no client address counts as local).
 * The copy is deleted once the release succeeded, so it is delivered once.
 * A copy whose recipient list was cut ("(N more)") is not released.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "spamfolder.h"
#include "web.h"

#define WEB_VIEW_MAX   (1U << 20)    /* bytes of a copy shown */
#define WEB_SPAM_LIST  2000          /* copies listed */
#define WEB_HEAD_MAX   (64U << 10)   /* bytes read for the envelope block */
#define WEB_RCPTS_MAX  SPAMFOLDER_MAX_RCPTS_SHOWN

struct copy {
	char name[WEB_NAME_MAX + 1];
	char sub[4];                      /* "new" or "cur" */
	time_t mtime;
};

struct envelope {
	char saved[64], ip[64], from[SPAMFOLDER_MAX_VALUE + 3], rcpts[8192], results[SPAMFOLDER_MAX_VALUE + 1],
	    action[64], subject[256];
	size_t body;                      /* offset of the message after our block */
};

static struct spamfolder *
open_folder(const struct config *c, char *err, size_t errlen)
{
	struct spamfolder_options so = { .folder = c->spam_folder, .retention_days = c->spam_retention_days,
	                                 .spam_log = NULL };

	if (c->spam_folder == NULL || c->spam_folder[0] == '\0') {
		snprintf(err, errlen, "No SpamFolder is set in the configuration.");
		return NULL;
	}
	return spamfolder_new(&so, err, errlen);
}

/* Copies the value of header name (unfolded) from the top block of text. */
static void
header(const char *text, size_t len, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name), o = 0;
	const char *p = text, *end = text + len;

	out[0] = '\0';
	while (p < end && *p != '\r' && *p != '\n') {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
		if (n > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *q = p + nl + 1;
			for (;;) {
				for (; q < p + n; q++)
					if (*q != '\r' && o + 1 < outlen && !(o == 0 && *q == ' '))
						out[o++] = *q == '\t' ? ' ' : *q;
				p += n + 1;
				if (p >= end || (*p != ' ' && *p != '\t'))
					break;
				eol = memchr(p, '\n', (size_t)(end - p));
				n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
				q = p;
			}
			out[o] = '\0';
			return;
		}
		p += n + 1;
	}
}

/* Reads the X-Spam-Folder-* block at the top of a copy. 0 or -1. */
static int
read_envelope(int dfd, const char *name, struct envelope *e, struct buf *all, size_t max)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char chunk[65536];
	ssize_t n;
	const char *t, *p;

	memset(e, 0, sizeof(*e));
	if (fd < 0)
		return -1;
	buf_init(all, max);
	while (all->len < max && (n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(all, chunk, all->len + (size_t)n > max ? max - all->len : (size_t)n) < 0)
			break;
	close(fd);
	t = buf_cstr(all);
	header(t, all->len, "X-Spam-Folder-Envelope", e->saved, sizeof(e->saved));
	if ((p = strstr(e->saved, "saved=")) != NULL)
		memmove(e->saved, p + 6, strcspn(p + 6, ";") + 1), e->saved[strcspn(e->saved, ";")] = '\0';
	header(t, all->len, "X-Spam-Folder-Client-IP", e->ip, sizeof(e->ip));
	header(t, all->len, "X-Spam-Folder-Mail-From", e->from, sizeof(e->from));
	header(t, all->len, "X-Spam-Folder-Rcpt-To", e->rcpts, sizeof(e->rcpts));
	header(t, all->len, "X-Spam-Folder-Results", e->results, sizeof(e->results));
	header(t, all->len, "X-Spam-Folder-Action", e->action, sizeof(e->action));
	header(t, all->len, "Subject", e->subject, sizeof(e->subject));
	/* Our block: the X-Spam-Folder-* fields and their folded lines. */
	for (p = t; p < t + all->len;) {
		const char *eol = memchr(p, '\n', (size_t)(t + all->len - p));
		if (strncasecmp(p, "X-Spam-Folder-", 14) != 0 && !(p > t && (*p == ' ' || *p == '\t')))
			break;
		if (eol == NULL) {
			p = t + all->len;
			break;
		}
		p = eol + 1;
	}
	e->body = (size_t)(p - t);
	return 0;
}

static int
by_mtime(const void *a, const void *b)
{
	const struct copy *x = a, *y = b;

	return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : strcmp(x->name, y->name);
}

/* Lists our copies in new/ and cur/: the newest max of them, newest first. */
static size_t
list_copies(struct spamfolder *sf, struct copy *out, size_t max)
{
	static const char *const subs[] = { "new", "cur" };
	size_t n = 0;

	for (int s = 0; s < 2; s++) {
		char dir[4096];
		DIR *d;
		struct dirent *de;
		snprintf(dir, sizeof(dir), "%s/%s", spamfolder_dir(sf), subs[s]);
		if ((d = opendir(dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			struct stat st;
			size_t slot = n;
			if (!web_safe_name(de->d_name) || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(st.st_mode) || !spamfolder_is_ours(sf, dir, de->d_name))
				continue;
			if (n == max) {   /* full: the newest max stay */
				slot = 0;
				for (size_t i = 1; i < n; i++)
					if (out[i].mtime < out[slot].mtime)
						slot = i;
				if (out[slot].mtime >= st.st_mtime)
					continue;
			} else
				n++;
			strlcpy(out[slot].name, de->d_name, sizeof(out[slot].name));
			strlcpy(out[slot].sub, subs[s], sizeof(out[slot].sub));
			out[slot].mtime = st.st_mtime;
		}
		closedir(d);
	}
	qsort(out, n, sizeof(*out), by_mtime);
	return n;
}

/* Opens the directory (new/ or cur/) that holds our copy id; -1 if none. */
static int
find_copy(struct spamfolder *sf, const char *id, char *dir, size_t dirlen)
{
	static const char *const subs[] = { "new", "cur" };

	if (id == NULL || !web_safe_name(id))
		return -1;
	for (int s = 0; s < 2; s++) {
		struct stat st;
		int dfd;
		snprintf(dir, dirlen, "%s/%s", spamfolder_dir(sf), subs[s]);
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			continue;
		if (fstatat(dfd, id, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    spamfolder_is_ours(sf, dir, id))
			return dfd;
		close(dfd);
	}
	return -1;
}

static void
action_form(struct web_req *r, const char *op, const char *id, const char *label)
{
	web_printf(r, "<form method=\"post\" action=\"/spam\" style=\"display:inline\"><input type=\"hidden\" name=\"op\" value=\"%s\">"
	              "<input type=\"hidden\" name=\"id\" value=\"", op);
	web_esc(r, id);
	web_put(r, "\">");
	web_csrf_field(r);
	web_printf(r, "<button type=\"submit\" class=\"%s\">%s</button></form> ", op, label);
}

static void
spam_page(struct web_req *r, const char *ok, const char *bad)
{
	char err[512], msg[256];
	struct config *c = web_load_config(r->o, err, sizeof(err));
	struct spamfolder *sf;
	struct copy *list;
	unsigned removed = 0;
	size_t n;

	web_begin(r, "Spam folder", "spam");
	if (ok != NULL)
		web_notice(r, "ok", ok);
	if (bad != NULL)
		web_notice(r, "err", bad);
	if (c == NULL || (sf = open_folder(c, err, sizeof(err))) == NULL) {
		web_notice(r, "err", err);
		config_free(c);
		web_end(r);
		return;
	}
	/* As the guide says: opening the page removes the expired copies. */
	if (spamfolder_purge(sf, time(NULL), &removed, err, sizeof(err)) < 0)
		web_notice(r, "err", err);
	snprintf(msg, sizeof(msg), "Folder %s; copies are kept %u days", spamfolder_dir(sf), c->spam_retention_days);
	web_put(r, "<p id=\"retention\">");
	web_esc(r, msg);
	if (removed > 0)
		web_printf(r, "; opening this page just removed %u older ones", removed);
	web_put(r, ".</p>");
	if ((list = calloc(WEB_SPAM_LIST, sizeof(*list))) == NULL) {
		spamfolder_free(sf);
		config_free(c);
		web_end(r);
		return;
	}
	n = list_copies(sf, list, WEB_SPAM_LIST);
	web_printf(r, "<table id=\"copies\"><tr><th>Saved</th><th>Client</th><th>Sender</th><th>Recipients</th>"
	              "<th>Subject</th><th>Results</th><th>Action</th><th></th></tr>");
	for (size_t i = 0; i < n; i++) {
		char dir[4096];
		struct envelope e;
		struct buf all;
		int dfd = find_copy(sf, list[i].name, dir, sizeof(dir));
		if (dfd < 0)
			continue;
		if (read_envelope(dfd, list[i].name, &e, &all, WEB_HEAD_MAX) == 0) {
			const char *cells[] = { e.saved, e.ip, e.from, e.rcpts, e.subject, e.results, e.action };
			web_put(r, "<tr class=\"copy\">");
			for (size_t k = 0; k < sizeof(cells) / sizeof(cells[0]); k++) {
				web_put(r, "<td>");
				web_esc(r, cells[k]);
				web_put(r, "</td>");
			}
			web_put(r, "<td><a class=\"view\" href=\"/spam/view?id=");
			web_esc(r, list[i].name);
			web_put(r, "\">View</a> ");
			action_form(r, "release", list[i].name, "Release");
			action_form(r, "delete", list[i].name, "Delete");
			web_put(r, "</td></tr>");
			buf_free(&all);
		}
		close(dfd);
	}
	web_printf(r, "</table><p id=\"ncopies\">%zu copies.</p>", n);
	free(list);
	spamfolder_free(sf);
	config_free(c);
	web_end(r);
}

void
web_spam_get(struct web_req *r)
{
	spam_page(r, NULL, NULL);
}

void
web_spam_view(struct web_req *r)
{
	char err[512], dir[4096];
	struct config *c = web_load_config(r->o, err, sizeof(err));
	struct spamfolder *sf = c != NULL ? open_folder(c, err, sizeof(err)) : NULL;
	const char *id = web_arg(r, "id");
	struct envelope e;
	struct buf all;
	int dfd;

	if (sf == NULL) {
		config_free(c);
		spam_page(r, NULL, err);
		return;
	}
	if ((dfd = find_copy(sf, id, dir, sizeof(dir))) < 0) {
		spamfolder_free(sf);
		config_free(c);
		r->status = 404;
		spam_page(r, NULL, "no such copy in the spam folder");
		return;
	}
	web_begin(r, "Spam folder: one copy", "spam");
	if (read_envelope(dfd, id, &e, &all, WEB_VIEW_MAX) == 0) {
		web_put(r, "<table id=\"envelope\">");
		web_put(r, "<tr><th>Saved</th><td>");
		web_esc(r, e.saved);
		web_put(r, "</td></tr><tr><th>Client</th><td>");
		web_esc(r, e.ip);
		web_put(r, "</td></tr><tr><th>Sender</th><td>");
		web_esc(r, e.from);
		web_put(r, "</td></tr><tr><th>Recipients</th><td>");
		web_esc(r, e.rcpts);
		web_put(r, "</td></tr><tr><th>Results</th><td>");
		web_esc(r, e.results);
		web_put(r, "</td></tr><tr><th>Action</th><td>");
		web_esc(r, e.action);
		web_put(r, "</td></tr></table><p>");
		action_form(r, "release", id, "Release");
		action_form(r, "delete", id, "Delete");
		web_put(r, "</p><p>The message as text (never rendered):</p><pre id=\"message\">");
		web_escn(r, buf_cstr(&all) + e.body, all.len - e.body);
		web_printf(r, "</pre>%s", all.len >= WEB_VIEW_MAX ? "<p>(cut: only the first 1 MiB is shown)</p>" : "");
		buf_free(&all);
	}
	close(dfd);
	spamfolder_free(sf);
	config_free(c);
	web_end(r);
}

/* The message to re-send: our block taken off, XMail's stuffing undone, LF
   line ends for sendmail (crlf 0) or CRLF for XMail's spool (crlf 1). */
static void
message_of(const struct buf *all, size_t body, int xmail, int crlf, struct buf *out)
{
	const char *p = buf_cstr(all) + body, *end = buf_cstr(all) + all->len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
		size_t k = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
		const char *s = p;
		if (xmail && k > 1 && s[0] == '.' && s[1] == '.')
			s++, k--;
		buf_append(out, s, k);
		buf_puts(out, crlf ? "\r\n" : "\n");
		p += n + 1;
	}
}

/* Splits "<a>, <b>" into addresses (no brackets). Returns the count, or -1. */
static int
split_rcpts(char *list, char **out, int max)
{
	int n = 0;

	if (strstr(list, "more)") != NULL)
		return -1;
	for (char *p = list; (p = strchr(p, '<')) != NULL;) {
		char *e = strchr(p, '>');
		if (e == NULL || n >= max)
			return -1;
		*e = '\0';
		if (e > p + 1)
			out[n++] = p + 1;
		p = e + 1;
	}
	return n;
}

static int
addr_ok(const char *a)
{
	for (; *a != '\0'; a++)
		if ((unsigned char)*a <= ' ' || (unsigned char)*a >= 0x7f || *a == '<' || *a == '>')
			return 0;
	return 1;
}

static int
release_sendmail(const struct web_opts *o, const char *from, char **rcpts, int nr, const struct buf *msg,
                 char *err, size_t errlen)
{
	char cmd[1024], *argv[64 + WEB_RCPTS_MAX + 8];
	int argc = 0, pfd[2], status;
	pid_t pid;

	strlcpy(cmd, o->sendmail, sizeof(cmd));
	for (char *t = strtok(cmd, " \t"); t != NULL && argc < 60; t = strtok(NULL, " \t"))
		argv[argc++] = t;
	if (argc == 0) {
		snprintf(err, errlen, "no release command (-s)");
		return -1;
	}
	argv[argc++] = (char *)"-i";
	argv[argc++] = (char *)"-f";
	argv[argc++] = (char *)from;
	argv[argc++] = (char *)"--";
	for (int i = 0; i < nr; i++)
		argv[argc++] = rcpts[i];
	argv[argc] = NULL;
	if (pipe(pfd) < 0 || (pid = fork()) < 0) {
		snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[0], 0);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[0]);
	for (size_t off = 0; off < msg->len;) {
		ssize_t n = write(pfd[1], msg->data + off, msg->len - off);
		if (n <= 0 && errno != EINTR)
			break;
		if (n > 0)
			off += (size_t)n;
	}
	close(pfd[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "%s exited with status %d: not released", argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

static int
release_xmail(const char *mailroot, const char *from, char **rcpts, int nr, const struct buf *msg,
              char *err, size_t errlen)
{
	char tmp[4096], dst[4096], host[64] = "localhost";
	static unsigned seq;
	struct buf b;
	int rc;

	gethostname(host, sizeof(host) - 1);
	host[strcspn(host, "./ ")] = '\0';
	snprintf(tmp, sizeof(tmp), "%s/spool/temp/%ld-%u.%ld.%s", mailroot, (long)time(NULL), ++seq, (long)getpid(), host);
	snprintf(dst, sizeof(dst), "%s/spool/local/%ld-%u.%ld.%s", mailroot, (long)time(NULL), seq, (long)getpid(), host);
	buf_init(&b, msg->len + 65536);
	buf_printf(&b, "mail from:<%s>\r\n", from);
	for (int i = 0; i < nr; i++)
		buf_printf(&b, "rcpt to:<%s>\r\n", rcpts[i]);
	buf_puts(&b, "\r\n");
	buf_append(&b, msg->data != NULL ? msg->data : "", msg->len);
	if (b.failed) {
		snprintf(err, errlen, "message too large");
		buf_free(&b);
		return -1;
	}
	/* Written in spool/temp, renamed into spool/local: XMail sees it whole. */
	rc = web_write_atomic(tmp, b.data, b.len, 0, err, errlen);
	if (rc == 0 && rename(tmp, dst) < 0) {
		snprintf(err, errlen, "%.300s: %s", dst, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	buf_free(&b);
	return rc;
}

void
web_spam_post(struct web_req *r)
{
	const char *op = form_get(&r->form, "op"), *id = form_get(&r->form, "id");
	char err[512], dir[4096], msg[600];
	struct config *c = web_load_config(r->o, err, sizeof(err));
	struct spamfolder *sf = c != NULL ? open_folder(c, err, sizeof(err)) : NULL;
	int dfd;

	if (sf == NULL) {
		config_free(c);
		spam_page(r, NULL, err);
		return;
	}
	if (op == NULL || (strcmp(op, "release") != 0 && strcmp(op, "delete") != 0)) {
		snprintf(msg, sizeof(msg), "op must be release or delete");
	} else if ((dfd = find_copy(sf, id, dir, sizeof(dir))) < 0) {
		snprintf(msg, sizeof(msg), "no such copy in the spam folder (already released or deleted?)");
	} else if (strcmp(op, "delete") == 0) {
		if (unlinkat(dfd, id, 0) < 0)
			snprintf(msg, sizeof(msg), "delete failed: %s", strerror(errno));
		else {
			close(dfd);
			spamfolder_free(sf);
			config_free(c);
			spam_page(r, "Deleted.", NULL);
			return;
		}
		close(dfd);
	} else {
		struct envelope e;
		struct buf all, out;
		char *rcpts[WEB_RCPTS_MAX], from[sizeof(e.from)];
		int nr, rc = -1, xm = r->o->release_xmail;

		if (read_envelope(dfd, id, &e, &all, SPAMFOLDER_MAX_MESSAGE + WEB_HEAD_MAX) < 0) {
			snprintf(msg, sizeof(msg), "cannot read the copy");
		} else {
			size_t fl = strlen(e.from);
			strlcpy(from, fl >= 2 && e.from[0] == '<' && e.from[fl - 1] == '>' ? e.from + 1 : e.from, sizeof(from));
			from[strcspn(from, ">")] = '\0';
			nr = split_rcpts(e.rcpts, rcpts, WEB_RCPTS_MAX);
			for (int i = 0; i < nr; i++)
				if (!addr_ok(rcpts[i]))
					nr = -1;
			if (nr <= 0 || !addr_ok(from))
				snprintf(msg, sizeof(msg), "not released: the copy's recipient list is incomplete or malformed");
			else {
				buf_init(&out, SPAMFOLDER_MAX_MESSAGE + WEB_HEAD_MAX);
				message_of(&all, e.body, spamfolder_is_xmail(sf), xm, &out);
				rc = xm ? release_xmail(r->o->mailroot, from, rcpts, nr, &out, err, sizeof(err))
				        : release_sendmail(r->o, from, rcpts, nr, &out, err, sizeof(err));
				buf_free(&out);
				if (rc < 0)
					snprintf(msg, sizeof(msg), "not released: %s", err);
				else if (unlinkat(dfd, id, 0) < 0)
					snprintf(msg, sizeof(msg), "released, but the copy could not be removed: %s", strerror(errno));
				else
					snprintf(msg, sizeof(msg), "Released to %d recipient%s%s.", nr, nr == 1 ? "" : "s",
					    xm ? " through XMail's spool/local" : " through sendmail");
			}
			buf_free(&all);
		}
		close(dfd);
		spamfolder_free(sf);
		config_free(c);
		if (rc == 0)
			spam_page(r, msg, NULL);
		else
			spam_page(r, NULL, msg);
		return;
	}
	spamfolder_free(sf);
	config_free(c);
	spam_page(r, NULL, msg);
}
