/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_milterclient.c - the MTA side of the milter protocol against a
 * scripted peer on a socketpair: negotiation, NO and NR flags, symlists,
 * verdicts, modifications, errors, timeouts, reply folding and the pure
 * reply decoder.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "milterclient.h"
#include "milterproto.h"

/* Appends one packet to a byte string. */
static size_t
pkt(char *out, int cmd, const void *data, size_t len)
{
	uint32_t nl = htonl((uint32_t)len + 1);

	memcpy(out, &nl, 4);
	out[4] = (char)cmd;
	if (len)
		memcpy(out + 5, data, len);
	return len + 5;
}

static size_t
optneg(char *out, uint32_t version, uint32_t actions, uint32_t proto, const char *extra,
       size_t extralen)
{
	char d[512];
	uint32_t v[3] = { htonl(version), htonl(actions), htonl(proto) };

	memcpy(d, v, 12);
	if (extralen)
		memcpy(d + 12, extra, extralen);
	return pkt(out, 'O', d, 12 + extralen);
}

struct peer {
	int fd;             /* the milter's end */
	struct mc_conn *c;
};

/* Opens a client whose peer has already queued the given bytes. */
static struct mc_conn *
open_with(struct peer *p, const char *script, size_t len, int timeout_ms)
{
	int sv[2];
	char err[256];
	struct mc_options o = { .io_timeout_ms = timeout_ms };

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p->fd = sv[1];
	assert_int_equal(write(p->fd, script, len), (ssize_t)len);
	p->c = mc_open_fd(sv[0], "test", &o, 0, err, sizeof(err));
	return p->c;
}

static void
close_peer(struct peer *p)
{
	mc_close(p->c);
	close(p->fd);
}

/* Reads what the client sent so far: the command bytes, in order. */
static size_t
sent_cmds(struct peer *p, char *cmds, size_t max, char *last_macro, size_t lmlen)
{
	char buf[65536 * 2];
	ssize_t n;
	size_t off = 0, k = 0;
	struct timeval tv = { 0, 100000 };

	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(p->fd, buf, sizeof(buf), 0);
	while (n > 0 && off + 5 <= (size_t)n && k < max) {
		uint32_t l;
		memcpy(&l, buf + off, 4);
		l = ntohl(l);
		cmds[k++] = buf[off + 4];
		if (buf[off + 4] == 'D' && last_macro) {
			size_t ml = l - 1 < lmlen - 1 ? l - 1 : lmlen - 1;
			memcpy(last_macro, buf + off + 5, ml);
			last_macro[ml] = '\0';
		}
		off += 4 + l;
	}
	cmds[k] = '\0';
	return k;
}

static void
negotiation_offers_v6_everything(void **state)
{
	struct peer p;
	char s[64], got[600];
	size_t n = optneg(s, 6, SMFIF_ADDHDRS, SMFIP_NR_HDR, NULL, 0);
	ssize_t r;
	uint32_t v[3];

	(void)state;
	assert_non_null(open_with(&p, s, n, 1000));
	assert_int_equal(mc_version(p.c), 6);
	assert_int_equal(mc_actions(p.c), SMFIF_ADDHDRS);
	assert_int_equal(mc_protocol(p.c), SMFIP_NR_HDR);
	r = recv(p.fd, got, sizeof(got), 0);
	assert_int_equal(r, 17);
	assert_int_equal(got[4], 'O');
	memcpy(v, got + 5, 12);
	assert_int_equal(ntohl(v[0]), 6);
	assert_int_equal(ntohl(v[1]), MP_ACTIONS_ALL);
	assert_int_equal(ntohl(v[2]), MP_PROTO_ALL);
	close_peer(&p);
}

static void
negotiation_refuses_newer_version_and_unoffered_actions(void **state)
{
	struct peer p;
	char s[64];

	(void)state;
	assert_null(open_with(&p, s, optneg(s, 7, 0, 0, NULL, 0), 1000));
	close(p.fd);
	assert_null(open_with(&p, s, optneg(s, 6, 0x10000, 0, NULL, 0), 1000));
	close(p.fd);
	assert_null(open_with(&p, s, pkt(s, 'c', NULL, 0), 1000));
	close(p.fd);
}

