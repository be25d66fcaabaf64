/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netlist.c - client address lists: parse whitelist lines, match addresses.
 *
 * Accepts "a.b.c.d", "a-b" ranges, "addr/netmask", "addr/prefix" and the
 * IPv6 forms; text after the first space is a comment. Lists are built once
 * at (re)load, sorted and merged, and are read-only afterwards, so lookups
 * (a binary search) need no lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "netlist.h"

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int
is_v4(const uint8_t a[16])
{
	return memcmp(a, v4mapped, 12) == 0;
}

int
netlist_addr_parse(const char *s, uint8_t out[16])
{
	struct in_addr a4;

	if (strchr(s, ':') == NULL) {
		if (inet_pton(AF_INET, s, &a4) != 1)
			return -1;
		memcpy(out, v4mapped, 12);
		memcpy(out + 12, &a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
}

int
netlist_addr_from_sockaddr(const struct sockaddr *sa, uint8_t out[16])
{
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		memcpy(out, v4mapped, 12);
		memcpy(out + 12, &s4->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		memcpy(out, &s6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

/* Sets the low (128 - bits) bits of a to zero (lo) or one (hi). */
static void
apply_prefix(const uint8_t a[16], unsigned bits, uint8_t lo[16], uint8_t hi[16])
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
		uint8_t mask = keep == 0 ? 0 : (uint8_t)(0xff << (8 - keep));
		lo[i] = a[i] & mask;
		hi[i] = a[i] | (uint8_t)~mask;
	}
}

/* A dotted netmask to a prefix length; -1 if not contiguous. */
static int
mask_bits(const uint8_t m[4])
{
	uint32_t v = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	uint32_t inv = ~v;
	int bits = 0;

	if ((inv & (inv + 1)) != 0)
		return -1;
	while (v & 0x80000000u) {
		bits++;
		v <<= 1;
	}
	return bits;
}

int
netlist_parse_line(const char *line, struct netrange *out, char *err, size_t errlen)
{
	char tok[NETLIST_LINE_MAX];
	char *sep;
	size_t n;
	uint8_t a[16], b[16];

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#' || *line == '\r' || *line == '\n')
		return 0;
	n = strcspn(line, " \t\r\n");
	if (n >= sizeof(tok)) {
		snprintf(err, errlen, "address too long (%zu bytes)", n);
		return -1;
	}
	memcpy(tok, line, n);
	tok[n] = '\0';

	if ((sep = strchr(tok, '-')) != NULL) {
		*sep = '\0';
		if (netlist_addr_parse(tok, a) < 0 || netlist_addr_parse(sep + 1, b) < 0) {
			*sep = '-';
			snprintf(err, errlen, "bad address range \"%s\"", tok);
			return -1;
		}
		if (is_v4(a) != is_v4(b) || memcmp(a, b, 16) > 0) {
			*sep = '-';
			snprintf(err, errlen, "range \"%s\" mixes families or runs backwards", tok);
			return -1;
		}
		memcpy(out->lo, a, 16);
		memcpy(out->hi, b, 16);
		return 1;
	}
	if ((sep = strchr(tok, '/')) != NULL) {
		char *end;
		long bits;
		int v4;

		*sep = '\0';
		if (netlist_addr_parse(tok, a) < 0) {
			*sep = '/';
			snprintf(err, errlen, "bad network address in \"%s\"", tok);
			return -1;
		}
		v4 = is_v4(a);
		if (v4 && strchr(sep + 1, '.') != NULL) {
			struct in_addr m;
			if (inet_pton(AF_INET, sep + 1, &m) != 1 || (bits = mask_bits((uint8_t *)&m)) < 0) {
				*sep = '/';
				snprintf(err, errlen, "bad netmask in \"%s\"", tok);
				return -1;
			}
		} else {
			errno = 0;
			bits = strtol(sep + 1, &end, 10);
			if (sep[1] < '0' || sep[1] > '9' || *end != '\0' || bits < 0 || bits > (v4 ? 32 : 128)) {
				*sep = '/';
				snprintf(err, errlen, "bad prefix length in \"%s\"", tok);
				return -1;
			}
		}
		apply_prefix(a, (unsigned)(v4 ? bits + 96 : bits), out->lo, out->hi);
		return 1;
	}
	if (netlist_addr_parse(tok, a) < 0) {
		snprintf(err, errlen, "bad address \"%s\"", tok);
		return -1;
	}
	memcpy(out->lo, a, 16);
	memcpy(out->hi, a, 16);
	return 1;
}

void
netlist_init(struct netlist *l)
{
	memset(l, 0, sizeof(*l));
}

void
netlist_free(struct netlist *l)
{
	free(l->r);
	memset(l, 0, sizeof(*l));
}

int
netlist_add(struct netlist *l, const struct netrange *r)
{
	if (l->n >= NETLIST_MAX_ENTRIES)
		return -1;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct netrange *p = reallocarray(l->r, ncap, sizeof(*p));
		if (p == NULL)
			return -1;
		l->r = p;
		l->cap = ncap;
	}
	l->r[l->n++] = *r;
	return 0;
}

int
netlist_add_line(struct netlist *l, const char *line, char *err, size_t errlen)
{
	struct netrange r;
	int rc = netlist_parse_line(line, &r, err, errlen);

	if (rc <= 0)
		return rc;
	if (netlist_add(l, &r) < 0) {
		snprintf(err, errlen, "too many entries (cap %d) or out of memory", NETLIST_MAX_ENTRIES);
		return -1;
	}
	return 0;
}

int
netlist_add_text(struct netlist *l, const char *name, const char *text, size_t len,
    char *err, size_t errlen)
{
	char line[NETLIST_LINE_MAX + 2], why[256];
	size_t pos = 0;
	unsigned lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (n > NETLIST_LINE_MAX) {
			snprintf(err, errlen, "%s:%u: line too long (cap %d bytes)", name, lineno, NETLIST_LINE_MAX);
			return -1;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (memchr(line, '\0', n) != NULL && strlen(line) != n) {
			snprintf(err, errlen, "%s:%u: NUL byte in line", name, lineno);
			return -1;
		}
		if (netlist_add_line(l, line, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%u: %s", name, lineno, why);
			return -1;
		}
		pos += n + (nl ? 1 : 0);
	}
	return 0;
}

int
netlist_load_file(struct netlist *l, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc;

	if (fileio_read_file(path, NETLIST_FILE_MAX, &text, &len, err, errlen) < 0)
		return -1;
	rc = netlist_add_text(l, path, text, len, err, errlen);
	free(text);
	return rc;
}

int
netlist_load_dataset(struct netlist *l, const char *spec, char *err, size_t errlen)
{
	char item[NETLIST_LINE_MAX], why[NETLIST_LINE_MAX + 64];
	const char *p, *e;
	unsigned n = 0;

	if (spec[0] == '/')
		return netlist_load_file(l, spec, err, errlen);
	if (strncmp(spec, "file:", 5) == 0)
		return netlist_load_file(l, spec + 5, err, errlen);
	if (strncmp(spec, "refile:", 7) == 0)
		return netlist_load_file(l, spec + 7, err, errlen);
	if (strncmp(spec, "csl:", 4) == 0)
		spec += 4;
	for (p = spec;; p = e + 1) {
		size_t len;

		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		n++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		len = (size_t)(e - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(item) || *p == '#' || memchr(p, ' ', len) != NULL || memchr(p, '\t', len) != NULL) {
			snprintf(err, errlen, "item %u \"%.*s\": want an address or network", n,
			    (int)(len < 80 ? len : 80), p);
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (netlist_add_line(l, item, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "item %u: %s", n, why);
			return -1;
		}
		if (*e == '\0')
			return 0;
	}
}

static int
cmp_range(const void *a, const void *b)
{
	return memcmp(((const struct netrange *)a)->lo, ((const struct netrange *)b)->lo, 16);
}

/* a + 1 == b (adjacent ranges merge too) */
static int
succ_eq(const uint8_t a[16], const uint8_t b[16])
{
	uint8_t t[16];
	int i;

	memcpy(t, a, 16);
	for (i = 15; i >= 0; i--)
		if (++t[i] != 0)
			break;
	if (i < 0)
		return 0;
	return memcmp(t, b, 16) == 0;
}

void
netlist_finish(struct netlist *l)
{
	size_t o = 0;

	if (l->n == 0)
		return;
	qsort(l->r, l->n, sizeof(*l->r), cmp_range);
	for (size_t i = 1; i < l->n; i++) {
		struct netrange *cur = &l->r[o];
		if (memcmp(l->r[i].lo, cur->hi, 16) <= 0 || succ_eq(cur->hi, l->r[i].lo)) {
			if (memcmp(l->r[i].hi, cur->hi, 16) > 0)
				memcpy(cur->hi, l->r[i].hi, 16);
		} else
			l->r[++o] = l->r[i];
	}
	l->n = o + 1;
}

int
netlist_match(const struct netlist *l, const uint8_t addr[16])
{
	size_t lo = 0, hi = l->n;

	/* Ranges are sorted and disjoint: find the last one with lo <= addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(l->r[mid].lo, addr, 16) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && memcmp(addr, l->r[lo - 1].hi, 16) <= 0;
}

int
netlist_is_loopback(const uint8_t a[16])
{
	static const uint8_t one[16] = { [15] = 1 };

	if (is_v4(a))
		return a[12] == 127;
	return memcmp(a, one, 16) == 0;
}

int
netlist_is_lan(const uint8_t a[16])
{
	if (is_v4(a))
		return a[12] == 10 || (a[12] == 172 && (a[13] & 0xf0) == 16) ||
		    (a[12] == 192 && a[13] == 168);
	return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}
