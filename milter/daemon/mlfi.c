/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mlfi.c - the libmilter callbacks up to the end of the header, and the
 * session helpers (SPF check, decision line, spam log, replies).
 *
 * Protocol economy: negotiate asks the MTA to skip every step we do not use
 * (unknown commands, DATA, end-of-header, the body when nothing needs it)
 * and not to wait for our reply where we never act (connect, HELO, RCPT,
 * headers, body chunks, and MAIL when no MAIL-time reject is configured).
 * The SPF check for the mailfrom identity runs once, at MAIL, and its result
 * is kept for the end of the message.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netdb.h>
#include <sys/socket.h>
#include <time.h>

#include "authres.h"
#include "decision.h"
#include "log.h"
#include "metrics.h"
#include "mlfi.h"
#include "netlist.h"
#include "policy.h"
#include "sockspec.h"

#define SESSION(ctx) ((struct session *)smfi_getpriv(ctx))

static const char *const skip_names[] = { "-", "auth", "whitelist", "loopback", "lan" };

/* Copies s into out, replacing control bytes, truncating at the cap. */
static void
copy_clean(char *out, size_t outlen, const char *s)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0' && n + 1 < outlen; s++)
		out[n++] = ((unsigned char)*s < ' ' || *s == 0x7f) ? '?' : *s;
	out[n] = '\0';
}

void
mlfi_txn_reset(struct session *s)
{
	struct txn *t = &s->t;

	for (size_t i = 0; i < t->nrcpts; i++)
		free(t->rcpts[i]);
	free(t->ar_forged);
	if (t->dkim != NULL)
		dkim_msg_free(t->dkim);
	msgcopy_close(&t->copy);
	memset(t, 0, sizeof(*t));
	msgcopy_init(&t->copy);
}

/*
 * XXX libmilter: there is no API for the MTA's socket, which we want for
 * TCP_NODELAY and TCP_QUICKACK. libmilter keeps it in the second field of
 * its opaque context (struct smfi_str: sthread_t ctx_id, socket_t ctx_sd,
 * ...; Sendmail 8.12 to 8.18), so we read it there, and trust what we read
 * only when it is a connected TCP socket whose local address is the one we
 * listen on (getsockname() against the Socket spec): a libmilter with
 * another layout gives some other number, and then the session does
 * without (as over a unix socket, which has no Nagle delays anyway). The
 * first session logs whether this fast path is on.
 */
struct smfi_ctx_head {
	pthread_t id;
	int sd;
};

#define LISTEN_ADDRS_MAX 8

/* The listen address, set once by mlfi_listen_set() before libmilter starts. */
static struct {
	int tcp;                  /* an inet/inet6 Socket */
	int any;                  /* no host, or a wildcard: any local address */
	unsigned port;
	size_t naddrs;
	uint8_t addr[LISTEN_ADDRS_MAX][16];   /* IPv4 as v4-mapped IPv6 */
	char spec[128];
} listen_on;
static int fastpath_logged;

void
mlfi_listen_set(const char *spec)
{
	struct sockspec ss;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL, *ai;
	char why[256];

	strlcpy(listen_on.spec, spec, sizeof(listen_on.spec));
	if (sockspec_parse(spec, &ss, why, sizeof(why)) < 0 || ss.kind == SOCKSPEC_UNIX) {
		log_info("TCP fast path off: %s is not a TCP socket", spec);
		fastpath_logged = 1;
		return;
	}
	listen_on.tcp = 1;
	listen_on.port = ss.port;
	if (ss.host[0] == '\0' || strcmp(ss.host, "0.0.0.0") == 0 || strcmp(ss.host, "::") == 0 ||
	    strcmp(ss.host, "INADDR_ANY") == 0) {
		listen_on.any = 1;
		return;
	}
	hints.ai_family = ss.kind == SOCKSPEC_INET6 ? AF_INET6 : AF_INET;
	if (getaddrinfo(ss.host, NULL, &hints, &res) != 0)
		return;   /* no address: no session will match, the fast path stays off */
	for (ai = res; ai != NULL && listen_on.naddrs < LISTEN_ADDRS_MAX; ai = ai->ai_next)
		if (netlist_addr_from_sockaddr(ai->ai_addr, listen_on.addr[listen_on.naddrs]) == 0)
			listen_on.naddrs++;
	freeaddrinfo(res);
}

