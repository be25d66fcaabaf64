/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spool.h - XMail's SMTP filter file ($(FILE)): parse it, hand out the
 * message un-stuffed, apply milter edits and rewrite it atomically.
 *
 * The layout (measured on XMail 1.27, tests/data/xmail/README.md):
 *   line 1  HELO;[client-ip]:port;server-domain;[server-ip]:port;date;logo
 *           (the HELO argument may itself contain ';': split from the right)
 *   line 2  server domain       line 3  message id (S...)
 *   line 4  the client's MAIL command, verbatim, with ESMTP parameters
 *   lines   RCPT TO:<addr> {ra=...}   (XMail reads them up to the first
 *           line that is not a RCPT line)
 *   <<MAIL-DATA>>  (post-data only) then the message exactly as received,
 *           still dot-stuffed, CRLF.
 * Lines end in CRLF; a bare LF is tolerated when parsing.
 *
 * Ownership: struct spool owns every string in it; spool_free() releases
 * them. Unmodified lines are kept as their original bytes, so a rewrite
 * leaves them byte for byte. Caps (never a crash): SPOOL_MAX_ENVELOPE bytes
 * and SPOOL_MAX_RCPTS recipients before the data, SPOOL_MAX_HEADER_BYTES
 * bytes and SPOOL_MAX_HEADERS headers; past one of these the parser answers
 * SPOOL_TOO_BIG (the sender made the message too big to check, which is
 * not a fault: the caller refuses the message rather than let it through
 * unchecked). Past SPOOL_MAX_MAIL_ARGS ESMTP parameters on line 4 the rest
 * are not handed out; SPOOL_MAX_LINE1_FIELD bytes of HELO. The body is
 * never held in memory.
 */
#ifndef XMAIL_BRIDGE_SPOOL_H
#define XMAIL_BRIDGE_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SPOOL_MAX_ENVELOPE     (1024 * 1024)
#define SPOOL_MAX_RCPTS        10000
#define SPOOL_MAX_HEADER_BYTES (4 * 1024 * 1024)
#define SPOOL_MAX_HEADERS      100000 /* ~13 MB of bookkeeping at most */
#define SPOOL_MAX_MAIL_ARGS    64
#define SPOOL_MAX_LINE1_FIELD  1024

struct spool_rcpt {
	char *raw;        /* the whole line incl. its line end (new ones: CRLF) */
	size_t rawlen;
	char *addr;       /* address without <>, NUL-terminated */
};

struct spool_hdr {
	char *raw;        /* original bytes (still stuffed) incl. line end, or generated */
	size_t rawlen;
	char *name;       /* un-stuffed name, NUL-terminated */
	char *value;      /* text after ':' un-stuffed, folds as LF, no final line end */
};

struct spool {
	/* line 1, split from the right; line1_ok = 0 when it has < 6 fields */
	int line1_ok;
	char helo[SPOOL_MAX_LINE1_FIELD];
	char client_ip[64], server_ip[64];
	unsigned client_port, server_port;
	char server_domain[256];      /* line 2 */
	char msgid[128];              /* line 3 */
	/* envelope */
	char *head;                   /* bytes of lines 1-3 */
	size_t headlen;
	char *mail_raw;               /* line 4 incl. line end */
	size_t mail_rawlen;
	char *mail_addr;              /* without <>; "" for the null sender */
	char **mail_args;             /* ESMTP parameters */
	size_t nmail_args;
	struct spool_rcpt *rcpts;
	size_t nrcpts, rcptcap;
	char *tail;                   /* bytes after the RCPT lines up to and incl. the
	                                 <<MAIL-DATA>> line (or to EOF without data) */
	size_t taillen;
	int has_data;
	int discarded;                /* the file carries SPOOL_DISCARD_LINE */
	int mark_discard;             /* spool_rewrite() adds SPOOL_DISCARD_LINE */
	/* message (has_data only) */
	off_t data_off;               /* first byte after the <<MAIL-DATA>> line */
	struct spool_hdr *hdrs;
	size_t nhdrs, hdrcap;
	char *sep;                    /* the empty line ending the headers, or "" */
	size_t seplen;
	int sep_added;                /* the headers ended on a non-header line:
	                                 sep is a CRLF the file lacks, so a rewrite
	                                 puts it before that line (as Postfix) */
	off_t body_off;               /* first body byte in the file */
	off_t file_size;
};

/* A cap was exceeded (see above); distinct from -1, a malformed file or I/O. */
#define SPOOL_TOO_BIG (-2)

