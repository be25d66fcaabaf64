/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim.c - DKIM verification and signing of one message (contract in
 * dkim.h), with OpenSSL: tags, keys, canonicalization and crypto are our
 * own (libopendkim got key-record results, zb= tags and the 3-signature
 * limit wrong, and cost 2-4x more CPU per message).
 *
 * Verify: at end of headers every DKIM-Signature (up to max_signatures) is
 * checked here first (dkim_tags.c: RFC 6376 3.5), its key record fetched
 * through the shared dns.h resolver and checked (3.6.1, RFC 8463: v=, h=,
 * k=, s=, p=, key size). Anything wrong there is decided here, with the
 * RFC 8601 result and a reason for the log:
 *   broken signature or key record, revoked key, k= mismatch  -> permerror
 *   no key (NXDOMAIN/NODATA)                                  -> permerror
 *   SERVFAIL/timeout for this signature's key                 -> temperror
 *   RSA key below min_key_bits                                -> policy
 * The rest are verified here, without libopendkim: the body streams
 * through dkim_canon.c's run-based canonicalizer (one per body
 * canonicalization in use) into one SHA-256 per distinct (canonicalization,
 * l=) pair, shared by the signatures that use it; at end of message the
 * body hash is compared, the header hash computed (h= bottom-up, the
 * signature itself with b= emptied) and the signature checked with the
 * engine's cached EVP_PKEY, so a key is decoded once, not per message.
 *
 * Sign: at end of headers the From: address is matched in the signing
 * table (dkim_keytable.c); it is the author as mailaddr.h sees it, so a
 * message with several From: fields, several domains in one, or an
 * unparseable one is not signed; each matching key (RSA or Ed25519) gets its own
 * signer (dkim_sign.c), all fed the same headers and body.
 *
 * Caps: key lookups of one message share one deadline (dns_budget_ms, 20 s
 * by default), and a name that failed is not asked again for the same
 * message. DKIM_HEADERS_MAX headers and DKIM_HEADER_BYTES_MAX header bytes per
 * message are kept (more makes every signature permerror, and nothing is
 * signed); DKIM_REPORT_MAX signatures reported. The engine is immutable
 * after dkim_engine_new(); a dkim_msg belongs to one thread at a time.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "dkim.h"
#include "dkim_arc.h"
#include "dkim_canon.h"
#include "dkim_keytable.h"
#include "dkim_sign.h"
#include "dkim_tags.h"
#include "log.h"
#include "mailaddr.h"

#define DKIM_HEADERS_MAX 1000
#define DKIM_HEADER_BYTES_MAX (1024 * 1024)
#define KEYREC_MAX 4096
#define KEYCACHE_MAX 256
#define DKIM_DNS_BUDGET_MS 20000   /* all key lookups of one message (DNSBudget's default) */
#define OVERSIGN_MAX 32

#define DEFAULT_OVERSIGN "From,To,Subject,Date,Message-ID,Reply-To,Cc,MIME-Version,Content-Type,Content-Transfer-Encoding"

/* Headers signed when present (RFC 6376 5.4.1; the list libopendkim signs). */
static const char *const sign_headers[] = {
	"From", "Sender", "Reply-To", "Subject", "Date", "Message-ID", "To", "Cc",
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-ID",
	"Content-Description", "Resent-Date", "Resent-From", "Resent-Sender", "Resent-To",
	"Resent-Cc", "Resent-Message-ID", "In-Reply-To", "References", "List-Id", "List-Help",
	"List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner", "List-Archive", NULL
};

struct dkim_engine {
	struct dns_resolver *dns;
	struct dkim_keytable *kt;
	unsigned min_key_bits, max_signatures, dns_budget_ms;
	enum dkim_canon hc, bc;
	char *oversign_store;
	const char *oversign[OVERSIGN_MAX + 1];
	/* Parsed public keys by record text: OpenSSL 3 takes ~0.1 ms to decode an
	   RSA key, a quarter of a whole verification. The only mutable engine
	   state, under its own lock; entries are replaced round-robin. */
	pthread_mutex_t klock;
	struct keycache_ent {
		char *rec;
		uint64_t hash;        /* of rec: records share long prefixes, so compare this first */
		int ed;               /* parsed for ed25519-sha256 (else rsa-sha256) */
		struct dkim_keyinfo ki;
	} kcache[KEYCACHE_MAX];
	size_t knext;
};

