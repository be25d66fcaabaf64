/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dname.c - domain-name syntax: label and name lengths, allowed octets.
 *
 * Pure functions over a NUL-terminated string; nothing is kept. See dname.h
 * for the rules each flag adds.
 */
#include <string.h>

#include "dname.h"

static int
octet_ok(unsigned char c, unsigned flags)
{
	if (!(flags & DNAME_LDH))
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_')
		return 1;
	return (flags & DNAME_8BIT) && c >= 0x80;
}

int
dname_check(const char *name, unsigned flags)
{
	size_t n = strlen(name), lab = 0, labels = 1;

	if (n > 0 && name[n - 1] == '.') {
		if (flags & DNAME_NOROOT)
			return -1;
		n--;
	}
	if (n == 0 || n > DNAME_MAX_LEN)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '.') {
			if (lab == 0)
				return -1;
			lab = 0;
			labels++;
		} else if (!octet_ok(c, flags) || ++lab > DNAME_MAX_LABEL) {
			return -1;
		}
	}
	if (lab == 0 || ((flags & DNAME_MULTI) && labels < 2))
		return -1;
	return (int)n;
}

int
dname_valid(const char *name, unsigned flags)
{
	return dname_check(name, flags) >= 0;
}
