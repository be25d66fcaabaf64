/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_authres.c - hostile Authentication-Results values through the
 * recogniser that decides which ones are forged with our authserv-id
 * (authres_is_ours). Input: one byte giving the id's length, the id, then
 * the value. Besides not crashing: an A-R we write ourselves with a plain
 * id, or the same with the id quoted, upper-cased or after a comment, is
 * always recognised, so no spelling of our id slips through.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 5322 atext and '.', as an authserv-id is usually written. */
static int
plain_id(const char *s)
{
	if (*s == '\0')
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (!isalnum(*p) && strchr("!#$%&'*+-/=?^_`{|}~.", *p) == NULL)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char id[64], *value;
	size_t k;
	struct buf b;

	if (size == 0)
		return 0;
	k = data[0] % sizeof(id);
	if (k > size - 1)
		k = size - 1;
	memcpy(id, data + 1, k);
	id[k] = '\0';
	if ((value = malloc(size - 1 - k + 1)) == NULL)
		return 0;
	memcpy(value, data + 1 + k, size - 1 - k);
	value[size - 1 - k] = '\0';
	(void)authres_is_ours(value, id);
	free(value);

	if (!plain_id(id))
		return 0;
	buf_init(&b, 0);
	authres_begin(&b, id);
	buf_puts(&b, " dkim=pass");
	if (!authres_is_ours(buf_cstr(&b), id))
		abort();
	buf_reset(&b);
	buf_printf(&b, " (comment (nested)) \"%s\"; spf=pass", id);
	if (!authres_is_ours(buf_cstr(&b), id))
		abort();
	buf_reset(&b);
	buf_putc(&b, ' ');
	for (const char *p = id; *p != '\0'; p++)
		buf_putc(&b, (char)toupper((unsigned char)*p));
	buf_puts(&b, ";\r\n\tspf=pass");
	if (!authres_is_ours(buf_cstr(&b), id))
		abort();
	buf_free(&b);
	return 0;
}
