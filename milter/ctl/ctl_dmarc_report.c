/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl_dmarc_report.c - spfdkim-ctl dmarc-report: DMARC aggregate reports
 * (RFC 7489 section 7.2) from decision logs.
 *
 *   spfdkim-ctl dmarc-report [-c CONFIG] [--since 1d] [--log FILE]... [--out DIR]
 *                            [--send] [--org NAME] [--from ADDR] [--sendmail PATH]
 *                            [--resolver HOST@PORT]
 *
 * Reads the decision lines (DecisionLog of the config, or every --log FILE:
 * logs of several hosts are merged and a message is counted once, keyed by
 * the whole decision: ts, qid, client, HELO, MAIL FROM, From: domain,
 * passing DKIM domains, action and elapsed time) of the window
 * (--since, default 1d) and makes one report per reporting domain (the
 * domain whose DMARC record applied, dmarc_rdom=) that asked for reports
 * (dmarc_rua=) for that window: the XML of RFC 7489 appendix C, gzip-
 * compressed, in a message of the section 7.2.1.1 format (Subject "Report
 * Domain: D Submitter: S Report-ID: <ID>", attachment
 * "submitter!domain!begin!end.xml.gz"). --out DIR writes each as
 * DIR/NAME.xml.gz and DIR/NAME.eml; --send hands each message to sendmail
 * (-oi -f FROM -- RCPT...) for the mailto: addresses of rua=; without
 * either, a summary is printed. An address outside the reporting domain's
 * organizational domain is used only when its domain confirms with a
 * v=DMARC1 TXT record at <reporting-domain>._report._dmarc.<its domain>
 * (section 7.1), so nobody can have reports sent to a third party; DNS goes
 * through Resolver of the config, or --resolver. Rows group messages by source IP,
 * disposition, aligned results, From: and MAIL FROM domains and the SPF and
 * passing DKIM results (the decision line keeps only the passing d=).
 * Caps: DR_MAX_DOMAINS reporting domains, DR_MAX_ROWS rows per report,
 * DR_MAX_SEEN messages; what is past a cap is counted and reported on
 * stderr, never silently lost.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "config.h"
#include "ctl.h"
#include "dmarc.h"
#include "dns.h"
#include "kvline.h"
#include "report.h"

#define DR_MAX_DOMAINS 10000
#define DR_MAX_ROWS    10000
#define DR_MAX_SEEN    (16u * 1024 * 1024)
#define DR_MAX_LOGS    64
#define DR_XML_MAX     (64u * 1024 * 1024)

struct dr_row {
	char *key;                  /* the grouping fields, '\x1f'-separated */
	unsigned long count;
};

struct dr_domain {
	char name[256];
	char pub[160];              /* dmarc_pub of the newest line */
	char rua[2048];
	time_t first, last;
	struct dr_row *rows;
	size_t nrows, rowcap;
	unsigned long msgs, dropped;
};

struct dr {
	struct dr_domain *doms;
	size_t ndoms, domcap;
	uint64_t *seen;             /* open addressing, 0 = empty */
	size_t seencap, nseen;
	unsigned long lines, dups, no_report, overflow;
};

static int
usage(void)
{
	fprintf(stderr, "usage: spfdkim-ctl dmarc-report [-c CONFIG] [--since 1d] [--log FILE]... [--out DIR] [--send] "
	    "[--org NAME] [--from ADDR] [--sendmail PATH] [--resolver HOST@PORT]\n");
	return 2;
}

static uint64_t
fnv64(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ? h : 1;
}

