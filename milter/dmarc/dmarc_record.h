/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dmarc_record.h - the DMARC policy record (RFC 7489 section 6.3, 6.4):
 * tell a DMARC record from other TXT strings, and parse one into tags.
 *
 * Accepts the tag-list "v=DMARC1; tag=value; ..." with optional white space
 * around tags, "=" and ";" and a trailing ";". v=DMARC1 must come first.
 * Known tags: p, sp, pct, rua, ruf, adkim, aspf, fo, rf, ri; other tags are
 * ignored (6.3: "unknown tags MUST be ignored"). A known tag with a value
 * outside its grammar, a tag given twice, a missing p, or text that is not
 * a tag-list makes the record malformed: the caller reports permerror.
 * One exception from 6.6.3 step 6: a record whose p is missing or invalid
 * but which has a valid rua is taken as p=none (the record says so in
 * p_from_rua).
 *
 * Caps: DMARC_RECORD_MAX bytes of record text, DMARC_URI_MAX URIs per rua
 * and ruf (the rest are dropped, as 6.2 lets a receiver do), each at most
 * DMARC_URI_LEN-1 bytes. The parser copies what it keeps into the struct;
 * it never allocates.
 */
#ifndef SPFDKIM_DMARC_RECORD_H
#define SPFDKIM_DMARC_RECORD_H

#include <stddef.h>

#define DMARC_RECORD_MAX 2048
#define DMARC_URI_MAX    8
#define DMARC_URI_LEN    256

enum dmarc_policy { DMARC_P_NONE, DMARC_P_QUARANTINE, DMARC_P_REJECT };
/* "none", "quarantine", "reject". */
const char *dmarc_policy_str(enum dmarc_policy p);

struct dmarc_uri {
	char uri[DMARC_URI_LEN];     /* "mailto:..." as published, without the size */
	unsigned long long max_size; /* "!size[kmgt]" in bytes; 0: no limit given */
};

struct dmarc_record {
	enum dmarc_policy p;
	enum dmarc_policy sp;        /* p when not given */
	int has_sp;
	int p_from_rua;              /* p was missing or invalid; p=none taken (6.6.3 step 6) */
	unsigned pct;                /* 0..100, default 100 */
	int adkim_strict, aspf_strict; /* default relaxed */
	char fo[16];                 /* "0", "1", "d", "s" colon list; default "0" */
	unsigned long ri;            /* seconds, default 86400 */
	size_t nrua, nruf;
	struct dmarc_uri rua[DMARC_URI_MAX], ruf[DMARC_URI_MAX];
};

/*
 * Does this TXT string claim to be a DMARC record: "v" "=" "DMARC1" as the
 * first tag (white space allowed around "="), followed by ";", white space
 * or the end? Discovery keeps only such strings (6.6.3 step 3).
 */
int dmarc_record_is_dmarc(const char *txt, size_t len);

/*
 * Parses len bytes of txt (may hold NUL bytes: then malformed) into out.
 * 0, or -1 with the offending tag or token in err (never more than 40
 * bytes of record text, control bytes shown as '?').
 */
int dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *out, char *err, size_t errlen);

/* Writes "p=reject sp=none adkim=r aspf=r pct=100 fo=0" (for logs and reports). */
void dmarc_record_summary(const struct dmarc_record *r, char *out, size_t outlen);

#endif
