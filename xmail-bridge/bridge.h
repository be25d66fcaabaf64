/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bridge.h - what the parts of xmail-milter-bridge share: the options, the
 * state of one call (struct run, which the log line reports), and the
 * helpers that end a call the way XMail understands (bridge_report.c) or
 * apply an accepted verdict to $(FILE) (bridge_apply.c). main.c runs the
 * phases. One process handles one call; nothing here is shared by threads.
 */
#ifndef XMAIL_BRIDGE_BRIDGE_H
#define XMAIL_BRIDGE_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "milterclient.h"
#include "spool.h"

#define EXIT_ACCEPT 0
#define EXIT_REJECT 3

enum stage { ST_POST_RCPT, ST_PRE_DATA, ST_POST_DATA };

struct opts {
	enum stage stage;
	const char *stage_name;
	const char *milter, *file, *auth, *remote, *local, *from, *rcpt, *msgref;
	const char *log, *daemon_name, *spam_folder;
	int timeout_s;
	int tempfail_on_error;
};

/* Everything the log line reports. */
struct run {
	struct opts o;
	int64_t t0;                 /* start, CLOCK_MONOTONIC ms (deadline) */
	int64_t t0_us;              /* the same in microseconds (log) */
	uint64_t milter_wait_us;
	const char *verdict;        /* accept reject tempfail discard */
	char reply[MC_REPLY_MAX];
	char detail[1024];
	char mods[256];
	int exit_code;
	struct buf rcpts;
};

/* bridge_report.c: the detail field, the log line, the .rej and exit code. */
void set_detail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a failed system call: ": strerror(errno)" appended (syserr_fmt). */
void set_detail_sys(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void write_log(struct run *r);
/* Exit 3 with a one-line .rej folded from reply (temp: 451 class, else
 * 550), or accept when the .rej cannot be written on a temporary verdict
 * or $(FILE) is gone. Returns the exit code. */
int finish_reject(struct run *r, int temp, const char *reply);
/* The --on-error policy for milter or local faults; the file is untouched. */
int finish_error(struct run *r);

/* bridge_apply.c: a REPLBODY stored re-stuffed in an anonymous file. */
struct replbody {
	const char *file;           /* $(FILE): the anonymous file goes beside it */
	int fd;                     /* -1 until the first chunk */
	struct spool_stuffer st;
	struct buf tmp;
	int used;
};
int replbody_cb(void *arg, const char *data, size_t len);
int replbody_finish(struct replbody *rb);
/* The milter's edits into s: 1 if the spool changed, 0 if not, -1 (detail
 * set). A QUARANTINE request sets *quarantine and its reason. */
int apply_mods(struct run *r, struct spool *s, struct mc_conn *c, int *quarantine,
               char *qreason, size_t qlen);
/* QUARANTINE: with --spam-folder the (edited) message is saved there and
 * discarded (1); else, or when saving fails, it stays (0); logged. */
int quarantine_message(struct run *r, struct spool *s, int in_fd, const char *client_ip,
                       const char *qreason, int replfd);

#endif
