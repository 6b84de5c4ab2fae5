/*
 * mastercf.c: master.cf as Postfix lays it out, with bulkhead's rules.
 *
 * Only network services are declared, all served by smtpd, always as an
 * unprivileged user inside its sandbox.  Service names resolve through a
 * built-in table and host parts must be numeric: parsing master.cf never
 * reads /etc/services and never asks the DNS.  See master.cf(5).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/textfile.h"
#include "conf/mastercf.h"

#define MCF_LINES_MAX		100000
#define MCF_NFIXED		8	/* fields before the command's args */

/* One white-space separated field of a logical line. */
struct word {
	const char	*s;
	size_t		 n;
};

struct parse {
	struct mcf_table *t;
	const char	*fname;
	int		 line;
	char		*err;
	size_t		 errlen;
};

static const struct {
	const char	*name;
	const char	*port;
} known_services[] = {
	{ "smtp", "25" },
	{ "submission", "587" },
	{ "smtps", "465" },
	{ "submissions", "465" },
};

/* Split s[0..len) on white space; returns the number of words seen. */
static size_t
split_words(const char *s, size_t len, struct word *w, size_t max)
{
	size_t	 i = 0, n = 0, start;

	for (;;) {
		while (i < len && lline_is_space(s[i]))
			i++;
		if (i == len)
			return n;
		start = i;
		while (i < len && !lline_is_space(s[i]))
			i++;
		if (n < max) {
			w[n].s = s + start;
			w[n].n = i - start;
		}
		n++;
	}
}

static int
word_is(const struct word *w, const char *s)
{
	return w->n == strlen(s) && memcmp(w->s, s, w->n) == 0;
}

static int
fail(struct parse *ps, const char *what, const struct word *w,
    const char *why)
{
	snprintf(ps->err, ps->errlen, "%s:%d: %s '%.*s': %s", ps->fname,
	    ps->line, what, (int)w->n, w->s, why);
	return -1;
}

static int
nomem(struct parse *ps)
{
	snprintf(ps->err, ps->errlen, "%s:%d: out of memory", ps->fname,
	    ps->line);
	return -1;
}

/* A port number 1..65535 or a name from the built-in table. */
static int
parse_port(const char *s, size_t n, char *out, size_t outlen)
{
	unsigned long	 v = 0;
	size_t		 i;

	for (i = 0; i < sizeof(known_services) / sizeof(known_services[0]);
	    i++) {
		if (strlen(known_services[i].name) == n &&
		    memcmp(known_services[i].name, s, n) == 0) {
			snprintf(out, outlen, "%s", known_services[i].port);
			return 0;
		}
	}
	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			return -1;
	}
	if (v == 0)
		return -1;
	snprintf(out, outlen, "%lu", v);
	return 0;
}

/* A numeric address of the given family, in canonical form. */
static int
parse_host(int af, const char *s, size_t n, char *out, size_t outlen)
{
	unsigned char	 a[sizeof(struct in6_addr)];
	char		 buf[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(af, buf, a) != 1 ||
	    inet_ntop(af, a, out, (socklen_t)outlen) == NULL)
		return -1;
	return 0;
}

/* "smtp", "2525", "127.0.0.1:2525", "[::1]:smtp" -> host, port. */
static int
parse_service(struct parse *ps, struct mcf_service *svc, const struct word *w)
{
	char		 host[INET6_ADDRSTRLEN], port[8];
	const char	*s = w->s, *colon, *close, *p;
	size_t		 n = w->n;
	int		 have_host = 0;

	if (n > 0 && s[0] == '[') {
		if ((close = memchr(s, ']', n)) == NULL ||
		    close + 1 == s + n || close[1] != ':')
			return fail(ps, "bad service", w, "expected [address]:port");
		if (parse_host(AF_INET6, s + 1, (size_t)(close - s - 1), host,
		    sizeof(host)) == -1)
			return fail(ps, "bad service", w, "not a numeric IPv6 "
			    "address in []");
		p = close + 2;
		have_host = 1;
	} else if ((colon = memchr(s, ':', n)) != NULL) {
		if (memchr(colon + 1, ':', (size_t)(s + n - colon - 1)) != NULL)
			return fail(ps, "bad service", w, "write an IPv6 "
			    "address in brackets: [address]:port");
		if (parse_host(AF_INET, s, (size_t)(colon - s), host,
		    sizeof(host)) == -1)
			return fail(ps, "bad service", w, "the host part must "
			    "be a numeric IPv4 address or [IPv6 address] "
			    "(host names are not looked up)");
		p = colon + 1;
		have_host = 1;
	} else
		p = s;
	if (parse_port(p, (size_t)(s + n - p), port, sizeof(port)) == -1)
		return fail(ps, "bad service", w, "the port must be 1..65535 "
		    "or one of smtp, submission, smtps, submissions");
	if ((svc->name = strndup(s, n)) == NULL ||
	    (svc->port = strdup(port)) == NULL ||
	    (have_host && (svc->host = strdup(host)) == NULL))
		return nomem(ps);
	return 0;
}