/* 1 when the message was seen before (another log, the same line twice). */
static int
seen_before(struct dr *d, const char *key)
{
	uint64_t h = fnv64(key);
	size_t i;

	if (d->nseen * 2 >= d->seencap) {
		size_t nc = d->seencap ? d->seencap * 2 : 4096;
		uint64_t *ns;
		if (nc > 2 * (size_t)DR_MAX_SEEN)
			return 0;   /* past the cap: counted, not deduplicated */
		if ((ns = calloc(nc, sizeof(*ns))) == NULL)
			return 0;
		for (size_t k = 0; k < d->seencap; k++)
			if (d->seen[k] != 0) {
				size_t j = d->seen[k] & (nc - 1);
				while (ns[j] != 0)
					j = (j + 1) & (nc - 1);
				ns[j] = d->seen[k];
			}
		free(d->seen);
		d->seen = ns;
		d->seencap = nc;
	}
	for (i = h & (d->seencap - 1); d->seen[i] != 0; i = (i + 1) & (d->seencap - 1))
		if (d->seen[i] == h)
			return 1;
	d->seen[i] = h;
	d->nseen++;
	return 0;
}

static struct dr_domain *
domain_get(struct dr *d, const char *name)
{
	for (size_t i = 0; i < d->ndoms; i++)
		if (strcmp(d->doms[i].name, name) == 0)
			return &d->doms[i];
	if (d->ndoms >= DR_MAX_DOMAINS)
		return NULL;
	if (d->ndoms == d->domcap) {
		size_t nc = d->domcap ? d->domcap * 2 : 16;
		struct dr_domain *nd = reallocarray(d->doms, nc, sizeof(*nd));
		if (nd == NULL)
			return NULL;
		d->doms = nd;
		d->domcap = nc;
	}
	memset(&d->doms[d->ndoms], 0, sizeof(d->doms[0]));
	strlcpy(d->doms[d->ndoms].name, name, sizeof(d->doms[0].name));
	return &d->doms[d->ndoms++];
}

static int
row_add(struct dr_domain *dom, const char *key)
{
	for (size_t i = 0; i < dom->nrows; i++)
		if (strcmp(dom->rows[i].key, key) == 0) {
			dom->rows[i].count++;
			return 0;
		}
	if (dom->nrows >= DR_MAX_ROWS)
		return -1;
	if (dom->nrows == dom->rowcap) {
		size_t nc = dom->rowcap ? dom->rowcap * 2 : 16;
		struct dr_row *nr = reallocarray(dom->rows, nc, sizeof(*nr));
		if (nr == NULL)
			return -1;
		dom->rows = nr;
		dom->rowcap = nc;
	}
	if ((dom->rows[dom->nrows].key = strdup(key)) == NULL)
		return -1;
	dom->rows[dom->nrows++].count = 1;
	return 0;
}

static const char *
get(const struct kvline *kv, const char *k)
{
	const char *v = kv_get(kv, k);

	return v != NULL && strcmp(v, "-") != 0 ? v : "";
}