struct vsig {
	size_t hidx;                  /* its header in m->hdrs */
	struct dkim_sigtags st;
	struct dkim_keyinfo ki;
	int haskey;                   /* ki holds a checked key */
	int decided;
	int dnsfail;                  /* key lookup SERVFAIL/timeout */
	int sink;                     /* its digest in m->body[st.bcanon] */
	enum dkim_verdict verdict;
	char reason[160];
};

struct dkim_msg {
	struct dkim_engine *e;
	enum dkim_mode mode;
	char qid[64];
	struct dkim_hdr *hdrs;
	size_t nhdrs, hbytes;
	int overflow;                 /* header caps hit */
	int eoh;
	/* verify */
	struct dkim_bodycanon *body[2];  /* by enum dkim_canon; NULL: not needed */
	struct vsig *sigs;
	size_t nsigs, seen;
	/* ARC: the structure's verdict (pass: signatures still to check), the
	   sets, and arcvs[0] the newest AMS, arcvs[k] the AS of instance k */
	enum arc_verdict arc;
	char arc_reason[160];
	struct arc_sets *arcsets;
	struct vsig *arcvs;
	/* sign */
	struct dkim_signer *sg[DKIM_SIGN_KEYS_MAX];
	const struct dkim_signkey *sk[DKIM_SIGN_KEYS_MAX];
	char sdomain[DKIM_SIGN_KEYS_MAX][256];
	size_t ns;
};

/* ---- engine --------------------------------------------------------------- */

static int
parse_canon(const char *s, enum dkim_canon *hc, enum dkim_canon *bc)
{
	char h[16], b[16] = "simple";
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	if (hl >= sizeof(h) || (slash && strlen(slash + 1) >= sizeof(b)))
		return -1;
	memcpy(h, s, hl);
	h[hl] = '\0';
	if (slash)
		strlcpy(b, slash + 1, sizeof(b));
	if (strcasecmp(h, "relaxed") == 0) *hc = DKIM_C_RELAXED;
	else if (strcasecmp(h, "simple") == 0) *hc = DKIM_C_SIMPLE;
	else return -1;
	if (strcasecmp(b, "relaxed") == 0) *bc = DKIM_C_RELAXED;
	else if (strcasecmp(b, "simple") == 0) *bc = DKIM_C_SIMPLE;
	else return -1;
	return 0;
}

