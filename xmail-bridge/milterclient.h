/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * milterclient.h - the MTA side of the milter protocol (version 6), as a
 * small library: the XMail bridge and the benchmark load generator use it.
 *
 * Semantics follow Postfix's src/milter/milter8.c:
 *  - mc_open() connects (unix:/path, inet:port@host, inet6:port@host;
 *    TCP_NODELAY on inet sockets) and negotiates once. Every SMFIP_NO* step
 *    the milter asks to skip is not sent (the step function returns
 *    MC_CONTINUE at once), every SMFIP_NR_* step is sent without waiting for
 *    a reply, and SMFIR_SKIP during the body ends the body early.
 *    SMFIR_SETSYMLIST is honoured: only the macros a milter asked for are
 *    sent for that stage.
 *  - One connection carries many messages: negotiate once, then per
 *    message mc_mail() .. mc_eom(); mc_connect_info()/mc_helo() once per
 *    connection, or again after mc_reset_connection() (SMFIC_QUIT_NC:
 *    libmilter then expects CONNECT, no new negotiation). Call mc_abort()
 *    when a message ends before mc_eom() (early verdict, your own error);
 *    after mc_eom() it is optional (libmilter takes the next MAIL directly)
 *    but it always clears the modifications and reply. mc_close() sends
 *    QUIT and frees.
 *  - Each step returns a verdict. After MC_REJECT, MC_TEMPFAIL (both may
 *    carry an SMTP reply from SMFIR_REPLYCODE), MC_DISCARD or MC_ACCEPT the
 *    message is finished as far as the milter is concerned: skip the
 *    remaining steps and call mc_abort() (Postfix does the same).
 *    MC_ERROR means I/O failure, timeout or protocol violation: the
 *    connection is unusable, mc_error() says why; mc_close() it.
 *  - Modifications (SMFIR_ADD/INS/CHGHEADER, ADDRCPT, ADDRCPT_PAR, DELRCPT,
 *    CHGFROM, QUARANTINE, REPLBODY) are collected during mc_eom() and read
 *    with mc_mods(); only those the MTA allowed in negotiation are
 *    accepted, others are a protocol error (libmilter refuses them on its
 *    side too), as are modifications before end of message. REPLBODY chunks
 *    go to the replbody callback if one is set (so a big replacement body
 *    never sits in memory), else into the modification list.
 *
 * Threads: no global state. One struct mc_conn belongs to one thread at a
 * time; use one connection per thread. Timeouts: every read and write is
 * bounded by io_timeout_ms and by an optional absolute deadline
 * (mc_set_deadline(), CLOCK_MONOTONIC milliseconds).
 *
 * Caps (each documented, each an MC_ERROR when exceeded): a milter packet is
 * at most MC_MAX_PACKET bytes; at most MC_MAX_MODS modifications and
 * MC_MAX_MODBYTES bytes of modification data per message (REPLBODY via
 * callback excluded).
 *
 * What we send never exceeds the command data size the milter negotiated
 * (mc_max_data(): 64 KB - 1, or 256 KB / 1 MB - 1 with SMFIP_MDS_256K /
 * SMFIP_MDS_1M; libmilter drops the connection on a bigger packet). What a
 * sender controls is cut to fit instead of failing, so the milter still
 * judges the message: a header value at its last fold that fits, ESMTP
 * parameters that do not fit are left out, HELO and macro values (at most
 * 4 KB each) are cut. mc_cut_count() says how many items were cut.
 */
#ifndef XMAIL_BRIDGE_MILTERCLIENT_H
#define XMAIL_BRIDGE_MILTERCLIENT_H

#include <stddef.h>
#include <stdint.h>

#define MC_MAX_PACKET   (1024 * 1024 + 16) /* SMFIP_MDS_1M plus framing */
#define MC_BODY_CHUNK   65535              /* body bytes per SMFIC_BODY */
#define MC_MAX_MODS     4096               /* modifications per message */
#define MC_MAX_MODBYTES (64u * 1024 * 1024) /* their total size */
#define MC_REPLY_MAX    512                /* SMTP reply text, incl. NUL */

