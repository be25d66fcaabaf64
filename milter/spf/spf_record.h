/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_record.h - one SPF record, parsed and fully syntax-checked
 * (RFC 7208 4.5, 4.6, 5, 6, 12).
 */
#ifndef SPFDKIM_SPF_RECORD_H
#define SPFDKIM_SPF_RECORD_H

#include <stddef.h>

/* Caps (a record over either is a permerror). */
#define SPF_MAX_RECORD 10240   /* octets of one record */
#define SPF_MAX_TERMS  512     /* directives + modifiers of one record */

enum spf_mech {
	SPF_M_ALL, SPF_M_INCLUDE, SPF_M_A, SPF_M_MX, SPF_M_PTR, SPF_M_IP4, SPF_M_IP6, SPF_M_EXISTS
};

struct spf_term {
	char qualifier;          /* '+', '-', '~', '?' */
	enum spf_mech mech;
	const char *text;        /* the term as written (NUL-terminated) */
	const char *spec;        /* domain-spec, or NULL when absent */
	size_t spec_len;
	int cidr4, cidr6;        /* prefix lengths; -1 when not given */
	unsigned char addr[16];  /* ip4 / ip6 network */
};

struct spf_record {
	char *buf;               /* owned copy; the pointers above point into it */
	struct spf_term *terms;  /* directives, in order */
	size_t nterms;
	const char *redirect;    /* domain-spec or NULL */
	size_t redirect_len;
	const char *exp;         /* domain-spec or NULL */
	size_t exp_len;
	int has_all;
};

/* Is this TXT text an SPF record ("v=spf1" then SP or end, any case)? */
int spf_record_is_spf(const char *txt, size_t len);

/*
 * Parses txt[0..len) (which starts with "v=spf1"). Returns 0, or -1 with
 * a reason naming the offending term in err (a permerror). On success the
 * caller frees with spf_record_free().
 */
int spf_record_parse(const char *txt, size_t len, struct spf_record *out, char *err, size_t errlen);
void spf_record_free(struct spf_record *r);

/* "all", "include", ... */
const char *spf_mech_name(enum spf_mech m);

#endif
