/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web_settings.c - the Settings tab: every config key as a form field,
 * grouped and explained as in the man page; the whitelist as text; for
 * XMail, the filter stage.
 *
 * The page edits the file, not a rewrite of it: a key whose field changed
 * has its line replaced in place (in the file's own format, Key value or
 * XMail's "Key"<TAB>"value"), a key not yet in the file is appended, every
 * other line (comments included) stays as it was. The new text must pass
 * what `spfdkim-milter -n` runs (config_parse, the UserID lookup,
 * runtime_build) before it is written (web_write_atomic, with a .bak); then
 * the milter named by PidFile gets SIGHUP, and when its Log is a file the
 * page reports the milter's own answer ("reloaded configuration" or
 * "reload refused") within WEB_RELOAD_WAIT_MS.
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "netlist.h"
#include "runtime.h"
#include "web.h"

#define WEB_RELOAD_WAIT_MS 3000
#define WEB_CONF_KEYS      128

static const struct help {
	const char *group, *key, *text;
} help[] = {
#include "web_help.inc"
};
#define NHELP (sizeof(help) / sizeof(help[0]))
static const char *const groups[] = { "General", "DNS", "SPF", "DKIM", "Spam folder" };

/* The man page describes SPFFailAction and says "likewise" for the other
   results: those keys share its group and help. */
static const struct help *
help_for(const char *key)
{
	char base[64];

	for (size_t i = 0; i < NHELP; i++)
		if (strcasecmp(help[i].key, key) == 0)
			return &help[i];
	if (strncmp(key, "SPF", 3) == 0 || strncmp(key, "DKIM", 4) == 0) {
		const char *suffix = strlen(key) > 6 && strcmp(key + strlen(key) - 6, "Action") == 0 ? "Action"
		                   : strlen(key) > 5 && strcmp(key + strlen(key) - 5, "Reply") == 0 ? "Reply" : NULL;
		if (suffix != NULL) {
			snprintf(base, sizeof(base), "%sFail%s", key[0] == 'S' ? "SPF" : "DKIM", suffix);
			for (size_t i = 0; i < NHELP; i++)
				if (strcmp(help[i].key, base) == 0)
					return &help[i];
		}
	}
	return NULL;
}

/* --- the file as lines ----------------------------------------------------- */

struct cline {
	const char *start;
	size_t len;             /* without the newline */
	char key[64];           /* "" for comments and blank lines */
	char *value;            /* decoded */
	int tab;                /* XMail "Key"<TAB>"value" form */
};

struct cfile {
	struct buf text;
	struct cline *l;
	size_t n;
	int tab;                /* the file's format: first key line's */
};

static void
cfile_free(struct cfile *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->l[i].value);
	free(f->l);
	buf_free(&f->text);
	memset(f, 0, sizeof(*f));
}

/* Reads one quoted field at p ("..." with \" and \\); returns the end or NULL. */
static const char *
quoted(const char *p, const char *end, struct buf *out)
{
	if (p >= end || *p != '"')
		return NULL;
	for (p++; p < end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		buf_putc(out, *p);
	}
	return p < end ? p + 1 : NULL;
}

static void
parse_line(struct cline *c)
{
	const char *p = c->start, *end = c->start + c->len;
	struct buf v;

	c->key[0] = '\0';
	c->value = NULL;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || *p == '#')
		return;
	buf_init(&v, CONFIG_FILE_MAX);
	if (*p == '"') {
		struct buf k;
		buf_init(&k, sizeof(c->key) - 1);
		p = quoted(p, end, &k);
		if (p != NULL) {
			while (p < end && *p == '\t')
				p++;
			if (quoted(p, end, &v) != NULL && !k.failed) {
				strlcpy(c->key, buf_cstr(&k), sizeof(c->key));
				c->tab = 1;
			}
		}
		buf_free(&k);
	} else {
		size_t kl = strcspn(p, " \t\r\n");
		const char *vp = p + kl, *ve = end;
		if (kl < sizeof(c->key) && vp <= end) {
			memcpy(c->key, p, kl);
			c->key[kl] = '\0';
			while (vp < ve && (*vp == ' ' || *vp == '\t'))
				vp++;
			while (ve > vp && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
				ve--;
			if (ve - vp >= 2 && *vp == '"' && ve[-1] == '"') {
				vp++;
				ve--;
			}
			buf_append(&v, vp, (size_t)(ve - vp));
		}
	}
	if (c->key[0] != '\0')
		c->value = buf_take(&v);
	buf_free(&v);
}

