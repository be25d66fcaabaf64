/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bridge_testmilter.c - a libmilter test milter for the XMail bridge tests:
 * records what it receives and answers as told.
 *
 *   bridge_testmilter -p SOCKET [-m MODE[,MODE...]] [-d DUMPDIR] [-R ADDR]
 *
 * MODEs: record (writes DUMPDIR/events and DUMPDIR/body), addheader,
 * insheader0, insheader2, chgheader, delheader, replbody, addrcpt,
 * addrcpt_par, delrcpt, chgfrom, quarantine, progress, skip (SKIP in body),
 * reject-eom, tempfail-eom, replycode, replycode-multi, discard-eom,
 * reject-rcpt (RCPT -R ADDR), tempfail-rcpt, discard-rcpt, discard-data,
 * reject-mail, accept-mail,
 * hang-eom, die-body (SIGKILL itself in the body), leadspc, nr (asks for no
 * replies where it can), nohdrs, nobody.
 * Events are one per line: "connect HOST FAMILY ADDR PORT", "macro NAME=VALUE",
 * "helo X", "mail ARG...", "rcpt ARG...", "data", "header NAME:VALUE" (with
 * \n shown as \\n), "eoh", "eom", "abort", "close". Test helper only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "sockspec.h"

static char modes[1024] = "";
static const char *dumpdir;
static const char *rej_addr = "";
static FILE *ev;
static FILE *bodyf;

static int
has(const char *m)
{
	char buf[1100];
	size_t n = strlen(m);

	snprintf(buf, sizeof(buf), ",%s,", modes);
	for (char *p = buf; (p = strstr(p, m)) != NULL; p++)
		if (p[-1] == ',' && p[n] == ',')
			return 1;
	return 0;
}

static void
evf(const char *fmt, const char *a, const char *b)
{
	if (!ev)
		return;
	fputs(fmt, ev);
	if (a) {
		fputc(' ', ev);
		for (; *a; a++) {
			if (*a == '\n')
				fputs("\\n", ev);
			else if (*a == '\r')
				fputs("\\r", ev);
			else
				fputc(*a, ev);
		}
	}
	if (b) {
		fputc(':', ev);
		for (; *b; b++) {
			if (*b == '\n')
				fputs("\\n", ev);
			else if (*b == '\r')
				fputs("\\r", ev);
			else
				fputc(*b, ev);
		}
	}
	fputc('\n', ev);
	fflush(ev);
}

static void
dump_macros(SMFICTX *ctx)
{
	static const char *names[] = { "j", "{daemon_name}", "i", "{client_addr}", "{client_port}",
		"{auth_authen}", "{mail_addr}", "{rcpt_addr}", "{if_addr}", NULL };
	char line[1200];

	for (int i = 0; names[i]; i++) {
		char *v = smfi_getsymval(ctx, (char *)names[i]);
		if (v) {
			snprintf(line, sizeof(line), "%s=%s", names[i], v);
			evf("macro", line, NULL);
		}
	}
}

static sfsistat
t_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
            unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want = 0;

	(void)ctx;
	(void)f2;
	(void)f3;
	*pf0 = f0;
	if (has("leadspc"))
		want |= SMFIP_HDR_LEADSPC;
	if (has("nr"))
		want |= (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA |
		    SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NR_HDR) & f1;
	if (has("skip"))
		want |= SMFIP_SKIP;
	if (has("nohdrs"))
		want |= SMFIP_NOHDRS;
	if (has("nobody"))
		want |= SMFIP_NOBODY;
	*pf1 = want & f1;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
