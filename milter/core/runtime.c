/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * runtime.c - build, share and swap the per-config runtime (see runtime.h).
 *
 * The current runtime pointer is the only mutable shared state; it is
 * guarded by a mutex, and reference counts are atomic, so acquiring a
 * runtime costs one lock and one increment per connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "runtime.h"

struct shared_dns {
	unsigned refs;
	struct dns_resolver *r;
	char *forwarders;
	unsigned timeout;
};

static pthread_mutex_t cur_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t live_cond = PTHREAD_COND_INITIALIZER;
static struct runtime *current;
static unsigned live;     /* runtimes not yet freed (cur_lock) */

static void
sdns_release(struct shared_dns *s)
{
	if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	dns_resolver_free(s->r);
	free(s->forwarders);
	free(s);
}

static void
runtime_free(struct runtime *rt)
{
	if (rt == NULL)
		return;
	if (rt->dkim != NULL)
		dkim_engine_free(rt->dkim);
	dmarc_engine_free(rt->dmarc);
	if (rt->spam != NULL)
		spamfolder_free(rt->spam);
	if (rt->decision_fd >= 0)
		close(rt->decision_fd);
	netlist_free(&rt->whitelist);
	netlist_free(&rt->internal);
	sdns_release(rt->sdns);
	config_free(rt->cfg);
	free(rt);
	pthread_mutex_lock(&cur_lock);
	if (--live == 0)
		pthread_cond_broadcast(&live_cond);
	pthread_mutex_unlock(&cur_lock);
}

