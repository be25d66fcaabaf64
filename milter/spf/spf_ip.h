/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_ip.h - client addresses for SPF: parsing (IPv4-mapped IPv6 becomes
 * IPv4, RFC 7208 5), CIDR matching and the text forms the macros and the
 * PTR lookup need.
 */
#ifndef SPFDKIM_SPF_IP_H
#define SPFDKIM_SPF_IP_H

#include <stddef.h>

struct spf_ip {
	int v6;                  /* 0: IPv4 in a[0..3]; 1: IPv6 in a[0..15] */
	unsigned char a[16];
};

/* Textual IPv4 or IPv6 (v4-mapped ::ffff:a.b.c.d is IPv4). 0 or -1. */
int spf_ip_parse(const char *s, struct spf_ip *out);
/* Strict ip4-network of RFC 7208 (dotted quad, no leading zeros). 0 or -1. */
int spf_ip4_parse_strict(const char *s, size_t len, unsigned char out[4]);
/* ip6-network (RFC 4291 text forms). 0 or -1. */
int spf_ip6_parse(const char *s, size_t len, unsigned char out[16]);
/* Does ip lie in net/prefix of the same family? (family mismatch: no) */
int spf_ip_in(const struct spf_ip *ip, int net_v6, const unsigned char *net, int prefix);
/* Raw address bytes (4 or 16) equal? */
int spf_ip_eq_raw(const struct spf_ip *ip, const unsigned char *raw, size_t len);
/* %{i}: dotted quad, or 32 dot-separated nibbles for IPv6, upper-case hex
 * as the RFC 7208 test suite expects (DNS does not care; RFC 7208 7.4's
 * example happens to be lower-case). */
void spf_ip_macro_i(const struct spf_ip *ip, char *out, size_t outsz);
/* %{c}: conventional text (inet_ntop). */
void spf_ip_text(const struct spf_ip *ip, char *out, size_t outsz);
/* The reverse name for PTR: "4.3.2.1.in-addr.arpa" / nibbles + "ip6.arpa". */
void spf_ip_reverse(const struct spf_ip *ip, char *out, size_t outsz);

#endif
