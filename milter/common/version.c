/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * version.c - the version string of this build (see version.h). Only this
 * file is compiled with -DSPFDKIM_VERSION, so a new version rebuilds one
 * object.
 */
#include "version.h"

#ifndef SPFDKIM_VERSION
#error "SPFDKIM_VERSION comes from the Makefile (tools/version.sh)"
#endif

const char *
spfdkim_version(void)
{
	return SPFDKIM_VERSION;
}
