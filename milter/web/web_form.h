/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web_form.h - what the web page reads from a request: the form body
 * (application/x-www-form-urlencoded), the Cookie header, and the checks a
 * request value passes before it may name a file or a number.
 *
 * A struct form owns copies of the decoded names and values; the request
 * body may be freed once form_parse() returned. Caps: WEB_FORM_MAX bytes of
 * body, WEB_FORM_FIELDS fields; more is an error, never a truncation. A
 * decoded NUL byte is refused (values stay C strings with nothing hidden).
 */
#ifndef SPFDKIM_WEB_FORM_H
#define SPFDKIM_WEB_FORM_H

#include <stddef.h>

#define WEB_FORM_MAX    (1U << 20)   /* bytes of one POST body */
#define WEB_FORM_FIELDS 256          /* fields of one form */
#define WEB_NAME_MAX    255          /* bytes of a spam-folder file name */

struct form {
	size_t n;
	char *name[WEB_FORM_FIELDS];
	char *value[WEB_FORM_FIELDS];
};

/* Decodes body into f (which the caller then frees with form_free). 0, or
   -1 with the reason in err; f is then empty. */
int form_parse(const char *body, size_t len, struct form *f, char *err, size_t errlen);
void form_free(struct form *f);
/* The first value of name, or NULL. */
const char *form_get(const struct form *f, const char *name);

/* Copies the value of cookie name from a Cookie: header into out. 0, or -1
   when absent or longer than outlen - 1. */
int cookie_get(const char *header, const char *name, char *out, size_t outlen);

/* Is s a name we accept for a file in new/ or cur/ of the spam folder (no
   '/', no leading '.', printable ASCII from the Maildir name set)? 1 or 0. */
int web_safe_name(const char *s);
/* Parses a decimal count within [0, max]; 0 or -1. */
int web_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* Parses "YYYY-MM-DD" (UTC) to the start of that day; 0 or -1. */
int web_parse_date(const char *s, long long *out);
/* Compares n bytes in time independent of where they differ; 1 equal. */
int web_ct_equal(const void *a, const void *b, size_t n);

#endif
