/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_config.c - the config parser (both line formats) and reply
 * templates never crash, leak or read out of bounds on any input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct config *c = config_parse("fuzz.conf", (const char *)data, size, err, sizeof(err));

	if (c != NULL) {
		struct reply_fields f = { "a@b", "192.0.2.1", "b", "h", "fail", "x%y" };
		struct policy_reply r;
		for (int i = 0; i < SPF_RESULT_COUNT; i++)
			if (c->spf_reply[i] != NULL)
				policy_reply_expand(c->spf_reply[i], &f, &r);
		config_free(c);
	} else if (memchr(err, '\0', sizeof(err)) == NULL) {
		__builtin_trap();   /* the message must be a C string */
	}
	return 0;
}
