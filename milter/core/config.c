/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.c - the key table, the parser and the defaults (see config.h).
 *
 * One table drives parsing, defaults and the dump: each key has a type and
 * an offset into struct config. Lines are `Key value` (value may be empty,
 * may be "quoted") or XMail's `"Key"<TAB>"value"`, told apart by a leading
 * double quote. Keys are case-insensitive; a repeated key overrides.
 *
 * OpenDKIM's names are accepted where the meaning is the same, so an
 * opendkim.conf keeps working: aliases (MinimumKeyBits, Canonicalization,
 * OversignHeaders), `Syslog yes` and `SyslogSuccess yes` (what this milter
 * does anyway). A key whose OpenDKIM meaning this milter cannot honour
 * (TrustAnchorFile: DNSSEC validation) is refused with the reason, never
 * silently ignored.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "dname.h"
#include "fileio.h"
#include "log.h"
#include "metrics.h"
#include "policy.h"
#include "sockspec.h"

/*
 * K_ALIAS: another name of the key named by def. K_SYSLOG: OpenDKIM's
 * "Syslog": yes means Log syslog. K_YES: an OpenDKIM key whose "yes" is
 * what this milter does anyway (def: why "no" is refused). K_REFUSED: an
 * OpenDKIM key this milter cannot honour (def: why). K_DOMAINS: domain
 * names, comma or space separated, at most CONFIG_DOMAINS_MAX.
 */
#define CONFIG_DOMAINS_MAX 64
enum ktype { K_STR, K_BOOL, K_UINT, K_UMASK, K_LOGLEVEL, K_IDENTITY, K_ACTION, K_REPLY, K_LOGTARGET, K_SOCKET,
	K_ALIAS, K_SYSLOG, K_YES, K_REFUSED, K_HTTPSOCK, K_AUTHSERV, K_DOMAINS };

struct key {
	const char *name;
	enum ktype type;
	size_t off;
	const char *def;         /* default as text; NULL: unset (K_ALIAS..K_REFUSED: see above) */
	unsigned min, max;       /* K_UINT bounds */
};

#define O(f) offsetof(struct config, f)
#define SPF_KEYS(Name, R) \
	{ "SPF" Name "Action", K_ACTION, O(spf_action[R]), "accept", 0, 0 }, \
	{ "SPF" Name "Reply", K_REPLY, O(spf_reply[R]), NULL, 0, 0 }
#define DMARC_KEYS(Name, OC) \
	{ "DMARC" Name "Action", K_ACTION, O(dmarc_action[OC]), "accept", 0, 0 }, \
	{ "DMARC" Name "Reply", K_REPLY, O(dmarc_reply[OC]), NULL, 0, 0 }
#define DKIM_KEYS(Name, V) \
	{ "DKIM" Name "Action", K_ACTION, O(dkim_action[V]), "accept", 0, 0 }, \
	{ "DKIM" Name "Reply", K_REPLY, O(dkim_reply[V]), NULL, 0, 0 }

