/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * milterproto.h - milter protocol (version 6) wire format, MTA side: the
 * constants (from libmilter's mfdef.h) and a pure decoder for the packets
 * a milter sends. No I/O here, so the decoder can be fuzzed on its own.
 *
 * Accepts one packet body (the command byte and its data, the 4-byte length
 * already removed) and checks it the way Postfix's milter8.c does: replies
 * without data must have none, strings must be NUL-terminated inside the
 * packet, nothing may be left over. Decoded strings point into the caller's
 * packet buffer (which must stay alive and is not modified).
 */
#ifndef XMAIL_BRIDGE_MILTERPROTO_H
#define XMAIL_BRIDGE_MILTERPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <libmilter/mfapi.h> /* SMFIF_* */
#include <libmilter/mfdef.h> /* SMFIC_*, SMFIR_*, SMFIP_* */

#define MP_VERSION 6

/* Every SMFIP_* flag this MTA side implements (what it offers). */
#define MP_PROTO_ALL (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | \
	SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NR_HDR | SMFIP_NOUNKNOWN | \
	SMFIP_NODATA | SMFIP_SKIP | SMFIP_RCPT_REJ | SMFIP_NR_CONN | SMFIP_NR_HELO | \
	SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_EOH | \
	SMFIP_NR_BODY | SMFIP_HDR_LEADSPC | SMFIP_MDS_1M)

/*
 * Largest command data (the packet minus its command byte) a milter takes:
 * libmilter drops the connection on anything bigger. 64 KB - 1 unless the
 * milter's negotiation reply carries SMFIP_MDS_256K or SMFIP_MDS_1M (we
 * offer SMFIP_MDS_1M, as Sendmail with Milter.MaxDataSize=1048575 does).
 */
#define MP_DATA_64K  (64 * 1024 - 1)
#define MP_DATA_256K (256 * 1024 - 1)
#define MP_DATA_1M   (1024 * 1024 - 1)

/* Every SMFIF_* action this MTA side can carry out. */
#define MP_ACTIONS_ALL (SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT | SMFIF_DELRCPT | \
	SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_CHGFROM | SMFIF_ADDRCPT_PAR | SMFIF_SETSYMLIST)

#define MP_MAX_SYMLISTS 7 /* SMFIM_CONNECT .. SMFIM_EOH */

/* One decoded reply packet. Unused fields are 0 / NULL. */
struct mp_reply {
	int cmd;                 /* SMFIR_* byte */
	uint32_t index;          /* INSHEADER, CHGHEADER */
	const char *s1, *s2;     /* strings (NUL-terminated in the packet) */
	size_t s1len, s2len;
	const char *data;        /* REPLBODY / REPLYCODE bytes */
	size_t dlen;
};

/* The optional negotiation reply: version, actions, protocol, symlists. */
struct mp_optneg {
	uint32_t version, actions, protocol;
	const char *symlist[MP_MAX_SYMLISTS]; /* NULL: not given */
};

/*
 * Decodes a reply packet p[0..len) (p[0] is the command). Returns 0, or -1
 * with a reason in err naming the reply. Unknown commands are an error.
 */
int mp_decode_reply(const char *p, size_t len, struct mp_reply *r, char *err, size_t errlen);
/* Decodes an SMFIC_OPTNEG reply packet (p[0] == 'O'). 0 or -1 with err. */
int mp_decode_optneg(const char *p, size_t len, struct mp_optneg *o, char *err, size_t errlen);
/* Checks an SMFIR_REPLYCODE text as Postfix does: [45]DD[ -], and an
 * enhanced code, if present, of the same class. 0 if fine, -1 if not. */
int mp_check_replycode(const char *s, size_t len);
/* Printable name of an SMFIR_/SMFIC_ byte ("SMFIR_ACCEPT"), or "unknown". */
const char *mp_reply_name(int cmd);
const char *mp_cmd_name(int cmd);

#endif