/* One log line. */
static void
feed(struct dr *d, const char *line, size_t len, time_t since)
{
	struct kvline *kv;
	const char *p, *res, *act, *reason, *mf, *efrom;
	char err[200], key[4096];
	time_t ts;
	int bare;
	struct dr_domain *dom;

	d->lines++;
	if ((p = report_decision_start(line, len, &bare)) == NULL || (kv = malloc(sizeof(*kv))) == NULL)
		return;
	if (kv_parse(p, (size_t)(line + len - p), kv, err, sizeof(err)) < 0 ||
	    report_parse_ts(kv_get(kv, "ts"), &ts) < 0 || ts < since) {
		free(kv);
		return;
	}
	res = get(kv, "dmarc");
	if (res[0] == '\0' || get(kv, "dmarc_rdom")[0] == '\0' || get(kv, "dmarc_rua")[0] == '\0') {
		d->no_report += res[0] != '\0';
		free(kv);
		return;
	}
	snprintf(key, sizeof(key), "%s|%s|%s|%s|%s|%s|%s|%s|%s", get(kv, "ts"), get(kv, "qid"), get(kv, "ip"),
	    get(kv, "helo"), get(kv, "mailfrom"), get(kv, "dmarc_from"), get(kv, "dkim_d"), get(kv, "action"),
	    get(kv, "elapsed_ms"));
	if (seen_before(d, key)) {
		d->dups++;
		free(kv);
		return;
	}
	if ((dom = domain_get(d, get(kv, "dmarc_rdom"))) == NULL) {
		d->overflow++;
		free(kv);
		return;
	}
	if (dom->msgs == 0 || ts >= dom->last) {
		strlcpy(dom->pub, get(kv, "dmarc_pub"), sizeof(dom->pub));
		strlcpy(dom->rua, get(kv, "dmarc_rua"), sizeof(dom->rua));
	}
	if (dom->msgs == 0 || ts < dom->first)
		dom->first = ts;
	if (dom->msgs == 0 || ts > dom->last)
		dom->last = ts;
	dom->msgs++;
	/* Disposition: what DMARC made this server do. */
	act = get(kv, "action");
	reason = get(kv, "reason");
	mf = get(kv, "mailfrom");
	efrom = strrchr(mf, '@') != NULL ? strrchr(mf, '@') + 1 : get(kv, "dmarc_spf_d");
	snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
	    get(kv, "ip"),
	    strcmp(reason, "dmarc") != 0 ? "none" : strcmp(act, "quarantine") == 0 ? "quarantine" :
	    (strcmp(act, "reject") == 0 || strcmp(act, "save-reject") == 0) ? "reject" : "none",
	    strstr(get(kv, "dmarc_align"), "dkim") != NULL ? "pass" : "fail",
	    strstr(get(kv, "dmarc_align"), "spf") != NULL ? "pass" : "fail",
	    res, get(kv, "dmarc_p"), get(kv, "dmarc_req"), get(kv, "dmarc_from"), efrom,
	    get(kv, "dkim_d"), get(kv, "dmarc_spf_d"), get(kv, "dmarc_spf"));
	if (row_add(dom, key) < 0)
		dom->dropped++;
	free(kv);
}