static void
no_flags_skip_steps_nr_flags_skip_replies(void **state)
{
	struct peer p;
	char s[256], cmds[64];
	size_t n = optneg(s, 6, 0, SMFIP_NOHELO | SMFIP_NR_CONN | SMFIP_NR_HDR | SMFIP_NOEOH, NULL, 0);
	const char *mail[] = { "<a@b.test>", "SIZE=10" };

	(void)state;
	n += pkt(s + n, 'c', NULL, 0); /* reply to MAIL only */
	assert_non_null(open_with(&p, s, n, 1000));
	sent_cmds(&p, cmds, sizeof(cmds) - 1, NULL, 0); /* OPTNEG */
	assert_int_equal(mc_connect_info(p.c, "[1.2.3.4]", '4', 25, "1.2.3.4"), MC_CONTINUE);
	assert_int_equal(mc_helo(p.c, "h.test"), MC_CONTINUE);
	assert_int_equal(mc_mail(p.c, mail, 2), MC_CONTINUE);
	assert_int_equal(mc_header(p.c, "Subject", "x"), MC_CONTINUE);
	assert_int_equal(mc_eoh(p.c), MC_CONTINUE);
	sent_cmds(&p, cmds, sizeof(cmds) - 1, NULL, 0);
	/* CONNECT (no reply awaited), no HELO, MAIL; header queued, no EOH */
	assert_string_equal(cmds, "CM");
	close_peer(&p);
}

static void
symlist_limits_macros(void **state)
{
	struct peer p;
	char s[256], cmds[64], mac[256];
	const char sl[] = "\0\0\0\2{mail_addr}";
	size_t n = optneg(s, 6, SMFIF_SETSYMLIST, 0, sl, sizeof(sl));
	struct mc_macro m[] = { { "i", "Q1" }, { "{mail_addr}", "a@b.test" }, { "{auth_authen}", "u" } };
	const char *mail[] = { "<a@b.test>" };

	(void)state;
	n += pkt(s + n, 'c', NULL, 0);
	assert_non_null(open_with(&p, s, n, 1000));
	sent_cmds(&p, cmds, sizeof(cmds) - 1, NULL, 0);
	assert_int_equal(mc_set_macros(p.c, MC_ST_MAIL, m, 3), 0);
	assert_int_equal(mc_mail(p.c, mail, 1), MC_CONTINUE);
	sent_cmds(&p, cmds, sizeof(cmds) - 1, mac, sizeof(mac));
	assert_string_equal(cmds, "DM");
	assert_int_equal(mac[0], 'M');
	assert_string_equal(mac + 1, "{mail_addr}");
	assert_string_equal(mac + 1 + strlen("{mail_addr}") + 1, "a@b.test");
	close_peer(&p);
}

static void
old_version_gets_no_data_event(void **state)
{
	struct peer p;
	char s[64], cmds[16];

	(void)state;
	assert_non_null(open_with(&p, s, optneg(s, 2, 0, 0, NULL, 0), 1000));
	sent_cmds(&p, cmds, sizeof(cmds) - 1, NULL, 0);
	assert_int_equal(mc_data(p.c), MC_CONTINUE);
	assert_int_equal(sent_cmds(&p, cmds, sizeof(cmds) - 1, NULL, 0), 0);
	close_peer(&p);
}

static void
verdicts_and_replycode(void **state)
{
	struct peer p;
	char s[512];
	size_t n = optneg(s, 6, 0, 0, NULL, 0);
	const char rc[] = "550-5.7.1 one\r\n550 5.7.1 two";
	const char *a[] = { "<x@y.test>" };

	(void)state;
	n += pkt(s + n, 'y', rc, sizeof(rc));
	n += pkt(s + n, 't', NULL, 0);
	n += pkt(s + n, 'd', NULL, 0);
	n += pkt(s + n, 'a', NULL, 0);
	assert_non_null(open_with(&p, s, n, 1000));
	assert_int_equal(mc_rcpt(p.c, a, 1), MC_REJECT);
	assert_string_equal(mc_reply(p.c), rc);
	assert_int_equal(mc_abort(p.c), 0);
	assert_string_equal(mc_reply(p.c), "");
	assert_int_equal(mc_rcpt(p.c, a, 1), MC_TEMPFAIL);
	assert_int_equal(mc_rcpt(p.c, a, 1), MC_DISCARD);
	assert_int_equal(mc_rcpt(p.c, a, 1), MC_ACCEPT);
	close_peer(&p);
}

