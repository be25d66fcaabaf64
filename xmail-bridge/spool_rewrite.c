/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spool_rewrite.c - writes an edited spool back over $(FILE) atomically:
 * an unnamed file in the same directory, named and renamed over the
 * original only once complete and synced, with XMail's mode and owner;
 * untouched lines and the body are copied byte for byte. On any error the
 * original stays as it was and nothing is left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "fileio.h"
#include "spool.h"
#include "spool_int.h"

/* Buffered writer that remembers the first error. */
struct wout {
	int fd;
	int err;
	size_t n;
	char b[64 * 1024];
};

static void
w_flush(struct wout *w)
{
	if (!w->err && fileio_write_all(w->fd, w->b, w->n) < 0)
		w->err = errno;
	w->n = 0;
}

static void
w_put(struct wout *w, const char *p, size_t len)
{
	while (len > 0 && !w->err) {
		size_t room = sizeof(w->b) - w->n, k = len < room ? len : room;
		memcpy(w->b + w->n, p, k);
		w->n += k;
		p += k;
		len -= k;
		if (w->n == sizeof(w->b))
			w_flush(w);
	}
}

static int
w_copy(struct wout *w, int fd, off_t off)
{
	char *in = malloc(READ_STEP);

	if (in == NULL) {
		w->err = ENOMEM;
		return -1;
	}
	for (;;) {
		ssize_t n = pread(fd, in, READ_STEP, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(in);
			return -1;
		}
		if (n == 0)
			break;
		w_put(w, in, (size_t)n);
		off += n;
	}
	free(in);
	return 0;
}

int
spool_rewrite(const char *path, int in_fd, const struct spool *s, int replbody_fd, char *err,
              size_t errlen)
{
	char tmp[4096], dir[4096];
	struct stat st;
	struct wout *w;
	int fd, saved, anon = 1;

	if (fstat(in_fd, &st) < 0) {
		syserr_fmt(err, errlen, "%s: fstat", path);
		return -1;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.bridge.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	/*
	 * Write into an unnamed file in the same directory and give it a name
	 * only once it is complete and synced: if we are killed meanwhile
	 * (XMail never kills a filter, but our own deadline alarm may),
	 * nothing is left behind. Without O_TMPFILE, a named temp file.
	 */
	strlcpy(dir, path, sizeof(dir));
	fd = open(dirname(dir), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		anon = 0;
		fd = mkostemp(tmp, O_CLOEXEC);
	}
	if (fd < 0) {
		syserr_fmt(err, errlen, "%s: cannot create temp file", path);
		return -1;
	}
	w = malloc(sizeof(*w));
	if (w == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail_close;
	}
	w->fd = fd;
	w->err = 0;
	w->n = 0;
	/* XMail's file mode (0666 in daemon mode), not our umask's; and its owner. */
	if (fchmod(fd, st.st_mode & 07777) < 0) {
		syserr_fmt(err, errlen, "%s: fchmod", tmp);
		goto fail_free;
	}
	if (fchown(fd, st.st_uid, st.st_gid) < 0 && errno != EPERM) {
		syserr_fmt(err, errlen, "%s: fchown", tmp);
		goto fail_free;
	}
	w_put(w, s->head, s->headlen);
	w_put(w, s->mail_raw, s->mail_rawlen);
	if (s->mark_discard)
		w_put(w, SPOOL_DISCARD_LINE "\r\n", strlen(SPOOL_DISCARD_LINE) + 2);
	for (size_t i = 0; i < s->nrcpts; i++)
		w_put(w, s->rcpts[i].raw, s->rcpts[i].rawlen);
	w_put(w, s->tail, s->taillen);
	if (s->has_data) {
		for (size_t i = 0; i < s->nhdrs; i++)
			w_put(w, s->hdrs[i].raw, s->hdrs[i].rawlen);
		if (replbody_fd >= 0) {
			/* A replaced body needs the empty line even if there was none. */
			if (s->seplen > 0)
				w_put(w, s->sep, s->seplen);
			else
				w_put(w, "\r\n", 2);
			if (w_copy(w, replbody_fd, 0) < 0) {
				syserr_fmt(err, errlen, "reading the replacement body");
				goto fail_free;
			}
		} else {
			w_put(w, s->sep, s->seplen);
			if (w_copy(w, in_fd, s->body_off) < 0) {
				syserr_fmt(err, errlen, "%s: read", path);
				goto fail_free;
			}
		}
	} else if (s->body_off < st.st_size) {
		/* Without data nothing follows the envelope; keep anything anyway. */
		if (w_copy(w, in_fd, s->body_off) < 0) {
			syserr_fmt(err, errlen, "%s: read", path);
			goto fail_free;
		}
	}
	w_flush(w);
	if (w->err) {
		errno = w->err;
		syserr_fmt(err, errlen, "%s: write", tmp);
		goto fail_free;
	}
	if (fsync(fd) < 0) {
		syserr_fmt(err, errlen, "%s: fsync", tmp);
		goto fail_free;
	}
	if (anon) {
		char proc[64];
		int made = 0;

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		for (int tries = 0; tries < 16 && !made; tries++) {
			/* mkstemp-style name, then link the finished file to it */
			if (snprintf(tmp, sizeof(tmp), "%s.bridge.%ld.%d", path, (long)getpid(),
			        tries) >= (int)sizeof(tmp))
				break;
			if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0)
				made = 1;
			else if (errno != EEXIST)
				break;
		}
		if (!made) {
			syserr_fmt(err, errlen, "%s: cannot name the temp file", path);
			close(fd);
			free(w);
			return -1;
		}
	}
	if (close(fd) < 0) {
		fd = -1;
		syserr_fmt(err, errlen, "%s: close", tmp);
		goto fail_free;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		syserr_fmt(err, errlen, "rename %s to %s", tmp, path);
		goto fail_free;
	}
	free(w);
	/* Make the rename durable; XMail reopens by path right after us. */
	{
		strlcpy(dir, path, sizeof(dir));
		int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	return 0;
fail_free:
	free(w);
fail_close:
	saved = errno;
	if (fd >= 0)
		close(fd);
	/* A named temp file exists unless the unnamed one was never linked. */
	if (!anon || fd < 0)
		unlink(tmp);
	errno = saved;
	return -1;
}

