/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_keytable.c - load OpenDKIM KeyTable/SigningTable files, pick the
 * signing keys for a From: address. See dkim_keytable.h for the formats.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim_keytable.h"
#include "fileio.h"
#include "log.h"

#define LINE_MAX_BYTES 4096
#define KEYFILE_MAX (16 * 1024)

struct sign_rule {
	char *pattern;
	size_t nkeys;
	size_t key[DKIM_SIGN_KEYS_MAX];  /* indexes into keys[] */
};

struct dkim_keytable {
	struct dkim_signkey *keys;
	size_t nkeys;
	struct sign_rule *rules;
	size_t nrules;
	int refile;
};

int
dkim_glob_match(const char *pat, const char *s)
{
	/* iterative '*' glob with one backtrack point: linear enough, no recursion */
	const char *star = NULL, *ss = NULL;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			ss = s;
		} else if (tolower((unsigned char)*pat) == tolower((unsigned char)*s)) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++ss;
		} else
			return 0;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static const char *
strip_scheme(const char *path, int *refile)
{
	*refile = 0;
	if (strncmp(path, "refile:", 7) == 0) {
		*refile = 1;
		return path + 7;
	}
	if (strncmp(path, "file:", 5) == 0)
		return path + 5;
	return path;
}

/* Splits a line into at most 2 fields: first token, rest (trimmed). Returns fields found. */
static int
split2(char *line, char **a, char **b)
{
	char *p = line;
	while (*p && isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	*a = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		*b = p;
		return 1;
	}
	*p++ = '\0';
	while (*p && isspace((unsigned char)*p))
		p++;
	*b = p;
	char *e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		*--e = '\0';
	/* a trailing comment */
	char *h = strstr(p, " #");
	if (h)
		*h = '\0';
	return *p ? 2 : 1;
}

