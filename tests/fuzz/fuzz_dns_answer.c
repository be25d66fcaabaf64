/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_dns_answer.c - hostile DNS reply packets through the DNS layer's own
 * decoders: dns_packet_records (the answer records dns.c takes from a
 * reply when libunbound fails on an empty rdata), then every record through
 * dns_txt_wellformed, dns_txt_join and dns_wire_name, as SPF and DKIM use
 * them. Input: one octet choosing the record type, then the packet.
 * Records must lie inside the packet; a well-formed TXT must join.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = { ns_t_txt, ns_t_mx, ns_t_a, ns_t_aaaa, ns_t_ptr, ns_t_cname };
	static char out[70000];
	const unsigned char *rd[DNS_MAX_RRS];
	size_t lens[DNS_MAX_RRS];
	unsigned ttl = 0;
	int type, n;

	if (size < 1)
		return 0;
	type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	n = dns_packet_records(data + 1, size - 1, type, rd, lens, DNS_MAX_RRS, &ttl);
	for (int i = 0; i < n; i++) {
		struct dns_rr rr = { rd[i], lens[i] };
		if (rd[i] < data + 1 || rd[i] + lens[i] > data + size)
			abort();
		if (dns_txt_wellformed(rd[i], lens[i]) && dns_txt_join(&rr, out, sizeof(out)) < 0)
			abort();
		(void)dns_wire_name(rd[i], lens[i], type == ns_t_mx ? 2 : 0, out, 300);
	}
	return 0;
}
