/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_spool.c - libFuzzer target for the XMail filter-file parser
 * (spool.c): parse any bytes as $(FILE); when it parses, apply header and
 * envelope edits, un-stuff the body and re-stuff it. Must never crash,
 * leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "milterclient.h"
#include "spool.h"

static int
sink(void *arg, const char *d, size_t l)
{
	struct buf *b = arg;
	return buf_append(b, d, l) < 0 ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool s;
	char err[256];
	const char *p = (const char *)data;

	if (spool_parse_mem(p, size, &s, err, sizeof(err)) == 0) {
		struct buf u, st;
		struct spool_stuffer stf;

		buf_init(&u, 1 << 22);
		buf_init(&st, 1 << 23);
		if (s.has_data && (size_t)s.body_off <= size)
			(void)spool_unstuff_mem(p + s.body_off, size - (size_t)s.body_off, sink, &u);
		spool_stuffer_init(&stf);
		(void)spool_stuff(&stf, u.data ? u.data : "", u.len, &st);
		(void)spool_stuff_finish(&stf, &st);
		(void)spool_hdr_insert(&s, size % 7, "X-Fuzz", "a\nb", 0);
		(void)spool_hdr_change(&s, 1, "subject", "", 0);
		(void)spool_hdr_change(&s, 2, "to", "v\r\n\tw", 1);
		(void)spool_hdr_add(&s, "X-End", "e", 0);
		if (s.nrcpts > 0)
			(void)spool_del_rcpt(&s, s.rcpts[0].addr);
		(void)spool_add_rcpt(&s, "<n@x.test>");
		(void)spool_chg_from(&s, "<c@x.test>", "SIZE=1");
		spool_discard(&s);
		buf_free(&u);
		buf_free(&st);
		spool_free(&s);
	}
	/* The same bytes as a milter reply text to fold for a .rej. */
	{
		char *t = malloc(size + 1), out[MC_REPLY_MAX];
		if (t != NULL) {
			memcpy(t, data, size);
			t[size] = '\0';
			mc_fold_reply(t, "550", "5.7.1", out, sizeof(out));
			if (!((out[0] == '4' || out[0] == '5') && out[3] == ' ' && strchr(out, '\r') == NULL &&
			      strchr(out, '\n') == NULL))
				abort(); /* a .rej line must always be "DDD x.y.z text" */
			free(t);
		}
	}
	return 0;
}