static const struct key keys[] = {
	{ "Socket", K_SOCKET, O(socket), "inet:8894@127.0.0.1", 0, 0 },
	{ "MetricsSocket", K_HTTPSOCK, O(metrics_socket), NULL, 0, 0 },
	{ "PidFile", K_STR, O(pid_file), NULL, 0, 0 },
	{ "UserID", K_STR, O(user_id), NULL, 0, 0 },
	{ "Umask", K_UMASK, O(umask), "007", 0, 0 },
	{ "AuthservID", K_AUTHSERV, O(authserv_id), "", 0, 0 },
	{ "Log", K_LOGTARGET, O(log), "syslog", 0, 0 },
	{ "LogLevel", K_LOGLEVEL, O(log_level), "info", 0, 0 },
	{ "DecisionLog", K_STR, O(decision_log), NULL, 0, 0 },
	{ "TempDirectory", K_STR, O(temp_dir), "/var/tmp", 0, 0 },
	{ "ReceivedSPFHeader", K_BOOL, O(received_spf), "yes", 0, 0 },
	{ "Resolver", K_STR, O(resolver), "", 0, 0 },
	{ "DNSTimeout", K_UINT, O(dns_timeout), "5", 1, 300 },
	{ "DNSBudget", K_UINT, O(dns_budget), "20", 1, 600 },
	{ "MilterTimeout", K_UINT, O(milter_timeout), "600", 10, 86400 },
	{ "SPFIdentity", K_IDENTITY, O(identity), "mailfrom", 0, 0 },
	{ "SPFCheckHelo", K_BOOL, O(check_helo), "no", 0, 0 },
	{ "SkipAuthenticated", K_BOOL, O(skip_auth), "yes", 0, 0 },
	{ "Whitelist", K_STR, O(whitelist), NULL, 0, 0 },
	{ "CheckLoopback", K_BOOL, O(check_loopback), "no", 0, 0 },
	{ "CheckLAN", K_BOOL, O(check_lan), "no", 0, 0 },
	SPF_KEYS("Fail", SPF_RESULT_FAIL),
	SPF_KEYS("Softfail", SPF_RESULT_SOFTFAIL),
	SPF_KEYS("Neutral", SPF_RESULT_NEUTRAL),
	SPF_KEYS("None", SPF_RESULT_NONE),
	SPF_KEYS("Temperror", SPF_RESULT_TEMPERROR),
	SPF_KEYS("Permerror", SPF_RESULT_PERMERROR),
	{ "SPFBadFromAction", K_ACTION, O(bad_from_action), "reject", 0, 0 },
	{ "SPFBadFromReply", K_REPLY, O(bad_from_reply), NULL, 0, 0 },
	{ "DKIMVerify", K_BOOL, O(dkim_verify), "yes", 0, 0 },
	{ "DKIMSign", K_BOOL, O(dkim_sign), "yes", 0, 0 },
	{ "KeyTable", K_STR, O(key_table), NULL, 0, 0 },
	{ "SigningTable", K_STR, O(signing_table), NULL, 0, 0 },
	{ "InternalHosts", K_STR, O(internal_hosts), NULL, 0, 0 },
	{ "ExternalIgnoreList", K_STR, O(external_ignore), NULL, 0, 0 },
	{ "DKIMMinimumKeyBits", K_UINT, O(dkim_min_key_bits), "1024", 512, 16384 },
	{ "DKIMMaxSignatures", K_UINT, O(dkim_max_sigs), "16", 1, DKIM_REPORT_MAX },
	{ "DKIMCanonicalization", K_STR, O(dkim_canon), "relaxed/relaxed", 0, 0 },
	{ "DKIMOversignHeaders", K_STR, O(dkim_oversign), NULL, 0, 0 },
	DKIM_KEYS("Fail", DKIM_V_FAIL),
	DKIM_KEYS("Neutral", DKIM_V_NEUTRAL),
	DKIM_KEYS("Policy", DKIM_V_POLICY),
	DKIM_KEYS("None", DKIM_V_NONE),
	DKIM_KEYS("Temperror", DKIM_V_TEMPERROR),
	DKIM_KEYS("Permerror", DKIM_V_PERMERROR),
	{ "DMARCVerify", K_BOOL, O(dmarc_verify), "yes", 0, 0 },
	{ "DMARCPublicSuffixList", K_STR, O(dmarc_psl), NULL, 0, 0 },
	DMARC_KEYS("Reject", DMARC_O_FAIL_REJECT),
	DMARC_KEYS("Quarantine", DMARC_O_FAIL_QUARANTINE),
	DMARC_KEYS("None", DMARC_O_FAIL_NONE),
	DMARC_KEYS("Temperror", DMARC_O_TEMPERROR),
	DMARC_KEYS("Permerror", DMARC_O_PERMERROR),
	{ "ARCTrustedSealers", K_DOMAINS, O(arc_trusted), NULL, 0, 0 },
	{ "SpamFolder", K_STR, O(spam_folder), NULL, 0, 0 },
	{ "SpamRetentionDays", K_UINT, O(spam_retention_days), "30", 1, 36500 },
	{ "SpamLog", K_STR, O(spam_log), NULL, 0, 0 },
	/* OpenDKIM's names (see the top of this file). */
	{ "MinimumKeyBits", K_ALIAS, 0, "DKIMMinimumKeyBits", 0, 0 },
	{ "Canonicalization", K_ALIAS, 0, "DKIMCanonicalization", 0, 0 },
	{ "OversignHeaders", K_ALIAS, 0, "DKIMOversignHeaders", 0, 0 },
	{ "Syslog", K_SYSLOG, O(log), NULL, 0, 0 },
	{ "SyslogSuccess", K_YES, 0, "every decision is logged at LogLevel info; LogLevel warn leaves them out", 0, 0 },
	{ "TrustAnchorFile", K_REFUSED, 0, "DNSSEC validation is not supported, answers would not be validated; remove the line", 0, 0 },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int
bool_parse(const char *s, int *out)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "on"))
		*out = 1;
	else if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

