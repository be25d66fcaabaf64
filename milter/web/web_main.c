/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web_main.c - spfdkim-web: options, the passwd subcommand, privileges.
 *
 *   spfdkim-web -c CONF -P PASSWD [-l ADDR] [-p PORT] [-u USER] [-x MAILROOT]
 *               [-s "SENDMAIL ARGS"] [-r xmail|sendmail] [-i PIDFILE]
 *   spfdkim-web passwd FILE USER      (the password is read from stdin)
 *
 * The page runs as the milter's user so that what it writes (config, spam
 * folder, whitelist) stays the milter's: started as root it switches to -u
 * USER, or the config's UserID, before it listens, and refuses to run as root
 * without one. It listens on 127.0.0.1 unless -l says otherwise.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "version.h"
#include "web.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: spfdkim-web -c CONF -P PASSWD [-l ADDR] [-p PORT] [-u USER] [-x MAILROOT]\n"
	    "                   [-s \"SENDMAIL ARGS\"] [-r xmail|sendmail] [-i PIDFILE]\n"
	    "       spfdkim-web passwd FILE USER   (reads the password from stdin)\n"
	    "       spfdkim-web -V | --version | -h | --help\n"
	    "  -c CONF     the milter's configuration file (or MailRoot/spam-spf-conf.tab)\n"
	    "  -P PASSWD   the password file made by \"spfdkim-web passwd\"\n"
	    "  -l ADDR     listen address (default 127.0.0.1)\n"
	    "  -p PORT     listen port (default 8895)\n"
	    "  -u USER     run as USER when started as root (default: the config's UserID)\n"
	    "  -x MAILROOT XMail: switch the filter stage, release through spool/local\n"
	    "  -s CMD      release command for Postfix/Sendmail (default \"/usr/sbin/sendmail\")\n"
	    "  -r ROUTE    release through xmail (spool/local, the default with -x) or sendmail\n"
	    "  -i PIDFILE  the milter's pid file (default: the config's PidFile)\n");
}

static int
cmd_passwd(int argc, char **argv)
{
	char pw[1024], err[512];
	size_t n;

	if (argc != 4) {
		usage(stderr);
		return 2;
	}
	if (isatty(0))
		fprintf(stderr, "password for %s: ", argv[3]);
	if (fgets(pw, sizeof(pw), stdin) == NULL) {
		fprintf(stderr, "spfdkim-web: no password on stdin\n");
		return 1;
	}
	n = strcspn(pw, "\r\n");
	pw[n] = '\0';
	if (web_passwd_set(argv[2], argv[3], pw, err, sizeof(err)) < 0) {
		explicit_bzero(pw, sizeof(pw));
		fprintf(stderr, "spfdkim-web: %s\n", err);
		return 1;
	}
	explicit_bzero(pw, sizeof(pw));
	printf("%s: password of %s set\n", argv[2], argv[3]);
	return 0;
}

/* Started as root: become user (all groups too). 0 or -1 with err. */
static int
drop_root(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (user == NULL || user[0] == '\0') {
		snprintf(err, errlen, "refusing to run as root: give -u USER or set UserID in the config");
		return -1;
	}
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "no such user \"%.64s\"", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "refusing to run as root (user %.64s has uid 0)", user);
		return -1;
	}
	if (setgroups(0, NULL) < 0 || initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen, "cannot become %.64s: %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		snprintf(err, errlen, "still root after switching to %.64s", user);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct web_opts o = { .listen = "127.0.0.1", .port = 8895, .sendmail = "/usr/sbin/sendmail" };
	char err[1024];
	struct config *c;
	int ch;
	const char *route = NULL;

	if (argc >= 2 && strcmp(argv[1], "passwd") == 0)
		return cmd_passwd(argc, argv);
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
			printf("spfdkim-web %s\n", spfdkim_version());
			return 0;
		}
	}
	while ((ch = getopt(argc, argv, "c:P:l:p:u:x:s:r:i:")) != -1) {
		unsigned long v;
		switch (ch) {
		case 'c': o.conf = optarg; break;
		case 'P': o.passwd = optarg; break;
		case 'l': o.listen = optarg; break;
		case 'p':
			if (web_parse_uint(optarg, 65535, &v) < 0 || v == 0) {
				fprintf(stderr, "spfdkim-web: -p \"%s\" is not a port\n", optarg);
				return 2;
			}
			o.port = (unsigned)v;
			break;
		case 'u': o.user = optarg; break;
		case 'x': o.mailroot = optarg; break;
		case 's': o.sendmail = optarg; break;
		case 'i': o.pidfile = optarg; break;
		case 'r': route = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (o.conf == NULL || o.passwd == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (route != NULL && strcmp(route, "xmail") != 0 && strcmp(route, "sendmail") != 0) {
		fprintf(stderr, "spfdkim-web: -r \"%s\": use xmail or sendmail\n", route);
		return 2;
	}
	o.release_xmail = route != NULL ? strcmp(route, "xmail") == 0 : o.mailroot != NULL;
	if (o.release_xmail && o.mailroot == NULL) {
		fprintf(stderr, "spfdkim-web: -r xmail needs -x MAILROOT\n");
		return 2;
	}
	if ((c = config_load(o.conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "spfdkim-web: %s\n", err);
		return 1;
	}
	if (o.user == NULL && c->user_id != NULL)
		o.user = strdup(c->user_id);
	config_free(c);
	if (drop_root(o.user, err, sizeof(err)) < 0) {
		fprintf(stderr, "spfdkim-web: %s\n", err);
		return 1;
	}
	if (access(o.passwd, R_OK) < 0) {
		fprintf(stderr, "spfdkim-web: %s: %s (make it with: spfdkim-web passwd %s USER)\n", o.passwd,
		    strerror(errno), o.passwd);
		return 1;
	}
	if (web_serve(&o, err, sizeof(err)) < 0) {
		fprintf(stderr, "spfdkim-web: %s\n", err);
		return 1;
	}
	return 0;
}
