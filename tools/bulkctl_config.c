/*
 * bulkctl_config.c: "bulkctl config", used as Postfix's postconf(1).
 *
 *   bulkctl config [-c dir] [-dhnx] [name ...]	print parameters
 *   bulkctl config [-c dir] name=value ...		edit main.cf
 *   bulkctl config [-c dir] -M [service[/type] ...]	print master.cf
 *
 * Values are printed as written (main.cf's, or the default), "name =
 * value", sorted by name; -x expands them.  An edit replaces the
 * parameter's logical line in main.cf (or appends one), keeps every
 * other line and comment, and is written only if the whole new file
 * passes the checks the daemon makes at start-up (config_build).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/alias_checker.h"
#include "conf/config.h"
#include "conf/config_int.h"
#include "conf/config_load.h"
#include "conf/cf_edit.h"
#include "lib/fdio.h"
#include "lib/textfile.h"
#include "tools/bulkctl_config.h"

#define F_DEFAULTS	0x01	/* -d */
#define F_VALUE_ONLY	0x02	/* -h */
#define F_NONDEFAULT	0x04	/* -n */
#define F_EXPAND	0x08	/* -x */
#define F_MASTER	0x10	/* -M */

#define EDITS_MAX	64
/* postconf -M's columns: service, type, private ... maxproc. */
#define MCF_COLUMNS	7

/* main.cf as read: the text, its parsed table, the defaults. */
struct maincf {
	char		 path[PATH_MAX];
	const char	*dir;
	struct dbuf	 text;
	struct cf_table	 tab;
	struct cf_table	 defs;
	struct cf_table	 fixed;		/* config_directory */
};

static int
config_usage(void)
{
	fprintf(stderr, "usage: bulkctl config [-c config_dir] [-dhnx] "
	    "[name ...]\n"
	    "       bulkctl config [-c config_dir] name=value ...\n"
	    "       bulkctl config [-c config_dir] -M [service[/type] ...]\n");
	return 2;
}

static void
warn_stderr(const char *msg)
{
	fprintf(stderr, "bulkctl: warning: %s\n", msg);
}

static void
maincf_free(struct maincf *m)
{
	free(m->text.p);
	cf_free(&m->tab);
	cf_free(&m->defs);
	cf_free(&m->fixed);
	memset(m, 0, sizeof(*m));
}

/* Read main.cf (none: every parameter has its default). */
static int
maincf_read(struct maincf *m, const char *dir, int parse)
{
	struct stat	 st;
	char		 err[CF_ERR_MAX];
	int		 n;

	memset(m, 0, sizeof(*m));
	m->dir = dir;
	n = snprintf(m->path, sizeof(m->path), "%s/main.cf", dir);
	if (n < 0 || (size_t)n >= sizeof(m->path)) {
		fprintf(stderr, "bulkctl: %s: name too long\n", dir);
		return -1;
	}
	if (stat(m->path, &st) == -1 && errno == ENOENT) {
		if (dbuf_add(&m->text, "", 0) == -1)
			goto nomem;
	} else if (text_slurp(m->path, CF_FILE_MAX, &m->text, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "bulkctl: %s\n", err);
		return -1;
	} else if (m->text.p == NULL && dbuf_add(&m->text, "", 0) == -1)
		goto nomem;
	if (parse && cf_parse_buffer(&m->tab, m->text.p, m->text.len, m->path,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "bulkctl: %s\n", err);
		return -1;
	}
	if (config_defaults(&m->defs, &m->tab, dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "bulkctl: %s\n", err);
		return -1;
	}
	if (cf_set(&m->fixed, "config_directory", dir, "(-c)", 0) == -1)
		goto nomem;
	return 0;
nomem:
	fprintf(stderr, "bulkctl: out of memory\n");
	return -1;
}

/* ---- printing parameters ---- */

/* The value as written: main.cf's (not with -d), else the default. */
static const char *
raw_value(const struct maincf *m, const char *name, int flags)
{
	const struct cf_param	*cp = NULL;

	if (strcmp(name, "config_directory") == 0)
		return (flags & F_NONDEFAULT) ? NULL : m->dir;
	if (!(flags & F_DEFAULTS))
		cp = cf_lookup(&m->tab, name);
	if (cp == NULL && !(flags & F_NONDEFAULT))
		cp = cf_lookup(&m->defs, name);
	return cp != NULL ? cp->value : NULL;
}