static void *
field(struct config *c, const struct key *k)
{
	return (char *)c + k->off;
}

/* The default template of a reply key: it depends on the result (policy.c). */
static const char *
reply_default(const struct key *k)
{
	ptrdiff_t spf0 = (ptrdiff_t)O(spf_reply[0]), dk0 = (ptrdiff_t)O(dkim_reply[0]);
	ptrdiff_t dm0 = (ptrdiff_t)O(dmarc_reply[0]);
	ptrdiff_t off = (ptrdiff_t)k->off;

	if (k->off == O(bad_from_reply))
		return policy_default_bad_from_reply();
	if (off >= spf0 && off < spf0 + (ptrdiff_t)sizeof(((struct config *)0)->spf_reply))
		return policy_default_spf_reply((enum spf_result)((off - spf0) / (ptrdiff_t)sizeof(char *)));
	if (off >= dm0 && off < dm0 + (ptrdiff_t)sizeof(((struct config *)0)->dmarc_reply))
		return policy_default_dmarc_reply((enum dmarc_outcome)((off - dm0) / (ptrdiff_t)sizeof(char *)));
	return policy_default_dkim_reply((enum dkim_verdict)((off - dk0) / (ptrdiff_t)sizeof(char *)));
}

/*
 * RFC 8601 authserv-id = value (RFC 2045: token / quoted-string). It goes
 * verbatim into every Authentication-Results header we add, so anything
 * else would make that header malformed. "" means the host name.
 */
static int
authserv_check(const char *v)
{
	size_t n = strlen(v);

	if (v[0] == '"') {
		if (n < 3 || v[n - 1] != '"')
			return -1;
		for (size_t i = 1; i < n - 1; i++) {
			unsigned char ch = (unsigned char)v[i];
			if (ch == '\\' && i + 2 < n && (unsigned char)v[i + 1] >= 0x20 && v[i + 1] != 0x7f)
				i++;
			else if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\')
				return -1;
		}
		return 0;
	}
	for (const char *p = v; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= 0x20 || ch >= 0x7f || strchr("()<>@,;:\\\"/[]?=", ch) != NULL)
			return -1;
	}
	return 0;
}

