/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dmarc.h - DMARC evaluation (RFC 7489): the public face of the DMARC engine.
 *
 * CONTRACT (the milter and spfdkim-ctl code against it; extend, do not break).
 *
 * A dmarc_engine holds the Public Suffix List and a reference to the shared
 * DNS resolver; it is immutable once built, so every session uses it without
 * a lock, and it must outlive the calls made on it. dmarc_check() never
 * fails as a function: every problem becomes temperror or permerror in the
 * verdict, with a reason in `problem`.
 *
 * What is evaluated (section 6.6):
 *   - policy discovery at _dmarc.<From domain>, then at _dmarc.<organizational
 *     domain> (6.6.3); TXT strings not starting with v=DMARC1 are ignored;
 *     several DMARC records, or none, mean no policy (result none); a
 *     malformed record is permerror; SERVFAIL, a timeout or an unreadable
 *     TXT answer is temperror. A record found at the organizational domain
 *     for a sub-domain applies sp (p when sp is absent).
 *   - identifier alignment (3.1): SPF from the caller's SPF result for the
 *     RFC 5321 MAIL FROM domain (the HELO name for the null sender), DKIM
 *     from every passing signature's d=; strict (adkim/aspf=s) is equality,
 *     relaxed equal organizational domains.
 *   - pass when either identifier is aligned and passed; fail otherwise.
 *   - pct (6.6.4): a failing message is "sampled" when
 *     FNV-1a-32(salt, sample_key) mod 100 < pct; an unsampled one gets the
 *     next weaker disposition (reject -> quarantine -> none). The salt is
 *     drawn from the kernel when the engine is built: the same key gives the
 *     same answer for the engine's life, but a sender cannot choose a
 *     Message-ID that escapes the sample (with a public hash it could, and
 *     pct=50 would mean pct=0 for an attacker).
 *
 * Several From domains (RFC 7489 6.6.1, issue rule "never pass as one of the
 * domains"): every distinct domain is evaluated and the worst verdict is the
 * message's: fail (strongest requested disposition first) > temperror >
 * permerror > none > pass, so the result is pass only when every domain
 * passes. A From: part that cannot be evaluated (no From:, an unparseable
 * or empty one, more than DMARC_FROM_MAX domains) is given by the caller as
 * why, and ranks as a permerror beside the domains that could be: a
 * spoofed domain that fails still fails, and nothing passes.
 *
 * Caps: DMARC_FROM_MAX From domains are evaluated, DMARC_DKIM_MAX passing
 * signatures are looked at, DNS_MAX_RRS TXT strings per name; DNS work is at
 * most two TXT lookups per From domain, within the caller's deadline.
 */
#ifndef SPFDKIM_DMARC_H
#define SPFDKIM_DMARC_H

#include <stddef.h>
#include <stdint.h>

#include "dmarc_record.h"
#include "dns.h"
#include "spf.h"

#define DMARC_FROM_MAX 8
#define DMARC_DKIM_MAX 32

enum dmarc_result {
	DMARC_R_NONE, DMARC_R_PASS, DMARC_R_FAIL, DMARC_R_TEMPERROR, DMARC_R_PERMERROR
};
#define DMARC_R_COUNT 5
/* RFC 8601 names: "none", "pass", "fail", "temperror", "permerror". */
const char *dmarc_result_str(enum dmarc_result r);
int dmarc_result_parse(const char *s, enum dmarc_result *out);

/*
 * What the config gives an action to: a failure under the disposition the
 * domain asks for (after pct), or an error. Pass and none have no action.
 */
enum dmarc_outcome {
	DMARC_O_PASS, DMARC_O_NORECORD, DMARC_O_FAIL_NONE, DMARC_O_FAIL_QUARANTINE,
	DMARC_O_FAIL_REJECT, DMARC_O_TEMPERROR, DMARC_O_PERMERROR
};
#define DMARC_O_COUNT 7

struct dmarc_engine;

struct dmarc_options {
	const char *psl_file;    /* DMARCPublicSuffixList; NULL or "": the system's list */
};

struct dmarc_engine *dmarc_engine_new(const struct dmarc_options *opt, struct dns_resolver *dns,
                                      char *err, size_t errlen);
void dmarc_engine_free(struct dmarc_engine *e);
/* The organizational domain of name (see dmarc_orgdomain.h). 0 or -1. */
int dmarc_engine_org_domain(const struct dmarc_engine *e, const char *name, char *out, size_t outlen);

/* The authentication results DMARC ties to the From domain. */
struct dmarc_auth {
	int spf_done;                /* an SPF result for MAIL FROM (or HELO for <>) exists */
	enum spf_result spf;
	const char *spf_domain;      /* the domain SPF checked */
	size_t ndkim;
	const char *const *dkim_d;   /* d= of each passing DKIM signature */
	const char *sample_key;      /* pct sampling key (Message-ID, else queue id); NULL: "" */
	uint64_t deadline_ms;        /* absolute dns_now_ms() time, 0: none */
};

struct dmarc_verdict {
	enum dmarc_result result;
	int have_record;             /* rec, policy and record_domain are valid */
	enum dmarc_policy policy;    /* p, or sp for a sub-domain under an org record */
	enum dmarc_policy req;       /* fail: the disposition asked for after pct; else none */
	int sampled_out;             /* fail under pct < 100, not sampled: req weakened */
	int spf_aligned, dkim_aligned; /* aligned and passing */
	char from_domain[256];       /* the domain this verdict is about ("" when none) */
	char org_domain[256];
	char record_domain[256];     /* where the record was found */
	struct dmarc_record rec;
	char problem[256];           /* why (none, temperror, permerror), for the log */
	unsigned dns_queries;
};

/*
 * Evaluates the message whose From: gave domains[0..n-1] (lower-case,
 * distinct); why is NULL, or says what part of From: could not be used
 * (n == 0 with why NULL means "no From: header field"). Fills *out.
 */
void dmarc_check(const struct dmarc_engine *e, const char *const *domains, size_t n, const char *why,
                 const struct dmarc_auth *a, struct dmarc_verdict *out);

/* The outcome the action table maps (see enum dmarc_outcome). */
enum dmarc_outcome dmarc_outcome(const struct dmarc_verdict *v);

/* pct sampling as above with the given salt: 1 when the policy applies to this key. */
int dmarc_sampled(uint64_t salt, const char *key, unsigned pct);

/*
 * Alignment of one identifier with the From domain: strict is equality,
 * relaxed equal organizational domains (case-insensitive). 1 or 0.
 */
int dmarc_aligned(const struct dmarc_engine *e, const char *id_domain, const char *from_domain, int strict);

#endif
