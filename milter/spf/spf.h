/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf.h - SPF check_host() (RFC 7208), the public face of the SPF engine.
 *
 * CONTRACT (the milter and spfdkim-ctl code against it; extend, do not break).
 *
 * spf_check_host() never fails as a function: every problem becomes
 * temperror or permerror in the response, with a reason in `problem`.
 * It is reentrant; all state lives in the call. The only shared object is
 * the DNS resolver, which is thread-safe.
 */
#ifndef SPFDKIM_SPF_H
#define SPFDKIM_SPF_H

#include "dns.h"

enum spf_result {
	SPF_RESULT_NONE,
	SPF_RESULT_NEUTRAL,
	SPF_RESULT_PASS,
	SPF_RESULT_FAIL,
	SPF_RESULT_SOFTFAIL,
	SPF_RESULT_TEMPERROR,
	SPF_RESULT_PERMERROR
};
#define SPF_RESULT_COUNT 7

/* "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror". */
const char *spf_result_str(enum spf_result r);

struct spf_request {
	const char *client_ip;  /* textual IPv4 or IPv6; v4-mapped IPv6 is IPv4 */
	const char *helo;       /* HELO/EHLO argument; NULL or "" if none */
	const char *sender;     /* MAIL FROM without <>; "" for the null sender */
	const char *domain;     /* identity to check; NULL: the sender's domain, or
	                           the HELO name for the null sender (RFC 7208 2.4) */
	const char *receiver;   /* our host name for %{r}; NULL: "unknown" */
};

/* A field left 0 takes its default; lim == NULL means all defaults. */
struct spf_limits {
	unsigned dns_terms;     /* DNS-querying terms, whole evaluation: 10 */
	unsigned void_lookups;  /* 2 */
	unsigned mx_names;      /* per mx mechanism: 10 */
	unsigned ptr_names;     /* per ptr/%{p}: 10 */
	unsigned budget_ms;     /* wall time for the whole check: 20000 */
};

struct spf_response {
	enum spf_result result;
	char domain[256];       /* the domain that was checked */
	char mechanism[256];    /* the matching term, "default", or "" */
	char explanation[512];  /* fail: the expanded exp= text, else "" */
	char problem[256];      /* temperror/permerror: why, for the log */
	unsigned dns_terms;     /* terms counted against the 10 limit */
	unsigned dns_queries;   /* DNS lookups issued (cache hits included) */
	unsigned void_lookups;
	unsigned elapsed_ms;
};

void spf_limits_default(struct spf_limits *l);
void spf_check_host(struct dns_resolver *dns, const struct spf_request *req,
                    const struct spf_limits *lim, struct spf_response *resp);

#endif
