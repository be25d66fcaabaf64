/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl_spf.c - the SPF subcommands of spfdkim-ctl.
 *
 *   spf --ip IP --mail-from ADDR --helo NAME [--resolver HOST@PORT]
 *       [--header-from FROM] [--timeout MS] [--budget MS] [--repeat N]
 *     Line 1: the result keyword. Then "explanation: ...", "mechanism: ...",
 *     "domain: D (identity mailfrom|helo|header-from)", "dns lookups: N
 *     (terms T, void V, upstream U)", "time: X ms", and "problem: ..." for
 *     temperror/permerror. --repeat runs the same check again on the same
 *     (warm) resolver and prints "repeat K: RESULT, dns lookups N, upstream
 *     queries U" for each. --header-from takes an address or a whole From:
 *     value, read as the milter reads it (mailaddr.h): one with no single
 *     author domain prints "policy" and the reason, as the milter's
 *     bad-from. Exit 0 for pass, 1 for any other result, 2 for usage or
 *     input errors.
 *
 *   spf-record --domain D --ip A [--ip B...] [--include D2...] [--all -|~|?]
 *     Prints one zone-file line: D. 3600 IN TXT "v=spf1 ip4:A ... -all",
 *     split into 255-octet strings when longer, after checking it with our
 *     own parser. Addresses may carry a /prefix; v4-mapped become ip4.
 *
 *   spf-audit --domain D --ip A [--ip B...] [--resolver HOST@PORT]
 *     Fetches D's published record, checks each IP against it (as
 *     postmaster@D), counts the DNS-querying terms it needs through every
 *     include/redirect, and warns above 10. Exit 0 when every IP passes and
 *     the count is within the limit, 1 otherwise, 2 on usage errors or when
 *     no record is published.
 *
 * Caps: 64 --ip and 32 --include arguments.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "dname.h"
#include "dns.h"
#include "mailaddr.h"
#include "spf.h"
#include "spf_audit.h"
#include "spf_ip.h"
#include "spf_record.h"

#define MAX_IPS 64
#define MAX_INCLUDES 32

