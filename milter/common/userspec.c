/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * userspec.c - "user" or "user:group" to ids, and dropping to them (see
 * userspec.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "userspec.h"

int
userspec_lookup(const char *spec, struct userspec *out, char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	struct passwd *pw;

	memset(out, 0, sizeof(*out));
	if (ulen == 0 || ulen >= sizeof(out->name) || (colon != NULL && colon[1] == '\0')) {
		snprintf(err, errlen, "\"%.80s\": want user or user:group", spec);
		return -1;
	}
	memcpy(out->name, spec, ulen);
	out->name[ulen] = '\0';
	if ((pw = getpwnam(out->name)) == NULL) {
		snprintf(err, errlen, "no such user \"%.80s\"", out->name);
		return -1;
	}
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	if (colon != NULL) {
		struct group *gr = getgrnam(colon + 1);
		if (gr == NULL) {
			snprintf(err, errlen, "no such group \"%.80s\"", colon + 1);
			return -1;
		}
		out->gid = gr->gr_gid;
		out->group_given = 1;
	}
	return 0;
}

int
userspec_become(const struct userspec *u)
{
	if (u->group_given) {
		if (setgroups(1, &u->gid) < 0)
			return -1;
	} else if (initgroups(u->name, u->gid) < 0)
		return -1;
	if (setgid(u->gid) < 0 || setuid(u->uid) < 0)
		return -1;
	return 0;
}