static int
cfile_read(const char *path, struct cfile *f, char *err, size_t errlen)
{
	const char *p;
	int seen = 0;

	memset(f, 0, sizeof(*f));
	if (web_read_file(path, CONFIG_FILE_MAX, &f->text, err, errlen) < 0)
		return -1;
	for (p = buf_cstr(&f->text); *p != '\0';) {
		size_t n = strcspn(p, "\n");
		struct cline *nl = reallocarray(f->l, f->n + 1, sizeof(*f->l));
		if (nl == NULL) {
			snprintf(err, errlen, "out of memory");
			cfile_free(f);
			return -1;
		}
		f->l = nl;
		memset(&f->l[f->n], 0, sizeof(f->l[f->n]));
		f->l[f->n].start = p;
		f->l[f->n].len = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
		parse_line(&f->l[f->n]);
		if (f->l[f->n].key[0] != '\0' && !seen) {
			f->tab = f->l[f->n].tab;
			seen = 1;
		}
		f->n++;
		p += n + (p[n] == '\n');
	}
	return 0;
}

/* The value the file gives key (last one wins, as in the milter), or NULL. */
static const char *
cfile_get(const struct cfile *f, const char *key)
{
	const char *v = NULL;

	for (size_t i = 0; i < f->n; i++)
		if (strcasecmp(f->l[i].key, key) == 0)
			v = f->l[i].value;
	return v;
}

static void
put_line(struct buf *b, int tab, const char *key, const char *value)
{
	if (!tab) {
		buf_printf(b, "%s %s\n", key, value);
		return;
	}
	buf_printf(b, "\"%s\"\t\"", key);
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	buf_puts(b, "\"\n");
}

/* --- the keys and their current values --------------------------------------- */

struct kv {
	char key[64];
	char *value;            /* what the form shows */
};

struct keyset {
	struct kv k[WEB_CONF_KEYS];
	size_t n;
};

static void
collect(const char *line, void *arg)
{
	struct keyset *ks = arg;
	const char *sp;

	if (ks->n >= WEB_CONF_KEYS)
		return;
	if (line[0] == '#') {   /* "# Key (unset)" */
		size_t kl = strcspn(line + 2, " ");
		if (kl >= sizeof(ks->k[0].key))
			return;
		memcpy(ks->k[ks->n].key, line + 2, kl);
		ks->k[ks->n].key[kl] = '\0';
		ks->k[ks->n].value = strdup("");
	} else if ((sp = strchr(line, ' ')) != NULL && (size_t)(sp - line) < sizeof(ks->k[0].key)) {
		memcpy(ks->k[ks->n].key, line, (size_t)(sp - line));
		ks->k[ks->n].key[sp - line] = '\0';
		ks->k[ks->n].value = strdup(sp + 1);
	} else
		return;
	if (ks->k[ks->n].value != NULL)
		ks->n++;
}

static void
keyset_free(struct keyset *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		free(ks->k[i].value);
	ks->n = 0;
}

/* Every key with the value the form shows: the file's text when the file
   sets it (the reply as written, not as completed), else the default. */
static int
keyset_load(const struct web_opts *o, const struct cfile *f, struct keyset *ks, char *err, size_t errlen)
{
	struct config *d = config_new_default();

	(void)o;
	ks->n = 0;
	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	config_dump(d, collect, ks);
	config_free(d);
	for (size_t i = 0; i < ks->n; i++) {
		const char *fv = cfile_get(f, ks->k[i].key);
		if (fv != NULL) {
			char *c = strdup(fv);
			if (c != NULL) {
				free(ks->k[i].value);
				ks->k[i].value = c;
			}
		}
	}
	return 0;
}

