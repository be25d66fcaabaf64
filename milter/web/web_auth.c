/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web_auth.c - the password file: "user:hash" lines, hashes made by
 * crypt(3) with libcrypt's preferred method (yescrypt, "$y$").
 *
 * The file is written with web_write_atomic (mode 0600 for a new file); a
 * user name is [A-Za-z0-9._-], at most 64 bytes. Comparison of the hash is
 * constant-time.
 */
#include <crypt.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "web.h"

#define PASSWD_FILE_MAX (1U << 20)

static int
user_ok(const char *u)
{
	size_t n = strlen(u);

	if (n == 0 || n > 64)
		return 0;
	for (; *u != '\0'; u++)
		if (!isalnum((unsigned char)*u) && strchr("._-", *u) == NULL)
			return 0;
	return 1;
}

int
web_passwd_set(const char *file, const char *user, const char *password, char *err, size_t errlen)
{
	struct crypt_data cd;
	struct buf old, out;
	const char *salt, *hash, *p;
	size_t ul = strlen(user);
	int rc;

	if (!user_ok(user)) {
		snprintf(err, errlen, "user name \"%.64s\": use letters, digits, '.', '_', '-' (at most 64)", user);
		return -1;
	}
	if (strlen(password) < 8) {
		snprintf(err, errlen, "password too short (at least 8 characters)");
		return -1;
	}
	memset(&cd, 0, sizeof(cd));
	if ((salt = crypt_gensalt_rn(NULL, 0, NULL, 0, cd.setting, sizeof(cd.setting))) == NULL ||
	    (hash = crypt_r(password, salt, &cd)) == NULL || hash[0] == '*') {
		snprintf(err, errlen, "crypt(3) failed to make a hash");
		return -1;
	}
	buf_init(&out, PASSWD_FILE_MAX);
	if (access(file, F_OK) == 0) {
		if (web_read_file(file, PASSWD_FILE_MAX, &old, err, errlen) < 0) {
			buf_free(&out);
			return -1;
		}
		for (p = buf_cstr(&old); *p != '\0';) {
			size_t n = strcspn(p, "\n");
			if (!(n > ul && strncmp(p, user, ul) == 0 && p[ul] == ':') && n > 0) {
				buf_append(&out, p, n);
				buf_putc(&out, '\n');
			}
			p += n + (p[n] == '\n');
		}
		buf_free(&old);
	} else {
		/* A new file is created 0600 (web_write_atomic keeps the mode). */
		int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	buf_printf(&out, "%s:%s\n", user, hash);
	rc = out.failed ? -1 : web_write_atomic(file, buf_cstr(&out), out.len, 0, err, errlen);
	if (out.failed)
		snprintf(err, errlen, "%s: too large", file);
	explicit_bzero(&cd, sizeof(cd));
	buf_free(&out);
	return rc;
}

int
web_passwd_check(const char *file, const char *user, const char *password, char *err, size_t errlen)
{
	struct crypt_data cd;
	struct buf b;
	const char *p;
	size_t ul = strlen(user);
	int ok = 0;

	if (web_read_file(file, PASSWD_FILE_MAX, &b, err, errlen) < 0)
		return -1;
	for (p = buf_cstr(&b); *p != '\0' && user_ok(user);) {
		size_t n = strcspn(p, "\n");
		if (n > ul && strncmp(p, user, ul) == 0 && p[ul] == ':') {
			char stored[CRYPT_OUTPUT_SIZE];
			const char *h;
			size_t hl = n - ul - 1;
			if (hl < sizeof(stored)) {
				memcpy(stored, p + ul + 1, hl);
				stored[hl] = '\0';
				memset(&cd, 0, sizeof(cd));
				h = crypt_r(password, stored, &cd);
				ok = h != NULL && h[0] != '*' && strlen(h) == hl && web_ct_equal(h, stored, hl);
				explicit_bzero(&cd, sizeof(cd));
			}
			break;
		}
		p += n + (p[n] == '\n');
	}
	buf_free(&b);
	return ok;
}
