/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_arc.c - ARC (RFC 8617) set structure and seal data (see
 * dkim_arc.h). Tags are parsed with dkim_tags.c and headers canonicalized
 * with dkim_canon.c, as for DKIM; dkim.c fetches the keys and checks the
 * signatures.
 *
 * Accepts any header list: fields are matched by name (case-insensitive,
 * white space before the colon ignored); an instance that is not a number
 * from 1 to DKIM_ARC_INSTANCES_MAX, a field whose tags do not parse, a
 * duplicate or a missing field makes the chain fail, never skips it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dkim_arc.h"

static const char *const kind_names[3] = {
	"ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal"
};

const char *
arc_verdict_str(enum arc_verdict v)
{
	switch (v) {
	case ARC_PASS: return "pass";
	case ARC_FAIL: return "fail";
	default: return "none";
	}
}

int
arc_header_kind(const struct dkim_hdr *h)
{
	size_t hn = h->namelen;
	while (hn && (h->raw[hn - 1] == ' ' || h->raw[hn - 1] == '\t'))
		hn--;
	for (int k = 0; k < 3; k++)
		if (strlen(kind_names[k]) == hn && strncasecmp(h->raw, kind_names[k], hn) == 0)
			return k;
	return -1;
}

static int
is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 1..DKIM_ARC_INSTANCES_MAX from a digit string of [p, e), or -1. */
static int
instance(const char *p, const char *e)
{
	int v = 0;
	if (p == e || e - p > 3)
		return -1;
	for (; p < e; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v >= 1 && v <= DKIM_ARC_INSTANCES_MAX ? v : -1;
}

/* AAR (RFC 8617 4.1.1): "i=N;" first, then an A-R value. */
static int
aar_instance(const char *v, size_t len)
{
	const char *e = v + len;
	while (v < e && is_fws((unsigned char)*v))
		v++;
	if (v >= e || (*v != 'i' && *v != 'I'))
		return -1;
	v++;
	while (v < e && is_fws((unsigned char)*v))
		v++;
	if (v >= e || *v != '=')
		return -1;
	v++;
	while (v < e && is_fws((unsigned char)*v))
		v++;
	const char *d = v;
	while (v < e && isdigit((unsigned char)*v))
		v++;
	int inst = instance(d, v);
	while (v < e && is_fws((unsigned char)*v))
		v++;
	return v < e && *v == ';' ? inst : -1;
}

/* AMS and AS: the i= tag; for an AS also its cv= (0 none, 1 pass, 2 fail, -1 other). */
static int
tag_instance(const char *v, size_t len, int *cv)
{
	struct dkim_taglist tl;
	char err[160];
	if (dkim_taglist_parse(v, len, 0, &tl, err, sizeof(err)) < 0)
		return -1;
	const char *i = dkim_taglist_get(&tl, "i");
	int inst = i ? instance(i, i + strlen(i)) : -1;
	if (cv != NULL) {
		const char *c = dkim_taglist_get(&tl, "cv");
		*cv = c == NULL ? -1 : strcmp(c, "none") == 0 ? 0 : strcmp(c, "pass") == 0 ? 1 :
		      strcmp(c, "fail") == 0 ? 2 : -1;
	}
	dkim_taglist_free(&tl);
	return inst;
}

enum arc_verdict
arc_collect(const struct dkim_hdr *hdrs, size_t n, struct arc_sets *out, char *why, size_t whylen)
{
	int cv[DKIM_ARC_INSTANCES_MAX];
	int any = 0;
	size_t top = 0;

	memset(out, 0, sizeof(*out));
	for (size_t s = 0; s < DKIM_ARC_INSTANCES_MAX; s++)
		for (int k = 0; k < 3; k++)
			out->hidx[s][k] = (size_t)-1;
	for (size_t h = 0; h < n; h++) {
		int k = arc_header_kind(&hdrs[h]);
		if (k < 0)
			continue;
		any = 1;
		const char *v = hdrs[h].raw + hdrs[h].namelen + 1;
		size_t vl = hdrs[h].len - hdrs[h].namelen - 1;
		int c = -1;
		int inst = k == ARC_AAR ? aar_instance(v, vl) : tag_instance(v, vl, k == ARC_AS ? &c : NULL);
		if (inst < 0) {
			snprintf(why, whylen, "%s without a valid instance i= (1..%d)", kind_names[k],
			         DKIM_ARC_INSTANCES_MAX);
			return ARC_FAIL;
		}
		if (out->hidx[inst - 1][k] != (size_t)-1) {
			snprintf(why, whylen, "two %s fields for instance %d", kind_names[k], inst);
			return ARC_FAIL;
		}
		out->hidx[inst - 1][k] = h;
		if (k == ARC_AS)
			cv[inst - 1] = c;
		if ((size_t)inst > top)
			top = (size_t)inst;
	}
	if (!any)
		return ARC_NONE;
	for (size_t s = 0; s < top; s++)
		for (int k = 0; k < 3; k++)
			if (out->hidx[s][k] == (size_t)-1) {
				snprintf(why, whylen, "instance %zu has no %s (of %zu)", s + 1, kind_names[k], top);
				return ARC_FAIL;
			}
	if (cv[top - 1] == 2) {
		snprintf(why, whylen, "the newest seal (i=%zu) says cv=fail", top);
		return ARC_FAIL;
	}
	for (size_t s = 0; s < top; s++)
		if (cv[s] != (s == 0 ? 0 : 1)) {
			snprintf(why, whylen, "seal i=%zu has a cv= other than %s", s + 1, s == 0 ? "none" : "pass");
			return ARC_FAIL;
		}
	out->n = top;
	return ARC_PASS;
}

int
arc_seal_data(const struct dkim_hdr *hdrs, size_t n, const struct arc_sets *sets, size_t k,
              const struct dkim_sigtags *st, struct buf *out)
{
	const struct dkim_tag *bt = dkim_taglist_find(&st->tl, "b");
	if (k < 1 || k > sets->n || bt == NULL)
		return -1;
	for (size_t s = 0; s < k; s++)
		for (int f = 0; f < 3; f++) {
			size_t i = sets->hidx[s][f];
			if (i >= n)
				return -1;
			const struct dkim_hdr *h = &hdrs[i];
			const char *val = h->raw + h->namelen + 1;
			size_t vlen = h->len - h->namelen - 1;
			if (s + 1 < k || f != ARC_AS) {
				if (dkim_canon_header(out, DKIM_C_RELAXED, h->raw, h->namelen, val, vlen, 1) < 0)
					return -1;
				continue;
			}
			/* the seal itself, b= value removed (RFC 8617 5.1.1) */
			if (bt->vend > vlen)
				return -1;
			struct buf tmp;
			buf_init(&tmp, vlen + 1);
			buf_append(&tmp, val, bt->vstart);
			buf_append(&tmp, val + bt->vend, vlen - bt->vend);
			int rc = tmp.failed ? -1 : dkim_canon_header(out, DKIM_C_RELAXED, h->raw, h->namelen,
			                                             buf_cstr(&tmp), tmp.len, 0);
			buf_free(&tmp);
			if (rc < 0)
				return -1;
		}
	return 0;
}
