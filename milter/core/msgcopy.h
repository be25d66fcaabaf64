/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msgcopy.h - spool one message to an unlinked temp file, so a save action
 * (save-reject, quarantine) can copy it to the spam folder at end of message.
 *
 * Headers are written "Name:value\r\n" as received (values keep their
 * leading space; bare LF folding becomes CRLF), then an empty line, then the
 * body chunks as received (CRLF from the MTA). The file is created in
 * TempDirectory with mkstemp and unlinked at once: it disappears with the fd.
 * Cap: MSGCOPY_MAX bytes (a larger message stops being spooled, and the
 * copy is marked failed, so a save falls back as the actions say).
 */
#ifndef SPFDKIM_MSGCOPY_H
#define SPFDKIM_MSGCOPY_H

#include <stddef.h>

#define MSGCOPY_MAX ((size_t)256 << 20)

struct msgcopy {
	int fd;          /* -1 when not open */
	int failed;      /* a write failed or the cap was hit */
	int in_body;     /* the header/body separator was written */
	size_t size;
	char err[512];
};

void msgcopy_init(struct msgcopy *m);
/* Opens the temp file in dir; 0 or -1 (reason in m->err). */
int msgcopy_open(struct msgcopy *m, const char *dir);
int msgcopy_header(struct msgcopy *m, const char *name, const char *value);
int msgcopy_body(struct msgcopy *m, const unsigned char *p, size_t n);
/* Writes the separator if no body came; 0 if the copy is complete, else -1. */
int msgcopy_finish(struct msgcopy *m);
void msgcopy_close(struct msgcopy *m);

#endif