struct dkim_engine *
dkim_engine_new(const struct dkim_options *opt, struct dns_resolver *dns, char *err, size_t errlen)
{
	struct dkim_engine *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->dns = dns;
	pthread_mutex_init(&e->klock, NULL);
	e->min_key_bits = opt->min_key_bits ? opt->min_key_bits : 1024;
	e->max_signatures = opt->max_signatures ? opt->max_signatures : 16;
	if (e->max_signatures > DKIM_REPORT_MAX)
		e->max_signatures = DKIM_REPORT_MAX;
	e->dns_budget_ms = opt->dns_budget_ms ? opt->dns_budget_ms : DKIM_DNS_BUDGET_MS;
	const char *c = opt->canonicalization && *opt->canonicalization ? opt->canonicalization
	                                                                 : "relaxed/relaxed";
	if (parse_canon(c, &e->hc, &e->bc) < 0) {
		snprintf(err, errlen, "DKIMCanonicalization \"%s\": use simple|relaxed[/simple|relaxed]", c);
		goto bad;
	}
	e->oversign_store = strdup(opt->oversign_headers ? opt->oversign_headers : DEFAULT_OVERSIGN);
	if (e->oversign_store == NULL) {
		snprintf(err, errlen, "out of memory");
		goto bad;
	}
	size_t no = 0;
	char *save = NULL;
	for (char *t = strtok_r(e->oversign_store, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if (no >= OVERSIGN_MAX) {
			snprintf(err, errlen, "DKIMOversignHeaders: more than %d headers", OVERSIGN_MAX);
			goto bad;
		}
		e->oversign[no++] = t;
	}
	e->oversign[no] = NULL;

	if ((opt->key_table && *opt->key_table) || (opt->signing_table && *opt->signing_table)) {
		e->kt = dkim_keytable_load(opt->key_table, opt->signing_table, err, errlen);
		if (e->kt == NULL)
			goto bad;
	}

	return e;
bad:
	dkim_engine_free(e);
	return NULL;
}

void
dkim_engine_free(struct dkim_engine *e)
{
	if (e == NULL)
		return;
	dkim_keytable_free(e->kt);
	free(e->oversign_store);
	for (size_t i = 0; i < KEYCACHE_MAX; i++) {
		free(e->kcache[i].rec);
		dkim_keyinfo_free(&e->kcache[i].ki);
	}
	pthread_mutex_destroy(&e->klock);
	free(e);
}

/* ---- message -------------------------------------------------------------- */

struct dkim_msg *
dkim_msg_new(struct dkim_engine *e, enum dkim_mode mode, const char *qid, char *err, size_t errlen)
{
	struct dkim_msg *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->e = e;
	m->mode = mode;
	strlcpy(m->qid, qid && *qid ? qid : "-", sizeof(m->qid));
	return m;
}

int
dkim_msg_header(struct dkim_msg *m, const char *name, const char *value)
{
	if (m->eoh)
		return -1;
	size_t nl = strlen(name), vl = strlen(value);
	if (m->overflow || m->nhdrs >= DKIM_HEADERS_MAX ||
	    nl + vl + 1 > DKIM_HEADER_BYTES_MAX - m->hbytes) {
		if (!m->overflow)
			log_warn("dkim: qid=%s: header section over %d headers or %d bytes; not verified or signed",
			         m->qid, DKIM_HEADERS_MAX, DKIM_HEADER_BYTES_MAX);
		m->overflow = 1;
		return 0;
	}
	struct dkim_hdr *nh = reallocarray(m->hdrs, m->nhdrs + 1, sizeof(*nh));
	if (nh == NULL)
		return -1;
	m->hdrs = nh;
	/* "Name:value" with every line break as CRLF (bare LF or CR become CRLF) */
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, name, nl);
	buf_putc(&b, ':');
	for (size_t i = 0; i < vl;) {
		size_t j = i + strcspn(value + i, "\r\n");   /* a run without line breaks */
		buf_append(&b, value + i, j - i);
		if (j >= vl)
			break;
		buf_append(&b, "\r\n", 2);
		i = j + (value[j] == '\r' && value[j + 1] == '\n' ? 2 : 1);
	}
	if (b.failed) {
		buf_free(&b);
		return -1;
	}
	struct dkim_hdr *h = &m->hdrs[m->nhdrs++];
	h->len = b.len;
	h->namelen = nl;
	h->raw = buf_take(&b);
	m->hbytes += h->len;
	return 0;
}

static void
decide(struct vsig *vs, enum dkim_verdict v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void
decide(struct vsig *vs, enum dkim_verdict v, const char *fmt, ...)
{
	va_list ap;
	vs->decided = 1;
	vs->verdict = v;
	va_start(ap, fmt);
	vsnprintf(vs->reason, sizeof(vs->reason), fmt, ap);
	va_end(ap);
}

/* dkim_key_check() with the engine's cache of parsed keys; *ki holds its own reference. */
static int
key_check_cached(struct dkim_engine *e, const char *rec, enum dkim_alg alg, struct dkim_keyinfo *ki,
                 char *err, size_t errlen)
{
	int ed = alg == DKIM_ALG_ED25519_SHA256;
	uint64_t h = 14695981039346656037ULL;      /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)rec; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	pthread_mutex_lock(&e->klock);
	for (size_t i = 0; i < KEYCACHE_MAX; i++) {
		struct keycache_ent *c = &e->kcache[i];
		if (c->rec && c->hash == h && c->ed == ed && strcmp(c->rec, rec) == 0 &&
		    EVP_PKEY_up_ref(c->ki.pkey) == 1) {
			*ki = c->ki;
			pthread_mutex_unlock(&e->klock);
			return 0;
		}
	}
	pthread_mutex_unlock(&e->klock);
	if (dkim_key_check(rec, strlen(rec), alg, ki, err, errlen) < 0)
		return -1;
	char *copy = strdup(rec);
	if (copy == NULL || EVP_PKEY_up_ref(ki->pkey) != 1) {
		free(copy);
		return 0;
	}
	pthread_mutex_lock(&e->klock);
	struct keycache_ent *c = &e->kcache[e->knext];
	e->knext = (e->knext + 1) % KEYCACHE_MAX;
	free(c->rec);
	dkim_keyinfo_free(&c->ki);
	c->rec = copy;
	c->hash = h;
	c->ed = ed;
	c->ki = *ki;
	pthread_mutex_unlock(&e->klock);
	return 0;
}

