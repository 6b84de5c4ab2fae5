/*
 * transport.c: transport_maps files (see transport.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/rfc5321.h"
#include "lib/strl.h"
#include "lib/textfile.h"
#include "lib/xmalloc.h"
#include "relay/transport.h"

#define TRANSPORT_LINES_MAX	100000

/* "5.1.2 text": the code (class c) and the rest; default code def. */
static void
split_code(const char *s, char c, const char *def, struct transport_entry *e)
{
	size_t	n = 0, dots = 0;

	if (s[0] == c && s[1] == '.') {
		for (n = 2; isdigit((unsigned char)s[n]) || s[n] == '.'; n++)
			dots += s[n] == '.';
		if (dots == 1 && n < sizeof(e->dsn) && n >= 5 &&
		    (s[n] == ' ' || s[n] == '\0') && s[n - 1] != '.') {
			memcpy(e->dsn, s, n);
			e->dsn[n] = '\0';
			s += n;
			while (*s == ' ')
				s++;
			strlcpy_text(e->text, s, sizeof(e->text));
			return;
		}
	}
	xstrlcpy(e->dsn, def, sizeof(e->dsn));
	strlcpy_text(e->text, s, sizeof(e->text));
}

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* "transport:nexthop" into e; NULL or why not. */
static const char *
parse_result(const char *r, struct transport_entry *e)
{
	const char	*colon = strchr(r, ':'), *nh, *why;
	size_t		 tl;

	if (colon == NULL)
		return "the result must be transport:nexthop";
	tl = (size_t)(colon - r);
	nh = colon + 1;
	if (!printable(nh) || strlen(nh) >= TRANSPORT_TEXT_MAX)
		return "the next hop is too long or has control characters";
	if ((tl == 4 && strncmp(r, "smtp", 4) == 0) ||
	    (tl == 5 && strncmp(r, "relay", 5) == 0)) {
		e->kind = TRANSPORT_SMTP;
		if (*nh == '\0')	/* the recipient domain's MX hosts */
			return NULL;
		if (nexthop_parse(nh, &e->nh, &why) == -1)
			return why;
		return NULL;
	}
	if (tl == 5 && strncmp(r, "local", 5) == 0) {
		e->kind = TRANSPORT_LOCAL;
		return NULL;
	}
	if (tl == 5 && strncmp(r, "error", 5) == 0) {
		e->kind = TRANSPORT_ERROR;
		split_code(nh, '5', "5.0.0", e);
		return NULL;
	}
	if (tl == 5 && strncmp(r, "retry", 5) == 0) {
		e->kind = TRANSPORT_RETRY;
		split_code(nh, '4', "4.0.0", e);
		return NULL;
	}
	if (tl == 7 && strncmp(r, "discard", 7) == 0) {
		e->kind = TRANSPORT_DISCARD;
		split_code(nh, '2', "2.0.0", e);
		return NULL;
	}
	return "unknown transport (use smtp, relay, local, error, retry or "
	    "discard)";
}

const char *
transport_parse_result(const char *v, struct transport_entry *e)
{
	char	buf[TRANSPORT_TEXT_MAX + 16];

	memset(e, 0, sizeof(*e));
	if (strchr(v, ':') != NULL)
		return parse_result(v, e);
	/* "smtp" alone: transport without a next hop, as Postfix writes */
	if (snprintf(buf, sizeof(buf), "%s:", v) >= (int)sizeof(buf))
		return "too long";
	return parse_result(buf, e);
}

int
transport_default_remote(const char *relayhost, const char *default_transport)
{
	struct transport_entry e;

	if (relayhost != NULL && relayhost[0] != '\0')
		return 1;
	return default_transport != NULL && default_transport[0] != '\0' &&
	    transport_parse_result(default_transport, &e) == NULL &&
	    e.kind != TRANSPORT_LOCAL;
}

static const char *
parse_pattern(const char *p, size_t n)
{
	const char *d = p;

	if (n == 1 && p[0] == '*')
		return NULL;
	if (p[0] == '.') {
		d++;
		n--;
	}
	if (n == 0 || rfc5321_check_domain(d, n, RFC5321_NAME_ONLY, NULL)
	    != 0)
		return "the pattern must be a domain, .domain or *";
	return NULL;
}

static int
parse_line(struct transport_table *t, const char *line, const char *fname,
    int lineno, char *err, size_t errlen)
{
	struct transport_entry	 e;
	const char		*why, *r;
	size_t			 pn, i;

	memset(&e, 0, sizeof(e));
	pn = strcspn(line, " \t");
	for (r = line + pn; *r == ' ' || *r == '\t'; r++)
		;
	if (pn == 0 || *r == '\0') {
		snprintf(err, errlen, "%s:%d: expected: pattern result", fname,
		    lineno);
		return -1;
	}
	if ((why = parse_pattern(line, pn)) != NULL ||
	    (why = parse_result(r, &e)) != NULL) {
		snprintf(err, errlen, "%s:%d: %s", fname, lineno, why);
		return -1;
	}
	e.pattern = xmalloc(pn + 1);
	for (i = 0; i < pn; i++)
		e.pattern[i] = (char)tolower((unsigned char)line[i]);
	e.pattern[pn] = '\0';
	t->e = xreallocarray(t->e, t->n + 1, sizeof(*t->e));
	t->e[t->n++] = e;
	return 0;
}

/* lline_each's callback: one logical line into the table. */
static int
each_line(void *t, char *line, const char *fname, int lineno, char *err,
    size_t errlen)
{
	return parse_line(t, line, fname, lineno, err, errlen);
}

int
transport_parse_buffer(struct transport_table *t, const char *buf,
    size_t len, const char *fname, char *err, size_t errlen)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = lline_each(buf, len, fname, TRANSPORT_LINES_MAX, each_line, t,
	    err, errlen);
	if (rc == -1)
		transport_free(t);
	return rc;
}

int
transport_parse_file(struct transport_table *t, const char *path, char *err,
    size_t errlen)
{
	struct dbuf	b;
	int		rc;

	memset(&b, 0, sizeof(b));
	if (text_slurp(path, TRANSPORT_SIZE_MAX, &b, err, errlen) == -1)
		return -1;
	rc = transport_parse_buffer(t, b.p != NULL ? b.p : "", b.len, path,
	    err, errlen);
	free(b.p);
	return rc;
}

void
transport_free(struct transport_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->e[i].pattern);
	free(t->e);
	t->e = NULL;
	t->n = 0;
}

/* The entry of one table: the domain, then ".parent"s, then "*". */
static const struct transport_entry *
find_one(const struct transport_table *t, const char *domain)
{
	const char	*d;
	size_t		 i;

	for (i = 0; i < t->n; i++)
		if (strcasecmp(t->e[i].pattern, domain) == 0)
			return &t->e[i];
	for (d = strchr(domain, '.'); d != NULL; d = strchr(d + 1, '.'))
		for (i = 0; i < t->n; i++)
			if (strcasecmp(t->e[i].pattern, d) == 0)
				return &t->e[i];
	for (i = 0; i < t->n; i++)
		if (strcmp(t->e[i].pattern, "*") == 0)
			return &t->e[i];
	return NULL;
}

const struct transport_entry *
transport_find(const struct transport_table *t, size_t n, const char *domain)
{
	const struct transport_entry	*e;
	size_t				 i;

	for (i = 0; i < n; i++)
		if ((e = find_one(&t[i], domain)) != NULL)
			return e;
	return NULL;
}
