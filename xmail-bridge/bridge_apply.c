/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bridge_apply.c - applying an accepted milter verdict to XMail's spool:
 * the header and envelope edits (spool.h, Postfix semantics), a
 * replacement body (REPLBODY, re-stuffed into an anonymous file beside
 * $(FILE) as it arrives, so it never sits in memory) and QUARANTINE (the
 * message, un-stuffed and edited, saved to --spam-folder, then discarded).
 * Nothing here writes $(FILE); main.c rewrites it once at the end.
 */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"
#include "fileio.h"
#include "milterproto.h"
#include "spamfolder.h"

/* An anonymous file next to $(FILE) for a replacement body. */
static int
anon_file(const char *file)
{
	char dir[4096], tmpl[4200];
	int fd;

	strlcpy(dir, file, sizeof(dir));
	fd = open(dirname(dir), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (snprintf(tmpl, sizeof(tmpl), "%s.body.XXXXXX", file) >= (int)sizeof(tmpl))
		return -1;
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd >= 0)
		unlink(tmpl);
	return fd;
}

int
replbody_cb(void *arg, const char *data, size_t len)
{
	struct replbody *rb = arg;

	rb->used = 1;
	if (rb->fd < 0 && (rb->fd = anon_file(rb->file)) < 0)
		return -1;
	buf_reset(&rb->tmp);
	if (spool_stuff(&rb->st, data, len, &rb->tmp) < 0)
		return -1;
	return fileio_write_all(rb->fd, rb->tmp.data, rb->tmp.len);
}

int
replbody_finish(struct replbody *rb)
{
	buf_reset(&rb->tmp);
	if (spool_stuff_finish(&rb->st, &rb->tmp) < 0)
		return -1;
	return fileio_write_all(rb->fd, rb->tmp.data, rb->tmp.len);
}

static void
count_mod(char *mods, size_t len, const char *what)
{
	if (mods[0] != '\0')
		strlcat(mods, ",", len);
	strlcat(mods, what, len);
}

static int
write_cb(void *arg, const char *d, size_t l)
{
	return fileio_write_all(*(int *)arg, d, l);
}

/* The (edited) message un-stuffed in an anonymous file, for the spam
 * folder; replfd (stuffed, offset 0) replaces the body when >= 0. */
static int
unstuffed_copy(const char *file, int in_fd, const struct spool *s, int replfd)
{
	int fd = anon_file(file);
	char err[256] = "";
	struct spool body;

	if (fd < 0)
		return -1;
	for (size_t i = 0; i < s->nhdrs; i++) {
		const char *raw = s->hdrs[i].raw;
		size_t n = s->hdrs[i].rawlen;
		if (n > 0 && raw[0] == '.') {
			raw++;
			n--;
		}
		if (write_cb(&fd, raw, n) < 0)
			goto fail;
	}
	if (write_cb(&fd, "\r\n", 2) < 0)
		goto fail;
	memset(&body, 0, sizeof(body));
	body.has_data = 1;
	body.body_off = replfd >= 0 ? 0 : s->body_off;
	if (spool_stream_body(replfd >= 0 ? replfd : in_fd, &body, write_cb, &fd, err,
	        sizeof(err)) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * Applies the modifications of an accepted message. Returns 1 if the
 * spool changed, 0 if not, -1 on error (detail set).
 */
int
apply_mods(struct run *r, struct spool *s, struct mc_conn *c, int *quarantine,
           char *qreason, size_t qlen)
{
	size_t n;
	const struct mc_mod *m = mc_mods(c, &n);
	int leadspc = (mc_protocol(c) & SMFIP_HDR_LEADSPC) != 0, changed = 0;
	unsigned cnt[9] = { 0 };
	static const char *names[9] = { "addheader", "insheader", "chgheader", "addrcpt",
		"addrcpt_par", "delrcpt", "chgfrom", "quarantine", "replbody" };

	for (size_t i = 0; i < n; i++) {
		int rc = 0;

		cnt[m[i].type]++;
		switch (m[i].type) {
		case MC_MOD_ADDHEADER:
			rc = spool_hdr_add(s, m[i].name, m[i].value, leadspc);
			break;
		case MC_MOD_INSHEADER:
			rc = spool_hdr_insert(s, m[i].index, m[i].name, m[i].value, leadspc);
			break;
		case MC_MOD_CHGHEADER:
			rc = spool_hdr_change(s, m[i].index, m[i].name, m[i].value, leadspc);
			break;
		case MC_MOD_ADDRCPT:
		case MC_MOD_ADDRCPT_PAR:
			/* XMail keeps no RCPT parameters in its file, so none are written. */
			rc = spool_add_rcpt(s, m[i].name);
			break;
		case MC_MOD_DELRCPT:
			rc = spool_del_rcpt(s, m[i].name) < 0 ? -1 : 0;
			break;
		case MC_MOD_CHGFROM:
			rc = spool_chg_from(s, m[i].name, m[i].value);
			break;
		case MC_MOD_QUARANTINE:
			*quarantine = 1;
			strlcpy(qreason, m[i].name, qlen);
			continue;
		case MC_MOD_REPLBODY:
			continue; /* only with a callback, which is always set */
		}
		if (rc < 0) {
			set_detail(r, "cannot apply %s \"%.80s\"", names[m[i].type], m[i].name);
			return -1;
		}
		changed = 1;
	}
	for (int t = 0; t < 9; t++)
		if (cnt[t]) {
			char one[32];
			snprintf(one, sizeof(one), "%s=%u", names[t], cnt[t]);
			count_mod(r->mods, sizeof(r->mods), one);
		}
	return changed;
}


int
quarantine_message(struct run *r, struct spool *s, int in_fd, const char *client_ip,
                   const char *qreason, int replfd)
{
	struct spamfolder_options so = { .folder = r->o.spam_folder, .retention_days = 30 };
	struct spamfolder *sf = NULL;
	char qerr[256] = "", saved[1024] = "";
	int ok = 0;

	if (r->o.spam_folder != NULL && (sf = spamfolder_new(&so, qerr, sizeof(qerr))) != NULL) {
		const char **rl = calloc(s->nrcpts + 1, sizeof(char *));
		for (size_t i = 0; rl && i < s->nrcpts; i++)
			rl[i] = s->rcpts[i].addr;
		struct spam_meta meta = { .qid = r->o.msgref[0] ? r->o.msgref : s->msgid,
			.client_ip = client_ip, .helo = s->helo, .mail_from = s->mail_addr,
			.rcpts = rl, .nrcpts = rl ? s->nrcpts : 0,
			.results = qreason, .action = "quarantine", .reply = "" };
		int mfd = unstuffed_copy(r->o.file, in_fd, s, replfd);
		if (mfd >= 0 && spamfolder_save(sf, &meta, "", mfd, saved, sizeof(saved),
		        qerr, sizeof(qerr)) == 0)
			ok = 1;
		if (mfd >= 0)
			close(mfd);
		free(rl);
		spamfolder_free(sf);
	}
	if (!ok) {
		set_detail(r, "quarantine (%s) requested; %s: delivered", qreason,
		    r->o.spam_folder ? qerr : "no --spam-folder");
		return 0;
	}
	set_detail(r, "quarantined (%s) to %s", qreason, saved);
	spool_discard(s);
	return 1;
}
