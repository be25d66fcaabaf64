/*
 * ctl_spf.c - TEMPORARY STUB; the owning work replaces this file.
 */
#include <stdio.h>

#include "ctl.h"

int
ctl_spf(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "spfdkim-ctl %s: not implemented yet\n", argv[0]);
	return 2;
}

int
ctl_spf_record(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "spfdkim-ctl %s: not implemented yet\n", argv[0]);
	return 2;
}

int
ctl_spf_audit(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "spfdkim-ctl %s: not implemented yet\n", argv[0]);
	return 2;
}
