/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spamfolder_retention.c - SpamRetentionDays: delete our old copies.
 *
 * Only files this module's saves wrote are ever removed:
 *   Maildir target: names <digits>.M<digits>P<digits>Q<digits>.spfdkim.<host>
 *     (plus any ":2,FLAGS" an IMAP server appends in cur/);
 *   XMail target: names in XMail's form whose file starts with the
 *     SPAMFOLDER_MARKER line (XMail's own deliveries start with Return-Path:),
 *     and "spfdkim-tmp." files in tmp/.
 * Age is the file's mtime. new/ and cur/ lose entries older than the
 * retention; tmp/ loses our leftovers (a crash mid-save) older than a day.
 * Directories, symlinks, dot files and foreign names are never touched.
 * The sweep after a save runs at most once per SPAMFOLDER_SWEEP_INTERVAL
 * seconds; a trylock on sweep_lock guards last_sweep, so concurrent saves
 * never sweep twice and never wait for a sweep. spamfolder_usage() walks
 * the same entries for the metrics endpoint, read-only.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "spamfolder_int.h"

#define XMAIL_TMP_PREFIX "spfdkim-tmp."
#define TMP_MAX_AGE      86400   /* tmp/ leftovers of ours older than this go */

/* Skips one or more characters of class fn; returns the new position or NULL. */
static const char *
span(const char *p, int (*fn)(int))
{
	const char *s = p;

	while (*p != '\0' && fn((unsigned char)*p))
		p++;
	return p == s ? NULL : p;
}

static int
maildir_name_ours(const char *n)
{
	if ((n = span(n, isdigit)) == NULL || strncmp(n, ".M", 2) != 0)
		return 0;
	if ((n = span(n + 2, isdigit)) == NULL || *n != 'P')
		return 0;
	if ((n = span(n + 1, isdigit)) == NULL || *n != 'Q')
		return 0;
	if ((n = span(n + 1, isdigit)) == NULL)
		return 0;
	return strncmp(n, ".spfdkim.", 9) == 0 && n[9] != '\0';
}

static int
xmail_name_form(const char *n)
{
	if ((n = span(n, isdigit)) == NULL)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (*n != '.' || (n = span(n + 1, isxdigit)) == NULL)
			return 0;
	}
	return *n == '.' && n[1] != '\0';
}

static int
file_has_marker(int dfd, const char *name)
{
	char b[sizeof(SPAMFOLDER_MARKER)];
	size_t want = sizeof(SPAMFOLDER_MARKER) - 1, got = 0;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return 0;
	while (got < want) {
		ssize_t n = read(fd, b + got, want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return got == want && memcmp(b, SPAMFOLDER_MARKER, want) == 0;
}

/* sub: "new", "cur" or "tmp"; dfd: that directory. */
static int
ours_at(const struct spamfolder *sf, int dfd, const char *sub, const char *name)
{
	if (strcmp(sub, "tmp") == 0)
		return sf->xmail ? strncmp(name, XMAIL_TMP_PREFIX, sizeof(XMAIL_TMP_PREFIX) - 1) == 0
		    && name[sizeof(XMAIL_TMP_PREFIX) - 1] != '\0' : maildir_name_ours(name);
	if (!sf->xmail)
		return maildir_name_ours(name);
	return xmail_name_form(name) && file_has_marker(dfd, name);
}

int
spamfolder_is_ours(const struct spamfolder *sf, const char *dir, const char *name)
{
	const char *sub;
	int dfd, r;

	if ((sf == NULL || !sf->enabled) || dir == NULL || name == NULL || name[0] == '.')
		return 0;
	sub = strrchr(dir, '/');
	sub = sub != NULL ? sub + 1 : dir;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	r = ours_at(sf, dfd, sub, name);
	close(dfd);
	return r;
}

static void
purge_dir(const struct spamfolder *sf, const char *sub, time_t cutoff, unsigned *removed,
    char *err, size_t errlen, int *failed)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = snprintf(path, sizeof(path), "%s/%s", sf->dir, sub);

	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	if ((d = opendir(path)) == NULL) {
		if (errno != ENOENT) {
			syserr_fmt(err, errlen, "spam folder: cannot read %s", path);
			*failed = 1;
		}
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (st.st_mtime >= cutoff)
			continue;
		if (!ours_at(sf, dirfd(d), sub, de->d_name))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			(*removed)++;
		else if (errno != ENOENT) {
			syserr_fmt(err, errlen, "spam folder: cannot remove %s/%s", path, de->d_name);
			*failed = 1;
		}
	}
	closedir(d);
}

int
spamfolder_purge(struct spamfolder *sf, time_t now, unsigned *removed, char *err, size_t errlen)
{
	int failed = 0;
	time_t cutoff;

	*removed = 0;
	if ((sf == NULL || !sf->enabled))
		return 0;
	cutoff = now - (time_t)sf->retention_days * 86400;
	purge_dir(sf, "new", cutoff, removed, err, errlen, &failed);
	purge_dir(sf, "cur", cutoff, removed, err, errlen, &failed);
	purge_dir(sf, "tmp", now - TMP_MAX_AGE, removed, err, errlen, &failed);
	return failed ? -1 : 0;
}

int
spamfolder_maybe_sweep(struct spamfolder *sf, time_t now)
{
	char err[512];
	unsigned removed;
	int due;

	if ((sf == NULL || !sf->enabled) || pthread_mutex_trylock(&sf->sweep_lock) != 0)
		return 0;
	due = sf->last_sweep == 0 || now - sf->last_sweep >= SPAMFOLDER_SWEEP_INTERVAL ||
	    sf->last_sweep - now >= SPAMFOLDER_SWEEP_INTERVAL;
	if (due)
		sf->last_sweep = now;
	pthread_mutex_unlock(&sf->sweep_lock);
	if (!due)
		return 0;
	err[0] = '\0';
	if (spamfolder_purge(sf, now, &removed, err, sizeof(err)) < 0)
		log_warn("spam folder %s: retention sweep: %s", sf->dir, err);
	if (removed > 0)
		log_info("spam folder %s: retention removed %u entries older than %u days", sf->dir, removed,
		    sf->retention_days);
	return 1;
}

static int
usage_dir(const struct spamfolder *sf, const char *sub, unsigned long long *files,
    unsigned long long *bytes, unsigned long *seen)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = snprintf(path, sizeof(path), "%s/%s", sf->dir, sub);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (*seen < SPAMFOLDER_USAGE_MAX && (de = readdir(d)) != NULL) {
		struct stat st;

		(*seen)++;
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (!ours_at(sf, dirfd(d), sub, de->d_name))
			continue;
		(*files)++;
		*bytes += (unsigned long long)st.st_blocks * 512u;
	}
	closedir(d);
	return 0;
}

int
spamfolder_usage(const struct spamfolder *sf, unsigned long long *files, unsigned long long *bytes)
{
	unsigned long seen = 0;
	int rc = 0;

	*files = *bytes = 0;
	if (sf == NULL || !sf->enabled)
		return 0;
	if (usage_dir(sf, "new", files, bytes, &seen) < 0)
		rc = -1;
	if (usage_dir(sf, "cur", files, bytes, &seen) < 0)
		rc = -1;
	return rc;
}