/* private, unpriv, chroot, wakeup, maxproc: bulkhead's fixed answers. */
static int
check_flags(struct parse *ps, struct mcf_service *svc, const struct word *w)
{
	const struct word *priv = &w[2], *unpriv = &w[3];
	const struct word *chroot = &w[4], *wakeup = &w[5], *maxproc = &w[6];
	size_t		 i;
	long		 v = 0;

	if (!word_is(priv, "n") && !word_is(priv, "-"))
		return fail(ps, "bad private field", priv, "a network service "
		    "is never private (use n or -)");
	if (word_is(unpriv, "n"))
		return fail(ps, "bad unpriv field", unpriv, "bulkhead never "
		    "runs a network service as root");
	if (!word_is(unpriv, "y") && !word_is(unpriv, "-"))
		return fail(ps, "bad unpriv field", unpriv, "use y or -");
	if (word_is(chroot, "n"))
		return fail(ps, "bad chroot field", chroot, "bulkhead never "
		    "runs a network service outside its sandbox");
	if (!word_is(chroot, "y") && !word_is(chroot, "-"))
		return fail(ps, "bad chroot field", chroot, "use y or -");
	if (!word_is(wakeup, "-") && !word_is(wakeup, "0"))
		return fail(ps, "bad wakeup field", wakeup, "wake-up timers "
		    "are not supported (use - or 0)");
	if (word_is(maxproc, "-")) {
		svc->maxproc = -1;
		return 0;
	}
	for (i = 0; i < maxproc->n; i++) {
		if (maxproc->s[i] < '0' || maxproc->s[i] > '9' ||
		    (v = v * 10 + (maxproc->s[i] - '0')) > MCF_MAXPROC_MAX)
			return fail(ps, "bad maxproc field", maxproc, "use - or "
			    "a number from 0 to 100000");
	}
	svc->maxproc = v;
	return 0;
}

/* One "name=value" after -o; the last setting of a name wins. */
static int
add_option(struct parse *ps, struct mcf_service *svc, const struct word *w)
{
	const char	*eq = memchr(w->s, '=', w->n);
	struct mcf_option *o = NULL;
	size_t		 i, namelen;
	char		*name, *value;

	if (eq == NULL || eq == w->s)
		return fail(ps, "bad -o option", w, "expected name=value");
	namelen = (size_t)(eq - w->s);
	for (i = 0; i < namelen; i++)
		if (!lline_is_name_char(w->s[i]))
			return fail(ps, "bad -o option", w, "a parameter name "
			    "has only letters, digits and '_'");
	for (i = 0; i < svc->nopts; i++)
		if (strlen(svc->opts[i].name) == namelen &&
		    memcmp(svc->opts[i].name, w->s, namelen) == 0)
			o = &svc->opts[i];
	if (o == NULL && svc->nopts == MCF_OPT_MAX)
		return fail(ps, "bad -o option", w, "too many -o options "
		    "(at most 32)");
	if ((value = strndup(eq + 1, (size_t)(w->s + w->n - eq - 1))) == NULL)
		return nomem(ps);
	if (o != NULL) {
		free(o->value);
		o->value = value;
		return 0;
	}
	if ((name = strndup(w->s, namelen)) == NULL) {
		free(value);
		return nomem(ps);
	}
	o = &svc->opts[svc->nopts++];
	o->name = name;
	o->value = value;
	return 0;
}

static int
parse_command(struct parse *ps, struct mcf_service *svc, const struct word *w,
    size_t nw)
{
	struct word	 opt;
	size_t		 i;

	if (!word_is(&w[MCF_NFIXED - 1], "smtpd"))
		return fail(ps, "unknown command", &w[MCF_NFIXED - 1],
		    "only smtpd can serve a network service");
	if ((svc->command = strdup("smtpd")) == NULL)
		return nomem(ps);
	for (i = MCF_NFIXED; i < nw; i++) {
		if (word_is(&w[i], "-o")) {
			if (++i == nw)
				return fail(ps, "bad argument", &w[i - 1],
				    "missing name=value after -o");
			opt = w[i];
		} else if (w[i].n > 2 && memcmp(w[i].s, "-o", 2) == 0) {
			opt.s = w[i].s + 2;
			opt.n = w[i].n - 2;
		} else
			return fail(ps, "bad argument", &w[i], "smtpd takes "
			    "only -o name=value");
		if (add_option(ps, svc, &opt) == -1)
			return -1;
	}
	return 0;
}

