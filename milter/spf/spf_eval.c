/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_eval.c - check_host() of RFC 7208 (4-7): the SPF evaluator.
 *
 * Accepts a request (client IP, HELO, MAIL FROM, optional identity domain)
 * and evaluates the published records through the shared DNS layer. All
 * state lives in one struct eval per call; the only shared
 * object is the (thread-safe) resolver.
 *
 * Limits (4.6.4), counted across the WHOLE evaluation, includes and
 * redirects included: lim->dns_terms DNS-querying terms (include, a, mx,
 * ptr, exists, redirect), lim->void_lookups lookups that returned NXDOMAIN
 * or no records, more than lim->mx_names MX names is a permerror, only the
 * first lim->ptr_names PTR names are used, and the whole check has
 * lim->budget_ms of wall time (a DNS timeout is a temperror). Recursion is
 * also capped at SPF_MAX_DEPTH.
 *
 * Input caps: a TXT record is joined into at most SPF_MAX_TXT octets (a
 * longer one is skipped; the whole RRset is bounded by the 64 KB DNS
 * message and DNS_MAX_RRS records), the SPF record itself by SPF_MAX_RECORD
 * octets and SPF_MAX_TERMS terms (spf_record.h), a macro expansion by
 * SPF_MACRO_MAX_OUT octets before the 253-octet left truncation of 7.3, an
 * explanation by the 511 octets of spf_response.explanation (longer: the
 * default text).
 *
 * exp= is only used from the record whose
 * mechanisms produced the final fail (not from includes, not from the
 * record that redirected), else the default explanation.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dname.h"
#include "spf.h"
#include "spf_ip.h"
#include "spf_macro.h"
#include "spf_record.h"

#define SPF_MAX_DEPTH 20
#define SPF_MAX_TXT 65536      /* cap: joined text of one TXT record */
#define DEFAULT_EXP "%{d} does not designate %{c} as a permitted sender"

struct eval {
	struct dns_resolver *dns;
	struct spf_limits lim;
	struct spf_ip ip;
	char sender[512];
	char local[256];
	char sender_domain[256];
	char helo[256];
	char receiver[256];
	uint64_t deadline;
	unsigned dns_terms, void_lookups, queries;
	char problem[256];
	char mechanism[256];
	char explanation[512];
	int p_done;               /* %{p} computed (for p_domain) */
	char p_domain[256];
	char p_name[256];
	char txtbuf[SPF_MAX_TXT]; /* scratch for record text */
};

/* Stands in for an answer when dns_lookup() itself fails (memory). */
static const struct dns_answer oom_answer = { .rcode = DNS_R_SERVFAIL };

/* What a mechanism did. */
enum mres { M_NOMATCH, M_MATCH, M_TEMPERROR, M_PERMERROR };

/* Keeps the first problem: it is the cause, later ones are consequences. */
static void __attribute__((format(printf, 2, 3)))
problem(struct eval *e, const char *fmt, ...)
{
	va_list ap;

	if (e->problem[0] != '\0')
		return;
	va_start(ap, fmt);
	(void)vsnprintf(e->problem, sizeof(e->problem), fmt, ap);   /* truncation is fine */
	va_end(ap);
}

/* dns_lookup with our deadline and counters. Never NULL. */
static struct dns_answer *
lookup(struct eval *e, const char *name, int type)
{
	struct dns_answer *a = NULL;

	e->queries++;
	if (dns_lookup(e->dns, name, type, e->deadline, &a) < 0 || a == NULL)
		return (struct dns_answer *)&oom_answer;
	return a;
}

static void
answer_done(struct dns_answer *a)
{
	if (a != &oom_answer)
		dns_answer_free(a);
}

