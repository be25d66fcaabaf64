/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns.c - the one DNS layer (contract in dns.h), on libunbound.
 *
 * How it works: one ub_ctx per resolver, in threaded async mode. A private
 * resolver thread polls ub_fd() and calls ub_process(), which runs our
 * callback for each finished query. A caller of dns_lookup() first asks our
 * own cache; on a miss it starts ub_resolve_async() and waits on its own
 * condition variable until the answer, its per-query timeout or the check's
 * deadline. On a timeout the query is abandoned with ub_cancel(); whoever
 * comes last (the canceller or the late callback) frees the query state.
 *
 * Answers: a TXT record whose character-strings do not fill its rdata
 * exactly is a broken answer: DNS_R_SERVFAIL, like any upstream failure.
 *
 * Cache: (lower-cased name, type) -> answer, kept for the answer's TTL
 * (negative answers for their SOA-derived TTL), capped at
 * dns_options.cache_entries with LRU eviction. SERVFAIL and timeouts are not
 * cached. Every answer handed out is a private copy in one allocation.
 *
 * Caps: at most DNS_MAX_RRS records of an answer are kept; names longer
 * than 253 octets (or with a label over 63) are refused as DNS_R_ERROR.
 * Thread-safety: the cache is under one mutex, the query hand-over under
 * another; the counters are atomics (cheap to bump and to read at any
 * time). libunbound's context is itself thread-safe.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "dname.h"
#include "dns.h"
#include "log.h"

#define CACHE_MAX_TTL 86400u   /* we never keep an answer longer than a day */

struct cache_ent {
	char *key;                 /* "type/lowername" */
	size_t hash;
	uint64_t expires_ms;
	struct dns_answer *ans;    /* template; handed out as copies */
	struct cache_ent *hnext;   /* bucket chain */
	struct cache_ent *prev, *next;  /* LRU list, head = most recent */
};

struct query {
	pthread_cond_t cond;
	int done;                  /* callback ran */
	int abandoned;             /* caller gave up: callback frees */
	int err;                   /* libunbound error code from the callback */
	struct ub_result *res;
};

/*
 * libunbound keeps process-global state (its log and config globals, set
 * when a context is created, on its first query, and when it is deleted);
 * a reload that changes Resolver creates and deletes contexts while others
 * answer. Those three steps take this lock, so they never overlap.
 */
static pthread_mutex_t ub_global_lock = PTHREAD_MUTEX_INITIALIZER;

struct dns_resolver {
	struct ub_ctx *ctx;
	int ctx_used;              /* atomic: first ub_resolve_async done */
	unsigned timeout_ms;
	uint64_t (*now_ms)(void);  /* cache clock (dns_options.now_ms) */
	pthread_t thread;
	int thread_started;
	int wake[2];               /* pipe: tells the thread to stop */
	pthread_mutex_t qlock;     /* query hand-over */
	pthread_condattr_t cattr;  /* CLOCK_MONOTONIC conditions */

	pthread_mutex_t lock;      /* the cache */
	struct cache_ent **buckets;
	size_t nbuckets, nentries, max_entries;
	struct cache_ent *lru_head, *lru_tail;
	/* The counters of dns_stats: atomics, read at any time without a lock. */
	_Atomic uint64_t n_lookups, n_cache_hits, n_upstream, n_timeouts, n_failures;
};

uint64_t
dns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- answers ------------------------------------------------------------ */

/* One allocation: struct, rr[], rdata bytes, packet bytes. */
static struct dns_answer *
answer_build(enum dns_rcode rcode, int rrtype, unsigned ttl, size_t count,
             unsigned char *const *data, const size_t *lens,
             const void *packet, size_t packet_len)
{
	size_t total = sizeof(struct dns_answer), i;
	struct dns_answer *a;
	unsigned char *p;

	if (count > DNS_MAX_RRS)
		count = DNS_MAX_RRS;
	total += count * sizeof(struct dns_rr);
	for (i = 0; i < count; i++)
		total += lens[i];
	total += packet_len;
	a = calloc(1, total);
	if (a == NULL)
		return NULL;
	a->rcode = rcode;
	a->rrtype = rrtype;
	a->ttl = ttl;
	a->count = count;
	a->rr = count ? (struct dns_rr *)(a + 1) : NULL;
	p = (unsigned char *)(a + 1) + count * sizeof(struct dns_rr);
	for (i = 0; i < count; i++) {
		memcpy(p, data[i], lens[i]);
		a->rr[i].data = p;
		a->rr[i].len = lens[i];
		p += lens[i];
	}
	if (packet != NULL && packet_len > 0) {
		memcpy(p, packet, packet_len);
		a->packet = p;
		a->packet_len = packet_len;
	}
	return a;
}