enum mc_verdict {
	MC_CONTINUE = 0, /* go on with the next step */
	MC_ACCEPT,       /* accept the message; skip the rest of it */
	MC_REJECT,       /* 5xx; mc_reply() has the text if REPLYCODE gave one */
	MC_TEMPFAIL,     /* 4xx; likewise */
	MC_DISCARD,      /* accept and drop silently */
	MC_SKIP,         /* mc_body() only: the milter wants no more body */
	MC_ERROR         /* I/O, timeout or protocol error: see mc_error() */
};

/* Macro stages, as in SMFIR_SETSYMLIST (SMFIM_*). */
enum mc_stage {
	MC_ST_CONNECT = 0, MC_ST_HELO, MC_ST_MAIL, MC_ST_RCPT,
	MC_ST_DATA, MC_ST_EOM, MC_ST_EOH, MC_ST_COUNT
};

struct mc_macro {
	const char *name;  /* "j", "{daemon_name}", "i", ... */
	const char *value; /* NULL: not sent */
};

enum mc_modtype {
	MC_MOD_ADDHEADER,   /* name, value */
	MC_MOD_INSHEADER,   /* index, name, value (index 0 = before all) */
	MC_MOD_CHGHEADER,   /* index (1-based among same name), name, value ("" = delete) */
	MC_MOD_ADDRCPT,     /* name = recipient */
	MC_MOD_ADDRCPT_PAR, /* name = recipient, value = ESMTP args ("" if none) */
	MC_MOD_DELRCPT,     /* name = recipient */
	MC_MOD_CHGFROM,     /* name = sender, value = ESMTP args ("" if none) */
	MC_MOD_QUARANTINE,  /* name = reason */
	MC_MOD_REPLBODY     /* value/vlen = one body chunk (no callback set) */
};

struct mc_mod {
	enum mc_modtype type;
	uint32_t index;
	char *name;        /* NUL-terminated; "" when unused */
	char *value;       /* NUL-terminated; "" when unused */
	size_t vlen;       /* length of value (REPLBODY may hold NULs) */
};

/* Options for mc_open(). Zeroed fields take the defaults. */
struct mc_options {
	int io_timeout_ms;        /* per read/write, default 10000 */
	int connect_timeout_ms;   /* default io_timeout_ms */
	uint32_t actions;         /* SMFIF_* offered; 0 = all (incl. SETSYMLIST) */
	uint32_t protocol;        /* SMFIP_* offered; 0 = all the library supports */
	/* REPLBODY chunks, in order; return 0, or -1 to fail mc_eom() with MC_ERROR. */
	int (*replbody_cb)(void *arg, const char *data, size_t len);
	void *replbody_arg;
};

struct mc_conn;

/*
 * Connects to spec and negotiates. Returns a connection, or NULL with the
 * reason (naming spec) in err. deadline_ms: absolute CLOCK_MONOTONIC ms
 * bounding connect and negotiation, 0 for none.
 */
struct mc_conn *mc_open(const char *spec, const struct mc_options *opt,
                        int64_t deadline_ms, char *err, size_t errlen);
/* Same over an already connected stream socket (tests, fuzzing); the
 * connection owns fd from now on (closed by mc_close, also on failure). */
struct mc_conn *mc_open_fd(int fd, const char *name, const struct mc_options *opt,
                           int64_t deadline_ms, char *err, size_t errlen);
/* Sends QUIT (unless the connection broke) and frees. NULL is fine. */
void mc_close(struct mc_conn *c);

/* What the milter agreed to in negotiation (SMFIP_*, SMFIF_*, version). */
uint32_t mc_protocol(const struct mc_conn *c);
uint32_t mc_actions(const struct mc_conn *c);
uint32_t mc_version(const struct mc_conn *c);
/* The largest command data the milter takes (MP_DATA_64K/256K/1M). */
size_t mc_max_data(const struct mc_conn *c);
/* How many items (header values, parameters, macros) were cut to fit. */
unsigned mc_cut_count(const struct mc_conn *c);