/* Parses a complete file image (tests, fuzzing). 0, or -1 / SPOOL_TOO_BIG
 * with err. */
int spool_parse_mem(const char *p, size_t len, struct spool *s, char *err, size_t errlen);
/* Parses the file behind fd (from offset 0) reading only the envelope and
 * the headers. 0, or -1 / SPOOL_TOO_BIG with err naming the file (path is
 * for messages). */
int spool_parse_fd(int fd, const char *path, struct spool *s, char *err, size_t errlen);
void spool_free(struct spool *s);

/*
 * Streams the body from fd at s->body_off, un-stuffed (one leading '.'
 * removed from each line that has one), to cb in chunks of at most
 * 65535 bytes (one milter body chunk). cb returns 0 to go on, 1 to stop early (milter SKIP), -1 on
 * error. Returns 0, or -1 with err.
 */
int spool_stream_body(int fd, const struct spool *s,
                      int (*cb)(void *arg, const char *data, size_t len), void *arg,
                      char *err, size_t errlen);
/* Same over memory (the body part of a file image). */
int spool_unstuff_mem(const char *p, size_t len,
                      int (*cb)(void *arg, const char *data, size_t len), void *arg);

/* Re-stuffing for a replacement body: CRLF line ends (bare LF becomes CRLF,
 * a bare CR stays), a '.' starting a line doubled, a final line end added. */
struct spool_stuffer {
	int bol;     /* at beginning of a line */
	int cr;      /* a CR is pending */
};
void spool_stuffer_init(struct spool_stuffer *st);
/* Appends the stuffed form of in[0..len) to out (a struct buf *). 0 or -1. */
int spool_stuff(struct spool_stuffer *st, const char *in, size_t len, void *out_buf);
int spool_stuff_finish(struct spool_stuffer *st, void *out_buf);

/* Header edits with Postfix's semantics (milter8.c + cleanup_milter.c).
 * leadspc: SMFIP_HDR_LEADSPC was negotiated (no space after the colon is
 * added). Values use LF or CRLF for folds; they are written with CRLF. */
int spool_hdr_add(struct spool *s, const char *name, const char *value, int leadspc);
/* Postfix's index rule: Postfix counts its own Received: header (never
 * shown to milters) as header 1 and inserts before header index+1. Here
 * XMail's Received: comes later, above all, so index 0 and 1 insert at the
 * top, index n after n-1 of the headers the milter saw; past the end
 * appends. */
int spool_hdr_insert(struct spool *s, uint32_t index, const char *name, const char *value,
                     int leadspc);
/* index-th (1-based) header of that name, case-insensitive; value "" deletes;
 * not found: appended (non-empty value) or nothing (empty). */
int spool_hdr_change(struct spool *s, uint32_t index, const char *name, const char *value,
                     int leadspc);
/* Envelope edits. addr may be given with or without <>; it must be
 * printable without blanks or <> (else -1), args must hold no CR/LF. */
int spool_chg_from(struct spool *s, const char *addr, const char *args);
int spool_add_rcpt(struct spool *s, const char *addr);
/* Removes every RCPT line with that address (case-insensitive); count or -1. */
int spool_del_rcpt(struct spool *s, const char *addr);
/* Removes every RCPT line: XMail then drops the message silently. */
void spool_discard(struct spool *s);
/*
 * For post-rcpt, where XMail appends the current and later recipients
 * after the filter: a line that is not a RCPT line right after line 4.
 * XMail reads RCPT lines only up to the first other line, so the message
 * ends with no recipient and is dropped silently (measured on 1.27: 250 to
 * the client, nothing delivered, nothing left in the spool). The parser
 * sets s->discarded when it finds the line, so later calls skip the milter.
 */
#define SPOOL_DISCARD_LINE "X-Milter-Bridge: discarded"
void spool_mark_discard(struct spool *s);

/*
 * Writes the edited file as path's sibling temp file, fsyncs and renames
 * it over path, keeping path's mode. in_fd is the original (for the body);
 * replbody_fd, if >= 0, holds an already stuffed replacement body read
 * from offset 0. On any error path is untouched and the temp file removed.
 */
int spool_rewrite(const char *path, int in_fd, const struct spool *s, int replbody_fd,
                  char *err, size_t errlen);

/* "[1.2.3.4]:25" -> ip "1.2.3.4", port 25. 0 or -1. */
int spool_split_addr(const char *s, size_t len, char *ip, size_t iplen, unsigned *port);

#endif
