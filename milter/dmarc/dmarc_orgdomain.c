/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dmarc_orgdomain.c - organizational domains through libpsl (see
 * dmarc_orgdomain.h).
 */
#include <ctype.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_orgdomain.h"

struct dmarc_psl {
	psl_ctx_t *ctx;
	int builtin;    /* psl_builtin() contexts are static: never freed */
};

struct dmarc_psl *
dmarc_psl_load(const char *path, char *err, size_t errlen)
{
	struct dmarc_psl *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (path != NULL && path[0] != '\0') {
		if ((p->ctx = psl_load_file(path)) == NULL) {
			snprintf(err, errlen, "%s: cannot read a public suffix list from this file", path);
			free(p);
			return NULL;
		}
		if (psl_suffix_count(p->ctx) == 0) {
			snprintf(err, errlen, "%s: the public suffix list has no rules", path);
			psl_free(p->ctx);
			free(p);
			return NULL;
		}
		return p;
	}
	if ((p->ctx = psl_latest(NULL)) == NULL) {
		p->ctx = (psl_ctx_t *)psl_builtin();
		p->builtin = 1;
	}
	if (p->ctx == NULL) {
		snprintf(err, errlen, "no public suffix list: install the publicsuffix package");
		free(p);
		return NULL;
	}
	return p;
}

void
dmarc_psl_free(struct dmarc_psl *p)
{
	if (p == NULL)
		return;
	if (!p->builtin)
		psl_free(p->ctx);
	free(p);
}

int
dmarc_org_domain(const struct dmarc_psl *p, const char *name, char *out, size_t outlen)
{
	char low[256];
	size_t n = strlen(name);
	const char *reg;

	while (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= sizeof(low))
		return -1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[n] = '\0';
	reg = psl_registrable_domain(p->ctx, low);
	if (reg == NULL)
		reg = low;   /* a public suffix itself: its own organizational domain */
	if (strlen(reg) >= outlen)
		return -1;
	strlcpy(out, reg, outlen);
	return 0;
}
