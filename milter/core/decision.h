/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decision.h - the one decision line per message (format shared with the
 * report tool and the bench; documented under LOGS in spfdkim-milter(8)).
 *
 *   decision ts=... qid=... ip=... helo=... mailfrom=... identity=... domain=...
 *            spf=... helo_spf=... dkim=... dkim_d=... skip=... action=...
 *            reason=... reply=... elapsed_ms=...
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
