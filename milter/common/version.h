/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * version.h - the version of this build, for -V/--version and the start-up
 * log line. The Makefile compiles it in from tools/version.sh (the VERSION
 * file, or `git describe` in a git checkout).
 */
#ifndef SPFDKIM_VERSION_H
#define SPFDKIM_VERSION_H

/* A static string such as "0.9.0"; never NULL. */
const char *spfdkim_version(void);

#endif