static int
read_log(struct dr *d, const char *path, time_t since)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char *line;
	size_t n;

	if (fp == NULL) {
		fprintf(stderr, "spfdkim-ctl dmarc-report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((line = malloc(KV_LINE_MAX + 2)) == NULL) {
		if (fp != stdin)
			fclose(fp);
		return -1;
	}
	while (fgets(line, KV_LINE_MAX + 2, fp) != NULL) {
		n = strlen(line);
		if (n > 0 && line[n - 1] != '\n' && !feof(fp)) {
			int c;
			while ((c = getc(fp)) != EOF && c != '\n')
				;
			continue;   /* longer than any decision line: not one */
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		feed(d, line, n, since);
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	return 0;
}

/* Text as XML character data: & < > " ' escaped, control bytes dropped. */
static void
xml_text(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		switch (*p) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&apos;"); break;
		default:
			if (*p >= ' ' && *p != 0x7f)
				buf_putc(b, *p);
		}
}

static void
xml_el(struct buf *b, const char *indent, const char *name, const char *text)
{
	buf_printf(b, "%s<%s>", indent, name);
	xml_text(b, text);
	buf_printf(b, "</%s>\n", name);
}

/* The schema's IPAddress: dotted IPv4 or IPv6 with all eight groups. */
static void
full_ip(const char *ip, char *out, size_t outlen)
{
	unsigned char a[16];

	if (strchr(ip, ':') != NULL && inet_pton(AF_INET6, ip, a) == 1) {
		if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
			snprintf(out, outlen, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
		else
			snprintf(out, outlen, "%x:%x:%x:%x:%x:%x:%x:%x", a[0] << 8 | a[1], a[2] << 8 | a[3],
			    a[4] << 8 | a[5], a[6] << 8 | a[7], a[8] << 8 | a[9], a[10] << 8 | a[11],
			    a[12] << 8 | a[13], a[14] << 8 | a[15]);
	} else
		strlcpy(out, ip, outlen);
}

/* Value of "tag=" in a dmarc_pub summary, or dflt. */
static void
pub_tag(const char *pub, const char *tag, const char *dflt, char *out, size_t outlen)
{
	size_t n = strlen(tag);
	const char *p = pub;

	strlcpy(out, dflt, outlen);
	while ((p = strstr(p, tag)) != NULL) {
		if ((p == pub || p[-1] == ' ') && p[n] == '=') {
			size_t l = strcspn(p + n + 1, " ");
			snprintf(out, outlen, "%.*s", (int)l, p + n + 1);
			return;
		}
		p += n;
	}
}

/* Splits a row key into its fields. */
static size_t
split_key(char *key, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = key;
	for (char *p = key; *p != '\0' && n < max; p++)
		if (*p == '\x1f') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

static void
build_xml(struct buf *b, const struct dr_domain *dom, const char *org, const char *from, const char *id,
    time_t begin, time_t end)
{
	static const char *const pubs[][2] = {
		{ "adkim", "r" }, { "aspf", "r" }, { "p", "none" }, { "sp", "none" }, { "pct", "100" }, { "fo", "0" }
	};

	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n  <version>1.0</version>\n"
	    "  <report_metadata>\n");
	xml_el(b, "    ", "org_name", org);
	xml_el(b, "    ", "email", from);
	xml_el(b, "    ", "report_id", id);
	buf_printf(b, "    <date_range>\n      <begin>%lld</begin>\n      <end>%lld</end>\n    </date_range>\n"
	    "  </report_metadata>\n  <policy_published>\n", (long long)begin, (long long)end);
	xml_el(b, "    ", "domain", dom->name);
	for (size_t i = 0; i < sizeof(pubs) / sizeof(pubs[0]); i++) {
		char v[64];
		pub_tag(dom->pub, pubs[i][0], pubs[i][1], v, sizeof(v));
		xml_el(b, "    ", pubs[i][0], v);
	}
	buf_puts(b, "  </policy_published>\n");
	for (size_t r = 0; r < dom->nrows; r++) {
		char *k = strdup(dom->rows[r].key), *f[12], ip[64], cnt[32];
		if (k == NULL || split_key(k, f, 12) != 12) {
			free(k);
			continue;
		}
		/* f: ip disposition dkim-aligned spf-aligned result p req header_from envelope_from dkim_d spf_d spf */
		full_ip(f[0], ip, sizeof(ip));
		snprintf(cnt, sizeof(cnt), "%lu", dom->rows[r].count);
		buf_puts(b, "  <record>\n    <row>\n");
		xml_el(b, "      ", "source_ip", ip);
		xml_el(b, "      ", "count", cnt);
		buf_puts(b, "      <policy_evaluated>\n");
		xml_el(b, "        ", "disposition", f[1]);
		xml_el(b, "        ", "dkim", f[2]);
		xml_el(b, "        ", "spf", f[3]);
		if (strcmp(f[4], "fail") == 0 && strcmp(f[5], f[6]) != 0)
			buf_puts(b, "        <reason>\n          <type>sampled_out</type>\n        </reason>\n");
		else if (strcmp(f[4], "fail") == 0 && strcmp(f[6], f[1]) != 0)
			buf_puts(b, "        <reason>\n          <type>local_policy</type>\n"
			    "          <comment>monitor: the configured DMARC action is weaker than the policy</comment>\n"
			    "        </reason>\n");
		buf_puts(b, "      </policy_evaluated>\n    </row>\n    <identifiers>\n");
		xml_el(b, "      ", "envelope_from", f[8]);
		xml_el(b, "      ", "header_from", f[7]);
		buf_puts(b, "    </identifiers>\n    <auth_results>\n");
		for (char *d = f[9], *e; d != NULL && *d != '\0'; d = e) {
			if ((e = strchr(d, ',')) != NULL)
				*e++ = '\0';
			buf_puts(b, "      <dkim>\n");
			xml_el(b, "        ", "domain", d);
			xml_el(b, "        ", "result", "pass");
			buf_puts(b, "      </dkim>\n");
		}
		buf_puts(b, "      <spf>\n");
		xml_el(b, "        ", "domain", f[10][0] ? f[10] : f[8]);
		xml_el(b, "        ", "scope", strcmp(f[10], f[8]) == 0 || !f[10][0] ? "mfrom" : "helo");
		xml_el(b, "        ", "result", f[11][0] ? f[11] : "none");
		buf_puts(b, "      </spf>\n    </auth_results>\n  </record>\n");
		free(k);
	}
	buf_puts(b, "</feedback>\n");
}

/* gzip of data into *out (malloc'd). 0 or -1. */
static int
gzip_mem(const char *data, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream z;
	size_t cap = compressBound((uLong)len) + 64;
	unsigned char *o = malloc(cap);

	if (o == NULL)
		return -1;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(o);
		return -1;
	}
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = o;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(o);
		return -1;
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	*out = o;
	return 0;
}

static void
base64(struct buf *b, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t col = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		buf_putc(b, tab[v >> 18 & 63]);
		buf_putc(b, tab[v >> 12 & 63]);
		buf_putc(b, i + 1 < n ? tab[v >> 6 & 63] : '=');
		buf_putc(b, i + 2 < n ? tab[v & 63] : '=');
		if ((col += 4) >= 76) {
			buf_puts(b, "\r\n");
			col = 0;
		}
	}
	if (col > 0)
		buf_puts(b, "\r\n");
}