/* Sets one key from text; -1 with a reason in err. */
static int
set_key(struct config *c, const struct key *k, const char *v, char *err, size_t errlen)
{
	void *f = field(c, k);

	switch (k->type) {
	case K_DOMAINS: {
		size_t nd = 0;
		for (const char *p = v + strspn(v, ", \t"); *p != '\0'; p += strspn(p, ", \t")) {
			size_t n = strcspn(p, ", \t");
			char d[DNAME_MAX_LEN + 2] = "";
			if (n < sizeof(d)) {
				memcpy(d, p, n);
				d[n] = '\0';
			}
			if (n >= sizeof(d) || !dname_valid(d, DNAME_LDH | DNAME_8BIT | DNAME_NOROOT)) {
				snprintf(err, errlen, "%s: \"%.*s\" is not a domain name", k->name, n > 80 ? 80 : (int)n, p);
				return -1;
			}
			if (++nd > CONFIG_DOMAINS_MAX) {
				snprintf(err, errlen, "%s: more than %d domains", k->name, CONFIG_DOMAINS_MAX);
				return -1;
			}
			p += n;
		}
		goto str;
	}
	case K_HTTPSOCK: {
		struct sockaddr_storage ss;
		socklen_t sl;
		char why[200];
		if (metrics_parse_socket(v, &ss, &sl, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: %s", k->name, why);
			return -1;
		}
		goto str;
	}
	case K_SOCKET:
		{
			struct sockspec ss;
			char why[300];
			if (sockspec_parse(v, &ss, why, sizeof(why)) < 0) {
				snprintf(err, errlen, "%s \"%.200s\": ", k->name, v);
				strlcat(err, why, errlen);
				return -1;
			}
		}
		/* FALLTHROUGH */
	case K_AUTHSERV:
		if (k->type == K_AUTHSERV && authserv_check(v) < 0) {
			snprintf(err, errlen, "%s: \"%.80s\" is not a token or a complete \"quoted string\" "
			    "(RFC 8601 authserv-id)", k->name, v);
			return -1;
		}
		/* FALLTHROUGH */
	case K_STR:
	case K_LOGTARGET:
	case K_REPLY: str: {
		char *s, full[POLICY_REPLY_MAX];
		if (k->type == K_REPLY && policy_reply_check(v, err, errlen) < 0) {
			char why[256];
			strlcpy(why, err, sizeof(why));
			snprintf(err, errlen, "%s: %s", k->name, why);
			return -1;
		}
		/* Stored with the enhanced code the client will see (policy.c). */
		if (k->type == K_REPLY) {
			if (policy_reply_complete(v, reply_default(k), full, sizeof(full)) < 0) {
				snprintf(err, errlen, "%s: reply too long (cap %d bytes)", k->name, POLICY_REPLY_MAX / 2);
				return -1;
			}
			v = full;
		}
		if (k->type == K_LOGTARGET && strcmp(v, "syslog") != 0 && strcmp(v, "stderr") != 0 && v[0] != '/') {
			snprintf(err, errlen, "%s: \"%.80s\" must be syslog, stderr or an absolute path", k->name, v);
			return -1;
		}
		if ((s = strdup(v)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(*(char **)f);
		*(char **)f = s;
		return 0;
	}
	case K_BOOL:
		if (bool_parse(v, (int *)f) < 0) {
			snprintf(err, errlen, "%s: \"%.80s\" is not yes/no/true/false/1/0", k->name, v);
			return -1;
		}
		return 0;
	case K_UINT: {
		char *end;
		unsigned long n;
		errno = 0;
		n = strtoul(v, &end, 10);
		if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0 || n < k->min || n > k->max) {
			snprintf(err, errlen, "%s: \"%.80s\" is not a number from %u to %u", k->name, v, k->min, k->max);
			return -1;
		}
		*(unsigned *)f = (unsigned)n;
		return 0;
	}
	case K_UMASK: {
		char *end;
		unsigned long n;
		n = strtoul(v, &end, 8);
		if (!isdigit((unsigned char)v[0]) || *end != '\0' || n > 0777) {
			snprintf(err, errlen, "%s: \"%.80s\" is not an octal mode like 007", k->name, v);
			return -1;
		}
		*(mode_t *)f = (mode_t)n;
		return 0;
	}
	case K_LOGLEVEL:
		if (log_level_parse(v, (enum log_level *)f) < 0) {
			snprintf(err, errlen, "%s: \"%.80s\" is not debug, info, warn or error", k->name, v);
			return -1;
		}
		return 0;
	case K_IDENTITY:
		if (strcasecmp(v, "mailfrom") == 0)
			*(enum spf_identity *)f = ID_MAILFROM;
		else if (strcasecmp(v, "header-from") == 0)
			*(enum spf_identity *)f = ID_HEADER_FROM;
		else {
			snprintf(err, errlen, "%s: \"%.80s\" is not mailfrom or header-from", k->name, v);
			return -1;
		}
		return 0;
	case K_ACTION:
		if (action_parse(v, (enum action *)f) < 0) {
			snprintf(err, errlen, "%s: \"%.80s\" is not accept, reject, save-reject or quarantine", k->name, v);
			return -1;
		}
		return 0;
	case K_SYSLOG: {
		int yes;
		char *s;
		if (bool_parse(v, &yes) < 0 || !yes) {
			snprintf(err, errlen, "%s: \"%.80s\": only yes (log to syslog) is supported; "
			    "to log elsewhere use Log stderr or Log FILE", k->name, v);
			return -1;
		}
		if ((s = strdup("syslog")) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(*(char **)f);
		*(char **)f = s;
		return 0;
	}
	case K_YES: {
		int yes;
		if (bool_parse(v, &yes) < 0 || !yes) {
			snprintf(err, errlen, "%s: \"%.80s\": only yes is supported (%s)", k->name, v, k->def);
			return -1;
		}
		return 0;
	}
	case K_REFUSED:
		snprintf(err, errlen, "%s: %s", k->name, k->def);
		return -1;
	case K_ALIAS:
		snprintf(err, errlen, "%s: alias of an unknown key %s", k->name, k->def);
		return -1;
	}
	return -1;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type == K_STR || keys[i].type == K_REPLY || keys[i].type == K_LOGTARGET ||
		    keys[i].type == K_SOCKET || keys[i].type == K_HTTPSOCK ||
		    keys[i].type == K_AUTHSERV || keys[i].type == K_DOMAINS)
			free(*(char **)field(c, &keys[i]));
	/* The pass replies have no key (see config_new_default). */
	free(c->spf_reply[SPF_RESULT_PASS]);
	free(c->dkim_reply[DKIM_V_PASS]);
	free(c->dmarc_reply[DMARC_O_PASS]);
	free(c->dmarc_reply[DMARC_O_NORECORD]);
	free(c->source);
	free(c);
}

struct config *
config_new_default(void)
{
	struct config *c = calloc(1, sizeof(*c));
	char err[256];

	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < NKEYS; i++) {
		const char *d = keys[i].def;
		if (keys[i].type == K_ALIAS || keys[i].type == K_YES || keys[i].type == K_REFUSED)
			continue;
		if (keys[i].type == K_REPLY)
			d = reply_default(&keys[i]);
		if (d != NULL && set_key(c, &keys[i], d, err, sizeof(err)) < 0) {
			config_free(c);
			return NULL;
		}
	}
	/* The pass results have no key; give them a valid template anyway. */
	c->spf_reply[SPF_RESULT_PASS] = strdup(policy_default_spf_reply(SPF_RESULT_PASS));
	c->dkim_reply[DKIM_V_PASS] = strdup(policy_default_dkim_reply(DKIM_V_PASS));
	c->dmarc_reply[DMARC_O_PASS] = strdup(policy_default_dmarc_reply(DMARC_O_PASS));
	c->dmarc_reply[DMARC_O_NORECORD] = strdup(policy_default_dmarc_reply(DMARC_O_NORECORD));
	c->source = strdup("(default)");
	if (c->spf_reply[SPF_RESULT_PASS] == NULL || c->dkim_reply[DKIM_V_PASS] == NULL ||
	    c->dmarc_reply[DMARC_O_PASS] == NULL || c->dmarc_reply[DMARC_O_NORECORD] == NULL || c->source == NULL) {
		free(c->spf_reply[SPF_RESULT_PASS]);
		free(c->dkim_reply[DKIM_V_PASS]);
		free(c->dmarc_reply[DMARC_O_PASS]);
		free(c->dmarc_reply[DMARC_O_NORECORD]);
		c->spf_reply[SPF_RESULT_PASS] = c->dkim_reply[DKIM_V_PASS] = NULL;
		c->dmarc_reply[DMARC_O_PASS] = c->dmarc_reply[DMARC_O_NORECORD] = NULL;
		config_free(c);
		return NULL;
	}
	return c;
}

/* Reads one XMail "quoted" token: \" and \\ escapes. Returns the end, or NULL. */
static const char *
xmail_token(const char *p, char *out, size_t outlen)
{
	size_t n = 0;

	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if (*p == '\0')
			return NULL;
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		if (n + 1 < outlen)
			out[n++] = *p;
		p++;
	}
	out[n] = '\0';
	return p + 1;
}

