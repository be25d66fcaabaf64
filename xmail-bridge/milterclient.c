/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * milterclient.c - the MTA side of the milter protocol: connection,
 * negotiation, the per-message steps and reply collection (see
 * milterclient.h for the contract; the wire decoding is milterproto.c).
 *
 * Output is queued in c->out and flushed only when a reply is due (or the
 * queue passes OUT_FLUSH), so macros and their command, and no-reply
 * headers, leave in one write as in Postfix. Input is read through a
 * buffer; a packet is at most MC_MAX_PACKET bytes. All I/O is non-blocking
 * with poll() against the per-I/O timeout and the absolute deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "milterclient.h"
#include "milterproto.h"
#include "sockspec.h"

#define MAX_MACROS    64          /* per stage */
#define MAX_MACRO_VAL 4096        /* bytes per macro value */
#define OUT_FLUSH     (256 * 1024) /* flush queued output beyond this */
#define IN_CHUNK      (64 * 1024)

struct macro_list {
	size_t n;
	char *name[MAX_MACROS];
	char *value[MAX_MACROS];
};

struct mc_conn {
	int fd;
	int broken;                 /* I/O or protocol error: only close */
	int inet;                   /* TCP: keep delayed ACKs off */
	char name[256];             /* the spec, for messages */
	struct mc_options opt;
	int64_t deadline;
	uint32_t version, actions, protocol;
	size_t max_data;            /* command data the milter takes (MP_DATA_*) */
	unsigned cut;               /* items cut to fit max_data or a macro cap */
	char *symlist[MP_MAX_SYMLISTS]; /* NULL: send every macro */
	struct macro_list macros[MC_ST_COUNT];
	struct buf out;
	char *in;                   /* read buffer */
	size_t inlen, inpos, incap;
	struct buf reply;           /* REPLYCODE text */
	struct mc_mod *mods;
	size_t nmods, modcap, modbytes;
	unsigned progress;
	uint64_t wait_us;           /* time blocked on reads */
	char err[512];
};

static const struct {
	int cmd;
	uint32_t no, nr;
} step_flags[MC_ST_COUNT] = {
	[MC_ST_CONNECT] = { SMFIC_CONNECT, SMFIP_NOCONNECT, SMFIP_NR_CONN },
	[MC_ST_HELO] = { SMFIC_HELO, SMFIP_NOHELO, SMFIP_NR_HELO },
	[MC_ST_MAIL] = { SMFIC_MAIL, SMFIP_NOMAIL, SMFIP_NR_MAIL },
	[MC_ST_RCPT] = { SMFIC_RCPT, SMFIP_NORCPT, SMFIP_NR_RCPT },
	[MC_ST_DATA] = { SMFIC_DATA, SMFIP_NODATA, SMFIP_NR_DATA },
	[MC_ST_EOM] = { SMFIC_BODYEOB, 0, 0 },
	[MC_ST_EOH] = { SMFIC_EOH, SMFIP_NOEOH, SMFIP_NR_EOH },
};

int64_t
mc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum mc_verdict
fail(struct mc_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static enum mc_verdict
fail(struct mc_conn *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->err, sizeof(c->err), "milter %s: ", c->name);
	if (n < 0 || (size_t)n >= sizeof(c->err))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(c->err + n, sizeof(c->err) - (size_t)n, fmt, ap);
	va_end(ap);
	c->broken = 1;
	return MC_ERROR;
}

/* Milliseconds poll() may wait now, or -1 with c->err set when time is up. */
static int
wait_budget(struct mc_conn *c, int per_io)
{
	int64_t left = per_io > 0 ? per_io : INT32_MAX;

	if (c->deadline > 0) {
		int64_t d = c->deadline - mc_now_ms();
		if (d < left)
			left = d;
	}
	if (left <= 0)
		return -1;
	return (int)left;
}

static int
wait_fd(struct mc_conn *c, short events, int per_io, const char *what)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };

	for (;;) {
		int ms = wait_budget(c, per_io), r;

		if (ms < 0) {
			fail(c, "timeout while %s", what);
			return -1;
		}
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return 0;
		if (r == 0) {
			fail(c, "timeout while %s", what);
			return -1;
		}
		if (errno != EINTR) {
			fail(c, "poll while %s: %s", what, strerror(errno));
			return -1;
		}
	}
}

static int
flush_out(struct mc_conn *c)
{
	size_t off = 0;

	while (off < c->out.len) {
		ssize_t w = send(c->fd, c->out.data + off, c->out.len - off, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(c, POLLOUT, c->opt.io_timeout_ms, "writing") < 0)
				return -1;
			continue;
		}
		fail(c, "write failed: %s", w < 0 ? strerror(errno) : "short write");
		return -1;
	}
	buf_reset(&c->out);
	return 0;
}

