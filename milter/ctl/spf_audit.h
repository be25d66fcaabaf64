/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_audit.h - static analysis of a published SPF record for admins
 * (spfdkim-ctl spf-audit): how many DNS-querying terms it needs.
 */
#ifndef SPFDKIM_SPF_AUDIT_H
#define SPFDKIM_SPF_AUDIT_H

#include <stddef.h>

#include "dns.h"

#define SPF_AUDIT_MAX_TERMS 100   /* stop counting here (loops) */

struct spf_audit {
	unsigned dns_terms;       /* include a mx ptr exists redirect, all levels */
	unsigned includes;        /* include: and redirect= followed */
	unsigned macro_terms;     /* targets with macros: counted, not followed */
	unsigned errors;          /* includes that could not be fetched or parsed */
	int truncated;            /* stopped at SPF_AUDIT_MAX_TERMS or depth */
	char record[1024];        /* the top record (truncated for display) */
	char first_error[256];
};

/*
 * Fetches domain's SPF record and walks every include:/redirect= (whatever
 * the client IP), counting the terms that cost DNS lookups (RFC 7208 4.6.4).
 * Returns 0; -1 if domain has no usable record (reason in a->first_error).
 */
int spf_audit_record(struct dns_resolver *dns, const char *domain, unsigned budget_ms,
                     struct spf_audit *a);

#endif