/* Fetch and check the key of one signature that passed the tag checks. */
static void
fetch_key(struct dkim_msg *m, struct vsig *vs, uint64_t deadline)
{
	char qname[400];
	struct dns_answer *a = NULL;

	if ((size_t)snprintf(qname, sizeof(qname), "%s._domainkey.%s", vs->st.s, vs->st.d) >= sizeof(qname)) {
		decide(vs, DKIM_V_PERMERROR, "key name %.60s._domainkey.%.60s is too long", vs->st.s, vs->st.d);
		return;
	}
	/* an earlier signature of this message already failed on this name (SERVFAIL and
	   timeouts are not cached by dns.c): do not wait for it again */
	for (struct vsig *o = m->sigs; o != NULL && o < m->sigs + m->nsigs && o != vs; o++)
		if (o->dnsfail && strcasecmp(o->st.s, vs->st.s) == 0 && strcasecmp(o->st.d, vs->st.d) == 0) {
			vs->dnsfail = 1;
			decide(vs, DKIM_V_TEMPERROR, "%s", o->reason);
			return;
		}
	if (m->e->dns == NULL || dns_lookup(m->e->dns, qname, ns_t_txt, deadline, &a) < 0 || a == NULL) {
		decide(vs, DKIM_V_TEMPERROR, "key lookup %s failed: no resolver", qname);
		dns_answer_free(a);
		return;
	}
	switch (a->rcode) {
	case DNS_R_OK:
		break;
	case DNS_R_NXDOMAIN:
	case DNS_R_NODATA:
		decide(vs, DKIM_V_PERMERROR, "no key record at %s (%s)", qname, dns_rcode_str(a->rcode));
		dns_answer_free(a);
		return;
	default:
		vs->dnsfail = 1;
		decide(vs, DKIM_V_TEMPERROR, "key lookup %s failed: %s", qname, dns_rcode_str(a->rcode));
		dns_answer_free(a);
		return;
	}
	/* several TXT records: the first that is a valid key for this signature wins */
	char rec[KEYREC_MAX], why[600] = "";
	for (size_t i = 0; i < a->count; i++) {
		char e2[160];
		long n = dns_txt_join(&a->rr[i], rec, sizeof(rec));
		if (n < 0 || memchr(rec, '\0', (size_t)n) != NULL) {
			if (!*why)
				snprintf(why, sizeof(why), "key record at %s is malformed or over %d bytes",
				         qname, KEYREC_MAX);
			continue;
		}
		struct dkim_keyinfo ki;
		if (key_check_cached(m->e, rec, vs->st.alg, &ki, e2, sizeof(e2)) < 0) {
			if (!*why)
				snprintf(why, sizeof(why), "%s: %s", qname, e2);
			continue;
		}
		vs->ki = ki;
		vs->haskey = 1;
		break;
	}
	dns_answer_free(a);
	if (!vs->haskey) {
		decide(vs, DKIM_V_PERMERROR, "%s", *why ? why : "key record unusable");
		return;
	}
	if (vs->ki.type == DKIM_KEY_RSA && vs->ki.bits < m->e->min_key_bits) {
		decide(vs, DKIM_V_POLICY, "%s: RSA key of %u bits is below DKIMMinimumKeyBits %u",
		       qname, vs->ki.bits, m->e->min_key_bits);
		return;
	}
	if (vs->ki.strict) {
		const char *at = strrchr(vs->st.i, '@');
		if (at && strcasecmp(at + 1, vs->st.d) != 0)
			decide(vs, DKIM_V_PERMERROR, "%s: key has t=s but i=%s is a subdomain of d=%s",
			       qname, vs->st.i, vs->st.d);
	}
}

