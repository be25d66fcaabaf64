/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - spfdkim-milter: options, start-up, privileges, signals, reload.
 *
 *   spfdkim-milter [-c FILE] [-p SOCKET] [-u USER] [-P PIDFILE] [-f] [-n] [-d]
 *   spfdkim-milter -V | --version | -h | --help
 *
 * libmilter runs in its own thread (smfi_main); this thread only waits for
 * signals. XXX libmilter: its own signal thread treats SIGHUP as "stop"
 * (mi_signal_thread), so the signals are caught here first: this (the main) thread keeps SIGHUP, SIGTERM
 * and SIGINT unblocked with handlers, and the kernel delivers process signals
 * to the main thread whenever it can take them. The handler only writes the
 * signal number to a pipe; the main loop waits for it in poll(), which a
 * signal always interrupts (SA_RESTART never restarts poll): under
 * ThreadSanitizer a handler runs only once its thread leaves a blocking call,
 * and a restarted read() would never leave. SIGHUP (or SIGUSR1, as for
 * OpenDKIM, and handled the same way) builds a new runtime
 * from the config file and swaps it in; a bad file is refused with a log
 * line and the old runtime stays. SIGTERM/SIGINT first let open sessions
 * end, up to STOP_DRAIN_SECONDS (a message in progress gets its verdict; a
 * new connection meanwhile is refused with a temporary failure), then stop
 * libmilter and remove the pid file and socket. Past that bound the process
 * ends with _exit(): no exit handler (OpenSSL's clean-up) may run under a
 * session thread that is still verifying.
 *
 * Started as root with UserID/-u, only these are opened before the drop:
 * the Log file and the DecisionLog (their fds are kept), the pid file
 * (written as a new file renamed into place, never through a planted name,
 * and left root's), and the socket. A unix socket is bound with the
 * user's effective ids, so it is the user's without any chown. Logs are
 * opened with O_NOFOLLOW and must be regular files with one link.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <getopt.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "config.h"
#include "fileio.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "mlfi.h"
#include "runtime.h"
#include "sockspec.h"
#include "userspec.h"
#include "version.h"

extern struct smfiDesc mlfi_desc;

/* MILTER_MDS_1M, which mfdef.h defines only under _FFR_MDS_NEGOTIATE. */
#define MILTER_DATA_1M ((1024 * 1024) - 1)
/* SIGTERM: how long open milter sessions may take to end. */
#define STOP_DRAIN_SECONDS 30

static int sig_pipe[2] = { -1, -1 };
static int milter_done;   /* set (atomically) when smfi_main has returned */

static void
on_signal(int sig)
{
	char c = (char)sig;
	int e = errno;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* The pipe is full: a signal is already pending. */
	}
	errno = e;
}

static void *
milter_thread(void *arg)
{
	int *rc = arg;
	char c = 'X';

	*rc = smfi_main();
	__atomic_store_n(&milter_done, 1, __ATOMIC_RELEASE);
	if (write(sig_pipe[1], &c, 1) < 0) {
		/* nothing else to do */
	}
	return NULL;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: spfdkim-milter [-c FILE] [-p SOCKET] [-u USER] [-P PIDFILE] [-f] [-n] [-d]\n"
	    "       spfdkim-milter -V | --version | -h | --help\n"
	    "  -c FILE    configuration (default: the embedded defaults)\n"
	    "  -p SOCKET  unix:/path, inet:port@host or inet6:port@host (overrides Socket)\n"
	    "  -u USER    drop privileges to USER after binding (overrides UserID)\n"
	    "  -P FILE    pid file (overrides PidFile)\n"
	    "  -f         stay in the foreground\n"
	    "  -n         check the configuration and exit\n"
	    "  -d         debug: log everything to stderr\n"
	    "  -V         print the version and exit\n"
	    "  -h         print this help and exit\n");
}

struct opts {
	const char *conf, *sock, *user, *pidfile;
	int foreground, check, debug;
};

/* Loads the config named by the options and applies the overrides. */
static struct config *
load_config(const struct opts *o, char *err, size_t errlen)
{
	struct config *c;

	if (o->conf != NULL)
		c = config_load(o->conf, err, errlen);
	else if ((c = config_new_default()) == NULL)
		snprintf(err, errlen, "out of memory");
	if (c == NULL)
		return NULL;
	if (o->sock != NULL) {
		struct sockspec ss;
		char why[300];
		if (sockspec_parse(o->sock, &ss, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "-p \"%.200s\": %s", o->sock, why);
			config_free(c);
			return NULL;
		}
	}
	if (o->sock != NULL) {
		free(c->socket);
		c->socket = strdup(o->sock);
	}
	if (o->user != NULL) {
		free(c->user_id);
		c->user_id = strdup(o->user);
	}
	if (o->pidfile != NULL) {
		free(c->pid_file);
		c->pid_file = strdup(o->pidfile);
	}
	if (c->socket == NULL || (o->user && !c->user_id) || (o->pidfile && !c->pid_file)) {
		snprintf(err, errlen, "out of memory");
		config_free(c);
		return NULL;
	}
	return c;
}

