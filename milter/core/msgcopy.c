/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msgcopy.c - spool a message to an unlinked temp file (see msgcopy.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "msgcopy.h"

void
msgcopy_init(struct msgcopy *m)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

int
msgcopy_open(struct msgcopy *m, const char *dir)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s/spfdkim-msg.XXXXXX", dir);

	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(m->err, sizeof(m->err), "temp directory path too long");
		m->failed = 1;
		return -1;
	}
	if ((m->fd = mkostemp(path, O_CLOEXEC)) < 0) {
		syserr_fmt(m->err, sizeof(m->err), "%.300s", path);
		m->failed = 1;
		return -1;
	}
	unlink(path);
	return 0;
}

static int
put(struct msgcopy *m, const void *p, size_t n)
{
	if (m->fd < 0 || m->failed)
		return -1;
	if (n > MSGCOPY_MAX - m->size) {
		snprintf(m->err, sizeof(m->err), "message larger than the spool cap (%zu bytes)", MSGCOPY_MAX);
		m->failed = 1;
		return -1;
	}
	if (fileio_write_all(m->fd, p, n) < 0) {
		syserr_fmt(m->err, sizeof(m->err), "temp file write");
		m->failed = 1;
		return -1;
	}
	m->size += n;
	return 0;
}

int
msgcopy_header(struct msgcopy *m, const char *name, const char *value)
{
	put(m, name, strlen(name));
	put(m, ":", 1);
	for (const char *p = value; *p != '\0';) {
		size_t n = strcspn(p, "\r\n");
		put(m, p, n);
		p += n;
		if (*p == '\r' && p[1] == '\n')
			p += 2;
		else if (*p != '\0')
			p++;
		else
			break;
		put(m, "\r\n", 2);
	}
	return put(m, "\r\n", 2);
}

int
msgcopy_body(struct msgcopy *m, const unsigned char *p, size_t n)
{
	if (!m->in_body) {
		m->in_body = 1;
		put(m, "\r\n", 2);
	}
	return put(m, p, n);
}

int
msgcopy_finish(struct msgcopy *m)
{
	if (!m->in_body) {
		m->in_body = 1;
		put(m, "\r\n", 2);
	}
	return m->fd >= 0 && !m->failed ? 0 : -1;
}

void
msgcopy_close(struct msgcopy *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}
