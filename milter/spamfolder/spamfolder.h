/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spamfolder.h - keep suspect mail: save a copy, retention, the spam log.
 *
 * CONTRACT (the milter and the bridge code against it; extend, do not break).
 *
 * A spamfolder is built from one config snapshot and shared by all sessions.
 * Saves are independent files (written in tmp/, renamed into new/), so they
 * need no lock; only the once-a-minute retention sweep is serialised inside.
 */
#ifndef SPFDKIM_SPAMFOLDER_H
#define SPFDKIM_SPAMFOLDER_H

#include <stddef.h>
#include <time.h>

struct spamfolder;

struct spamfolder_options {
	const char *folder;        /* a Maildir path, or "xmail:MAILROOT:account@domain"; NULL: none */
	unsigned retention_days;   /* default 30 */
	const char *spam_log;      /* path of the spam log, or NULL */
	time_t (*now)(void);       /* the retention sweep's clock after a save; NULL:
	                              time(). Tests pass a fake one. */
};

/* What happened to one message; every string may be NULL or "". */
struct spam_meta {
	const char *qid, *client_ip, *helo, *mail_from;
	const char *const *rcpts;
	size_t nrcpts;
	const char *results;       /* e.g. "spf=fail dkim=none" */
	const char *action;        /* "reject", "save-reject", "quarantine" */
	const char *reply;         /* the SMTP reply given, if any */
};

struct spamfolder *spamfolder_new(const struct spamfolder_options *opt, char *err, size_t errlen);
void spamfolder_free(struct spamfolder *sf);
/* Is a folder configured? */
int spamfolder_enabled(const struct spamfolder *sf);

/*
 * Saves one copy: hdr_block (our Authentication-Results etc., CRLF-ended
 * lines), then an X-Spam-Folder-Envelope block built from meta, then the
 * message read from msg_fd at offset 0 (headers and body as received, CRLF).
 * The saved path goes to path_out. 0, or -1 with a reason in err.
 */
int spamfolder_save(struct spamfolder *sf, const struct spam_meta *meta, const char *hdr_block,
                    int msg_fd, char *path_out, size_t pathlen, char *err, size_t errlen);
/* Appends one spam-log line; saved_path NULL when nothing was saved. 0 or -1. */
int spamfolder_log(struct spamfolder *sf, const struct spam_meta *meta, const char *saved_path);
/* Deletes our entries older than the retention; counts them. 0 or -1. */
int spamfolder_purge(struct spamfolder *sf, time_t now, unsigned *removed, char *err, size_t errlen);

/*
 * Extensions (spam-folder work; callers above need none of them).
 *
 * Layout of a saved copy: the X-Spam-Folder-Envelope block comes first (its
 * first line marks the file as ours), then hdr_block, then the message.
 *   Maildir target: <dir>/tmp/NAME, fsync, rename to <dir>/new/NAME with
 *     NAME = <sec>.M<usec>P<pid>Q<seq>.spfdkim.<host>; ".spfdkim." marks ours.
 *   xmail:MAILROOT:account@domain: MAILROOT/domains/<domain>/<account>/Maildir
 *     (the account directory must exist; tmp/new/cur are created), NAME in
 *     XMail's form <ms>.<thread hex>.<pid hex>.<seq hex>.<host>, lines of the
 *     message that start with '.' are stuffed as XMail stores them; ours are
 *     recognised by the first line of the file.
 * Retention: a save sweeps at most once per SPAMFOLDER_SWEEP_INTERVAL
 * seconds (one thread at a time); entries whose mtime is older than
 * retention_days days go; foreign files are never touched. retention_days 0
 * means the default, 30. Our tmp/ leftovers older than a day go too.
 * A failed save (ENOSPC, EACCES...) unlinks its tmp file: nothing partial
 * ever appears in new/.
 */
#define SPAMFOLDER_SWEEP_INTERVAL  60
#define SPAMFOLDER_DEFAULT_DAYS    30
#define SPAMFOLDER_MARKER          "X-Spam-Folder-Envelope: spfdkim-milter;"
#define SPAMFOLDER_MAX_RCPTS_SHOWN 100        /* recipients listed in header and log; then "+N more" */
#define SPAMFOLDER_MAX_VALUE       512        /* bytes kept of any one envelope value */
#define SPAMFOLDER_MAX_MESSAGE     (512UL << 20) /* bytes copied from msg_fd */

struct buf;

/* The Maildir the copies go to ("" when none). */
const char *spamfolder_dir(const struct spamfolder *sf);
/* Is the target an XMail account? */
int spamfolder_is_xmail(const struct spamfolder *sf);
/* The spam log path, or NULL. */
const char *spamfolder_log_path(const struct spamfolder *sf);
/*
 * Parses a SpamFolder value: fills maildir (the directory copies go to) and
 * *is_xmail. 0, or -1 naming the bad part in err.
 */
int spamfolder_parse_target(const char *folder, char *maildir, size_t len, int *is_xmail,
                            char *err, size_t errlen);
/* The spam-log line for meta at time now (no newline). 0 or -1 (cap). */
int spamfolder_format_log(const struct spam_meta *meta, const char *saved_path, time_t now,
                          struct buf *out);
/* The X-Spam-Folder-* header block (CRLF lines, folded, CR/LF-free values). 0 or -1. */
int spamfolder_format_envelope(const struct spam_meta *meta, time_t now, struct buf *out);
/* Is dir/name (an entry in new/, cur/ or tmp/ of this folder) one of ours? */
int spamfolder_is_ours(const struct spamfolder *sf, const char *dir, const char *name);
/* The sweep a save runs: purges if none ran in the last SPAMFOLDER_SWEEP_INTERVAL s. 1 ran, 0 not. */
int spamfolder_maybe_sweep(struct spamfolder *sf, time_t now);
/*
 * Our copies in new/ and cur/ and their bytes on disk (st_blocks), for
 * monitoring; stops counting after SPAMFOLDER_USAGE_MAX entries read.
 * 0, or -1 when a directory cannot be read (counts so far are kept).
 */
#define SPAMFOLDER_USAGE_MAX 200000
int spamfolder_usage(const struct spamfolder *sf, unsigned long long *files, unsigned long long *bytes);

#endif
