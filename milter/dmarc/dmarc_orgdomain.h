/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dmarc_orgdomain.h - the organizational domain (RFC 7489 section 3.2)
 * from the Public Suffix List, through libpsl.
 *
 * The list is loaded once (the Debian publicsuffix data through
 * psl_latest(), or a file the admin names) and is read-only afterwards, so
 * any thread may look names up without a lock. The organizational domain is
 * the longest public suffix of the name plus one label; a name that is
 * itself a public suffix (or a single label) is its own organizational
 * domain. Names are compared lower-case, without a trailing dot; the
 * "*" default rule of the list makes an unlisted top-level label (such as
 * "test") a public suffix.
 */
#ifndef SPFDKIM_DMARC_ORGDOMAIN_H
#define SPFDKIM_DMARC_ORGDOMAIN_H

#include <stddef.h>

struct dmarc_psl;

/*
 * Loads the list: path NULL or "" means the system's list (publicsuffix
 * package, else libpsl's built-in copy). NULL with a reason naming the file
 * in err.
 */
struct dmarc_psl *dmarc_psl_load(const char *path, char *err, size_t errlen);
void dmarc_psl_free(struct dmarc_psl *p);

/*
 * The organizational domain of name into out (lower-case, no trailing dot).
 * 0, or -1 when name is empty or does not fit out.
 */
int dmarc_org_domain(const struct dmarc_psl *p, const char *name, char *out, size_t outlen);

#endif