struct config *
web_load_config(const struct web_opts *o, char *err, size_t errlen)
{
	return config_load(o->conf, err, errlen);
}

/* What `spfdkim-milter -n` checks, on text not yet written. */
static int
check_like_milter(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	struct config *c = config_parse(name, text, len, err, errlen);
	struct runtime *rt;

	if (c == NULL)
		return -1;
	if (c->user_id != NULL && getpwnam(c->user_id) == NULL) {
		snprintf(err, errlen, "%s: UserID: no such user \"%.64s\"", name, c->user_id);
		config_free(c);
		return -1;
	}
	if ((rt = runtime_build(c, NULL, err, errlen)) == NULL) {
		config_free(c);
		return -1;
	}
	runtime_release(rt);
	return 0;
}

/* --- reload ------------------------------------------------------------------ */

/* Sends SIGHUP to the milter and says what came of it in out. */
static void
reload_milter(const struct web_opts *o, char *out, size_t outlen)
{
	char err[512];
	struct config *c = web_load_config(o, err, sizeof(err));
	const char *pidfile;
	struct buf pb;
	long pid;
	char *end;
	int nopid;
	off_t before = -1;
	struct stat st;

	if (c == NULL) {
		snprintf(out, outlen, "not reloaded: %s", err);
		return;
	}
	pidfile = o->pidfile != NULL ? o->pidfile : c->pid_file;
	if (pidfile == NULL || pidfile[0] == '\0') {
		snprintf(out, outlen, "saved; no PidFile is set, so the running milter was not told (restart it)");
		config_free(c);
		return;
	}
	if (web_read_file(pidfile, 64, &pb, err, sizeof(err)) < 0) {
		snprintf(out, outlen, "saved; milter not reloaded: %s", err);
		config_free(c);
		return;
	}
	pid = strtol(buf_cstr(&pb), &end, 10);
	nopid = pid <= 1 || (*end != '\0' && *end != '\n');
	buf_free(&pb);
	if (nopid) {
		snprintf(out, outlen, "saved; milter not reloaded: %s holds no process id", pidfile);
		config_free(c);
		return;
	}
	if (c->log != NULL && c->log[0] == '/' && stat(c->log, &st) == 0)
		before = st.st_size;
	if (kill((pid_t)pid, SIGHUP) < 0) {
		snprintf(out, outlen, "saved; milter not reloaded: kill(%ld, SIGHUP): %s", pid, strerror(errno));
		config_free(c);
		return;
	}
	if (before < 0) {
		snprintf(out, outlen, "saved; SIGHUP sent to the milter (pid %ld); its log says whether it took the new settings", pid);
		config_free(c);
		return;
	}
	for (int waited = 0; waited < WEB_RELOAD_WAIT_MS; waited += 50) {
		struct buf lb;
		const char *tail, *ok, *bad;
		struct timespec ts = { 0, 50 * 1000000L };

		nanosleep(&ts, NULL);
		if (web_read_file(c->log, 64UL << 20, &lb, err, sizeof(err)) < 0)
			break;
		tail = (size_t)before <= lb.len ? buf_cstr(&lb) + before : buf_cstr(&lb);
		ok = strstr(tail, "reloaded configuration");
		bad = strstr(tail, "reload refused");
		if (bad != NULL) {
			size_t n = strcspn(bad, "\n");
			snprintf(out, outlen, "saved, but the milter (pid %ld) refused the reload: %.*s", pid,
			    (int)(n > 300 ? 300 : n), bad);
			buf_free(&lb);
			config_free(c);
			return;
		}
		if (ok != NULL) {
			snprintf(out, outlen, "saved; the milter (pid %ld) reloaded the configuration", pid);
			buf_free(&lb);
			config_free(c);
			return;
		}
		buf_free(&lb);
	}
	snprintf(out, outlen, "saved; SIGHUP sent to pid %ld but its log shows no reload yet", pid);
	config_free(c);
}

/* --- XMail stage ------------------------------------------------------------- */

#define BRIDGE_MARK "xmail-milter-bridge"

static const char *const stages[] = { "post-rcpt", "post-data" };

