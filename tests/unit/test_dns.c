/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_dns.c - the DNS layer (dns.c) against a tiny in-process DNS server
 * on a loopback UDP port: .test names through a forwarder, positive and
 * negative caching with TTLs, NODATA vs NXDOMAIN, per-query timeout and
 * whole-check deadline (ub_cancel), the cache cap, counters, concurrent
 * callers, and the rdata helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns.h"

/* ---- the fake server ---------------------------------------------------- */

static int srv_fd = -1;
static int srv_port;
static pthread_t srv_thread;
static atomic_int srv_stop;
static atomic_int srv_queries;        /* all queries answered or not */
static atomic_int srv_short_queries;  /* queries for short.unit.test */

static size_t
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return 2;
}

static size_t
put32(unsigned char *p, unsigned long v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return 4;
}

static size_t
put_name(unsigned char *p, const char *name)
{
	size_t o = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);
		p[o++] = (unsigned char)n;
		memcpy(p + o, name, n);
		o += n;
		name += n + (dot ? 1 : 0);
	}
	p[o++] = 0;
	return o;
}

/* One answer RR with a compressed owner (the question name). */
static size_t
put_rr(unsigned char *p, unsigned type, unsigned ttl, const unsigned char *rdata, size_t rdlen)
{
	size_t o = 0;

	o += put16(p + o, 0xc00c);
	o += put16(p + o, type);
	o += put16(p + o, ns_c_in);
	o += put32(p + o, ttl);
	o += put16(p + o, (unsigned)rdlen);
	memcpy(p + o, rdata, rdlen);
	return o + rdlen;
}

static size_t
put_soa(unsigned char *p, unsigned minimum)
{
	unsigned char rd[128];
	size_t r = 0, o = 0;

	r += put_name(rd + r, "ns.unit.test");
	r += put_name(rd + r, "hostmaster.unit.test");
	r += put32(rd + r, 1);
	r += put32(rd + r, 3600);
	r += put32(rd + r, 600);
	r += put32(rd + r, 86400);
	r += put32(rd + r, minimum);
	o += put_name(p + o, "unit.test");
	o += put16(p + o, ns_t_soa);
	o += put16(p + o, ns_c_in);
	o += put32(p + o, minimum);
	o += put16(p + o, (unsigned)r);
	memcpy(p + o, rd, r);
	return o + r;
}

static void *
server_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&srv_stop)) {
		struct pollfd pfd = { .fd = srv_fd, .events = POLLIN };
		unsigned char q[512], r[1024];
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		char name[256];
		size_t i = 12, n = 0, o;
		unsigned qtype, an = 0, ns = 0, rcode = 0;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		ssize_t len = recvfrom(srv_fd, q, sizeof(q), 0, (struct sockaddr *)&peer, &plen);
		if (len < 17)
			continue;
		atomic_fetch_add(&srv_queries, 1);
		while (i < (size_t)len && q[i] != 0 && n + q[i] + 1 < sizeof(name)) {
			size_t l = q[i++];
			if (n) name[n++] = '.';
			for (size_t k = 0; k < l; k++) name[n++] = (char)tolower(q[i + k]);
			i += l;
		}
		name[n] = '\0';
		i++;
		if (i + 4 > (size_t)len)
			continue;
		qtype = (unsigned)(q[i] << 8 | q[i + 1]);
		i += 4;
		memcpy(r, q, i);   /* header + question */
		o = i;
		if (strcmp(name, "silent.unit.test") == 0)
			continue;   /* never answer */
		if (strcmp(name, "short.unit.test") == 0)
			atomic_fetch_add(&srv_short_queries, 1);

		if (strcmp(name, "txt.unit.test") == 0 && qtype == ns_t_txt) {
			static const unsigned char rd[] = "\x0bv=spf1 -all";
			o += put_rr(r + o, ns_t_txt, 300, rd, 12);
			an = 1;
		} else if (strcmp(name, "multi.unit.test") == 0 && qtype == ns_t_txt) {
			static const unsigned char rd[] = "\x03" "abc" "\x03" "def";
			o += put_rr(r + o, ns_t_txt, 300, rd, 8);
			an = 1;
		} else if (strcmp(name, "short.unit.test") == 0 && qtype == ns_t_a) {
			static const unsigned char rd[] = { 192, 0, 2, 1 };
			o += put_rr(r + o, ns_t_a, 1, rd, 4);
			an = 1;
		} else if (strcmp(name, "mx.unit.test") == 0 && qtype == ns_t_mx) {
			unsigned char rd[64];
			size_t l = put16(rd, 10);
			l += put_name(rd + l, "mail.unit.test");
			o += put_rr(r + o, ns_t_mx, 300, rd, l);
			an = 1;
		} else if (strncmp(name, "many", 4) == 0 && qtype == ns_t_a) {
			unsigned char rd[4] = { 198, 51, 100, 0 };
			for (int k = 0; k < 3; k++) {
				rd[3] = (unsigned char)k;
				o += put_rr(r + o, ns_t_a, 300, rd, 4);
			}
			an = 3;
		} else if (strcmp(name, "nodata.unit.test") == 0 || strcmp(name, "txt.unit.test") == 0 ||
		           strcmp(name, "short.unit.test") == 0) {
			o += put_soa(r + o, 60);
			ns = 1;
		} else {
			o += put_soa(r + o, 60);
			ns = 1;
			rcode = ns_r_nxdomain;
		}
		r[2] = 0x84 | (q[2] & 0x01);   /* QR AA, RD copied */
		r[3] = (unsigned char)(0x80 | rcode);   /* RA */
		put16(r + 4, 1);
		put16(r + 6, an);
		put16(r + 8, ns);
		put16(r + 10, 0);
		sendto(srv_fd, r, o, 0, (struct sockaddr *)&peer, plen);
	}
	return NULL;
}