/* Is name equal to, or a subdomain of, dom (case-insensitive, trailing dots ignored)? */
static int
name_under(const char *name, const char *dom)
{
	size_t nl = strlen(name), dl = strlen(dom);

	if (nl && name[nl - 1] == '.') nl--;
	if (dl && dom[dl - 1] == '.') dl--;
	if (nl < dl || dl == 0)
		return 0;
	if (strncasecmp(name + nl - dl, dom, dl) != 0)
		return 0;
	return nl == dl || name[nl - dl - 1] == '.';
}

/* Does the A/AAAA set of name contain the client? -1: DNS error (skip). */
static int
name_has_ip(struct eval *e, const char *name)
{
	struct dns_answer *a = lookup(e, name, e->ip.v6 ? ns_t_aaaa : ns_t_a);
	int hit = 0;

	if (a->rcode == DNS_R_OK) {
		for (size_t i = 0; i < a->count; i++)
			if (spf_ip_eq_raw(&e->ip, a->rr[i].data, a->rr[i].len))
				hit = 1;
	} else if (a->rcode != DNS_R_NODATA && a->rcode != DNS_R_NXDOMAIN) {
		hit = -1;
	}
	answer_done(a);
	return hit;
}

/*
 * The validated names of the client (5.5): PTR names (first ptr_names)
 * whose A/AAAA contain the client. If want is non-NULL, only names under
 * `want` are checked and the first such validated name is returned.
 * Returns 1 and fills out, or 0.
 */
static int
validated_name(struct eval *e, const char *want, char *out, size_t outsz)
{
	char rev[128], name[300];
	struct dns_answer *a;
	int found = 0;

	spf_ip_reverse(&e->ip, rev, sizeof(rev));
	a = lookup(e, rev, ns_t_ptr);
	if (a->rcode == DNS_R_OK) {
		size_t n = a->count < e->lim.ptr_names ? a->count : e->lim.ptr_names;
		for (size_t i = 0; i < n && !found; i++) {
			if (dns_wire_name(a->rr[i].data, a->rr[i].len, 0, name, sizeof(name)) < 0)
				continue;
			if (want != NULL && !name_under(name, want))
				continue;
			if (name_has_ip(e, name) == 1) {
				strlcpy(out, name, outsz);
				found = 1;
			}
		}
	}
	answer_done(a);
	return found;
}

/* %{p} (7.3): prefer the domain itself or a subdomain, else any validated name. */
static void
p_macro(void *arg, char *out, size_t outsz)
{
	struct eval *e = arg;

	if (!e->p_done) {
		e->p_done = 1;
		if (!validated_name(e, e->p_domain, e->p_name, sizeof(e->p_name)) &&
		    !validated_name(e, NULL, e->p_name, sizeof(e->p_name)))
			strlcpy(e->p_name, "unknown", sizeof(e->p_name));
	}
	strlcpy(out, e->p_name, outsz);
}

static void
make_env(struct eval *e, const char *domain, struct spf_macro_env *env)
{
	memset(env, 0, sizeof(*env));
	env->sender = e->sender;
	env->local = e->local;
	env->sender_domain = e->sender_domain;
	env->domain = domain;
	env->ip = &e->ip;
	env->helo = e->helo;
	env->receiver = e->receiver[0] ? e->receiver : "unknown";
	env->now = (long long)time(NULL);
	env->validated_name = p_macro;
	env->arg = e;
	if (!e->p_done)
		strlcpy(e->p_domain, domain, sizeof(e->p_domain));
}

/* Expands a domain-spec to a target name (7.3 truncation). 0 or -1 (permerror). */
static int
target(struct eval *e, const char *domain, const char *spec, size_t len, char *out, size_t outsz)
{
	struct spf_macro_env env;
	char err[160], big[SPF_MACRO_MAX_OUT];

	if (spec == NULL) {
		strlcpy(out, domain, outsz);
		return 0;
	}
	make_env(e, domain, &env);
	if (spf_macro_expand(spec, len, &env, 0, big, sizeof(big), err, sizeof(err)) != 0) {
		problem(e, "macro expansion in %s: %s", domain, err);
		return -1;
	}
	spf_domain_truncate(big);
	strlcpy(out, big, outsz);
	return 0;
}