static int
print_param(const struct maincf *m, const char *name, int flags)
{
	const struct cf_table	*scope[3] = { &m->fixed, &m->tab, &m->defs };
	const char		*v;
	char			 err[CF_ERR_MAX], *x = NULL;

	if ((v = raw_value(m, name, flags)) == NULL)
		return 0;
	if (flags & F_EXPAND) {
		if (flags & F_DEFAULTS)
			scope[1] = &m->defs;
		if ((x = cf_expand_scoped(scope, 3, v, err, sizeof(err))) ==
		    NULL) {
			fprintf(stderr, "bulkctl: %s: %s\n", name, err);
			return 1;
		}
		v = x;
	}
	if (flags & F_VALUE_ONLY)
		printf("%s\n", v);
	else
		printf("%s =%s%s\n", name, *v != '\0' ? " " : "", v);
	free(x);
	return 0;
}

static int
param_ptr_cmp(const void *a, const void *b)
{
	const struct param *const *pa = a, *const *pb = b;

	return strcmp((*pa)->name, (*pb)->name);
}

/* Names main.cf sets that bulkhead does not know: warned, not printed. */
static void
warn_unknown(const struct maincf *m)
{
	size_t	 i;

	for (i = 0; i < m->tab.n; i++)
		if (param_find(m->tab.v[i].name) == NULL)
			fprintf(stderr, "bulkctl: warning: %s:%d: unknown "
			    "parameter %s\n", m->tab.v[i].file,
			    m->tab.v[i].line, m->tab.v[i].name);
}

static int
cmd_show(const char *dir, int flags, int argc, char **argv)
{
	const struct param	*sorted[NPARAMS_MAX];
	struct maincf		 m;
	size_t			 i;
	int			 rc = 0;

	if (maincf_read(&m, dir, 1) == -1) {
		maincf_free(&m);
		return 1;
	}
	if (argc == 0) {
		if (!(flags & F_DEFAULTS))
			warn_unknown(&m);
		for (i = 0; i < nparams; i++)
			sorted[i] = &params[i];
		qsort(sorted, nparams, sizeof(sorted[0]), param_ptr_cmp);
		for (i = 0; i < nparams; i++)
			rc |= print_param(&m, sorted[i]->name, flags);
	}
	for (i = 0; i < (size_t)argc; i++) {
		if (param_find(argv[i]) == NULL) {
			fprintf(stderr, "bulkctl: unknown parameter %s\n",
			    argv[i]);
			rc = 1;
			continue;
		}
		rc |= print_param(&m, argv[i], flags);
	}
	maincf_free(&m);
	return rc;
}

/* ---- editing main.cf ---- */

static char *
trimmed(const char *s, size_t len)
{
	while (len > 0 && lline_is_space(*s)) {
		s++;
		len--;
	}
	while (len > 0 && lline_is_space(s[len - 1]))
		len--;
	return strndup(s, len);
}

/* "name=value" arguments, each checked before anything is read. */
static int
parse_edits(int argc, char **argv, struct cf_edit *ed)
{
	const char	*eq;
	int		 i, j;

	for (i = 0; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL) {
			fprintf(stderr, "bulkctl: %s: name=value expected "
			    "(parameters cannot be printed and set at once)\n",
			    argv[i]);
			return -1;
		}
		ed[i].name = trimmed(argv[i], (size_t)(eq - argv[i]));
		ed[i].value = trimmed(eq + 1, strlen(eq + 1));
		if (ed[i].name == NULL || ed[i].value == NULL) {
			fprintf(stderr, "bulkctl: out of memory\n");
			return -1;
		}
		if (param_find(ed[i].name) == NULL) {
			fprintf(stderr, "bulkctl: unknown parameter %s\n",
			    ed[i].name);
			return -1;
		}
		if (strcmp(ed[i].name, "config_directory") == 0) {
			fprintf(stderr, "bulkctl: config_directory cannot be "
			    "set in main.cf (it is bulkctl's -c)\n");
			return -1;
		}
		if (strpbrk(ed[i].value, "\n\r") != NULL) {
			fprintf(stderr, "bulkctl: %s: a value is one line\n",
			    ed[i].name);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(ed[j].name, ed[i].name) == 0) {
				fprintf(stderr, "bulkctl: %s given twice\n",
				    ed[i].name);
				return -1;
			}
	}
	return 0;
}