static void
eom_collects_modifications_in_order(void **state)
{
	struct peer p;
	char s[1024], d[128];
	size_t n = optneg(s, 6, MP_ACTIONS_ALL, 0, NULL, 0), k;
	size_t nm;
	const struct mc_mod *m;

	(void)state;
	n += pkt(s + n, 'h', "X-A\0v a", 8);
	k = 0;
	memcpy(d, "\0\0\0\1X-B\0v b", 12);
	n += pkt(s + n, 'i', d, 12);
	memcpy(d, "\0\0\0\0Subject\0", 13); /* name, then an empty value */
	n += pkt(s + n, 'm', d, 13);
	n += pkt(s + n, 'e', "<n@s.test>\0SIZE=1", 18);
	n += pkt(s + n, '2', "<r@s.test>", 11);
	n += pkt(s + n, 'q', "why", 4);
	n += pkt(s + n, 'b', "body\r\n", 6);
	n += pkt(s + n, 'p', NULL, 0);
	n += pkt(s + n, 'c', NULL, 0);
	(void)k;
	assert_non_null(open_with(&p, s, n, 1000));
	assert_int_equal(mc_eom(p.c), MC_ACCEPT);
	m = mc_mods(p.c, &nm);
	assert_int_equal(nm, 7);
	assert_int_equal(m[0].type, MC_MOD_ADDHEADER);
	assert_string_equal(m[0].name, "X-A");
	assert_string_equal(m[0].value, "v a");
	assert_int_equal(m[1].type, MC_MOD_INSHEADER);
	assert_int_equal(m[1].index, 1);
	assert_int_equal(m[2].type, MC_MOD_CHGHEADER);
	assert_int_equal(m[2].index, 1); /* 0 means 1, as in Postfix */
	assert_string_equal(m[2].value, "");
	assert_int_equal(m[3].type, MC_MOD_CHGFROM);
	assert_string_equal(m[3].value, "SIZE=1");
	assert_int_equal(m[4].type, MC_MOD_ADDRCPT_PAR);
	assert_string_equal(m[4].value, "");
	assert_int_equal(m[5].type, MC_MOD_QUARANTINE);
	assert_int_equal(m[6].type, MC_MOD_REPLBODY);
	assert_int_equal(m[6].vlen, 6);
	assert_int_equal(mc_progress_count(p.c), 1);
	close_peer(&p);
}

static void
modification_rules_are_enforced(void **state)
{
	struct peer p;
	char s[256];
	size_t n;
	const char *a[] = { "<x@y.test>" };

	(void)state;
	/* before end of message */
	n = optneg(s, 6, MP_ACTIONS_ALL, 0, NULL, 0);
	n += pkt(s + n, 'h', "X\0y", 4);
	assert_non_null(open_with(&p, s, n, 1000));
	assert_int_equal(mc_rcpt(p.c, a, 1), MC_ERROR);
	assert_non_null(strstr(mc_error(p.c), "unexpected reply"));
	assert_int_equal(mc_rcpt(p.c, a, 1), MC_ERROR); /* stays broken */
	close_peer(&p);
	/* not negotiated */
	n = optneg(s, 6, SMFIF_ADDHDRS, 0, NULL, 0);
	n += pkt(s + n, '-', "<x@y.test>", 11);
	assert_non_null(open_with(&p, s, n, 1000));
	assert_int_equal(mc_eom(p.c), MC_ERROR);
	assert_non_null(strstr(mc_error(p.c), "did not negotiate"));
	close_peer(&p);
	/* malformed reply code */
	n = optneg(s, 6, 0, 0, NULL, 0);
	n += pkt(s + n, 'y', "250 ok", 7);
	assert_non_null(open_with(&p, s, n, 1000));
	assert_int_equal(mc_eom(p.c), MC_ERROR);
	close_peer(&p);
	/* SKIP without SMFIP_SKIP */
	n = optneg(s, 6, 0, 0, NULL, 0);
	n += pkt(s + n, 's', NULL, 0);
	assert_non_null(open_with(&p, s, n, 1000));
	assert_int_equal(mc_body(p.c, "x\r\n", 3), MC_ERROR);
	close_peer(&p);
}