/* Counts a DNS-querying term; -1 when over the limit. */
static int
count_term(struct eval *e, const char *term)
{
	if (++e->dns_terms > e->lim.dns_terms) {
		problem(e, "more than %u DNS-querying terms (at '%s')", e->lim.dns_terms, term);
		return -1;
	}
	return 0;
}

static int
count_void(struct eval *e, const char *name)
{
	if (++e->void_lookups > e->lim.void_lookups) {
		problem(e, "more than %u void DNS lookups (at %s)", e->lim.void_lookups, name);
		return -1;
	}
	return 0;
}

static enum spf_result check_host(struct eval *e, const char *domain, int depth, int want_exp);

/* a / mx address match. */
static enum mres
match_addrs(struct eval *e, const struct dns_answer *a, const struct spf_term *t)
{
	int prefix = e->ip.v6 ? (t->cidr6 >= 0 ? t->cidr6 : 128) : (t->cidr4 >= 0 ? t->cidr4 : 32);

	for (size_t i = 0; i < a->count; i++) {
		if (a->rr[i].len != (e->ip.v6 ? 16u : 4u))
			continue;
		if (spf_ip_in(&e->ip, e->ip.v6, a->rr[i].data, prefix))
			return M_MATCH;
	}
	return M_NOMATCH;
}

static enum mres
dns_fail(struct eval *e, const struct dns_answer *a, const char *name)
{
	problem(e, "DNS %s for %s", dns_rcode_str(a->rcode), name);
	return M_TEMPERROR;
}

