/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fileio.h - whole writes and capped whole-file reads.
 *
 * fileio_write_all() retries short writes and EINTR until every byte is
 * written or an error occurs. fileio_read_file() reads a regular file into
 * a NUL-terminated buffer of at most `cap` bytes; anything else (a FIFO, a
 * device, a directory) is refused without blocking, so "-c /some/fifo"
 * fails at once. The caller frees the text.
 *
 * The other two are for files a root process writes in a directory another
 * user may own (a log or run directory of the milter user): they never
 * follow a symlink at the last component, never write through a file that
 * has another name elsewhere (a hard link), and never chown.
 */
#ifndef SPFDKIM_FILEIO_H
#define SPFDKIM_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Returns 0, or -1 with errno set (EIO for a write that wrote nothing). */
int fileio_write_all(int fd, const void *p, size_t n);

/*
 * Reads all of path (a regular file) into *text (NUL-terminated, *len bytes
 * without the NUL). Returns 0, or -1 with "path: reason" in err: open or
 * read errors with strerror, "not a regular file", "larger than N bytes".
 */
int fileio_read_file(const char *path, size_t cap, char **text, size_t *len,
    char *err, size_t errlen);
/*
 * Opens path for appending (O_APPEND, created with mode): the last
 * component must not be a symlink, and must name a regular file with one
 * link. Returns the fd, or -1 with "path: reason" in err.
 */
int fileio_open_append(const char *path, mode_t mode, char *err, size_t errlen);

/*
 * Replaces path with a new file holding data: written under a fresh name
 * beside it (O_CREAT|O_EXCL) and renamed over path, so a planted symlink or
 * file at path is replaced, never followed or truncated. Returns 0, or -1
 * with "path: reason" in err.
 */
int fileio_replace(const char *path, const void *data, size_t len, mode_t mode,
    char *err, size_t errlen);

/* The same for an open descriptor of any kind (e.g. standard input), named
 * name in messages; fd stays open. */
int fileio_read_fd(int fd, const char *name, size_t cap, char **text, size_t *len,
    char *err, size_t errlen);

/*
 * Creates directory path and any missing parents (like mkdir -p), each new
 * one with mode (before the umask); an existing directory is fine. Returns
 * 0, or -1 with "path: reason" naming the component that failed in err.
 */
int fileio_mkdir_p(const char *path, mode_t mode, char *err, size_t errlen);

#endif