/* Absolute CLOCK_MONOTONIC deadline in ms for every later I/O; 0 = none. */
void mc_set_deadline(struct mc_conn *c, int64_t deadline_ms);
/* CLOCK_MONOTONIC now, in ms (for computing deadlines). */
int64_t mc_now_ms(void);

/*
 * Macros for a stage, sent (as SMFIC_MACRO) just before that stage's
 * command. The list is copied; a later call for the same stage replaces
 * it. Macros persist across messages until replaced: set connect/helo
 * macros once, mail/rcpt/data/eoh/eom ones per message. A value longer
 * than 4 KB is cut to 4 KB. Returns 0 or -1 (ENOMEM / cap of 64 macros).
 */
int mc_set_macros(struct mc_conn *c, enum mc_stage st,
                  const struct mc_macro *m, size_t n);

/*
 * The steps. Strings are sent as given (no CR/LF conversion): header
 * values use LF for folds as libmilter expects; body data is CRLF text.
 *  family: 'U' unknown (host/addr ignored), '4', '6' or 'L' (unix).
 *  mail/rcpt: argv[0] is the address in <> ("<a@b>", "<>"), the rest are
 *  ESMTP parameters ("SIZE=120").
 */
enum mc_verdict mc_connect_info(struct mc_conn *c, const char *hostname,
                                char family, uint16_t port, const char *addr);
enum mc_verdict mc_helo(struct mc_conn *c, const char *helo);
enum mc_verdict mc_mail(struct mc_conn *c, const char *const *argv, size_t argc);
enum mc_verdict mc_rcpt(struct mc_conn *c, const char *const *argv, size_t argc);
enum mc_verdict mc_data(struct mc_conn *c);
/* value without the leading space after the colon (unless SMFIP_HDR_LEADSPC
 * was negotiated, then as it is in the message). */
enum mc_verdict mc_header(struct mc_conn *c, const char *name, const char *value);
enum mc_verdict mc_eoh(struct mc_conn *c);
/* Any length: sent in chunks of at most MC_BODY_CHUNK. MC_SKIP: stop. */
enum mc_verdict mc_body(struct mc_conn *c, const char *data, size_t len);
/* End of message: collects modifications until the final verdict. Never
 * returns MC_CONTINUE (a CONTINUE at EOM means accept, as in libmilter). */
enum mc_verdict mc_eom(struct mc_conn *c);
/* Ends the current message (SMFIC_ABORT) and clears its modifications
 * and reply; the connection stays ready for the next mc_mail(). */
int mc_abort(struct mc_conn *c);
/* Forget per-connection state so the next message sends connect/helo
 * again (SMFIC_QUIT_NC). Returns 0 or -1. */
int mc_reset_connection(struct mc_conn *c);

/* The SMTP reply of the last REJECT/TEMPFAIL from SMFIR_REPLYCODE, as the
 * milter sent it (may be multi-line with CRLF), or "" for none. */
const char *mc_reply(const struct mc_conn *c);
/* The modifications of the current message, in arrival order. */
const struct mc_mod *mc_mods(const struct mc_conn *c, size_t *n);
/* Non-zero when the milter sent SMFIR_PROGRESS during this message. */
unsigned mc_progress_count(const struct mc_conn *c);
/* Microseconds spent blocked waiting for the milter's replies so far
 * (lets a caller separate its own cost from the milter's). */
uint64_t mc_wait_us(const struct mc_conn *c);
/* Why the last MC_ERROR happened ("" if none). */
const char *mc_error(const struct mc_conn *c);

/*
 * Folds a (possibly multi-line) SMTP reply into one line "DDD x.y.z text"
 * for MTAs that take a single line (XMail's .rej). dflt_code ("550" or
 * "451") and dflt_status ("5.7.1") are used when the reply has none or is
 * malformed; the first digit of the result always matches its class.
 * Writes at most outlen-1 chars, strips control characters; returns 0.
 */
int mc_fold_reply(const char *reply, const char *dflt_code,
                  const char *dflt_status, char *out, size_t outlen);

const char *mc_verdict_name(enum mc_verdict v);

#endif
