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

#endif