t_connect(SMFICTX *ctx, char *host, struct sockaddr *sa)
{
	char addr[64] = "-", line[300];
	int port = 0;
	const char *fam = "U";

	if (dumpdir && !ev) {
		char p[1024];
		snprintf(p, sizeof(p), "%s/events", dumpdir);
		ev = fopen(p, "a");
		snprintf(p, sizeof(p), "%s/body", dumpdir);
		bodyf = fopen(p, "w");
	}
	if (sa && sa->sa_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		port = ntohs(s4->sin_port);
		fam = "4";
	} else if (sa && sa->sa_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		port = ntohs(s6->sin6_port);
		fam = "6";
	}
	snprintf(line, sizeof(line), "%s %s %s %d", host, fam, addr, port);
	evf("connect", line, NULL);
	dump_macros(ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
t_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx;
	evf("helo", helo, NULL);
	return SMFIS_CONTINUE;
}

static void
argv_line(const char *what, char **argv)
{
	char line[2048] = "";

	for (int i = 0; argv[i]; i++) {
		if (i)
			strlcat(line, " ", sizeof(line));
		strlcat(line, argv[i], sizeof(line));
	}
	evf(what, line, NULL);
}

static sfsistat
t_envfrom(SMFICTX *ctx, char **argv)
{
	argv_line("mail", argv);
	dump_macros(ctx);
	if (has("reject-mail"))
		return SMFIS_REJECT;
	if (has("accept-mail"))
		return SMFIS_ACCEPT;
	return SMFIS_CONTINUE;
}

static sfsistat
t_envrcpt(SMFICTX *ctx, char **argv)
{
	argv_line("rcpt", argv);
	dump_macros(ctx);
	if (rej_addr[0] && strcasestr(argv[0], rej_addr)) {
		if (has("reject-rcpt")) {
			smfi_setreply(ctx, "550", "5.1.1", "No such user here");
			return SMFIS_REJECT;
		}
		if (has("discard-rcpt"))
			return SMFIS_DISCARD;
		if (has("tempfail-rcpt")) {
			smfi_setreply(ctx, "451", "4.7.1", "Greylisted, try later");
			return SMFIS_TEMPFAIL;
		}
	}
	return SMFIS_CONTINUE;
}

static sfsistat
t_data(SMFICTX *ctx)
{
	(void)ctx;
	evf("data", NULL, NULL);
	return has("discard-data") ? SMFIS_DISCARD : SMFIS_CONTINUE;
}

static sfsistat
t_header(SMFICTX *ctx, char *n, char *v)
{
	(void)ctx;
	evf("header", n, v);
	return SMFIS_CONTINUE;
}

static sfsistat
t_eoh(SMFICTX *ctx)
{
	(void)ctx;
	evf("eoh", NULL, NULL);
	return SMFIS_CONTINUE;
}

static sfsistat
t_body(SMFICTX *ctx, unsigned char *b, size_t len)
{
	(void)ctx;
	if (has("die-body"))
		kill(getpid(), SIGKILL);
	if (bodyf) {
		fwrite(b, 1, len, bodyf);
		fflush(bodyf);
	}
	return has("skip") ? SMFIS_SKIP : SMFIS_CONTINUE;
}

static sfsistat
t_eom(SMFICTX *ctx)
{
	evf("eom", NULL, NULL);
	dump_macros(ctx);
	if (has("hang-eom"))
		sleep(1000);
	if (has("progress"))
		smfi_progress(ctx);
	if (has("addheader"))
		smfi_addheader(ctx, "X-Test-Added", "added value");
	if (has("insheader0"))
		smfi_insheader(ctx, 0, "X-Test-Top", "top\n\tfolded");
	if (has("insheader2"))
		smfi_insheader(ctx, 2, "X-Test-Third", "third");
	if (has("chgheader"))
		smfi_chgheader(ctx, "Subject", 1, "changed subject");
	if (has("delheader"))
		smfi_chgheader(ctx, "X-Mailer", 1, NULL);
	if (has("replbody")) {
		static unsigned char nb[] = "new body line 1\r\n.leading dot\r\n.\r\nlast";
		smfi_replacebody(ctx, nb, sizeof(nb) - 1);
	}
	if (has("addrcpt"))
		smfi_addrcpt(ctx, "<added@example.test>");
	if (has("addrcpt_par"))
		smfi_addrcpt_par(ctx, "<added2@example.test>", "NOTIFY=NEVER");
	if (has("delrcpt"))
		smfi_delrcpt(ctx, "<alice@example.test>");
	if (has("chgfrom"))
		smfi_chgfrom(ctx, "<changed@sender.test>", "BODY=8BITMIME");
	if (has("quarantine"))
		smfi_quarantine(ctx, "test quarantine");
	if (has("reject-eom"))
		return SMFIS_REJECT;
	if (has("tempfail-eom"))
		return SMFIS_TEMPFAIL;
	if (has("replycode")) {
		smfi_setreply(ctx, "554", "5.7.1", "Rejected 100%% by test");
		return SMFIS_REJECT;
	}
	if (has("replycode-multi")) {
		smfi_setmlreply(ctx, "550", "5.7.0", "first line", "second line", "third line", NULL);
		return SMFIS_REJECT;
	}
	if (has("discard-eom"))
		return SMFIS_DISCARD;
	return SMFIS_CONTINUE;
}

static sfsistat
t_abort(SMFICTX *ctx)
{
	(void)ctx;
	evf("abort", NULL, NULL);
	return SMFIS_CONTINUE;
}

static sfsistat
t_close(SMFICTX *ctx)
{
	(void)ctx;
	evf("close", NULL, NULL);
	if (ev) {
		fclose(ev);
		ev = NULL;
	}
	if (bodyf) {
		fclose(bodyf);
		bodyf = NULL;
	}
	return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
	const char *sock = NULL;
	int c;
	struct smfiDesc d = {
		"bridge_testmilter", SMFI_VERSION,
		SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT | SMFIF_ADDRCPT_PAR |
		    SMFIF_DELRCPT | SMFIF_CHGFROM | SMFIF_QUARANTINE,
		t_connect, t_helo, t_envfrom, t_envrcpt, t_header, t_eoh, t_body, t_eom, t_abort,
		t_close, NULL, t_data, t_negotiate
	};

	while ((c = getopt(argc, argv, "p:m:d:R:")) != -1) {
		switch (c) {
		case 'p': sock = optarg; break;
		case 'm': strlcpy(modes, optarg, sizeof(modes)); break;
		case 'd': dumpdir = optarg; break;
		case 'R': rej_addr = optarg; break;
		default:
			fprintf(stderr, "usage: bridge_testmilter -p SOCKET [-m MODES] [-d DIR] [-R ADDR]\n");
			return 2;
		}
	}
	if (sock == NULL) {
		fprintf(stderr, "bridge_testmilter: -p SOCKET is required\n");
		return 2;
	}
	{
		struct sockspec ss;
		char why[300];
		if (sockspec_parse(sock, &ss, why, sizeof(why)) < 0) {
			fprintf(stderr, "bridge_testmilter: -p %s: %s\n", sock, why);
			return 2;
		}
		if (ss.kind == SOCKSPEC_UNIX)
			unlink(ss.path);
	}
	smfi_setconn((char *)sock);
	if (smfi_register(d) == MI_FAILURE) {
		fprintf(stderr, "bridge_testmilter: smfi_register failed\n");
		return 1;
	}
	smfi_settimeout(30);
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
