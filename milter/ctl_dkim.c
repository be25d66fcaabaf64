/*
 * ctl_dkim.c - TEMPORARY STUB; the owning work replaces this file.
 */
#include <stdio.h>

#include "ctl.h"

int
ctl_genkey(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "spfdkim-ctl %s: not implemented yet\n", argv[0]);
	return 2;
}

int
ctl_dkim_verify(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "spfdkim-ctl %s: not implemented yet\n", argv[0]);
	return 2;
}
