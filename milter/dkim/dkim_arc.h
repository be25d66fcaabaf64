/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_arc.h - ARC (RFC 8617) set structure and seal data, for the ARC
 * verification dkim.c runs beside DKIM on the same headers and body.
 *
 * arc_collect() sorts a message's ARC-Authentication-Results (AAR),
 * ARC-Message-Signature (AMS) and ARC-Seal (AS) fields by instance and
 * checks the structure (RFC 8617 5.2 steps 1-3): each instance 1..N has
 * exactly one of each, no gaps, N <= DKIM_ARC_INSTANCES_MAX (50), the
 * newest seal does not say cv=fail, instance 1 says cv=none and every
 * later one cv=pass. arc_seal_data() builds what the seal of instance k
 * signs (5.1.1). Pure functions over caller memory; thread-safe.
 */
#ifndef SPFDKIM_DKIM_ARC_H
#define SPFDKIM_DKIM_ARC_H

#include <stddef.h>

#include "buf.h"
#include "dkim.h"
#include "dkim_canon.h"
#include "dkim_tags.h"

enum { ARC_AAR, ARC_AMS, ARC_AS };

struct arc_sets {
	size_t n;                                     /* instances: 1..n */
	size_t hidx[DKIM_ARC_INSTANCES_MAX][3];       /* [i-1][ARC_AAR..ARC_AS]: index in hdrs */
};

/* Which ARC field a header is (ARC_AAR, ARC_AMS, ARC_AS), or -1. */
int arc_header_kind(const struct dkim_hdr *h);

/*
 * hdrs[0..n) in message order. ARC_NONE: no ARC field at all; ARC_FAIL
 * with the reason in why (a broken structure, which no signature can
 * repair); ARC_PASS: the structure is sound, out is filled and the
 * signatures remain to be checked.
 */
enum arc_verdict arc_collect(const struct dkim_hdr *hdrs, size_t n, struct arc_sets *out,
                             char *why, size_t whylen);

/*
 * Appends the relaxed canonical data the seal of instance k (1-based)
 * signs: AAR, AMS and AS of instances 1..k in that order, each with CRLF,
 * except the last (AS k) which has its b= value removed (by st's tag
 * offsets; st is that seal as dkim_sig_check_kind() parsed it) and no CRLF.
 * 0, or -1 when out hit its cap or k is out of range.
 */
int arc_seal_data(const struct dkim_hdr *hdrs, size_t n, const struct arc_sets *sets, size_t k,
                  const struct dkim_sigtags *st, struct buf *out);

#endif