struct runtime *
runtime_build(struct config *cfg, struct runtime *prev, char *err, size_t errlen)
{
	struct runtime *rt = calloc(1, sizeof(*rt));
	const struct config *c = cfg;
	char why[512];

	if (rt == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_lock(&cur_lock);
	live++;
	pthread_mutex_unlock(&cur_lock);
	rt->refs = 1;
	rt->decision_fd = -1;
	netlist_init(&rt->whitelist);
	netlist_init(&rt->internal);

	if (gethostname(rt->hostname, sizeof(rt->hostname) - 1) < 0 || rt->hostname[0] == '\0')
		strlcpy(rt->hostname, "localhost", sizeof(rt->hostname));
	strlcpy(rt->authserv_id, c->authserv_id && c->authserv_id[0] ? c->authserv_id : rt->hostname,
	    sizeof(rt->authserv_id));

	if (c->whitelist != NULL && netlist_load_file(&rt->whitelist, c->whitelist, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: Whitelist: %s", c->source, why);
		goto bad;
	}
	netlist_finish(&rt->whitelist);
	if (c->internal_hosts != NULL) {
		if (netlist_load_dataset(&rt->internal, c->internal_hosts, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: InternalHosts: %s", c->source, why);
			goto bad;
		}
	} else {
		/* Like OpenDKIM: without InternalHosts, local submissions are internal. */
		netlist_add_line(&rt->internal, "127.0.0.1", why, sizeof(why));
		netlist_add_line(&rt->internal, "::1", why, sizeof(why));
	}
	netlist_finish(&rt->internal);
	if (c->external_ignore != NULL) {
		/*
		 * OpenDKIM's ExternalIgnoreList only silences its "external host
		 * tried to send as DOMAIN" log line, which this milter never
		 * writes (mail from outside InternalHosts is verified, not
		 * signed): the list is checked, then has nothing to change.
		 */
		struct netlist ext;
		int rc;

		netlist_init(&ext);
		rc = netlist_load_dataset(&ext, c->external_ignore, why, sizeof(why));
		netlist_free(&ext);
		if (rc < 0) {
			snprintf(err, errlen, "%s: ExternalIgnoreList: %s", c->source, why);
			goto bad;
		}
	}

	if (c->decision_log != NULL) {
		rt->decision_fd = fileio_open_append(c->decision_log, 0640, why, sizeof(why));
		if (rt->decision_fd < 0) {
			snprintf(err, errlen, "%s: DecisionLog %s", c->source, why);
			goto bad;
		}
	}

	if (prev != NULL && prev->sdns != NULL && prev->sdns->timeout == c->dns_timeout &&
	    strcmp(prev->sdns->forwarders, c->resolver ? c->resolver : "") == 0) {
		rt->sdns = prev->sdns;
		__atomic_add_fetch(&rt->sdns->refs, 1, __ATOMIC_ACQ_REL);
	} else {
		struct dns_options o = { 0 };
		struct shared_dns *s = calloc(1, sizeof(*s));

		if (s == NULL || (s->forwarders = strdup(c->resolver ? c->resolver : "")) == NULL) {
			free(s);
			snprintf(err, errlen, "out of memory");
			goto bad;
		}
		o.forwarders = s->forwarders;
		o.query_timeout_ms = c->dns_timeout * 1000;
		if ((s->r = dns_resolver_new(&o, why, sizeof(why))) == NULL) {
			snprintf(err, errlen, "%s: Resolver \"%s\": %s", c->source, s->forwarders, why);
			free(s->forwarders);
			free(s);
			goto bad;
		}
		s->refs = 1;
		s->timeout = c->dns_timeout;
		rt->sdns = s;
	}
	rt->dns = rt->sdns->r;

	spf_limits_default(&rt->spf_limits);
	rt->spf_limits.budget_ms = c->dns_budget * 1000;

	rt->can_sign = c->dkim_sign && c->key_table != NULL && c->signing_table != NULL;
	if (c->dkim_verify || rt->can_sign) {
		struct dkim_options o = {
			.key_table = rt->can_sign ? c->key_table : NULL,
			.signing_table = rt->can_sign ? c->signing_table : NULL,
			.min_key_bits = c->dkim_min_key_bits,
			.max_signatures = c->dkim_max_sigs,
			.canonicalization = c->dkim_canon,
			.oversign_headers = c->dkim_oversign,
			.dns_budget_ms = c->dns_budget * 1000,
		};
		if ((rt->dkim = dkim_engine_new(&o, rt->dns, why, sizeof(why))) == NULL) {
			snprintf(err, errlen, "%s: DKIM: %s", c->source, why);
			goto bad;
		}
	}

	if (c->dmarc_verify) {
		struct dmarc_options o = { .psl_file = c->dmarc_psl };
		if ((rt->dmarc = dmarc_engine_new(&o, rt->dns, why, sizeof(why))) == NULL) {
			snprintf(err, errlen, "%s: DMARC: %s", c->source, why);
			goto bad;
		}
	}

	{
		struct spamfolder_options o = {
			.folder = c->spam_folder,
			.retention_days = c->spam_retention_days,
			.spam_log = c->spam_log,
		};
		if ((rt->spam = spamfolder_new(&o, why, sizeof(why))) == NULL) {
			snprintf(err, errlen, "%s: SpamFolder: %s", c->source, why);
			goto bad;
		}
	}
	rt->spool = config_any_save(c);
	if (rt->spool && !spamfolder_enabled(rt->spam))
		log_warn("%s: a save-reject or quarantine action is set but SpamFolder is not: "
		    "copies cannot be saved", c->source);
	rt->cfg = cfg;
	return rt;
bad:
	rt->cfg = NULL;
	runtime_free(rt);
	return NULL;
}

void
runtime_install(struct runtime *rt)
{
	struct runtime *old;

	pthread_mutex_lock(&cur_lock);
	old = current;
	current = rt;
	pthread_mutex_unlock(&cur_lock);
	runtime_release(old);
}

struct runtime *
runtime_acquire(void)
{
	struct runtime *rt;

	pthread_mutex_lock(&cur_lock);
	rt = current;
	if (rt != NULL)
		__atomic_add_fetch(&rt->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&cur_lock);
	return rt;
}

void
runtime_release(struct runtime *rt)
{
	if (rt != NULL && __atomic_sub_fetch(&rt->refs, 1, __ATOMIC_ACQ_REL) == 0)
		runtime_free(rt);
}

void
runtime_shutdown(void)
{
	runtime_install(NULL);
}

unsigned
runtime_drain(unsigned timeout_ms)
{
	struct timespec ts;
	unsigned left;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&cur_lock);
	while (live > 0 && pthread_cond_timedwait(&live_cond, &cur_lock, &ts) != ETIMEDOUT)
		;
	left = live;
	pthread_mutex_unlock(&cur_lock);
	return left;
}