/* The mailto: addresses of a rua list, comma-separated, into rcpts. */
static size_t
rua_rcpts(const char *rua, char rcpts[][256], size_t max)
{
	size_t n = 0;
	const char *p = rua;

	while (*p != '\0' && n < max) {
		size_t l = strcspn(p, ",");
		if (l > 7 && strncasecmp(p, "mailto:", 7) == 0 && l - 7 < 256) {
			snprintf(rcpts[n], 256, "%.*s", (int)(l - 7), p + 7);
			rcpts[n][strcspn(rcpts[n], "?")] = '\0';
			if (strchr(rcpts[n], '@') != NULL)
				n++;
		}
		p += l;
		if (*p == ',')
			p++;
	}
	return n;
}

/*
 * RFC 7489 7.1: keeps the addresses of rcpts the reporting domain may send
 * to (same organizational domain, or confirmed by the destination); the
 * others are named on stderr. Returns how many remain.
 */
static size_t
verify_rcpts(struct dmarc_engine *e, struct dns_resolver *dns, const char *domain, char rcpts[][256], size_t n)
{
	char org[256], rorg[256], name[600];
	size_t kept = 0;

	if (dmarc_engine_org_domain(e, domain, org, sizeof(org)) < 0)
		strlcpy(org, domain, sizeof(org));
	for (size_t i = 0; i < n; i++) {
		const char *rd = strrchr(rcpts[i], '@') + 1;
		int ok = 0;

		if (dmarc_engine_org_domain(e, rd, rorg, sizeof(rorg)) == 0 && strcasecmp(org, rorg) == 0)
			ok = 1;
		else {
			struct dns_answer *a = NULL;
			snprintf(name, sizeof(name), "%s._report._dmarc.%s", domain, rd);
			if (dns_lookup(dns, name, 16, dns_now_ms() + 10000, &a) == 0 && a->rcode == DNS_R_OK)
				for (size_t k = 0; k < a->count && !ok; k++) {
					char txt[1024];
					long l = dns_txt_join(&a->rr[k], txt, sizeof(txt));
					ok = l > 0 && dmarc_record_is_dmarc(txt, (size_t)l);
				}
			dns_answer_free(a);
			if (!ok)
				fprintf(stderr, "spfdkim-ctl dmarc-report: %s: rua address %s is outside %s and %s does not "
				    "confirm it (RFC 7489 7.1): not used\n", domain, rcpts[i], org, name);
		}
		if (ok && kept != i)
			memcpy(rcpts[kept], rcpts[i], sizeof(rcpts[0]));
		kept += ok;
	}
	return kept;
}

