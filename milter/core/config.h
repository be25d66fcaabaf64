/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.h - the daemon's configuration: one key table, a parser, snapshots.
 *
 * A config is parsed from `Key value` lines or XMail's tab format
 * `"Key"<TAB>"value"` (auto-detected per line). An unknown key or bad value
 * is an error naming the file and line. Every key and its default is in the
 * table in config.c and documented in conf/spfdkim-milter.conf.
 *
 * A struct config is immutable once loaded; the runtime (runtime.h) shares
 * it between sessions and swaps in a new one on SIGHUP. The config owns all
 * its strings; config_free() releases them.
 */
#ifndef SPFDKIM_CONFIG_H
#define SPFDKIM_CONFIG_H

#include <stddef.h>
#include <sys/types.h>

#include "dkim.h"
#include "dmarc.h"
#include "log.h"
#include "policy.h"
#include "spf.h"

#define CONFIG_LINE_MAX 4096     /* bytes per line */
#define CONFIG_FILE_MAX (1 << 20) /* bytes per file */

enum spf_identity { ID_MAILFROM, ID_HEADER_FROM };

struct config {
	char *source;                 /* file name, or "(default)" */
	/* general */
	char *socket, *pid_file, *user_id;
	char *metrics_socket;         /* MetricsSocket; NULL: no metrics endpoint */
	mode_t umask;
	char *authserv_id;            /* "" means: the host name */
	char *log;
	enum log_level log_level;
	char *decision_log, *temp_dir;
	int received_spf;
	/* DNS */
	char *resolver;
	unsigned dns_timeout, dns_budget;
	unsigned milter_timeout;      /* seconds: smfi_settimeout (restart to change) */
	/* SPF */
	enum spf_identity identity;
	int check_helo, skip_auth, check_loopback, check_lan;
	char *whitelist;
	enum action spf_action[SPF_RESULT_COUNT];   /* by enum spf_result */
	char *spf_reply[SPF_RESULT_COUNT];
	enum action bad_from_action;  /* header-from: no single author domain */
	char *bad_from_reply;
	/* DKIM */
	int dkim_verify, dkim_sign;
	char *key_table, *signing_table;
	char *internal_hosts, *external_ignore; /* OpenDKIM datasets (netlist_load_dataset) */
	unsigned dkim_min_key_bits, dkim_max_sigs;
	char *dkim_canon, *dkim_oversign;
	enum action dkim_action[DKIM_V_COUNT];      /* by enum dkim_verdict */
	char *dkim_reply[DKIM_V_COUNT];
	/* DMARC */
	int dmarc_verify;
	char *dmarc_psl;                            /* DMARCPublicSuffixList, or NULL */
	enum action dmarc_action[DMARC_O_COUNT];    /* by enum dmarc_outcome */
	char *dmarc_reply[DMARC_O_COUNT];
	char *arc_trusted;                          /* ARCTrustedSealers: domains, comma or space separated */
	/* spam folder */
	char *spam_folder;
	unsigned spam_retention_days;
	char *spam_log;
};

/* A config with every default. NULL on out-of-memory. */
struct config *config_new_default(void);
/*
 * Parses text (named name in messages) over the defaults. Returns the config,
 * or NULL with "NAME:LINE: reason" in err.
 */
struct config *config_parse(const char *name, const char *text, size_t len, char *err, size_t errlen);
/* Reads and parses a file; NULL with "FILE:LINE: reason" (or "FILE: reason") in err. */
struct config *config_load(const char *path, char *err, size_t errlen);
void config_free(struct config *c);
/* Calls emit once per key, in table order, with "Key value" (the value as
   the config holds it) or "# Key (unset)" (spfdkim-web's settings form). */
void config_dump(const struct config *c, void (*emit)(const char *line, void *arg), void *arg);

/* Is any result of either check mapped to save-reject or quarantine? */
int config_any_save(const struct config *c);
int config_spf_any_save(const struct config *c);
int config_dkim_any_save(const struct config *c);
int config_dmarc_any_save(const struct config *c);
int config_spf_any_reject(const struct config *c);
/* Is domain one of ARCTrustedSealers (case-insensitive, exact)? */
int config_arc_trusted(const struct config *c, const char *domain);

#endif
