/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_mailaddr.c - hostile From: values through the RFC 5322 address
 * parser. Whatever the input, the result is one of the three statuses, an
 * OK result names at least one lower-case DNS domain that appears in the
 * first address, and an invalid one says why and names none.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mailaddr_list l;
	char *v = malloc(size + 1);
	const char *why, *d;
	enum mailaddr_status st;

	if (v == NULL)
		return 0;
	memcpy(v, data, size);
	v[size] = '\0';
	st = mailaddr_parse_from(v, &l);
	switch (st) {
	case MAILADDR_OK:
		if (l.naddrs == 0 || l.ndomains == 0 || l.ndomains > MAILADDR_DOMAINS_MAX ||
		    l.ndomains > l.naddrs || strchr(l.first, '@') == NULL)
			abort();
		for (size_t i = 0; i < l.ndomains; i++)
			for (const char *p = l.domain[i]; *p != '\0'; p++)
				if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
				    *p == '.' || *p == '-' || *p == '_'))
					abort();
		if (strcmp(strrchr(l.first, '@') + 1, l.domain[0]) != 0)
			abort();
		d = mailaddr_author_domain(1, st, &l, &why);
		if ((d != NULL) != (l.ndomains == 1))
			abort();
		break;
	case MAILADDR_EMPTY:
		if (l.naddrs != 0 || l.ndomains != 0)
			abort();
		break;
	case MAILADDR_INVALID:
		if (l.why[0] == '\0' || l.naddrs != 0 || l.ndomains != 0 ||
		    mailaddr_author_domain(1, st, &l, &why) != NULL)
			abort();
		break;
	default:
		abort();
	}
	free(v);
	return 0;
}