static int
open_log(const struct opts *o, const struct config *c, char *err, size_t errlen)
{
	if (o->debug)
		return log_open("spfdkim-milter", "stderr", LOG_L_DEBUG, err, errlen);
	return log_open("spfdkim-milter", c->log, c->log_level, err, errlen);
}

/* Prints the MTA lines for this socket (make run, -f -d). */
static void
print_mta_lines(const char *sock)
{
	struct sockspec ss;
	char pf[512], why[300];

	if (sockspec_parse(sock, &ss, why, sizeof(why)) < 0)
		snprintf(pf, sizeof(pf), "%s", sock);
	else if (ss.kind == SOCKSPEC_UNIX)
		snprintf(pf, sizeof(pf), "unix:%s", ss.path);
	else
		snprintf(pf, sizeof(pf), ss.kind == SOCKSPEC_INET6 ? "inet:[%s]:%u" : "inet:%s:%u",
		    ss.host[0] != '\0' ? ss.host : "127.0.0.1", ss.port);
	printf("spfdkim-milter listening on %s\n\n"
	    "Postfix (main.cf):\n"
	    "    smtpd_milters = %s\n"
	    "    non_smtpd_milters = $smtpd_milters\n"
	    "    milter_default_action = accept\n"
	    "    milter_protocol = 6\n"
	    "    milter_connect_timeout = 10s\n"
	    "    milter_command_timeout = 50s\n"
	    "    milter_content_timeout = 120s\n\n"
	    "Sendmail (sendmail.mc; no F= flag: mail is accepted when the milter is down):\n"
	    "    INPUT_MAIL_FILTER(`spfdkim-milter', `S=%s, T=C:10s;S:10s;R:50s;E:2m')\n\n",
	    sock, pf, sock);
	fflush(stdout);
}

/* The path of a unix socket spec, in buf; NULL for inet sockets. */
static const char *
unix_path(const char *sock, char *buf, size_t len)
{
	struct sockspec ss;
	char why[300];

	if (sockspec_parse(sock, &ss, why, sizeof(why)) < 0 || ss.kind != SOCKSPEC_UNIX)
		return NULL;
	strlcpy(buf, ss.path, len);
	return buf;
}

/*
 * XXX libmilter: the listener notices smfi_stop() only when its select()
 * times out (every 5 s) or a connection arrives; one empty connection to
 * our own socket makes SIGTERM take effect at once. Best effort: on any failure the
 * listener still stops within 5 s.
 */
