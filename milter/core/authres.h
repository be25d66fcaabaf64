/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authres.h - our trace header fields: Authentication-Results (RFC 8601)
 * and Received-SPF (RFC 7208 section 9.1).
 *
 * Values are built into a struct buf without the field name; resinfo parts
 * are folded with "\n\t" (libmilter's folding form). Property values that are
 * not plain tokens/addresses are written as quoted-strings; comment text has
 * parentheses, backslashes and control bytes removed. Also recognises
 * incoming A-R fields that carry our authserv-id (so they can be removed).
 */
#ifndef SPFDKIM_AUTHRES_H
#define SPFDKIM_AUTHRES_H

#include "buf.h"
#include "dkim.h"
#include "dmarc.h"
#include "spf.h"

enum authres_spf_kind { AR_SPF_MAILFROM, AR_SPF_HELO, AR_SPF_HEADER_FROM };

struct authres_spf {
	enum spf_result result;
	enum authres_spf_kind kind;
	const char *value;   /* the sender address (mailfrom), helo name, or header From domain */
	const char *reason;  /* optional comment text, or NULL */
	int policy;          /* no SPF result: local policy refused the identity ("spf=policy") */
};

/* Starts an A-R value with the authserv-id. */
void authres_begin(struct buf *b, const char *authserv_id);
/* Appends "spf=RESULT smtp.mailfrom=..." (or smtp.helo=, header.from=). */
void authres_add_spf(struct buf *b, const struct authres_spf *s);
/* Appends one "dkim=..." part per signature, or "dkim=none" when nsigs is 0. */
void authres_add_dkim(struct buf *b, const struct dkim_report *r);
/*
 * Appends "dmarc=RESULT (p=POLICY dis=DIS) header.from=DOMAIN": the comment
 * when a policy record was found (POLICY the p or sp that applied, DIS what
 * this server did for DMARC: none, quarantine or reject), header.from when
 * there was a From domain.
 */
void authres_add_dmarc(struct buf *b, const struct dmarc_verdict *v, const char *dis);
/*
 * Appends "arc=RESULT (COMMENT) smtp.remote-ip=IP" (RFC 8617 10.1): the
 * comment gives the sets and the newest sealer on pass, the reason on fail.
 */
void authres_add_arc(struct buf *b, const struct dkim_report *r, const char *remote_ip);
/* Ends: if no method was added, the value becomes "authserv-id; none". */
void authres_end(struct buf *b);

struct received_spf {
	enum spf_result result;
	const char *receiver, *client_ip, *helo, *envelope_from;
	const char *identity;     /* "mailfrom", "helo" or "header-from" */
	const char *domain;       /* the checked domain */
	const char *mechanism, *problem;   /* or NULL / "" */
};
/* Builds a Received-SPF value: result (comment) key=value; ... */
void authres_received_spf(struct buf *b, const struct received_spf *r);

/*
 * Does this Authentication-Results value name authserv_id (case-insensitive)?
 * The id may follow CFWS (white space, folding, nested comments) and may be
 * a quoted-string (RFC 8601 2.2: authserv-id = value); its escapes are undone.
 */
int authres_is_ours(const char *value, const char *authserv_id);

#endif
