/*
 * dkim.c - TEMPORARY STUB of dkim.h so the daemon links; the DKIM work
 * replaces this file. Verifies nothing: every message is dkim=none.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim.h"

struct dkim_engine { int unused; };
struct dkim_msg { int unused; };

static const char *const names[DKIM_V_COUNT] = {
	"none", "pass", "fail", "neutral", "policy", "temperror", "permerror"
};

const char *dkim_verdict_str(enum dkim_verdict v) { return (unsigned)v < DKIM_V_COUNT ? names[v] : "none"; }

int
dkim_verdict_parse(const char *s, enum dkim_verdict *out)
{
	for (int i = 0; i < DKIM_V_COUNT; i++)
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum dkim_verdict)i;
			return 0;
		}
	return -1;
}

struct dkim_engine *
dkim_engine_new(const struct dkim_options *opt, struct dns_resolver *dns, char *err, size_t errlen)
{
	(void)opt; (void)dns; (void)err; (void)errlen;
	return calloc(1, sizeof(struct dkim_engine));
}
void dkim_engine_free(struct dkim_engine *e) { free(e); }
int dkim_engine_can_sign(const struct dkim_engine *e, const char *from) { (void)e; (void)from; return 0; }

struct dkim_msg *
dkim_msg_new(struct dkim_engine *e, enum dkim_mode mode, const char *qid, char *err, size_t errlen)
{
	(void)e; (void)mode; (void)qid; (void)err; (void)errlen;
	return calloc(1, sizeof(struct dkim_msg));
}
int dkim_msg_header(struct dkim_msg *m, const char *n, const char *v) { (void)m; (void)n; (void)v; return 0; }
int dkim_msg_eoh(struct dkim_msg *m) { (void)m; return 0; }
int dkim_msg_body(struct dkim_msg *m, const unsigned char *p, size_t n) { (void)m; (void)p; (void)n; return 0; }

int
dkim_msg_eom(struct dkim_msg *m, struct dkim_report *out)
{
	(void)m;
	memset(out, 0, sizeof(*out));
	out->summary = DKIM_V_NONE;
	return 0;
}
void dkim_msg_free(struct dkim_msg *m) { free(m); }

void
dkim_report_clear(struct dkim_report *r)
{
	for (size_t i = 0; i < r->nadd && i < 4; i++)
		free(r->add_value[i]);
	memset(r, 0, sizeof(*r));
}
