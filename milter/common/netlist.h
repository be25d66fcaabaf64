/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netlist.h - client address lists: parse whitelist lines, match addresses.
 *
 * Accepts, one per line: "a.b.c.d", "a.b.c.d-e.f.g.h", "a.b.c.d/255.255.255.0",
 * "a.b.c.d/24", and the IPv6 forms "2001:db8::1", "2001:db8::/32",
 * "2001:db8::1-2001:db8::ff". Text after the first space or tab is a comment;
 * lines starting with '#' and blank lines are ignored. IPv4 addresses are kept
 * as IPv4-mapped IPv6, so a v4-mapped client matches IPv4 entries.
 *
 * A netlist is built once (start-up or reload), then sorted and merged; it is
 * read-only afterwards, so lookups from many threads need no lock.
 * Cap: NETLIST_MAX_ENTRIES ranges per list, NETLIST_LINE_MAX bytes per line,
 * NETLIST_FILE_MAX bytes per file.
 */
#ifndef SPFDKIM_NETLIST_H
#define SPFDKIM_NETLIST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NETLIST_MAX_ENTRIES 100000
#define NETLIST_LINE_MAX 1024
#define NETLIST_FILE_MAX ((size_t)64 << 20)

struct netrange {
	uint8_t lo[16], hi[16];  /* inclusive, network byte order */
};

struct netlist {
	struct netrange *r;
	size_t n, cap;
};

/*
 * Parses one line. Returns 1 and fills *out for an entry, 0 for a blank or
 * comment line, -1 with a message naming the token in err.
 */
int netlist_parse_line(const char *line, struct netrange *out, char *err, size_t errlen);

void netlist_init(struct netlist *l);
void netlist_free(struct netlist *l);
/* Adds one range (unsorted until netlist_finish). 0 or -1 (cap, memory). */
int netlist_add(struct netlist *l, const struct netrange *r);
/* Parses one line into the list; err names only the token, callers add file:line. */
int netlist_add_line(struct netlist *l, const char *line, char *err, size_t errlen);
/* Adds a whole text (lines separated by \n); err gets "NAME:LINE: ...". */
int netlist_add_text(struct netlist *l, const char *name, const char *text, size_t len,
                     char *err, size_t errlen);
/* Loads a file; err gets "FILE:LINE: ..." on failure. 0 or -1. */
int netlist_load_file(struct netlist *l, const char *path, char *err, size_t errlen);
/*
 * Loads an OpenDKIM-style dataset of addresses (InternalHosts,
 * ExternalIgnoreList): "/path", "file:/path" or "refile:/path" is a file
 * in the line syntax above; "csl:LIST" or any other value is an inline
 * comma-separated list ("192.168.0.0/16, 10.0.0.0/8, ::1"). Addresses and
 * networks only: a host name or pattern (OpenDKIM matches those against the
 * client's name) is an error naming it, never silently dropped. err gets
 * "FILE:LINE: ..." or "item N: ...". 0 or -1.
 */
int netlist_load_dataset(struct netlist *l, const char *spec, char *err, size_t errlen);
/* Sorts and merges; call once after adding, before matching. */
void netlist_finish(struct netlist *l);

/* Text address (IPv4 or IPv6) to the 16-byte form; 0 or -1. */
int netlist_addr_parse(const char *s, uint8_t out[16]);
/* Socket address to the 16-byte form; 0, or -1 (NULL, not IP). */
int netlist_addr_from_sockaddr(const struct sockaddr *sa, uint8_t out[16]);
/* 1 if addr is in the list (binary search), else 0. */
int netlist_match(const struct netlist *l, const uint8_t addr[16]);

/* Built-in classes for the loopback and LAN skips. */
int netlist_is_loopback(const uint8_t addr[16]);  /* 127.0.0.0/8, ::1 */
int netlist_is_lan(const uint8_t addr[16]);       /* 10/8 172.16/12 192.168/16 fc00::/7 fe80::/10 */

#endif
