/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_web_form.c - what spfdkim-web reads from a request, hostile: the
 * form body decoder, the Cookie header lookup, and the checks a value passes
 * before it names a spam-folder file, a page number or a date. The first
 * byte picks which; a name web_safe_name accepts must never hold '/' or
 * start with '.', and a decoded form must never hold a NUL.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], out[64], *s;
	struct form f;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		if (form_parse((const char *)data + 1, size - 1, &f, err, sizeof(err)) == 0) {
			if (f.n > WEB_FORM_FIELDS)
				abort();
			for (size_t i = 0; i < f.n; i++)
				(void)form_get(&f, f.name[i]);
			form_free(&f);
		}
		return 0;
	case 1:
	case 2:
	case 3:
		if ((s = malloc(size)) == NULL)
			return 0;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		if (data[0] % 4 == 1) {
			if (cookie_get(s, "sid", out, sizeof(out)) == 0 && strlen(out) >= sizeof(out))
				abort();
		} else if (data[0] % 4 == 2) {
			if (web_safe_name(s) && (strchr(s, '/') != NULL || s[0] == '.'))
				abort();
		} else {
			unsigned long v;
			long long t;
			if (web_parse_uint(s, 100000, &v) == 0 && v > 100000)
				abort();
			(void)web_parse_date(s, &t);
		}
		free(s);
		return 0;
	}
	return 0;
}