static int
load_key(struct dkim_signkey *k, const char *where, char *err, size_t errlen)
{
	/* One allocation (KEYFILE_MAX is below fileio's first block): no copy of
	 * the key text is left behind in freed memory. */
	char *buf, why[600];
	size_t n;
	if (fileio_read_file(k->path, KEYFILE_MAX, &buf, &n, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: key file %s", where, why);
		return -1;
	}
	struct stat st;
	if (stat(k->path, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("dkim: key file %s is readable by group or others (mode %03o); use 0600",
		         k->path, (unsigned)(st.st_mode & 0777));
	BIO *bio = BIO_new_mem_buf(buf, (int)n);
	EVP_PKEY *pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	OPENSSL_cleanse(buf, n);    /* the key text is not kept */
	free(buf);
	if (pk == NULL) {
		snprintf(err, errlen, "%s: key file %s is not a PEM private key", where, k->path);
		return -1;
	}
	int id = EVP_PKEY_get_base_id(pk);
	k->bits = (unsigned)EVP_PKEY_get_bits(pk);
	if (id == EVP_PKEY_RSA) {
		k->type = DKIM_KEY_RSA;
		if (k->bits < 1024) {
			EVP_PKEY_free(pk);
			snprintf(err, errlen, "%s: key file %s: RSA key of %u bits is too small to sign with",
			         where, k->path, k->bits);
			return -1;
		}
		if (k->bits < 2048)
			log_warn("dkim: %s: key %s has only %u bits; use 2048 or more", where, k->path, k->bits);
	} else if (id == EVP_PKEY_ED25519) {
		k->type = DKIM_KEY_ED25519;
	} else {
		EVP_PKEY_free(pk);
		snprintf(err, errlen, "%s: key file %s: neither RSA nor Ed25519", where, k->path);
		return -1;
	}
	k->pkey = pk;   /* parsed once; every signature uses it (dkim_sign.c) */
	return 0;
}

static int
load_keytable(struct dkim_keytable *kt, const char *file, char *err, size_t errlen)
{
	int refile;
	const char *path = strip_scheme(file, &refile);
	FILE *fp = fopen(path, "r");
	if (fp == NULL) {
		syserr_fmt(err, errlen, "KeyTable %s", path);
		return -1;
	}
	char line[LINE_MAX_BYTES], where[600];
	unsigned lineno = 0;
	int rc = -1;
	while (fgets(line, sizeof(line), fp)) {
		lineno++;
		snprintf(where, sizeof(where), "KeyTable %s line %u", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errlen, "%s: line longer than %d bytes", where, LINE_MAX_BYTES);
			goto out;
		}
		char *name, *val;
		int nf = split2(line, &name, &val);
		if (nf == 0)
			continue;
		if (nf < 2) {
			snprintf(err, errlen, "%s: \"%s\" has no DOMAIN:SELECTOR:KEYFILE", where, name);
			goto out;
		}
		if (kt->nkeys >= DKIM_KEYTABLE_MAX) {
			snprintf(err, errlen, "%s: more than %d keys", where, DKIM_KEYTABLE_MAX);
			goto out;
		}
		char *c1 = strchr(val, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL) {
			snprintf(err, errlen, "%s: \"%s\" is not DOMAIN:SELECTOR:KEYFILE", where, val);
			goto out;
		}
		*c1 = *c2 = '\0';
		struct dkim_signkey *nk = reallocarray(kt->keys, kt->nkeys + 1, sizeof(*nk));
		if (nk == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		kt->keys = nk;
		struct dkim_signkey *k = &kt->keys[kt->nkeys];
		memset(k, 0, sizeof(*k));
		if (strlcpy(k->name, name, sizeof(k->name)) >= sizeof(k->name) ||
		    strlcpy(k->domain, val, sizeof(k->domain)) >= sizeof(k->domain) ||
		    strlcpy(k->selector, c1 + 1, sizeof(k->selector)) >= sizeof(k->selector) ||
		    strlcpy(k->path, c2 + 1, sizeof(k->path)) >= sizeof(k->path) ||
		    !*k->domain || !*k->selector || !*k->path) {
			snprintf(err, errlen, "%s: empty or too long field in \"%s\"", where, name);
			goto out;
		}
		if (load_key(k, where, err, errlen) < 0)
			goto out;
		kt->nkeys++;
	}
	rc = 0;
out:
	fclose(fp);
	return rc;
}

static int
load_signingtable(struct dkim_keytable *kt, const char *file, char *err, size_t errlen)
{
	const char *path = strip_scheme(file, &kt->refile);
	FILE *fp = fopen(path, "r");
	if (fp == NULL) {
		syserr_fmt(err, errlen, "SigningTable %s", path);
		return -1;
	}
	char line[LINE_MAX_BYTES];
	unsigned lineno = 0;
	int rc = -1;
	while (fgets(line, sizeof(line), fp)) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errlen, "SigningTable %s line %u: longer than %d bytes", path, lineno,
			         LINE_MAX_BYTES);
			goto out;
		}
		char *pat, *names;
		int nf = split2(line, &pat, &names);
		if (nf == 0)
			continue;
		if (nf < 2) {
			snprintf(err, errlen, "SigningTable %s line %u: \"%s\" names no key", path, lineno, pat);
			goto out;
		}
		if (kt->nrules >= DKIM_KEYTABLE_MAX) {
			snprintf(err, errlen, "SigningTable %s line %u: more than %d lines", path, lineno,
			         DKIM_KEYTABLE_MAX);
			goto out;
		}
		struct sign_rule *nr = reallocarray(kt->rules, kt->nrules + 1, sizeof(*nr));
		if (nr == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		kt->rules = nr;
		struct sign_rule *r = &kt->rules[kt->nrules];
		memset(r, 0, sizeof(*r));
		char *save = NULL;
		for (char *tok = strtok_r(names, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
			size_t j;
			for (j = 0; j < kt->nkeys; j++)
				if (strcmp(kt->keys[j].name, tok) == 0)
					break;
			if (j == kt->nkeys) {
				snprintf(err, errlen, "SigningTable %s line %u: key \"%s\" is not in the KeyTable",
				         path, lineno, tok);
				goto out;
			}
			if (r->nkeys >= DKIM_SIGN_KEYS_MAX) {
				snprintf(err, errlen, "SigningTable %s line %u: more than %d keys", path, lineno,
				         DKIM_SIGN_KEYS_MAX);
				goto out;
			}
			r->key[r->nkeys++] = j;
		}
		if ((r->pattern = strdup(pat)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		kt->nrules++;
	}
	rc = 0;
out:
	fclose(fp);
	return rc;
}

void
dkim_keytable_free(struct dkim_keytable *kt)
{
	if (kt == NULL)
		return;
	for (size_t i = 0; i < kt->nkeys; i++) {
		EVP_PKEY_free(kt->keys[i].pkey);
	}
	for (size_t i = 0; i < kt->nrules; i++)
		free(kt->rules[i].pattern);
	free(kt->keys);
	free(kt->rules);
	free(kt);
}

struct dkim_keytable *
dkim_keytable_load(const char *key_table, const char *signing_table, char *err, size_t errlen)
{
	struct dkim_keytable *kt = calloc(1, sizeof(*kt));
	if (kt == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((key_table && *key_table && load_keytable(kt, key_table, err, errlen) < 0) ||
	    (signing_table && *signing_table && load_signingtable(kt, signing_table, err, errlen) < 0)) {
		dkim_keytable_free(kt);
		return NULL;
	}
	if (signing_table && *signing_table && (key_table == NULL || *key_table == '\0')) {
		snprintf(err, errlen, "SigningTable %s given without a KeyTable", signing_table);
		dkim_keytable_free(kt);
		return NULL;
	}
	return kt;
}

static size_t
add_rule_keys(const struct dkim_keytable *kt, const struct sign_rule *r,
              const struct dkim_signkey **out, size_t n, size_t max)
{
	for (size_t j = 0; j < r->nkeys && n < max; j++) {
		const struct dkim_signkey *k = &kt->keys[r->key[j]];
		int dup = 0;
		for (size_t q = 0; q < n; q++)
			dup |= out[q] == k;
		if (!dup)
			out[n++] = k;
	}
	return n;
}

size_t
dkim_keytable_match(const struct dkim_keytable *kt, const char *addr,
                    const struct dkim_signkey **out, size_t max)
{
	size_t n = 0;
	if (kt == NULL || addr == NULL)
		return 0;
	const char *at = strrchr(addr, '@');
	const char *dom = at ? at + 1 : addr;
	if (kt->refile) {
		for (size_t i = 0; i < kt->nrules && n < max; i++)
			if (dkim_glob_match(kt->rules[i].pattern, addr))
				n = add_rule_keys(kt, &kt->rules[i], out, n, max);
		return n;
	}
	/* OpenDKIM order: full address, the domain, then ".parent" for each parent */
	for (size_t i = 0; i < kt->nrules && n < max; i++)
		if (strcasecmp(kt->rules[i].pattern, addr) == 0)
			n = add_rule_keys(kt, &kt->rules[i], out, n, max);
	if (n)
		return n;
	for (size_t i = 0; i < kt->nrules && n < max; i++)
		if (strcasecmp(kt->rules[i].pattern, dom) == 0)
			n = add_rule_keys(kt, &kt->rules[i], out, n, max);
	for (const char *p = dom; n == 0 && p != NULL && *p; p = strchr(p + 1, '.')) {
		for (size_t i = 0; i < kt->nrules && n < max; i++)
			if (kt->rules[i].pattern[0] == '.' && strcasecmp(kt->rules[i].pattern, p) == 0)
				n = add_rule_keys(kt, &kt->rules[i], out, n, max);
	}
	return n;
}
