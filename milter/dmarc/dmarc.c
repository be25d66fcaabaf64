/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dmarc.c - DMARC policy discovery, identifier alignment and the verdict
 * (see dmarc.h for the contract and the RFC 7489 sections it follows).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <string.h>
#include <strings.h>

#include "dmarc.h"
#include "dmarc_orgdomain.h"

struct dmarc_engine {
	struct dmarc_psl *psl;
	struct dns_resolver *dns;
	uint64_t salt;              /* pct sampling; secret, see dmarc.h */
};

static const char *const result_names[DMARC_R_COUNT] = {
	"none", "pass", "fail", "temperror", "permerror"
};

const char *
dmarc_result_str(enum dmarc_result r)
{
	return (unsigned)r < DMARC_R_COUNT ? result_names[r] : "permerror";
}

int
dmarc_result_parse(const char *s, enum dmarc_result *out)
{
	for (int i = 0; i < DMARC_R_COUNT; i++)
		if (strcasecmp(s, result_names[i]) == 0) {
			*out = (enum dmarc_result)i;
			return 0;
		}
	return -1;
}

struct dmarc_engine *
dmarc_engine_new(const struct dmarc_options *opt, struct dns_resolver *dns, char *err, size_t errlen)
{
	struct dmarc_engine *e = calloc(1, sizeof(*e));
	char why[512];

	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->dns = dns;
	if (getrandom(&e->salt, sizeof(e->salt), 0) != (ssize_t)sizeof(e->salt)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		free(e);
		return NULL;
	}
	if ((e->psl = dmarc_psl_load(opt != NULL ? opt->psl_file : NULL, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "DMARCPublicSuffixList: %s", why);
		free(e);
		return NULL;
	}
	return e;
}

void
dmarc_engine_free(struct dmarc_engine *e)
{
	if (e == NULL)
		return;
	dmarc_psl_free(e->psl);
	free(e);
}

int
dmarc_engine_org_domain(const struct dmarc_engine *e, const char *name, char *out, size_t outlen)
{
	return dmarc_org_domain(e->psl, name, out, outlen);
}

/* name without trailing dots: its length. */
static size_t
bare_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '.')
		n--;
	return n;
}

int
dmarc_aligned(const struct dmarc_engine *e, const char *id_domain, const char *from_domain, int strict)
{
	char a[256], b[256];
	size_t na = bare_len(id_domain), nb = bare_len(from_domain);

	if (na == 0 || nb == 0)
		return 0;
	if (na == nb && strncasecmp(id_domain, from_domain, na) == 0)
		return 1;
	if (strict)
		return 0;
	if (dmarc_org_domain(e->psl, id_domain, a, sizeof(a)) < 0 ||
	    dmarc_org_domain(e->psl, from_domain, b, sizeof(b)) < 0)
		return 0;
	return strcmp(a, b) == 0;
}