/* Which filters.STAGE.tab holds the bridge line: index into stages, or -1. */
static int
find_stage(const char *mailroot)
{
	for (int i = 0; i < 2; i++) {
		char path[4096];
		struct buf b;
		char err[256];
		snprintf(path, sizeof(path), "%s/filters.%s.tab", mailroot, stages[i]);
		if (web_read_file(path, CONFIG_FILE_MAX, &b, err, sizeof(err)) == 0) {
			int has = strstr(buf_cstr(&b), BRIDGE_MARK) != NULL;
			buf_free(&b);
			if (has)
				return i;
		}
	}
	return -1;
}

void
web_stage_post(struct web_req *r)
{
	const char *want = form_get(&r->form, "stage");
	char from[4096], to[4096], err[512];
	struct buf src, dst, keep, moved;
	int cur, target;

	if (r->o->mailroot == NULL) {
		web_settings_get(r, NULL, "no XMail MailRoot given (-x): there is no filter stage to switch");
		return;
	}
	target = want != NULL && strcmp(want, "post-rcpt") == 0 ? 0 : want != NULL && strcmp(want, "post-data") == 0 ? 1 : -1;
	if (target < 0) {
		web_settings_get(r, NULL, "stage must be post-rcpt or post-data");
		return;
	}
	if ((cur = find_stage(r->o->mailroot)) < 0) {
		web_settings_get(r, NULL, "no xmail-milter-bridge line in filters.post-rcpt.tab or filters.post-data.tab");
		return;
	}
	if (cur == target) {
		web_settings_get(r, "the bridge already runs at that stage", NULL);
		return;
	}
	snprintf(from, sizeof(from), "%s/filters.%s.tab", r->o->mailroot, stages[cur]);
	snprintf(to, sizeof(to), "%s/filters.%s.tab", r->o->mailroot, stages[target]);
	if (web_read_file(from, CONFIG_FILE_MAX, &src, err, sizeof(err)) < 0) {
		web_settings_get(r, NULL, err);
		return;
	}
	buf_init(&dst, CONFIG_FILE_MAX);
	if (access(to, F_OK) == 0) {
		buf_free(&dst);
		if (web_read_file(to, CONFIG_FILE_MAX, &dst, err, sizeof(err)) < 0) {
			buf_free(&src);
			web_settings_get(r, NULL, err);
			return;
		}
		if (dst.len > 0 && buf_cstr(&dst)[dst.len - 1] != '\n')
			buf_putc(&dst, '\n');
	}
	buf_init(&keep, CONFIG_FILE_MAX);
	buf_init(&moved, CONFIG_FILE_MAX);
	for (const char *p = buf_cstr(&src); *p != '\0';) {
		size_t n = strcspn(p, "\n");
		int nl = p[n] == '\n';
		char line[2048];
		if (n < sizeof(line) && memmem(p, n, BRIDGE_MARK, strlen(BRIDGE_MARK)) != NULL && p[0] != '#') {
			char old[32], new[32], *at;
			memcpy(line, p, n);
			line[n] = '\0';
			/* The line names its stage: "--stage"<TAB>"post-data". */
			snprintf(old, sizeof(old), "\"--stage\"\t\"%s\"", stages[cur]);
			snprintf(new, sizeof(new), "\"--stage\"\t\"%s\"", stages[target]);
			if ((at = strstr(line, old)) != NULL) {
				buf_append(&moved, line, (size_t)(at - line));
				buf_puts(&moved, new);
				buf_puts(&moved, at + strlen(old));
			} else
				buf_puts(&moved, line);
			buf_putc(&moved, '\n');
		} else {
			buf_append(&keep, p, n);
			if (nl)
				buf_putc(&keep, '\n');
		}
		p += n + nl;
	}
	buf_append(&dst, moved.data != NULL ? moved.data : "", moved.len);
	/* The new stage first: a moment with the filter twice is better than
	   a moment with none. */
	if (web_write_atomic(to, buf_cstr(&dst), dst.len, 1, err, sizeof(err)) < 0 ||
	    web_write_atomic(from, buf_cstr(&keep), keep.len, 1, err, sizeof(err)) < 0)
		web_settings_get(r, NULL, err);
	else {
		char ok[128];
		snprintf(ok, sizeof(ok), "the bridge now runs at the %s stage (filters.%s.tab)", stages[target], stages[target]);
		web_settings_get(r, ok, NULL);
	}
	buf_free(&src);
	buf_free(&dst);
	buf_free(&keep);
	buf_free(&moved);
}