static enum mres
eval_term(struct eval *e, const char *domain, const struct spf_term *t, int depth)
{
	char name[300];
	struct dns_answer *a;
	enum mres r = M_NOMATCH;
	int atype = e->ip.v6 ? ns_t_aaaa : ns_t_a;

	switch (t->mech) {
	case SPF_M_ALL:
		return M_MATCH;
	case SPF_M_IP4:
	case SPF_M_IP6: {
		int is6 = t->mech == SPF_M_IP6;
		int prefix = is6 ? (t->cidr6 >= 0 ? t->cidr6 : 128) : (t->cidr4 >= 0 ? t->cidr4 : 32);
		return spf_ip_in(&e->ip, is6, t->addr, prefix) ? M_MATCH : M_NOMATCH;
	}
	default:
		break;
	}

	if (count_term(e, t->text) < 0)
		return M_PERMERROR;
	if (target(e, domain, t->spec, t->spec_len, name, sizeof(name)) < 0)
		return M_PERMERROR;

	switch (t->mech) {
	case SPF_M_INCLUDE: {
		enum spf_result ir;
		if (!dname_valid(name, DNAME_MULTI)) {
			problem(e, "include of malformed domain '%s'", name);
			return M_PERMERROR;
		}
		ir = check_host(e, name, depth + 1, 0);
		switch (ir) {
		case SPF_RESULT_PASS: return M_MATCH;
		case SPF_RESULT_FAIL: case SPF_RESULT_SOFTFAIL: case SPF_RESULT_NEUTRAL: return M_NOMATCH;
		case SPF_RESULT_TEMPERROR: return M_TEMPERROR;
		case SPF_RESULT_NONE:
			problem(e, "include:%s has no SPF record", name);
			return M_PERMERROR;
		default: return M_PERMERROR;
		}
	}
	case SPF_M_A:
	case SPF_M_EXISTS:
		if (!dname_valid(name, DNAME_MULTI))
			return count_void(e, name) < 0 ? M_PERMERROR : M_NOMATCH;
		a = lookup(e, name, t->mech == SPF_M_EXISTS ? ns_t_a : atype);
		if (a->rcode == DNS_R_OK)
			r = t->mech == SPF_M_EXISTS ? (a->count > 0 ? M_MATCH : M_NOMATCH) : match_addrs(e, a, t);
		else if (a->rcode == DNS_R_NODATA || a->rcode == DNS_R_NXDOMAIN || a->rcode == DNS_R_ERROR)
			r = count_void(e, name) < 0 ? M_PERMERROR : M_NOMATCH;
		else
			r = dns_fail(e, a, name);
		answer_done(a);
		return r;
	case SPF_M_MX: {
		if (!dname_valid(name, DNAME_MULTI))
			return count_void(e, name) < 0 ? M_PERMERROR : M_NOMATCH;
		a = lookup(e, name, ns_t_mx);
		if (a->rcode == DNS_R_NODATA || a->rcode == DNS_R_NXDOMAIN || a->rcode == DNS_R_ERROR) {
			answer_done(a);
			return count_void(e, name) < 0 ? M_PERMERROR : M_NOMATCH;
		}
		if (a->rcode != DNS_R_OK) {
			r = dns_fail(e, a, name);
			answer_done(a);
			return r;
		}
		if (a->count > e->lim.mx_names) {
			problem(e, "mx:%s has %zu MX names (limit %u)", name, a->count, e->lim.mx_names);
			answer_done(a);
			return M_PERMERROR;
		}
		for (size_t i = 0; i < a->count && r == M_NOMATCH; i++) {
			char mx[300];
			struct dns_answer *aa;
			if (a->rr[i].len < 3 || dns_wire_name(a->rr[i].data, a->rr[i].len, 2, mx, sizeof(mx)) < 0)
				continue;
			if (strcmp(mx, ".") == 0)
				continue;   /* null MX (RFC 7505) */
			aa = lookup(e, mx, atype);
			if (aa->rcode == DNS_R_OK)
				r = match_addrs(e, aa, t);
			else if (aa->rcode == DNS_R_TIMEOUT || aa->rcode == DNS_R_SERVFAIL)
				r = dns_fail(e, aa, mx);
			answer_done(aa);
		}
		answer_done(a);
		return r;
	}
	case SPF_M_PTR: {
		char vn[300];
		return validated_name(e, name, vn, sizeof(vn)) ? M_MATCH : M_NOMATCH;
	}
	default:
		return M_NOMATCH;
	}
}

/* The explanation for a fail from this record (6.2), or the default. */
static void
explain(struct eval *e, const char *domain, const struct spf_record *rec)
{
	struct spf_macro_env env;
	char err[160], name[300];
	int done = 0;

	if (rec != NULL && rec->exp != NULL &&
	    target(e, domain, rec->exp, rec->exp_len, name, sizeof(name)) == 0 && dname_valid(name, DNAME_MULTI)) {
		struct dns_answer *a = lookup(e, name, ns_t_txt);
		if (a->rcode == DNS_R_OK && a->count == 1) {
			long n = dns_txt_join(&a->rr[0], e->txtbuf, sizeof(e->txtbuf));
			make_env(e, domain, &env);
			if (n >= 0 && (size_t)n == strlen(e->txtbuf) &&
			    spf_macro_expand(e->txtbuf, (size_t)n, &env, 1, e->explanation,
			                     sizeof(e->explanation), err, sizeof(err)) == 0)
				done = 1;
		}
		answer_done(a);
	}
	if (!done) {
		make_env(e, domain, &env);
		if (spf_macro_expand(DEFAULT_EXP, strlen(DEFAULT_EXP), &env, 1, e->explanation,
		                     sizeof(e->explanation), err, sizeof(err)) != 0)
			strlcpy(e->explanation, "not authorized", sizeof(e->explanation));
	}
}

static enum spf_result
qual_result(char q)
{
	switch (q) {
	case '-': return SPF_RESULT_FAIL;
	case '~': return SPF_RESULT_SOFTFAIL;
	case '?': return SPF_RESULT_NEUTRAL;
	default: return SPF_RESULT_PASS;
	}
}

