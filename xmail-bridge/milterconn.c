/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * milterconn.c - the milter connection: connecting to a socket spec and
 * the non-blocking packet I/O under the per-I/O timeout and the absolute
 * deadline (poll()).
 *
 * Output is queued in c->out and flushed only when a reply is due (or the
 * queue passes OUT_FLUSH), so macros and their command, and no-reply
 * headers, leave in one write as in Postfix. Input is read through a
 * buffer; a packet is at most MC_MAX_PACKET bytes, and no queued packet
 * carries more command data than the milter negotiated.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "sockspec.h"
#include "log.h"
#include "milterclient.h"
#include "milterclient_int.h"
#include "milterproto.h"

int64_t
mc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum mc_verdict
mc_fail(struct mc_conn *c, const char *fmt, ...)
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
			mc_fail(c, "timeout while %s", what);
			return -1;
		}
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return 0;
		if (r == 0) {
			mc_fail(c, "timeout while %s", what);
			return -1;
		}
		if (errno != EINTR) {
			mc_fail(c, "poll while %s: %s", what, strerror(errno));
			return -1;
		}
	}
}

int
mc_flush(struct mc_conn *c)
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
		mc_fail(c, "write failed: %s", w < 0 ? strerror(errno) : "short write");
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
			mc_fail(c, "out of memory for a %zu byte packet", n);
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
			mc_fail(c, "connection closed by milter");
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
		mc_fail(c, "read failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Reads one packet; *p points into the read buffer until the next read. */
int
mc_read_packet(struct mc_conn *c, const char **p, size_t *len)
{
	uint32_t nl;
	size_t plen;

	if (fill_in(c, 4) < 0)
		return -1;
	memcpy(&nl, c->in + c->inpos, 4);
	plen = ntohl(nl);
	if (plen < 1 || plen > MC_MAX_PACKET) {
		mc_fail(c, "bad reply packet length %zu (protocol garbage?)", plen);
		return -1;
	}
	if (fill_in(c, 4 + plen) < 0)
		return -1;
	*p = c->in + c->inpos + 4;
	*len = plen;
	c->inpos += 4 + plen;
	return 0;
}

int
mc_queue_packet(struct mc_conn *c, int cmd, const void *data, size_t len)
{
	uint32_t nl;
	char ch = (char)cmd;

	/* The steps cut what they send to fit; this is the backstop. */
	if (len > c->max_data) {
		mc_fail(c, "%s of %zu bytes exceeds the %zu the milter negotiated", mp_cmd_name(cmd),
		    len, c->max_data);
		return -1;
	}
	nl = htonl((uint32_t)(len + 1));
	if (buf_append(&c->out, &nl, 4) < 0 || buf_append(&c->out, &ch, 1) < 0 ||
	    (len > 0 && buf_append(&c->out, data, len) < 0)) {
		mc_fail(c, "out of memory queueing %s", mp_cmd_name(cmd));
		return -1;
	}
	return 0;
}

/* Connects to a socket spec (sockspec.h: unix:, local:, inet:, inet6:). */
int
mc_connect_spec(const char *spec, int timeout_ms, int64_t deadline, char *err, size_t errlen)
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

