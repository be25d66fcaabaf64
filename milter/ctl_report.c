/*
 * ctl_report.c - TEMPORARY STUB; the owning work replaces this file.
 */
#include <stdio.h>

#include "ctl.h"

int
ctl_report(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "spfdkim-ctl %s: not implemented yet\n", argv[0]);
	return 2;
}
