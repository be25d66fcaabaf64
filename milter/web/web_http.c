/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web_http.c - the HTTP side of spfdkim-web: libmicrohttpd, sessions, login,
 * CSRF, the page frame, and the routes to the tabs (see web.h).
 *
 * Sessions: WEB_SESSIONS slots of a random 128-bit id (cookie "sid",
 * HttpOnly; SameSite=Strict; Path=/) and a random CSRF token; a visit to
 * /login makes an anonymous one so that the login form carries a token too.
 * A session ends WEB_SESSION_IDLE seconds after its last request; the id is
 * replaced at login. Login failures: after WEB_LOGIN_FAILS failures within
 * WEB_LOGIN_WINDOW seconds every login is answered 429 until the oldest
 * ages out (one record for all clients: behind an SSH tunnel they are all
 * 127.0.0.1 anyway).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "web.h"

#define WEB_SESSIONS      64
#define WEB_SESSION_IDLE  3600
#define WEB_LOGIN_FAILS   5
#define WEB_LOGIN_WINDOW  60

struct session {
	char id[33], csrf[33], user[65];
	int authed;
	time_t last;
};

static struct session sessions[WEB_SESSIONS];
static time_t login_fails[WEB_LOGIN_FAILS];   /* ring of failure times */
static size_t login_fail_next;

static int
random_hex(char out[33])
{
	unsigned char r[16];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return 0;
}

static struct session *
session_find(const char *cookie_hdr)
{
	char id[40];
	time_t now = time(NULL);

	if (cookie_get(cookie_hdr, "sid", id, sizeof(id)) < 0 || strlen(id) != 32)
		return NULL;
	for (int i = 0; i < WEB_SESSIONS; i++)
		if (sessions[i].id[0] != '\0' && web_ct_equal(sessions[i].id, id, 32)) {
			if (now - sessions[i].last > WEB_SESSION_IDLE) {
				memset(&sessions[i], 0, sizeof(sessions[i]));
				return NULL;
			}
			sessions[i].last = now;
			return &sessions[i];
		}
	return NULL;
}

/* A fresh slot (the least recently used one when all are taken). */
static struct session *
session_new(void)
{
	struct session *s = &sessions[0];

	for (int i = 0; i < WEB_SESSIONS; i++) {
		if (sessions[i].id[0] == '\0') {
			s = &sessions[i];
			break;
		}
		if (sessions[i].last < s->last)
			s = &sessions[i];
	}
	memset(s, 0, sizeof(*s));
	if (random_hex(s->id) < 0 || random_hex(s->csrf) < 0) {
		memset(s, 0, sizeof(*s));
		return NULL;
	}
	s->last = time(NULL);
	return s;
}

static int
login_blocked(time_t now)
{
	size_t oldest = login_fail_next % WEB_LOGIN_FAILS;

	return login_fails[oldest] != 0 && now - login_fails[oldest] < WEB_LOGIN_WINDOW;
}

/* --- page building ------------------------------------------------------- */

