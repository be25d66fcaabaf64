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
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"
#include "milterproto.h"
#include "version.h"

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

/* The state one call carries from phase to phase. */
struct call {
	struct spool s;
	int fd;                     /* $(FILE), read-only; -1 until opened */
	struct mc_conn *c;          /* NULL until connected */
	struct replbody rb;         /* post-data: a REPLBODY, if any */
	char cip[64], lip[64], cport[8];
	unsigned cp, lp;
	const char *qid;            /* macro i: @@MSGREF, else line 3 */
	int local_fault;            /* MC_ERROR came from us, detail is set */
	char err[512];
};

/*
 * Phase 1: $(FILE) parsed, its recipients noted for the log. Returns 0 to
 * go on, or 1 when the call is already decided (r->exit_code set): a file
 * we cannot read gets the --on-error policy; one past the spool caps is
 * refused, because passing it unchecked is what a sender would want.
 */
static int
read_spool(struct run *r, struct call *k)
{
	const struct opts *o = &r->o;
	int rc;

	if ((k->fd = open(o->file, O_RDONLY | O_CLOEXEC)) < 0) {
		set_detail_sys(r, "%s", o->file);
		finish_error(r);
		return 1;
	}
	if ((rc = spool_parse_fd(k->fd, o->file, &k->s, k->err, sizeof(k->err))) < 0) {
		set_detail(r, "%s", k->err);
		if (rc == SPOOL_TOO_BIG) {
			set_detail(r, "refused: too big to hand to the milter");
			finish_reject(r, 0, "552 5.3.4 Message too big to be checked");
		} else
			finish_error(r);
		return 1;
	}
	for (size_t i = 0; i < k->s.nrcpts; i++) {
		if (i)
			buf_putc(&r->rcpts, ',');
		buf_puts(&r->rcpts, k->s.rcpts[i].addr);
	}
	if (o->stage == ST_POST_RCPT && o->rcpt[0]) {
		if (k->s.nrcpts)
			buf_putc(&r->rcpts, ',');
		buf_puts(&r->rcpts, o->rcpt);
	}
	if (k->s.discarded) {
		/* A milter discarded this message at post-rcpt already. */
		set_detail(r, "message already discarded at post-rcpt: milter not called");
		r->verdict = "discard";
		r->exit_code = EXIT_ACCEPT;
		return 1;
	}
	if (o->stage == ST_POST_DATA && !k->s.has_data) {
		set_detail(r, "%s: no <<MAIL-DATA>> at post-data", o->file);
		finish_error(r);
		return 1;
	}
	k->qid = o->msgref[0] ? o->msgref : k->s.msgid;
	return 0;
}

/* Phase 2: client and server addresses from the macros, else from line 1. */
static void
client_addresses(struct run *r, struct call *k)
{
	const struct opts *o = &r->o;
	const struct spool *s = &k->s;

	if (spool_split_addr(o->remote, strlen(o->remote), k->cip, sizeof(k->cip), &k->cp) < 0 &&
	    s->line1_ok) {
		strlcpy(k->cip, s->client_ip, sizeof(k->cip));
		k->cp = s->client_port;
	}
	if (spool_split_addr(o->local, strlen(o->local), k->lip, sizeof(k->lip), &k->lp) < 0 &&
	    s->line1_ok) {
		strlcpy(k->lip, s->server_ip, sizeof(k->lip));
		k->lp = s->server_port;
	}
	if (!s->line1_ok)
		set_detail(r, "%s: line 1 has fewer than 6 ';' fields: HELO unknown", o->file);
	snprintf(k->cport, sizeof(k->cport), "%u", k->cp);
}

/* Phase 3: connected and negotiated, the macros set. 0, or 1 (decided). */
static int
open_milter(struct run *r, struct call *k)
{
	const struct opts *o = &r->o;
	struct mc_options mo;
	const char *auth = (o->auth[0] && strcmp(o->auth, "-") != 0) ? o->auth : NULL;
	struct mc_macro conn[] = {
		{ "j", k->s.server_domain[0] ? k->s.server_domain : NULL },
		{ "{daemon_name}", o->daemon_name },
		{ "{client_addr}", k->cip[0] ? k->cip : NULL },
		{ "{client_port}", k->cip[0] ? k->cport : NULL },
		{ "{if_addr}", k->lip[0] ? k->lip : NULL },
	};
	struct mc_macro mail[] = {
		{ "i", k->qid }, { "{auth_authen}", auth }, { "{mail_addr}", k->s.mail_addr },
	};
	struct mc_macro later[] = { { "i", k->qid } };

	memset(&mo, 0, sizeof(mo));
	mo.io_timeout_ms = o->timeout_s * 1000;
	if (o->stage == ST_POST_DATA) {
		mo.replbody_cb = replbody_cb;
		mo.replbody_arg = &k->rb;
	}
	/* Every action is offered at every stage, as Postfix does: a milter that
	 * insists on one must not fail negotiation at post-rcpt or pre-data
	 * (modifications only come at end of message, which those never reach). */
	k->c = mc_open(o->milter, &mo, r->t0 + (int64_t)o->timeout_s * 1000, k->err,
	    sizeof(k->err));
	if (k->c == NULL) {
		set_detail(r, "%s", k->err);
		finish_error(r);
		return 1;
	}
	if (mc_set_macros(k->c, MC_ST_CONNECT, conn, 5) < 0 ||
	    mc_set_macros(k->c, MC_ST_MAIL, mail, 3) < 0 ||
	    mc_set_macros(k->c, MC_ST_DATA, later, 1) < 0 ||
	    mc_set_macros(k->c, MC_ST_EOH, later, 1) < 0 ||
	    mc_set_macros(k->c, MC_ST_EOM, later, 1) < 0) {
		set_detail(r, "out of memory for the macros");
		r->milter_wait_us = mc_wait_us(k->c);
		finish_error(r);
		return 1;
	}
	return 0;
}

