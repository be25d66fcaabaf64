/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_ip.c - client addresses for SPF (see spf_ip.h).
 *
 * Accepts what inet_pton() accepts for the client; for record terms the
 * stricter RFC 7208 ABNF (ip4-network without leading zeros). No state.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "spf_ip.h"

int
spf_ip_parse(const char *s, struct spf_ip *out)
{
	static const unsigned char mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };
	unsigned char b[16];

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	if (inet_pton(AF_INET, s, b) == 1) {
		memcpy(out->a, b, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		if (memcmp(b, mapped, 12) == 0) {
			memcpy(out->a, b + 12, 4);
			return 0;
		}
		out->v6 = 1;
		memcpy(out->a, b, 16);
		return 0;
	}
	return -1;
}

int
spf_ip4_parse_strict(const char *s, size_t len, unsigned char out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, nd = 0;
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (nd > 0 && v == 0)
				return -1;   /* leading zero */
			v = v * 10 + (unsigned)(s[i] - '0');
			if (++nd > 3 || v > 255)
				return -1;
			i++;
		}
		if (nd == 0)
			return -1;
		out[part] = (unsigned char)v;
	}
	return i == len ? 0 : -1;
}

int
spf_ip6_parse(const char *s, size_t len, unsigned char out[16])
{
	char buf[64];

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

int
spf_ip_in(const struct spf_ip *ip, int net_v6, const unsigned char *net, int prefix)
{
	int bytes, bits;

	if (ip->v6 != net_v6 || prefix < 0 || prefix > (net_v6 ? 128 : 32))
		return 0;
	bytes = prefix / 8;
	bits = prefix % 8;
	if (memcmp(ip->a, net, (size_t)bytes) != 0)
		return 0;
	if (bits) {
		unsigned char mask = (unsigned char)(0xff << (8 - bits));
		if ((ip->a[bytes] & mask) != (net[bytes] & mask))
			return 0;
	}
	return 1;
}

int
spf_ip_eq_raw(const struct spf_ip *ip, const unsigned char *raw, size_t len)
{
	return len == (ip->v6 ? 16u : 4u) && memcmp(ip->a, raw, len) == 0;
}

static void
nibbles(const struct spf_ip *ip, int reverse, const char *hex, char *out, size_t outsz)
{
	size_t o = 0;

	for (int k = 0; k < 32 && o + 2 < outsz; k++) {
		int n = reverse ? 31 - k : k;
		unsigned char byte = ip->a[n / 2];
		out[o++] = hex[n % 2 ? byte & 0xf : byte >> 4];
		out[o++] = '.';
	}
	if (o > 0 && !reverse)
		o--;   /* no trailing dot */
	out[o < outsz ? o : outsz - 1] = '\0';
}

void
spf_ip_macro_i(const struct spf_ip *ip, char *out, size_t outsz)
{
	if (!ip->v6)
		snprintf(out, outsz, "%u.%u.%u.%u", ip->a[0], ip->a[1], ip->a[2], ip->a[3]);
	else
		nibbles(ip, 0, "0123456789ABCDEF", out, outsz);
}

void
spf_ip_text(const struct spf_ip *ip, char *out, size_t outsz)
{
	char buf[INET6_ADDRSTRLEN];

	if (inet_ntop(ip->v6 ? AF_INET6 : AF_INET, ip->a, buf, sizeof(buf)) == NULL)
		buf[0] = '\0';
	strlcpy(out, buf, outsz);
}

void
spf_ip_reverse(const struct spf_ip *ip, char *out, size_t outsz)
{
	if (!ip->v6) {
		snprintf(out, outsz, "%u.%u.%u.%u.in-addr.arpa", ip->a[3], ip->a[2], ip->a[1], ip->a[0]);
	} else {
		char nb[80];
		nibbles(ip, 1, "0123456789abcdef", nb, sizeof(nb));
		snprintf(out, outsz, "%sip6.arpa", nb);
	}
}
