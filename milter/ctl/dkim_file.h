/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_file.h - feed a whole message held in memory to a dkim_msg, and
 * print a dkim_report as spfdkim-ctl dkim-verify does.
 */
#ifndef SPFDKIM_DKIM_FILE_H
#define SPFDKIM_DKIM_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "dkim.h"

/* Headers, end of headers, body. 0, or -1 when a header was refused. */
int dkim_feed_message(struct dkim_msg *m, const char *msg, size_t len);

/*
 * One line per signature:
 *   dkim=RESULT header.d=D header.s=S header.b=B8 header.i=I header.a=A [reason="..."]
 * or "dkim=none" when the report has no signature.
 */
void dkim_report_print(FILE *fp, const struct dkim_report *r);

#endif