/* Splits one line into key and value; 0 blank/comment, 1 ok, -1 error. */
static int
split_line(char *line, char *key, size_t keylen, char *val, size_t vallen, char *err, size_t errlen)
{
	char *p = line, *e;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	if (*p == '"') {
		/* XMail tab format: "Key"<TAB>"value" */
		const char *q = xmail_token(p, key, keylen);
		if (q == NULL) {
			snprintf(err, errlen, "unterminated quoted key");
			return -1;
		}
		while (*q == '\t' || *q == ' ')
			q++;
		if (*q == '\0') {
			val[0] = '\0';
			return 1;
		}
		q = xmail_token(q, val, vallen);
		if (q == NULL) {
			snprintf(err, errlen, "value of \"%s\" must be a \"quoted\" string in XMail tab format", key);
			return -1;
		}
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '\0') {
			snprintf(err, errlen, "text after the quoted value of \"%s\"", key);
			return -1;
		}
		return 1;
	}
	n = strcspn(p, " \t");
	if (n >= keylen) {
		snprintf(err, errlen, "key too long");
		return -1;
	}
	memcpy(key, p, n);
	key[n] = '\0';
	p += n;
	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	if (e - p >= 2 && *p == '"' && e[-1] == '"') {
		p++;
		*--e = '\0';
	} else {
		/* '#' starts a comment only at the start of a line; a "# ..." after
		 * a value would silently become part of it. */
		for (const char *h = p; (h = strchr(h, '#')) != NULL; h++)
			if (h > p && (h[-1] == ' ' || h[-1] == '\t')) {
				snprintf(err, errlen, "value of %s has a trailing \"#\" comment "
				    "(comments go on their own line; quote the value if \"#\" belongs to it)", key);
				return -1;
			}
	}
	if ((size_t)(e - p) >= vallen) {
		snprintf(err, errlen, "value of %s too long", key);
		return -1;
	}
	memcpy(val, p, (size_t)(e - p) + 1);
	return 1;
}

