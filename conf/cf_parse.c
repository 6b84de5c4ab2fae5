/*
 * cf_parse.c: main.cf as Postfix reads it, and $name expansion.
 *
 * The parser turns text into a table of raw "name = value" entries with the
 * file and line of each; it knows no parameter.  config.c gives the entries
 * their types (config_table.c lists them).  See config.h and bulkhead.conf(5).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/textfile.h"
#include "conf/config.h"

/* $name look-ups allowed while expanding one value (stops $a$a$a... bombs). */
#ifdef BH_TEST_HOOKS
/* Which process parses main.cf, with which rights (test_config_parser.py) */
#define CF_WHOAMI	"#bh-test-hook: config parser whoami\n"
#endif
#define CF_EXPAND_BUDGET	1000

struct expand {
	const struct cf_table *const *scope;
	size_t		 nscope;
	struct dbuf	 out;
	unsigned int	 budget;
	int		 nomem;
	char		*err;
	size_t		 errlen;
};

static int	expand_text(struct expand *, const char *, size_t, int);

static void
param_clear(struct cf_param *p)
{
	free(p->name);
	free(p->value);
	free(p->file);
	memset(p, 0, sizeof(*p));
}

static int
param_fill(struct cf_param *p, const char *name, size_t namelen,
    const char *value, size_t valuelen, const char *file, int line)
{
	memset(p, 0, sizeof(*p));
	p->name = strndup(name, namelen);
	p->value = strndup(value, valuelen);
	p->file = strdup(file);
	p->line = line;
	if (p->name == NULL || p->value == NULL || p->file == NULL) {
		param_clear(p);
		return -1;
	}
	return 0;
}

static int
table_append(struct cf_table *t, size_t *cap, const char *name,
    size_t namelen, const char *value, size_t valuelen, const char *file,
    int line)
{
	struct cf_param	*nv;
	size_t		 ncap;

	if (t->n == *cap) {
		ncap = *cap ? *cap * 2 : 32;
		if ((nv = reallocarray(t->v, ncap, sizeof(*nv))) == NULL)
			return -1;
		t->v = nv;
		*cap = ncap;
	}
	if (param_fill(&t->v[t->n], name, namelen, value, valuelen, file,
	    line) == -1)
		return -1;
	t->n++;
	return 0;
}

/* Split "name = value" (already trimmed at both ends) and append it. */
static int
parse_assignment(struct cf_table *t, size_t *cap, const char *s, size_t len,
    const char *fname, int line, char *err, size_t errlen)
{
	const char	*eq, *nend, *v;
	size_t		 i;

	if ((eq = memchr(s, '=', len)) == NULL) {
		snprintf(err, errlen, "%s:%d: missing '=' after parameter name",
		    fname, line);
		return -1;
	}
	for (nend = eq; nend > s && lline_is_space(nend[-1]); nend--)
		;
	if (nend == s) {
		snprintf(err, errlen, "%s:%d: missing parameter name before '='",
		    fname, line);
		return -1;
	}
	for (i = 0; i < (size_t)(nend - s); i++) {
		if (!lline_is_name_char(s[i])) {
			snprintf(err, errlen, "%s:%d: bad parameter name '%.*s': "
			    "use only letters, digits and '_'", fname, line,
			    (int)(nend - s), s);
			return -1;
		}
	}
	for (v = eq + 1; v < s + len && lline_is_space(*v); v++)
		;
	if (table_append(t, cap, s, (size_t)(nend - s), v,
	    (size_t)(s + len - v), fname, line) == -1) {
		snprintf(err, errlen, "%s:%d: out of memory", fname, line);
		return -1;
	}
	return 0;
}

/* By name, then by line: after sorting, the last definition is last. */
static int
param_cmp(const void *a, const void *b)
{
	const struct cf_param *pa = a, *pb = b;
	int	 c;

	if ((c = strcmp(pa->name, pb->name)) != 0)
		return c;
	return (pa->line > pb->line) - (pa->line < pb->line);
}

/* Sort by name and keep only the last definition of each name. */
static void
table_settle(struct cf_table *t)
{
	size_t	 i, o;

	if (t->n == 0)
		return;
	qsort(t->v, t->n, sizeof(*t->v), param_cmp);
	for (i = 0, o = 0; i < t->n; i++) {
		if (i + 1 < t->n && strcmp(t->v[i].name, t->v[i + 1].name) == 0) {
			param_clear(&t->v[i]);
			continue;
		}
		t->v[o++] = t->v[i];
	}
	t->n = o;
}

