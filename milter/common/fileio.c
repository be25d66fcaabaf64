/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fileio.c - whole writes and capped whole-file reads. See fileio.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"

int
fileio_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
fileio_read_fd(int fd, const char *name, size_t cap, char **text, size_t *len,
    char *err, size_t errlen)
{
	size_t have = 0, size = 0;
	char *b = NULL;

	*text = NULL;
	*len = 0;
	for (;;) {
		ssize_t n;
		if (have == size) {
			/* Room for cap + 1 bytes (to see that there are too many) and a NUL. */
			size_t ns = size == 0 ? 65536 : size * 2;
			char *p;
			if (size > cap) {
				snprintf(err, errlen, "%s: larger than %zu bytes", name, cap);
				free(b);
				return -1;
			}
			if (ns > cap + 1)
				ns = cap + 1;
			if ((p = realloc(b, ns + 1)) == NULL) {
				snprintf(err, errlen, "%s: out of memory", name);
				free(b);
				return -1;
			}
			b = p;
			size = ns;
		}
		n = read(fd, b + have, size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			syserr_fmt(err, errlen, "%s: read", name);
			free(b);
			return -1;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	if (have > cap) {
		snprintf(err, errlen, "%s: larger than %zu bytes", name, cap);
		free(b);
		return -1;
	}
	b[have] = '\0';
	*text = b;
	*len = have;
	return 0;
}

int
fileio_read_file(const char *path, size_t cap, char **text, size_t *len,
    char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	*text = NULL;
	*len = 0;
	/* O_NONBLOCK: opening a FIFO for reading must not wait for a writer. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
		syserr_fmt(err, errlen, "%s", path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		syserr_fmt(err, errlen, "%s: fstat", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > 0 && (unsigned long long)st.st_size > cap) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, cap);
		close(fd);
		return -1;
	}
	rc = fileio_read_fd(fd, path, cap, text, len, err, errlen);
	close(fd);
	return rc;
}

int
fileio_mkdir_p(const char *path, mode_t mode, char *err, size_t errlen)
{
	char p[4096];
	size_t n = strlen(path);
	struct stat st;

	if (n == 0 || n >= sizeof(p)) {
		snprintf(err, errlen, "\"%.80s\": empty or too long a directory name", path);
		return -1;
	}
	memcpy(p, path, n + 1);
	/* Each prefix ending before a '/', then the whole path. */
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		if (p[i - 1] == '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) < 0 && !(errno == EEXIST && stat(p, &st) == 0 && S_ISDIR(st.st_mode))) {
			syserr_fmt(err, errlen, "%s", p);
			return -1;
		}
		p[i] = path[i];
	}
	return 0;
}

int
fileio_open_append(const char *path, mode_t mode, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	/* O_NONBLOCK: a FIFO planted at path must not make us wait for a reader. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, mode);
	if (fd < 0) {
		if (errno == ELOOP)
			snprintf(err, errlen, "%s: is a symbolic link (refused)", path);
		else
			syserr_fmt(err, errlen, "%s", path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		syserr_fmt(err, errlen, "%s: fstat", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		snprintf(err, errlen, "%s: %s (refused)", path,
		    !S_ISREG(st.st_mode) ? "not a regular file" : "has more than one link");
		close(fd);
		return -1;
	}
	(void)fcntl(fd, F_SETFL, O_APPEND);
	return fd;
}

int
fileio_replace(const char *path, const void *data, size_t len, mode_t mode,
    char *err, size_t errlen)
{
	char dir[4096], tmp[256];
	const char *base, *slash = strrchr(path, '/');
	int dfd, fd = -1, bad;

	if (slash == NULL) {
		strlcpy(dir, ".", sizeof(dir));
		base = path;
	} else {
		size_t dl = slash == path ? 1 : (size_t)(slash - path);
		if (dl >= sizeof(dir)) {
			snprintf(err, errlen, "%.200s: path too long", path);
			return -1;
		}
		memcpy(dir, path, dl);
		dir[dl] = '\0';
		base = slash + 1;
	}
	if (*base == '\0' || strlen(base) > 200) {
		snprintf(err, errlen, "%s: not a file name", path);
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		syserr_fmt(err, errlen, "%s: directory %s", path, dir);
		return -1;
	}
	for (unsigned i = 0; i < 100 && fd < 0; i++) {
		snprintf(tmp, sizeof(tmp), ".%s.%ld.%u", base, (long)getpid(), i);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		syserr_fmt(err, errlen, "%s: cannot create a new file beside it", path);
		close(dfd);
		return -1;
	}
	bad = fchmod(fd, mode) < 0 || fileio_write_all(fd, data, len) < 0;
	if (close(fd) < 0)
		bad = 1;
	if (bad) {
		syserr_fmt(err, errlen, "%s: writing", path);
		unlinkat(dfd, tmp, 0);
		close(dfd);
		return -1;
	}
	if (renameat(dfd, tmp, dfd, base) < 0) {
		syserr_fmt(err, errlen, "%s: rename", path);
		unlinkat(dfd, tmp, 0);
		close(dfd);
		return -1;
	}
	close(dfd);
	return 0;
}
