/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mailaddr.h - the one RFC 5322 address parser: the domains of a From:
 * field value, for every layer that needs the author (DKIM signing, SPF
 * header-from, DMARC); and the one reader of SMTP envelope paths.
 *
 * Accepts RFC 5322 section 3.4 address-list syntax with groups (RFC 6854
 * allows them in From:), display names as phrase or obs-phrase, quoted
 * strings, nested comments, folding (CR, LF, SP, HTAB as white space), the
 * obsolete forms of section 4.4 (CFWS around dots, obs-route in <...>,
 * empty list elements) and 8-bit text (RFC 6532) in names and local-parts.
 * Domains must be DNS names (ASCII letters, digits, '-', '_'; labels of 1-63
 * bytes, at most 253 bytes); a domain literal or any other domain makes the
 * whole value invalid, since neither SPF, DKIM nor DMARC can evaluate it.
 *
 * Contract:
 *   - mailaddr_parse_from() reads value up to its NUL; the value is what the
 *     MTA gave (with or without the leading space, folded or not). It never
 *     allocates; everything goes into the caller's struct, which it clears.
 *   - Result: MAILADDR_OK with naddrs >= 1; MAILADDR_EMPTY for a value that is
 *     well-formed but holds no address (blank, or only empty groups such as
 *     "undisclosed-recipients:;"); MAILADDR_INVALID for anything else, with
 *     a reason in why (fixed text and a byte offset, never input bytes).
 *   - Caps: MAILADDR_DOMAINS_MAX distinct domains are kept (more is
 *     MAILADDR_INVALID); every address is counted in naddrs. A local-part over
 *     MAILADDR_LOCAL_MAX-1 bytes is MAILADDR_INVALID. Work is linear in the
 *     value's length (comments nest without recursion).
 *   - Deciding what a caller does with several From: fields, several
 *     domains, or none is the caller's policy: mailaddr_author_domain()
 *     gives the one answer every From: use in this project applies.
 */
#ifndef SPFDKIM_MAILADDR_H
#define SPFDKIM_MAILADDR_H

#include <stddef.h>

#define MAILADDR_DOMAIN_MAX  254   /* 253 bytes and the NUL */
#define MAILADDR_LOCAL_MAX   257   /* 256 bytes and the NUL (RFC 5321 says 64) */
#define MAILADDR_ADDR_MAX    (MAILADDR_LOCAL_MAX + MAILADDR_DOMAIN_MAX)
#define MAILADDR_DOMAINS_MAX 8

enum mailaddr_status { MAILADDR_OK, MAILADDR_EMPTY, MAILADDR_INVALID };

struct mailaddr_list {
	size_t naddrs;                      /* addr-specs in the value, all counted */
	size_t ndomains;                    /* distinct domains, <= MAILADDR_DOMAINS_MAX */
	char first[MAILADDR_ADDR_MAX];      /* first addr-spec "local@domain", domain lower-cased */
	char domain[MAILADDR_DOMAINS_MAX][MAILADDR_DOMAIN_MAX]; /* lower-case, in order */
	char why[128];                      /* MAILADDR_INVALID: what is wrong and where */
};

/* Parses one From: (or Sender:, Reply-To:) field value into out. */
enum mailaddr_status mailaddr_parse_from(const char *value, struct mailaddr_list *out);

/*
 * The author domain of a message whose header had nfrom From: fields, the
 * first parsed into l with status st: the one domain, or NULL with a fixed
 * reason in *why when there is no usable single author domain (several From:
 * fields, an invalid or empty value, several domains). nfrom == 0 also gives
 * NULL, with why "no From: header field": only that case may fall back to
 * another identity (RFC 7489 6.6.1; RFC 5322 3.6 requires exactly one From:).
 */
const char *mailaddr_author_domain(size_t nfrom, enum mailaddr_status st,
                                   const struct mailaddr_list *l, const char **why);

/*
 * The address of an SMTP path as an MTA gives it (MAIL FROM / RCPT TO,
 * RFC 5321 4.1.2): "<" [source-route ":"] mailbox ">", "<>" for the null
 * sender, or a bare address up to the first blank. Reads at most len bytes
 * of p (no NUL needed); a quoted local-part may hold '>' or blanks. Writes
 * the mailbox without brackets and without the obsolete source route (which
 * RFC 5321 says to ignore) into out, "" for "<>"; *used is the bytes read,
 * so what follows are ESMTP parameters. Returns 0, or -1 for a '<' without
 * its '>' or a mailbox that does not fit outlen (the caller picks the cap:
 * len + 1 always fits). Used by the milter (MAIL, RCPT) and the bridge
 * (the spool's MAIL FROM: and RCPT TO: lines).
 */
int mailaddr_parse_path(const char *p, size_t len, char *out, size_t outlen, size_t *used);

#endif