static void
wake_listener(const char *sock)
{
	struct sockspec ss;
	struct sockaddr_storage sa;
	socklen_t salen;
	char why[300];
	int fd;

	if (sockspec_parse(sock, &ss, why, sizeof(why)) < 0 ||
	    sockspec_connect_addr(&ss, &sa, &salen, why, sizeof(why)) < 0)
		return;
	if ((fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
		(void)connect(fd, (struct sockaddr *)&sa, salen);
		close(fd);
	}
}

/*
 * XXX libmilter: smfi_stop() itself waits for the listener's lock, which
 * the listener holds while it sleeps in select(); so the poking must come
 * from another thread, and be repeated until libmilter has returned.
 */
static void *
waker_thread(void *arg)
{
	char *sock = arg;

	for (int i = 0; i < 100 && !__atomic_load_n(&milter_done, __ATOMIC_ACQUIRE); i++) {
		wake_listener(sock);
		usleep(50 * 1000);
	}
	free(sock);
	return NULL;
}

static void
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		log_fatal_sys("fork");
	if (pid > 0)
		_exit(0);
	setsid();
	if ((pid = fork()) < 0)
		log_fatal_sys("fork");
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		log_warn_sys("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static void
reload(const struct opts *o)
{
	char err[1024];
	struct config *c = load_config(o, err, sizeof(err));
	struct runtime *cur, *rt;

	if (c == NULL) {
		log_error("reload refused, keeping the running configuration: %s", err);
		metrics_inc(MC_RELOAD_FAILURES);
		return;
	}
	cur = runtime_acquire();
	if (cur != NULL && strcmp(cur->cfg->socket, c->socket) != 0)
		log_warn("reload: Socket changed to %s; this takes a restart (still on %s)",
		    c->socket, cur->cfg->socket);
	if (cur != NULL && strcmp(cur->cfg->metrics_socket ? cur->cfg->metrics_socket : "",
	    c->metrics_socket ? c->metrics_socket : "") != 0)
		log_warn("reload: MetricsSocket changed; this takes a restart");
	rt = runtime_build(c, cur, err, sizeof(err));
	runtime_release(cur);
	if (rt == NULL) {
		log_error("reload refused, keeping the running configuration: %s", err);
		metrics_inc(MC_RELOAD_FAILURES);
		config_free(c);
		return;
	}
	if (open_log(o, rt->cfg, err, sizeof(err)) < 0)
		log_warn("reload: %s (logging target unchanged)", err);
	runtime_install(rt);
	metrics_inc(MC_RELOADS);
	log_info("reloaded configuration from %s", rt->cfg->source);
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct config *c;
	struct runtime *rt;
	char err[1024];
	const char *upath;
	char *pidpath = NULL;
	unsigned left = 0;
	char upbuf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct userspec us;
	pthread_t tid;
	sigset_t set, old;
	int ch, milter_rc = 0, stopping = 0;
	struct sigaction sa;

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};

	while ((ch = getopt_long(argc, argv, "c:p:u:P:fndhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o.conf = optarg; break;
		case 'p': o.sock = optarg; break;
		case 'u': o.user = optarg; break;
		case 'P': o.pidfile = optarg; break;
		case 'f': o.foreground = 1; break;
		case 'n': o.check = 1; break;
		case 'd': o.debug = 1; o.foreground = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("spfdkim-milter %s\n", spfdkim_version()); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	if ((c = load_config(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "spfdkim-milter: %s\n", err);
		return 1;
	}
	if (c->user_id != NULL && userspec_lookup(c->user_id, &us, err, sizeof(err)) < 0) {
		fprintf(stderr, "spfdkim-milter: %s: UserID: %s\n", c->source, err);
		config_free(c);
		return 1;
	}
	if (o.check) {
		if ((rt = runtime_build(c, NULL, err, sizeof(err))) == NULL) {
			fprintf(stderr, "spfdkim-milter: %s\n", err);
			config_free(c);
			return 1;
		}
		printf("%s: configuration OK\n", rt->cfg->source);
		runtime_release(rt);
		return 0;
	}

	if (open_log(&o, c, err, sizeof(err)) < 0) {
		fprintf(stderr, "spfdkim-milter: %s\n", err);
		return 1;
	}
	if (!o.foreground)
		daemonize();
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Handlers go in before the socket and the pid file exist: a reload or
	 * stop sent the moment we are reachable must queue, not kill us (the
	 * default action of SIGHUP). The main loop reads the queued signals.
	 */
	if (pipe2(sig_pipe, O_CLOEXEC) < 0)
		log_fatal_sys("pipe");
	fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);   /* OpenDKIM's reload signal */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if ((rt = runtime_build(c, NULL, err, sizeof(err))) == NULL) {
		config_free(c);
		log_fatal("%s", err);
	}
	runtime_install(rt);

	if (smfi_register(mlfi_desc) == MI_FAILURE)
		log_fatal("smfi_register failed");
	/*
	 * XXX libmilter: negotiating SMFIP_MDS_1M does not raise libmilter's own
	 * packet limit (64 KB by default); a bigger packet (one long folded
	 * header) makes it drop the connection. Accept what we negotiate.
	 */
	(void)smfi_setmaxdatasize(MILTER_DATA_1M);
	if (smfi_setconn(rt->cfg->socket) == MI_FAILURE)
		log_fatal("%s: Socket \"%s\": smfi_setconn failed", rt->cfg->source, rt->cfg->socket);
	smfi_setbacklog(128);
	smfi_settimeout((int)rt->cfg->milter_timeout);
	upath = unix_path(rt->cfg->socket, upbuf, sizeof(upbuf));
	{
		mode_t um = umask(rt->cfg->umask);
		/*
		 * A unix socket is made by the user it will belong to: its
		 * directory is that user's to control, so root neither creates
		 * a name there nor chowns one afterwards.
		 */
		int as_user = rt->cfg->user_id != NULL && upath != NULL && geteuid() == 0;
		if (as_user && (setgroups(1, &us.gid) < 0 || setegid(us.gid) < 0 || seteuid(us.uid) < 0))
			log_fatal_sys("cannot take the ids of %s to create the socket", us.name);
		if (smfi_opensocket(1) == MI_FAILURE)
			log_fatal("cannot listen on %s (in use, or no permission%s%s)", rt->cfg->socket,
			    as_user ? " for user " : "", as_user ? us.name : "");
		if (as_user && (seteuid(0) < 0 || setegid(0) < 0))
			log_fatal_sys("cannot return to root after creating the socket");
		umask(um);
	}
	if (rt->cfg->metrics_socket != NULL && metrics_http_start(rt->cfg->metrics_socket, err, sizeof(err)) < 0)
		log_fatal("%s: %s", rt->cfg->source, err);
	mlfi_listen_set(rt->cfg->socket);
	if (rt->cfg->pid_file != NULL) {
		char pidtext[32];
		int n = snprintf(pidtext, sizeof(pidtext), "%ld\n", (long)getpid());
		if ((pidpath = strdup(rt->cfg->pid_file)) == NULL ||
		    fileio_replace(pidpath, pidtext, (size_t)n, 0644, err, sizeof(err)) < 0)
			log_fatal("PidFile %s", pidpath != NULL ? err : "out of memory");
	}
	if (rt->cfg->user_id != NULL) {
		/* The log fds are open; the socket is bound; the pid file written. */
		if (userspec_become(&us) < 0)
			log_fatal_sys("cannot drop privileges to %s", rt->cfg->user_id);
		log_info("running as user %s", rt->cfg->user_id);
	}
	if (o.foreground && o.debug)
		print_mta_lines(rt->cfg->socket);

	/* XXX libmilter: its threads, its SIGHUP-means-stop signal thread among
	   them, inherit a mask with our signals blocked ... */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if ((errno = pthread_create(&tid, NULL, milter_thread, &milter_rc)) != 0)
		log_fatal_sys("pthread_create");
	/* ... while this thread takes them (handlers are in place already). */
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	log_info("spfdkim-milter started on %s (config %s, pid %ld, version %s)", rt->cfg->socket,
	    rt->cfg->source, (long)getpid(), spfdkim_version());
	/* systemd Type=notify: the socket listens (a no-op without NOTIFY_SOCKET). */
	sd_notifyf(0, "READY=1\nSTATUS=listening on %s", rt->cfg->socket);

	for (;;) {
		struct pollfd pfd = { .fd = sig_pipe[0], .events = POLLIN };
		char sig;
		ssize_t n;

		if (poll(&pfd, 1, -1) < 0 || (n = read(sig_pipe[0], &sig, 1)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			break;
		}
		if (n == 0 || sig == 'X')
			break;
		if ((sig == SIGHUP || sig == SIGUSR1) && !stopping) {
			sd_notify(0, "RELOADING=1");
			reload(&o);
			sd_notify(0, "READY=1");
		} else if ((sig == SIGTERM || sig == SIGINT) && !stopping) {
			pthread_t wt;
			char *sock = NULL;

			log_info("stopping on signal %d", sig);
			sd_notify(0, "STOPPING=1");
			stopping = 1;
			if ((rt = runtime_acquire()) != NULL) {
				sock = strdup(rt->cfg->socket);
				runtime_release(rt);
			}
			/*
			 * XXX libmilter: with its worker pool, smfi_stop() makes
			 * the pool stop serving open sessions at once. So the
			 * sessions drain first: without a current runtime a new
			 * connection is refused (tempfail) at connect, while the
			 * open ones keep theirs until they close.
			 */
			runtime_shutdown();
			if ((left = runtime_drain(STOP_DRAIN_SECONDS * 1000)) > 0)
				log_warn("stopping: milter sessions still open after %d s (%u configurations "
				    "in use); they are cut", STOP_DRAIN_SECONDS, left);
			if (sock != NULL && pthread_create(&wt, NULL, waker_thread, sock) == 0)
				pthread_detach(wt);
			else
				free(sock);
			smfi_stop();
		}
	}
	pthread_join(tid, NULL);
	metrics_http_stop();
	if (!stopping) {
		/* libmilter ended by itself (an error): let what still runs end. */
		runtime_shutdown();
		left = runtime_drain(STOP_DRAIN_SECONDS * 1000);
	}
	if (pidpath != NULL)
		unlink(pidpath);
	if (upath != NULL)
		unlink(upath);
	free(pidpath);
	if (left > 0) {
		/* No exit handler (OpenSSL's clean-up) may run under a live session. */
		log_info("stopped (sessions cut)");
		log_close();
		_exit(1);
	}
	log_info("stopped%s", milter_rc == MI_SUCCESS ? "" : " (libmilter reported an error)");
	log_close();
	return milter_rc == MI_SUCCESS ? 0 : 1;
}