struct config *
config_parse(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	struct config *c = config_new_default();
	char line[CONFIG_LINE_MAX + 1], key[128], val[CONFIG_LINE_MAX + 1], why[384];
	size_t pos = 0;
	unsigned lineno = 0;

	if (c == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	free(c->source);
	if ((c->source = strdup(name)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		config_free(c);
		return NULL;
	}
	if (len > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: file too large (cap %d bytes)", name, CONFIG_FILE_MAX);
		config_free(c);
		return NULL;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const struct key *k = NULL;
		int rc;

		lineno++;
		if (n > CONFIG_LINE_MAX) {
			snprintf(err, errlen, "%s:%u: line too long (cap %d bytes)", name, lineno, CONFIG_LINE_MAX);
			goto bad;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (strlen(line) != n) {
			snprintf(err, errlen, "%s:%u: NUL byte in line", name, lineno);
			goto bad;
		}
		rc = split_line(line, key, sizeof(key), val, sizeof(val), why, sizeof(why));
		if (rc == 0)
			continue;
		if (rc < 0) {
			snprintf(err, errlen, "%s:%u: %s", name, lineno, why);
			goto bad;
		}
		for (size_t i = 0; i < NKEYS; i++)
			if (strcasecmp(keys[i].name, key) == 0) {
				k = &keys[i];
				break;
			}
		if (k != NULL && k->type == K_ALIAS)
			for (size_t i = 0; i < NKEYS; i++)
				if (strcmp(keys[i].name, k->def) == 0) {
					k = &keys[i];
					break;
				}
		if (k == NULL) {
			snprintf(err, errlen, "%s:%u: unknown key \"%.80s\"", name, lineno, key);
			goto bad;
		}
		/* Optional keys may be cleared with an empty value; the rest need one. */
		if (val[0] == '\0' && k->def != NULL && k->type != K_STR) {
			snprintf(err, errlen, "%s:%u: %s needs a value", name, lineno, k->name);
			goto bad;
		}
		if (val[0] == '\0' && k->def == NULL && (k->type == K_STR || k->type == K_HTTPSOCK || k->type == K_DOMAINS)) {
			free(*(char **)field(c, k));
			*(char **)field(c, k) = NULL;
			continue;
		}
		if (set_key(c, k, val, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%u: %s", name, lineno, why);
			goto bad;
		}
	}
	return c;
bad:
	config_free(c);
	return NULL;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	struct config *c;

	if (fileio_read_file(path, CONFIG_FILE_MAX, &text, &len, err, errlen) < 0)
		return NULL;
	c = config_parse(path, text, len, err, errlen);
	free(text);
	return c;
}

int
config_spf_any_save(const struct config *c)
{
	for (int i = 0; i < SPF_RESULT_COUNT; i++)
		if (c->spf_action[i] == ACT_SAVE_REJECT || c->spf_action[i] == ACT_QUARANTINE)
			return 1;
	return c->identity == ID_HEADER_FROM &&
	    (c->bad_from_action == ACT_SAVE_REJECT || c->bad_from_action == ACT_QUARANTINE);
}

int
config_dkim_any_save(const struct config *c)
{
	for (int i = 0; i < DKIM_V_COUNT; i++)
		if (c->dkim_action[i] == ACT_SAVE_REJECT || c->dkim_action[i] == ACT_QUARANTINE)
			return 1;
	return 0;
}

int
config_dmarc_any_save(const struct config *c)
{
	for (int i = 0; i < DMARC_O_COUNT; i++)
		if (c->dmarc_action[i] == ACT_SAVE_REJECT || c->dmarc_action[i] == ACT_QUARANTINE)
			return 1;
	return 0;
}

int
config_arc_trusted(const struct config *c, const char *domain)
{
	size_t dl = strlen(domain);
	const char *p = c->arc_trusted;
	if (p == NULL || dl == 0)
		return 0;
	while (*p) {
		p += strspn(p, ", \t");
		size_t n = strcspn(p, ", \t");
		if (n == dl && strncasecmp(p, domain, n) == 0)
			return 1;
		p += n;
	}
	return 0;
}

int
config_any_save(const struct config *c)
{
	return config_spf_any_save(c) || config_dkim_any_save(c) || config_dmarc_any_save(c);
}

int
config_spf_any_reject(const struct config *c)
{
	for (int i = 0; i < SPF_RESULT_COUNT; i++)
		if (c->spf_action[i] == ACT_REJECT)
			return 1;
	return 0;
}

/* Used by spfdkim-web to list every key with its value (web_settings.c). */
void
config_dump(const struct config *c, void (*emit)(const char *line, void *arg), void *arg)
{
	char line[CONFIG_LINE_MAX + 160];

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		const void *f = (const char *)c + k->off;
		const char *v = NULL;
		char num[32];

		switch (k->type) {
		case K_STR: case K_REPLY: case K_LOGTARGET: case K_SOCKET: case K_HTTPSOCK: case K_AUTHSERV:
		case K_DOMAINS:
			v = *(char *const *)f;
			break;
		case K_BOOL: v = *(const int *)f ? "yes" : "no"; break;
		case K_UINT: snprintf(num, sizeof(num), "%u", *(const unsigned *)f); v = num; break;
		case K_UMASK: snprintf(num, sizeof(num), "%03o", (unsigned)*(const mode_t *)f); v = num; break;
		case K_LOGLEVEL: {
			static const char *const ln[] = { "debug", "info", "warn", "error", "fatal" };
			v = ln[*(const enum log_level *)f];
			break;
		}
		case K_IDENTITY: v = *(const enum spf_identity *)f == ID_HEADER_FROM ? "header-from" : "mailfrom"; break;
		case K_ACTION: v = action_str(*(const enum action *)f); break;
		case K_ALIAS: case K_SYSLOG: case K_YES: case K_REFUSED:
			continue;   /* OpenDKIM's names of other keys, not settings of their own */
		}
		if (v == NULL)
			snprintf(line, sizeof(line), "# %s (unset)", k->name);
		else
			snprintf(line, sizeof(line), "%s %s", k->name, v);
		emit(line, arg);
	}
}
