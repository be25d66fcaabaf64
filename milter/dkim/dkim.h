/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim.h - DKIM verification and signing of one message (OpenSSL; no libopendkim).
 *
 * CONTRACT (the milter codes against it; extend, do not break).
 *
 * A dkim_engine is built from one config snapshot (key and signing tables
 * loaded, key records fetched through the shared dns_resolver). Its tables
 * are immutable afterwards; the one mutable part, the cache of parsed key
 * records, has its own mutex, so all sessions share the engine. It must
 * outlive every dkim_msg made from it. A dkim_msg belongs to one milter
 * session and one message; it either verifies or signs, never both.
 */
#ifndef SPFDKIM_DKIM_H
#define SPFDKIM_DKIM_H

#include <stddef.h>

#include "dns.h"

struct dkim_engine;
struct dkim_msg;

struct dkim_options {
	const char *key_table;        /* OpenDKIM KeyTable file, or NULL */
	const char *signing_table;    /* OpenDKIM SigningTable file (refile: allowed), or NULL */
	unsigned min_key_bits;        /* weaker RSA keys fail verification: default 1024 */
	unsigned max_signatures;      /* signatures evaluated per message: default 16 */
	const char *canonicalization; /* "relaxed/relaxed" by default */
	const char *oversign_headers; /* comma list; NULL: From,To,Subject,Date,Message-ID,Reply-To,Cc,MIME-Version,Content-Type,Content-Transfer-Encoding */
	unsigned dns_budget_ms;       /* all key lookups of one message (DNSBudget); 0: 20000 */
};

enum dkim_verdict {
	DKIM_V_NONE, DKIM_V_PASS, DKIM_V_FAIL, DKIM_V_NEUTRAL, DKIM_V_POLICY,
	DKIM_V_TEMPERROR, DKIM_V_PERMERROR
};
#define DKIM_V_COUNT 7
/* RFC 8601 names: "none", "pass", "fail", "neutral", "policy", "temperror", "permerror". */
const char *dkim_verdict_str(enum dkim_verdict v);
int dkim_verdict_parse(const char *s, enum dkim_verdict *out);

/* ARC chain results (RFC 8617 4.4 cv values). */
enum arc_verdict { ARC_NONE, ARC_PASS, ARC_FAIL };
/* "none", "pass", "fail". */
const char *arc_verdict_str(enum arc_verdict v);

#define DKIM_REPORT_MAX 32
struct dkim_sig_report {
	enum dkim_verdict verdict;
	char d[256], i[256], s[64], a[32];
	char b[9];                    /* first 8 characters of b= */
	char reason[160];             /* why, for the log ("" on pass) */
};

/* Filled by dkim_msg_eom(); release with dkim_report_clear(). */
struct dkim_report {
	enum dkim_verdict summary;    /* what the action table uses: pass if any
	                                 signature passed, none if none was seen */
	size_t nsigs;
	struct dkim_sig_report sig[DKIM_REPORT_MAX];
	/* ARC (RFC 8617), verify mode: the chain result (cv), how many sets,
	   the newest sealer's d= ("" when none), and why it failed */
	enum arc_verdict arc;
	unsigned arc_sets;
	char arc_d[256];
	char arc_reason[160];
	size_t nadd;                  /* sign mode: DKIM-Signature values to insert at the top */
	char *add_value[4];           /* header values (no "DKIM-Signature:" name), malloc'd;
	                                 no leading space (prepend " " when SMFIP_HDR_LEADSPC
	                                 was negotiated), folded with "\n\t" (LF only) */
};
/*
 * Verify mode: sig[] holds one entry per DKIM-Signature evaluated (in header
 * order, up to max_signatures), reason says why for every non-pass. Summary:
 * pass > temperror > fail > policy > neutral > permerror > none, so one
 * failing key lookup never outweighs a passing signature.
 * Sign mode: summary is none and nsigs 0; nadd is 0 when the From: address
 * has no key (or several From: headers): the message goes out unsigned.
 * Results: a broken signature or key record (bad p=, unknown or mismatching
 * k=, h= without sha256, s= without email, revoked key, NXDOMAIN) is
 * permerror; SERVFAIL/timeout of one key is temperror for that signature;
 * an RSA key below min_key_bits is policy; a key in testing mode (t=y)
 * turns fail into neutral.
 * ARC: the chain of ARC sets (at most 50) is verified beside the DKIM
 * signatures: structure (dkim_arc.h), the newest ARC-Message-Signature like
 * a DKIM signature, every ARC-Seal; any fault, a key that cannot be fetched
 * included, is fail (RFC 8617 5.2 has no temperror). Not done in sign mode.
 */

enum dkim_mode { DKIM_MODE_VERIFY, DKIM_MODE_SIGN };

struct dkim_engine *dkim_engine_new(const struct dkim_options *opt, struct dns_resolver *dns,
                                    char *err, size_t errlen);
void dkim_engine_free(struct dkim_engine *e);

/* NULL with a reason in err on failure. */
struct dkim_msg *dkim_msg_new(struct dkim_engine *e, enum dkim_mode mode, const char *qid,
                              char *err, size_t errlen);
/* value: exactly as received after the colon, leading space included
   (SMFIP_HDR_LEADSPC); folded lines keep their CRLF. 0 or -1. */
int dkim_msg_header(struct dkim_msg *m, const char *name, const char *value);
int dkim_msg_eoh(struct dkim_msg *m);
int dkim_msg_body(struct dkim_msg *m, const unsigned char *p, size_t n);
/* Always fills *out (errors become temperror/permerror verdicts). 0 or -1. */
int dkim_msg_eom(struct dkim_msg *m, struct dkim_report *out);
void dkim_msg_free(struct dkim_msg *m);
void dkim_report_clear(struct dkim_report *r);

#endif