int
cf_parse_buffer(struct cf_table *t, const char *buf, size_t len,
    const char *fname, char *err, size_t errlen)
{
	struct lreader	 r;
	struct dbuf	 lb = { NULL, 0, 0 };
	size_t		 cap = 0;
	int		 first = 0, rc;

	memset(t, 0, sizeof(*t));
	if (fname == NULL)
		fname = "(buffer)";
#ifdef BH_TEST_HOOKS
	if (buf != NULL && memmem(buf, len, CF_WHOAMI,
	    sizeof(CF_WHOAMI) - 1) != NULL)
		log_warnx("config parser: pid %d uid %u", (int)getpid(),
		    (unsigned)getuid());
#endif
	if (len > CF_FILE_MAX) {
		snprintf(err, errlen, "%s: file is larger than %d bytes",
		    fname, CF_FILE_MAX);
		return -1;
	}
	lline_init(&r, buf, len, fname, CF_LINES_MAX);
	while ((rc = lline_next(&r, &lb, &first, err, errlen)) == 1) {
		if (parse_assignment(t, &cap, lb.p, lb.len, fname, first, err,
		    errlen) == -1) {
			rc = -1;
			break;
		}
	}
	free(lb.p);
	if (rc == -1) {
		cf_free(t);
		return -1;
	}
	table_settle(t);
	return 0;
}

int
cf_parse_file(struct cf_table *t, const char *path, char *err, size_t errlen)
{
	struct dbuf	 d = { NULL, 0, 0 };
	int		 rc;

	memset(t, 0, sizeof(*t));
	if (text_slurp(path, CF_FILE_MAX, &d, err, errlen) == -1) {
		free(d.p);
		return -1;
	}
	rc = cf_parse_buffer(t, d.p != NULL ? d.p : "", d.len, path, err,
	    errlen);
	free(d.p);
	return rc;
}

