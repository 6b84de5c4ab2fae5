/*
 * tls_policy.c: smtp_tls_policy_maps files and the certificate names a
 * level asks for (see tls_policy.h); the levels and match lists
 * themselves are tls_level.c's.
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
#include "relay/nexthop.h"
#include "relay/tls_policy.h"

#define TLS_POLICY_LINES_MAX	100000

static const char *
parse_match(const char *m, struct tls_policy_entry *e)
{
	if (!tls_match_list_ok(m))
		return "match=: names, nexthop, dot-nexthop or hostname, "
		    "between colons";
	xstrlcpy(e->match, m, sizeof(e->match));
	return NULL;
}

/* "level [match=...]" into e; NULL or why not. */
static const char *
parse_policy(const char *r, struct tls_policy_entry *e)
{
	char		 word[TLS_MATCH_MAX + 16];
	size_t		 n;
	int		 l, words = 0;
	const char	*why;

	while (*r != '\0') {
		n = strcspn(r, " \t");
		if (n >= sizeof(word))
			return "an attribute is too long";
		memcpy(word, r, n);
		word[n] = '\0';
		for (r += n; *r == ' ' || *r == '\t'; r++)
			;
		if (words++ == 0) {
			if ((l = tls_level_parse(word)) == -1)
				return "unknown level (use none, may, encrypt, "
				    "verify, secure or dane)";
			e->level = l;
		} else if (strncmp(word, "match=", 6) == 0) {
			if (e->level != TLS_VERIFY && e->level != TLS_SECURE)
				return "match= is for verify and secure";
			if ((why = parse_match(word + 6, e)) != NULL)
				return why;
		} else
			return "unknown attribute (bulkhead takes match= only)";
	}
	return NULL;
}

/* a domain, .domain, [host] or [host]:port */
static const char *
parse_dest(const char *p, size_t n)
{
	struct nexthop	 nh;
	char		 buf[TLS_MATCH_MAX];
	const char	*why;

	if (n > 0 && p[0] == '[') {
		if (n >= sizeof(buf))
			return "the next hop is too long";
		memcpy(buf, p, n);
		buf[n] = '\0';
		return nexthop_parse(buf, &nh, &why) == -1 ? why : NULL;
	}
	if (n > 0 && p[0] == '.') {
		p++;
		n--;
	}
	if (n == 0 || rfc5321_check_domain(p, n, RFC5321_NAME_ONLY, NULL)
	    != 0)
		return "the destination must be a domain, .domain or "
		    "[host]:port";
	return NULL;
}

static int
parse_line(struct tls_policy_table *t, const char *line, const char *fname,
    int lineno, char *err, size_t errlen)
{
	struct tls_policy_entry	 e;
	const char		*why, *r;
	size_t			 pn, i;

	memset(&e, 0, sizeof(e));
	pn = strcspn(line, " \t");
	for (r = line + pn; *r == ' ' || *r == '\t'; r++)
		;
	if (pn == 0 || *r == '\0') {
		snprintf(err, errlen, "%s:%d: expected: destination level",
		    fname, lineno);
		return -1;
	}
	if ((why = parse_dest(line, pn)) != NULL ||
	    (why = parse_policy(r, &e)) != NULL) {
		snprintf(err, errlen, "%s:%d: %s", fname, lineno, why);
		return -1;
	}
	e.dest = xmalloc(pn + 1);
	for (i = 0; i < pn; i++)
		e.dest[i] = (char)tolower((unsigned char)line[i]);
	e.dest[pn] = '\0';
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
tls_policy_parse_buffer(struct tls_policy_table *t, const char *buf,
    size_t len, const char *fname, char *err, size_t errlen)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = lline_each(buf, len, fname, TLS_POLICY_LINES_MAX, each_line, t,
	    err, errlen);
	if (rc == -1)
		tls_policy_free(t);
	return rc;
}

int
tls_policy_parse_file(struct tls_policy_table *t, const char *path,
    char *err, size_t errlen)
{
	struct dbuf	b;
	int		rc;

	memset(&b, 0, sizeof(b));
	if (text_slurp(path, TLS_POLICY_SIZE_MAX, &b, err, errlen) == -1)
		return -1;
	rc = tls_policy_parse_buffer(t, b.p != NULL ? b.p : "", b.len, path,
	    err, errlen);
	free(b.p);
	return rc;
}

void
tls_policy_free(struct tls_policy_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->e[i].dest);
	free(t->e);
	t->e = NULL;
	t->n = 0;
}

static const struct tls_policy_entry *
find_one(const struct tls_policy_table *t, const char *dest)
{
	const char	*d;
	size_t		 i;

	for (i = 0; i < t->n; i++)
		if (strcasecmp(t->e[i].dest, dest) == 0)
			return &t->e[i];
	if (dest[0] == '[')
		return NULL;
	for (d = strchr(dest, '.'); d != NULL; d = strchr(d + 1, '.'))
		for (i = 0; i < t->n; i++)
			if (strcasecmp(t->e[i].dest, d) == 0)
				return &t->e[i];
	return NULL;
}

const struct tls_policy_entry *
tls_policy_find(const struct tls_policy_table *t, size_t n, const char *dest)
{
	const struct tls_policy_entry	*e;
	size_t				 i;

	for (i = 0; i < n; i++)
		if ((e = find_one(&t[i], dest)) != NULL)
			return e;
	return NULL;
}

static int
put(char *out, size_t outlen, const char *pre, const char *w, size_t n)
{
	size_t	len = strlen(out), pl = strlen(pre);

	if (len + (len > 0) + pl + n + 1 > outlen)
		return -1;
	if (len > 0)
		out[len++] = ' ';
	memcpy(out + len, pre, pl);
	memcpy(out + len + pl, w, n);
	out[len + pl + n] = '\0';
	return 0;
}

int
tls_match_names(enum tls_level level, const char *match, const char *dest,
    char *out, size_t outlen)
{
	const char	*p, *host = dest;
	size_t		 n, hn = strlen(dest);
	int		 rc = 0;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (dest[0] == '[') {		/* "[host]:port": the host */
		host = dest + 1;
		hn = strcspn(host, "]");
	}
	if (match == NULL || match[0] == '\0')
		match = level == TLS_SECURE ? "nexthop:dot-nexthop" :
		    "hostname";
	for (p = match; *p != '\0' && rc == 0; p += n) {
		p += strspn(p, ":, \t");
		if ((n = strcspn(p, ":, \t")) == 0)
			break;
		if (n == 7 && strncmp(p, "nexthop", 7) == 0)
			rc = put(out, outlen, "", host, hn);
		else if (n == 11 && strncmp(p, "dot-nexthop", 11) == 0)
			rc = put(out, outlen, ".", host, hn);
		else
			rc = put(out, outlen, "", p, n);
	}
	return rc;
}
