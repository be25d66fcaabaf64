/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_spool.c - XMail's filter file: parsing the measured fixtures
 * (tests/data/xmail/spool), un-stuffing and re-stuffing, header
 * edits with Postfix's index rules, envelope edits, and the atomic rewrite.
 * Run from the project root (as suite 10-unit does).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "spool.h"

#define FIX "tests/data/xmail/spool/"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

static int
collect(void *arg, const char *d, size_t l)
{
	return buf_append(arg, d, l);
}

static void
parses_the_plain_fixture(void **state)
{
	struct spool s;
	char err[256];
	int fd = open(FIX "post-data-plain.spool", O_RDONLY);
	struct buf b;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(spool_parse_fd(fd, "plain", &s, err, sizeof(err)), 0);
	assert_true(s.line1_ok);
	assert_string_equal(s.helo, "client.test");
	assert_string_equal(s.client_ip, "127.0.0.1");
	assert_int_equal(s.client_port, 60376);
	assert_string_equal(s.server_ip, "127.0.0.1");
	assert_int_equal(s.server_port, 2525);
	assert_string_equal(s.server_domain, "example.test");
	assert_string_equal(s.msgid, "S3");
	assert_string_equal(s.mail_addr, "sender@sender.test");
	assert_int_equal(s.nmail_args, 0);
	assert_int_equal(s.nrcpts, 1);
	assert_string_equal(s.rcpts[0].addr, "alice@example.test");
	assert_true(s.has_data);
	assert_int_equal(s.nhdrs, 6);
	assert_string_equal(s.hdrs[3].name, "Subject");
	assert_string_equal(s.hdrs[3].value, " plain test");
	assert_int_equal(s.seplen, 2);
	buf_init(&b, 0);
	assert_int_equal(spool_stream_body(fd, &s, collect, &b, err, sizeof(err)), 0);
	assert_int_equal(b.len, strlen("Line one\r\n.leading dot line\r\n..two dots\r\nlast line\r\n\r\n\r\n"));
	assert_memory_equal(b.data, "Line one\r\n.leading dot line\r\n..two dots\r\nlast line\r\n\r\n\r\n", b.len);
	buf_free(&b);
	spool_free(&s);
	close(fd);
}

