/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy.h - from check results to one action and one SMTP reply.
 *
 * The action table lives in the config (SPF...Action, DKIM...Action keys);
 * this module combines the per-check actions (the strongest wins:
 * save-reject > reject > quarantine > accept; on a tie SPF's reply is used)
 * and expands the reply templates "CODE [X.Y.Z] text" ("%%" is a percent sign) with the %{sender}
 * %{ip} %{domain} %{helo} %{result} %{explanation} fields. Expanded text is
 * made safe for libmilter: control bytes become '?', '%' is doubled when the
 * caller asks for the smfi_setreply() form. Caps: POLICY_REPLY_MAX bytes.
 */
#ifndef SPFDKIM_POLICY_H
#define SPFDKIM_POLICY_H

#include <stddef.h>

#include "dkim.h"
#include "dmarc.h"
#include "spf.h"

#define POLICY_REPLY_MAX 512

/* What is done with a message; the config maps each check result to one. */
enum action { ACT_ACCEPT, ACT_REJECT, ACT_SAVE_REJECT, ACT_QUARANTINE };
#define ACT_COUNT 4
const char *action_str(enum action a);   /* "accept", "reject", "save-reject", "quarantine" */
int action_parse(const char *s, enum action *out);

/* Default reply templates (RFC 7372 codes). */
const char *policy_default_spf_reply(enum spf_result r);
const char *policy_default_dkim_reply(enum dkim_verdict v);
/* For SPFBadFromReply: %{explanation} says what is wrong with the From:. */
const char *policy_default_bad_from_reply(void);
const char *policy_default_dmarc_reply(enum dmarc_outcome o);

/* Checks a template: 4xx/5xx code, optional X.Y.Z of the same class, text,
   known %{} fields. 0, or -1 with the reason in err. */
int policy_reply_check(const char *tmpl, char *err, size_t errlen);

/* Writes tmpl to out, with the enhanced code added when tmpl has none: the
   class of tmpl's code and the subject.detail of dflt's ("451 Try later" with
   dflt "550 5.7.23 ..." gives "451 4.7.23 Try later"). 0, or -1 (tmpl
   malformed or out too small). */
int policy_reply_complete(const char *tmpl, const char *dflt, char *out, size_t outlen);

/* Ranks for "the strongest wins". */
int policy_action_rank(enum action a);
int policy_is_reject(enum action a);   /* reject or save-reject */

struct reply_fields {
	const char *sender, *ip, *domain, *helo, *result, *explanation;
};

/* The expanded reply split for smfi_setreply(); text has '%' doubled. */
struct policy_reply {
	char rcode[4];
	char xcode[16];                  /* "" when the template has none */
	char text[POLICY_REPLY_MAX];     /* for smfi_setreply (with %% escapes) */
	char plain[POLICY_REPLY_MAX + 24]; /* "550 5.7.23 text" as the client sees it (for logs) */
};

/* Expands tmpl (already checked) with f. 0 or -1 (malformed template). */
int policy_reply_expand(const char *tmpl, const struct reply_fields *f, struct policy_reply *out);

#endif