/* Binary search for name[0..len); *at is where it is or would go. */
static struct cf_param *
table_find(const struct cf_table *t, const char *name, size_t len,
    size_t *at)
{
	size_t	 lo = 0, hi, mid;
	int	 c;

	if (t == NULL) {
		if (at != NULL)
			*at = 0;
		return NULL;
	}
	hi = t->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strncmp(name, t->v[mid].name, len);
		if (c == 0 && t->v[mid].name[len] != '\0')
			c = -1;	/* the entry is longer: name sorts first */
		if (c == 0) {
			if (at != NULL)
				*at = mid;
			return &t->v[mid];
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (at != NULL)
		*at = lo;
	return NULL;
}

const struct cf_param *
cf_lookup(const struct cf_table *t, const char *name)
{
	return table_find(t, name, strlen(name), NULL);
}

/*
 * Room for one more entry.  Every table's array is allocated by
 * table_append (32, doubled) or here (16, doubled): its capacity is a
 * power of two of at least 16 and at least n, so only n = 0 or n a
 * power of two of 16 or more may be full.  One entry at a time, the
 * defaults (config_defaults, every parse) cost a copy of the table per
 * parameter.
 */
static int
table_room(struct cf_table *t)
{
	struct cf_param	*nv;
	size_t		 ncap;

	if (t->n > 0 && (t->n < 16 || (t->n & (t->n - 1)) != 0))
		return 0;
	ncap = t->n < 16 ? 16 : t->n * 2;
	if ((nv = reallocarray(t->v, ncap, sizeof(*nv))) == NULL)
		return -1;
	t->v = nv;
	return 0;
}

int
cf_set(struct cf_table *t, const char *name, const char *value,
    const char *file, int line)
{
	struct cf_param	 np, *old, *nv;
	size_t		 at;

	if (param_fill(&np, name, strlen(name), value, strlen(value), file,
	    line) == -1)
		return -1;
	if ((old = table_find(t, name, strlen(name), &at)) != NULL) {
		param_clear(old);
		*old = np;
		return 0;
	}
	if (table_room(t) == -1) {
		param_clear(&np);
		return -1;
	}
	nv = t->v;
	memmove(&nv[at + 1], &nv[at], (t->n - at) * sizeof(*nv));
	t->v[at] = np;
	t->n++;
	return 0;
}

void
cf_free(struct cf_table *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		param_clear(&t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* Expansion. */

/* The error reads pre, then s[0..n) shortened to be readable, then post. */
static int
expand_fail(struct expand *x, const char *pre, const char *s, size_t n,
    const char *post)
{
	char	 what[64];

	/* Only the first (innermost) error is kept. */
	if (x->err[0] == '\0') {
		if (n > sizeof(what) - 4) {
			snprintf(what, sizeof(what), "%.*s...",
			    (int)(sizeof(what) - 4), s);
		} else
			snprintf(what, sizeof(what), "%.*s", (int)n, s);
		snprintf(x->err, x->errlen, "%s%s%s", pre, what, post);
	}
	return -1;
}

static int
out_add(struct expand *x, const char *s, size_t n)
{
	if (x->out.len + n > CF_VALUE_MAX) {
		if (x->err[0] == '\0')
			snprintf(x->err, x->errlen, "value is longer than %d "
			    "bytes after expansion", CF_VALUE_MAX);
		return -1;
	}
	if (dbuf_add(&x->out, s, n) == -1) {
		x->nomem = 1;
		if (x->err[0] == '\0')
			snprintf(x->err, x->errlen, "out of memory");
		return -1;
	}
	return 0;
}

static const char *
scope_lookup(const struct expand *x, const char *name, size_t len)
{
	const struct cf_param	*p;
	size_t			 i;

	for (i = 0; i < x->nscope; i++)
		if ((p = table_find(x->scope[i], name, len, NULL)) != NULL)
			return p->value;
	return NULL;
}

/* Append the expanded value of name[0..len); undefined names are empty. */
static int
expand_name(struct expand *x, const char *name, size_t len, int depth)
{
	const char	*v;

	if (x->budget == 0)
		return expand_fail(x, "too many $name expansions (at $", name,
		    len, ")");
	x->budget--;
	if ((v = scope_lookup(x, name, len)) == NULL)
		return 0;
	if (depth + 1 > CF_EXPAND_DEPTH)
		return expand_fail(x, "$name expansion nested deeper than "
		    "10 levels (a loop through $", name, len, "?)");
	return expand_text(x, v, strlen(v), depth + 1);
}

/*
 * The inside of ${...} or $(...): "name", "name?text" (text when $name is
 * not empty) or "name:text" (text when $name is empty).
 */
static int
expand_braced(struct expand *x, const char *s, size_t len, int depth)
{
	size_t	 n, mark;
	int	 nonempty;

	for (n = 0; n < len && lline_is_name_char(s[n]); n++)
		;
	if (n == 0 || (n < len && s[n] != '?' && s[n] != ':'))
		return expand_fail(x, "bad parameter name in '${", s, len,
		    "}'");
	if (n == len)
		return expand_name(x, s, n, depth);
	mark = x->out.len;
	if (expand_name(x, s, n, depth) == -1)
		return -1;
	nonempty = x->out.len > mark;
	x->out.len = mark;
	x->out.p[mark] = '\0';
	if ((s[n] == '?') == (nonempty != 0))
		return expand_text(x, s + n + 1, len - n - 1, depth);
	return 0;
}

/* Index of the bracket closing s[open], or len if there is none. */
static size_t
closing_bracket(const char *s, size_t len, size_t open)
{
	char	 o = s[open], c = o == '{' ? '}' : ')';
	size_t	 i;
	int	 level = 0;

	for (i = open; i < len; i++) {
		if (s[i] == o)
			level++;
		else if (s[i] == c && --level == 0)
			return i;
	}
	return len;
}

static int
expand_text(struct expand *x, const char *s, size_t len, int depth)
{
	const char	*d;
	size_t		 i = 0, j;

	while (i < len) {
		if ((d = memchr(s + i, '$', len - i)) == NULL)
			return out_add(x, s + i, len - i);
		if (out_add(x, s + i, (size_t)(d - s) - i) == -1)
			return -1;
		i = (size_t)(d - s);
		if (i + 1 == len)
			return expand_fail(x, "'$' at the end of '", s, len,
			    "' (write $$ for a literal '$')");
		if (s[i + 1] == '$') {
			if (out_add(x, "$", 1) == -1)
				return -1;
			i += 2;
		} else if (s[i + 1] == '{' || s[i + 1] == '(') {
			j = closing_bracket(s, len, i + 1);
			if (j == len)
				return expand_fail(x, "unterminated '", s + i, 2,
				    "'");
			if (expand_braced(x, s + i + 2, j - i - 2, depth) == -1)
				return -1;
			i = j + 1;
		} else if (lline_is_name_char(s[i + 1])) {
			for (j = i + 1; j < len && lline_is_name_char(s[j]); j++)
				;
			if (expand_name(x, s + i + 1, j - i - 1, depth) == -1)
				return -1;
			i = j;
		} else
			return expand_fail(x, "'$' not followed by a parameter "
			    "name in '", s + i, len - i,
			    "' (write $$ for a literal '$')");
	}
	return 0;
}

char *
cf_expand_scoped(const struct cf_table *const *scope, size_t nscope,
    const char *value, char *err, size_t errlen)
{
	struct expand	 x;
	char		 dummy[1];

	memset(&x, 0, sizeof(x));
	x.scope = scope;
	x.nscope = nscope;
	x.budget = CF_EXPAND_BUDGET;
	x.err = errlen > 0 ? err : dummy;
	x.errlen = errlen > 0 ? errlen : sizeof(dummy);
	x.err[0] = '\0';
	if (out_add(&x, "", 0) == -1 ||
	    expand_text(&x, value, strlen(value), 0) == -1) {
		free(x.out.p);
		return NULL;
	}
	return x.out.p;
}

char *
cf_expand(const struct cf_table *t, const char *value, char *err,
    size_t errlen)
{
	struct cf_table		 defs;
	const struct cf_table	*scope[2];
	char			*r;

	if (config_defaults(&defs, t, NULL, err, errlen) == -1)
		return NULL;
	scope[0] = t;
	scope[1] = &defs;
	r = cf_expand_scoped(scope, 2, value, err, errlen);
	cf_free(&defs);
	return r;
}
