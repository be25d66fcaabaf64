/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_macro.h - SPF macro strings (RFC 7208 7): syntax check and expansion.
 */
#ifndef SPFDKIM_SPF_MACRO_H
#define SPFDKIM_SPF_MACRO_H

#include <stddef.h>

#include "spf_ip.h"

/* Cap: output of one expansion (before the 253-octet domain truncation). */
#define SPF_MACRO_MAX_OUT 4096

struct spf_macro_env {
	const char *sender;        /* %{s}: local-part@domain */
	const char *local;         /* %{l} */
	const char *sender_domain; /* %{o} */
	const char *domain;        /* %{d}: the current <domain> */
	const struct spf_ip *ip;   /* %{i} %{c} %{v} */
	const char *helo;          /* %{h} */
	const char *receiver;      /* %{r} (exp only) */
	long long now;             /* %{t} (exp only) */
	/* %{p}: writes the validated domain name, or "unknown"; may be NULL. */
	void (*validated_name)(void *arg, char *out, size_t outsz);
	void *arg;
};

/* Syntax check. exp: explain-string (spaces and c/r/t allowed). 0 or -1 with err. */
int spf_macro_check(const char *s, size_t len, int exp, char *err, size_t errlen);

/*
 * Expands s[0..len) into out. Returns 0; -1 on a syntax error (err says
 * which); -2 if the result does not fit outsz.
 */
int spf_macro_expand(const char *s, size_t len, const struct spf_macro_env *env, int exp,
                     char *out, size_t outsz, char *err, size_t errlen);

/*
 * RFC 7208 7.3: a name longer than 253 octets loses labels from the left
 * until it fits. A trailing dot is dropped first.
 */
void spf_domain_truncate(char *name);

#endif
