/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl_dkim.c - spfdkim-ctl genkey and dkim-verify.
 *
 *   genkey -d DOMAIN -s SELECTOR [-t rsa|ed25519] [-b BITS] [-D DIR]
 *       writes DIR/SELECTOR.private (PEM, mode 0600, never overwrites; DIR
 *       and its missing parents are made with mode 0700) and
 *       prints the TXT record and a zone-file line (strings of <= 255 bytes).
 *   dkim-verify FILE [--resolver HOST@PORT] [--min-key-bits N]
 *               [--max-signatures N] [--timeout MS]
 *       verifies one message (CRLF or LF, "-" for stdin, at most 64 MB) with
 *       the same engine as the milter, keys from DNS, and prints one line
 *       per signature:
 *         dkim=RESULT header.d=D header.s=S header.b=B8 header.i=I header.a=A [reason="..."]
 *       or "dkim=none" when unsigned. Exit 0 when a signature passed, 1
 *       otherwise, 2 on usage or input errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buf.h"
#include "ctl.h"
#include "dkim.h"
#include "dname.h"
#include "fileio.h"
#include "dkim_file.h"
#include "dns.h"
#include "log.h"

#define MSG_MAX (64u * 1024 * 1024)

static int
b64(const unsigned char *in, size_t n, char **out)
{
	size_t olen = 4 * ((n + 2) / 3) + 1;
	*out = malloc(olen);
	if (*out == NULL)
		return -1;
	EVP_EncodeBlock((unsigned char *)*out, in, (int)n);
	return 0;
}

int
ctl_genkey(int argc, char **argv)
{
	const char *domain = NULL, *sel = NULL, *type = "rsa", *dir = ".";
	unsigned bits = 2048;
	int c;

	optind = 1;
	while ((c = getopt(argc, argv, "d:s:t:b:D:")) != -1) {
		switch (c) {
		case 'd': domain = optarg; break;
		case 's': sel = optarg; break;
		case 't': type = optarg; break;
		case 'b': bits = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'D': dir = optarg; break;
		default: goto usage;
		}
	}
	if (domain == NULL || sel == NULL || optind != argc)
		goto usage;
	if (!dname_valid(domain, DNAME_LDH | DNAME_NOROOT) || !dname_valid(sel, DNAME_LDH | DNAME_NOROOT)) {
		fprintf(stderr, "genkey: bad domain \"%s\" or selector \"%s\"\n", domain, sel);
		return 2;
	}
	int ed = strcmp(type, "ed25519") == 0;
	if (!ed && strcmp(type, "rsa") != 0) {
		fprintf(stderr, "genkey: -t %s: use rsa or ed25519\n", type);
		return 2;
	}
	if (!ed && (bits < 1024 || bits > 8192)) {
		fprintf(stderr, "genkey: -b %u: RSA keys must be 1024..8192 bits (2048 recommended)\n", bits);
		return 2;
	}
	/* A missing DIR is made (0700: it holds private keys). */
	char why[512];
	if (fileio_mkdir_p(dir, 0700, why, sizeof(why)) < 0) {
		fprintf(stderr, "genkey: -D %s\n", why);
		return 2;
	}

	EVP_PKEY *pk = ed ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
	                  : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	if (pk == NULL) {
		fprintf(stderr, "genkey: key generation failed\n");
		return 2;
	}
	unsigned char pub[2048];
	size_t publen = sizeof(pub);
	if (ed) {
		if (EVP_PKEY_get_raw_public_key(pk, pub, &publen) != 1)
			publen = 0;
	} else {
		unsigned char *p = pub;
		int n = i2d_PUBKEY(pk, NULL);
		publen = (n > 0 && (size_t)n <= sizeof(pub) && i2d_PUBKEY(pk, &p) == n) ? (size_t)n : 0;
	}
	char path[4096];
	if (publen == 0 || (size_t)snprintf(path, sizeof(path), "%s/%s.private", dir, sel) >= sizeof(path)) {
		fprintf(stderr, "genkey: cannot encode the key or path too long\n");
		EVP_PKEY_free(pk);
		return 2;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		fprintf(stderr, "genkey: %s: %s%s\n", path, strerror(errno),
		        errno == EEXIST ? " (refusing to overwrite a key)" : "");
		EVP_PKEY_free(pk);
		return 2;
	}
	FILE *fp = fdopen(fd, "w");
	int ok = fp && PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL) == 1;
	if (fp == NULL)
		close(fd);
	else if (fclose(fp) != 0)
		ok = 0;
	EVP_PKEY_free(pk);
	if (!ok) {
		fprintf(stderr, "genkey: writing %s failed\n", path);
		unlink(path);
		return 2;
	}
	char *p64;
	if (b64(pub, publen, &p64) < 0)
		return 2;
	struct buf rec;
	buf_init(&rec, 0);
	buf_printf(&rec, "v=DKIM1; k=%s; p=%s", ed ? "ed25519" : "rsa", p64);
	free(p64);
	printf("private key: %s (mode 0600)\n", path);
	printf("TXT record for %s._domainkey.%s:\n%s\n", sel, domain, buf_cstr(&rec));
	printf("zone-file line:\n%s._domainkey.%s. 3600 IN TXT", sel, domain);
	for (size_t off = 0; off < rec.len; off += 255)
		printf(" \"%.*s\"", (int)(rec.len - off > 255 ? 255 : rec.len - off), rec.data + off);
	printf("\n");
	buf_free(&rec);
	return 0;
