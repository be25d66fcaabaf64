/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns.h - the one DNS layer, shared by SPF and DKIM, on libunbound.
 *
 * CONTRACT (other modules code against it; extend, do not break).
 *
 * One resolver per process (built at start-up, rebuilt only when the
 * resolver settings change on reload). It is thread-safe: libmilter calls
 * back from many threads and all of them may query at once. Answers are
 * cached with their TTL, negative answers (NXDOMAIN, NODATA) too, and the
 * cache has a fixed cap on entries.
 *
 * Time: every query has its own timeout (dns_options.query_timeout_ms) and
 * may be given an absolute deadline (dns_now_ms() based) for a whole check;
 * the earlier of the two wins. A slow resolver can therefore never stall a
 * caller beyond its budget: it gets DNS_R_TIMEOUT. Names whose servers
 * never answer never make the forwarder count as down: other names keep
 * resolving (dns.c: libunbound's server state lives one second).
 *
 * The cache's clock is dns_options.now_ms (tests give a fake one); waits
 * always run on the real monotonic clock.
 *
 * Special-use names: with forwarders configured, libunbound's built-in local
 * zones for "test." and "invalid." (RFC 6761) are switched off, so test and
 * site data under those names resolve through the forwarder. (dns.c does
 * this for the resolv.conf resolvers too, and also for the RFC 6303/AS112
 * reverse zones such as 2.0.192.in-addr.arpa: libunbound is always a stub
 * to the site's resolver here, and that resolver decides.)
 *
 * Raw packets: dns_answer.packet is the reply as libunbound got it (also
 * for NXDOMAIN/NODATA, and copied along for cache hits); NULL for
 * DNS_R_TIMEOUT and DNS_R_ERROR. Names may hold any octet except NUL
 * (SPF macros produce spaces and '%'); they are escaped for libunbound.
 */
#ifndef SPFDKIM_DNS_H
#define SPFDKIM_DNS_H

#include <stddef.h>
#include <stdint.h>

#include <arpa/nameser.h>   /* ns_t_* record types, ns_r_* rcodes */

struct dns_resolver;

struct dns_options {
	const char *forwarders;     /* NULL or "": /etc/resolv.conf; else "host[@port][,host[@port]...]" */
	unsigned query_timeout_ms;  /* per query; 0: 5000 */
	size_t cache_entries;       /* 0: 10000 */
	uint64_t (*now_ms)(void);   /* the cache's clock (TTLs); NULL: dns_now_ms.
	                               Tests pass a fake one. Waits always use the real clock. */
};

enum dns_rcode {
	DNS_R_OK,        /* at least one record of the asked type */
	DNS_R_NODATA,    /* name exists, no record of that type */
	DNS_R_NXDOMAIN,
	DNS_R_SERVFAIL,  /* upstream failure, bogus, refused, malformed TXT */
	DNS_R_TIMEOUT,   /* our timeout or deadline hit */
	DNS_R_ERROR      /* local failure (memory, bad name) */
};

struct dns_rr {
	const unsigned char *data;  /* rdata, wire format */
	size_t len;
};

/* Owned by the caller after dns_lookup(); free with dns_answer_free(). */
struct dns_answer {
	enum dns_rcode rcode;
	int rrtype;
	unsigned ttl;
	size_t count;                /* records in rr[] (after following CNAMEs) */
	struct dns_rr *rr;
	unsigned char *packet;       /* the full reply packet, or NULL (timeouts) */
	size_t packet_len;
	int from_cache;              /* answered by our cache */
};

/* A snapshot of the counters (each read atomically; cheap, lock-free). */
struct dns_stats {
	uint64_t lookups;            /* dns_lookup() calls */
	uint64_t cache_hits;         /* answered from our cache */
	uint64_t upstream;           /* sent to libunbound */
	uint64_t timeouts;
	uint64_t failures;           /* SERVFAIL and errors */
};

/* NULL with a reason in err on failure. */
struct dns_resolver *dns_resolver_new(const struct dns_options *opt, char *err, size_t errlen);
void dns_resolver_free(struct dns_resolver *r);

/* Monotonic milliseconds, the clock deadlines are given in. */
uint64_t dns_now_ms(void);

/*
 * Looks up name/rrtype (ns_t_a, ns_t_aaaa, ns_t_mx, ns_t_txt, ns_t_ptr ...).
 * deadline_ms: absolute dns_now_ms() time, or 0 for none.
 * Returns 0 with *out set (check (*out)->rcode), or -1 on a local error.
 */
int dns_lookup(struct dns_resolver *r, const char *name, int rrtype, uint64_t deadline_ms,
               struct dns_answer **out);
void dns_answer_free(struct dns_answer *a);

void dns_stats_get(struct dns_resolver *r, struct dns_stats *out);

/* ---- extensions (dns.c) ---------------------------------------------- */

/* Cap: records kept per answer; the rest of a larger RRset is dropped. */
#define DNS_MAX_RRS 256

/* For logs: "OK", "NODATA", "NXDOMAIN", "SERVFAIL" (the DNS names), "timeout",
 * "local error" (our own conditions). The one table of these names. */
const char *dns_rcode_str(enum dns_rcode rc);

/*
 * TXT rdata -> its character-strings joined with no separator, NUL-terminated
 * (the text may itself hold NUL bytes: use the returned length).
 * Returns the length, or -1 if the rdata is malformed or does not fit outsz.
 */
long dns_txt_join(const struct dns_rr *rr, char *out, size_t outsz);

/* Do a TXT rdata's character-strings (length octet + octets) fill it exactly? 1/0. */
int dns_txt_wellformed(const unsigned char *rdata, size_t len);

/*
 * The class-IN answer records of type rrtype in a reply packet (NOERROR
 * only): pointers into pkt and their lengths, at most max, and the lowest
 * TTL in *ttl. Returns their number, or -1 if the packet is malformed or
 * not NOERROR. (dns.c's way round a libunbound failure; a fuzz target.)
 */
int dns_packet_records(const unsigned char *pkt, size_t len, int rrtype,
                       const unsigned char **data, size_t *lens, size_t max, unsigned *ttl);

/*
 * A wire-format name at wire[off] (rdata of MX after the 2-octet preference,
 * PTR, CNAME; compression pointers are followed for full packets) -> text
 * without the trailing dot ("." for the root); odd octets as \DDD.
 * Returns 0, or -1 if malformed or too long for outsz.
 */
int dns_wire_name(const unsigned char *wire, size_t len, size_t off, char *out, size_t outsz);

#endif
