/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_dig.c - test helper: look names up through the production DNS layer
 * (dns.c) and print what it returns, plus its counters.
 *
 *   spf_dig [-t TIMEOUT_MS] [-d DEADLINE_MS] RESOLVER NAME TYPE [NAME TYPE...]
 *
 * RESOLVER is "host@port" ("" for /etc/resolv.conf); TYPE is a number or
 * A, AAAA, MX, TXT, PTR, CNAME. Output per lookup: "NAME TYPE RCODE COUNT
 * [cache]" then one line per record (TXT joined, names as text, A/AAAA as
 * addresses); finally "stats lookups=.. cache_hits=.. upstream=.. timeouts=..
 * failures=..". Exit 0 unless a local error.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dns.h"

static int
type_num(const char *s)
{
	static const struct { const char *n; int t; } tab[] = {
		{ "A", ns_t_a }, { "NS", ns_t_ns }, { "CNAME", ns_t_cname }, { "PTR", ns_t_ptr }, { "MX", ns_t_mx },
		{ "TXT", ns_t_txt }, { "AAAA", ns_t_aaaa }, { "SPF", ns_t_spf },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcasecmp(s, tab[i].n) == 0)
			return tab[i].t;
	return atoi(s);
}

int
main(int argc, char **argv)
{
	struct dns_options o = { 0 };
	struct dns_resolver *r;
	struct dns_stats st;
	char err[256];
	unsigned deadline = 0;
	int c;

	while ((c = getopt(argc, argv, "t:d:")) != -1) {
		if (c == 't') o.query_timeout_ms = (unsigned)atoi(optarg);
		else if (c == 'd') deadline = (unsigned)atoi(optarg);
		else return 2;
	}
	if (argc - optind < 3 || (argc - optind) % 2 != 1) {
		fprintf(stderr, "usage: spf_dig [-t MS] [-d MS] RESOLVER NAME TYPE [NAME TYPE...]\n");
		return 2;
	}
	o.forwarders = argv[optind];
	r = dns_resolver_new(&o, err, sizeof(err));
	if (r == NULL) {
		fprintf(stderr, "spf_dig: %s\n", err);
		return 2;
	}
	uint64_t dl = deadline ? dns_now_ms() + deadline : 0;
	for (int i = optind + 1; i + 1 < argc; i += 2) {
		struct dns_answer *a;
		int t = type_num(argv[i + 1]);
		if (dns_lookup(r, argv[i], t, dl, &a) < 0) {
			printf("%s %d local-error\n", argv[i], t);
			continue;
		}
		printf("%s %d %s %zu ttl=%u%s\n", argv[i], t, dns_rcode_str(a->rcode), a->count,
		       a->ttl, a->from_cache ? " cache" : "");
		for (size_t k = 0; k < a->count; k++) {
			char buf[70000];
			const struct dns_rr *rr = &a->rr[k];
			if (t == ns_t_txt || t == ns_t_spf) {
				long n = dns_txt_join(rr, buf, sizeof(buf));
				printf("  len=%ld \"%s\"\n", n, n >= 0 ? buf : "?");
			} else if (t == ns_t_a && rr->len == 4) {
				printf("  %s\n", inet_ntop(AF_INET, rr->data, buf, sizeof(buf)));
			} else if (t == ns_t_aaaa && rr->len == 16) {
				printf("  %s\n", inet_ntop(AF_INET6, rr->data, buf, sizeof(buf)));
			} else if (t == ns_t_mx && rr->len > 2) {
				printf("  %s\n", dns_wire_name(rr->data, rr->len, 2, buf, sizeof(buf)) == 0 ? buf : "?");
			} else if (t == ns_t_ptr || t == ns_t_cname || t == ns_t_ns) {
				printf("  %s\n", dns_wire_name(rr->data, rr->len, 0, buf, sizeof(buf)) == 0 ? buf : "?");
			} else {
				printf("  (%zu octets)\n", rr->len);
			}
		}
		dns_answer_free(a);
	}
	dns_stats_get(r, &st);
	printf("stats lookups=%llu cache_hits=%llu upstream=%llu timeouts=%llu failures=%llu\n",
	       (unsigned long long)st.lookups, (unsigned long long)st.cache_hits,
	       (unsigned long long)st.upstream, (unsigned long long)st.timeouts,
	       (unsigned long long)st.failures);
	dns_resolver_free(r);
	return 0;
}