const char *
web_arg(struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

void
web_put(struct web_req *r, const char *s)
{
	buf_puts(&r->page, s);
}

void
web_printf(struct web_req *r, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_append(&r->page, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void
web_escn(struct web_req *r, const char *s, size_t n)
{
	for (size_t i = 0; s != NULL && i < n && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&': buf_puts(&r->page, "&amp;"); break;
		case '<': buf_puts(&r->page, "&lt;"); break;
		case '>': buf_puts(&r->page, "&gt;"); break;
		case '"': buf_puts(&r->page, "&quot;"); break;
		case '\'': buf_puts(&r->page, "&#39;"); break;
		case '\r': break;   /* CRLF text shows as lines */
		default:
			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
				buf_putc(&r->page, '?');
			else
				buf_putc(&r->page, c);
		}
	}
}

void
web_esc(struct web_req *r, const char *s)
{
	web_escn(r, s, s != NULL ? strlen(s) : 0);
}

static const char css[] =
    "body{font:14px sans-serif;margin:0;background:#f6f7f9;color:#222}"
    "nav{background:#234;padding:0 1em}nav a{color:#cde;display:inline-block;padding:.8em 1em;text-decoration:none}"
    "nav a.on{background:#f6f7f9;color:#123;font-weight:bold}nav form{display:inline;float:right;margin:.5em}"
    "main{padding:1em 2em}fieldset{background:#fff;border:1px solid #ccd;margin:0 0 1em;padding:.5em 1em}"
    "legend{font-weight:bold}label{display:block;margin:.4em 0}label b{display:inline-block;min-width:14em}"
    "small{color:#666;display:block;margin-left:14.3em}label input[type=text],label input[type=password],label select{min-width:24em}"
    "table{border-collapse:collapse;background:#fff}td,th{border:1px solid #ccd;padding:.2em .5em;text-align:left;vertical-align:top}"
    ".ok{background:#dfd;border:1px solid #6a6;padding:.5em}.err{background:#fdd;border:1px solid #a66;padding:.5em}"
    "pre{background:#fff;border:1px solid #ccd;padding:.5em;white-space:pre-wrap;word-break:break-all}";

void
web_begin(struct web_req *r, const char *title, const char *tab)
{
	static const char *const tabs[][2] = {
		{ "settings", "Settings" }, { "spamlog", "Spam log" }, { "spam", "Spam folder" }, { "report", "Report" },
	};

	web_put(r, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>");
	web_esc(r, title);
	web_printf(r, " - spfdkim-milter</title><style>%s</style></head><body><nav>", css);
	for (size_t i = 0; tab != NULL && i < sizeof(tabs) / sizeof(tabs[0]); i++)
		web_printf(r, "<a href=\"/%s\"%s>%s</a>", tabs[i][0], strcmp(tab, tabs[i][0]) == 0 ? " class=\"on\"" : "",
		    tabs[i][1]);
	if (tab != NULL) {
		web_put(r, "<form method=\"post\" action=\"/logout\">");
		web_csrf_field(r);
		web_put(r, "<button type=\"submit\">Log out</button></form>");
	}
	web_put(r, "</nav><main><h1>");
	web_esc(r, title);
	web_put(r, "</h1>");
}

void
web_end(struct web_req *r)
{
	web_put(r, "</main></body></html>\n");
}

void
web_csrf_field(struct web_req *r)
{
	web_printf(r, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->csrf != NULL ? r->csrf : "");
}

void
web_redirect(struct web_req *r, const char *path)
{
	r->status = 303;
	strlcpy(r->location, path, sizeof(r->location));
}

void
web_notice(struct web_req *r, const char *kind, const char *text)
{
	web_printf(r, "<p class=\"%s\" id=\"notice\">", kind);
	web_esc(r, text);
	web_put(r, "</p>");
}

/* --- login --------------------------------------------------------------- */

static void
login_page(struct web_req *r, const char *msg)
{
	web_begin(r, "Log in", NULL);
	if (msg != NULL)
		web_notice(r, "err", msg);
	web_put(r, "<form method=\"post\" action=\"/login\"><fieldset>"
	           "<label><b>User</b><input type=\"text\" name=\"user\" id=\"user\" autocomplete=\"username\"></label>"
	           "<label><b>Password</b><input type=\"password\" name=\"password\" id=\"password\" "
	           "autocomplete=\"current-password\"></label>");
	web_csrf_field(r);
	web_put(r, "<button type=\"submit\" id=\"login\">Log in</button></fieldset></form>");
	web_end(r);
}

/* --- libmicrohttpd glue --------------------------------------------------- */

struct conn_state {
	struct buf body;
	int too_big;
};

static enum MHD_Result
send_page(struct MHD_Connection *c, struct web_req *r, const char *cookie)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	const char *ct = r->ctype != NULL ? r->ctype : "text/html; charset=utf-8";

	if (r->page.failed) {
		buf_reset(&r->page);
		r->page.failed = 0;
		buf_puts(&r->page, "page too large\n");
		r->status = 500;
		ct = "text/plain; charset=utf-8";
	}
	resp = MHD_create_response_from_buffer(r->page.len, r->page.data != NULL ? r->page.data : (void *)"",
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", ct);
	/* Nothing loads from elsewhere, nothing runs: no script at all. */
	MHD_add_response_header(resp, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->location[0] != '\0')
		MHD_add_response_header(resp, "Location", r->location);
	if (cookie != NULL)
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
plain(struct web_req *r, int status, const char *text)
{
	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	buf_reset(&r->page);
	buf_puts(&r->page, text);
}

static void
route(struct web_req *r, struct session **sp, char *cookie, size_t cookielen)
{
	struct session *s = *sp;
	int post = strcmp(r->method, "POST") == 0;

	if (!post && strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		plain(r, 405, "method not allowed\n");
		return;
	}
	/* Every POST carries this session's token, login included. */
	if (post) {
		const char *t = form_get(&r->form, "csrf");
		if (s == NULL || t == NULL || strlen(t) != 32 || !web_ct_equal(t, s->csrf, 32)) {
			plain(r, 403, "403 forbidden: missing or wrong CSRF token\n");
			return;
		}
	}
	if (strcmp(r->path, "/login") == 0) {
		if (!post) {
			if (s == NULL && (s = *sp = session_new()) != NULL)
				snprintf(cookie, cookielen, "sid=%s; HttpOnly; SameSite=Strict; Path=/", s->id);
			r->csrf = s != NULL ? s->csrf : "";
			login_page(r, NULL);
			return;
		}
		{
			const char *u = form_get(&r->form, "user"), *p = form_get(&r->form, "password");
			char err[512];
			time_t now = time(NULL);
			int ok;

			r->csrf = s->csrf;
			if (login_blocked(now)) {
				r->status = 429;
				login_page(r, "Too many failed logins: wait a minute.");
				return;
			}
			ok = u != NULL && p != NULL ? web_passwd_check(r->o->passwd, u, p, err, sizeof(err)) : 0;
			if (ok != 1) {
				login_fails[login_fail_next++ % WEB_LOGIN_FAILS] = now;
				r->status = 403;
				login_page(r, ok < 0 ? "Login failed: the password file cannot be read." : "Wrong user or password.");
				return;
			}
			/* A new id at login: a planted cookie gains nothing. */
			if ((s = *sp = session_new()) == NULL) {
				plain(r, 500, "no randomness\n");
				return;
			}
			s->authed = 1;
			strlcpy(s->user, u, sizeof(s->user));
			snprintf(cookie, cookielen, "sid=%s; HttpOnly; SameSite=Strict; Path=/", s->id);
			web_redirect(r, "/settings");
			return;
		}
	}
	if (s == NULL || !s->authed) {
		web_redirect(r, "/login");
		return;
	}
	r->csrf = s->csrf;
	if (post && strcmp(r->path, "/logout") == 0) {
		memset(s, 0, sizeof(*s));
		snprintf(cookie, cookielen, "sid=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
		web_redirect(r, "/login");
	} else if (strcmp(r->path, "/") == 0 && !post)
		web_redirect(r, "/settings");
	else if (strcmp(r->path, "/settings") == 0)
		post ? web_settings_post(r) : web_settings_get(r, NULL, NULL);
	else if (strcmp(r->path, "/whitelist") == 0 && post)
		web_whitelist_post(r);
	else if (strcmp(r->path, "/stage") == 0 && post)
		web_stage_post(r);
	else if (strcmp(r->path, "/spamlog") == 0 && !post)
		web_spamlog_get(r);
	else if (strcmp(r->path, "/spam") == 0)
		post ? web_spam_post(r) : web_spam_get(r);
	else if (strcmp(r->path, "/spam/view") == 0 && !post)
		web_spam_view(r);
	else if (strcmp(r->path, "/report") == 0 && !post)
		web_report_get(r);
	else
		plain(r, 404, "not found\n");
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
        const char *upload_data, size_t *upload_size, void **con_cls)
{
	const struct web_opts *o = cls;
	struct conn_state *cs = *con_cls;
	struct web_req r;
	struct session *s;
	char cookie[160] = "", err[256];
	enum MHD_Result ret;

	(void)version;
	if (cs == NULL) {
		if ((cs = calloc(1, sizeof(*cs))) == NULL)
			return MHD_NO;
		buf_init(&cs->body, WEB_FORM_MAX);
		*con_cls = cs;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (buf_append(&cs->body, upload_data, *upload_size) < 0)
			cs->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.conn = c;
	r.method = method;
	r.path = url;
	r.status = 200;
	buf_init(&r.page, WEB_PAGE_MAX);
	s = session_find(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie"));
	if (cs->too_big)
		plain(&r, 413, "request body too large\n");
	else if (strcmp(method, "POST") == 0 && form_parse(buf_cstr(&cs->body), cs->body.len, &r.form, err, sizeof(err)) < 0) {
		plain(&r, 400, "bad form data: ");
		buf_puts(&r.page, err);
	} else
		route(&r, &s, cookie, sizeof(cookie));
	ret = send_page(c, &r, cookie[0] != '\0' ? cookie : NULL);
	form_free(&r.form);
	buf_free(&r.page);
	return ret;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cs != NULL) {
		buf_free(&cs->body);
		free(cs);
		*con_cls = NULL;
	}
}

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int
web_serve(const struct web_opts *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	sigset_t set, old;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, o->listen, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)o->port);
	} else if (inet_pton(AF_INET6, o->listen, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)o->port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "-l \"%.80s\" is not an IPv4 or IPv6 address", o->listen);
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	/* The polling thread must not take SIGTERM; this thread waits for it. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, handler, (void *)o,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (d == NULL) {
		snprintf(err, errlen, "cannot listen on %s port %u", o->listen, o->port);
		return -1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fprintf(stderr, "spfdkim-web: listening on http://%s%s%s:%u/\n", strchr(o->listen, ':') ? "[" : "",
	    o->listen, strchr(o->listen, ':') ? "]" : "", o->port);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	return 0;
}