/* Fetches and parses the one SPF record of domain. */
static enum spf_result
fetch_record(struct eval *e, const char *domain, struct spf_record *rec)
{
	struct dns_answer *a = lookup(e, domain, ns_t_txt);
	long found = -1;
	size_t nspf = 0;
	char err[256];
	enum spf_result res = SPF_RESULT_NONE;

	switch (a->rcode) {
	case DNS_R_OK:
		break;
	case DNS_R_NXDOMAIN:
	case DNS_R_NODATA:
	case DNS_R_ERROR:
		answer_done(a);
		return SPF_RESULT_NONE;
	default:
		problem(e, "DNS %s looking up the SPF record of %s", dns_rcode_str(a->rcode), domain);
		answer_done(a);
		return SPF_RESULT_TEMPERROR;
	}
	for (size_t i = 0; i < a->count; i++) {
		const struct dns_rr *rr = &a->rr[i];
		/* Join first: "v=spf" "1 -all" is a valid record too. */
		long n = dns_txt_join(rr, e->txtbuf, sizeof(e->txtbuf));
		if (n < 0 || !spf_record_is_spf(e->txtbuf, (size_t)n))
			continue;
		nspf++;
		found = (long)i;
	}
	if (nspf > 1) {
		problem(e, "%s publishes more than one SPF record", domain);
		res = SPF_RESULT_PERMERROR;
	} else if (nspf == 1) {
		long n = dns_txt_join(&a->rr[found], e->txtbuf, sizeof(e->txtbuf));
		if (spf_record_parse(e->txtbuf, (size_t)n, rec, err, sizeof(err)) < 0) {
			problem(e, "SPF record of %s: %s", domain, err);
			res = SPF_RESULT_PERMERROR;
		} else {
			res = SPF_RESULT_PASS;   /* "have a record" */
		}
	}
	answer_done(a);
	return res;
}

static enum spf_result
check_host(struct eval *e, const char *domain, int depth, int want_exp)
{
	struct spf_record rec;
	enum spf_result res;

	if (depth > SPF_MAX_DEPTH) {
		problem(e, "SPF recursion deeper than %d at %s", SPF_MAX_DEPTH, domain);
		return SPF_RESULT_PERMERROR;
	}
	if (!dname_valid(domain, DNAME_MULTI))
		return SPF_RESULT_NONE;
	res = fetch_record(e, domain, &rec);
	if (res != SPF_RESULT_PASS)
		return res;

	for (size_t i = 0; i < rec.nterms; i++) {
		const struct spf_term *t = &rec.terms[i];
		enum mres m = eval_term(e, domain, t, depth);
		if (m == M_NOMATCH)
			continue;
		if (m == M_TEMPERROR) {
			res = SPF_RESULT_TEMPERROR;
		} else if (m == M_PERMERROR) {
			res = SPF_RESULT_PERMERROR;
		} else {
			res = qual_result(t->qualifier);
			if (depth == 0 || want_exp)
				strlcpy(e->mechanism, t->text, sizeof(e->mechanism));
			if (res == SPF_RESULT_FAIL && want_exp)
				explain(e, domain, &rec);
		}
		spf_record_free(&rec);
		return res;
	}

	if (rec.redirect != NULL && !rec.has_all) {
		char name[300];
		if (count_term(e, "redirect") < 0 ||
		    target(e, domain, rec.redirect, rec.redirect_len, name, sizeof(name)) < 0) {
			spf_record_free(&rec);
			return SPF_RESULT_PERMERROR;
		}
		spf_record_free(&rec);
		if (!dname_valid(name, DNAME_MULTI)) {
			problem(e, "redirect to malformed domain '%s'", name);
			return SPF_RESULT_PERMERROR;
		}
		res = check_host(e, name, depth + 1, want_exp);
		if (res == SPF_RESULT_NONE) {
			problem(e, "redirect=%s has no SPF record", name);
			res = SPF_RESULT_PERMERROR;
		}
		return res;
	}
	spf_record_free(&rec);
	if (depth == 0 || want_exp)
		strlcpy(e->mechanism, "default", sizeof(e->mechanism));
	return SPF_RESULT_NEUTRAL;
}

