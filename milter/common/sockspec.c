/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockspec.c - parse "unix:", "local:", "inet:" and "inet6:" socket specs
 * and turn them into an address to connect to. See sockspec.h.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockspec.h"

static int
parse_port(const char *p, size_t n, unsigned *port)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

int
sockspec_parse(const char *spec, struct sockspec *out, char *err, size_t errlen)
{
	const char *rest, *at;
	size_t hl;

	memset(out, 0, sizeof(*out));
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0 || spec[0] == '/') {
		rest = spec[0] == '/' ? spec : strchr(spec, ':') + 1;
		out->kind = SOCKSPEC_UNIX;
		if (*rest == '\0') {
			snprintf(err, errlen, "empty unix socket path");
			return -1;
		}
		if (strlcpy(out->path, rest, sizeof(out->path)) >= sizeof(out->path)) {
			snprintf(err, errlen, "unix socket path longer than %zu bytes",
			    sizeof(out->path) - 1);
			return -1;
		}
		return 0;
	}
	if (strncmp(spec, "inet:", 5) == 0)
		out->kind = SOCKSPEC_INET;
	else if (strncmp(spec, "inet6:", 6) == 0)
		out->kind = SOCKSPEC_INET6;
	else {
		snprintf(err, errlen, "not unix:/path, inet:port@host or inet6:port@host");
		return -1;
	}
	rest = strchr(spec, ':') + 1;
	at = strchr(rest, '@');
	if (parse_port(rest, at ? (size_t)(at - rest) : strlen(rest), &out->port) < 0) {
		snprintf(err, errlen, "port must be a number 1..65535");
		return -1;
	}
	if (at == NULL)
		return 0;
	at++;
	hl = strlen(at);
	if (hl >= 2 && at[0] == '[' && at[hl - 1] == ']') {
		at++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(out->host) || memchr(at, '[', hl) || memchr(at, ']', hl)) {
		snprintf(err, errlen, "bad host");
		return -1;
	}
	memcpy(out->host, at, hl);
	out->host[hl] = '\0';
	return 0;
}

int
sockspec_connect_addr(const struct sockspec *s, struct sockaddr_storage *ss, socklen_t *len,
    char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *res = NULL;
	const char *host = s->host;
	char port[8];
	int rc;

	memset(ss, 0, sizeof(*ss));
	if (s->kind == SOCKSPEC_UNIX) {
		struct sockaddr_un *su = (struct sockaddr_un *)ss;
		su->sun_family = AF_UNIX;
		strlcpy(su->sun_path, s->path, sizeof(su->sun_path));
		*len = sizeof(*su);
		return 0;
	}
	hints.ai_family = s->kind == SOCKSPEC_INET6 ? AF_INET6 : AF_INET;
	if (host[0] == '\0' || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "INADDR_ANY") == 0 ||
	    strcmp(host, "::") == 0)
		host = s->kind == SOCKSPEC_INET6 ? "::1" : "127.0.0.1";
	snprintf(port, sizeof(port), "%u", s->port);
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0 || res == NULL) {
		snprintf(err, errlen, "cannot resolve \"%s\": %s", host, rc ? gai_strerror(rc) : "no address");
		if (res != NULL)
			freeaddrinfo(res);
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}