static int
num_arg(const char *flag, const char *v, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (*v == '\0' || *end != '\0' || n > max) {
		fprintf(stderr, "spfdkim-ctl: %s '%s': expected a number up to %u\n", flag, v, max);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static struct dns_resolver *
open_resolver(const char *resolver, unsigned timeout_ms)
{
	struct dns_options o = { 0 };
	char err[256];
	struct dns_resolver *r;

	o.forwarders = resolver;
	o.query_timeout_ms = timeout_ms;
	r = dns_resolver_new(&o, err, sizeof(err));
	if (r == NULL)
		fprintf(stderr, "spfdkim-ctl: resolver '%s': %s\n", resolver ? resolver : "/etc/resolv.conf", err);
	return r;
}

int
ctl_spf(int argc, char **argv)
{
	const char *ip = NULL, *from = NULL, *helo = NULL, *resolver = NULL, *hfrom = NULL;
	unsigned timeout = 0, budget = 0, repeat = 1;
	struct dns_resolver *r;
	struct spf_request req = { 0 };
	struct spf_limits lim;
	struct spf_response resp;
	struct dns_stats s0, s1;
	const char *identity;
	char hdomain[MAILADDR_DOMAIN_MAX], haddr[MAILADDR_ADDR_MAX];

	for (int i = 1; i < argc; i += 2) {	/* options come in pairs */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL) {
			fprintf(stderr, "spfdkim-ctl spf: %s needs a value\n", a);
			return 2;
		}
		if (strcmp(a, "--ip") == 0) ip = v;
		else if (strcmp(a, "--mail-from") == 0) from = v;
		else if (strcmp(a, "--helo") == 0) helo = v;
		else if (strcmp(a, "--resolver") == 0) resolver = v;
		else if (strcmp(a, "--header-from") == 0) hfrom = v;
		else if (strcmp(a, "--timeout") == 0) { if (num_arg(a, v, 600000, &timeout) < 0) return 2; }
		else if (strcmp(a, "--budget") == 0) { if (num_arg(a, v, 600000, &budget) < 0) return 2; }
		else if (strcmp(a, "--repeat") == 0) { if (num_arg(a, v, 100000, &repeat) < 0 || repeat == 0) return 2; }
		else {
			fprintf(stderr, "spfdkim-ctl spf: unknown option '%s'\n", a);
			return 2;
		}
	}
	if (ip == NULL || from == NULL || helo == NULL) {
		fprintf(stderr, "usage: spfdkim-ctl spf --ip IP --mail-from ADDR --helo NAME [--resolver HOST@PORT] [--header-from ADDR]\n");
		return 2;
	}
	{
		struct spf_ip tmp;
		if (spf_ip_parse(ip, &tmp) < 0) {
			fprintf(stderr, "spfdkim-ctl spf: --ip '%s' is not an IPv4 or IPv6 address\n", ip);
			return 2;
		}
	}
	if (hfrom != NULL) {
		/* The author as the milter reads it: one domain, or bad-from (spf=policy). */
		struct mailaddr_list l;
		enum mailaddr_status st = mailaddr_parse_from(hfrom, &l);
		const char *why, *d = mailaddr_author_domain(1, st, &l, &why);
		if (d == NULL) {
			printf("policy\nexplanation: %s%s%s\ndomain: - (identity header-from)\n", why,
			    st == MAILADDR_INVALID ? ": " : "", st == MAILADDR_INVALID ? l.why : "");
			return 1;
		}
		strlcpy(hdomain, d, sizeof(hdomain));
		strlcpy(haddr, l.first, sizeof(haddr));
	}
	r = open_resolver(resolver, timeout);
	if (r == NULL)
		return 2;
	spf_limits_default(&lim);
	if (budget)
		lim.budget_ms = budget;
	req.client_ip = ip;
	req.helo = helo;
	req.sender = from;
	if (hfrom != NULL) {
		/* Check the From: header's domain; macros see that address. */
		identity = "header-from";
		req.sender = haddr;
		req.domain = hdomain;
	} else {
		identity = from[0] ? "mailfrom" : "helo";
	}

	dns_stats_get(r, &s0);
	spf_check_host(r, &req, &lim, &resp);
	dns_stats_get(r, &s1);
	printf("%s\n", spf_result_str(resp.result));
	printf("explanation: %s\n", resp.explanation[0] ? resp.explanation : "-");
	printf("mechanism: %s\n", resp.mechanism[0] ? resp.mechanism : "-");
	printf("domain: %s (identity %s)\n", resp.domain, identity);
	printf("dns lookups: %u (terms %u, void %u, upstream %llu)\n", resp.dns_queries,
	       resp.dns_terms, resp.void_lookups, (unsigned long long)(s1.upstream - s0.upstream));
	printf("time: %u ms\n", resp.elapsed_ms);
	if (resp.problem[0])
		printf("problem: %s\n", resp.problem);
	int rc = resp.result == SPF_RESULT_PASS ? 0 : 1;
	for (unsigned k = 2; k <= repeat; k++) {
		struct spf_response again;
		dns_stats_get(r, &s0);
		spf_check_host(r, &req, &lim, &again);
		dns_stats_get(r, &s1);
		printf("repeat %u: %s, dns lookups %u, upstream queries %llu, time %u ms\n", k,
		       spf_result_str(again.result), again.dns_queries,
		       (unsigned long long)(s1.upstream - s0.upstream), again.elapsed_ms);
	}
	fflush(stdout);
	dns_resolver_free(r);
	return rc;
}

/* "A" or "A/len" -> "ip4:..." / "ip6:..." term. 0 or -1. */
static int
ip_term(const char *arg, char *out, size_t outsz)
{
	char addr[128], text[INET6_ADDRSTRLEN];
	const char *slash = strchr(arg, '/');
	struct spf_ip ip;
	unsigned plen = 0;
	int has_len = slash != NULL;

	if (strlcpy(addr, arg, sizeof(addr)) >= sizeof(addr))
		return -1;
	if (slash)
		addr[slash - arg] = '\0';
	if (spf_ip_parse(addr, &ip) < 0)
		return -1;
	if (has_len) {
		char *end;
		unsigned long n = strtoul(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || n > (strchr(addr, ':') ? 128u : 32u))
			return -1;
		plen = (unsigned)n;
		/* A v4-mapped network: its prefix counted the 96 mapped bits. */
		if (!ip.v6 && strchr(addr, ':') != NULL) {
			if (n < 96) return -1;
			plen = (unsigned)n - 96;
		}
	}
	spf_ip_text(&ip, text, sizeof(text));
	if (has_len && plen != (ip.v6 ? 128u : 32u))
		snprintf(out, outsz, "%s:%s/%u", ip.v6 ? "ip6" : "ip4", text, plen);
	else
		snprintf(out, outsz, "%s:%s", ip.v6 ? "ip6" : "ip4", text);
	return 0;
}

int
ctl_spf_record(int argc, char **argv)
{
	const char *domain = NULL, *all = "-";
	const char *ips[MAX_IPS], *incs[MAX_INCLUDES];
	size_t nips = 0, nincs = 0;
	char rec[SPF_MAX_RECORD + 1], term[200], err[256];
	struct spf_record parsed;

	for (int i = 1; i < argc; i += 2) {	/* options come in pairs */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL) {
			fprintf(stderr, "spfdkim-ctl spf-record: %s needs a value\n", a);
			return 2;
		}
		if (strcmp(a, "--domain") == 0) domain = v;
		else if (strcmp(a, "--ip") == 0) {
			if (nips >= MAX_IPS) { fprintf(stderr, "spfdkim-ctl spf-record: more than %d --ip\n", MAX_IPS); return 2; }
			ips[nips++] = v;
		} else if (strcmp(a, "--include") == 0) {
			if (nincs >= MAX_INCLUDES) { fprintf(stderr, "spfdkim-ctl spf-record: more than %d --include\n", MAX_INCLUDES); return 2; }
			incs[nincs++] = v;
		} else if (strcmp(a, "--all") == 0) {
			if (strcmp(v, "-") && strcmp(v, "~") && strcmp(v, "?")) {
				fprintf(stderr, "spfdkim-ctl spf-record: --all '%s': use -, ~ or ?\n", v);
				return 2;
			}
			all = v;
		} else {
			fprintf(stderr, "spfdkim-ctl spf-record: unknown option '%s'\n", a);
			return 2;
		}
	}
	if (domain == NULL || nips + nincs == 0) {
		fprintf(stderr, "usage: spfdkim-ctl spf-record --domain D --ip A [--ip B...]\n");
		return 2;
	}
	if (!dname_valid(domain, DNAME_LDH | DNAME_MULTI)) {
		fprintf(stderr, "spfdkim-ctl spf-record: --domain '%s' is not a domain name\n", domain);
		return 2;
	}
	strlcpy(rec, "v=spf1", sizeof(rec));
	for (size_t i = 0; i < nips; i++) {
		if (ip_term(ips[i], term, sizeof(term)) < 0) {
			fprintf(stderr, "spfdkim-ctl spf-record: --ip '%s' is not an address or network\n", ips[i]);
			return 2;
		}
		/* Skip duplicates: " term " already present? */
		char needle[210];
		snprintf(needle, sizeof(needle), " %s ", term);
		char probe[SPF_MAX_RECORD + 3];
		snprintf(probe, sizeof(probe), "%s ", rec);
		if (strstr(probe, needle) != NULL)
			continue;
		strlcat(rec, " ", sizeof(rec));
		strlcat(rec, term, sizeof(rec));
	}
	for (size_t i = 0; i < nincs; i++) {
		if (!dname_valid(incs[i], DNAME_LDH | DNAME_MULTI)) {
			fprintf(stderr, "spfdkim-ctl spf-record: --include '%s' is not a domain name\n", incs[i]);
			return 2;
		}
		strlcat(rec, " include:", sizeof(rec));
		strlcat(rec, incs[i], sizeof(rec));
	}
	strlcat(rec, " ", sizeof(rec));
	strlcat(rec, all, sizeof(rec));
	if (strlcat(rec, "all", sizeof(rec)) >= sizeof(rec) ||
	    spf_record_parse(rec, strlen(rec), &parsed, err, sizeof(err)) < 0) {
		fprintf(stderr, "spfdkim-ctl spf-record: generated record is invalid: %s\n", err);
		return 2;
	}
	spf_record_free(&parsed);
	if (nincs > 10)
		fprintf(stderr, "spfdkim-ctl spf-record: warning: %zu include: terms exceed the 10-lookup limit\n", nincs);

	size_t dl = strlen(domain);
	printf("%s%s 3600 IN TXT", domain, domain[dl - 1] == '.' ? "" : ".");
	for (size_t off = 0, n = strlen(rec); off < n; off += 255)
		printf(" \"%.*s\"", (int)(n - off > 255 ? 255 : n - off), rec + off);
	printf("\n");
	return 0;
}

