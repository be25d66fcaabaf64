/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * milterproto.c - decode the packets a milter sends to the MTA (see
 * milterproto.h). Pure functions over a caller's buffer: no I/O, no state.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "milterproto.h"

static uint32_t
get32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

const char *
mp_reply_name(int cmd)
{
	switch (cmd) {
	case SMFIR_ADDRCPT: return "SMFIR_ADDRCPT";
	case SMFIR_DELRCPT: return "SMFIR_DELRCPT";
	case SMFIR_ADDRCPT_PAR: return "SMFIR_ADDRCPT_PAR";
	case SMFIR_SHUTDOWN: return "SMFIR_SHUTDOWN";
	case SMFIR_ACCEPT: return "SMFIR_ACCEPT";
	case SMFIR_REPLBODY: return "SMFIR_REPLBODY";
	case SMFIR_CONTINUE: return "SMFIR_CONTINUE";
	case SMFIR_DISCARD: return "SMFIR_DISCARD";
	case SMFIR_CHGFROM: return "SMFIR_CHGFROM";
	case SMFIR_CONN_FAIL: return "SMFIR_CONN_FAIL";
	case SMFIR_ADDHEADER: return "SMFIR_ADDHEADER";
	case SMFIR_INSHEADER: return "SMFIR_INSHEADER";
	case SMFIR_SETSYMLIST: return "SMFIR_SETSYMLIST";
	case SMFIR_CHGHEADER: return "SMFIR_CHGHEADER";
	case SMFIR_PROGRESS: return "SMFIR_PROGRESS";
	case SMFIR_QUARANTINE: return "SMFIR_QUARANTINE";
	case SMFIR_REJECT: return "SMFIR_REJECT";
	case SMFIR_SKIP: return "SMFIR_SKIP";
	case SMFIR_TEMPFAIL: return "SMFIR_TEMPFAIL";
	case SMFIR_REPLYCODE: return "SMFIR_REPLYCODE";
	case SMFIC_OPTNEG: return "SMFIC_OPTNEG";
	default: return "unknown";
	}
}

const char *
mp_cmd_name(int cmd)
{
	switch (cmd) {
	case SMFIC_ABORT: return "SMFIC_ABORT";
	case SMFIC_BODY: return "SMFIC_BODY";
	case SMFIC_CONNECT: return "SMFIC_CONNECT";
	case SMFIC_MACRO: return "SMFIC_MACRO";
	case SMFIC_BODYEOB: return "SMFIC_BODYEOB";
	case SMFIC_HELO: return "SMFIC_HELO";
	case SMFIC_QUIT_NC: return "SMFIC_QUIT_NC";
	case SMFIC_HEADER: return "SMFIC_HEADER";
	case SMFIC_MAIL: return "SMFIC_MAIL";
	case SMFIC_EOH: return "SMFIC_EOH";
	case SMFIC_OPTNEG: return "SMFIC_OPTNEG";
	case SMFIC_QUIT: return "SMFIC_QUIT";
	case SMFIC_RCPT: return "SMFIC_RCPT";
	case SMFIC_DATA: return "SMFIC_DATA";
	case SMFIC_UNKNOWN: return "SMFIC_UNKNOWN";
	default: return "unknown";
	}
}

/* Takes one NUL-terminated string at *pos; -1 if the NUL is missing. */
static int
take_str(const char *p, size_t len, size_t *pos, const char **s, size_t *slen)
{
	const char *nul;

	if (*pos >= len)
		return -1;
	nul = memchr(p + *pos, '\0', len - *pos);
	if (nul == NULL)
		return -1;
	*s = p + *pos;
	*slen = (size_t)(nul - (p + *pos));
	*pos += *slen + 1;
	return 0;
}

int
mp_check_replycode(const char *s, size_t len)
{
	if (len < 4 || (s[0] != '4' && s[0] != '5') || s[1] < '0' || s[1] > '9' ||
	    s[2] < '0' || s[2] > '9' || (s[3] != ' ' && s[3] != '-'))
		return -1;
	if (len > 4 && s[4] >= '0' && s[4] <= '9' && s[4] != s[0])
		return -1;
	return 0;
}