static struct dns_answer *
answer_clone(const struct dns_answer *src)
{
	unsigned char *datas[DNS_MAX_RRS];
	size_t lens[DNS_MAX_RRS];
	struct dns_answer *a;

	for (size_t i = 0; i < src->count; i++) {
		datas[i] = (unsigned char *)src->rr[i].data;
		lens[i] = src->rr[i].len;
	}
	a = answer_build(src->rcode, src->rrtype, src->ttl, src->count, datas, lens,
	                 src->packet, src->packet_len);
	return a;
}

void
dns_answer_free(struct dns_answer *a)
{
	free(a);   /* one block, see answer_build() */
}

/* ---- names ------------------------------------------------------------- */

/* Lower-cased "type/name" without a trailing dot; -1 if the name is invalid
 * (empty label, label over 63 or name over 253 octets). Any other octet is
 * allowed: SPF macros can put spaces or '%' into names. */
static int
make_key(const char *name, int rrtype, char *key, size_t keylen)
{
	int n = dname_check(name, 0), off;

	if (n < 0)
		return -1;
	off = snprintf(key, keylen, "%d/", rrtype);
	if (off < 0 || (size_t)off + (size_t)n + 1 > keylen)
		return -1;
	for (int i = 0; i < n; i++)
		key[off + i] = (char)tolower((unsigned char)name[i]);
	key[off + n] = '\0';
	return 0;
}

/* Presentation form for libunbound: odd octets as \DDD so that nothing in
 * the name is taken for syntax. */
static int
present_name(const char *name, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *name; name++) {
		unsigned char c = (unsigned char)*name;
		if (isalnum(c) || c == '-' || c == '_' || c == '.') {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= outlen)
				return -1;
			snprintf(out + o, 5, "\\%03u", c);
			o += 4;
		}
	}
	out[o] = '\0';
	return 0;
}