static int
same_address(const struct mcf_service *a, const struct mcf_service *b)
{
	if (strcmp(a->port, b->port) != 0)
		return 0;
	if (a->host == NULL || b->host == NULL)
		return a->host == b->host;
	return strcmp(a->host, b->host) == 0;	/* both canonical */
}

static int
parse_line(struct parse *ps, const char *s, size_t len)
{
	struct word		*w;
	struct mcf_service	 svc, *nv;
	size_t			 nw, i;

	nw = split_words(s, len, NULL, 0);
	if (nw < MCF_NFIXED) {
		snprintf(ps->err, ps->errlen, "%s:%d: %zu field%s, expected at "
		    "least 8: service type private unpriv chroot wakeup "
		    "maxproc command", ps->fname, ps->line, nw,
		    nw == 1 ? "" : "s");
		return -1;
	}
	if (ps->t->n == MCF_SERVICES_MAX) {
		snprintf(ps->err, ps->errlen, "%s:%d: more than %d services",
		    ps->fname, ps->line, MCF_SERVICES_MAX);
		return -1;
	}
	if ((w = reallocarray(NULL, nw, sizeof(*w))) == NULL)
		return nomem(ps);
	split_words(s, len, w, nw);
	memset(&svc, 0, sizeof(svc));
	svc.line = ps->line;
	/* The type first: "pickup unix ..." is about the type, not the name. */
	if (!word_is(&w[1], "inet")) {
		fail(ps, "bad type", &w[1], "only inet services can be "
		    "declared; bulkhead's internal compartments are fixed");
		goto fail;
	}
	if (parse_service(ps, &svc, &w[0]) == -1 ||
	    check_flags(ps, &svc, w) == -1 ||
	    parse_command(ps, &svc, w, nw) == -1)
		goto fail;
	for (i = 0; i < ps->t->n; i++) {
		if (same_address(&ps->t->v[i], &svc)) {
			snprintf(ps->err, ps->errlen, "%s:%d: duplicate service "
			    "'%s': same address and port as '%s' at line %d",
			    ps->fname, ps->line, svc.name, ps->t->v[i].name,
			    ps->t->v[i].line);
			goto fail;
		}
	}
	if ((svc.file = strdup(ps->fname)) == NULL ||
	    (nv = reallocarray(ps->t->v, ps->t->n + 1, sizeof(*nv))) == NULL) {
		nomem(ps);
		goto fail;
	}
	ps->t->v = nv;
	ps->t->v[ps->t->n++] = svc;
	free(w);
	return 0;
fail:
	mcf_service_clear(&svc);
	free(w);
	return -1;
}

int
mcf_parse_buffer(struct mcf_table *t, const char *buf, size_t len,
    const char *fname, char *err, size_t errlen)
{
	struct lreader	 r;
	struct parse	 ps;
	struct dbuf	 lb = { NULL, 0, 0 };
	int		 rc;

	memset(t, 0, sizeof(*t));
	if (fname == NULL)
		fname = "(buffer)";
	if (len > MCF_FILE_MAX) {
		snprintf(err, errlen, "%s: file is larger than %d bytes",
		    fname, MCF_FILE_MAX);
		return -1;
	}
	lline_init(&r, buf, len, fname, MCF_LINES_MAX);
	ps.t = t;
	ps.fname = fname;
	ps.line = 0;
	ps.err = err;
	ps.errlen = errlen;
	while ((rc = lline_next(&r, &lb, &ps.line, err, errlen)) == 1) {
		if (parse_line(&ps, lb.p, lb.len) == -1) {
			rc = -1;
			break;
		}
	}
	free(lb.p);
	if (rc == -1) {
		mcf_free(t);
		return -1;
	}
	return 0;
}

int
mcf_parse_file(struct mcf_table *t, const char *path, char *err,
    size_t errlen)
{
	struct dbuf	 d = { NULL, 0, 0 };
	int		 rc = -1;

	memset(t, 0, sizeof(*t));
	if (text_slurp(path, MCF_FILE_MAX, &d, err, errlen) == 0)
		rc = mcf_parse_buffer(t, d.p != NULL ? d.p : "", d.len, path,
		    err, errlen);
	free(d.p);
	return rc;
}