int
dmarc_sampled(uint64_t salt, const char *key, unsigned pct)
{
	uint32_t h = 2166136261u;

	if (pct >= 100)
		return 1;
	for (int i = 0; i < 8; i++) {
		h ^= (uint8_t)(salt >> (8 * i));
		h *= 16777619u;
	}
	for (const unsigned char *p = (const unsigned char *)(key ? key : ""); *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h % 100 < pct;
}

enum fetch { F_FOUND, F_NONE, F_TEMPERROR, F_PERMERROR };

/* Looks up the DMARC record at _dmarc.<domain>; problem says why for all but F_FOUND. */
static enum fetch
fetch(const struct dmarc_engine *e, const char *domain, uint64_t deadline, struct dmarc_record *rec,
    char *problem, size_t plen, unsigned *queries)
{
	char name[300], err[160];
	struct dns_answer *ans = NULL;
	size_t ndmarc = 0;
	enum fetch rc;

	snprintf(name, sizeof(name), "_dmarc.%.*s", (int)bare_len(domain), domain);
	(*queries)++;
	if (dns_lookup(e->dns, name, 16, deadline, &ans) < 0) {
		snprintf(problem, plen, "%.200s: DNS lookup failed locally", name);
		return F_TEMPERROR;
	}
	switch (ans->rcode) {
	case DNS_R_OK:
		break;
	case DNS_R_NODATA:
	case DNS_R_NXDOMAIN:
		snprintf(problem, plen, "no DMARC record at %.200s", name);
		dns_answer_free(ans);
		return F_NONE;
	default:
		snprintf(problem, plen, "%.200s: DNS %s", name, dns_rcode_str(ans->rcode));
		dns_answer_free(ans);
		return F_TEMPERROR;
	}
	rc = F_NONE;
	snprintf(problem, plen, "no DMARC record at %.200s", name);
	for (size_t i = 0; i < ans->count; i++) {
		long n;
		char *txt = malloc(ans->rr[i].len + 1);
		if (txt == NULL) {
			snprintf(problem, plen, "%.200s: out of memory", name);
			rc = F_TEMPERROR;
			goto out;
		}
		n = dns_txt_join(&ans->rr[i], txt, ans->rr[i].len + 1);
		if (n < 0) {
			free(txt);
			snprintf(problem, plen, "%.200s: malformed TXT answer", name);
			rc = F_TEMPERROR;
			goto out;
		}
		if (dmarc_record_is_dmarc(txt, (size_t)n)) {
			if (++ndmarc == 1) {
				if (dmarc_record_parse(txt, (size_t)n, rec, err, sizeof(err)) < 0) {
					snprintf(problem, plen, "%.100s: %.150s", name, err);
					rc = F_PERMERROR;
				} else
					rc = F_FOUND;
			}
		}
		free(txt);
	}
	if (ndmarc > 1) {
		/* 6.6.3 step 5: several records, no policy. */
		snprintf(problem, plen, "%zu DMARC records at %.200s", ndmarc, name);
		rc = F_NONE;
	}
out:
	dns_answer_free(ans);
	return rc;
}

/* One From domain. */
static void
check_domain(const struct dmarc_engine *e, const char *domain, const struct dmarc_auth *a,
    struct dmarc_verdict *v)
{
	enum fetch f;
	int at_org = 0;

	memset(v, 0, sizeof(*v));
	strlcpy(v->from_domain, domain, sizeof(v->from_domain));
	if (dmarc_org_domain(e->psl, domain, v->org_domain, sizeof(v->org_domain)) < 0) {
		v->result = DMARC_R_PERMERROR;
		snprintf(v->problem, sizeof(v->problem), "From domain \"%.80s\" is not a DNS name", domain);
		return;
	}
	f = fetch(e, domain, a->deadline_ms, &v->rec, v->problem, sizeof(v->problem), &v->dns_queries);
	if (f == F_NONE && strcmp(v->org_domain, domain) != 0) {
		f = fetch(e, v->org_domain, a->deadline_ms, &v->rec, v->problem, sizeof(v->problem), &v->dns_queries);
		at_org = 1;
		if (f == F_NONE)
			snprintf(v->problem, sizeof(v->problem), "no DMARC record for %.100s or %.100s", domain, v->org_domain);
	}
	switch (f) {
	case F_NONE:
		v->result = DMARC_R_NONE;
		return;
	case F_TEMPERROR:
		v->result = DMARC_R_TEMPERROR;
		return;
	case F_PERMERROR:
		v->result = DMARC_R_PERMERROR;
		return;
	case F_FOUND:
		break;
	}
	v->have_record = 1;
	v->problem[0] = '\0';
	strlcpy(v->record_domain, at_org ? v->org_domain : domain, sizeof(v->record_domain));
	v->policy = at_org ? v->rec.sp : v->rec.p;
	if (a->spf_done && a->spf == SPF_RESULT_PASS && a->spf_domain != NULL)
		v->spf_aligned = dmarc_aligned(e, a->spf_domain, domain, v->rec.aspf_strict);
	for (size_t i = 0; i < a->ndkim && i < DMARC_DKIM_MAX && !v->dkim_aligned; i++)
		if (a->dkim_d[i] != NULL)
			v->dkim_aligned = dmarc_aligned(e, a->dkim_d[i], domain, v->rec.adkim_strict);
	if (v->spf_aligned || v->dkim_aligned) {
		v->result = DMARC_R_PASS;
		return;
	}
	v->result = DMARC_R_FAIL;
	v->req = v->policy;
	if (!dmarc_sampled(e->salt, a->sample_key, v->rec.pct) && v->req != DMARC_P_NONE) {
		v->sampled_out = 1;
		v->req = v->req == DMARC_P_REJECT ? DMARC_P_QUARANTINE : DMARC_P_NONE;
	}
}

/* Higher is worse: how several From domains combine. */
static int
rank(const struct dmarc_verdict *v)
{
	switch (v->result) {
	case DMARC_R_PASS: return 0;
	case DMARC_R_NONE: return 1;
	case DMARC_R_PERMERROR: return 2;
	case DMARC_R_TEMPERROR: return 3;
	case DMARC_R_FAIL: return 4 + (int)v->req;
	}
	return 2;
}

void
dmarc_check(const struct dmarc_engine *e, const char *const *domains, size_t n, const char *why,
    const struct dmarc_auth *a, struct dmarc_verdict *out)
{
	struct dmarc_verdict *tmp;

	size_t first = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0 || why != NULL) {
		/* What cannot be evaluated counts as a permerror beside the rest. */
		out->result = DMARC_R_PERMERROR;
		snprintf(out->problem, sizeof(out->problem), "From: cannot be evaluated: %s",
		    why != NULL ? why : "no From: header field");
	} else {
		check_domain(e, domains[0], a, out);
		first = 1;
	}
	if (n <= first)
		return;
	if ((tmp = malloc(sizeof(*tmp))) == NULL) {
		out->result = DMARC_R_TEMPERROR;
		snprintf(out->problem, sizeof(out->problem), "out of memory");
		return;
	}
	for (size_t i = first; i < n && i < DMARC_FROM_MAX; i++) {
		unsigned q = out->dns_queries;
		check_domain(e, domains[i], a, tmp);
		tmp->dns_queries += q;
		if (rank(tmp) > rank(out))
			*out = *tmp;
		else
			out->dns_queries = tmp->dns_queries;
	}
	free(tmp);
}

enum dmarc_outcome
dmarc_outcome(const struct dmarc_verdict *v)
{
	switch (v->result) {
	case DMARC_R_PASS: return DMARC_O_PASS;
	case DMARC_R_NONE: return DMARC_O_NORECORD;
	case DMARC_R_TEMPERROR: return DMARC_O_TEMPERROR;
	case DMARC_R_PERMERROR: return DMARC_O_PERMERROR;
	case DMARC_R_FAIL:
		return v->req == DMARC_P_REJECT ? DMARC_O_FAIL_REJECT :
		    v->req == DMARC_P_QUARANTINE ? DMARC_O_FAIL_QUARANTINE : DMARC_O_FAIL_NONE;
	}
	return DMARC_O_PERMERROR;
}