/* Is fd a connected TCP socket whose local address is our listen address? */
static int
is_our_tcp_peer(int fd, char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int type = 0;
	socklen_t tl = sizeof(type);
	uint8_t a[16];
	unsigned port;

	if (!listen_on.tcp) {
		snprintf(why, whylen, "not a TCP listener");
		return 0;
	}
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_STREAM ||
	    getpeername(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
		snprintf(why, whylen, "fd %d in libmilter's context is not a TCP connection", fd);
		return 0;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    netlist_addr_from_sockaddr((struct sockaddr *)&ss, a) < 0) {
		snprintf(why, whylen, "fd %d has no local address", fd);
		return 0;
	}
	port = ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
	    : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (port == listen_on.port) {
		if (listen_on.any)
			return 1;
		for (size_t i = 0; i < listen_on.naddrs; i++)
			if (memcmp(listen_on.addr[i], a, sizeof(a)) == 0)
				return 1;
	}
	snprintf(why, whylen, "fd %d is not a connection to %s", fd, listen_on.spec);
	return 0;
}

static int
ctx_socket(SMFICTX *ctx)
{
	const struct smfi_ctx_head *h = (const void *)ctx;
	char why[256];
	int one = 1, ok = is_our_tcp_peer(h->sd, why, sizeof(why));

	if (!__atomic_exchange_n(&fastpath_logged, 1, __ATOMIC_ACQ_REL)) {
		if (ok)
			log_info("TCP fast path on: the MTA's connection is fd %d, on %s", h->sd, listen_on.spec);
		else
			log_info("TCP fast path off: %s", why);
	}
	if (!ok)
		return -1;
	/* Our replies and header edits go out at once, not behind Nagle. */
	(void)setsockopt(h->sd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return h->sd;
}

/*
 * Steps negotiated as "no reply" leave the MTA's small writes waiting for our
 * ACK (Nagle on its side), and after we have replied to anything the kernel
 * delays that ACK by up to 40 ms. Asking for a quick ACK as the first no-reply
 * step of each phase arrives sends the pending ACK at once.
 */
static void
quickack(const struct session *s)
{
	int one = 1;

	if (s->sd >= 0)
		(void)setsockopt(s->sd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

static struct session *
session_new(void)
{
	struct session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->sd = -1;
	if ((s->rt = runtime_acquire()) == NULL) {
		free(s);
		return NULL;
	}
	msgcopy_init(&s->t.copy);
	metrics_session_open();
	return s;
}

static void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	mlfi_txn_reset(s);
	runtime_release(s->rt);
	free(s);
	metrics_session_close();
}

static struct session *
session_get(SMFICTX *ctx)
{
	struct session *s = SESSION(ctx);

	if (s == NULL && (s = session_new()) != NULL) {
		s->sd = ctx_socket(ctx);
		smfi_setpriv(ctx, s);
	}
	return s;
}

/* --- helpers shared with mlfi_eom.c ------------------------------------- */

void
mlfi_spf_check(struct session *s, enum spf_kind kind, const char *domain, const char *sender,
    struct spf_outcome *out)
{
	struct spf_request req = {
		.client_ip = s->ip,
		.helo = s->helo,
		.sender = sender ? sender : "",
		.domain = domain,
		.receiver = s->rt->hostname,
	};

	memset(out, 0, sizeof(*out));
	out->done = 1;
	out->kind = kind;
	spf_check_host(s->rt->dns, &req, &s->rt->spf_limits, &out->resp);
	if (out->resp.domain[0] == '\0' && domain != NULL)
		strlcpy(out->resp.domain, domain, sizeof(out->resp.domain));
	log_debug("%s: spf %s domain=%s ip=%s result=%s mechanism=%s problem=%s dns=%u %ums",
	    s->t.qid[0] ? s->t.qid : "-", kind == SK_HELO ? "helo" : kind == SK_HEADER_FROM ? "header-from" : "mailfrom",
	    out->resp.domain, s->ip, spf_result_str(out->resp.result), out->resp.mechanism,
	    out->resp.problem, out->resp.dns_queries, out->resp.elapsed_ms);
}

static const char *const kind_names[] = { "mailfrom", "helo", "header-from" };

const char *
mlfi_spf_str(const struct txn *t)
{
	if (t->bad_from != NULL)
		return "policy";
	return t->spf.done ? spf_result_str(t->spf.resp.result) : "-";
}

void
mlfi_log_decision(struct session *s, const struct decision_ctx *dc)
{
	struct txn *t = &s->t;
	struct decision d = { 0 };
	char pub[128], rua[DMARC_URI_MAX * (DMARC_URI_LEN + 1)] = "";

	if (t->logged)
		return;
	t->logged = 1;
	d.ts = time(NULL);
	d.qid = t->qid;
	d.ip = s->ip;
	d.helo = s->helo;
	d.mailfrom = t->mailfrom[0] ? t->mailfrom : "<>";
	d.identity = t->spf.done ? kind_names[t->spf.kind] : t->bad_from ? "header-from" : NULL;
	d.domain = t->spf.done ? t->spf.resp.domain : NULL;
	d.spf = mlfi_spf_str(t);
	d.helo_spf = t->helo.done ? spf_result_str(t->helo.resp.result) : NULL;
	d.dkim = dc->dkim;
	d.dkim_d = dc->dkim_d;
	d.skip = t->skip != SKIP_NONE ? skip_names[t->skip] : NULL;
	d.action = dc->action;
	d.reason = dc->reason;
	d.reply = dc->reply;
	if (t->dmarc_done) {
		const struct dmarc_verdict *v = &t->dmarc;
		const struct spf_outcome *o = t->dmarc_spf.done ? &t->dmarc_spf : &t->spf;
		d.dmarc = dmarc_result_str(v->result);
		d.dmarc_from = v->from_domain;
		d.dmarc_align = v->spf_aligned && v->dkim_aligned ? "spf,dkim" : v->spf_aligned ? "spf" :
		    v->dkim_aligned ? "dkim" : NULL;
		d.dmarc_spf = o->done ? spf_result_str(o->resp.result) : NULL;
		d.dmarc_spf_d = o->done ? o->resp.domain : NULL;
		if (v->have_record) {
			d.dmarc_p = dmarc_policy_str(v->policy);
			d.dmarc_req = dmarc_policy_str(v->req);
			d.dmarc_rdom = v->record_domain;
			dmarc_record_summary(&v->rec, pub, sizeof(pub));
			d.dmarc_pub = pub;
			for (size_t i = 0; i < v->rec.nrua; i++) {
				if (i > 0)
					strlcat(rua, ",", sizeof(rua));
				strlcat(rua, v->rec.rua[i].uri, sizeof(rua));
			}
			d.dmarc_rua = rua;
		}
	}
	d.arc = dc->arc;
	d.arc_d = dc->arc_d;
	d.dmarc_override = dc->dmarc_override;
	d.elapsed_ms = (unsigned long)(dns_now_ms() - t->start_ms);
	decision_emit(&d, s->rt->decision_fd);
	metrics_inc(MC_MESSAGES);
	metrics_action(d.action);
	metrics_skip(d.skip);
	metrics_result("spf", d.spf);
	metrics_result("dkim", d.dkim);
	metrics_result("dmarc", d.dmarc);
	metrics_result("arc", d.arc);
	metrics_decision_ms(d.elapsed_ms);
}

void
mlfi_spam_log(struct session *s, const char *action, const char *reply, const char *dkim, const char *saved)
{
	struct txn *t = &s->t;
	char results[160];
	struct spam_meta m = {
		.qid = t->qid, .client_ip = s->ip, .helo = s->helo,
		.mail_from = t->mailfrom[0] ? t->mailfrom : "<>",
		.rcpts = (const char *const *)t->rcpts, .nrcpts = t->nrcpts,
		.results = results, .action = action, .reply = reply,
	};

	mlfi_results_str(s, dkim, results, sizeof(results));
	if (spamfolder_log(s->rt->spam, &m, saved) < 0)
		log_warn("%s: spam log write failed", t->qid[0] ? t->qid : "-");
}

void
mlfi_results_str(const struct session *s, const char *dkim, char *out, size_t outlen)
{
	const struct txn *t = &s->t;

	snprintf(out, outlen, "spf=%s dkim=%s dmarc=%s", mlfi_spf_str(t), dkim ? dkim : "-",
	    t->dmarc_done ? dmarc_result_str(t->dmarc.result) : "-");
}

sfsistat
mlfi_reply(SMFICTX *ctx, const struct policy_reply *r)
{
	char rc[4], xc[16], text[POLICY_REPLY_MAX];

	/* XXX libmilter: smfi_setreply() takes char *, so the const strings are copied. */
	strlcpy(rc, r->rcode, sizeof(rc));
	strlcpy(xc, r->xcode, sizeof(xc));
	strlcpy(text, r->text, sizeof(text));
	if (smfi_setreply(ctx, rc, xc[0] != '\0' ? xc : NULL, text) != MI_SUCCESS)
		log_warn("smfi_setreply(%s %s) failed", rc, xc);
	return rc[0] == '4' ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/* Fills the reply fields for the SPF outcome o. */
static void
spf_fields(struct session *s, const struct spf_outcome *o, struct reply_fields *f)
{
	f->sender = s->t.mailfrom[0] ? s->t.mailfrom : "<>";
	f->ip = s->ip[0] ? s->ip : "unknown";
	f->domain = o->resp.domain;
	f->helo = s->helo;
	f->result = spf_result_str(o->resp.result);
	f->explanation = o->resp.explanation;
}

/* --- callbacks ----------------------------------------------------------- */

/*
 * The return for a step negotiated as "no reply". XXX libmilter: it logs an
 * error for anything but SMFIS_NOREPLY there (and fakes CONTINUE itself
 * when the MTA lacks the feature).
 */
static sfsistat
done(const struct session *s, unsigned long nr_bit)
{
	return s != NULL && (s->pflags & nr_bit) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
    unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct session *s = session_get(ctx);
	const struct config *c;
	unsigned long want;
	int need_body, mail_reply;

	(void)f2; (void)f3;
	if (s == NULL)
		return SMFIS_TEMPFAIL;
	c = s->rt->cfg;
	need_body = s->rt->dkim != NULL || s->rt->spool;
	/* MAIL can be refused only by an SPF reject of MAIL FROM or HELO. */
	mail_reply = config_spf_any_reject(c) && (c->identity == ID_MAILFROM || c->check_helo);

	*pf0 = (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST) & f0;
	want = SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NOEOH | SMFIP_NR_CONN | SMFIP_NR_HELO |
	    SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_BODY | SMFIP_HDR_LEADSPC | SMFIP_MDS_1M;
	if (!need_body)
		want |= SMFIP_NOBODY;
	if (!mail_reply)
		want |= SMFIP_NR_MAIL;
	*pf1 = want & f1;
	s->pflags = *pf1;
	*pf2 = 0;
	*pf3 = 0;
	if (*pf0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen}");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct session *s = session_get(ctx);
	const struct config *c;

	(void)hostname;
	if (s == NULL) {
		log_error("no memory or no configuration for a new session");
		return SMFIS_TEMPFAIL;
	}
	c = s->rt->cfg;
	s->ip[0] = '\0';
	s->have_addr = netlist_addr_from_sockaddr(hostaddr, s->addr) == 0;
	if (s->have_addr) {
		static const uint8_t v4m[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(s->addr, v4m, 12) == 0)
			inet_ntop(AF_INET, s->addr + 12, s->ip, sizeof(s->ip));
		else
			inet_ntop(AF_INET6, s->addr, s->ip, sizeof(s->ip));
	}
	/* No address (sendmail -bs, a unix-socket client) counts as local. */
	if (!s->have_addr)
		s->conn_skip = SKIP_LOOPBACK;
	else if (netlist_match(&s->rt->whitelist, s->addr))
		s->conn_skip = SKIP_WHITELIST;
	else if (!c->check_loopback && netlist_is_loopback(s->addr))
		s->conn_skip = SKIP_LOOPBACK;
	else if (!c->check_lan && netlist_is_lan(s->addr))
		s->conn_skip = SKIP_LAN;
	else
		s->conn_skip = SKIP_NONE;
	s->internal = s->have_addr && netlist_match(&s->rt->internal, s->addr);
	log_debug("connect from %s [%s] skip=%s internal=%d sd=%d", hostname ? hostname : "-",
	    s->ip[0] ? s->ip : "no address", skip_names[s->conn_skip], s->internal, s->sd);
	return done(s, SMFIP_NR_CONN);
}

static sfsistat
cb_helo(SMFICTX *ctx, char *helo)
{
	struct session *s = SESSION(ctx);

	if (s != NULL)
		copy_clean(s->helo, sizeof(s->helo), helo);
	return done(s, SMFIP_NR_HELO);
}

/*
 * The mailbox of a MAIL or RCPT argument (mailaddr_parse_path: brackets and
 * source route dropped, "" for <>), control bytes made '?'. An argument it
 * cannot read (no closing '>', too long) is kept as the MTA gave it, so the
 * check still runs on what the client sent.
 */
static void
parse_path(const char *arg, char *out, size_t outlen)
{
	char tmp[512];
	size_t used;

	if (arg == NULL)
		arg = "";
	if (mailaddr_parse_path(arg, strlen(arg), tmp, sizeof(tmp), &used) < 0)
		strlcpy(tmp, arg, sizeof(tmp));
	copy_clean(out, outlen, tmp);
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct session *s = SESSION(ctx);
	struct txn *t;
	const struct config *c;
	const char *v;
	enum action act = ACT_ACCEPT;

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	mlfi_txn_reset(s);
	t = &s->t;
	c = s->rt->cfg;
	t->active = 1;
	t->start_ms = dns_now_ms();
	if ((v = smfi_getsymval(ctx, "i")) != NULL)
		copy_clean(t->qid, sizeof(t->qid), v);
	parse_path(argv[0], t->mailfrom, sizeof(t->mailfrom));
	v = smfi_getsymval(ctx, "{auth_authen}");
	t->authed = v != NULL && v[0] != '\0';
	t->skip = t->authed && c->skip_auth ? SKIP_AUTH : s->conn_skip;

	if (t->skip == SKIP_NONE) {
		if (c->identity == ID_MAILFROM) {
			if (t->mailfrom[0] == '\0')
				mlfi_spf_check(s, SK_HELO, s->helo[0] ? s->helo : NULL, "", &t->spf);
			else
				mlfi_spf_check(s, SK_MAILFROM, NULL, t->mailfrom, &t->spf);
			act = c->spf_action[t->spf.resp.result];
		}
		if (c->check_helo && s->helo[0] != '\0' &&
		    !(t->spf.done && t->spf.kind == SK_HELO)) {
			mlfi_spf_check(s, SK_HELO, s->helo, "", &t->helo);
			if (t->helo.resp.result == SPF_RESULT_FAIL &&
			    policy_action_rank(c->spf_action[SPF_RESULT_FAIL]) > policy_action_rank(act))
				act = c->spf_action[SPF_RESULT_FAIL];
		}
	}

	/* A plain reject needs no body: refuse now, before any data. */
	if (act == ACT_REJECT) {
		const struct spf_outcome *o = t->spf.done && c->spf_action[t->spf.resp.result] == ACT_REJECT
		    ? &t->spf : &t->helo;
		struct reply_fields f;
		struct policy_reply r;
		struct decision_ctx dc = { .action = "reject", .reason = "spf" };

		spf_fields(s, o, &f);
		if (policy_reply_expand(c->spf_reply[o->resp.result], &f, &r) < 0)
			policy_reply_expand(policy_default_spf_reply(o->resp.result), &f, &r);
		dc.reply = r.plain;
		mlfi_log_decision(s, &dc);
		mlfi_spam_log(s, "reject", r.plain, NULL, NULL);
		t->active = 0;
		return mlfi_reply(ctx, &r);
	}

	/* DKIM: sign for our own users and hosts, verify everything else. */
	if (s->rt->dkim != NULL) {
		enum dkim_mode mode = DKIM_MODE_VERIFY;
		int use = c->dkim_verify;
		char err[256];

		if (s->rt->can_sign && (t->authed || s->internal)) {
			mode = DKIM_MODE_SIGN;
			use = 1;
		}
		if (use) {
			t->dkim_mode = mode;
			t->dkim = dkim_msg_new(s->rt->dkim, mode, t->qid[0] ? t->qid : NULL, err, sizeof(err));
			if (t->dkim == NULL)
				log_warn("%s: DKIM %s unavailable: %s", t->qid[0] ? t->qid : "-",
				    mode == DKIM_MODE_SIGN ? "signing" : "verification", err);
		}
	}

	/* Spool only when this message may be saved. */
	t->spooling = 0;
	if (s->rt->spool && t->skip == SKIP_NONE) {
		if (config_dkim_any_save(c) && t->dkim != NULL && t->dkim_mode == DKIM_MODE_VERIFY)
			t->spooling = 1;
		if (config_dmarc_any_save(c) && s->rt->dmarc != NULL &&
		    !(t->dkim != NULL && t->dkim_mode == DKIM_MODE_SIGN))
			t->spooling = 1;
		if (c->identity == ID_HEADER_FROM && config_spf_any_save(c))
			t->spooling = 1;
		if (act == ACT_SAVE_REJECT || act == ACT_QUARANTINE)
			t->spooling = 1;
	}
	if (t->spooling && msgcopy_open(&t->copy, c->temp_dir) < 0)
		log_error("%s: cannot spool the message for a possible save: %s",
		    t->qid[0] ? t->qid : "-", t->copy.err);
	if (s->pflags & SMFIP_NR_MAIL)
		quickack(s);
	return done(s, SMFIP_NR_MAIL);
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct session *s = SESSION(ctx);
	struct txn *t;
	char tmp[512];

	if (s == NULL || !s->t.active)
		return done(s, SMFIP_NR_RCPT);
	t = &s->t;
	if (s->pflags & SMFIP_NR_RCPT)
		quickack(s);
	if (t->nrcpts >= MLFI_MAX_RCPTS)
		return done(s, SMFIP_NR_RCPT);
	parse_path(argv[0], tmp, sizeof(tmp));
	if ((t->rcpts[t->nrcpts] = strdup(tmp)) != NULL)
		t->nrcpts++;
	return done(s, SMFIP_NR_RCPT);
}

/*
 * Is the field name want, in any case, with the blanks RFC 5322's obsolete
 * syntax allows before the colon ("From :")? MUAs and the DKIM layer read
 * such a field as From:, so it counts as one here too.
 */
static int
name_is(const char *name, const char *want)
{
	size_t n = strlen(want);

	if (strncasecmp(name, want, n) != 0)
		return 0;
	for (name += n; *name == ' ' || *name == '\t'; name++)
		;
	return *name == '\0';
}

/* Marks A-R field #n (1-based) for removal; the bitmap grows by doubling. */
static void
ar_mark_forged(struct txn *t, unsigned n)
{
	size_t byte = (n - 1) / 8;

	if (byte >= t->ar_forged_bytes) {
		size_t nb = t->ar_forged_bytes ? t->ar_forged_bytes : 16;
		uint8_t *p;

		while (nb <= byte)
			nb *= 2;
		if ((p = realloc(t->ar_forged, nb)) == NULL) {
			t->ar_nomem = 1;
			return;
		}
		memset(p + t->ar_forged_bytes, 0, nb - t->ar_forged_bytes);
		t->ar_forged = p;
		t->ar_forged_bytes = nb;
	}
	t->ar_forged[byte] |= (uint8_t)(1u << ((n - 1) % 8));
	t->nar_forged++;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct session *s = SESSION(ctx);
	struct txn *t;

	if (s == NULL || !s->t.active)
		return done(s, SMFIP_NR_HDR);
	t = &s->t;
	if (!t->acked_hdr && (s->pflags & SMFIP_NR_HDR)) {
		t->acked_hdr = 1;
		quickack(s);
	}
	if (t->spooling)
		msgcopy_header(&t->copy, name, value);
	if (t->dkim != NULL && dkim_msg_header(t->dkim, name, value) < 0)
		log_debug("%s: DKIM did not take header %s", t->qid[0] ? t->qid : "-", name);
	if (strcasecmp(name, "Authentication-Results") == 0) {
		t->ar_seen++;
		if (authres_is_ours(value, s->rt->authserv_id))
			ar_mark_forged(t, t->ar_seen);
	} else if (name_is(name, "From")) {
		/* Only the first is parsed; a second one makes the From: unusable anyway. */
		if (t->nfrom++ == 0)
			t->from_st = mailaddr_parse_from(value, &t->from);
		/* DMARC evaluates the domains of every From: (mlfi_dmarc.c). */
		mlfi_dmarc_from(s, value);
	} else if (t->msgid[0] == '\0' && strcasecmp(name, "Message-ID") == 0) {
		copy_clean(t->msgid, sizeof(t->msgid), value[0] == ' ' ? value + 1 : value);
	}
	return done(s, SMFIP_NR_HDR);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	struct session *s = SESSION(ctx);
	struct txn *t;

	if (s == NULL || !s->t.active)
		return done(s, SMFIP_NR_BODY);
	t = &s->t;
	if (!t->acked_body && (s->pflags & SMFIP_NR_BODY)) {
		t->acked_body = 1;
		quickack(s);
	}
	if (t->dkim != NULL) {
		if (!t->dkim_eoh) {
			t->dkim_eoh = 1;
			dkim_msg_eoh(t->dkim);
		}
		dkim_msg_body(t->dkim, p, n);
	}
	if (t->spooling)
		msgcopy_body(&t->copy, p, n);
	return done(s, SMFIP_NR_BODY);
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct session *s = SESSION(ctx);

	if (s != NULL)
		mlfi_txn_reset(s);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct session *s = SESSION(ctx);

	smfi_setpriv(ctx, NULL);
	session_free(s);
	return SMFIS_CONTINUE;
}

struct smfiDesc mlfi_desc = {
	.xxfi_name = "spfdkim-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eoh = NULL,
	.xxfi_body = cb_body,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_unknown = NULL,
	.xxfi_data = NULL,
	.xxfi_negotiate = cb_negotiate,
};