/* --- the page ---------------------------------------------------------------- */

static void
field(struct web_req *r, const struct kv *k)
{
	static const char *const actions[] = { "accept", "reject", "save-reject", "quarantine" };
	static const char *const bools[] = { "yes", "no" };
	static const char *const levels[] = { "debug", "info", "warn", "error" };
	static const char *const idents[] = { "mailfrom", "header-from" };
	const struct help *h = help_for(k->key);
	const char *const *opts = NULL;
	size_t nopts = 0, kl = strlen(k->key);

	if (kl > 6 && strcmp(k->key + kl - 6, "Action") == 0)
		opts = actions, nopts = 4;
	else if (strcmp(k->key, "LogLevel") == 0)
		opts = levels, nopts = 4;
	else if (strcmp(k->key, "SPFIdentity") == 0)
		opts = idents, nopts = 2;
	else if (strcasecmp(k->value, "yes") == 0 || strcasecmp(k->value, "no") == 0)
		opts = bools, nopts = 2;
	web_printf(r, "<label><b>%s</b>", k->key);
	if (opts != NULL) {
		int found = 0;
		web_printf(r, "<select name=\"k_%s\" id=\"k_%s\">", k->key, k->key);
		for (size_t i = 0; i < nopts; i++) {
			int sel = strcasecmp(k->value, opts[i]) == 0;
			found |= sel;
			web_printf(r, "<option%s>%s</option>", sel ? " selected" : "", opts[i]);
		}
		if (!found) {   /* a spelling the milter also takes ("true", "1") */
			web_put(r, "<option selected>");
			web_esc(r, k->value);
			web_put(r, "</option>");
		}
		web_put(r, "</select>");
	} else {
		web_printf(r, "<input type=\"text\" name=\"k_%s\" id=\"k_%s\" value=\"", k->key, k->key);
		web_esc(r, k->value);
		web_put(r, "\">");
	}
	web_put(r, "</label>");
	if (h != NULL) {
		web_put(r, "<small>");
		web_esc(r, h->text);
		web_put(r, "</small>");
	}
}

