/*
 * config.c: the typed main.cf: building and printing.
 *
 * The table of parameters is in config_table.c: each one's name, its
 * default, its kind and its check.  config_build expands each value
 * ($name), converts and checks it (config_check.c), and then checks the
 * parameters that depend on each other.  The table is in check order
 * (myhostname before what derives from it); config_print sorts by name.
 * bulkhead.conf(5) documents the same list.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf/config.h"
#include "conf/config_int.h"

#define DEFAULT_ORIGIN	"(default)"
#define WHY_MAX		256

static void	format_time(long, char *, size_t);

static const struct cf_table empty_table = { NULL, 0 };

static void
origin_str(const struct cf_param *cp, char *buf, size_t len)
{
	if (cp->line > 0)
		snprintf(buf, len, "%s:%d", cp->file, cp->line);
	else
		snprintf(buf, len, "%s", cp->file);
}

static int
bad_value(char *err, size_t errlen, const struct cf_param *cp,
    const char *value, const char *why)
{
	char	 where[CF_ERR_MAX];

	origin_str(cp, where, sizeof(where));
	snprintf(err, errlen, "%s: bad value for %s: '%s': %s%s", where,
	    cp->name, value, why, cp->line > 0 ? "" :
	    " (set it in main.cf)");
	return -1;
}

static int
line_cmp(const void *a, const void *b)
{
	const struct cf_param *const *pa = a, *const *pb = b;

	return ((*pa)->line > (*pb)->line) - ((*pa)->line < (*pb)->line);
}

/* Warn about names bulkhead does not know, in file order. */
static void
warn_unknown(const struct cf_table *tab, const char *config_dir,
    cf_warn_fn warn)
{
	const struct cf_param	**v;
	char			  msg[CF_ERR_MAX];
	size_t			  i;

	if (warn == NULL || tab->n == 0)
		return;
	if ((v = reallocarray(NULL, tab->n, sizeof(*v))) == NULL) {
		warn("out of memory: cannot check for unknown parameters");
		return;
	}
	for (i = 0; i < tab->n; i++)
		v[i] = &tab->v[i];
	qsort(v, tab->n, sizeof(*v), line_cmp);
	for (i = 0; i < tab->n; i++) {
		if (strcmp(v[i]->name, "config_directory") == 0)
			snprintf(msg, sizeof(msg), "%s:%d: config_directory "
			    "cannot be set in main.cf; it is %s", v[i]->file,
			    v[i]->line, config_dir);
		else if (param_find(v[i]->name) == NULL)
			snprintf(msg, sizeof(msg), "%s:%d: unknown parameter %s",
			    v[i]->file, v[i]->line, v[i]->name);
		else
			continue;
		warn(msg);
	}
	free(v);
}

static const char *
default_hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) == -1)
		buf[0] = '\0';
	buf[len - 1] = '\0';
	return buf;
}

/* "mail.example.org" -> "example.org"; no dot -> "localdomain". */
static const char *
domain_of(const char *host)
{
	const char	*dot = strchr(host, '.');

	return dot != NULL && dot[1] != '\0' ? dot + 1 : "localdomain";
}

