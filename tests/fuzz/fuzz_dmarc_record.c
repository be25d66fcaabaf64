/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_dmarc_record.c - libFuzzer target: the DMARC record parser must
 * accept or reject any octets without a crash, leak or overread; an
 * accepted record's values stay inside their grammar and caps.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dmarc_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_record r;
	char err[128], sum[128];

	(void)dmarc_record_is_dmarc((const char *)data, size);
	if (dmarc_record_parse((const char *)data, size, &r, err, sizeof(err)) == 0) {
		if (r.pct > 100 || r.p > DMARC_P_REJECT || r.sp > DMARC_P_REJECT ||
		    r.nrua > DMARC_URI_MAX || r.nruf > DMARC_URI_MAX)
			__builtin_trap();
		for (size_t i = 0; i < r.nrua; i++)
			if (strlen(r.rua[i].uri) >= DMARC_URI_LEN || strchr(r.rua[i].uri, ':') == NULL)
				__builtin_trap();
		dmarc_record_summary(&r, sum, sizeof(sum));
	} else if (strlen(err) >= sizeof(err) || err[0] == '\0') {
		__builtin_trap();
	}
	return 0;
}