void
spf_check_host(struct dns_resolver *dns, const struct spf_request *req,
               const struct spf_limits *lim, struct spf_response *resp)
{
	struct eval *e;   /* on the heap: it is large, and a caller's stack size is not ours to assume */
	const char *sender = req->sender ? req->sender : "";
	const char *at;
	const char *domain;
	uint64_t start = dns_now_ms();
	enum spf_result res;

	memset(resp, 0, sizeof(*resp));
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		resp->result = SPF_RESULT_TEMPERROR;
		strlcpy(resp->problem, "out of memory", sizeof(resp->problem));
		return;
	}
	e->dns = dns;
	spf_limits_default(&e->lim);
	if (lim) {
		/* A 0 field keeps its default (spf.h). */
		if (lim->dns_terms) e->lim.dns_terms = lim->dns_terms;
		if (lim->void_lookups) e->lim.void_lookups = lim->void_lookups;
		if (lim->mx_names) e->lim.mx_names = lim->mx_names;
		if (lim->ptr_names) e->lim.ptr_names = lim->ptr_names;
		if (lim->budget_ms) e->lim.budget_ms = lim->budget_ms;
	}
	e->deadline = start + e->lim.budget_ms;
	strlcpy(e->helo, req->helo ? req->helo : "", sizeof(e->helo));
	strlcpy(e->receiver, req->receiver ? req->receiver : "", sizeof(e->receiver));

	/* 4.3: sender local-part (postmaster if none) and domain. */
	if (sender[0] == '\0') {
		strlcpy(e->local, "postmaster", sizeof(e->local));
		strlcpy(e->sender_domain, e->helo, sizeof(e->sender_domain));
	} else if ((at = strrchr(sender, '@')) != NULL) {
		size_t ll = (size_t)(at - sender);
		if (ll == 0)
			strlcpy(e->local, "postmaster", sizeof(e->local));
		else
			snprintf(e->local, sizeof(e->local), "%.*s", (int)(ll < 255 ? ll : 255), sender);
		strlcpy(e->sender_domain, at + 1, sizeof(e->sender_domain));
	} else {
		strlcpy(e->local, "postmaster", sizeof(e->local));
		strlcpy(e->sender_domain, sender, sizeof(e->sender_domain));
	}
	snprintf(e->sender, sizeof(e->sender), "%s@%s", e->local, e->sender_domain);
	domain = req->domain && req->domain[0] ? req->domain : e->sender_domain;
	strlcpy(resp->domain, domain, sizeof(resp->domain));

	if (spf_ip_parse(req->client_ip, &e->ip) < 0) {
		res = SPF_RESULT_PERMERROR;
		problem(e, "bad client address '%s'", req->client_ip ? req->client_ip : "(null)");
	} else if (dns == NULL) {
		res = SPF_RESULT_TEMPERROR;
		problem(e, "no DNS resolver");
	} else {
		res = check_host(e, domain, 0, 1);
	}

	resp->result = res;
	strlcpy(resp->mechanism, e->mechanism, sizeof(resp->mechanism));
	if (res == SPF_RESULT_FAIL)
		strlcpy(resp->explanation, e->explanation, sizeof(resp->explanation));
	if (res == SPF_RESULT_TEMPERROR || res == SPF_RESULT_PERMERROR)
		strlcpy(resp->problem, e->problem, sizeof(resp->problem));
	resp->dns_terms = e->dns_terms;
	resp->dns_queries = e->queries;
	resp->void_lookups = e->void_lookups;
	resp->elapsed_ms = (unsigned)(dns_now_ms() - start);
	free(e);
}
