/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * userspec.h - the user (and group) to run as: UserID and -u.
 *
 * Accepts "user" or, as OpenDKIM does, "user:group". With a group, the
 * process keeps that group alone; without, the user's primary group and its
 * supplementary groups. Names are looked up once, at start-up (getpwnam and
 * getgrnam are not thread-safe); the struct is plain data owned by the caller.
 */
#ifndef SPFDKIM_USERSPEC_H
#define SPFDKIM_USERSPEC_H

#include <sys/types.h>

struct userspec {
	uid_t uid;
	gid_t gid;            /* the group's, or the user's primary group */
	int group_given;      /* 1: "user:group" */
	char name[256];       /* the user name */
};

/* Returns 0, or -1 with the reason naming the user or group in err. */
int userspec_lookup(const char *spec, struct userspec *out, char *err, size_t errlen);
/*
 * Becomes the user: supplementary groups, group, then user (irreversible).
 * Returns 0, or -1 with errno set.
 */
int userspec_become(const struct userspec *u);

#endif