static int
setup_server(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);

	(void)state;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (srv_fd < 0 || bind(srv_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(srv_fd, (struct sockaddr *)&a, &al) < 0)
		return -1;
	srv_port = ntohs(a.sin_port);
	atomic_store(&srv_stop, 0);
	return pthread_create(&srv_thread, NULL, server_main, NULL) == 0 ? 0 : -1;
}

static int
teardown_server(void **state)
{
	(void)state;
	atomic_store(&srv_stop, 1);
	pthread_join(srv_thread, NULL);
	close(srv_fd);
	return 0;
}

/* Query timeout of the tests that expect an answer: generous, because under
 * valgrind on a busy machine libunbound's first answer can take seconds. */
#define ANSWER_MS 10000

/* The cache's fake clock (dns_options.now_ms), moved by the TTL test. */
static _Atomic uint64_t fake_ms = 1000000;

static uint64_t
fake_now(void)
{
	return atomic_load(&fake_ms);
}

static struct dns_resolver *
resolver(unsigned timeout_ms, size_t cache)
{
	char fwd[64], err[256];
	struct dns_options o = { 0 };
	struct dns_resolver *r;

	snprintf(fwd, sizeof(fwd), "127.0.0.1@%d", srv_port);
	o.forwarders = fwd;
	o.query_timeout_ms = timeout_ms;
	o.cache_entries = cache;
	o.now_ms = fake_now;
	r = dns_resolver_new(&o, err, sizeof(err));
	if (r == NULL)
		fail_msg("dns_resolver_new: %s", err);
	return r;
}

/* ---- tests ------------------------------------------------------------ */

