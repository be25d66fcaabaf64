/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_result.c - DKIM verdict names (RFC 8601 2.7.1), as the A-R header,
 * the decision log and the config keys spell them.
 */
#include <strings.h>

#include "dkim.h"

static const char *const names[DKIM_V_COUNT] = {
	"none", "pass", "fail", "neutral", "policy", "temperror", "permerror"
};

const char *
dkim_verdict_str(enum dkim_verdict v)
{
	return (unsigned)v < DKIM_V_COUNT ? names[v] : "none";
}

int
dkim_verdict_parse(const char *s, enum dkim_verdict *out)
{
	for (int i = 0; i < DKIM_V_COUNT; i++)
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum dkim_verdict)i;
			return 0;
		}
	return -1;
}
