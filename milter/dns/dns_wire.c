/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns_wire.c - reading DNS wire data (contract in dns.h): reply packets
 * (the null-text fallback of dns.c), TXT character-strings, names, and the
 * one table of rcode names the logs use.
 *
 * Every function works on the caller's bytes and lengths, allocates nothing
 * and keeps no state, so any thread may call it. Input is untrusted (it is
 * what a domain's servers sent): every offset is checked against the length
 * before it is read; tests/fuzz/fuzz_dns_answer.c drives these readers.
 */
#include <stdio.h>
#include <string.h>

#include "dns.h"

/*
 * XXX libunbound: a record with empty rdata (a TXT with no strings, which
 * RFC 7208's null-text test publishes) makes its result filling fail
 * (memdup() of 0 octets is NULL, taken for out of memory), so the query
 * comes back SERVFAIL although the reply packet is a good NOERROR answer.
 * Then the records of the asked type are taken from that packet
 * (dns_packet_records, with libresolv's parser).
 */
int
dns_packet_records(const unsigned char *pkt, size_t len, int rrtype,
                   const unsigned char **data, size_t *lens, size_t max, unsigned *ttl)
{
	ns_msg msg;
	ns_rr rr;
	int n = 0;

	if (len > 65535 || ns_initparse(pkt, (int)len, &msg) < 0 ||
	    ns_msg_getflag(msg, ns_f_rcode) != ns_r_noerror)
		return -1;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an) && (size_t)n < max; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return -1;
		if ((int)ns_rr_type(rr) != rrtype || ns_rr_class(rr) != ns_c_in)
			continue;
		if (n == 0 || ns_rr_ttl(rr) < *ttl)
			*ttl = ns_rr_ttl(rr);
		data[n] = ns_rr_rdata(rr);
		lens[n++] = ns_rr_rdlen(rr);
	}
	return n;
}

int
dns_txt_wellformed(const unsigned char *d, size_t len)
{
	size_t i = 0;

	while (i < len)
		i += 1 + (size_t)d[i];
	return i == len;
}

long
dns_txt_join(const struct dns_rr *rr, char *out, size_t outsz)
{
	size_t i = 0, o = 0;

	if (outsz == 0)
		return -1;
	while (i < rr->len) {
		size_t n = rr->data[i++];
		if (i + n > rr->len)
			return -1;
		if (o + n + 1 > outsz)
			return -1;
		memcpy(out + o, rr->data + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return (long)o;
}

int
dns_wire_name(const unsigned char *wire, size_t len, size_t off, char *out, size_t outsz)
{
	size_t o = 0, hops = 0;

	if (outsz == 0)
		return -1;
	for (;;) {
		size_t n;
		if (off >= len)
			return -1;
		n = wire[off];
		if ((n & 0xc0) == 0xc0) {
			/* compression pointer (only in full packets) */
			if (off + 1 >= len || ++hops > 64)
				return -1;
			off = ((n & 0x3f) << 8) | wire[off + 1];
			continue;
		}
		if (n & 0xc0)
			return -1;
		off++;
		if (n == 0)
			break;
		if (off + n > len)
			return -1;
		if (o > 0) {
			if (o + 1 >= outsz)
				return -1;
			out[o++] = '.';
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char c = wire[off + i];
			if (c == '.' || c == '\\' || c <= ' ' || c >= 0x7f) {
				if (o + 4 >= outsz)
					return -1;
				snprintf(out + o, 5, "\\%03u", c);
				o += 4;
			} else {
				if (o + 1 >= outsz)
					return -1;
				out[o++] = (char)c;
			}
		}
		off += n;
	}
	if (o == 0) {
		if (outsz < 2)
			return -1;
		out[o++] = '.';
	}
	out[o] = '\0';
	return 0;
}

const char *
dns_rcode_str(enum dns_rcode rc)
{
	switch (rc) {
	case DNS_R_OK: return "OK";
	case DNS_R_NODATA: return "NODATA";
	case DNS_R_NXDOMAIN: return "NXDOMAIN";
	case DNS_R_SERVFAIL: return "SERVFAIL";
	case DNS_R_TIMEOUT: return "timeout";
	case DNS_R_ERROR: return "local error";
	}
	return "?";
}
