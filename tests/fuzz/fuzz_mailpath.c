/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_mailpath.c - hostile MAIL FROM / RCPT TO arguments and spool lines
 * through the one SMTP path reader (mailaddr_parse_path, used by the milter
 * and the bridge). It reads within len, reports what it used, and is
 * stable: a mailbox it returns, put back in <>, reads back the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = malloc(size + 1), *again = malloc(size + 3), *back = malloc(size + 3);
	size_t used = 0, used2 = 0, n;

	if (out == NULL || again == NULL || back == NULL)
		goto done;
	if (mailaddr_parse_path((const char *)data, size, out, size + 1, &used) < 0)
		goto done;
	n = strlen(out);
	if (used > size || n > size)
		abort();
	/* A plain mailbox (no quoting, no route left) must read back the same. */
	if (strpbrk(out, "\"\\>") != NULL || out[0] == '@')
		goto done;
	again[0] = '<';
	memcpy(again + 1, out, n);
	again[n + 1] = '>';
	if (mailaddr_parse_path(again, n + 2, back, n + 3, &used2) < 0 ||
	    strcmp(back, out) != 0 || used2 != n + 2)
		abort();
done:
	free(out);
	free(again);
	free(back);
	return 0;
}
