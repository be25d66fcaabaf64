/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web_files.c - whole-file reads and atomic replacement with a backup, for
 * the settings the page edits (config, whitelist, XMail filter tabs).
 *
 * A write goes to PATH.tmp.PID in the same directory, is fsynced, keeps the
 * old file's mode, and is renamed over PATH; with backup the old file is
 * first hard-linked as PATH.bak (replacing an older backup). A reader sees
 * the old file or the new one, never a mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "web.h"

int
web_read_file(const char *path, size_t max, struct buf *b, char *err, size_t errlen)
{
	char *text;
	size_t len;

	if (fileio_read_file(path, max, &text, &len, err, errlen) < 0)
		return -1;
	/* The buffer takes the text over (buf.h: data is NUL-terminated). */
	buf_init(b, max);
	b->data = text;
	b->len = len;
	b->cap = len + 1;
	return 0;
}

int
web_write_atomic(const char *path, const char *data, size_t len, int backup, char *err, size_t errlen)
{
	char tmp[4096], bak[4096];
	struct stat st;
	mode_t mode = 0640;
	int fd;

	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp) ||
	    (size_t)snprintf(bak, sizeof(bak), "%s.bak", path) >= sizeof(bak)) {
		snprintf(err, errlen, "%.200s: path too long", path);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fileio_write_all(fd, data, len) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0 || close(fd) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (backup && access(path, F_OK) == 0) {
		if ((unlink(bak) < 0 && errno != ENOENT) || link(path, bak) < 0) {
			snprintf(err, errlen, "%s: backup: %s", bak, strerror(errno));
			unlink(tmp);
			return -1;
		}
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
