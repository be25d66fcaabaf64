/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_sign_file.c - test helper: sign one message file through dkim.h, as
 * the milter does for an authenticated session, and print the signed
 * message (our DKIM-Signature fields first, then the input unchanged).
 *
 *   dkim_sign_file -k KEYTABLE -S SIGNINGTABLE [-c CANON] [-o OVERSIGN] FILE
 *
 * The signature fields use the input's line ending (CRLF when the first
 * line ends in CRLF, else LF). Exit 0 when at least one signature was
 * added, 1 when none (no key for the From: address), 2 on errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dkim.h"
#include "dkim_file.h"
#include "log.h"

int
main(int argc, char **argv)
{
	struct dkim_options o = { 0 };
	char err[512];
	int c;

	while ((c = getopt(argc, argv, "k:S:c:o:")) != -1) {
		switch (c) {
		case 'k': o.key_table = optarg; break;
		case 'S': o.signing_table = optarg; break;
		case 'c': o.canonicalization = optarg; break;
		case 'o': o.oversign_headers = optarg; break;
		default: goto usage;
		}
	}
	if (optind + 1 != argc)
		goto usage;
	log_open("dkim_sign_file", "stderr", LOG_L_WARN, err, sizeof(err));

	FILE *fp = fopen(argv[optind], "rb");
	if (fp == NULL) {
		perror(argv[optind]);
		return 2;
	}
	struct buf msg;
	buf_init(&msg, 64u * 1024 * 1024);
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		buf_append(&msg, tmp, n);
	fclose(fp);
	if (msg.failed) {
		fprintf(stderr, "%s: too large\n", argv[optind]);
		return 2;
	}

	struct dkim_engine *e = dkim_engine_new(&o, NULL, err, sizeof(err));
	struct dkim_msg *m = e ? dkim_msg_new(e, DKIM_MODE_SIGN, "sign", err, sizeof(err)) : NULL;
	if (m == NULL) {
		fprintf(stderr, "dkim_sign_file: %s\n", err);
		return 2;
	}
	dkim_feed_message(m, msg.data ? msg.data : "", msg.len);
	struct dkim_report r;
	dkim_msg_eom(m, &r);

	const char *nl = msg.data ? memchr(msg.data, '\n', msg.len) : NULL;
	int crlf = nl && nl > msg.data && nl[-1] == '\r';
	for (size_t i = 0; i < r.nadd; i++) {
		fputs("DKIM-Signature: ", stdout);
		for (const char *p = r.add_value[i]; *p; p++) {
			if (*p == '\n' && crlf)
				putchar('\r');
			putchar(*p);
		}
		fputs(crlf ? "\r\n" : "\n", stdout);
	}
	fwrite(msg.data ? msg.data : "", 1, msg.len, stdout);
	int rc = r.nadd > 0 ? 0 : 1;
	dkim_report_clear(&r);
	dkim_msg_free(m);
	dkim_engine_free(e);
	buf_free(&msg);
	return rc;
usage:
	fprintf(stderr, "usage: dkim_sign_file -k KEYTABLE -S SIGNINGTABLE [-c CANON] [-o OVERSIGN] FILE\n");
	return 2;
}
