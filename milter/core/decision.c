/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decision.c - format and write the per-message decision line (decision.h).
 */
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
	kv_put(b, "elapsed_ms", ms);
	return b->failed ? -1 : 0;
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
		if (write(fd, f.data, f.len) != (ssize_t)f.len)
			log_warn("decision log: short write");
		buf_free(&f);
	}
	buf_free(&b);
}