static void
skip_stops_the_body(void **state)
{
	struct peer p;
	char s[256];
	size_t n = optneg(s, 6, 0, SMFIP_SKIP, NULL, 0);
	static char big[200000];

	(void)state;
	memset(big, 'x', sizeof(big));
	n += pkt(s + n, 's', NULL, 0);
	assert_non_null(open_with(&p, s, n, 1000));
	assert_int_equal(mc_body(p.c, big, sizeof(big)), MC_SKIP);
	close_peer(&p);
}

static void
timeout_is_an_error(void **state)
{
	struct peer p;
	char s[64];
	int64_t t0;
	const char *a[] = { "<x@y.test>" };

	(void)state;
	assert_non_null(open_with(&p, s, optneg(s, 6, 0, 0, NULL, 0), 200));
	t0 = mc_now_ms();
	assert_int_equal(mc_rcpt(p.c, a, 1), MC_ERROR);
	assert_true(mc_now_ms() - t0 < 5000);
	assert_non_null(strstr(mc_error(p.c), "timeout"));
	close_peer(&p);
	/* the absolute deadline wins over a long per-I/O timeout */
	assert_non_null(open_with(&p, s, optneg(s, 6, 0, 0, NULL, 0), 60000));
	mc_set_deadline(p.c, mc_now_ms() + 100);
	assert_int_equal(mc_rcpt(p.c, a, 1), MC_ERROR);
	close_peer(&p);
}

static void
garbage_and_eof_are_errors(void **state)
{
	struct peer p;
	char s[64];
	size_t n = optneg(s, 6, 0, 0, NULL, 0);
	const char *a[] = { "<x@y.test>" };

	(void)state;
	memcpy(s + n, "\xff\xff\xff\xff", 4);
	assert_non_null(open_with(&p, s, n + 4, 1000));
	assert_int_equal(mc_rcpt(p.c, a, 1), MC_ERROR);
	assert_non_null(strstr(mc_error(p.c), "bad reply packet length"));
	close_peer(&p);
	assert_non_null(open_with(&p, s, n, 1000));
	shutdown(p.fd, SHUT_WR);
	assert_int_equal(mc_rcpt(p.c, a, 1), MC_ERROR);
	assert_non_null(strstr(mc_error(p.c), "closed"));
	close_peer(&p);
}