static void
test_test_names_resolve_through_forwarder(void **state)
{
	struct dns_resolver *r = resolver(ANSWER_MS, 0);
	struct dns_answer *a;
	char txt[64];

	(void)state;
	assert_int_equal(dns_lookup(r, "txt.unit.test", ns_t_txt, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_OK);
	assert_int_equal(a->count, 1);
	assert_int_equal(dns_txt_join(&a->rr[0], txt, sizeof(txt)), 11);
	assert_string_equal(txt, "v=spf1 -all");
	assert_non_null(a->packet);   /* the raw reply packet */
	assert_true(a->packet_len > 12);
	assert_false(a->from_cache);
	dns_answer_free(a);
	dns_resolver_free(r);
}

static void
test_cache_and_counters(void **state)
{
	struct dns_resolver *r = resolver(ANSWER_MS, 0);
	struct dns_answer *a;
	struct dns_stats st;

	(void)state;
	assert_int_equal(dns_lookup(r, "txt.unit.test", ns_t_txt, 0, &a), 0);
	dns_answer_free(a);
	assert_int_equal(dns_lookup(r, "TXT.Unit.Test.", ns_t_txt, 0, &a), 0);   /* case, trailing dot */
	assert_int_equal(a->rcode, DNS_R_OK);
	assert_true(a->from_cache);
	assert_true(a->ttl <= 300 && a->ttl > 0);
	dns_answer_free(a);
	dns_stats_get(r, &st);
	assert_int_equal(st.lookups, 2);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(st.upstream, 1);
	assert_int_equal(st.timeouts, 0);
	dns_resolver_free(r);
}

static void
test_negative_answers_are_cached(void **state)
{
	struct dns_resolver *r = resolver(ANSWER_MS, 0);
	struct dns_answer *a;
	struct dns_stats st;

	(void)state;
	assert_int_equal(dns_lookup(r, "nx.unit.test", ns_t_a, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_NXDOMAIN);
	dns_answer_free(a);
	assert_int_equal(dns_lookup(r, "nx.unit.test", ns_t_a, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_NXDOMAIN);
	assert_true(a->from_cache);
	dns_answer_free(a);
	assert_int_equal(dns_lookup(r, "nodata.unit.test", ns_t_txt, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_NODATA);
	assert_int_equal(a->count, 0);
	dns_answer_free(a);
	assert_int_equal(dns_lookup(r, "nodata.unit.test", ns_t_txt, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_NODATA);
	assert_true(a->from_cache);
	dns_answer_free(a);
	dns_stats_get(r, &st);
	assert_int_equal(st.upstream, 2);
	dns_resolver_free(r);
}

static void
test_ttl_expiry_requeries(void **state)
{
	struct dns_resolver *r = resolver(ANSWER_MS, 0);
	struct dns_answer *a;
	struct dns_stats st;

	(void)state;
	assert_int_equal(dns_lookup(r, "short.unit.test", ns_t_a, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_OK);
	assert_int_equal(a->ttl, 1);
	dns_answer_free(a);
	atomic_fetch_add(&fake_ms, 999);   /* 1 ms short of the TTL: still cached */
	assert_int_equal(dns_lookup(r, "short.unit.test", ns_t_a, 0, &a), 0);
	assert_true(a->from_cache);
	assert_int_equal(a->ttl, 1);
	dns_answer_free(a);
	atomic_fetch_add(&fake_ms, 1);     /* the TTL is over: asked again */
	assert_int_equal(dns_lookup(r, "short.unit.test", ns_t_a, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_OK);
	assert_false(a->from_cache);
	dns_answer_free(a);
	dns_stats_get(r, &st);
	assert_int_equal(st.upstream, 2);
	assert_int_equal(st.cache_hits, 1);
	dns_resolver_free(r);
}

static void
test_timeout_and_deadline(void **state)
{
	struct dns_resolver *r = resolver(300, 0);
	struct dns_answer *a;
	struct dns_stats st;
	uint64_t t0 = dns_now_ms();

	(void)state;
	assert_int_equal(dns_lookup(r, "silent.unit.test", ns_t_txt, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_TIMEOUT);
	assert_null(a->packet);
	dns_answer_free(a);
	assert_true(dns_now_ms() - t0 >= 290);
	/* An earlier deadline wins over the per-query timeout. */
	dns_resolver_free(r);
	r = resolver(5000, 0);
	t0 = dns_now_ms();
	assert_int_equal(dns_lookup(r, "silent.unit.test", ns_t_a, t0 + 200, &a), 0);
	assert_int_equal(a->rcode, DNS_R_TIMEOUT);
	dns_answer_free(a);
	assert_true(dns_now_ms() - t0 < 30000);   /* a hang detector, not a timing check */
	/* A deadline already past: no query at all. */
	assert_int_equal(dns_lookup(r, "txt.unit.test", ns_t_txt, dns_now_ms() - 1, &a), 0);
	assert_int_equal(a->rcode, DNS_R_TIMEOUT);
	dns_answer_free(a);
	/* The resolver still works after abandoned queries. */
	assert_int_equal(dns_lookup(r, "txt.unit.test", ns_t_txt, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_OK);
	dns_answer_free(a);
	dns_stats_get(r, &st);
	assert_int_equal(st.timeouts, 2);
	dns_resolver_free(r);
}

static void
test_cache_cap_evicts(void **state)
{
	struct dns_resolver *r = resolver(ANSWER_MS, 2);
	struct dns_answer *a;
	struct dns_stats st;
	const char *names[] = { "many1.unit.test", "many2.unit.test", "many3.unit.test", "many1.unit.test" };

	(void)state;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(dns_lookup(r, names[i], ns_t_a, 0, &a), 0);
		assert_int_equal(a->rcode, DNS_R_OK);
		assert_int_equal(a->count, 3);
		dns_answer_free(a);
	}
	dns_stats_get(r, &st);
	assert_int_equal(st.cache_hits, 0);   /* many1 was evicted by many3 */
	assert_int_equal(st.upstream, 4);
	dns_resolver_free(r);
}

static void
test_bad_names(void **state)
{
	struct dns_resolver *r = resolver(ANSWER_MS, 0);
	struct dns_answer *a;
	char label[80], longname[300];

	(void)state;
	assert_int_equal(dns_lookup(r, "a..unit.test", ns_t_a, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_ERROR);
	dns_answer_free(a);
	memset(label, 'x', 64);
	label[64] = '\0';
	snprintf(longname, sizeof(longname), "%s.unit.test", label);
	assert_int_equal(dns_lookup(r, longname, ns_t_a, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_ERROR);
	dns_answer_free(a);
	/* Spaces and '%' are legal octets (SPF macros make them): a normal NXDOMAIN. */
	assert_int_equal(dns_lookup(r, "a b%c.unit.test", ns_t_a, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_NXDOMAIN);
	dns_answer_free(a);
	dns_resolver_free(r);
}

struct worker { struct dns_resolver *r; int ok; };

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	w->ok = 1;
	for (int i = 0; i < 50; i++) {
		struct dns_answer *a;
		const char *n = i % 3 == 0 ? "txt.unit.test" : i % 3 == 1 ? "mx.unit.test" : "nx.unit.test";
		int t = i % 3 == 0 ? ns_t_txt : i % 3 == 1 ? ns_t_mx : ns_t_a;
		if (dns_lookup(w->r, n, t, 0, &a) != 0) { w->ok = 0; continue; }
		if (a->rcode != (i % 3 == 2 ? DNS_R_NXDOMAIN : DNS_R_OK))
			w->ok = 0;
		dns_answer_free(a);
	}
	return NULL;
}

static void
test_concurrent_callers(void **state)
{
	struct dns_resolver *r = resolver(ANSWER_MS, 0);
	pthread_t th[8];
	struct worker w[8];

	(void)state;
	for (int i = 0; i < 8; i++) {
		w[i].r = r;
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_true(w[i].ok);
	}
	dns_resolver_free(r);
}

static void
test_rdata_helpers(void **state)
{
	struct dns_resolver *r = resolver(ANSWER_MS, 0);
	struct dns_answer *a;
	char buf[64];

	(void)state;
	assert_int_equal(dns_lookup(r, "multi.unit.test", ns_t_txt, 0, &a), 0);
	assert_int_equal(dns_txt_join(&a->rr[0], buf, sizeof(buf)), 6);
	assert_string_equal(buf, "abcdef");   /* strings joined without separator */
	assert_int_equal(dns_txt_join(&a->rr[0], buf, 4), -1);   /* does not fit */
	{
		/* the records as dns.c reads them from the reply packet itself */
		const unsigned char *rd[4];
		size_t lens[4];
		unsigned ttl = 0;
		assert_int_equal(dns_packet_records(a->packet, a->packet_len, ns_t_txt, rd, lens, 4, &ttl), 1);
		assert_int_equal(lens[0], a->rr[0].len);
		assert_memory_equal(rd[0], a->rr[0].data, lens[0]);
		assert_int_equal(ttl, 300);
		assert_int_equal(dns_packet_records(a->packet, a->packet_len, ns_t_a, rd, lens, 4, &ttl), 0);
		assert_int_equal(dns_packet_records(a->packet, 5, ns_t_txt, rd, lens, 4, &ttl), -1);
	}
	dns_answer_free(a);
	assert_int_equal(dns_lookup(r, "mx.unit.test", ns_t_mx, 0, &a), 0);
	assert_int_equal(a->rcode, DNS_R_OK);
	assert_int_equal(dns_wire_name(a->rr[0].data, a->rr[0].len, 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "mail.unit.test");
	assert_int_equal(dns_wire_name(a->rr[0].data, a->rr[0].len - 1, 2, buf, sizeof(buf)), -1);
	dns_answer_free(a);
	{
		static const unsigned char bad[] = { 5, 'a', 'b' };   /* label runs past the end */
		static const unsigned char odd[] = { 3, 'a', ' ', '.', 0 };
		struct dns_rr rr = { bad, sizeof(bad) };
		assert_int_equal(dns_txt_join(&rr, buf, sizeof(buf)), -1);
		assert_false(dns_txt_wellformed(bad, sizeof(bad)));   /* string overruns the rdata */
		assert_true(dns_txt_wellformed(odd, 0));              /* no strings at all (null text) */
		assert_true(dns_txt_wellformed((const unsigned char *)"\0", 1));   /* one empty string */
		assert_int_equal(dns_wire_name(bad, sizeof(bad), 0, buf, sizeof(buf)), -1);
		assert_int_equal(dns_wire_name(odd, sizeof(odd), 0, buf, sizeof(buf)), 0);
		assert_string_equal(buf, "a\\032\\046");
	}
	dns_resolver_free(r);
}

static void
test_bad_forwarder_is_an_error(void **state)
{
	struct dns_options o = { .forwarders = "not an address" };
	char err[256];

	(void)state;
	assert_null(dns_resolver_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "not"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_test_names_resolve_through_forwarder),
		cmocka_unit_test(test_cache_and_counters),
		cmocka_unit_test(test_negative_answers_are_cached),
		cmocka_unit_test(test_ttl_expiry_requeries),
		cmocka_unit_test(test_timeout_and_deadline),
		cmocka_unit_test(test_cache_cap_evicts),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_concurrent_callers),
		cmocka_unit_test(test_rdata_helpers),
		cmocka_unit_test(test_bad_forwarder_is_an_error),
	};
	return cmocka_run_group_tests(tests, setup_server, teardown_server);
}