static void
parses_esmtp_args_and_stage_files(void **state)
{
	struct spool s;
	char err[256], *p;
	size_t n;

	(void)state;
	p = slurp(FIX "post-data-esmtp-params-bare-lf.spool", &n);
	assert_int_equal(spool_parse_mem(p, n, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nmail_args, 2);
	assert_string_equal(s.mail_args[0], "SIZE=120");
	assert_string_equal(s.mail_args[1], "BODY=8BITMIME");
	assert_int_equal(s.nrcpts, 2);
	assert_string_equal(s.rcpts[1].addr, "Alice@Example.Test");
	spool_free(&s);
	free(p);
	p = slurp(FIX "post-rcpt-first-rcpt.spool", &n);
	assert_int_equal(spool_parse_mem(p, n, &s, err, sizeof(err)), 0);
	assert_false(s.has_data);
	assert_int_equal(s.nrcpts, 0);
	spool_free(&s);
	free(p);
	p = slurp(FIX "pre-data.spool", &n);
	assert_int_equal(spool_parse_mem(p, n, &s, err, sizeof(err)), 0);
	assert_false(s.has_data);
	assert_int_equal(s.nrcpts, 2);
	spool_free(&s);
	free(p);
	p = slurp(FIX "post-data-null-sender.spool", &n);
	assert_int_equal(spool_parse_mem(p, n, &s, err, sizeof(err)), 0);
	assert_string_equal(s.mail_addr, "");
	spool_free(&s);
	free(p);
}

static void
line1_is_split_from_the_right(void **state)
{
	const char f[] = "we;ird;x.test;[10.0.0.1]:1234;example.test;[::1]:25;Sun, 29 Nov 2026 10:46:48 -0000;[XMail]\r\n"
	                 "example.test\r\nS1\r\nMAIL FROM:<a@b.test>\r\n";
	const char bad[] = "ird.test;example.test;[127.0.0.1]:2525\r\nexample.test\r\nS1\r\nMAIL FROM:<>\r\n";
	struct spool s;
	char err[256];

	(void)state;
	assert_int_equal(spool_parse_mem(f, sizeof(f) - 1, &s, err, sizeof(err)), 0);
	assert_true(s.line1_ok);
	assert_string_equal(s.helo, "we;ird;x.test");
	assert_string_equal(s.client_ip, "10.0.0.1");
	assert_int_equal(s.client_port, 1234);
	assert_string_equal(s.server_ip, "::1");
	spool_free(&s);
	assert_int_equal(spool_parse_mem(bad, sizeof(bad) - 1, &s, err, sizeof(err)), 0);
	assert_false(s.line1_ok);
	spool_free(&s);
}

static void
malformed_files_are_errors(void **state)
{
	struct spool s;
	char err[256];
	const char *bad[] = {
		"",
		"a\r\nb\r\n",
		"l1\r\nl2\r\nl3\r\nHELO x\r\n",
		"l1\r\nl2\r\nl3\r\nMAIL FROM:<unterminated\r\n",
		"l1\r\nl2\r\nl3\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x\r\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(spool_parse_mem(bad[i], strlen(bad[i]), &s, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
}

static void
unstuff_and_stuff_round_trip(void **state)
{
	const char in[] = "..a\r\n.\r\nb\n.c";
	struct buf u, st;
	struct spool_stuffer s;

	(void)state;
	buf_init(&u, 0);
	assert_int_equal(spool_unstuff_mem(in, sizeof(in) - 1, collect, &u), 0);
	assert_string_equal(buf_cstr(&u), ".a\r\n\r\nb\nc");
	buf_init(&st, 0);
	spool_stuffer_init(&s);
	/* fed in pieces, across a CR LF boundary */
	assert_int_equal(spool_stuff(&s, ".x\r", 3, &st), 0);
	assert_int_equal(spool_stuff(&s, "\n.\nbare\rcr\r\n", 12, &st), 0);
	assert_int_equal(spool_stuff(&s, "end", 3, &st), 0);
	assert_int_equal(spool_stuff_finish(&s, &st), 0);
	assert_string_equal(buf_cstr(&st), "..x\r\n..\r\nbare\rcr\r\nend\r\n");
	buf_free(&u);
	buf_free(&st);
}

static const char MSG[] =
	"h;[1.2.3.4]:5;d;[5.6.7.8]:25;date;logo\r\nd\r\nS9\r\nmail from:<a@b.test> SIZE=5\r\n"
	"RCPT TO:<x@y.test> {ra=x@y.test}\r\nRCPT TO:<z@y.test> {ra=z@y.test}\r\n<<MAIL-DATA>>\r\n"
	"A: 1\r\nB: 2\r\n\tfold\r\nA: 3\r\n..dot: 4\r\n\r\n.body\r\n";

static char *
headers_of(const struct spool *s)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < s->nhdrs; i++)
		buf_append(&b, s->hdrs[i].raw, s->hdrs[i].rawlen);
	return buf_take(&b);
}

