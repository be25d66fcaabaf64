/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * milterclient_int.h - the connection struct and the functions the
 * milterclient parts (milterclient.c, milterconn.c, milterreply.c) share;
 * not for users of the library (milterclient.h is the interface).
 */
#ifndef XMAIL_BRIDGE_MILTERCLIENT_INT_H
#define XMAIL_BRIDGE_MILTERCLIENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "milterclient.h"
#include "milterproto.h"

#define MAX_MACROS    64          /* per stage */
#define MAX_MACRO_VAL 4096        /* bytes per macro value */
#define OUT_FLUSH     (256 * 1024) /* flush queued output beyond this */
#define IN_CHUNK      (64 * 1024)

struct macro_list {
	size_t n;
	char *name[MAX_MACROS];
	char *value[MAX_MACROS];
};

struct mc_conn {
	int fd;
	int broken;                 /* I/O or protocol error: only close */
	int inet;                   /* TCP: keep delayed ACKs off */
	char name[256];             /* the spec, for messages */
	struct mc_options opt;
	int64_t deadline;
	uint32_t version, actions, protocol;
	size_t max_data;            /* command data the milter takes (MP_DATA_*) */
	unsigned cut;               /* items cut to fit max_data or a macro cap */
	char *symlist[MP_MAX_SYMLISTS]; /* NULL: send every macro */
	struct macro_list macros[MC_ST_COUNT];
	struct buf out;
	char *in;                   /* read buffer */
	size_t inlen, inpos, incap;
	struct buf reply;           /* REPLYCODE text */
	struct mc_mod *mods;
	size_t nmods, modcap, modbytes;
	unsigned progress;
	uint64_t wait_us;           /* time blocked on reads */
	char err[512];
};

/* milterconn.c */
/* Sets c->err ("milter NAME: ..."), marks the connection broken: MC_ERROR. */
enum mc_verdict mc_fail(struct mc_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mc_flush(struct mc_conn *c);
/* One packet; *p points into the read buffer until the next read. */
int mc_read_packet(struct mc_conn *c, const char **p, size_t *len);
/* Queues one packet; -1 (c->err set) past c->max_data or out of memory. */
int mc_queue_packet(struct mc_conn *c, int cmd, const void *data, size_t len);
/* A connected non-blocking socket for spec, or -1 with err naming spec. */
int mc_connect_spec(const char *spec, int timeout_ms, int64_t deadline, char *err, size_t errlen);

/* milterreply.c */
int mc_add_mod(struct mc_conn *c, enum mc_modtype t, uint32_t index, const char *n, size_t nl,
               const char *v, size_t vl);
/* Forgets the current message's modifications, reply and progress. */
void mc_clear_message(struct mc_conn *c);
/* Reads replies to cmd until a verdict. */
enum mc_verdict mc_read_verdict(struct mc_conn *c, int cmd);

#endif