usage:
	fprintf(stderr, "usage: spfdkim-ctl genkey -d DOMAIN -s SELECTOR [-t rsa|ed25519] [-b BITS] [-D DIR]\n");
	return 2;
}

int
ctl_dkim_verify(int argc, char **argv)
{
	const char *file = NULL, *resolver = NULL;
	struct dkim_options o = { 0 };
	unsigned timeout = 0;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--resolver") == 0 && i + 1 < argc)
			resolver = argv[++i];
		else if (strcmp(argv[i], "--min-key-bits") == 0 && i + 1 < argc)
			o.min_key_bits = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--max-signatures") == 0 && i + 1 < argc)
			o.max_signatures = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			goto usage;
		else if (file == NULL)
			file = argv[i];
		else
			goto usage;
	}
	if (file == NULL)
		goto usage;

	log_open("spfdkim-ctl", "stderr", LOG_L_WARN, err, sizeof(err));
	char *msg;
	size_t msglen;
	if ((strcmp(file, "-") == 0 ? fileio_read_fd(0, "(standard input)", MSG_MAX, &msg, &msglen, err, sizeof(err))
	    : fileio_read_file(file, MSG_MAX, &msg, &msglen, err, sizeof(err))) < 0) {
		fprintf(stderr, "dkim-verify: %s\n", err);
		return 2;
	}
	struct dns_options dopt = { .forwarders = resolver, .query_timeout_ms = timeout };
	struct dns_resolver *dns = dns_resolver_new(&dopt, err, sizeof(err));
	if (dns == NULL) {
		fprintf(stderr, "dkim-verify: resolver %s: %s\n", resolver ? resolver : "(system)", err);
		free(msg);
		return 2;
	}
	struct dkim_engine *e = dkim_engine_new(&o, dns, err, sizeof(err));
	struct dkim_msg *m = e ? dkim_msg_new(e, DKIM_MODE_VERIFY, "ctl", err, sizeof(err)) : NULL;
	if (m == NULL) {
		fprintf(stderr, "dkim-verify: %s\n", err);
		dkim_engine_free(e);
		dns_resolver_free(dns);
		free(msg);
		return 2;
	}
	dkim_feed_message(m, msg, msglen);
	struct dkim_report r;
	dkim_msg_eom(m, &r);
	dkim_report_print(stdout, &r);
	int rc = r.summary == DKIM_V_PASS ? 0 : 1;
	dkim_report_clear(&r);
	dkim_msg_free(m);
	dkim_engine_free(e);
	dns_resolver_free(dns);
	free(msg);
	return rc;
usage:
	fprintf(stderr, "usage: spfdkim-ctl dkim-verify FILE [--resolver HOST@PORT] [--min-key-bits N] "
	        "[--max-signatures N] [--timeout MS]\n");
	return 2;
}
