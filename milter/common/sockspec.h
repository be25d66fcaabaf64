/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockspec.h - milter socket specifications, parsed in one place.
 *
 * Accepts libmilter's forms: "unix:/path", "local:/path" or a bare "/path";
 * "inet:PORT", "inet:PORT@HOST", "inet6:PORT@HOST" with HOST a name, an
 * address, or "[address]". PORT is a decimal 1..65535 (no service names: a
 * typo must not become a random port); a unix path must fit sun_path. The
 * daemon checks Socket and -p with it, the bridge and the test tools
 * connect with it; the struct is plain data owned by the caller.
 */
#ifndef SPFDKIM_SOCKSPEC_H
#define SPFDKIM_SOCKSPEC_H

#include <sys/socket.h>
#include <sys/un.h>

enum sockspec_kind { SOCKSPEC_UNIX, SOCKSPEC_INET, SOCKSPEC_INET6 };

struct sockspec {
	enum sockspec_kind kind;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* unix */
	char host[256];   /* inet: without brackets; "" when none was given */
	unsigned port;    /* inet: 1..65535 */
};

/* Returns 0, or -1 with the reason in err (the caller names spec and its source). */
int sockspec_parse(const char *spec, struct sockspec *out, char *err, size_t errlen);

/*
 * The address to connect to: unix paths as they are; a missing or wildcard
 * inet host (0.0.0.0, ::, INADDR_ANY) becomes the loopback address of its
 * family. Returns 0, or -1 with a message (resolver error) in err.
 */
int sockspec_connect_addr(const struct sockspec *s, struct sockaddr_storage *ss, socklen_t *len,
    char *err, size_t errlen);

#endif
