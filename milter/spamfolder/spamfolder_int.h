/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spamfolder_int.h - the spam folder's private state, shared by
 * spamfolder.c (target, save), spamfolder_retention.c (sweep, purge) and
 * spamfolder_log.c (spam log, envelope headers). Not for other modules.
 */
#ifndef SPFDKIM_SPAMFOLDER_INT_H
#define SPFDKIM_SPAMFOLDER_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "spamfolder.h"

struct spamfolder {
	int enabled;
	int xmail;                     /* target is an XMail account */
	char dir[PATH_MAX];            /* the Maildir */
	char account_dir[PATH_MAX];    /* xmail: the account directory that must exist */
	char host[64];                 /* sanitised host name for file names */
	unsigned retention_days;
	char *spam_log;                /* NULL: no spam log */
	atomic_uint seq;               /* file-name sequence */
	pthread_mutex_t sweep_lock;    /* one sweep at a time */
	time_t last_sweep;             /* under sweep_lock */
	time_t (*now)(void);           /* sweep clock (spamfolder_options.now) */
};

/* "saved=" style UTC time stamp: YYYY-MM-DDTHH:MM:SSZ. */
void spamfolder_fmt_time(time_t t, char *out, size_t len);

#endif