static int
hdr_is(const struct dkim_hdr *h, const char *name)
{
	size_t nl = strlen(name), hn = h->namelen;
	while (hn && (h->raw[hn - 1] == ' ' || h->raw[hn - 1] == '\t'))
		hn--;
	return hn == nl && strncasecmp(h->raw, name, nl) == 0;
}

/* The body digest signature vs needs, started on first use. */
static void
add_sink(struct dkim_msg *m, struct vsig *vs)
{
	enum dkim_canon c = vs->st.bcanon == DKIM_C_RELAXED ? DKIM_C_RELAXED : DKIM_C_SIMPLE;
	if (m->body[c] == NULL) {
		/* malloc, not calloc: the output block needs no clearing */
		m->body[c] = malloc(sizeof(*m->body[c]));
		if (m->body[c] == NULL || dkim_bodycanon_start(m->body[c], c) < 0) {
			free(m->body[c]);
			m->body[c] = NULL;
			decide(vs, DKIM_V_TEMPERROR, "out of memory for the body hash");
			return;
		}
	}
	vs->sink = dkim_bodycanon_sink(m->body[c], vs->st.l);
	if (vs->sink < 0)
		decide(vs, DKIM_V_TEMPERROR, "body hash unavailable");
}

/* ARC at end of headers: the set structure, the tags and keys of the newest
   AMS and of every AS, and the AMS's body digest. */
static int
eoh_arc(struct dkim_msg *m, uint64_t deadline, time_t now)
{
	char why[160];
	struct arc_sets *as = malloc(sizeof(*as));
	if (as == NULL)
		return -1;
	m->arcsets = as;
	m->arc = arc_collect(m->hdrs, m->nhdrs, as, m->arc_reason, sizeof(m->arc_reason));
	if (m->arc != ARC_PASS)
		return 0;
	if ((m->arcvs = calloc(as->n + 1, sizeof(*m->arcvs))) == NULL)
		return -1;
	for (size_t k = 0; k <= as->n; k++) {
		struct vsig *vs = &m->arcvs[k];
		vs->hidx = k == 0 ? as->hidx[as->n - 1][ARC_AMS] : as->hidx[k - 1][ARC_AS];
		const struct dkim_hdr *h = &m->hdrs[vs->hidx];
		if (dkim_sig_check_kind(h->raw + h->namelen + 1, h->len - h->namelen - 1, now,
		                        k == 0 ? DKIM_SIG_AMS : DKIM_SIG_AS, &vs->st, why, sizeof(why)) < 0) {
			m->arc = ARC_FAIL;
			snprintf(m->arc_reason, sizeof(m->arc_reason), "%s i=%zu: %.110s",
			         k == 0 ? "ARC-Message-Signature" : "ARC-Seal", k == 0 ? as->n : k, why);
			return 0;
		}
	}
	for (size_t k = 0; k <= as->n; k++) {
		fetch_key(m, &m->arcvs[k], deadline);
		if (m->arcvs[k].decided) {
			m->arc = ARC_FAIL;
			snprintf(m->arc_reason, sizeof(m->arc_reason), "%s i=%zu: %.110s",
			         k == 0 ? "ARC-Message-Signature" : "ARC-Seal", k == 0 ? as->n : k,
			         m->arcvs[k].reason);
			return 0;
		}
	}
	add_sink(m, &m->arcvs[0]);
	return 0;
}