int
ctl_spf_audit(int argc, char **argv)
{
	const char *domain = NULL, *resolver = NULL;
	const char *ips[MAX_IPS];
	size_t nips = 0;
	unsigned timeout = 0;
	struct dns_resolver *r;
	struct spf_audit au;
	struct spf_limits lim;
	int rc = 0;
	char sender[300];

	for (int i = 1; i < argc; i += 2) {	/* options come in pairs */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL) {
			fprintf(stderr, "spfdkim-ctl spf-audit: %s needs a value\n", a);
			return 2;
		}
		if (strcmp(a, "--domain") == 0) domain = v;
		else if (strcmp(a, "--resolver") == 0) resolver = v;
		else if (strcmp(a, "--timeout") == 0) { if (num_arg(a, v, 600000, &timeout) < 0) return 2; }
		else if (strcmp(a, "--ip") == 0) {
			struct spf_ip tmp;
			if (nips >= MAX_IPS) { fprintf(stderr, "spfdkim-ctl spf-audit: more than %d --ip\n", MAX_IPS); return 2; }
			if (spf_ip_parse(v, &tmp) < 0) {
				fprintf(stderr, "spfdkim-ctl spf-audit: --ip '%s' is not an IPv4 or IPv6 address\n", v);
				return 2;
			}
			ips[nips++] = v;
		} else {
			fprintf(stderr, "spfdkim-ctl spf-audit: unknown option '%s'\n", a);
			return 2;
		}
	}
	if (domain == NULL || nips == 0) {
		fprintf(stderr, "usage: spfdkim-ctl spf-audit --domain D --ip A [--ip B...] [--resolver HOST@PORT]\n");
		return 2;
	}
	if (!dname_valid(domain, DNAME_LDH | DNAME_MULTI)) {
		fprintf(stderr, "spfdkim-ctl spf-audit: --domain '%s' is not a domain name\n", domain);
		return 2;
	}
	r = open_resolver(resolver, timeout);
	if (r == NULL)
		return 2;
	spf_limits_default(&lim);
	if (spf_audit_record(r, domain, lim.budget_ms, &au) < 0) {
		printf("record: none\n");
		printf("problem: %s\n", au.first_error[0] ? au.first_error : "no SPF record");
		dns_resolver_free(r);
		return 2;
	}
	printf("record: %s\n", au.record);
	snprintf(sender, sizeof(sender), "postmaster@%s", domain);
	for (size_t i = 0; i < nips; i++) {
		struct spf_request req = { .client_ip = ips[i], .helo = domain, .sender = sender, .domain = domain };
		struct spf_response resp;
		spf_check_host(r, &req, &lim, &resp);
		printf("%s: %s%s (mechanism %s%s%s)\n", ips[i], spf_result_str(resp.result),
		       resp.result == SPF_RESULT_PASS ? "" : " - NOT authorized",
		       resp.mechanism[0] ? resp.mechanism : "-",
		       resp.problem[0] ? "; " : "", resp.problem);
		if (resp.result != SPF_RESULT_PASS)
			rc = 1;
	}
	printf("dns lookups needed: %u%s (limit %u; includes/redirects followed %u)\n", au.dns_terms,
	       au.truncated ? "+" : "", lim.dns_terms, au.includes);
	if (au.macro_terms)
		printf("note: %u include/redirect target(s) use macros and were not followed\n", au.macro_terms);
	if (au.errors)
		printf("warning: %u included record(s) have problems: %s\n", au.errors, au.first_error);
	if (au.dns_terms > lim.dns_terms || au.truncated) {
		printf("WARNING: the record needs %u%s DNS lookups, more than the limit of %u: receivers will return permerror\n",
		       au.dns_terms, au.truncated ? "+" : "", lim.dns_terms);
		rc = 1;
	}
	if (au.errors)
		rc = 1;
	dns_resolver_free(r);
	return rc;
}