int
config_defaults(struct cf_table *defs, const struct cf_table *tab,
    const char *config_dir, char *err, size_t errlen)
{
	const struct cf_table	*scope[2];
	char			 host[256], *h = NULL;
	size_t			 i;

	memset(defs, 0, sizeof(*defs));
	for (i = 0; i < nparams; i++)
		if (params[i].def != NULL && cf_set(defs, params[i].name,
		    params[i].def, DEFAULT_ORIGIN, 0) == -1)
			goto nomem;
	default_hostname(host, sizeof(host));
	if (cf_set(defs, "config_directory", config_dir != NULL ? config_dir :
	    BH_CONFIG_DIR, DEFAULT_ORIGIN, 0) == -1 ||
	    cf_set(defs, "myhostname", host, DEFAULT_ORIGIN, 0) == -1 ||
	    cf_set(defs, "mydomain", domain_of(host), DEFAULT_ORIGIN, 0) == -1)
		goto nomem;

	/*
	 * mydomain follows myhostname as set in main.cf.  A bad myhostname
	 * is left for config_build to report with its file and line.
	 */
	if (tab != NULL && cf_lookup(tab, "myhostname") != NULL) {
		scope[0] = tab;
		scope[1] = defs;
		h = cf_expand_scoped(scope, 2, cf_lookup(tab,
		    "myhostname")->value, err, errlen);
		if (h != NULL && cf_set(defs, "mydomain", domain_of(h),
		    DEFAULT_ORIGIN, 0) == -1)
			goto nomem;
		free(h);
		if (errlen > 0)
			err[0] = '\0';
	}
	return 0;
nomem:
	free(h);
	cf_free(defs);
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Expand, convert and check one parameter; remember where it came from. */
static int
build_param(struct bh_config *cf, const struct param *p,
    const struct cf_table *const scope[3], const struct cf_param **from,
    char *err, size_t errlen)
{
	const struct cf_param	*cp = NULL;
	char			 why[WHY_MAX], *v;
	size_t			 i;

	/* scope[0] holds config_directory, which main.cf cannot change. */
	for (i = 0; i < 3 && cp == NULL; i++)
		cp = cf_lookup(scope[i], p->name);
	if (cp == NULL) {
		snprintf(err, errlen, "%s: no default for %s", DEFAULT_ORIGIN,
		    p->name);
		return -1;
	}
	*from = cp;
	if ((v = cf_expand_scoped(scope, 3, cp->value, why,
	    sizeof(why))) == NULL)
		return bad_value(err, errlen, cp, cp->value, why);
	if (set_value(cf, p, v, why, sizeof(why)) == -1) {
		bad_value(err, errlen, cp, v, why);
		free(v);
		return -1;
	}
	free(v);
	return 0;
}

/*
 * Two parameters that conflict: report at b unless b is a default and a
 * is not, so that the line shown is one the administrator wrote.  The
 * reason reads "<pre> <other name> (<where>)<post>", with pre_a
 * instead of pre when the report is made at a.
 */
static int
conflict(const struct bh_config *cf, const struct cf_param *const *from,
    size_t a, size_t b, const char *pre, const char *pre_a,
    const char *post, char *err, size_t errlen)
{
	char	 where[CF_ERR_MAX], why[WHY_MAX + CF_ERR_MAX], value[64];
	size_t	 t;

	if (from[b]->line == 0 && from[a]->line > 0) {
		t = a;
		a = b;
		b = t;
		pre = pre_a;
	}
	if (from[a]->line > 0)
		snprintf(where, sizeof(where), "(%s:%d)", from[a]->file,
		    from[a]->line);
	else
		snprintf(where, sizeof(where), DEFAULT_ORIGIN);
	snprintf(why, sizeof(why), "%s %s %s%s", pre, params[a].name, where,
	    post);
	if (params[b].kind == K_TIME)
		format_time(*(const long *)cfield(cf, &params[b]), value,
		    sizeof(value));
	else
		snprintf(value, sizeof(value), "%s",
		    *(char *const *)cfield(cf, &params[b]));
	return bad_value(err, errlen, from[b], value, why);
}

static int
same_path(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	return la == lb && strncmp(a, b, la) == 0;
}

static int
is_interface_keyword(const char *s)
{
	return strcmp(s, "all") == 0 || strcmp(s, "loopback-only") == 0;
}

static int
check_relations(const struct bh_config *cf, const struct cf_param **from,
    char *err, size_t errlen)
{
	static const char *const users[] = {
		"smtpd_user", "queue_user", "lookup_user", "local_user",
		"pickup_user", "relay_user", "auth_user", "keys_user",
		"dns_user"
	};
	size_t	 i, j, a, b;
	size_t	 nusers = sizeof(users) / sizeof(users[0]);

	for (i = 0; i < nusers; i++) {
		for (j = i + 1; j < nusers; j++) {
			a = param_index(users[i]);
			b = param_index(users[j]);
			if (strcmp(*(char *const *)cfield(cf, &params[a]),
			    *(char *const *)cfield(cf, &params[b])) == 0)
				return conflict(cf, from, a, b, "same user as",
				    "same user as", ": each compartment needs its own uid",
				    err, errlen);
		}
	}
	if (same_path(cf->queue_directory, cf->empty_directory))
		return conflict(cf, from, param_index("queue_directory"),
		    param_index("empty_directory"), "same directory as",
		    "same directory as", "",
		    err, errlen);
	if (cf->maximal_backoff_time < cf->minimal_backoff_time)
		return conflict(cf, from, param_index("minimal_backoff_time"),
		    param_index("maximal_backoff_time"), "less than", "greater than", "", err,
		    errlen);
	/* "all" and "loopback-only" say everything: nothing goes beside. */
	if (cf->inet_interfaces.n == 0)
		goto bad_interfaces;
	for (i = 0; i < cf->inet_interfaces.n && cf->inet_interfaces.n > 1; i++)
		if (is_interface_keyword(cf->inet_interfaces.v[i]))
			goto bad_interfaces;
	return 0;
bad_interfaces:
	a = param_index("inet_interfaces");
	return bad_value(err, errlen, from[a], from[a]->value,
	    cf->inet_interfaces.n == 0 ? "no interface given" :
	    "all and loopback-only cannot be combined with anything else");
}

int
config_build(struct bh_config *cf, const struct cf_table *tab,
    const char *config_dir, cf_warn_fn warn, char *err, size_t errlen)
{
	struct cf_table		 defs, fixed;
	const struct cf_table	*scope[3];
	const struct cf_param	*from[NPARAMS_MAX];
	size_t			 i;

	memset(cf, 0, sizeof(*cf));
	memset(&fixed, 0, sizeof(fixed));
	if (tab == NULL)
		tab = &empty_table;
	if (config_dir == NULL)
		config_dir = BH_CONFIG_DIR;
	warn_unknown(tab, config_dir, warn);
	if (config_defaults(&defs, tab, config_dir, err, errlen) == -1)
		return -1;
	if (cf_set(&fixed, "config_directory", config_dir, "(-c)", 0) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	scope[0] = &fixed;
	scope[1] = tab;
	scope[2] = &defs;
	for (i = 0; i < nparams; i++)
		if (build_param(cf, &params[i], scope, &from[i], err,
		    errlen) == -1)
			goto fail;
	if (check_relations(cf, from, err, errlen) == -1)
		goto fail;
	cf_free(&fixed);
	cf_free(&defs);
	return 0;
fail:
	cf_free(&fixed);
	cf_free(&defs);
	config_free(cf);
	return -1;
}

/* Printing. */

/* Seconds in the largest unit that divides them: 432000 -> "5d". */
static void
format_time(long secs, char *buf, size_t len)
{
	static const struct {
		long	 n;
		char	 unit;
	} units[] = {
		{ 604800, 'w' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }
	};
	size_t	 i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (secs > 0 && secs % units[i].n == 0) {
			snprintf(buf, len, "%ld%c", secs / units[i].n,
			    units[i].unit);
			return;
		}
	}
	snprintf(buf, len, "%lds", secs);
}

static int
print_param(const struct bh_config *cf, const struct param *p, int fd)
{
	const struct bh_strlist	*l;
	const char		*s;
	char			 num[32];
	size_t			 i;

	switch (p->kind) {
	case K_STR:
		s = *(char *const *)cfield(cf, p);
		if (s == NULL || *s == '\0')
			return dprintf(fd, "%s =\n", p->name);
		return dprintf(fd, "%s = %s\n", p->name, s);
	case K_LIST:
		l = cfield(cf, p);
		if (dprintf(fd, "%s =", p->name) < 0)
			return -1;
		for (i = 0; i < l->n && i < BH_LIST_MAX; i++)
			if (dprintf(fd, "%s%s", i > 0 ? ", " : " ", l->v[i]) < 0)
				return -1;
		return dprintf(fd, "\n");
	case K_LONG:
		return dprintf(fd, "%s = %ld\n", p->name,
		    *(const long *)cfield(cf, p));
	case K_LLONG:
		return dprintf(fd, "%s = %lld\n", p->name,
		    *(const long long *)cfield(cf, p));
	case K_TIME:
		format_time(*(const long *)cfield(cf, p), num, sizeof(num));
		return dprintf(fd, "%s = %s\n", p->name, num);
	case K_SANDBOX:
		return dprintf(fd, "%s = %s\n", p->name,
		    cf->sandbox == SANDBOX_JAIL ? "jail" : "chroot");
	}
	return -1;
}

static int
param_name_cmp(const void *a, const void *b)
{
	const struct param *const *pa = a, *const *pb = b;

	return strcmp((*pa)->name, (*pb)->name);
}

void
config_print(const struct bh_config *cf, int fd)
{
	const struct param	*sorted[NPARAMS_MAX] = { NULL };
	size_t			 i;

	for (i = 0; i < nparams; i++)
		sorted[i] = &params[i];
	qsort(sorted, nparams, sizeof(sorted[0]), param_name_cmp);
	for (i = 0; i < nparams; i++)
		if (print_param(cf, sorted[i], fd) < 0)
			return;
}

/* default_privs: a user name, and never root (Postfix refuses it too). */
