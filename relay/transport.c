/*
 * transport.c: transport_maps files (see transport.h); one result's
 * syntax is transport_result.c's.
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
	/* a table's result has its colon ("smtp" alone is main.cf's) */
	if ((why = parse_pattern(line, pn)) != NULL ||
	    (strchr(r, ':') == NULL &&
	    (why = "the result must be transport:nexthop") != NULL) ||
	    (why = transport_parse_result(r, &e)) != NULL) {
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
