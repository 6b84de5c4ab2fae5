/*
 * config_decode.c: master's side of config_wire.h.  What it decodes
 * comes from "bulkhead -x config-parse", which runs as nobody after it
 * dropped everything: a parser bug exploited through main.cf could
 * make it send anything, so nothing is taken on trust.  Every record
 * must be where the format puts it, every parameter of the layout must
 * come once with its row's kind, numbers within the row's range, lists
 * within BH_LIST_MAX, services within master.cf's own limits.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf/config_layout.h"
#include "conf/config_wire.h"
#include "lib/log.h"

static const char kind_tag[] = { 'S', 'L', 'N', 'Q', 'T', 'X' };

struct rd {
	char	*p, *end;
	size_t	 lineno;
	char	*err;
	size_t	 errlen;
};

static int
bad(struct rd *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
bad(struct rd *r, const char *fmt, ...)
{
	char	why[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errlen, "malformed output of the configuration "
	    "parser, line %zu: %s", r->lineno, why);
	return -1;
}

/* The next line, NUL-terminated in place; NULL: no complete line left. */
static char *
next_line(struct rd *r)
{
	char	*nl, *line;

	r->lineno++;
	if (r->p >= r->end ||
	    (nl = memchr(r->p, '\n', r->end - r->p)) == NULL)
		return NULL;
	*nl = '\0';
	line = r->p;
	r->p = nl + 1;
	return line;
}

/* "TAG REST": the rest after tag and one blank; NULL if not so. */
static char *
after(char *line, const char *tag)
{
	size_t	 n = strlen(tag);

	if (line == NULL || strncmp(line, tag, n) != 0 || line[n] != ' ')
		return NULL;
	return line + n + 1;
}

/* A decimal number in [min, max] up to a blank or the end; *s past it. */
static int
take_num(char **s, long long min, long long max, long long *v)
{
	char	*p = *s, *end;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*v = strtoll(*s, &end, 10);
	if (errno != 0 || *v < min || *v > max ||
	    (*end != '\0' && *end != ' '))
		return -1;
	*s = end + (*end == ' ');
	return 0;
}

/* The whole of s is one number in [min, max]. */
static int
whole_num(char *s, long long min, long long max, long long *v)
{
	return s == NULL || take_num(&s, min, max, v) == -1 || *s != '\0' ?
	    -1 : 0;
}

static char *
dup_or_fail(struct rd *r, const char *s)
{
	char	*d;

	if ((d = strdup(s)) == NULL)
		bad(r, "out of memory");
	return d;
}

static int
get_list(struct rd *r, struct bh_strlist *l, char *count, const char *name)
{
	long long	 n;
	size_t		 j;
	char		*v;

	if (whole_num(count, 0, BH_LIST_MAX, &n) == -1)
		return bad(r, "%s: bad list length", name);
	for (j = 0; j < (size_t)n; j++) {
		if ((v = after(next_line(r), "i")) == NULL)
			return bad(r, "%s: element %zu missing", name, j);
		if ((l->v[j] = dup_or_fail(r, v)) == NULL)
			return -1;
		l->n = j + 1;
	}
	return 0;
}

static int
get_param(struct rd *r, struct bh_config *cf, size_t i)
{
	const struct param_layout	*p = &param_layout[i];
	void				*f = (char *)cf + p->off;
	char				*s;
	long long			 v;

	if ((s = after(next_line(r), "p")) == NULL)
		return bad(r, "parameter %zu (%s) missing", i, p->name);
	if (take_num(&s, 0, LLONG_MAX, &v) == -1 || (size_t)v >= nparam_layout)
		return bad(r, "unknown parameter index");
	if ((size_t)v != i)
		return bad(r, "parameter %lld out of order", v);
	if (s[0] != kind_tag[p->kind] || s[1] != ' ')
		return bad(r, "%s: not of its kind %c", p->name,
		    kind_tag[p->kind]);
	s += 2;
	switch (p->kind) {
	case K_STR:
		return (*(char **)f = dup_or_fail(r, s)) == NULL ? -1 : 0;
	case K_LIST:
		return get_list(r, f, s, p->name);
	default:
		break;
	}
	if (whole_num(s, p->min, p->max, &v) == -1)
		return bad(r, "%s: not a number within %lld..%lld", p->name,
		    p->min, p->max);
	if (p->kind == K_LLONG)
		*(long long *)f = v;
	else if (p->kind == K_SANDBOX)
		*(enum sandbox_mode *)f = (enum sandbox_mode)v;
	else
		*(long *)f = (long)v;
	return 0;
}

/* "TAG VALUE" into *dst, VALUE not empty. */
static int
get_str(struct rd *r, const char *tag, char **dst, const char *what)
{
	char	*v;

	if ((v = after(next_line(r), tag)) == NULL || *v == '\0') {
		(void)bad(r, "service: %s missing", what);
		return -1;	/* said here: the analyser cannot see bad()'s */
	}
	return (*dst = dup_or_fail(r, v)) == NULL ? -1 : 0;
}

