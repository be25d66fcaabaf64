/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web_form.c - form bodies, cookies and value checks (see web_form.h).
 *
 * '+' is a space and %XX a byte, as browsers send forms; a '%' not followed
 * by two hex digits is an error rather than a guess.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web_form.h"

/* The value of a hex digit already checked with isxdigit(). */
static int
hexdigit(int c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Decodes s[0..n) into a new string; NULL on a bad escape, NUL or ENOMEM. */
static char *
decode(const char *s, size_t n, char *err, size_t errlen)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (out == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2])) {
				snprintf(err, errlen, "bad %%-escape at byte %zu", i);
				free(out);
				return NULL;
			}
			c = hexdigit((unsigned char)s[i + 1]) * 16 + hexdigit((unsigned char)s[i + 2]);
			i += 2;
		}
		if (c == '\0') {
			snprintf(err, errlen, "NUL byte in form data");
			free(out);
			return NULL;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

void
form_free(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->name[i]);
		free(f->value[i]);
	}
	f->n = 0;
}

int
form_parse(const char *body, size_t len, struct form *f, char *err, size_t errlen)
{
	size_t i = 0;

	f->n = 0;
	if (len > WEB_FORM_MAX) {
		snprintf(err, errlen, "form body of %zu bytes over the cap of %u", len, WEB_FORM_MAX);
		return -1;
	}
	while (i < len) {
		const char *p = body + i, *amp = memchr(p, '&', len - i), *eq;
		size_t n = amp != NULL ? (size_t)(amp - p) : len - i;

		i += n + 1;
		if (n == 0)
			continue;
		if (f->n >= WEB_FORM_FIELDS) {
			snprintf(err, errlen, "more than %d form fields", WEB_FORM_FIELDS);
			form_free(f);
			return -1;
		}
		eq = memchr(p, '=', n);
		f->name[f->n] = decode(p, eq != NULL ? (size_t)(eq - p) : n, err, errlen);
		f->value[f->n] = eq != NULL ? decode(eq + 1, n - (size_t)(eq - p) - 1, err, errlen)
		                            : decode("", 0, err, errlen);
		if (f->name[f->n] == NULL || f->value[f->n] == NULL) {
			free(f->name[f->n]);
			free(f->value[f->n]);
			form_free(f);
			return -1;
		}
		f->n++;
	}
	return 0;
}

const char *
form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}

int
cookie_get(const char *h, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);

	while (h != NULL && *h != '\0') {
		const char *end;
		size_t vl;

		while (*h == ' ' || *h == ';')
			h++;
		end = h + strcspn(h, ";");
		if ((size_t)(end - h) > nl && strncmp(h, name, nl) == 0 && h[nl] == '=') {
			vl = (size_t)(end - h) - nl - 1;
			if (vl >= outlen)
				return -1;
			memcpy(out, h + nl + 1, vl);
			out[vl] = '\0';
			return 0;
		}
		h = end;
	}
	return -1;
}

int
web_safe_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > WEB_NAME_MAX || s[0] == '.')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._,:=-", *s) == NULL)
			return 0;
	return 1;
}

int
web_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 12)
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int
web_parse_date(const char *s, long long *out)
{
	struct tm tm;
	int y, m, d, len = 0;

	if (s == NULL || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &len) != 3 || len != 10 ||
	    y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*out = (long long)timegm(&tm);
	return 0;
}

int
web_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}
