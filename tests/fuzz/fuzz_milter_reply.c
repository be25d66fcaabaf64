/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_milter_reply.c - libFuzzer target for the milter reply parser: the
 * input is what a (hostile) milter sends. Each packet is decoded on its
 * own (milterproto.c), then the whole input is played to the client
 * library over a socketpair through a full message (milterclient.c).
 * Must never crash, hang or leak, whatever the milter says.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "milterclient.h"
#include "milterproto.h"

static int
body_sink(void *arg, const char *d, size_t l)
{
	(void)arg;
	(void)d;
	return l > 1000000 ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t off = 0;
	char err[256];
	int sv[2];

	/* 1. packet by packet through the pure decoder */
	while (off + 4 <= size) {
		uint32_t l;
		struct mp_reply r;
		struct mp_optneg o;

		memcpy(&l, p + off, 4);
		l = ntohl(l);
		off += 4;
		if (l > size - off)
			l = (uint32_t)(size - off);
		(void)mp_decode_reply(p + off, l, &r, err, sizeof(err));
		(void)mp_decode_optneg(p + off, l, &o, err, sizeof(err));
		off += l;
	}

	/* 2. the client through a whole message */
	if (size > 150000 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	if (write(sv[1], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	shutdown(sv[1], SHUT_WR); /* EOF after the input: no waiting */
	{
		struct mc_options mo = { .io_timeout_ms = 1000, .replbody_cb = body_sink };
		struct mc_conn *c = mc_open_fd(sv[0], "fuzz", &mo, mc_now_ms() + 2000, err, sizeof(err));
		if (c != NULL) {
			const char *mail[] = { "<a@b.test>", "SIZE=10" };
			const char *rcpt[] = { "<c@d.test>" };
			struct mc_macro m[] = { { "i", "Q1" }, { "{mail_addr}", "a@b.test" } };
			enum mc_verdict v;
			size_t n;
			char line[MC_REPLY_MAX];

			mc_set_macros(c, MC_ST_MAIL, m, 2);
			v = mc_connect_info(c, "[1.2.3.4]", '4', 25, "1.2.3.4");
			if (v == MC_CONTINUE)
				v = mc_helo(c, "h.test");
			if (v == MC_CONTINUE)
				v = mc_mail(c, mail, 2);
			if (v == MC_CONTINUE)
				v = mc_rcpt(c, rcpt, 1);
			if (v == MC_CONTINUE)
				v = mc_data(c);
			if (v == MC_CONTINUE)
				v = mc_header(c, "Subject", "x");
			if (v == MC_CONTINUE)
				v = mc_eoh(c);
			if (v == MC_CONTINUE)
				v = mc_body(c, "body\r\n", 6);
			if (v == MC_CONTINUE || v == MC_SKIP)
				v = mc_eom(c);
			(void)mc_mods(c, &n);
			mc_fold_reply(mc_reply(c), "550", "5.7.1", line, sizeof(line));
			(void)mc_abort(c);
			mc_close(c);
		}
	}
	close(sv[1]);
	return 0;
}