static void
open_errors_name_the_socket(void **state)
{
	char err[256];

	(void)state;
	assert_null(mc_open("tcp:1@x", NULL, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "tcp:1@x"));
	assert_null(mc_open("unix:/nonexistent/sock", NULL, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/sock"));
	assert_null(mc_open("inet:99999", NULL, 0, err, sizeof(err)));
}

static void
fold_reply_makes_one_valid_line(void **state)
{
	char out[MC_REPLY_MAX];

	(void)state;
	mc_fold_reply("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third", "550", "5.7.1", out, sizeof(out));
	assert_string_equal(out, "550 5.7.1 first second third");
	mc_fold_reply("", "451", "4.7.1", out, sizeof(out));
	assert_string_equal(out, "451 4.7.1 Try again later");
	mc_fold_reply("Go away", "550", "5.7.1", out, sizeof(out));
	assert_string_equal(out, "550 5.7.1 Go away");
	mc_fold_reply("554 Spam", "550", "5.7.1", out, sizeof(out));
	assert_string_equal(out, "554 5.7.1 Spam");
	mc_fold_reply("451 5.7.1 mixed", "451", "4.7.1", out, sizeof(out));
	assert_string_equal(out, "451 4.7.1 mixed");
	mc_fold_reply("250 2.0.0 ok", "550", "5.7.1", out, sizeof(out));
	assert_string_equal(out, "550 5.7.1 ok");
	mc_fold_reply("550 5.7.1 a\tb\x01" "c", "550", "5.7.1", out, sizeof(out));
	assert_string_equal(out, "550 5.7.1 a b c");
	mc_fold_reply("550 5.7.1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "550", "5.7.1", out, 20);
	assert_int_equal(strlen(out), 19);
}

static void
decoder_checks_structure(void **state)
{
	struct mp_reply r;
	char err[128];

	(void)state;
	assert_int_equal(mp_decode_reply("a", 1, &r, err, sizeof(err)), 0);
	assert_int_equal(mp_decode_reply("ax", 2, &r, err, sizeof(err)), -1);
	assert_int_equal(mp_decode_reply("hX\0v", 4, &r, err, sizeof(err)), -1);
	assert_int_equal(mp_decode_reply("hX\0v\0", 5, &r, err, sizeof(err)), 0);
	assert_int_equal(mp_decode_reply("hX\0v\0z", 6, &r, err, sizeof(err)), -1);
	assert_int_equal(mp_decode_reply("h\0v\0", 4, &r, err, sizeof(err)), -1);
	assert_int_equal(mp_decode_reply("i\0\0", 3, &r, err, sizeof(err)), -1);
	assert_int_equal(mp_decode_reply("y451 4.7.1 x", 12, &r, err, sizeof(err)), 0);
	assert_int_equal(mp_decode_reply("y451 5.7.1 x", 12, &r, err, sizeof(err)), -1);
	assert_int_equal(mp_decode_reply("Z", 1, &r, err, sizeof(err)), -1);
	assert_int_equal(mp_check_replycode("550-x", 5), 0);
	assert_int_equal(mp_check_replycode("55", 2), -1);
}

/* One connection per thread, many messages each, no shared state. */
#define THREADS 8
#define MSGS 40

static void *
thread_run(void *arg)
{
	static const char *mail[] = { "<a@b.test>" }, *rcpt[] = { "<c@d.test>" };
	char *s = malloc(64 + MSGS * 128);
	size_t n;
	int sv[2], *ok = arg;
	char err[256];
	struct mc_options o = { .io_timeout_ms = 5000 };
	struct mc_conn *c;

	*ok = 0;
	n = optneg(s, 6, SMFIF_ADDHDRS, SMFIP_NR_HDR | SMFIP_NOHELO, NULL, 0);
	n += pkt(s + n, 'c', NULL, 0); /* connect */
	for (int m = 0; m < MSGS; m++) {
		for (int k = 0; k < 5; k++) /* mail rcpt data eoh body */
			n += pkt(s + n, 'c', NULL, 0);
		n += pkt(s + n, 'h', "X-T\0v\0", 6);
		n += pkt(s + n, 'a', NULL, 0);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || write(sv[1], s, n) != (ssize_t)n)
		return NULL;
	c = mc_open_fd(sv[0], "thread", &o, 0, err, sizeof(err));
	if (c != NULL && mc_connect_info(c, "[1.2.3.4]", '4', 25, "1.2.3.4") == MC_CONTINUE &&
	    mc_helo(c, "h") == MC_CONTINUE) {
		int good = 0;
		for (int m = 0; m < MSGS; m++) {
			size_t nm;
			if (mc_mail(c, mail, 1) == MC_CONTINUE && mc_rcpt(c, rcpt, 1) == MC_CONTINUE &&
			    mc_data(c) == MC_CONTINUE && mc_header(c, "S", "x") == MC_CONTINUE &&
			    mc_eoh(c) == MC_CONTINUE && mc_body(c, "b\r\n", 3) == MC_CONTINUE &&
			    mc_eom(c) == MC_ACCEPT && mc_mods(c, &nm) != NULL && nm == 1 && mc_abort(c) == 0)
				good++;
			/* keep the peer's buffer from filling: drain what we sent */
			char junk[65536];
			while (recv(sv[1], junk, sizeof(junk), MSG_DONTWAIT) > 0)
				;
		}
		*ok = good == MSGS;
	}
	mc_close(c);
	close(sv[1]);
	free(s);
	return NULL;
}

static void
one_connection_per_thread(void **state)
{
	pthread_t t[THREADS];
	int ok[THREADS];

	(void)state;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_run, &ok[i]), 0);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_true(ok[i]);
	}
}