static int
eoh_verify(struct dkim_msg *m)
{
	struct dkim_engine *e = m->e;
	uint64_t deadline = e->dns_budget_ms ? dns_now_ms() + e->dns_budget_ms : 0;
	time_t now = time(NULL);

	for (size_t i = 0; i < m->nhdrs; i++) {
		if (!hdr_is(&m->hdrs[i], "DKIM-Signature"))
			continue;
		m->seen++;
		if (m->nsigs >= e->max_signatures)
			continue;
		if (m->sigs == NULL && (m->sigs = calloc(e->max_signatures, sizeof(*m->sigs))) == NULL)
			return -1;
		struct vsig *vs = &m->sigs[m->nsigs++];
		char why[160];
		vs->hidx = i;
		const struct dkim_hdr *h = &m->hdrs[i];
		if (m->overflow) {
			decide(vs, DKIM_V_PERMERROR, "header section too large to verify");
			memset(&vs->st, 0, sizeof(vs->st));
			continue;
		}
		if (dkim_sig_check(h->raw + h->namelen + 1, h->len - h->namelen - 1, now, &vs->st,
		                   why, sizeof(why)) < 0) {
			decide(vs, DKIM_V_PERMERROR, "signature: %s", why);
			continue;
		}
		fetch_key(m, vs, deadline);
	}
	if (m->seen > m->nsigs)
		log_info("dkim: qid=%s: %zu signatures, only the first %zu evaluated (DKIMMaxSignatures)",
		         m->qid, m->seen, m->nsigs);
	if (m->overflow) {
		m->arc = ARC_FAIL;
		strlcpy(m->arc_reason, "header section too large to verify", sizeof(m->arc_reason));
		return 0;
	}
	/* one body digest per (body canonicalization, l=) in use */
	for (size_t i = 0; i < m->nsigs; i++)
		if (!m->sigs[i].decided)
			add_sink(m, &m->sigs[i]);
	if (eoh_arc(m, deadline, now) < 0) {
		m->arc = ARC_FAIL;
		strlcpy(m->arc_reason, "out of memory", sizeof(m->arc_reason));
	}
	return 0;
}
static int
eoh_sign(struct dkim_msg *m)
{
	struct dkim_engine *e = m->e;
	if (e->kt == NULL || m->overflow)
		return 0;
	const struct dkim_hdr *from = NULL;
	int nfrom = 0;
	for (size_t i = 0; i < m->nhdrs; i++)
		if (hdr_is(&m->hdrs[i], "From")) {
			from = &m->hdrs[i];
			nfrom++;
		}
	/* The author as every From: use sees it (mailaddr.h): one From:, one domain. */
	struct mailaddr_list from_l = { 0 };
	enum mailaddr_status st = MAILADDR_EMPTY;
	const char *why;
	if (nfrom == 1)
		st = mailaddr_parse_from(from->raw + from->namelen + 1, &from_l);
	if (mailaddr_author_domain((size_t)nfrom, st, &from_l, &why) == NULL) {
		log_info("dkim: qid=%s: not signed: %s%s%s", m->qid, why,
		         st == MAILADDR_INVALID ? ": " : "", st == MAILADDR_INVALID ? from_l.why : "");
		return 0;
	}
	const char *addr = from_l.first;
	const struct dkim_signkey *keys[DKIM_SIGN_KEYS_MAX];
	size_t nk = dkim_keytable_match(e->kt, addr, keys, DKIM_SIGN_KEYS_MAX);
	if (nk == 0) {
		log_debug("dkim: qid=%s: no signing key for %s", m->qid, addr);
		return 0;
	}
	const char *fdom = strrchr(addr, '@') + 1;
	for (size_t k = 0; k < nk; k++) {
		const char *dom = strcmp(keys[k]->domain, "%") == 0 ? fdom : keys[k]->domain;
		strlcpy(m->sdomain[m->ns], dom, sizeof(m->sdomain[0]));
		m->sg[m->ns] = dkim_signer_new(keys[k]->pkey, m->sdomain[m->ns], keys[k]->selector,
		                               e->hc, e->bc);
		if (m->sg[m->ns] == NULL) {
			log_error("dkim: qid=%s: cannot sign with key %s: out of memory", m->qid, keys[k]->name);
			continue;
		}
		m->sk[m->ns++] = keys[k];
	}
	return 0;
}

int
dkim_msg_eoh(struct dkim_msg *m)
{
	if (m->eoh)
		return -1;
	m->eoh = 1;
	return m->mode == DKIM_MODE_VERIFY ? eoh_verify(m) : eoh_sign(m);
}

int
dkim_msg_body(struct dkim_msg *m, const unsigned char *p, size_t n)
{
	if (!m->eoh)
		return -1;
	if (m->mode == DKIM_MODE_VERIFY) {
		for (int c = 0; c < 2; c++)
			if (m->body[c])
				dkim_bodycanon_update(m->body[c], p, n);
		return 0;
	}
	for (size_t k = 0; k < m->ns; k++)
		dkim_signer_body(m->sg[k], p, n);
	return 0;
}

