/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mlfi.h - the milter session: per-connection and per-message state shared
 * by the libmilter callbacks (mlfi.c) and end-of-message logic (mlfi_eom.c).
 *
 * One struct session per SMTP connection, hung on the libmilter context with
 * smfi_setpriv() and freed at close. It holds a reference to the runtime
 * (config snapshot) current when the connection began, so a reload never
 * changes a session midway. Caps: MLFI_MAX_RCPTS recipients are remembered
 * for the spam log (the rest are not listed there). Every forged Authentication-Results
 * field is removed: one bit per A-R field seen marks ours, so the memory is
 * an eighth of a byte per field the MTA accepted, whatever their number.
 * DMARC_FROM_MAX distinct From: domains are kept for DMARC (more make the
 * From: one no receiver can evaluate: a permerror beside the rest).
 */
#ifndef SPFDKIM_MLFI_H
#define SPFDKIM_MLFI_H

#include <libmilter/mfapi.h>
#include <stdint.h>

#include "dkim.h"
#include "dmarc.h"
#include "mailaddr.h"
#include "msgcopy.h"
#include "policy.h"
#include "runtime.h"
#include "spf.h"

#define MLFI_MAX_RCPTS 100

enum skip_reason { SKIP_NONE, SKIP_AUTH, SKIP_WHITELIST, SKIP_LOOPBACK, SKIP_LAN };

/* Which identity the SPF result belongs to. */
enum spf_kind { SK_MAILFROM, SK_HELO, SK_HEADER_FROM };

struct spf_outcome {
	int done;                 /* checked */
	enum spf_kind kind;
	struct spf_response resp;
};

struct txn {
	int active;               /* between MAIL and end/abort */
	int logged;               /* the decision line was written */
	uint64_t start_ms;
	char qid[64];
	char mailfrom[512];       /* without <> */
	int authed;
	enum skip_reason skip;
	struct spf_outcome spf;   /* the primary identity */
	struct spf_outcome helo;  /* SPFCheckHelo */
	size_t nfrom;             /* From: fields seen */
	enum mailaddr_status from_st;  /* the first one, parsed */
	struct mailaddr_list from;
	const char *bad_from;     /* header-from found no single author domain: why */
	size_t nfrom_domains;     /* distinct domains of every From: field, for DMARC */
	char from_domains[DMARC_FROM_MAX][MAILADDR_DOMAIN_MAX];
	const char *from_why;     /* what part of From: DMARC cannot use, or NULL */
	char msgid[256];          /* Message-ID value: the DMARC pct sampling key */
	struct spf_outcome dmarc_spf; /* MAIL FROM (HELO for <>) when SPF checked the header From */
	int dmarc_done;
	struct dmarc_verdict dmarc;
	char *rcpts[MLFI_MAX_RCPTS];
	size_t nrcpts;
	unsigned ar_seen;         /* Authentication-Results fields so far (1-based index) */
	uint8_t *ar_forged;       /* bit i-1 set: A-R #i carries our authserv-id */
	size_t ar_forged_bytes, nar_forged;
	int ar_nomem;             /* the bitmap could not grow: tempfail, never deliver it */
	struct dkim_msg *dkim;
	enum dkim_mode dkim_mode;
	int dkim_eoh;
	int spooling;
	int acked_hdr, acked_body; /* TCP_QUICKACK done for this phase */
	struct msgcopy copy;
};

struct session {
	struct runtime *rt;
	char ip[64];              /* "" when the MTA gave no address */
	uint8_t addr[16];
	int have_addr;
	enum skip_reason conn_skip;
	int internal;             /* client is in InternalHosts */
	char helo[256];
	unsigned long pflags;     /* protocol flags negotiated (SMFIP_NR_* etc.) */
	int sd;                   /* the MTA's TCP socket (for TCP_QUICKACK), or -1 */
	struct txn t;
};

void mlfi_txn_reset(struct session *s);
/* Runs one SPF check for the given identity into out. */
void mlfi_spf_check(struct session *s, enum spf_kind kind, const char *domain, const char *sender,
                    struct spf_outcome *out);
/* The SPF result for logs: the result, "policy" for an unusable From:, or "-". */
const char *mlfi_spf_str(const struct txn *t);
/* Logs the decision line for the current transaction (once). */
struct decision_ctx {
	const char *action, *reason, *reply, *dkim, *dkim_d;
	const char *arc, *arc_d, *dmarc_override;
};
void mlfi_log_decision(struct session *s, const struct decision_ctx *d);
/* Calls spamfolder_log for a reject/save. */
void mlfi_spam_log(struct session *s, const char *action, const char *reply, const char *dkim,
                   const char *saved);
/* Sets the SMTP reply and returns SMFIS_REJECT or SMFIS_TEMPFAIL. */
sfsistat mlfi_reply(SMFICTX *ctx, const struct policy_reply *r);
/* "spf=R dkim=R dmarc=R" for the spam folder and spam log. */
void mlfi_results_str(const struct session *s, const char *dkim, char *out, size_t outlen);
/*
 * DMARC for the message (mlfi_dmarc.c): aligns the MAIL FROM SPF result
 * (checked here when SPF ran on the header From) and the passing DKIM
 * signatures of rep (NULL: none) with the From: domains; sets t->dmarc.
 * Does nothing for skipped or signed (outgoing) mail or when DMARCVerify is off.
 */
void mlfi_dmarc_check(struct session *s, const struct dkim_report *rep);
/* Records the domains of one From: field value for DMARC (every From:, in order). */
void mlfi_dmarc_from(struct session *s, const char *value);

sfsistat mlfi_eom(SMFICTX *ctx);

/*
 * The Socket spec libmilter listens on; called once before smfi_main(). A
 * session uses the MTA's socket for TCP tuning only when its local address
 * is this one (see mlfi.c); a unix socket logs "TCP fast path off" here.
 */
void mlfi_listen_set(const char *spec);

#endif