/* Ensures n bytes are buffered at c->in + c->inpos. */
static int
fill_in(struct mc_conn *c, size_t n)
{
	if (c->inlen - c->inpos >= n)
		return 0;
	if (c->inpos > 0) {
		memmove(c->in, c->in + c->inpos, c->inlen - c->inpos);
		c->inlen -= c->inpos;
		c->inpos = 0;
	}
	if (n > c->incap) {
		size_t nc = n < IN_CHUNK ? IN_CHUNK : n;
		char *p = realloc(c->in, nc);
		if (p == NULL) {
			fail(c, "out of memory for a %zu byte packet", n);
			return -1;
		}
		c->in = p;
		c->incap = nc;
	}
	while (c->inlen < n) {
		ssize_t r;

		/*
		 * libmilter sends a modification and the verdict as two small
		 * packets; its Nagle holds the second until our ACK, which a
		 * delayed ACK postpones ~40 ms. TCP_QUICKACK is not sticky, so
		 * re-arm it before every read.
		 */
		if (c->inet) {
			int one = 1;
			(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		}
		r = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
		if (r > 0) {
			c->inlen += (size_t)r;
			continue;
		}
		if (r == 0) {
			fail(c, "connection closed by milter");
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct timespec a, b;
			int w;

			clock_gettime(CLOCK_MONOTONIC, &a);
			w = wait_fd(c, POLLIN, c->opt.io_timeout_ms, "waiting for a reply");
			clock_gettime(CLOCK_MONOTONIC, &b);
			c->wait_us += (uint64_t)((b.tv_sec - a.tv_sec) * 1000000 +
			    (b.tv_nsec - a.tv_nsec) / 1000);
			if (w < 0)
				return -1;
			continue;
		}
		fail(c, "read failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Reads one packet; *p points into the read buffer until the next read. */
static int
read_packet(struct mc_conn *c, const char **p, size_t *len)
{
	uint32_t nl;
	size_t plen;

	if (fill_in(c, 4) < 0)
		return -1;
	memcpy(&nl, c->in + c->inpos, 4);
	plen = ntohl(nl);
	if (plen < 1 || plen > MC_MAX_PACKET) {
		fail(c, "bad reply packet length %zu (protocol garbage?)", plen);
		return -1;
	}
	if (fill_in(c, 4 + plen) < 0)
		return -1;
	*p = c->in + c->inpos + 4;
	*len = plen;
	c->inpos += 4 + plen;
	return 0;
}

static int
queue_packet(struct mc_conn *c, int cmd, const void *data, size_t len)
{
	uint32_t nl;
	char ch = (char)cmd;

	/* The steps cut what they send to fit; this is the backstop. */
	if (len > c->max_data) {
		fail(c, "%s of %zu bytes exceeds the %zu the milter negotiated", mp_cmd_name(cmd),
		    len, c->max_data);
		return -1;
	}
	nl = htonl((uint32_t)(len + 1));
	if (buf_append(&c->out, &nl, 4) < 0 || buf_append(&c->out, &ch, 1) < 0 ||
	    (len > 0 && buf_append(&c->out, data, len) < 0)) {
		fail(c, "out of memory queueing %s", mp_cmd_name(cmd));
		return -1;
	}
	return 0;
}

/* Macro name without braces, for comparing with a symlist entry. */
static int
macro_in_list(const char *list, const char *name)
{
	size_t nl;
	const char *p = list;

	if (*name == '{')
		name++;
	nl = strcspn(name, "}");
	while (*p) {
		size_t wl;
		const char *w;

		p += strspn(p, " \t,");
		w = p;
		wl = strcspn(p, " \t,");
		p += wl;
		if (wl > 0 && *w == '{') {
			w++;
			wl--;
			if (wl > 0 && w[wl - 1] == '}')
				wl--;
		}
		if (wl == nl && wl > 0 && strncmp(w, name, nl) == 0)
			return 1;
	}
	return 0;
}

static int
queue_macros(struct mc_conn *c, enum mc_stage st)
{
	struct macro_list *ml = &c->macros[st];
	struct buf b;
	char cmd = (char)step_flags[st].cmd;
	size_t sent = 0;

	if (ml->n == 0)
		return 0;
	buf_init(&b, 0);
	buf_append(&b, &cmd, 1);
	for (size_t i = 0; i < ml->n; i++) {
		if (c->symlist[st] != NULL && !macro_in_list(c->symlist[st], ml->name[i]))
			continue;
		if (b.len + strlen(ml->name[i]) + strlen(ml->value[i]) + 2 > c->max_data) {
			c->cut++; /* only with a 64 KB milter and 16 macros of 4 KB */
			continue;
		}
		buf_append(&b, ml->name[i], strlen(ml->name[i]) + 1);
		buf_append(&b, ml->value[i], strlen(ml->value[i]) + 1);
		sent++;
	}
	if (b.failed) {
		buf_free(&b);
		fail(c, "out of memory queueing macros");
		return -1;
	}
	if (sent > 0 && queue_packet(c, SMFIC_MACRO, b.data, b.len) < 0) {
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	return 0;
}

static int
add_mod(struct mc_conn *c, enum mc_modtype t, uint32_t index, const char *n, size_t nl,
        const char *v, size_t vl)
{
	struct mc_mod *m;

	if (c->nmods >= MC_MAX_MODS || c->modbytes + nl + vl > MC_MAX_MODBYTES) {
		fail(c, "more than %d modifications or %u bytes of them in one message",
		    MC_MAX_MODS, MC_MAX_MODBYTES);
		return -1;
	}
	if (c->nmods == c->modcap) {
		size_t nc = c->modcap ? c->modcap * 2 : 16;
		struct mc_mod *p = reallocarray(c->mods, nc, sizeof(*p));
		if (p == NULL) {
			fail(c, "out of memory for modifications");
			return -1;
		}
		c->mods = p;
		c->modcap = nc;
	}
	m = &c->mods[c->nmods];
	memset(m, 0, sizeof(*m));
	m->type = t;
	m->index = index;
	m->name = malloc(nl + 1);
	m->value = malloc(vl + 1);
	if (m->name == NULL || m->value == NULL) {
		free(m->name);
		free(m->value);
		fail(c, "out of memory for modifications");
		return -1;
	}
	if (nl)
		memcpy(m->name, n, nl);
	m->name[nl] = '\0';
	if (vl)
		memcpy(m->value, v, vl);
	m->value[vl] = '\0';
	m->vlen = vl;
	c->nmods++;
	c->modbytes += nl + vl;
	return 0;
}

static void
clear_message(struct mc_conn *c)
{
	for (size_t i = 0; i < c->nmods; i++) {
		free(c->mods[i].name);
		free(c->mods[i].value);
	}
	c->nmods = 0;
	c->modbytes = 0;
	c->progress = 0;
	buf_reset(&c->reply);
}

static int
need_action(struct mc_conn *c, uint32_t action, const struct mp_reply *r)
{
	if ((c->actions & action) == 0) {
		fail(c, "sent %s but did not negotiate that action", mp_reply_name(r->cmd));
		return -1;
	}
	return 0;
}

/* A modification packet at end of message: record it. */
static int
take_mod(struct mc_conn *c, const struct mp_reply *r)
{
	switch (r->cmd) {
	case SMFIR_ADDHEADER:
		if (need_action(c, SMFIF_ADDHDRS, r) < 0)
			return -1;
		return add_mod(c, MC_MOD_ADDHEADER, 0, r->s1, r->s1len, r->s2, r->s2len);
	case SMFIR_INSHEADER:
		if (need_action(c, SMFIF_ADDHDRS, r) < 0)
			return -1;
		return add_mod(c, MC_MOD_INSHEADER, r->index, r->s1, r->s1len, r->s2, r->s2len);
	case SMFIR_CHGHEADER:
		if (need_action(c, SMFIF_CHGHDRS, r) < 0)
			return -1;
		/* Sendmail compatibility (as Postfix): index 0 means 1. */
		return add_mod(c, MC_MOD_CHGHEADER, r->index ? r->index : 1, r->s1, r->s1len,
		    r->s2, r->s2len);
	case SMFIR_ADDRCPT:
		if (need_action(c, SMFIF_ADDRCPT, r) < 0)
			return -1;
		return add_mod(c, MC_MOD_ADDRCPT, 0, r->s1, r->s1len, "", 0);
	case SMFIR_ADDRCPT_PAR:
		if (need_action(c, SMFIF_ADDRCPT_PAR, r) < 0)
			return -1;
		return add_mod(c, MC_MOD_ADDRCPT_PAR, 0, r->s1, r->s1len, r->s2, r->s2len);
	case SMFIR_DELRCPT:
		if (need_action(c, SMFIF_DELRCPT, r) < 0)
			return -1;
		return add_mod(c, MC_MOD_DELRCPT, 0, r->s1, r->s1len, "", 0);
	case SMFIR_CHGFROM:
		if (need_action(c, SMFIF_CHGFROM, r) < 0)
			return -1;
		return add_mod(c, MC_MOD_CHGFROM, 0, r->s1, r->s1len, r->s2, r->s2len);
	case SMFIR_REPLBODY:
		if (need_action(c, SMFIF_CHGBODY, r) < 0)
			return -1;
		if (c->opt.replbody_cb != NULL) {
			if (c->opt.replbody_cb(c->opt.replbody_arg, r->data, r->dlen) < 0) {
				fail(c, "could not store the replacement body");
				return -1;
			}
			return 0;
		}
		return add_mod(c, MC_MOD_REPLBODY, 0, "", 0, r->data, r->dlen);
	default:
		fail(c, "unexpected reply %s", mp_reply_name(r->cmd));
		return -1;
	}
}

/* Reads replies to cmd until a decision. */
static enum mc_verdict
read_verdict(struct mc_conn *c, int cmd)
{
	for (;;) {
		const char *p;
		size_t len;
		struct mp_reply r;
		char derr[256];

		if (read_packet(c, &p, &len) < 0)
			return MC_ERROR;
		if (mp_decode_reply(p, len, &r, derr, sizeof(derr)) < 0)
			return fail(c, "after %s: %s", mp_cmd_name(cmd), derr);
		switch (r.cmd) {
		case SMFIR_PROGRESS:
			c->progress++;
			continue;
		case SMFIR_CONTINUE:
			return cmd == SMFIC_BODYEOB ? MC_ACCEPT : MC_CONTINUE;
		case SMFIR_ACCEPT:
			return MC_ACCEPT;
		case SMFIR_REJECT:
			return MC_REJECT;
		case SMFIR_TEMPFAIL:
			return MC_TEMPFAIL;
		case SMFIR_SHUTDOWN:
		case SMFIR_CONN_FAIL:
			buf_reset(&c->reply);
			buf_puts(&c->reply, "421 4.7.0 Service not available - closing connection");
			return MC_TEMPFAIL;
		case SMFIR_DISCARD:
			if (cmd == SMFIC_CONNECT || cmd == SMFIC_HELO)
				return fail(c, "DISCARD is not allowed for connect or helo");
			return MC_DISCARD;
		case SMFIR_SKIP:
			if ((c->protocol & SMFIP_SKIP) == 0)
				return fail(c, "sent SMFIR_SKIP without negotiating SMFIP_SKIP");
			return cmd == SMFIC_BODY ? MC_SKIP : MC_CONTINUE;
		case SMFIR_REPLYCODE: {
			buf_reset(&c->reply);
			/* Sendmail uses the text as a format: "%%" means "%". */
			for (size_t i = 0; i < r.dlen; i++) {
				if (r.data[i] == '%' && i + 1 < r.dlen && r.data[i + 1] == '%')
					i++;
				buf_putc(&c->reply, r.data[i]);
			}
			if (c->reply.failed)
				return fail(c, "out of memory for the reply text");
			return r.data[0] == '4' ? MC_TEMPFAIL : MC_REJECT;
		}
		case SMFIR_QUARANTINE:
			/* Not a decision (as in Sendmail 8.13 and Postfix). */
			if ((c->actions & SMFIF_QUARANTINE) == 0)
				return fail(c, "sent SMFIR_QUARANTINE but did not negotiate it");
			if (add_mod(c, MC_MOD_QUARANTINE, 0, r.s1, r.s1len, "", 0) < 0)
				return MC_ERROR;
			continue;
		default:
			if (cmd != SMFIC_BODYEOB)
				return fail(c, "unexpected reply %s after %s", mp_reply_name(r.cmd),
				    mp_cmd_name(cmd));
			if (take_mod(c, &r) < 0)
				return MC_ERROR;
			continue;
		}
	}
}

/* One protocol step: macros, the command (unless NO*), the reply (unless NR*). */
static enum mc_verdict
step(struct mc_conn *c, enum mc_stage st, int cmd, uint32_t noflag, uint32_t nrflag,
     const void *data, size_t len)
{
	if (c->broken)
		return MC_ERROR;
	if (queue_macros(c, st) < 0)
		return MC_ERROR;
	if (noflag && (c->protocol & noflag))
		return MC_CONTINUE;
	if (queue_packet(c, cmd, data, len) < 0)
		return MC_ERROR;
	if (nrflag && (c->protocol & nrflag)) {
		if (c->out.len > OUT_FLUSH && flush_out(c) < 0)
			return MC_ERROR;
		return MC_CONTINUE;
	}
	if (flush_out(c) < 0)
		return MC_ERROR;
	return read_verdict(c, cmd);
}

static enum mc_verdict
std_step(struct mc_conn *c, enum mc_stage st, const void *data, size_t len)
{
	return step(c, st, step_flags[st].cmd, step_flags[st].no, step_flags[st].nr, data, len);
}

/*
 * Appends s and its NUL, cut so that b holds at most c->max_data bytes
 * (reserve: bytes still to come after it). A sender controls most of what
 * we send (HELO, addresses, headers): cutting it keeps the message going
 * through the milter, where an oversized packet would make libmilter drop
 * the connection and the check be skipped.
 */
static void
put_fit(struct mc_conn *c, struct buf *b, const char *s, size_t reserve)
{
	size_t n = strlen(s), room = 0;

	if (b->len + reserve + 1 < c->max_data)
		room = c->max_data - b->len - reserve - 1;
	if (n > room) {
		n = room;
		c->cut++;
	}
	buf_append(b, s, n);
	buf_putc(b, '\0');
}

/* MAIL/RCPT: the address first; ESMTP parameters that do not fit are left out. */
static int
argv_pack(struct mc_conn *c, struct buf *b, const char *const *argv, size_t argc)
{
	for (size_t i = 0; i < argc; i++) {
		if (i > 0 && b->len + strlen(argv[i]) + 1 > c->max_data) {
			c->cut += (unsigned)(argc - i);
			break;
		}
		put_fit(c, b, argv[i], 0);
	}
	return b->failed ? -1 : 0;
}

enum mc_verdict
mc_connect_info(struct mc_conn *c, const char *hostname, char family, uint16_t port,
                const char *addr)
{
	struct buf b;
	enum mc_verdict v;
	uint16_t np = htons(port);

	buf_init(&b, 0);
	put_fit(c, &b, hostname, family != 'U' ? 3 + strlen(addr) + 1 + 1 : 1);
	buf_putc(&b, family);
	if (family != 'U') {
		buf_append(&b, &np, 2);
		put_fit(c, &b, addr, 0);
	}
	v = b.failed ? fail(c, "out of memory") : std_step(c, MC_ST_CONNECT, b.data, b.len);
	buf_free(&b);
	return v;
}

enum mc_verdict
mc_helo(struct mc_conn *c, const char *helo)
{
	struct buf b;
	enum mc_verdict v;

	buf_init(&b, 0);
	put_fit(c, &b, helo, 0);
	v = b.failed ? fail(c, "out of memory") : std_step(c, MC_ST_HELO, b.data, b.len);
	buf_free(&b);
	return v;
}

static enum mc_verdict
argv_step(struct mc_conn *c, enum mc_stage st, const char *const *argv, size_t argc)
{
	struct buf b;
	enum mc_verdict v;

	buf_init(&b, 0);
	v = argv_pack(c, &b, argv, argc) < 0 ? fail(c, "out of memory")
	                                   : std_step(c, st, b.data, b.len);
	buf_free(&b);
	return v;
}

enum mc_verdict
mc_mail(struct mc_conn *c, const char *const *argv, size_t argc)
{
	return argv_step(c, MC_ST_MAIL, argv, argc);
}

enum mc_verdict
mc_rcpt(struct mc_conn *c, const char *const *argv, size_t argc)
{
	return argv_step(c, MC_ST_RCPT, argv, argc);
}

enum mc_verdict
mc_data(struct mc_conn *c)
{
	/* Protocol versions before 4 have no DATA event (Postfix's np_mask). */
	if (c->version < 4)
		return c->broken ? MC_ERROR : (queue_macros(c, MC_ST_DATA) < 0 ? MC_ERROR : MC_CONTINUE);
	return std_step(c, MC_ST_DATA, NULL, 0);
}

/*
 * A header value cut to what is left of the packet: at the last fold that
 * fits, so the milter sees whole lines, else inside the line. Postfix cuts
 * headers too (header_size_limit, 100 KB by default) but sends what is left
 * whole, which libmilter's default 64 KB drops; we cut to what the milter
 * negotiated, so its verdict still comes.
 */
static void
put_value_fit(struct mc_conn *c, struct buf *b, const char *value)
{
	size_t n = strlen(value), room = 0;

	if (b->len + 1 < c->max_data)
		room = c->max_data - b->len - 1;
	if (n > room) {
		const char *lf = room > 0 ? memrchr(value, '\n', room + 1) : NULL;
		n = lf != NULL && lf > value ? (size_t)(lf - value) : room;
		c->cut++;
	}
	buf_append(b, value, n);
	buf_putc(b, '\0');
}

enum mc_verdict
mc_header(struct mc_conn *c, const char *name, const char *value)
{
	struct buf b;
	enum mc_verdict v;

	if (c->broken)
		return MC_ERROR;
	if (c->protocol & SMFIP_NOHDRS)
		return MC_CONTINUE;
	buf_init(&b, 0);
	/* A name too long for the packet keeps half of it; the value gets the rest. */
	put_fit(c, &b, name, strlen(value) + 1 < c->max_data / 2 ? strlen(value) + 1 : c->max_data / 2);
	put_value_fit(c, &b, value);
	/* Postfix sends the end-of-header macros with each header. */
	v = b.failed ? fail(c, "out of memory")
	             : step(c, MC_ST_EOH, SMFIC_HEADER, SMFIP_NOHDRS, SMFIP_NR_HDR, b.data, b.len);
	buf_free(&b);
	return v;
}

enum mc_verdict
mc_eoh(struct mc_conn *c)
{
	return std_step(c, MC_ST_EOH, NULL, 0);
}

enum mc_verdict
mc_body(struct mc_conn *c, const char *data, size_t len)
{
	if (c->broken)
		return MC_ERROR;
	if (c->protocol & SMFIP_NOBODY)
		return MC_CONTINUE;
	while (len > 0) {
		size_t chunk = MC_BODY_CHUNK < c->max_data ? MC_BODY_CHUNK : c->max_data;
		size_t n = len > chunk ? chunk : len;
		enum mc_verdict v = step(c, MC_ST_EOM, SMFIC_BODY, SMFIP_NOBODY, SMFIP_NR_BODY, data, n);

		if (v != MC_CONTINUE)
			return v;
		data += n;
		len -= n;
	}
	return MC_CONTINUE;
}

enum mc_verdict
mc_eom(struct mc_conn *c)
{
	return step(c, MC_ST_EOM, SMFIC_BODYEOB, 0, 0, NULL, 0);
}

int
mc_abort(struct mc_conn *c)
{
	clear_message(c);
	if (c->broken)
		return -1;
	if (queue_packet(c, SMFIC_ABORT, NULL, 0) < 0 || flush_out(c) < 0)
		return -1;
	return 0;
}

int
mc_reset_connection(struct mc_conn *c)
{
	clear_message(c);
	if (c->broken)
		return -1;
	if (queue_packet(c, SMFIC_QUIT_NC, NULL, 0) < 0 || flush_out(c) < 0)
		return -1;
	return 0;
}

int
mc_set_macros(struct mc_conn *c, enum mc_stage st, const struct mc_macro *m, size_t n)
{
	struct macro_list *ml;

	if ((unsigned)st >= MC_ST_COUNT)
		return -1;
	ml = &c->macros[st];
	for (size_t i = 0; i < ml->n; i++) {
		free(ml->name[i]);
		free(ml->value[i]);
	}
	ml->n = 0;
	for (size_t i = 0; i < n; i++) {
		if (m[i].value == NULL || m[i].name == NULL)
			continue;
		if (ml->n >= MAX_MACROS)
			return -1;
		if (strlen(m[i].value) > MAX_MACRO_VAL)
			c->cut++;
		ml->name[ml->n] = strdup(m[i].name);
		ml->value[ml->n] = strndup(m[i].value, MAX_MACRO_VAL);
		if (ml->name[ml->n] == NULL || ml->value[ml->n] == NULL) {
			free(ml->name[ml->n]);
			free(ml->value[ml->n]);
			return -1;
		}
		ml->n++;
	}
	return 0;
}

void
mc_set_deadline(struct mc_conn *c, int64_t deadline_ms)
{
	c->deadline = deadline_ms;
}

uint32_t mc_protocol(const struct mc_conn *c) { return c->protocol; }
uint32_t mc_actions(const struct mc_conn *c) { return c->actions; }
uint32_t mc_version(const struct mc_conn *c) { return c->version; }
size_t mc_max_data(const struct mc_conn *c) { return c->max_data; }
unsigned mc_cut_count(const struct mc_conn *c) { return c->cut; }
const char *mc_reply(const struct mc_conn *c) { return buf_cstr(&c->reply); }
unsigned mc_progress_count(const struct mc_conn *c) { return c->progress; }
const char *mc_error(const struct mc_conn *c) { return c->err; }
uint64_t mc_wait_us(const struct mc_conn *c) { return c->wait_us; }

const struct mc_mod *
mc_mods(const struct mc_conn *c, size_t *n)
{
	*n = c->nmods;
	return c->mods;
}

const char *
mc_verdict_name(enum mc_verdict v)
{
	switch (v) {
	case MC_CONTINUE: return "continue";
	case MC_ACCEPT: return "accept";
	case MC_REJECT: return "reject";
	case MC_TEMPFAIL: return "tempfail";
	case MC_DISCARD: return "discard";
	case MC_SKIP: return "skip";
	case MC_ERROR: return "error";
	}
	return "?";
}

static int
negotiate(struct mc_conn *c)
{
	uint32_t v[3];
	const char *p;
	size_t len;
	struct mp_optneg o;
	char derr[256];

	v[0] = htonl(MP_VERSION);
	v[1] = htonl(c->opt.actions);
	v[2] = htonl(c->opt.protocol);
	if (queue_packet(c, SMFIC_OPTNEG, v, sizeof(v)) < 0 || flush_out(c) < 0)
		return -1;
	if (read_packet(c, &p, &len) < 0)
		return -1;
	if (mp_decode_optneg(p, len, &o, derr, sizeof(derr)) < 0) {
		fail(c, "%s", derr);
		return -1;
	}
	if (o.version < 2 || o.version > MP_VERSION) {
		fail(c, "protocol version %u conflicts with MTA version %d", (unsigned)o.version,
		    MP_VERSION);
		return -1;
	}
	if ((o.actions & c->opt.actions) != o.actions) {
		fail(c, "request mask 0x%x conflicts with MTA request mask 0x%x",
		    (unsigned)o.actions, (unsigned)c->opt.actions);
		return -1;
	}
	c->version = o.version;
	c->actions = o.actions;
	/* Ignore flags we did not offer (a milter must not set them). */
	c->protocol = o.protocol & c->opt.protocol;
	c->max_data = (c->protocol & SMFIP_MDS_1M) ? MP_DATA_1M
	            : (c->protocol & SMFIP_MDS_256K) ? MP_DATA_256K : MP_DATA_64K;
	for (int i = 0; i < MP_MAX_SYMLISTS; i++)
		if (o.symlist[i] != NULL && (c->actions & SMFIF_SETSYMLIST)) {
			c->symlist[i] = strdup(o.symlist[i]);
			if (c->symlist[i] == NULL) {
				fail(c, "out of memory");
				return -1;
			}
		}
	return 0;
}

struct mc_conn *
mc_open_fd(int fd, const char *name, const struct mc_options *opt, int64_t deadline_ms,
           char *err, size_t errlen)
{
	struct mc_conn *c = calloc(1, sizeof(*c));
	int fl;

	if (c == NULL) {
		close(fd);
		snprintf(err, errlen, "milter %s: out of memory", name);
		return NULL;
	}
	c->fd = fd;
	strlcpy(c->name, name, sizeof(c->name));
	if (opt)
		c->opt = *opt;
	if (c->opt.io_timeout_ms <= 0)
		c->opt.io_timeout_ms = 10000;
	if (c->opt.actions == 0)
		c->opt.actions = MP_ACTIONS_ALL;
	if (c->opt.protocol == 0)
		c->opt.protocol = MP_PROTO_ALL;
	c->deadline = deadline_ms;
	c->max_data = MP_DATA_64K;
	buf_init(&c->out, 0);
	buf_init(&c->reply, 64 * 1024);
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
		    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
			c->inet = 1;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		syserr_fmt(err, errlen, "milter %s: fcntl", name);
		mc_close(c);
		return NULL;
	}
	if (negotiate(c) < 0) {
		snprintf(err, errlen, "%s", c->err);
		mc_close(c);
		return NULL;
	}
	return c;
}

/* Parses unix:/path, local:/path, /path, inet:port@host, inet6:port@host. */
static int
connect_spec(const char *spec, int timeout_ms, int64_t deadline, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct sockspec sp;
	char why[300];
	int fd, family, inet;

	if (sockspec_parse(spec, &sp, why, sizeof(why)) < 0 ||
	    sockspec_connect_addr(&sp, &ss, &sslen, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "milter %s: %s", spec, why);
		return -1;
	}
	family = ss.ss_family;
	inet = sp.kind != SOCKSPEC_UNIX;
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		syserr_fmt(err, errlen, "milter %s: socket", spec);
		return -1;
	}
	if (inet) {
		int one = 1;
		/* libmilter writes a modification and its verdict as two packets. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (connect(fd, (struct sockaddr *)&ss, sslen) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			syserr_fmt(err, errlen, "milter %s: connect", spec);
			close(fd);
			return -1;
		}
		for (;;) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			int64_t left = timeout_ms;
			int r, soerr = 0;
			socklen_t sl = sizeof(soerr);

			if (deadline > 0 && deadline - mc_now_ms() < left)
				left = deadline - mc_now_ms();
			if (left <= 0) {
				snprintf(err, errlen, "milter %s: connect timed out", spec);
				close(fd);
				return -1;
			}
			r = poll(&pfd, 1, (int)left);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				snprintf(err, errlen, "milter %s: connect %s", spec,
				    r == 0 ? "timed out" : strerror(errno));
				close(fd);
				return -1;
			}
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0) {
				snprintf(err, errlen, "milter %s: connect: %s", spec,
				    strerror(soerr ? soerr : errno));
				close(fd);
				return -1;
			}
			break;
		}
	}
	return fd;
}

struct mc_conn *
mc_open(const char *spec, const struct mc_options *opt, int64_t deadline_ms, char *err,
        size_t errlen)
{
	int ct = opt && opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms
	       : opt && opt->io_timeout_ms > 0     ? opt->io_timeout_ms : 10000;
	int fd = connect_spec(spec, ct, deadline_ms, err, errlen);

	if (fd < 0)
		return NULL;
	return mc_open_fd(fd, spec, opt, deadline_ms, err, errlen);
}

void
mc_close(struct mc_conn *c)
{
	if (c == NULL)
		return;
	if (!c->broken && c->fd >= 0) {
		buf_reset(&c->out);
		if (queue_packet(c, SMFIC_QUIT, NULL, 0) == 0) {
			int64_t d = mc_now_ms() + 1000;
			if (c->deadline == 0 || c->deadline > d)
				c->deadline = d;
			(void)flush_out(c);
		}
	}
	if (c->fd >= 0)
		close(c->fd);
	clear_message(c);
	free(c->mods);
	for (int st = 0; st < MC_ST_COUNT; st++)
		for (size_t i = 0; i < c->macros[st].n; i++) {
			free(c->macros[st].name[i]);
			free(c->macros[st].value[i]);
		}
	for (int i = 0; i < MP_MAX_SYMLISTS; i++)
		free(c->symlist[i]);
	buf_free(&c->out);
	buf_free(&c->reply);
	free(c->in);
	free(c);
}

/* Copies the enhanced status "d.d{1,3}.d{1,3}" at s into st; its length or 0. */
static size_t
take_status(const char *s, char *st, size_t stlen)
{
	size_t i = 0, parts = 0, digits = 0;

	while (s[i]) {
		if (s[i] >= '0' && s[i] <= '9') {
			digits++;
			if (digits > 3)
				return 0;
		} else if (s[i] == '.' && digits > 0 && parts < 2) {
			parts++;
			digits = 0;
		} else
			break;
		i++;
	}
	if (parts != 2 || digits == 0 || (s[i] != ' ' && s[i] != '\0') || i >= stlen)
		return 0;
	memcpy(st, s, i);
	st[i] = '\0';
	return i;
}

int
mc_fold_reply(const char *reply, const char *dflt_code, const char *dflt_status, char *out,
              size_t outlen)
{
	char code[4] = "", status[16] = "", text[1024] = "";
	size_t tl = 0;
	const char *p = reply ? reply : "";

	while (*p) {
		const char *eol = p + strcspn(p, "\r\n");
		const char *q = p;

		if (eol - p >= 3 && q[0] >= '2' && q[0] <= '5' && q[1] >= '0' && q[1] <= '9' &&
		    q[2] >= '0' && q[2] <= '9' && (eol - p == 3 || q[3] == ' ' || q[3] == '-')) {
			if (code[0] == '\0') {
				memcpy(code, q, 3);
				code[3] = '\0';
			}
			q += eol - p == 3 ? 3 : 4;
			char st[16];
			size_t sl = take_status(q, st, sizeof(st));
			if (sl > 0) {
				if (status[0] == '\0')
					strlcpy(status, st, sizeof(status));
				q += sl;
			}
		}
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (q < eol && tl > 0 && tl + 1 < sizeof(text))
			text[tl++] = ' ';
		for (; q < eol && tl + 1 < sizeof(text); q++) {
			unsigned char ch = (unsigned char)*q;
			text[tl++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
		}
		p = eol;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	text[tl] = '\0';
	while (tl > 0 && text[tl - 1] == ' ')
		text[--tl] = '\0';
	if (code[0] != '4' && code[0] != '5')
		strlcpy(code, dflt_code && (dflt_code[0] == '4' || dflt_code[0] == '5') &&
		    strlen(dflt_code) == 3 ? dflt_code : "550", sizeof(code));
	if (status[0] != code[0])
		strlcpy(status, dflt_status ? dflt_status : "5.7.1", sizeof(status));
	if (status[0] != code[0])
		status[0] = code[0];
	if (text[0] == '\0')
		strlcpy(text, code[0] == '4' ? "Try again later" : "Message rejected", sizeof(text));
	if (snprintf(out, outlen, "%s %s %s", code, status, text) < 0 && outlen > 0)
		out[0] = '\0';
	return 0;
}
