/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_spf_record.c - libFuzzer target: the SPF record parser must accept
 * or reject any octets without a crash, leak or overread; an accepted
 * record's terms must point inside its own copy.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "spf_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spf_record r;
	char err[256];

	(void)spf_record_is_spf((const char *)data, size);
	if (spf_record_parse((const char *)data, size, &r, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < r.nterms; i++) {
			const struct spf_term *t = &r.terms[i];
			if (t->text < r.buf || t->text > r.buf + size)
				__builtin_trap();
			if (t->spec && (t->spec < r.buf || t->spec + t->spec_len > r.buf + size))
				__builtin_trap();
			(void)spf_mech_name(t->mech);
		}
		spf_record_free(&r);
	} else if (strlen(err) >= sizeof(err)) {
		__builtin_trap();
	}
	return 0;
}