int
mp_decode_reply(const char *p, size_t len, struct mp_reply *r, char *err, size_t errlen)
{
	size_t pos = 1;

	memset(r, 0, sizeof(*r));
	if (len < 1) {
		snprintf(err, errlen, "empty milter reply packet");
		return -1;
	}
	r->cmd = (unsigned char)p[0];
	switch (r->cmd) {
	case SMFIR_ACCEPT: case SMFIR_CONTINUE: case SMFIR_DISCARD: case SMFIR_REJECT:
	case SMFIR_TEMPFAIL: case SMFIR_PROGRESS: case SMFIR_SKIP: case SMFIR_SHUTDOWN:
	case SMFIR_CONN_FAIL:
		if (len != 1) {
			snprintf(err, errlen, "milter reply %s was followed by %zu data bytes",
			    mp_reply_name(r->cmd), len - 1);
			return -1;
		}
		return 0;
	case SMFIR_REPLYCODE:
		/* libmilter sends the text NUL-terminated; tolerate a missing NUL. */
		r->data = p + 1;
		r->dlen = len - 1;
		if (r->dlen > 0 && r->data[r->dlen - 1] == '\0')
			r->dlen--;
		if (memchr(r->data, '\0', r->dlen) != NULL || mp_check_replycode(r->data, r->dlen) < 0) {
			snprintf(err, errlen, "milter sent a malformed SMFIR_REPLYCODE: \"%.*s\"",
			    (int)(r->dlen > 80 ? 80 : r->dlen), r->data);
			return -1;
		}
		return 0;
	case SMFIR_REPLBODY:
		r->data = p + 1;
		r->dlen = len - 1;
		return 0;
	case SMFIR_ADDHEADER:
		if (take_str(p, len, &pos, &r->s1, &r->s1len) < 0 ||
		    take_str(p, len, &pos, &r->s2, &r->s2len) < 0)
			goto bad;
		break;
	case SMFIR_INSHEADER: case SMFIR_CHGHEADER:
		if (len < 5)
			goto bad;
		r->index = get32(p + 1);
		pos = 5;
		if (take_str(p, len, &pos, &r->s1, &r->s1len) < 0 ||
		    take_str(p, len, &pos, &r->s2, &r->s2len) < 0)
			goto bad;
		break;
	case SMFIR_ADDRCPT: case SMFIR_DELRCPT: case SMFIR_QUARANTINE:
		if (take_str(p, len, &pos, &r->s1, &r->s1len) < 0)
			goto bad;
		break;
	case SMFIR_ADDRCPT_PAR: case SMFIR_CHGFROM:
		if (take_str(p, len, &pos, &r->s1, &r->s1len) < 0)
			goto bad;
		if (pos < len && take_str(p, len, &pos, &r->s2, &r->s2len) < 0)
			goto bad;
		break;
	default:
		snprintf(err, errlen, "milter sent unknown reply code 0x%02x", (unsigned)r->cmd);
		return -1;
	}
	if (pos != len) {
		snprintf(err, errlen, "milter reply %s has %zu bytes of left-over data",
		    mp_reply_name(r->cmd), len - pos);
		return -1;
	}
	if ((r->cmd == SMFIR_ADDHEADER || r->cmd == SMFIR_INSHEADER || r->cmd == SMFIR_CHGHEADER ||
	     r->cmd == SMFIR_ADDRCPT || r->cmd == SMFIR_DELRCPT || r->cmd == SMFIR_ADDRCPT_PAR ||
	     r->cmd == SMFIR_CHGFROM) && r->s1len == 0) {
		snprintf(err, errlen, "milter reply %s has an empty name/address", mp_reply_name(r->cmd));
		return -1;
	}
	if (r->s2 == NULL) {
		r->s2 = "";
		r->s2len = 0;
	}
	return 0;
bad:
	snprintf(err, errlen, "milter reply %s is truncated (%zu bytes, string without NUL)",
	    mp_reply_name(r->cmd), len);
	return -1;
}

int
mp_decode_optneg(const char *p, size_t len, struct mp_optneg *o, char *err, size_t errlen)
{
	size_t pos = 13;

	memset(o, 0, sizeof(*o));
	if (len < 1 || p[0] != SMFIC_OPTNEG) {
		snprintf(err, errlen, "milter answered negotiation with %s, not SMFIC_OPTNEG",
		    len < 1 ? "an empty packet" : mp_reply_name((unsigned char)p[0]));
		return -1;
	}
	if (len < 13) {
		snprintf(err, errlen, "milter negotiation reply too short (%zu bytes)", len);
		return -1;
	}
	o->version = get32(p + 1);
	o->actions = get32(p + 5);
	o->protocol = get32(p + 9);
	while (pos < len) {
		uint32_t st;
		const char *s;
		size_t slen;

		if (len - pos < 4) {
			snprintf(err, errlen, "milter macro list truncated at byte %zu", pos);
			return -1;
		}
		st = get32(p + pos);
		pos += 4;
		if (take_str(p, len, &pos, &s, &slen) < 0) {
			snprintf(err, errlen, "milter macro list for stage %u lacks its NUL", (unsigned)st);
			return -1;
		}
		/* Unknown stages are ignored, as Postfix does. */
		if (st < MP_MAX_SYMLISTS)
			o->symlist[st] = s;
	}
	return 0;
}