/* Verdict of one signature that passed the tag and key checks: body hash, then header signature. */
static void
judge(struct dkim_msg *m, struct vsig *vs)
{
	struct dkim_bodycanon *bc = m->body[vs->st.bcanon == DKIM_C_RELAXED ? DKIM_C_RELAXED : DKIM_C_SIMPLE];
	unsigned char bh[32];
	unsigned long long total = 0;
	if (bc == NULL || !vs->haskey || dkim_bodycanon_digest(bc, vs->sink, bh, &total) < 0) {
		decide(vs, DKIM_V_TEMPERROR, "body hash not available");
		return;
	}
	if (vs->st.l >= 0 && (unsigned long long)vs->st.l > total) {
		decide(vs, DKIM_V_PERMERROR, "l= is larger than the body");
		return;
	}
	if (vs->st.bhlen != sizeof(bh) || memcmp(bh, vs->st.bh, sizeof(bh)) != 0) {
		decide(vs, DKIM_V_FAIL, "body hash mismatch");
		return;
	}
	struct buf data;
	buf_init(&data, DKIM_HEADER_BYTES_MAX * 2);
	int rc = dkim_canon_headers(m->hdrs, m->nhdrs, vs->hidx, &vs->st, &data);
	if (rc == 0)
		rc = dkim_canon_verify(&vs->st, vs->ki.pkey, (const unsigned char *)data.data, data.len);
	buf_free(&data);
	if (rc == 1)
		decide(vs, DKIM_V_PASS, "%s", "");
	else if (rc == 0)
		decide(vs, DKIM_V_FAIL, "signature did not verify");
	else
		decide(vs, DKIM_V_TEMPERROR, "internal error verifying the signature");
}

/* pass > temperror > fail > policy > neutral > permerror > none */
static int
rank(enum dkim_verdict v)
{
	switch (v) {
	case DKIM_V_PASS: return 6;
	case DKIM_V_TEMPERROR: return 5;
	case DKIM_V_FAIL: return 4;
	case DKIM_V_POLICY: return 3;
	case DKIM_V_NEUTRAL: return 2;
	case DKIM_V_PERMERROR: return 1;
	default: return 0;
	}
}

static void
eom_verify(struct dkim_msg *m, struct dkim_report *out)
{
	out->summary = DKIM_V_NONE;
	for (size_t i = 0; i < m->nsigs; i++) {
		struct vsig *vs = &m->sigs[i];
		if (!vs->decided)
			judge(m, vs);
		if (vs->ki.testing && vs->verdict == DKIM_V_FAIL) {
			vs->verdict = DKIM_V_NEUTRAL;
			strlcat(vs->reason, " (key in testing mode t=y)", sizeof(vs->reason));
		}
		struct dkim_sig_report *r = &out->sig[out->nsigs++];
		r->verdict = vs->verdict;
		strlcpy(r->d, vs->st.d ? vs->st.d : "", sizeof(r->d));
		strlcpy(r->i, vs->st.i ? vs->st.i : "", sizeof(r->i));
		strlcpy(r->s, vs->st.s ? vs->st.s : "", sizeof(r->s));
		strlcpy(r->a, vs->st.a ? vs->st.a : "", sizeof(r->a));
		strlcpy(r->b, vs->st.b8, sizeof(r->b));
		strlcpy(r->reason, vs->reason, sizeof(r->reason));
		if (rank(vs->verdict) > rank(out->summary))
			out->summary = vs->verdict;
		if (vs->verdict == DKIM_V_PASS)
			log_debug("dkim: qid=%s: d=%s s=%s a=%s: pass", m->qid, r->d, r->s, r->a);
		else
			log_info("dkim: qid=%s: d=%s s=%s a=%s b=%s: %s: %s", m->qid,
			         *r->d ? r->d : "-", *r->s ? r->s : "-", *r->a ? r->a : "-",
			         *r->b ? r->b : "-", dkim_verdict_str(vs->verdict), vs->reason);
	}
}

