/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_result.c - SPF result names (RFC 7208 2.6) and the default limits.
 */

#include "spf.h"

static const char *const names[SPF_RESULT_COUNT] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"
};

const char *
spf_result_str(enum spf_result r)
{
	return (unsigned)r < SPF_RESULT_COUNT ? names[r] : "permerror";
}

void
spf_limits_default(struct spf_limits *l)
{
	l->dns_terms = 10;     /* RFC 7208 4.6.4 */
	l->void_lookups = 2;   /* RFC 7208 4.6.4 */
	l->mx_names = 10;
	l->ptr_names = 10;
	l->budget_ms = 20000;
}
