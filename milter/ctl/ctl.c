/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl.c - spfdkim-ctl: dispatch a subcommand to its module.
 *
 * -h/--help and -V/--version are answered here, for the program and for
 * every subcommand (-h or --help among a command's arguments, before any
 * "--", prints its usage to stdout and exits 0), so no module parses them.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "version.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *usage;
} cmds[] = {
	{ "spf", ctl_spf, "spf --ip IP --mail-from ADDR --helo NAME [--resolver HOST@PORT] [--header-from ADDR]" },
	{ "spf-record", ctl_spf_record, "spf-record --domain D --ip A [--ip B...]" },
	{ "spf-audit", ctl_spf_audit, "spf-audit --domain D --ip A [--ip B...] [--resolver HOST@PORT]" },
	{ "genkey", ctl_genkey, "genkey -d DOMAIN -s SELECTOR [-t rsa|ed25519] [-b BITS] [-D DIR]" },
	{ "dkim-verify", ctl_dkim_verify, "dkim-verify FILE [--resolver HOST@PORT]" },
	{ "purge", ctl_purge, "purge [-c CONFIG] [--folder SPAMFOLDER] [--days N]" },
	{ "spamlog", ctl_spamlog, "spamlog [-c CONFIG] [--since 7d] [--log FILE]" },
	{ "report", ctl_report, "report [-c CONFIG] [--since 30d] [--html FILE] [--log FILE]" },
	{ "dmarc-report", ctl_dmarc_report, "dmarc-report [-c CONFIG] [--since 1d] [--log FILE]... [--out DIR] [--send] [--org NAME] [--from ADDR] [--sendmail PATH] [--resolver HOST@PORT]" },
	{ "check", ctl_check, "check FILE --ip IP --mail-from ADDR --helo NAME [--resolver HOST@PORT] [-c CONFIG] [--rcpt ADDR] [--milter PATH]" },
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: spfdkim-ctl COMMAND [options]\n"
	    "       spfdkim-ctl -V | --version | -h | --help\n"
	    "       spfdkim-ctl COMMAND -h | --help\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(fp, "  spfdkim-ctl %s\n", cmds[i].usage);
}

static int
is_help(const char *a)
{
	return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("spfdkim-ctl %s\n", spfdkim_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		for (int j = 2; j < argc && strcmp(argv[j], "--") != 0; j++)
			if (is_help(argv[j])) {
				printf("usage: spfdkim-ctl %s\n", cmds[i].usage);
				return 0;
			}
		return cmds[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "spfdkim-ctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