static int
get_options(struct rd *r, struct mcf_service *s, size_t n)
{
	char	*v, *blank;

	for (s->nopts = 0; s->nopts < n; s->nopts++) {
		if ((v = after(next_line(r), "o")) == NULL ||
		    (blank = strchr(v, ' ')) == NULL || blank == v)
			return bad(r, "service: option %zu missing", s->nopts);
		*blank = '\0';
		if ((s->opts[s->nopts].name = dup_or_fail(r, v)) == NULL ||
		    (s->opts[s->nopts].value = dup_or_fail(r, blank + 1)) ==
		    NULL) {
			s->nopts++;
			return -1;
		}
	}
	return 0;
}

static int
get_service(struct rd *r, struct mcf_service *s)
{
	long long	 line, maxproc, nopts;
	char		*v, *h;

	if ((v = after(next_line(r), "s")) == NULL ||
	    take_num(&v, 1, INT_MAX, &line) == -1 ||
	    take_num(&v, -1, MCF_MAXPROC_MAX, &maxproc) == -1 ||
	    whole_num(v, 0, MCF_OPT_MAX, &nopts) == -1)
		return bad(r, "service: bad line, maxproc or option count");
	s->line = (int)line;
	s->maxproc = (long)maxproc;
	if (get_str(r, "f", &s->file, "file") == -1 ||
	    get_str(r, "n", &s->name, "name") == -1)
		return -1;
	if ((h = next_line(r)) == NULL || (strcmp(h, "H") != 0 &&
	    ((v = after(h, "h")) == NULL || *v == '\0')))
		return bad(r, "service: host missing");
	if (strcmp(h, "H") != 0 && (s->host = dup_or_fail(r, v)) == NULL)
		return -1;
	if (get_str(r, "t", &s->port, "port") == -1)
		return -1;
	if (strspn(s->port, "0123456789") != strlen(s->port) ||
	    strlen(s->port) > 5 || atoi(s->port) < 1 || atoi(s->port) > 65535)
		return bad(r, "service: bad port");
	if (get_str(r, "c", &s->command, "command") == -1)
		return -1;
	return get_options(r, s, (size_t)nopts);
}

static int
get_services(struct rd *r, struct mcf_table *t)
{
	long long	 n;

	if (whole_num(after(next_line(r), "m"), 1, MCF_SERVICES_MAX, &n) == -1)
		return bad(r, "master.cf's services missing");
	if ((t->v = calloc((size_t)n, sizeof(*t->v))) == NULL)
		return bad(r, "out of memory");
	for (t->n = 0; t->n < (size_t)n; ) {
		t->n++;
		if (get_service(r, &t->v[t->n - 1]) == -1)
			return -1;
	}
	return 0;
}

/* Log and warning lines; then the verdict line if the parse failed. */
static int
get_logs(struct rd *r, cfg_log_fn logfn, void *arg, int *parse_error)
{
	char	*line, safe[BH_LOG_LINE_MAX];

	while (r->p < r->end && (r->p[0] == 'l' || r->p[0] == 'w' ||
	    r->p[0] == 'e')) {
		if ((line = next_line(r)) == NULL)
			return bad(r, "truncated");
		if (line[0] == 'l' && line[1] >= '0' && line[1] <= '7' &&
		    line[2] == ' ')
			logfn(line[1] - '0', log_printable(line + 3,
			    strlen(line + 3), safe, sizeof(safe)), arg);
		else if (after(line, "w") != NULL)
			logfn(LOG_WARNING, log_printable(line + 2,
			    strlen(line + 2), safe, sizeof(safe)), arg);
		else if (after(line, "e") != NULL) {
			*parse_error = 1;
			log_printable(line + 2, strlen(line + 2), r->err,
			    r->errlen);
			return -1;
		} else
			return bad(r, "unknown record");
	}
	return 0;
}

int
config_decode(char *buf, size_t len, struct bh_config *cf,
    struct mcf_table *mcf, cfg_log_fn logfn, void *arg, int *parse_error,
    char *err, size_t errlen)
{
	struct rd	 r = { buf, buf + len, 0, err, errlen };
	char		*end;
	size_t		 i;

	memset(cf, 0, sizeof(*cf));
	if (mcf != NULL)
		memset(mcf, 0, sizeof(*mcf));
	*parse_error = 0;
	if (len > CFG_WIRE_MAX)
		return bad(&r, "more than %d bytes", CFG_WIRE_MAX);
	if (memchr(buf, '\0', len) != NULL)
		return bad(&r, "a NUL byte");
	if (get_logs(&r, logfn, arg, parse_error) == -1)
		return -1;
	for (i = 0; i < nparam_layout; i++)
		if (get_param(&r, cf, i) == -1)
			goto fail;
	if (mcf != NULL && get_services(&r, mcf) == -1)
		goto fail;
	if ((end = next_line(&r)) == NULL || strcmp(end, ".") != 0) {
		bad(&r, end == NULL ? "truncated" : "unexpected record");
		goto fail;
	}
	if (r.p != r.end) {
		bad(&r, "data after the end");
		goto fail;
	}
	return 0;
fail:
	config_free(cf);
	mcf_free(mcf);
	return -1;
}