static size_t
hash_str(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* ---- cache (called with r->lock held) ---------------------------------- */

static void
lru_unlink(struct dns_resolver *r, struct cache_ent *e)
{
	if (e->prev) e->prev->next = e->next; else r->lru_head = e->next;
	if (e->next) e->next->prev = e->prev; else r->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push(struct dns_resolver *r, struct cache_ent *e)
{
	e->prev = NULL;
	e->next = r->lru_head;
	if (r->lru_head) r->lru_head->prev = e; else r->lru_tail = e;
	r->lru_head = e;
}

static void
cache_remove(struct dns_resolver *r, struct cache_ent *e)
{
	struct cache_ent **pp = &r->buckets[e->hash % r->nbuckets];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	lru_unlink(r, e);
	r->nentries--;
	free(e->key);
	free(e->ans);
	free(e);
}

static struct cache_ent *
cache_find(struct dns_resolver *r, const char *key, size_t h)
{
	struct cache_ent *e;

	for (e = r->buckets[h % r->nbuckets]; e; e = e->hnext)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void
cache_store(struct dns_resolver *r, const char *key, const struct dns_answer *ans)
{
	size_t h = hash_str(key);
	struct cache_ent *e;
	struct dns_answer *copy;
	unsigned ttl = ans->ttl > CACHE_MAX_TTL ? CACHE_MAX_TTL : ans->ttl;

	if (ttl == 0)
		return;
	copy = answer_clone(ans);
	if (copy == NULL)
		return;
	copy->from_cache = 1;
	pthread_mutex_lock(&r->lock);
	if ((e = cache_find(r, key, h)) != NULL)
		cache_remove(r, e);
	while (r->nentries >= r->max_entries && r->lru_tail)
		cache_remove(r, r->lru_tail);
	e = calloc(1, sizeof(*e));
	if (e == NULL || (e->key = strdup(key)) == NULL) {
		free(e);
		free(copy);
		pthread_mutex_unlock(&r->lock);
		return;
	}
	e->hash = h;
	e->ans = copy;
	e->expires_ms = r->now_ms() + (uint64_t)ttl * 1000u;
	e->hnext = r->buckets[h % r->nbuckets];
	r->buckets[h % r->nbuckets] = e;
	lru_push(r, e);
	r->nentries++;
	pthread_mutex_unlock(&r->lock);
}

/* A copy of the cached answer with its remaining TTL, or NULL. */
static struct dns_answer *
cache_get(struct dns_resolver *r, const char *key)
{
	size_t h = hash_str(key);
	struct cache_ent *e;
	struct dns_answer *a = NULL;
	uint64_t now = r->now_ms();

	pthread_mutex_lock(&r->lock);
	e = cache_find(r, key, h);
	if (e != NULL && e->expires_ms <= now) {
		cache_remove(r, e);
		e = NULL;
	}
	if (e != NULL) {
		a = answer_clone(e->ans);
		if (a != NULL) {
			a->from_cache = 1;
			a->ttl = (unsigned)((e->expires_ms - now + 999) / 1000);
			lru_unlink(r, e);
			lru_push(r, e);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return a;
}

static void
stat_add(_Atomic uint64_t *field)
{
	atomic_fetch_add_explicit(field, 1, memory_order_relaxed);
}

/* ---- the resolver thread ---------------------------------------------- */

static void
query_free(struct query *q)
{
	if (q->res)
		ub_resolve_free(q->res);
	pthread_cond_destroy(&q->cond);
	free(q);
}

static void
on_result(void *mydata, int err, struct ub_result *result)
{
	struct query *q = mydata;
	struct dns_resolver *r = *(struct dns_resolver **)((char *)q + sizeof(*q));

	pthread_mutex_lock(&r->qlock);
	if (q->abandoned) {
		pthread_mutex_unlock(&r->qlock);
		if (result)
			ub_resolve_free(result);
		query_free(q);
		return;
	}
	q->err = err;
	q->res = result;
	q->done = 1;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&r->qlock);
}

static void *
resolver_thread(void *arg)
{
	struct dns_resolver *r = arg;
	struct pollfd pfd[2];

	pfd[0].fd = ub_fd(r->ctx);
	pfd[0].events = POLLIN;
	pfd[1].fd = r->wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		int n = poll(pfd, 2, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (pfd[0].revents & (POLLIN | POLLERR | POLLHUP))
			(void)ub_process(r->ctx);
	}
	return NULL;
}

/* ---- set-up ------------------------------------------------------------ */

static int
set_opt(struct ub_ctx *ctx, const char *opt, const char *val, char *err, size_t errlen)
{
	int rc = ub_ctx_set_option(ctx, opt, val);

	if (rc != 0) {
		snprintf(err, errlen, "libunbound option %s %s: %s", opt, val, ub_strerror(rc));
		return -1;
	}
	return 0;
}

/* "host[@port][,host[@port]...]" -> ub_ctx_set_fwd per item. */
static int
set_forwarders(struct ub_ctx *ctx, const char *list, char *err, size_t errlen)
{
	char buf[1024], *p, *tok, *save = NULL;

	if (strlcpy(buf, list, sizeof(buf)) >= sizeof(buf)) {
		snprintf(err, errlen, "resolver list too long: %.40s...", list);
		return -1;
	}
	for (p = buf; (tok = strtok_r(p, ", \t", &save)) != NULL; p = NULL) {
		int rc = ub_ctx_set_fwd(ctx, tok);
		if (rc != 0) {
			snprintf(err, errlen, "resolver '%s': %s", tok, ub_strerror(rc));
			return -1;
		}
	}
	return 0;
}

struct dns_resolver *
dns_resolver_new(const struct dns_options *opt, char *err, size_t errlen)
{
	struct dns_resolver *r;
	/*
	 * libunbound's built-in local zones (RFC 6761 special-use names, RFC
	 * 6303/AS112 reverse zones for private and documentation ranges)
	 * would answer NXDOMAIN on their own. We always forward to a site or
	 * test resolver (forwarders, or those of resolv.conf), so let it answer.
	 */
	static const char *const special[] = {
		"test.", "invalid.", "onion.", "home.arpa.", "local.",
		"10.in-addr.arpa.", "16.172.in-addr.arpa.", "17.172.in-addr.arpa.",
		"18.172.in-addr.arpa.", "19.172.in-addr.arpa.", "20.172.in-addr.arpa.",
		"21.172.in-addr.arpa.", "22.172.in-addr.arpa.", "23.172.in-addr.arpa.",
		"24.172.in-addr.arpa.", "25.172.in-addr.arpa.", "26.172.in-addr.arpa.",
		"27.172.in-addr.arpa.", "28.172.in-addr.arpa.", "29.172.in-addr.arpa.",
		"30.172.in-addr.arpa.", "31.172.in-addr.arpa.", "168.192.in-addr.arpa.",
		"0.in-addr.arpa.", "254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.",
		"100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.",
		"255.255.255.255.in-addr.arpa.", "d.f.ip6.arpa.", "8.e.f.ip6.arpa.",
		"9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.", "b.e.f.ip6.arpa.",
		"8.b.d.0.1.0.0.2.ip6.arpa.",
		"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	};
	int fwd = opt && opt->forwarders && opt->forwarders[0];
	int rc;

	if (errlen)
		err[0] = '\0';
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->wake[0] = r->wake[1] = -1;
	r->timeout_ms = opt && opt->query_timeout_ms ? opt->query_timeout_ms : 5000;
	r->now_ms = opt && opt->now_ms ? opt->now_ms : dns_now_ms;
	r->max_entries = opt && opt->cache_entries ? opt->cache_entries : 10000;
	r->nbuckets = r->max_entries < 64 ? 64 : r->max_entries;
	r->buckets = calloc(r->nbuckets, sizeof(*r->buckets));
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->qlock, NULL);
	pthread_condattr_init(&r->cattr);
	pthread_condattr_setclock(&r->cattr, CLOCK_MONOTONIC);
	if (r->buckets == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	pthread_mutex_lock(&ub_global_lock);
	r->ctx = ub_ctx_create();
	pthread_mutex_unlock(&ub_global_lock);
	if (r->ctx == NULL) {
		snprintf(err, errlen, "ub_ctx_create failed");
		goto fail;
	}
	if ((rc = ub_ctx_async(r->ctx, 1)) != 0) {
		snprintf(err, errlen, "ub_ctx_async: %s", ub_strerror(rc));
		goto fail;
	}
	/* Site resolvers often listen on 127.0.0.x (and tests always do). */
	if (set_opt(r->ctx, "do-not-query-localhost:", "no", err, errlen) < 0)
		goto fail;
	/*
	 * Our forwarder must never be taken for down. libunbound keeps, per
	 * server, a retransmit timer that doubles on every timeout; a name
	 * whose own servers never answer makes the forwarder time out too,
	 * and once that timer passes 12 s libunbound 1.17 stops sending to
	 * the forwarder (instant SERVFAIL for every name) until a probe
	 * expires: one message with a few dead DKIM key domains blacked out
	 * DNS for the whole daemon. The forwarder is the site resolver:
	 * its slowness for one name says nothing about the others, and we
	 * bound every wait ourselves (query timeout, check deadline). So the
	 * server state lives one second: each lookup starts from a fresh
	 * timer, and a backed-off state ends within about two seconds.
	 * Probing is kept on too. (tests/suites/22-dns-hostile.sh)
	 */
	if (set_opt(r->ctx, "infra-host-ttl:", "1", err, errlen) < 0 ||
	    set_opt(r->ctx, "infra-keep-probing:", "yes", err, errlen) < 0)
		goto fail;
	if (fwd) {
		if (set_forwarders(r->ctx, opt->forwarders, err, errlen) < 0)
			goto fail;
	} else if ((rc = ub_ctx_resolvconf(r->ctx, NULL)) != 0) {
		snprintf(err, errlen, "/etc/resolv.conf: %s", ub_strerror(rc));
		goto fail;
	}
	/* Through ub_ctx_set_option "nodefault" is silently ignored (libunbound
	 * 1.17); an empty "transparent" zone passes every query on. */
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		char v[128];
		snprintf(v, sizeof(v), "%s transparent", special[i]);
		if (set_opt(r->ctx, "local-zone:", v, err, errlen) < 0)
			goto fail;
	}
	if (pipe2(r->wake, O_CLOEXEC) < 0) {
		syserr_fmt(err, errlen, "pipe");
		goto fail;
	}
	/* ub_fd() before the thread: it creates the background worker pipes. */
	if (ub_fd(r->ctx) < 0) {
		snprintf(err, errlen, "ub_fd failed");
		goto fail;
	}
	if (pthread_create(&r->thread, NULL, resolver_thread, r) != 0) {
		snprintf(err, errlen, "cannot start resolver thread");
		goto fail;
	}
	r->thread_started = 1;
	return r;
fail:
	dns_resolver_free(r);
	return NULL;
}

void
dns_resolver_free(struct dns_resolver *r)
{
	if (r == NULL)
		return;
	if (r->thread_started) {
		ssize_t w = write(r->wake[1], "x", 1);
		(void)w;
		pthread_join(r->thread, NULL);
	}
	if (r->ctx) {
		pthread_mutex_lock(&ub_global_lock);
		ub_ctx_delete(r->ctx);
		pthread_mutex_unlock(&ub_global_lock);
	}
	if (r->wake[0] >= 0) close(r->wake[0]);
	if (r->wake[1] >= 0) close(r->wake[1]);
	if (r->buckets) {
		while (r->lru_tail)
			cache_remove(r, r->lru_tail);
		free(r->buckets);
	}
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->qlock);
	pthread_condattr_destroy(&r->cattr);
	free(r);
}

/* ---- lookups ----------------------------------------------------------- */

static int
give(struct dns_answer **out, enum dns_rcode rc, int rrtype)
{
	*out = answer_build(rc, rrtype, 0, 0, NULL, NULL, NULL, 0);
	return *out ? 0 : -1;
}

int
dns_lookup(struct dns_resolver *r, const char *name, int rrtype, uint64_t deadline_ms,
           struct dns_answer **out)
{
	char key[300], pname[1100];
	struct dns_answer *a;
	struct query *q;
	struct ub_result *res;
	uint64_t now, until;
	struct timespec ts;
	int async_id = 0, rc, qerr;
	enum dns_rcode code;

	*out = NULL;
	if (r == NULL || name == NULL)
		return -1;
	stat_add(&r->n_lookups);
	if (make_key(name, rrtype, key, sizeof(key)) < 0 || rrtype <= 0 || rrtype > 65535)
		return give(out, DNS_R_ERROR, rrtype);
	if ((a = cache_get(r, key)) != NULL) {
		stat_add(&r->n_cache_hits);
		*out = a;
		return 0;
	}
	now = dns_now_ms();
	until = now + r->timeout_ms;
	if (deadline_ms != 0 && deadline_ms < until)
		until = deadline_ms;
	if (until <= now) {
		stat_add(&r->n_timeouts);
		return give(out, DNS_R_TIMEOUT, rrtype);
	}

	/* The query carries a back-pointer to r just after it (see on_result). */
	q = calloc(1, sizeof(*q) + sizeof(struct dns_resolver *));
	if (q == NULL)
		return -1;
	*(struct dns_resolver **)((char *)q + sizeof(*q)) = r;
	pthread_cond_init(&q->cond, &r->cattr);
	if (present_name(strchr(key, '/') + 1, pname, sizeof(pname)) < 0) {
		query_free(q);
		return give(out, DNS_R_ERROR, rrtype);
	}
	stat_add(&r->n_upstream);
	if (__atomic_load_n(&r->ctx_used, __ATOMIC_ACQUIRE)) {
		rc = ub_resolve_async(r->ctx, pname, rrtype, 1, q, on_result, &async_id);
	} else {
		pthread_mutex_lock(&ub_global_lock);
		rc = ub_resolve_async(r->ctx, pname, rrtype, 1, q, on_result, &async_id);
		__atomic_store_n(&r->ctx_used, 1, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&ub_global_lock);
	}
	if (rc != 0) {
		query_free(q);
		stat_add(&r->n_failures);
		return give(out, rc == UB_SYNTAX ? DNS_R_ERROR : DNS_R_SERVFAIL, rrtype);
	}
	ts.tv_sec = (time_t)(until / 1000);
	ts.tv_nsec = (long)(until % 1000) * 1000000L;
	pthread_mutex_lock(&r->qlock);
	while (!q->done) {
		if (pthread_cond_timedwait(&q->cond, &r->qlock, &ts) == ETIMEDOUT && !q->done)
			break;
	}
	if (!q->done) {
		/* Give up. If the cancel loses the race, the callback frees q. */
		q->abandoned = 1;
		rc = ub_cancel(r->ctx, async_id);
		pthread_mutex_unlock(&r->qlock);
		if (rc == 0)
			query_free(q);
		stat_add(&r->n_timeouts);
		return give(out, DNS_R_TIMEOUT, rrtype);
	}
	pthread_mutex_unlock(&r->qlock);

	res = q->res;
	qerr = q->err;
	if (qerr != 0 || res == NULL) {
		query_free(q);
		stat_add(&r->n_failures);
		return give(out, DNS_R_SERVFAIL, rrtype);
	}
	if (res->rcode == ns_r_noerror && res->havedata)
		code = DNS_R_OK;
	else if (res->rcode == ns_r_nxdomain || res->nxdomain)
		code = DNS_R_NXDOMAIN;
	else if (res->rcode == ns_r_noerror)
		code = DNS_R_NODATA;
	else
		code = DNS_R_SERVFAIL;
	if (res->bogus)
		code = DNS_R_SERVFAIL;
	/* libunbound checks only the rdata length of a TXT record, not the
	 * character-strings in it: one that overruns the record is a broken
	 * answer, as SERVFAIL (never a record quietly skipped: that turned a
	 * domain's SPF record into "none"). */
	if (code == DNS_R_OK && rrtype == ns_t_txt)
		for (size_t i = 0; res->data[i] != NULL; i++)
			if (!dns_txt_wellformed((const unsigned char *)res->data[i],
			                    res->len[i] > 0 ? (size_t)res->len[i] : 0))
				code = DNS_R_SERVFAIL;
	{
		size_t n = 0, lens[DNS_MAX_RRS];
		const unsigned char *datas[DNS_MAX_RRS];
		unsigned ttl = res->ttl > 0 ? (unsigned)res->ttl : 0;
		size_t plen = res->answer_packet && res->answer_len > 0 ? (size_t)res->answer_len : 0;
		if (code == DNS_R_OK)
			while (res->data[n] != NULL && n < DNS_MAX_RRS) {
				datas[n] = (const unsigned char *)res->data[n];
				lens[n] = res->len[n] > 0 ? (size_t)res->len[n] : 0;
				n++;
			}
		if (code == DNS_R_SERVFAIL && !res->bogus && res->data == NULL && plen > 0) {
			int k = dns_packet_records(res->answer_packet, plen, rrtype, datas, lens,
			                           DNS_MAX_RRS, &ttl);
			if (k > 0) {
				n = (size_t)k;
				code = DNS_R_OK;
				for (size_t i = 0; i < n && rrtype == ns_t_txt; i++)
					if (!dns_txt_wellformed(datas[i], lens[i]))
						code = DNS_R_SERVFAIL;
				if (code != DNS_R_OK)
					n = 0;
			}
		}
		a = answer_build(code, rrtype, ttl, n, (unsigned char *const *)datas, lens,
		                 res->answer_packet, plen);
	}
	query_free(q);
	if (a == NULL)
		return -1;
	if (code == DNS_R_SERVFAIL)
		stat_add(&r->n_failures);
	else
		cache_store(r, key, a);
	*out = a;
	return 0;
}

void
dns_stats_get(struct dns_resolver *r, struct dns_stats *out)
{
	out->lookups = atomic_load_explicit(&r->n_lookups, memory_order_relaxed);
	out->cache_hits = atomic_load_explicit(&r->n_cache_hits, memory_order_relaxed);
	out->upstream = atomic_load_explicit(&r->n_upstream, memory_order_relaxed);
	out->timeouts = atomic_load_explicit(&r->n_timeouts, memory_order_relaxed);
	out->failures = atomic_load_explicit(&r->n_failures, memory_order_relaxed);
}
