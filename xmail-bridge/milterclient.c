/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * milterclient.c - the milter session, MTA side: open and negotiate once,
 * then per message the steps (CONNECT .. EOM) with their macros, each
 * honouring the SMFIP_NO* / SMFIP_NR_* flags the milter asked for, and
 * close. See milterclient.h for the contract; the connection and packet
 * I/O are milterconn.c, the milter's replies milterreply.c, the wire
 * decoding milterproto.c.
 *
 * What a step sends is cut to the command data size the milter negotiated
 * (put_fit), never sent whole past it: libmilter would drop the
 * connection, and with it the check.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "milterclient.h"
#include "milterclient_int.h"
#include "milterproto.h"

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
		mc_fail(c, "out of memory queueing macros");
		return -1;
	}
	if (sent > 0 && mc_queue_packet(c, SMFIC_MACRO, b.data, b.len) < 0) {
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	return 0;
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
	if (mc_queue_packet(c, cmd, data, len) < 0)
		return MC_ERROR;
	if (nrflag && (c->protocol & nrflag)) {
		if (c->out.len > OUT_FLUSH && mc_flush(c) < 0)
			return MC_ERROR;
		return MC_CONTINUE;
	}
	if (mc_flush(c) < 0)
		return MC_ERROR;
	return mc_read_verdict(c, cmd);
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
	v = b.failed ? mc_fail(c, "out of memory") : std_step(c, MC_ST_CONNECT, b.data, b.len);
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
	v = b.failed ? mc_fail(c, "out of memory") : std_step(c, MC_ST_HELO, b.data, b.len);
	buf_free(&b);
	return v;
}

static enum mc_verdict
argv_step(struct mc_conn *c, enum mc_stage st, const char *const *argv, size_t argc)
{
	struct buf b;
	enum mc_verdict v;

	buf_init(&b, 0);
	v = argv_pack(c, &b, argv, argc) < 0 ? mc_fail(c, "out of memory")
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
	v = b.failed ? mc_fail(c, "out of memory")
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
	mc_clear_message(c);
	if (c->broken)
		return -1;
	if (mc_queue_packet(c, SMFIC_ABORT, NULL, 0) < 0 || mc_flush(c) < 0)
		return -1;
	return 0;
}

int
mc_reset_connection(struct mc_conn *c)
{
	mc_clear_message(c);
	if (c->broken)
		return -1;
	if (mc_queue_packet(c, SMFIC_QUIT_NC, NULL, 0) < 0 || mc_flush(c) < 0)
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
	if (mc_queue_packet(c, SMFIC_OPTNEG, v, sizeof(v)) < 0 || mc_flush(c) < 0)
		return -1;
	if (mc_read_packet(c, &p, &len) < 0)
		return -1;
	if (mp_decode_optneg(p, len, &o, derr, sizeof(derr)) < 0) {
		mc_fail(c, "%s", derr);
		return -1;
	}
	if (o.version < 2 || o.version > MP_VERSION) {
		mc_fail(c, "protocol version %u conflicts with MTA version %d", (unsigned)o.version,
		    MP_VERSION);
		return -1;
	}
	if ((o.actions & c->opt.actions) != o.actions) {
		mc_fail(c, "request mask 0x%x conflicts with MTA request mask 0x%x",
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
				mc_fail(c, "out of memory");
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

struct mc_conn *
mc_open(const char *spec, const struct mc_options *opt, int64_t deadline_ms, char *err,
        size_t errlen)
{
	int ct = opt && opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms
	       : opt && opt->io_timeout_ms > 0     ? opt->io_timeout_ms : 10000;
	int fd = mc_connect_spec(spec, ct, deadline_ms, err, errlen);

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
		if (mc_queue_packet(c, SMFIC_QUIT, NULL, 0) == 0) {
			int64_t d = mc_now_ms() + 1000;
			if (c->deadline == 0 || c->deadline > d)
				c->deadline = d;
			(void)mc_flush(c);
		}
	}
	if (c->fd >= 0)
		close(c->fd);
	mc_clear_message(c);
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