static void
header_edits_follow_postfix(void **state)
{
	struct spool s;
	char err[256], *h;

	(void)state;
	assert_int_equal(spool_parse_mem(MSG, sizeof(MSG) - 1, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nhdrs, 4);
	assert_string_equal(s.hdrs[1].value, " 2\n\tfold");
	assert_string_equal(s.hdrs[3].name, ".dot");
	assert_int_equal(spool_hdr_insert(&s, 0, "Top", "t", 0), 0);
	assert_int_equal(spool_hdr_insert(&s, 2, "Mid", "m\nx", 0), 0);
	assert_int_equal(spool_hdr_insert(&s, 99, "End", "e", 0), 0);
	assert_int_equal(spool_hdr_change(&s, 2, "a", "three", 0), 0);
	assert_int_equal(spool_hdr_change(&s, 1, "B", "", 0), 0);
	assert_int_equal(spool_hdr_change(&s, 5, "Nope", "", 0), 0);
	assert_int_equal(spool_hdr_change(&s, 1, "New", "n", 1), 0);
	assert_int_equal(spool_hdr_add(&s, ".Dot", "d", 0), 0);
	assert_int_equal(spool_hdr_add(&s, "bad name", "d", 0), -1);
	h = headers_of(&s);
	/* Mid: index 2 = after one header (Postfix counts its Received: as 1) */
	assert_string_equal(h, "Top: t\r\nMid: m\r\n\tx\r\nA: 1\r\nA: three\r\n..dot: 4\r\nEnd: e\r\nNew:n\r\n..Dot: d\r\n");
	free(h);
	spool_free(&s);
}

static void
envelope_edits(void **state)
{
	struct spool s;
	char err[256];

	(void)state;
	assert_int_equal(spool_parse_mem(MSG, sizeof(MSG) - 1, &s, err, sizeof(err)), 0);
	assert_int_equal(spool_del_rcpt(&s, "<X@Y.test>"), 1);
	assert_int_equal(spool_add_rcpt(&s, "<n@y.test>"), 0);
	assert_int_equal(spool_add_rcpt(&s, "bad\r\nRCPT TO:<evil>"), -1);
	assert_int_equal(spool_add_rcpt(&s, "<a@b> {ra=root@x}"), -1);
	assert_int_equal(spool_chg_from(&s, "<a b@c>", ""), -1);
	assert_int_equal(spool_chg_from(&s, "<c@b.test>", "BODY=8BITMIME"), 0);
	assert_int_equal(s.nrcpts, 2);
	assert_string_equal(s.rcpts[1].raw, "RCPT TO:<n@y.test>\r\n");
	assert_string_equal(s.mail_raw, "MAIL FROM:<c@b.test> BODY=8BITMIME\r\n");
	spool_discard(&s);
	assert_int_equal(s.nrcpts, 0);
	spool_free(&s);
}

static void
discard_marker_round_trip(void **state)
{
	const char f[] = "h;[1.2.3.4]:5;d;[5.6.7.8]:25;date;logo\r\nd\r\nS9\r\nMAIL FROM:<a@b.test>\r\n"
	                 SPOOL_DISCARD_LINE "\r\nRCPT TO:<x@y.test>\r\n";
	struct spool s;
	char err[256];

	(void)state;
	assert_int_equal(spool_parse_mem(f, sizeof(f) - 1, &s, err, sizeof(err)), 0);
	assert_true(s.discarded);
	assert_int_equal(s.nrcpts, 0); /* as XMail reads it */
	spool_mark_discard(&s);
	assert_false(s.mark_discard); /* never twice */
	spool_free(&s);
}

static void
rewrite_is_exact_and_atomic(void **state)
{
	char dir[] = "/tmp/test_spool.XXXXXX", path[256], err[256], *out;
	struct spool s;
	int fd;
	size_t n;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.xtmp", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0666);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, MSG, sizeof(MSG) - 1), (ssize_t)(sizeof(MSG) - 1));
	fchmod(fd, 0666);
	assert_int_equal(spool_parse_fd(fd, path, &s, err, sizeof(err)), 0);
	/* no edits: the same bytes */
	assert_int_equal(spool_rewrite(path, fd, &s, -1, err, sizeof(err)), 0);
	out = slurp(path, &n);
	assert_int_equal(n, sizeof(MSG) - 1);
	assert_memory_equal(out, MSG, n);
	free(out);
	stat(path, &st);
	assert_int_equal(st.st_mode & 0777, 0666);
	/* an edit */
	assert_int_equal(spool_hdr_insert(&s, 0, "X", "y", 0), 0);
	assert_int_equal(spool_rewrite(path, fd, &s, -1, err, sizeof(err)), 0);
	out = slurp(path, &n);
	assert_non_null(strstr(out, "<<MAIL-DATA>>\r\nX: y\r\nA: 1\r\n"));
	assert_non_null(strstr(out, "\r\n\r\n.body\r\n"));
	free(out);
	/* a failing rewrite leaves the file alone */
	assert_int_equal(spool_rewrite("/nonexistent/dir/x.xtmp", fd, &s, -1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/x.xtmp"));
	spool_free(&s);
	close(fd);
	unlink(path);
	rmdir(dir);
}

static void
caps_are_enforced(void **state)
{
	struct buf b;
	struct spool s;
	char err[256];

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "h;[1.2.3.4]:5;d;[5.6.7.8]:25;date;logo\r\nd\r\nS9\r\nMAIL FROM:<a@b.test>\r\n");
	for (int i = 0; i <= SPOOL_MAX_RCPTS; i++)
		buf_printf(&b, "RCPT TO:<r%d@y.test>\r\n", i);
	assert_int_equal(spool_parse_mem(b.data, b.len, &s, err, sizeof(err)), SPOOL_TOO_BIG);
	assert_non_null(strstr(err, "RCPT"));
	buf_free(&b);

	/* 20,000 headers are parsed whole; past SPOOL_MAX_HEADERS: too big, not malformed */
	buf_init(&b, 0);
	buf_puts(&b, "h;[1.2.3.4]:5;d;[5.6.7.8]:25;date;logo\r\nd\r\nS9\r\nMAIL FROM:<a@b.test>\r\n"
	    "RCPT TO:<r@y.test>\r\n<<MAIL-DATA>>\r\n");
	for (int i = 0; i < 20000; i++)
		buf_printf(&b, "X-H%d: v\r\n", i);
	buf_puts(&b, "\r\nbody\r\n");
	assert_int_equal(spool_parse_mem(b.data, b.len, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nhdrs, 20000);
	spool_free(&s);
	b.len -= strlen("\r\nbody\r\n");
	for (int i = 20000; i <= SPOOL_MAX_HEADERS; i++)
		buf_printf(&b, "X-H%d: v\r\n", i);
	assert_int_equal(spool_parse_mem(b.data, b.len, &s, err, sizeof(err)), SPOOL_TOO_BIG);
	assert_non_null(strstr(err, "headers"));
	buf_free(&b);

	/* a HELO longer than the envelope cap, read from a file: too big, not malformed */
	{
		char dir[] = "/tmp/test_spool.XXXXXX", path[64];
		int fd;
		assert_non_null(mkdtemp(dir));
		snprintf(path, sizeof(path), "%s/h.xtmp", dir);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		buf_init(&b, 0);
		for (int i = 0; i < SPOOL_MAX_ENVELOPE / 8 + 1; i++)
			buf_puts(&b, "hhhhhhhh");
		buf_puts(&b, ";[1.2.3.4]:5;d;[5.6.7.8]:25;date;logo\r\nd\r\nS9\r\nMAIL FROM:<a@b>\r\n");
		assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
		assert_int_equal(spool_parse_fd(fd, path, &s, err, sizeof(err)), SPOOL_TOO_BIG);
		assert_non_null(strstr(err, "line 1"));
		buf_free(&b);
		close(fd);
		unlink(path);
		rmdir(dir);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_the_plain_fixture),
		cmocka_unit_test(parses_esmtp_args_and_stage_files),
		cmocka_unit_test(line1_is_split_from_the_right),
		cmocka_unit_test(malformed_files_are_errors),
		cmocka_unit_test(unstuff_and_stuff_round_trip),
		cmocka_unit_test(header_edits_follow_postfix),
		cmocka_unit_test(envelope_edits),
		cmocka_unit_test(discard_marker_round_trip),
		cmocka_unit_test(rewrite_is_exact_and_atomic),
		cmocka_unit_test(caps_are_enforced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
