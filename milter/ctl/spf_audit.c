/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_audit.c - counts the DNS-querying terms a published SPF record needs
 * in the worst case (every include: and redirect= followed), for
 * spfdkim-ctl spf-audit. Targets with macros depend on the message, so they
 * are counted but not followed. Caps: SPF_AUDIT_MAX_TERMS terms and a
 * recursion depth of 20 (include loops stop there), one time budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf_audit.h"
#include "spf_record.h"

#define AUDIT_MAX_DEPTH 20
#define AUDIT_TXT 65536

struct walk {
	struct dns_resolver *dns;
	uint64_t deadline;
	struct spf_audit *a;
	char txt[AUDIT_TXT];
};

static void
note(struct spf_audit *a, const char *domain, const char *what)
{
	a->errors++;
	if (a->first_error[0] == '\0') {
		strlcpy(a->first_error, domain, sizeof(a->first_error));
		strlcat(a->first_error, ": ", sizeof(a->first_error));
		strlcat(a->first_error, what, sizeof(a->first_error));
	}
}

/* Fetches domain's record into rec. 0, or -1 (noted). */
static int
fetch(struct walk *w, const char *domain, struct spf_record *rec)
{
	struct dns_answer *ans = NULL;
	long found = -1;
	int n = 0;
	char err[256];

	if (dns_lookup(w->dns, domain, ns_t_txt, w->deadline, &ans) < 0 || ans == NULL) {
		note(w->a, domain, "DNS lookup failed");
		return -1;
	}
	if (ans->rcode != DNS_R_OK) {
		note(w->a, domain, ans->rcode == DNS_R_NXDOMAIN || ans->rcode == DNS_R_NODATA
		     ? "no SPF record" : dns_rcode_str(ans->rcode));
		dns_answer_free(ans);
		return -1;
	}
	for (size_t i = 0; i < ans->count; i++) {
		long l = dns_txt_join(&ans->rr[i], w->txt, sizeof(w->txt));
		if (l >= 0 && spf_record_is_spf(w->txt, (size_t)l)) {
			n++;
			found = (long)i;
		}
	}
	if (n != 1) {
		note(w->a, domain, n == 0 ? "no SPF record" : "more than one SPF record");
		dns_answer_free(ans);
		return -1;
	}
	long l = dns_txt_join(&ans->rr[found], w->txt, sizeof(w->txt));
	dns_answer_free(ans);
	if (spf_record_parse(w->txt, (size_t)l, rec, err, sizeof(err)) < 0) {
		note(w->a, domain, err);
		return -1;
	}
	return 0;
}

static int
has_macro(const char *s, size_t n)
{
	return memchr(s, '%', n) != NULL;
}

static void
walk_domain(struct walk *w, const char *domain, int depth)
{
	struct spf_record rec;
	struct spf_audit *a = w->a;

	if (depth > AUDIT_MAX_DEPTH) {
		a->truncated = 1;
		return;
	}
	if (fetch(w, domain, &rec) < 0)
		return;
	if (depth == 0)
		strlcpy(a->record, w->txt, sizeof(a->record));   /* display copy: may cut */
	for (size_t i = 0; i < rec.nterms && !a->truncated; i++) {
		const struct spf_term *t = &rec.terms[i];
		if (t->mech == SPF_M_ALL || t->mech == SPF_M_IP4 || t->mech == SPF_M_IP6)
			continue;
		if (++a->dns_terms >= SPF_AUDIT_MAX_TERMS) {
			a->truncated = 1;
			break;
		}
		if (t->mech != SPF_M_INCLUDE)
			continue;
		if (has_macro(t->spec, t->spec_len)) {
			a->macro_terms++;
			continue;
		}
		char target[300];
		snprintf(target, sizeof(target), "%.*s", (int)(t->spec_len < 299 ? t->spec_len : 299), t->spec);
		a->includes++;
		walk_domain(w, target, depth + 1);
	}
	if (rec.redirect != NULL && !rec.has_all && !a->truncated) {
		if (++a->dns_terms >= SPF_AUDIT_MAX_TERMS) {
			a->truncated = 1;
		} else if (has_macro(rec.redirect, rec.redirect_len)) {
			a->macro_terms++;
		} else {
			char target[300];
			snprintf(target, sizeof(target), "%.*s",
			         (int)(rec.redirect_len < 299 ? rec.redirect_len : 299), rec.redirect);
			a->includes++;
			walk_domain(w, target, depth + 1);
		}
	}
	spf_record_free(&rec);
}

int
spf_audit_record(struct dns_resolver *dns, const char *domain, unsigned budget_ms,
                 struct spf_audit *a)
{
	struct walk *w;   /* on the heap: the TXT buffer is big */

	memset(a, 0, sizeof(*a));
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		snprintf(a->first_error, sizeof(a->first_error), "out of memory");
		return -1;
	}
	w->dns = dns;
	w->a = a;
	w->deadline = dns_now_ms() + (budget_ms ? budget_ms : 20000);
	walk_domain(w, domain, 0);
	free(w);
	return a->record[0] ? 0 : -1;
}
