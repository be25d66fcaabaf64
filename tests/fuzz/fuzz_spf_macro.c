/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_spf_macro.c - libFuzzer target: SPF macro expansion. The first
 * octet picks the mode (domain-spec or explanation) and the output size;
 * the rest is the macro string. Any input: no crash, a NUL-terminated
 * result within the buffer, and the 253-octet truncation holds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "spf_macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fake_p(void *arg, char *out, size_t outsz)
{
	(void)arg;
	strlcpy(out, "mx.example.com", outsz);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[SPF_MACRO_MAX_OUT];
	struct spf_ip ip;
	struct spf_macro_env env = { 0 };
	char err[160];
	size_t outsz;
	int exp, rc;

	if (size < 1)
		return 0;
	exp = data[0] & 1;
	outsz = (data[0] & 2) ? 64 : sizeof(out);
	spf_ip_parse((data[0] & 4) ? "2001:db8::cb01" : "192.0.2.3", &ip);
	env.sender = "strong-bad@email.example.com";
	env.local = "strong-bad";
	env.sender_domain = "email.example.com";
	env.domain = "email.example.com";
	env.ip = &ip;
	env.helo = "mx.example.org";
	env.receiver = "receiver.example.net";
	env.now = 1;
	env.validated_name = fake_p;
	rc = spf_macro_expand((const char *)data + 1, size - 1, &env, exp, out, outsz, err, sizeof(err));
	if (rc == 0) {
		if (strlen(out) >= outsz)
			__builtin_trap();
		if (!exp) {
			spf_domain_truncate(out);
			if (strlen(out) > 253)
				__builtin_trap();
		}
	}
	(void)spf_macro_check((const char *)data + 1, size - 1, exp, err, sizeof(err));
	return 0;
}
