/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decision.h - the one decision line per message (format shared with the
 * report tool and the bench; documented under LOGS in spfdkim-milter(8)).
 *
 *   decision ts=... qid=... ip=... helo=... mailfrom=... identity=... domain=...
 *            spf=... helo_spf=... dkim=... dkim_d=... skip=... action=...
 *            reason=... reply=... dmarc=... dmarc_from=... dmarc_p=... dmarc_req=...
 *            dmarc_align=... dmarc_spf=... dmarc_spf_d=... dmarc_rdom=... dmarc_pub=...
 *            dmarc_rua=... arc=... arc_d=... dmarc_override=... elapsed_ms=...
 *
 * The DMARC keys: the result; the From domain; the policy that applied (p,
 * or sp for a sub-domain); the disposition it asks for after pct (what
 * honouring the policy does); which identifiers aligned and passed ("spf",
 * "dkim", "spf,dkim" or "-"); the SPF result and domain DMARC aligned (MAIL
 * FROM, or HELO for <>); the domain whose record applied; the record's
 * p/sp/adkim/aspf/pct/fo; its rua URIs, comma-separated.
 * ARC: the chain result (pass, fail, none); the newest sealer's d= on pass;
 * dmarc_override=arc when a DMARC failure was accepted because that sealer
 * is in ARCTrustedSealers.
 *
 * Every key is always present ("-" when empty); values are quoted by kvline.h.
 */
#ifndef SPFDKIM_DECISION_H
#define SPFDKIM_DECISION_H

#include <time.h>

#include "buf.h"

struct decision {
	time_t ts;
	const char *qid, *ip, *helo, *mailfrom, *identity, *domain;
	const char *spf, *helo_spf, *dkim, *dkim_d, *skip, *action, *reason, *reply;
	const char *dmarc, *dmarc_from, *dmarc_p, *dmarc_req, *dmarc_align;
	const char *dmarc_spf, *dmarc_spf_d, *dmarc_rdom, *dmarc_pub, *dmarc_rua;
	const char *arc, *arc_d, *dmarc_override;
	unsigned long elapsed_ms;
};

/* Builds the line (no newline), starting with "decision ts=". 0 or -1. */
int decision_format(struct buf *b, const struct decision *d);
/*
 * Logs the line through log_info() and, when fd >= 0, appends it plus "\n"
 * to fd with a single write (the file is opened O_APPEND).
 */
void decision_emit(const struct decision *d, int fd);

#endif
