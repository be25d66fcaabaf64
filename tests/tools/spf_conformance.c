/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_conformance.c - runs an SPF test-suite manifest (written by
 * tests/conformance/suite_unbound.py) through the production path: a fresh
 * dns.c resolver per test, forwarding to the suite's DNS server, then
 * spf_check_host(). Checks the result and, for fail, the explanation
 * ("DEFAULT" = our default explanation).
 *
 *   spf_conformance [-v] [-t QUERY_TIMEOUT_MS] [-l LABEL] MANIFEST
 *
 * Prints "FAIL: name ..." for each failed test (every test with -v), then
 * "LABEL: N passed, M failed". Exit 0 when all passed, 1 otherwise, 2 on
 * usage or input errors. Caps: manifest lines of 8 KB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "spf.h"

/* Undo suite_data.py's escaping in place (\\ \t \n \xHH). */
static void
unescape(char *s)
{
	char *o = s;

	while (*s) {
		if (*s == '\\' && s[1]) {
			s++;
			if (*s == 't') { *o++ = '\t'; s++; }
			else if (*s == 'n') { *o++ = '\n'; s++; }
			else if (*s == 'x' && s[1] && s[2]) {
				char h[3] = { s[1], s[2], 0 };
				*o++ = (char)strtol(h, NULL, 16);
				s += 3;
			} else { *o++ = *s++; }
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

static int
result_in(const char *list, const char *res)
{
	char buf[256], *p, *tok, *save = NULL;

	strlcpy(buf, list, sizeof(buf));
	for (p = buf; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL)
		if (strcmp(tok, res) == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *label = "SPF";
	unsigned timeout = 1500;
	int verbose = 0, c, npass = 0, nfail = 0;
	char line[8192];
	FILE *fp;

	while ((c = getopt(argc, argv, "vt:l:")) != -1) {
		if (c == 'v') verbose = 1;
		else if (c == 't') timeout = (unsigned)atoi(optarg);
		else if (c == 'l') label = optarg;
		else return 2;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: spf_conformance [-v] [-t MS] [-l LABEL] MANIFEST\n");
		return 2;
	}
	fp = fopen(argv[optind], "r");
	if (fp == NULL) {
		perror(argv[optind]);
		return 2;
	}
	for (int lineno = 1; fgets(line, sizeof(line), fp) != NULL; lineno++) {
		char *f[8], *p = line, fwd[64], err[256];
		int nf = 0;
		struct dns_options o = { 0 };
		struct dns_resolver *r;
		struct spf_request req = { 0 };
		struct spf_response resp;
		struct spf_limits lim;
		int ok;

		line[strcspn(line, "\n")] = '\0';
		while (nf < 8 && p != NULL) {
			f[nf++] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (nf != 8) {
			fprintf(stderr, "%s:%d: expected 8 fields, got %d\n", argv[optind], lineno, nf);
			return 2;
		}
		for (int i = 0; i < 8; i++)
			unescape(f[i]);
		snprintf(fwd, sizeof(fwd), "127.0.0.1@%s", f[1]);
		o.forwarders = fwd;
		o.query_timeout_ms = timeout;
		r = dns_resolver_new(&o, err, sizeof(err));
		if (r == NULL) {
			fprintf(stderr, "%s:%d: resolver: %s\n", argv[optind], lineno, err);
			return 2;
		}
		req.client_ip = f[3];
		req.sender = f[4];
		req.helo = f[5];
		req.receiver = "receiver.example.net";
		spf_limits_default(&lim);
		spf_check_host(r, &req, &lim, &resp);
		dns_resolver_free(r);

		const char *got = spf_result_str(resp.result);
		ok = result_in(f[6], got);
		int exp_ok = 1;
		if (ok && resp.result == SPF_RESULT_FAIL && strcmp(f[7], "-") != 0) {
			if (strcmp(f[7], "DEFAULT") == 0)
				exp_ok = strstr(resp.explanation, "as a permitted sender") != NULL;
			else
				exp_ok = strcmp(resp.explanation, f[7]) == 0;
		}
		if (ok && exp_ok) {
			npass++;
			if (verbose)
				printf("PASS: %s %s\n", f[2], got);
		} else {
			nfail++;
			printf("FAIL: %s: got %s (want %s)%s%s%s%s [scenario %s, ip %s, from '%s', helo '%s', mech '%s', problem '%s']\n",
			       f[2], got, f[6], exp_ok ? "" : " explanation '", exp_ok ? "" : resp.explanation,
			       exp_ok ? "" : "' want '", exp_ok ? "" : f[7], f[0], f[3], f[4], f[5],
			       resp.mechanism, resp.problem);
		}
	}
	fclose(fp);
	printf("%s: %d passed, %d failed\n", label, npass, nfail);
	return nfail ? 1 : 0;
}
