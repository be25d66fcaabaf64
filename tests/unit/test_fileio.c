/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_fileio.c - whole writes and capped whole-file reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileio.h"

static char dir[] = "/tmp/test_fileio.XXXXXX";

static int
setup(void **st)
{
	(void)st;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
write_all_then_read_file_round_trips(void **st)
{
	char path[256], err[300], *text;
	size_t len;
	static char big[200000];
	FILE *f;

	(void)st;
	memset(big, 'x', sizeof(big));
	snprintf(path, sizeof(path), "%s/a", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fileio_write_all(fileno(f), big, sizeof(big)), 0);
	fclose(f);
	assert_int_equal(fileio_read_file(path, sizeof(big), &text, &len, err, sizeof(err)), 0);
	assert_int_equal(len, sizeof(big));
	assert_int_equal(text[len], '\0');
	assert_memory_equal(text, big, len);
	free(text);
}

static void
one_byte_over_the_cap_is_refused(void **st)
{
	char path[256], err[300], *text;
	size_t len;
	FILE *f;

	(void)st;
	snprintf(path, sizeof(path), "%s/b", dir);
	f = fopen(path, "w");
	fputs("12345", f);
	fclose(f);
	assert_int_equal(fileio_read_file(path, 4, &text, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than 4 bytes"));
	assert_int_equal(fileio_read_file(path, 5, &text, &len, err, sizeof(err)), 0);
	assert_string_equal(text, "12345");
	free(text);
}

static void
a_fifo_is_refused_at_once_without_blocking(void **st)
{
	char path[256], err[300], *text;
	size_t len;

	(void)st;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);      /* the old fopen()+fread() blocked here for ever */
	assert_int_equal(fileio_read_file(path, 100, &text, &len, err, sizeof(err)), -1);
	alarm(0);
	assert_non_null(strstr(err, "not a regular file"));
}

static void
a_missing_file_names_the_path_and_the_reason(void **st)
{
	char path[256], err[300], *text;
	size_t len;

	(void)st;
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(fileio_read_file(path, 100, &text, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ": No such file or directory"));
}

static void
append_refuses_a_symlink_a_hard_link_and_a_fifo(void **st)
{
	char victim[256], path[256], err[300];
	FILE *f;

	(void)st;
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	f = fopen(victim, "w");
	fputs("precious\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/sym.log", dir);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(fileio_open_append(path, 0640, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "symbolic link"));
	snprintf(path, sizeof(path), "%s/hard.log", dir);
	assert_int_equal(link(victim, path), 0);
	assert_int_equal(fileio_open_append(path, 0640, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than one link"));
	snprintf(path, sizeof(path), "%s/fifo.log", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);
	assert_int_equal(fileio_open_append(path, 0640, err, sizeof(err)), -1);
	alarm(0);
}

static void
append_creates_and_appends_a_plain_file(void **st)
{
	char path[256], err[300], *text;
	size_t len;
	int fd;

	(void)st;
	snprintf(path, sizeof(path), "%s/plain.log", dir);
	for (int i = 0; i < 2; i++) {
		fd = fileio_open_append(path, 0640, err, sizeof(err));
		assert_true(fd >= 0);
		assert_int_equal(fileio_write_all(fd, "line\n", 5), 0);
		close(fd);
	}
	assert_int_equal(fileio_read_file(path, 100, &text, &len, err, sizeof(err)), 0);
	assert_string_equal(text, "line\nline\n");
	free(text);
}

static void
replace_puts_a_new_file_in_place_of_a_planted_symlink(void **st)
{
	char victim[256], path[256], err[300], *text;
	size_t len;
	struct stat sb;
	FILE *f;

	(void)st;
	snprintf(victim, sizeof(victim), "%s/victim2", dir);
	f = fopen(victim, "w");
	fputs("precious\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/x.pid", dir);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(fileio_replace(path, "123\n", 4, 0644, err, sizeof(err)), 0);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0644);
	assert_int_equal(fileio_read_file(path, 100, &text, &len, err, sizeof(err)), 0);
	assert_string_equal(text, "123\n");
	free(text);
	assert_int_equal(fileio_read_file(victim, 100, &text, &len, err, sizeof(err)), 0);
	assert_string_equal(text, "precious\n");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(write_all_then_read_file_round_trips),
		cmocka_unit_test(one_byte_over_the_cap_is_refused),
		cmocka_unit_test(a_fifo_is_refused_at_once_without_blocking),
		cmocka_unit_test(a_missing_file_names_the_path_and_the_reason),
		cmocka_unit_test(append_refuses_a_symlink_a_hard_link_and_a_fifo),
		cmocka_unit_test(append_creates_and_appends_a_plain_file),
		cmocka_unit_test(replace_puts_a_new_file_in_place_of_a_planted_symlink),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
