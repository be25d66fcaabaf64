/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web.h - spfdkim-web, the admin's page: settings, spam log, spam folder and
 * report of one spfdkim-milter, in plain HTML forms (no JavaScript).
 *
 * web_http.c runs libmicrohttpd with one internal polling thread, so every
 * request is handled in turn on that thread: the session table and the
 * login-failure record need no lock, and a page that writes a file is never
 * interleaved with another. Each tab is one file: web_settings.c,
 * web_spamlog.c, web_spam.c, web_report.c; they build the page body into
 * r->page with the helpers below and never see the socket.
 *
 * Security: every value from a request is escaped on output (web_esc); a
 * value that names a file goes through web_safe_name (web_form.h) and is
 * looked up only inside the configured folder; every POST carries the
 * session's CSRF token (checked before any handler runs).
 */
#ifndef SPFDKIM_WEB_H
#define SPFDKIM_WEB_H

#include <stddef.h>

#include "buf.h"
#include "web_form.h"

#define WEB_PAGE_MAX (64U << 20)   /* bytes of one generated page */

struct web_opts {
	const char *conf;        /* the milter's config file (Key value or XMail tab) */
	const char *passwd;      /* the password file (spfdkim-web passwd) */
	const char *listen;      /* IPv4/IPv6 address, default 127.0.0.1 */
	unsigned port;           /* default 8895 */
	const char *user;        /* the user to run as when started as root */
	const char *sendmail;    /* release command for Postfix/Sendmail ("" none) */
	const char *mailroot;    /* XMail MailRoot (stage switch, spool/local release) or NULL */
	const char *pidfile;     /* overrides the config's PidFile */
	int release_xmail;       /* release through MailRoot/spool/local, else sendmail */
};

struct web_req {
	const struct web_opts *o;
	void *conn;              /* struct MHD_Connection * (web_http.c only) */
	const char *method, *path;
	struct form form;        /* the POST body, decoded */
	const char *csrf;        /* this session's token, for forms */
	struct buf page;         /* the body being built */
	int status;              /* HTTP status, 200 unless set */
	const char *ctype;       /* default text/html; charset=utf-8 */
	char location[512];      /* 303 target when set */
};

/* A GET (query) argument, or NULL. */
const char *web_arg(struct web_req *r, const char *name);
/* Appends text as is / printf / escaped for HTML text and attribute values. */
void web_put(struct web_req *r, const char *s);
void web_printf(struct web_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void web_esc(struct web_req *r, const char *s);
void web_escn(struct web_req *r, const char *s, size_t n);
/* Page frame with the tab bar; tab is "settings", "spamlog", "spam", "report". */
void web_begin(struct web_req *r, const char *title, const char *tab);
void web_end(struct web_req *r);
/* The hidden CSRF field every form must carry. */
void web_csrf_field(struct web_req *r);
/* Redirect (303) to path after a POST. */
void web_redirect(struct web_req *r, const char *path);
/* A notice box: kind "ok" or "err". */
void web_notice(struct web_req *r, const char *kind, const char *text);

/* The tabs. */
void web_settings_get(struct web_req *r, const char *notice_ok, const char *notice_err);
void web_settings_post(struct web_req *r);
void web_whitelist_post(struct web_req *r);
void web_stage_post(struct web_req *r);
void web_spamlog_get(struct web_req *r);
void web_spam_get(struct web_req *r);
void web_spam_view(struct web_req *r);
void web_spam_post(struct web_req *r);
void web_report_get(struct web_req *r);

/* Shared by the tabs (web_settings.c): the config as the milter would load
   it now; NULL with the reason in err. The caller frees it (config_free). */
struct config *web_load_config(const struct web_opts *o, char *err, size_t errlen);

/* Serving (web_http.c): runs until SIGTERM/SIGINT. 0, or -1 with err. */
int web_serve(const struct web_opts *o, char *err, size_t errlen);

/* Password file (web_auth.c). */
int web_passwd_set(const char *file, const char *user, const char *password, char *err, size_t errlen);
/* 1 user and password match, 0 not, -1 file unreadable (err). */
int web_passwd_check(const char *file, const char *user, const char *password, char *err, size_t errlen);

/* Files (web_files.c): reads a whole file (cap max) into b; writes path
   atomically (tmp in the same dir, fsync, rename), keeping the previous
   version as path.bak when backup is set. 0, or -1 with err. */
int web_read_file(const char *path, size_t max, struct buf *b, char *err, size_t errlen);
int web_write_atomic(const char *path, const char *data, size_t len, int backup, char *err, size_t errlen);

#endif
