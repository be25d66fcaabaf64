/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decision.c - format and write the per-message decision line (decision.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "decision.h"
#include "log.h"
#include "kvline.h"

#define DECISION_LINE_MAX 16384  /* bytes: every value at its own cap, escaped, fits */

int
decision_format(struct buf *b, const struct decision *d)
{
	struct tm tm;
	char ts[32], ms[24];

	gmtime_r(&d->ts, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(ms, sizeof(ms), "%lu", d->elapsed_ms);
	buf_puts(b, "decision");
	kv_put(b, "ts", ts);
	kv_put(b, "qid", d->qid);
	kv_put(b, "ip", d->ip);
	kv_put(b, "helo", d->helo);
	kv_put(b, "mailfrom", d->mailfrom);
	kv_put(b, "identity", d->identity);
	kv_put(b, "domain", d->domain);
	kv_put(b, "spf", d->spf);
	kv_put(b, "helo_spf", d->helo_spf);
	kv_put(b, "dkim", d->dkim);
	kv_put(b, "dkim_d", d->dkim_d);
	kv_put(b, "skip", d->skip);
	kv_put(b, "action", d->action);
	kv_put(b, "reason", d->reason);
	kv_put(b, "reply", d->reply);
	kv_put(b, "dmarc", d->dmarc);
	kv_put(b, "dmarc_from", d->dmarc_from);
	kv_put(b, "dmarc_p", d->dmarc_p);
	kv_put(b, "dmarc_req", d->dmarc_req);
	kv_put(b, "dmarc_align", d->dmarc_align);
	kv_put(b, "dmarc_spf", d->dmarc_spf);
	kv_put(b, "dmarc_spf_d", d->dmarc_spf_d);
	kv_put(b, "dmarc_rdom", d->dmarc_rdom);
	kv_put(b, "dmarc_pub", d->dmarc_pub);
	kv_put(b, "dmarc_rua", d->dmarc_rua);
	kv_put(b, "arc", d->arc);
	kv_put(b, "arc_d", d->arc_d);
	kv_put(b, "dmarc_override", d->dmarc_override);
	kv_put(b, "elapsed_ms", ms);
	return b->failed ? -1 : 0;
}

/*
 * One record is written whole or not at all: a short write (ENOSPC, EFBIG,
 * a quota) is cut back off, so the next record never continues a partial
 * line. The lock keeps our own threads from appending in between.
 */
static void
append_whole(int fd, const char *p, size_t n)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	off_t end;
	ssize_t w;

	pthread_mutex_lock(&lock);
	end = lseek(fd, 0, SEEK_END);
	do
		w = write(fd, p, n);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)n) {
		int e = w < 0 ? errno : ENOSPC;
		if (w > 0 && (end < 0 || ftruncate(fd, end) < 0))
			log_error_sys("decision log: a partial record could not be removed");
		errno = e;
		log_warn_sys("decision log: record not written");
	}
	pthread_mutex_unlock(&lock);
}

void
decision_emit(const struct decision *d, int fd)
{
	struct buf b;

	buf_init(&b, DECISION_LINE_MAX);
	if (decision_format(&b, d) < 0) {
		log_warn("decision line too long for qid %s; logged cut", d->qid ? d->qid : "-");
	}
	log_info("%s", buf_cstr(&b));
	if (fd >= 0) {
		/* "decision " is the log's word; the file line starts at ts=. */
		const char *line = buf_cstr(&b) + sizeof("decision ") - 1;
		size_t n = b.len >= sizeof("decision ") - 1 ? b.len - (sizeof("decision ") - 1) : 0;
		struct buf f;
		buf_init(&f, DECISION_LINE_MAX + 2);
		buf_append(&f, line, n);
		buf_putc(&f, '\n');
		if (!f.failed)
			append_whole(fd, f.data, f.len);
		buf_free(&f);
	}
	buf_free(&b);
}
