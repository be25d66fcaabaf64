/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl.h - spfdkim-ctl subcommands. Each returns the process exit code:
 * 0 success, 1 a negative finding (e.g. a check that failed), 2 usage or
 * input error. Each lives in its own file (ctl_<area>.c).
 */
#ifndef SPFDKIM_CTL_H
#define SPFDKIM_CTL_H

int ctl_spf(int argc, char **argv);          /* ctl_spf.c */
int ctl_spf_record(int argc, char **argv);   /* ctl_spf.c */
int ctl_spf_audit(int argc, char **argv);    /* ctl_spf.c */
int ctl_genkey(int argc, char **argv);       /* ctl_dkim.c */
int ctl_dkim_verify(int argc, char **argv);  /* ctl_dkim.c */
int ctl_purge(int argc, char **argv);        /* ctl_spam.c */
int ctl_spamlog(int argc, char **argv);      /* ctl_spam.c */
int ctl_report(int argc, char **argv);       /* ctl_report.c */
int ctl_check(int argc, char **argv);        /* ctl_check.c */
int ctl_dmarc_report(int argc, char **argv); /* ctl_dmarc_report.c */

#endif