void
web_settings_get(struct web_req *r, const char *notice_ok, const char *notice_err)
{
	struct cfile f;
	struct keyset ks;
	char err[512];
	const char *wl;

	web_begin(r, "Settings", "settings");
	if (notice_err != NULL) {
		r->status = r->status == 200 ? 422 : r->status;
		web_notice(r, "err", notice_err);
	}
	if (notice_ok != NULL)
		web_notice(r, "ok", notice_ok);
	if (cfile_read(r->o->conf, &f, err, sizeof(err)) < 0) {
		web_notice(r, "err", err);
		web_end(r);
		return;
	}
	if (keyset_load(r->o, &f, &ks, err, sizeof(err)) < 0) {
		web_notice(r, "err", err);
		cfile_free(&f);
		web_end(r);
		return;
	}
	web_put(r, "<p>File: <code>");
	web_esc(r, r->o->conf);
	web_printf(r, "</code> (%s format). Save checks the whole file as <code>spfdkim-milter -n</code> does, "
	              "keeps the previous file as <code>.bak</code> and reloads the milter.</p>",
	    f.tab ? "XMail tab" : "Key value");
	if (r->o->mailroot != NULL) {
		int st = find_stage(r->o->mailroot);
		web_put(r, "<form method=\"post\" action=\"/stage\"><fieldset><legend>XMail filter stage</legend>");
		web_csrf_field(r);
		web_printf(r, "<p id=\"stage\">The bridge runs at: <b>%s</b></p>", st < 0 ? "(not installed)" : stages[st]);
		web_put(r, "<label><b>Stage</b><select name=\"stage\" id=\"stage_sel\">");
		for (int i = 0; i < 2; i++)
			web_printf(r, "<option%s>%s</option>", i == st ? " selected" : "", stages[i]);
		web_put(r, "</select></label><small>post-rcpt judges at RCPT TO (mailfrom identity, no data "
		           "transferred); post-data sees the message (DKIM, header From).</small>"
		           "<button type=\"submit\" id=\"stage_save\">Move the bridge line</button></fieldset></form>");
	}
	web_put(r, "<form method=\"post\" action=\"/settings\">");
	web_csrf_field(r);
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		web_printf(r, "<fieldset><legend>%s</legend>", groups[g]);
		for (size_t i = 0; i < ks.n; i++) {
			const struct help *h = help_for(ks.k[i].key);
			if (strcmp(h != NULL ? h->group : "General", groups[g]) == 0)
				field(r, &ks.k[i]);
		}
		web_put(r, "</fieldset>");
	}
	web_put(r, "<button type=\"submit\" id=\"save\">Save and reload</button></form>");

	wl = cfile_get(&f, "Whitelist");
	web_put(r, "<form method=\"post\" action=\"/whitelist\"><fieldset><legend>Whitelist</legend>");
	web_csrf_field(r);
	if (wl == NULL || wl[0] == '\0')
		web_put(r, "<p>No Whitelist file is set: set the Whitelist key above first.</p>");
	else {
		struct buf b;
		web_put(r, "<p>File <code>");
		web_esc(r, wl);
		web_put(r, "</code>: one client per line: <code>192.0.2.1</code>, <code>192.0.2.1-192.0.2.9</code>, "
		           "<code>192.0.2.0/255.255.255.0</code>, <code>192.0.2.0/24</code>, <code>2001:db8::/32</code>; "
		           "text after a space is a comment.</p><textarea name=\"whitelist\" id=\"whitelist\" rows=\"12\" cols=\"70\">");
		if (web_read_file(wl, CONFIG_FILE_MAX, &b, err, sizeof(err)) == 0) {
			web_esc(r, buf_cstr(&b));
			buf_free(&b);
		}
		web_put(r, "</textarea><br><button type=\"submit\" id=\"wl_save\">Check, save and reload</button>");
	}
	web_put(r, "</fieldset></form>");
	keyset_free(&ks);
	cfile_free(&f);
	web_end(r);
}

void
web_settings_post(struct web_req *r)
{
	struct cfile f;
	struct keyset ks;
	struct buf out;
	char err[1024], msg[1200];
	int *done;

	if (cfile_read(r->o->conf, &f, err, sizeof(err)) < 0) {
		web_settings_get(r, NULL, err);
		return;
	}
	if (keyset_load(r->o, &f, &ks, err, sizeof(err)) < 0) {
		cfile_free(&f);
		web_settings_get(r, NULL, err);
		return;
	}
	if ((done = calloc(ks.n + 1, sizeof(int))) == NULL) {
		keyset_free(&ks);
		cfile_free(&f);
		web_settings_get(r, NULL, "out of memory");
		return;
	}
	buf_init(&out, CONFIG_FILE_MAX);
	/* Values are one line each: a CR or LF would smuggle in another key. */
	for (size_t i = 0; i < ks.n; i++) {
		char name[80];
		const char *v;
		snprintf(name, sizeof(name), "k_%s", ks.k[i].key);
		v = form_get(&r->form, name);
		if (v != NULL && strpbrk(v, "\r\n") != NULL) {
			snprintf(err, sizeof(err), "%s: the value must be one line", ks.k[i].key);
			goto refuse;
		}
	}
	for (size_t li = 0; li < f.n; li++) {
		const struct cline *c = &f.l[li];
		size_t i;
		for (i = 0; c->key[0] != '\0' && i < ks.n; i++)
			if (strcasecmp(ks.k[i].key, c->key) == 0)
				break;
		if (c->key[0] != '\0' && i < ks.n) {
			char name[80];
			const char *v;
			snprintf(name, sizeof(name), "k_%s", ks.k[i].key);
			v = form_get(&r->form, name);
			if (v != NULL && strcmp(v, ks.k[i].value) != 0) {
				if (!done[i])
					put_line(&out, c->tab, c->key, v);
				done[i] = 1;
				continue;   /* a repeated key: the one replacement is enough */
			}
		}
		buf_append(&out, c->start, c->len);
		buf_putc(&out, '\n');
	}
	for (size_t i = 0; i < ks.n; i++) {
		char name[80];
		const char *v;
		snprintf(name, sizeof(name), "k_%s", ks.k[i].key);
		v = form_get(&r->form, name);
		if (!done[i] && v != NULL && strcmp(v, ks.k[i].value) != 0 && cfile_get(&f, ks.k[i].key) == NULL)
			put_line(&out, f.tab, ks.k[i].key, v);
	}
	if (out.failed) {
		snprintf(err, sizeof(err), "the new configuration is larger than %d bytes", CONFIG_FILE_MAX);
		goto refuse;
	}
	if (check_like_milter(r->o->conf, buf_cstr(&out), out.len, err, sizeof(err)) < 0 ||
	    web_write_atomic(r->o->conf, buf_cstr(&out), out.len, 1, err, sizeof(err)) < 0)
		goto refuse;
	free(done);
	buf_free(&out);
	keyset_free(&ks);
	cfile_free(&f);
	reload_milter(r->o, msg, sizeof(msg));
	web_settings_get(r, msg, NULL);
	return;
refuse:
	free(done);
	buf_free(&out);
	keyset_free(&ks);
	cfile_free(&f);
	snprintf(msg, sizeof(msg), "not saved, the file is unchanged: %s", err);
	web_settings_get(r, NULL, msg);
}

