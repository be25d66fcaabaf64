/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mlfi_dmarc.c - the DMARC step of the end of message: gather what DMARC
 * aligns (the MAIL FROM SPF result, the passing DKIM signatures, the From:
 * domains) from the session and hand it to the DMARC engine.
 *
 * DMARC needs SPF for the RFC 5321 MAIL FROM (RFC 7489 3.1.2), HELO for the
 * null sender: when SPFIdentity is header-from, that check is run here once
 * more for the envelope. Skipped sessions (authenticated, whitelisted,
 * local) and outgoing mail we sign get no DMARC evaluation.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "mailaddr.h"
#include "mlfi.h"

/* Adds one From: domain (lower-case) unless already there. */
static void
add_domain(struct txn *t, const char *domain)
{
	for (size_t i = 0; i < t->nfrom_domains; i++)
		if (strcasecmp(t->from_domains[i], domain) == 0)
			return;
	if (t->nfrom_domains >= DMARC_FROM_MAX) {
		t->from_why = "more From: domains than are evaluated";
		return;
	}
	strlcpy(t->from_domains[t->nfrom_domains++], domain, sizeof(t->from_domains[0]));
}

void
mlfi_dmarc_from(struct session *s, const char *value)
{
	struct txn *t = &s->t;
	struct mailaddr_list l;

	switch (mailaddr_parse_from(value, &l)) {
	case MAILADDR_OK:
		for (size_t i = 0; i < l.ndomains; i++)
			add_domain(t, l.domain[i]);
		break;
	case MAILADDR_EMPTY:
		t->from_why = "a From: field without an address";
		break;
	case MAILADDR_INVALID:
		t->from_why = "an unparseable From: field";
		break;
	}
}

void
mlfi_dmarc_check(struct session *s, const struct dkim_report *rep)
{
	struct txn *t = &s->t;
	const struct config *c = s->rt->cfg;
	const struct spf_outcome *o;
	const char *dkim_d[DMARC_DKIM_MAX], *doms[DMARC_FROM_MAX];
	struct dmarc_auth a = { 0 };
	const char *why = t->from_why;

	if (s->rt->dmarc == NULL || t->skip != SKIP_NONE || (t->dkim != NULL && t->dkim_mode == DKIM_MODE_SIGN))
		return;
	if (t->spf.done && t->spf.kind != SK_HEADER_FROM)
		o = &t->spf;
	else {
		if (t->mailfrom[0] != '\0')
			mlfi_spf_check(s, SK_MAILFROM, NULL, t->mailfrom, &t->dmarc_spf);
		else
			mlfi_spf_check(s, SK_HELO, s->helo[0] ? s->helo : NULL, "", &t->dmarc_spf);
		o = &t->dmarc_spf;
	}
	a.spf_done = o->done;
	a.spf = o->resp.result;
	a.spf_domain = o->resp.domain;
	if (rep != NULL)
		for (size_t i = 0; i < rep->nsigs && i < DKIM_REPORT_MAX && a.ndkim < DMARC_DKIM_MAX; i++)
			if (rep->sig[i].verdict == DKIM_V_PASS && rep->sig[i].d[0] != '\0')
				dkim_d[a.ndkim++] = rep->sig[i].d;
	a.dkim_d = dkim_d;
	a.sample_key = t->msgid[0] != '\0' ? t->msgid : t->qid;
	a.deadline_ms = dns_now_ms() + (uint64_t)c->dns_budget * 1000;
	for (size_t i = 0; i < t->nfrom_domains; i++)
		doms[i] = t->from_domains[i];
	dmarc_check(s->rt->dmarc, doms, t->nfrom_domains, t->nfrom == 0 ? "no From: header field" : why,
	    &a, &t->dmarc);
	t->dmarc_done = 1;
	log_debug("%s: dmarc from=%s result=%s policy=%s req=%s spf_aligned=%d dkim_aligned=%d problem=%s dns=%u",
	    t->qid[0] ? t->qid : "-", t->dmarc.from_domain[0] ? t->dmarc.from_domain : "-",
	    dmarc_result_str(t->dmarc.result), dmarc_policy_str(t->dmarc.policy), dmarc_policy_str(t->dmarc.req),
	    t->dmarc.spf_aligned, t->dmarc.dkim_aligned, t->dmarc.problem, t->dmarc.dns_queries);
}