static int
write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "we")) == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "spfdkim-ctl dmarc-report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
send_mail(const char *sendmail, const char *from, char rcpts[][256], size_t n, const struct buf *msg)
{
	int fd[2], status;
	pid_t pid;
	const char *argv[8 + 16];
	size_t a = 0;

	argv[a++] = sendmail;
	argv[a++] = "-oi";
	argv[a++] = "-f";
	argv[a++] = from;
	argv[a++] = "--";
	for (size_t i = 0; i < n && i < 16; i++)
		argv[a++] = rcpts[i];
	argv[a] = NULL;
	if (pipe(fd) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[0], 0);
		close(fd[0]);
		close(fd[1]);
		execv(sendmail, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(fd[0]);
	if (write(fd[1], msg->data, msg->len) != (ssize_t)msg->len) {
		close(fd[1]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(fd[1]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

int
ctl_dmarc_report(int argc, char **argv)
{
	const char *conf = NULL, *since_s = "1d", *out = NULL, *org = NULL, *from = NULL;
	const char *sendmail = "/usr/sbin/sendmail", *logs[DR_MAX_LOGS], *resolver = NULL;
	struct dns_resolver *dns = NULL;
	struct dmarc_engine *eng = NULL;
	size_t nlogs = 0;
	int do_send = 0, rc = 0;
	struct config *c = NULL;
	struct dr d = { 0 };
	char err[1024], host[256], fromb[320];
	time_t now = time(NULL), since;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--send") == 0) {
			do_send = 1;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "spfdkim-ctl dmarc-report: option %s needs a value\n", a);
			return usage();
		}
		i++;
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) conf = v;
		else if (strcmp(a, "--since") == 0) since_s = v;
		else if (strcmp(a, "--out") == 0) out = v;
		else if (strcmp(a, "--org") == 0) org = v;
		else if (strcmp(a, "--from") == 0) from = v;
		else if (strcmp(a, "--sendmail") == 0) sendmail = v;
		else if (strcmp(a, "--resolver") == 0) resolver = v;
		else if (strcmp(a, "--log") == 0) {
			if (nlogs >= DR_MAX_LOGS) {
				fprintf(stderr, "spfdkim-ctl dmarc-report: more than %d --log files\n", DR_MAX_LOGS);
				return 2;
			}
			logs[nlogs++] = v;
		} else {
			fprintf(stderr, "spfdkim-ctl dmarc-report: unknown option '%s'\n", a);
			return usage();
		}
	}
	if (report_parse_since(since_s, now, &since, err, sizeof(err)) < 0) {
		fprintf(stderr, "spfdkim-ctl dmarc-report: %s\n", err);
		return 2;
	}
	if (conf != NULL && (c = config_load(conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "spfdkim-ctl dmarc-report: %s\n", err);
		return 2;
	}
	if (nlogs == 0 && c != NULL && c->decision_log != NULL)
		logs[nlogs++] = c->decision_log;
	if (nlogs == 0) {
		fprintf(stderr, "spfdkim-ctl dmarc-report: no decision log (set DecisionLog in -c CONFIG, or give --log FILE)\n");
		config_free(c);
		return 2;
	}
	if (gethostname(host, sizeof(host) - 1) < 0 || host[0] == '\0')
		strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	if (org == NULL)
		org = host;
	if (from == NULL) {
		snprintf(fromb, sizeof(fromb), "dmarc-noreply@%s", host);
		from = fromb;
	}
	for (size_t i = 0; i < nlogs; i++)
		if (read_log(&d, logs[i], since) < 0)
			rc = 2;
	if (d.ndoms > 0) {
		struct dns_options o = { .forwarders = resolver ? resolver : c != NULL ? c->resolver : NULL };
		struct dmarc_options mo = { .psl_file = c != NULL ? c->dmarc_psl : NULL };
		if ((dns = dns_resolver_new(&o, err, sizeof(err))) == NULL ||
		    (eng = dmarc_engine_new(&mo, dns, err, sizeof(err))) == NULL) {
			fprintf(stderr, "spfdkim-ctl dmarc-report: %s\n", err);
			rc = 2;
		}
	}
	for (size_t i = 0; i < d.ndoms && rc != 2; i++) {
		struct dr_domain *dom = &d.doms[i];
		time_t begin = since > 0 ? since : dom->first, end = since > 0 ? now : dom->last;
		char id[320], name[1024], rcpts[16][256], date[64];
		struct buf xml, msg;
		unsigned char *gz = NULL;
		size_t gzlen = 0, nr;
		struct tm tm;

		snprintf(id, sizeof(id), "%lld.%016llx@%s", (long long)begin,
		    (unsigned long long)fnv64(dom->name) ^ (unsigned long long)end, host);
		snprintf(name, sizeof(name), "%s!%s!%lld!%lld.xml.gz", org, dom->name, (long long)begin, (long long)end);
		buf_init(&xml, DR_XML_MAX);
		build_xml(&xml, dom, org, from, id, begin, end);
		if (xml.failed || gzip_mem(xml.data, xml.len, &gz, &gzlen) < 0) {
			fprintf(stderr, "spfdkim-ctl dmarc-report: %s: report too large or out of memory\n", dom->name);
			buf_free(&xml);
			rc = 2;
			break;
		}
		nr = verify_rcpts(eng, dns, dom->name, rcpts, rua_rcpts(dom->rua, rcpts, 16));
		gmtime_r(&now, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
		buf_init(&msg, DR_XML_MAX * 2);
		buf_printf(&msg, "From: %s\r\nTo: ", from);
		for (size_t k = 0; k < nr; k++)
			buf_printf(&msg, "%s%s", k ? ", " : "", rcpts[k]);
		buf_printf(&msg, "%s\r\nDate: %s\r\nMessage-ID: <%s>\r\n"
		    "Subject: Report Domain: %s Submitter: %s Report-ID: <%s>\r\n"
		    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_dmarc_%016llx\"\r\n\r\n"
		    "--=_dmarc_%016llx\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
		    "DMARC aggregate report for %s from %s: %lu messages.\r\n\r\n"
		    "--=_dmarc_%016llx\r\nContent-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n"
		    "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
		    nr == 0 ? "undisclosed-recipients:;" : "", date, id, dom->name, org, id,
		    (unsigned long long)fnv64(id), (unsigned long long)fnv64(id), dom->name, org, dom->msgs,
		    (unsigned long long)fnv64(id), name);
		base64(&msg, gz, gzlen);
		buf_printf(&msg, "--=_dmarc_%016llx--\r\n", (unsigned long long)fnv64(id));
		if (out != NULL) {
			char eml[1100];
			snprintf(eml, sizeof(eml), "%.*s.eml", (int)(strlen(name) - 7), name);
			if (write_file(out, name, gz, gzlen) < 0 || write_file(out, eml, msg.data, msg.len) < 0)
				rc = 2;
		}
		if (do_send && nr > 0 && send_mail(sendmail, from, rcpts, nr, &msg) < 0) {
			fprintf(stderr, "spfdkim-ctl dmarc-report: %s: %s failed for the report of %s\n", dom->name, sendmail,
			    dom->name);
			rc = 2;
		}
		printf("%s: %lu messages, %zu rows, to %s%s -> %s%s\n", dom->name, dom->msgs, dom->nrows,
		    nr > 0 ? rcpts[0] : "(no mailto: address)", nr > 1 ? " ..." : "", name,
		    do_send && nr > 0 ? " (sent)" : "");
		if (dom->dropped > 0)
			fprintf(stderr, "spfdkim-ctl dmarc-report: %s: %lu messages past the cap of %d rows not reported\n",
			    dom->name, dom->dropped, DR_MAX_ROWS);
		buf_free(&xml);
		buf_free(&msg);
		free(gz);
	}
	printf("reports: %zu; lines read: %lu, duplicates skipped: %lu, evaluated without a report address: %lu\n",
	    d.ndoms, d.lines, d.dups, d.no_report);
	if (d.overflow > 0)
		fprintf(stderr, "spfdkim-ctl dmarc-report: %lu messages past the cap of %d reporting domains\n",
		    d.overflow, DR_MAX_DOMAINS);
	for (size_t i = 0; i < d.ndoms; i++) {
		for (size_t r = 0; r < d.doms[i].nrows; r++)
			free(d.doms[i].rows[r].key);
		free(d.doms[i].rows);
	}
	free(d.doms);
	free(d.seen);
	dmarc_engine_free(eng);
	dns_resolver_free(dns);
	config_free(c);
	return rc;
}