/* Reads the header packet the client sent after OPTNEG; returns its data length. */
static size_t
read_header_packet(struct peer *p, char *data, size_t max)
{
	char neg[17];
	uint32_t l;

	assert_int_equal(recv(p->fd, neg, sizeof(neg), MSG_WAITALL), (ssize_t)sizeof(neg));
	assert_int_equal(recv(p->fd, &l, 4, MSG_WAITALL), 4);
	l = ntohl(l);
	assert_true(l - 1 <= max);
	assert_int_equal(recv(p->fd, data, 1, MSG_WAITALL), 1);
	assert_int_equal(data[0], 'L');
	assert_int_equal(recv(p->fd, data, l - 1, MSG_WAITALL), (ssize_t)(l - 1));
	return l - 1;
}

static void
headers_fit_the_negotiated_packet_size(void **state)
{
	struct peer p;
	char s[64], *data = malloc(MP_DATA_1M);
	struct { char *v; size_t n; } val = { malloc(80 * 1024), 0 };
	size_t n, got;

	(void)state;
	assert_non_null(data);
	assert_non_null(val.v);
	/* a folded 70 KB value: "start" then lines "\tyyyy..." joined by LF */
	memcpy(val.v, "start", 5);
	val.n = 5;
	while (val.n < 70 * 1024) {
		val.v[val.n++] = '\n';
		val.v[val.n++] = '\t';
		memset(val.v + val.n, 'y', 70);
		val.n += 70;
	}
	val.v[val.n] = '\0';

	/* no SMFIP_MDS_*: 64 KB - 1 of command data, the value cut at a fold */
	n = optneg(s, 6, 0, 0, NULL, 0);
	n += pkt(s + n, 'c', NULL, 0);
	assert_non_null(open_with(&p, s, n, 1000));
	assert_int_equal(mc_max_data(p.c), MP_DATA_64K);
	assert_int_equal(mc_header(p.c, "X-Big", val.v), MC_CONTINUE);
	assert_int_equal(mc_cut_count(p.c), 1);
	got = read_header_packet(&p, data, MP_DATA_64K);
	assert_true(got > MP_DATA_64K - 80);
	assert_string_equal(data, "X-Big");
	/* the value sent is a prefix of the original that ends before a fold */
	size_t vl = strlen(data + 6);
	assert_int_equal(got, 6 + vl + 1);
	assert_memory_equal(data + 6, val.v, vl);
	assert_int_equal(val.v[vl], '\n');
	close_peer(&p);

	/* SMFIP_MDS_1M in the reply: the same header goes whole */
	n = optneg(s, 6, 0, SMFIP_MDS_1M, NULL, 0);
	n += pkt(s + n, 'c', NULL, 0);
	assert_non_null(open_with(&p, s, n, 1000));
	assert_int_equal(mc_max_data(p.c), MP_DATA_1M);
	assert_int_equal(mc_header(p.c, "X-Big", val.v), MC_CONTINUE);
	assert_int_equal(mc_cut_count(p.c), 0);
	got = read_header_packet(&p, data, MP_DATA_1M);
	assert_int_equal(got, 6 + val.n + 1);
	assert_memory_equal(data + 6, val.v, val.n);
	close_peer(&p);
	free(val.v);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(negotiation_offers_v6_everything),
		cmocka_unit_test(headers_fit_the_negotiated_packet_size),
		cmocka_unit_test(negotiation_refuses_newer_version_and_unoffered_actions),
		cmocka_unit_test(no_flags_skip_steps_nr_flags_skip_replies),
		cmocka_unit_test(symlist_limits_macros),
		cmocka_unit_test(old_version_gets_no_data_event),
		cmocka_unit_test(verdicts_and_replycode),
		cmocka_unit_test(eom_collects_modifications_in_order),
		cmocka_unit_test(modification_rules_are_enforced),
		cmocka_unit_test(skip_stops_the_body),
		cmocka_unit_test(timeout_is_an_error),
		cmocka_unit_test(garbage_and_eof_are_errors),
		cmocka_unit_test(open_errors_name_the_socket),
		cmocka_unit_test(fold_reply_makes_one_valid_line),
		cmocka_unit_test(decoder_checks_structure),
		cmocka_unit_test(one_connection_per_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