/* ARC at end of message: the newest AMS, then every seal (RFC 8617 5.2 steps 4-6). */
static void
eom_arc(struct dkim_msg *m, struct dkim_report *out)
{
	if (m->arc == ARC_PASS) {
		struct vsig *ams = &m->arcvs[0];
		judge(m, ams);
		if (ams->verdict != DKIM_V_PASS) {
			m->arc = ARC_FAIL;
			snprintf(m->arc_reason, sizeof(m->arc_reason), "ARC-Message-Signature i=%zu: %.110s",
			         m->arcsets->n, ams->reason);
		}
	}
	for (size_t k = m->arcsets ? m->arcsets->n : 0; m->arc == ARC_PASS && k >= 1; k--) {
		struct vsig *vs = &m->arcvs[k];
		struct buf data;
		buf_init(&data, DKIM_HEADER_BYTES_MAX * 2);
		int rc = arc_seal_data(m->hdrs, m->nhdrs, m->arcsets, k, &vs->st, &data);
		if (rc == 0)
			rc = dkim_canon_verify(&vs->st, vs->ki.pkey, (const unsigned char *)data.data, data.len);
		buf_free(&data);
		if (rc != 1) {
			m->arc = ARC_FAIL;
			snprintf(m->arc_reason, sizeof(m->arc_reason), "ARC-Seal i=%zu d=%s: %s", k, vs->st.d,
			         rc == 0 ? "seal did not verify" : "internal error verifying the seal");
		}
	}
	out->arc = m->arc;
	out->arc_sets = m->arcsets ? (unsigned)m->arcsets->n : 0;
	if (m->arc == ARC_PASS && m->arcvs != NULL)
		strlcpy(out->arc_d, m->arcvs[m->arcsets->n].st.d, sizeof(out->arc_d));
	if (m->arc == ARC_FAIL) {
		strlcpy(out->arc_reason, m->arc_reason, sizeof(out->arc_reason));
		log_info("arc: qid=%s: fail: %s", m->qid, m->arc_reason);
	} else if (m->arc == ARC_PASS)
		log_debug("arc: qid=%s: pass, %u sets, sealer d=%s", m->qid, out->arc_sets, out->arc_d);
}

static void
eom_sign(struct dkim_msg *m, struct dkim_report *out)
{
	out->summary = DKIM_V_NONE;
	for (size_t k = 0; k < m->ns; k++) {
		char err[160];
		char *v = dkim_signer_finish(m->sg[k], m->hdrs, m->nhdrs, sign_headers, m->e->oversign,
		                             err, sizeof(err));
		if (v == NULL) {
			log_error("dkim: qid=%s: signing with key %s failed: %s", m->qid, m->sk[k]->name, err);
			continue;
		}
		out->add_value[out->nadd++] = v;
		log_info("dkim: qid=%s: signed d=%s s=%s a=%s", m->qid, m->sdomain[k], m->sk[k]->selector,
		         m->sk[k]->type == DKIM_KEY_ED25519 ? "ed25519-sha256" : "rsa-sha256");
	}
}

int
dkim_msg_eom(struct dkim_msg *m, struct dkim_report *out)
{
	memset(out, 0, sizeof(*out));
	if (!m->eoh)
		dkim_msg_eoh(m);
	if (m->mode == DKIM_MODE_VERIFY) {
		eom_verify(m, out);
		eom_arc(m, out);
	} else
		eom_sign(m, out);
	return 0;
}

void
dkim_msg_free(struct dkim_msg *m)
{
	if (m == NULL)
		return;
	for (int c = 0; c < 2; c++)
		if (m->body[c]) {
			dkim_bodycanon_free(m->body[c]);
			free(m->body[c]);
		}
	for (size_t k = 0; k < m->ns; k++) {
		dkim_signer_free(m->sg[k]);
	}
	for (size_t i = 0; i < m->nsigs; i++) {
		dkim_sigtags_free(&m->sigs[i].st);
		dkim_keyinfo_free(&m->sigs[i].ki);
	}
	free(m->sigs);
	for (size_t k = 0; m->arcvs != NULL && k <= m->arcsets->n; k++) {
		dkim_sigtags_free(&m->arcvs[k].st);
		dkim_keyinfo_free(&m->arcvs[k].ki);
	}
	free(m->arcvs);
	free(m->arcsets);
	for (size_t i = 0; i < m->nhdrs; i++)
		free(m->hdrs[i].raw);
	free(m->hdrs);
	free(m);
}

void
dkim_report_clear(struct dkim_report *r)
{
	for (size_t i = 0; i < r->nadd && i < 4; i++)
		free(r->add_value[i]);
	memset(r, 0, sizeof(*r));
}