void
web_whitelist_post(struct web_req *r)
{
	const char *text = form_get(&r->form, "whitelist");
	struct cfile f;
	char err[1024], msg[1400];
	const char *wl;
	struct buf norm;
	unsigned long lineno = 0;

	if (text == NULL) {
		web_settings_get(r, NULL, "no whitelist text in the form");
		return;
	}
	if (cfile_read(r->o->conf, &f, err, sizeof(err)) < 0) {
		web_settings_get(r, NULL, err);
		return;
	}
	wl = cfile_get(&f, "Whitelist");
	if (wl == NULL || wl[0] == '\0') {
		cfile_free(&f);
		web_settings_get(r, NULL, "no Whitelist file is set");
		return;
	}
	/* Line by line with the milter's parser; browsers send CRLF. */
	buf_init(&norm, CONFIG_FILE_MAX);
	for (const char *p = text; *p != '\0';) {
		size_t n = strcspn(p, "\r\n");
		char line[NETLIST_LINE_MAX + 1];
		struct netrange nr;

		lineno++;
		if (n > NETLIST_LINE_MAX) {
			snprintf(msg, sizeof(msg), "whitelist not saved, the file is unchanged: line %lu: longer than %d bytes",
			    lineno, NETLIST_LINE_MAX);
			goto refuse;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (netlist_parse_line(line, &nr, err, sizeof(err)) < 0) {
			snprintf(msg, sizeof(msg), "whitelist not saved, the file is unchanged: line %lu \"%.100s\": %s",
			    lineno, line, err);
			goto refuse;
		}
		buf_append(&norm, line, n);
		buf_putc(&norm, '\n');
		p += n;
		if (*p == '\r')
			p++;
		if (*p == '\n')
			p++;
	}
	if (norm.failed) {
		snprintf(msg, sizeof(msg), "whitelist not saved: larger than %d bytes", CONFIG_FILE_MAX);
		goto refuse;
	}
	if (web_write_atomic(wl, buf_cstr(&norm), norm.len, 1, err, sizeof(err)) < 0) {
		snprintf(msg, sizeof(msg), "whitelist not saved: %s", err);
		goto refuse;
	}
	buf_free(&norm);
	cfile_free(&f);
	reload_milter(r->o, msg, sizeof(msg));
	web_settings_get(r, msg, NULL);
	return;
refuse:
	buf_free(&norm);
	cfile_free(&f);
	web_settings_get(r, NULL, msg);
}
