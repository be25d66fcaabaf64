/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * runtime.h - everything a session needs from one configuration, built once.
 *
 * A runtime holds a config snapshot and what is derived from it at (re)load:
 * the whitelist and InternalHosts lists, the DKIM engine, the spam folder,
 * the decision-log fd, the host name, and a reference to the process's DNS
 * resolver (shared across reloads unless the resolver settings change).
 * Sessions take a reference at connect (runtime_acquire) and drop it at
 * close, so a reload (runtime_install) never pulls state from under a
 * session: the old runtime is freed when its last session ends.
 */
#ifndef SPFDKIM_RUNTIME_H
#define SPFDKIM_RUNTIME_H

#include "config.h"
#include "dkim.h"
#include "dmarc.h"
#include "dns.h"
#include "netlist.h"
#include "spamfolder.h"
#include "spf.h"

struct shared_dns;

struct runtime {
	unsigned refs;                 /* atomic */
	struct config *cfg;
	struct netlist whitelist;      /* empty when no Whitelist */
	struct netlist internal;       /* InternalHosts; default 127.0.0.1, ::1 */
	struct shared_dns *sdns;
	struct dns_resolver *dns;      /* == sdns->r */
	struct dkim_engine *dkim;      /* NULL when DKIMVerify and DKIMSign are both off */
	struct dmarc_engine *dmarc;    /* NULL when DMARCVerify is off */
	struct spamfolder *spam;
	int decision_fd;               /* -1 when no DecisionLog */
	int can_sign;                  /* DKIMSign yes and both tables given */
	int spool;                     /* some result may be saved: spool messages */
	char hostname[256];
	char authserv_id[256];
	struct spf_limits spf_limits;
};

/*
 * Builds a runtime from cfg (taking ownership of cfg on success). prev, if
 * not NULL, lends its DNS resolver when the settings are the same.
 * NULL with a reason naming the file/line in err.
 */
struct runtime *runtime_build(struct config *cfg, struct runtime *prev, char *err, size_t errlen);
/* Makes rt current (the caller's reference moves into the slot). */
void runtime_install(struct runtime *rt);
/* The current runtime with one more reference, or NULL before the first install. */
struct runtime *runtime_acquire(void);
void runtime_release(struct runtime *rt);
/* Drops the current runtime (at exit). */
void runtime_shutdown(void);
/*
 * After runtime_shutdown(): waits until every runtime is freed, i.e. every
 * session that held one has closed, or timeout_ms passed. Returns how many
 * runtimes are still alive (0: nothing of ours is running any more).
 */
unsigned runtime_drain(unsigned timeout_ms);

#endif