/* The new main.cf must pass what start-up checks, or nothing is written. */
static int
validate(const struct maincf *m, const struct dbuf *text)
{
	struct cf_table		 tab;
	struct bh_config	 cf;
	char			 err[CF_ERR_MAX];

	if (cf_parse_buffer(&tab, text->p, text->len, m->path, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "bulkctl: %s not changed: %s\n", m->path, err);
		return -1;
	}
	if (config_build(&cf, &tab, m->dir, warn_stderr, err, sizeof(err)) == -1) {
		fprintf(stderr, "bulkctl: %s not changed: %s\n", m->path, err);
		cf_free(&tab);
		return -1;
	}
	/* What needs the system (accounts, spool) may be set up after. */
	if (config_check_system(&cf, err, sizeof(err)) == -1 ||
	    config_check_tables(&cf, err, sizeof(err)) == -1)
		fprintf(stderr, "bulkctl: warning: bulkhead will not start "
		    "yet: %s\n", err);
	config_free(&cf);
	cf_free(&tab);
	return 0;
}

/* Write path anew: a file beside it with its owner and mode, renamed. */
static int
write_atomic(const struct maincf *m, const struct dbuf *text)
{
	struct stat	 st;
	char		 tmp[PATH_MAX + 16];
	int		 fd, dfd, n;
	mode_t		 mode = 0644;
	uid_t		 uid = (uid_t)-1;	/* fchown: keep */
	gid_t		 gid = (gid_t)-1;

	if (lstat(m->path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			fprintf(stderr, "bulkctl: %s: not a regular file, not "
			    "changed\n", m->path);
			return -1;
		}
		mode = st.st_mode & 07777;
		uid = st.st_uid;
		gid = st.st_gid;
	}
	n = snprintf(tmp, sizeof(tmp), "%s.bulkctl.XXXXXX", m->path);
	if (n < 0 || (size_t)n >= sizeof(tmp) || (fd = mkstemp(tmp)) == -1) {
		fprintf(stderr, "bulkctl: %s: cannot create a file beside it: "
		    "%s\n", m->path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1 || fchown(fd, uid, gid) == -1 ||
	    fd_write_all(fd, text->p, text->len) == -1 || fsync(fd) == -1) {
		fprintf(stderr, "bulkctl: %s: %s\n", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, m->path) == -1) {
		fprintf(stderr, "bulkctl: %s: %s\n", m->path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if ((dfd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

static int
cmd_edit(const char *dir, int argc, char **argv)
{
	struct cf_edit	 ed[EDITS_MAX];
	struct maincf	 m;
	struct dbuf	 out = { NULL, 0, 0 };
	int		 i, rc = 1;

	memset(ed, 0, sizeof(ed));
	memset(&m, 0, sizeof(m));
	if (argc > EDITS_MAX) {
		fprintf(stderr, "bulkctl: at most %d parameters at once\n",
		    EDITS_MAX);
		return 1;
	}
	if (parse_edits(argc, argv, ed) == -1 ||
	    maincf_read(&m, dir, 0) == -1)
		goto done;
	if (cf_edit_text(m.text.p, m.text.len, ed, (size_t)argc, &out) == -1) {
		fprintf(stderr, "bulkctl: out of memory\n");
		goto done;
	}
	if (validate(&m, &out) == 0 && write_atomic(&m, &out) == 0)
		rc = 0;
done:
	for (i = 0; i < argc; i++) {
		free(ed[i].name);
		free(ed[i].value);
	}
	free(out.p);
	maincf_free(&m);
	return rc;
}

/* ---- master.cf ---- */

/* Does "service" or "service/type" select this entry? */
static int
service_matches(const char *sel, char *const *f)
{
	const char	*slash = strchr(sel, '/');

	if (slash == NULL)
		return strcmp(sel, f[0]) == 0;
	return strlen(f[0]) == (size_t)(slash - sel) &&
	    strncmp(sel, f[0], (size_t)(slash - sel)) == 0 &&
	    strcmp(slash + 1, f[1]) == 0;
}

/* One entry as postconf -M prints it: its columns, then the command. */
static void
print_service(char *const *f, size_t nf)
{
	static const int width[MCF_COLUMNS] = { 10, 5, 7, 7, 7, 7, 7 };
	size_t		 i;
	int		 pos = 0, goal = 0;

	for (i = 0; i < nf; i++) {
		if (i > 0) {
			putchar(' ');
			pos++;
		}
		for (; pos < goal; pos++)
			putchar(' ');
		pos += printf("%s", f[i]);
		if (i < MCF_COLUMNS)
			goal += width[i] + 1;
	}
	putchar('\n');
}

/* Split a logical line in place on white space; the field count. */
static size_t
split_fields(char *s, char **f, size_t max)
{
	size_t	 n = 0;

	for (;;) {
		while (*s != '\0' && lline_is_space(*s))
			s++;
		if (*s == '\0' || n == max)
			return n;
		f[n++] = s;
		while (*s != '\0' && !lline_is_space(*s))
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

static int
cmd_master(const char *dir, int argc, char **argv)
{
	struct mcf_table	 mcf;
	struct lreader		 r;
	struct dbuf		 text = { NULL, 0, 0 }, lb = { NULL, 0, 0 };
	char			 path[PATH_MAX], err[CF_ERR_MAX];
	char			*f[2 * MCF_OPT_MAX + 64];
	int			 first, n, i, *hits = NULL, rc = 0;
	size_t			 nf;

	/* The daemon's own parser says whether master.cf is good. */
	if (config_load_mastercf(&mcf, dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "bulkctl: %s\n", err);
		return 1;
	}
	mcf_free(&mcf);
	snprintf(path, sizeof(path), "%s/master.cf", dir);
	if (text_slurp(path, CF_FILE_MAX, &text, err, sizeof(err)) == -1) {
		fprintf(stderr, "bulkctl: %s\n", err);
		free(text.p);
		return 1;
	}
	if ((hits = calloc((size_t)argc + 1, sizeof(*hits))) == NULL) {
		fprintf(stderr, "bulkctl: out of memory\n");
		free(text.p);
		return 1;
	}
	lline_init(&r, text.p != NULL ? text.p : "", text.len, path,
	    CF_LINES_MAX);
	while ((n = lline_next(&r, &lb, &first, err, sizeof(err))) == 1) {
		if ((nf = split_fields(lb.p, f, sizeof(f) / sizeof(f[0]))) <
		    MCF_COLUMNS + 1)
			continue;
		for (i = 0; i < argc && !service_matches(argv[i], f); i++)
			;
		if (argc > 0 && i == argc)
			continue;
		hits[i]++;
		print_service(f, nf);
	}
	for (i = 0; i < argc; i++)
		if (hits[i] == 0) {
			fprintf(stderr, "bulkctl: %s: no such service in %s\n",
			    argv[i], path);
			rc = 1;
		}
	free(hits);
	free(lb.p);
	free(text.p);
	return n == -1 ? 1 : rc;
}

int
bulkctl_config(const char *confdir, int argc, char **argv)
{
	int	 ch, flags = 0, i, edits = 0;

	optind = 0;	/* glibc: start again, argv[0] is "config" */
	while ((ch = getopt(argc, argv, "+c:dhMnx")) != -1) {
		switch (ch) {
		case 'c':
			confdir = optarg;
			break;
		case 'd':
			flags |= F_DEFAULTS;
			break;
		case 'h':
			flags |= F_VALUE_ONLY;
			break;
		case 'M':
			flags |= F_MASTER;
			break;
		case 'n':
			flags |= F_NONDEFAULT;
			break;
		case 'x':
			flags |= F_EXPAND;
			break;
		default:
			return config_usage();
		}
	}
	argc -= optind;
	argv += optind;
	for (i = 0; i < argc; i++)
		edits += strchr(argv[i], '=') != NULL;
	if ((flags & F_DEFAULTS) && (flags & F_NONDEFAULT))
		return config_usage();
	if (flags & F_MASTER)
		return flags != F_MASTER ? config_usage() :
		    cmd_master(confdir, argc, argv);
	if (edits > 0)
		return flags != 0 ? config_usage() :
		    cmd_edit(confdir, argc, argv);
	return cmd_show(confdir, flags, argc, argv);
}
