/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dname.h - domain-name syntax in presentation form, checked in one place.
 *
 * Every rule shares the DNS limits (RFC 1035 2.3.4): labels of 1..63
 * octets, at most 253 octets in all, one optional trailing dot (the root).
 * Flags add what a caller needs on top: only letters, digits, '-' and '_'
 * (file names, generated records), octets >= 0x80 as well (U-labels in
 * DKIM d=), and "two or more labels" (RFC 7208 4.3). Without DNAME_LDH any
 * octet but '.' and NUL may appear: SPF macros can expand to spaces or '%',
 * and such names are still looked up (and answered NXDOMAIN).
 */
#ifndef SPFDKIM_DNAME_H
#define SPFDKIM_DNAME_H

#include <stddef.h>

#define DNAME_MAX_LEN   253  /* octets, without the trailing dot */
#define DNAME_MAX_LABEL 63

enum {
	DNAME_LDH      = 1 << 0,  /* letters, digits, '-', '_' only */
	DNAME_8BIT     = 1 << 1,  /* with DNAME_LDH: octets >= 0x80 too */
	DNAME_MULTI    = 1 << 2,  /* at least two labels */
	DNAME_NOROOT   = 1 << 3,  /* no trailing dot */
};

/* Returns the name's length without its trailing dot, or -1 if invalid. */
int dname_check(const char *name, unsigned flags);
/* dname_check(name, flags) >= 0 */
int dname_valid(const char *name, unsigned flags);

#endif
