/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl.c - spfdkim-ctl: dispatch a subcommand to its module.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

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
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: spfdkim-ctl COMMAND [options]\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(fp, "  spfdkim-ctl %s\n", cmds[i].usage);
}

int
main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "spfdkim-ctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