/* A local fault during the conversation: detail set, the policy applies. */
static enum mc_verdict
local_fault(struct call *k)
{
	k->local_fault = 1;
	return MC_ERROR;
}

/*
 * Phase 4: CONNECT, HELO, MAIL and one RCPT per recipient (at post-rcpt
 * @@CRCPT last). MC_CONTINUE when all went through, else the verdict that
 * ends the message.
 */
static enum mc_verdict
send_envelope(struct run *r, struct call *k)
{
	const struct opts *o = &r->o;
	const struct spool *s = &k->s;
	struct mc_conn *c = k->c;
	const char *margv[SPOOL_MAX_MAIL_ARGS + 1];
	char hostname[80];
	size_t margc = 0;
	struct buf a;          /* "<address>", any length: the client cuts to fit */
	int oom;
	enum mc_verdict v;

	snprintf(hostname, sizeof(hostname), "[%s]", k->cip);
	if (k->cip[0])
		v = mc_connect_info(c, hostname, strchr(k->cip, ':') ? '6' : '4', (uint16_t)k->cp,
		    k->cip);
	else
		v = mc_connect_info(c, "unknown", 'U', 0, "");
	if (v != MC_CONTINUE)
		return v;
	v = mc_helo(c, s->line1_ok && s->helo[0] ? s->helo : hostname);
	if (v != MC_CONTINUE)
		return v;
	buf_init(&a, 0);
	buf_printf(&a, "<%s>", s->mail_addr);
	margv[margc++] = buf_cstr(&a);
	for (size_t i = 0; i < s->nmail_args; i++)
		margv[margc++] = s->mail_args[i];
	oom = a.failed;
	v = oom ? MC_CONTINUE : mc_mail(c, margv, margc);
	for (size_t i = 0; !oom && v == MC_CONTINUE && i <= s->nrcpts; i++) {
		const char *addr, *rav[1];

		if (i < s->nrcpts)
			addr = s->rcpts[i].addr;
		else if (o->stage == ST_POST_RCPT && o->rcpt[0])
			addr = o->rcpt;
		else
			break;
		struct mc_macro rm[] = { { "i", k->qid }, { "{rcpt_addr}", addr } };
		buf_reset(&a);
		buf_printf(&a, "<%s>", addr);
		if (a.failed || mc_set_macros(c, MC_ST_RCPT, rm, 2) < 0) {
			oom = 1;
			break;
		}
		rav[0] = buf_cstr(&a);
		v = mc_rcpt(c, rav, 1);
		if (o->stage == ST_POST_RCPT && i < s->nrcpts && (v == MC_REJECT || v == MC_TEMPFAIL)) {
			/* Already accepted by an earlier call: only this RCPT counts. */
			set_detail(r, "milter now refuses earlier recipient <%s>: ignored", addr);
			v = MC_CONTINUE;
		}
	}
	buf_free(&a);
	if (oom) {
		set_detail(r, "out of memory for the envelope");
		return local_fault(k);
	}
	return v;
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

/*
 * Phase 5, by stage: nothing at post-rcpt; DATA at pre-data; at post-data
 * DATA, every header, EOH, the un-stuffed body and EOM. Returns the verdict.
 */
static enum mc_verdict
send_content(struct run *r, struct call *k)
{
	const struct spool *s = &k->s;
	struct mc_conn *c = k->c;
	struct body_ctx bc = { c, MC_CONTINUE };
	enum mc_verdict v;

	if (r->o.stage == ST_POST_RCPT)
		return MC_CONTINUE;
	v = mc_data(c);
	if (v != MC_CONTINUE || r->o.stage == ST_PRE_DATA)
		return v;
	for (size_t i = 0; i < s->nhdrs; i++) {
		const char *val = s->hdrs[i].value;
		if (!(mc_protocol(c) & SMFIP_HDR_LEADSPC) && val[0] == ' ')
			val++;
		v = mc_header(c, s->hdrs[i].name, val);
		if (v != MC_CONTINUE)
			return v;
	}
	v = mc_eoh(c);
	if (v != MC_CONTINUE)
		return v;
	k->err[0] = '\0';
	if (spool_stream_body(k->fd, s, body_cb, &bc, k->err, sizeof(k->err)) < 0) {
		if (bc.v == MC_ERROR)
			return MC_ERROR;
		set_detail(r, "%s: %s", r->o.file, k->err);
		return local_fault(k);
	}
	if (bc.v != MC_CONTINUE && bc.v != MC_SKIP)
		return bc.v;
	return mc_eom(c);
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

/* Writes the edited spool over $(FILE): 0, or -1 with the policy applied. */
static int
rewrite_spool(struct run *r, struct call *k)
{
	if (spool_rewrite(r->o.file, k->fd, &k->s, k->rb.used ? k->rb.fd : -1, k->err,
	        sizeof(k->err)) == 0)
		return 0;
	set_detail(r, "%s", k->err);
	finish_error(r);
	return -1;
}

/* DISCARD: no recipient left; at post-rcpt, where XMail adds this and later
 * recipients after us, the marker line keeps them all from counting. */
static void
discard_message(struct run *r, struct call *k)
{
	if (r->o.stage == ST_POST_RCPT)
		spool_mark_discard(&k->s);
	else
		spool_discard(&k->s);
	if (rewrite_spool(r, k) < 0)
		return;
	r->verdict = "discard";
	r->exit_code = EXIT_ACCEPT;
}

/* ACCEPT / CONTINUE: the edits, a replacement body and QUARANTINE applied. */
static void
accept_message(struct run *r, struct call *k)
{
	int quarantine = 0, changed;
	char qreason[256] = "";

	changed = apply_mods(r, &k->s, k->c, &quarantine, qreason, sizeof(qreason));
	if (changed < 0) {
		finish_error(r);
		return;
	}
	if (k->rb.used) {
		if (replbody_finish(&k->rb) < 0) {
			set_detail_sys(r, "cannot store the replacement body");
			finish_error(r);
			return;
		}
		changed = 1;
	}
	if (k->s.sep_added) {
		set_detail(r, "the headers ended on a non-header line: an empty line added before it");
		changed = 1;
	}
	if (quarantine && quarantine_message(r, &k->s, k->fd, k->cip, qreason,
	        k->rb.used ? k->rb.fd : -1)) {
		changed = 1;
		r->verdict = "discard";
	}
	if (changed && rewrite_spool(r, k) < 0)
		return;
	if (r->verdict == NULL)
		r->verdict = "accept";
	r->exit_code = EXIT_ACCEPT;
}

/* Phase 6: the milter's verdict turned into what XMail understands. */
static void
apply_verdict(struct run *r, struct call *k, enum mc_verdict v)
{
	r->milter_wait_us = mc_wait_us(k->c);
	if (mc_cut_count(k->c) > 0)
		set_detail(r, "%u item(s) cut to fit the milter's %zu-byte packets",
		    mc_cut_count(k->c), mc_max_data(k->c));
	switch (v) {
	case MC_ERROR:
		if (!k->local_fault)
			set_detail(r, "%s", mc_error(k->c));
		finish_error(r);
		return;
	case MC_REJECT:
	case MC_TEMPFAIL:
		finish_reject(r, v == MC_TEMPFAIL, verdict_reply(k->c, v));
		return;
	case MC_DISCARD:
		discard_message(r, k);
		return;
	case MC_ACCEPT:
	case MC_CONTINUE:
	case MC_SKIP:
		accept_message(r, k);
		return;
	}
}

/* One call: read $(FILE), talk to the milter, apply its verdict. */
static int
run_bridge(struct run *r)
{
	struct call k;

	memset(&k, 0, sizeof(k));
	k.fd = -1;
	k.rb.fd = -1;
	k.rb.file = r->o.file;
	spool_stuffer_init(&k.rb.st);
	buf_init(&k.rb.tmp, 0);
	if (read_spool(r, &k) == 0) {
		client_addresses(r, &k);
		if (open_milter(r, &k) == 0) {
			enum mc_verdict v = send_envelope(r, &k);
			if (v == MC_CONTINUE)
				v = send_content(r, &k);
			apply_verdict(r, &k, v);
		}
	}
	mc_close(k.c);
	if (k.rb.fd >= 0)
		close(k.rb.fd);
	buf_free(&k.rb.tmp);
	spool_free(&k.s);
	if (k.fd >= 0)
		close(k.fd);
	return r->exit_code;
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
