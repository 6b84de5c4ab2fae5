/*
 * aliases_check.c: see aliases_check.h.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "relay/transport_result.h"
#include "conf/aliases_check.h"
#include "conf/aliases.h"
#include "delivery/resolve.h"
#include "lib/log.h"
#include "privsep/sandbox.h"

/* s with control characters shown as \t, \r or \ooo, for a log line. */
static const char *
printable(const char *s, char *out, size_t len)
{
	size_t	o = 0;

	for (; *s != '\0' && o + 5 < len; s++) {
		if (*s == '\t')
			o += snprintf(out + o, len - o, "\\t");
		else if (*s == '\r')
			o += snprintf(out + o, len - o, "\\r");
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			o += snprintf(out + o, len - o, "\\%03o",
			    (unsigned char)*s);
		else
			out[o++] = *s;
	}
	out[o] = '\0';
	return out;
}

static const struct alias_entry *
find_alias(const struct alias_table *t, size_t n, const char *name)
{
	const struct alias_entry	*e;
	size_t				 i;

	for (i = 0; i < n; i++)
		if ((e = aliases_lookup(&t[i], name)) != NULL)
			return e;
	return NULL;
}

static int
local_domain(const struct bh_config *cf, const char *domain)
{
	size_t i;

	for (i = 0; i < cf->mydestination.n; i++)
		if (strcasecmp(domain, cf->mydestination.v[i]) == 0)
			return 1;
	return 0;
}

/* One address target: what is wrong with it, or NULL. */
static const char *
check_address(const struct bh_config *cf, const struct alias_table *t,
    size_t n, const char *value, aliases_user_fn user, void *arg)
{
	char		 local[512];
	const char	*at = strrchr(value, '@');
	const char	*delims = cf->recipient_delimiter;
	size_t		 len = at ? (size_t)(at - value) : strlen(value), i;
	int		 u;

	if (at != NULL && !local_domain(cf, at + 1))
		return transport_default_remote(cf->relayhost,
		    cf->default_transport) ? NULL : "remote address: "
		    "default_transport is local and there is no relayhost";
	if (len == 0 || len >= sizeof(local))
		return "empty or overlong local part";
	for (i = 0; i < len; i++)
		local[i] = tolower((unsigned char)value[i]);
	local[len] = '\0';
	if (find_alias(t, n, local) != NULL)
		return NULL;
	if ((u = user(local, arg)) == -1 && delims != NULL && *delims &&
	    (i = strcspn(local, delims)) > 0 && i < len) {
		local[i] = '\0';	/* user+ext: user */
		if (find_alias(t, n, local) != NULL)
			return NULL;
		u = user(local, arg);
	}
	if (u == -1)
		return "no such alias or user";
	if (u == 1)
		return "system account: local delivery never writes as it";
	return NULL;
}

static int
allowed_for_aliases(const struct bh_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], "alias") == 0)
			return 1;
	return 0;
}

static const char *kind_unsupported(const struct bh_config *,
	    enum alias_kind);

/*
 * A /file target that cannot work as it is: a symbolic link or not a
 * regular file (the runner refuses them), or in a directory that does
 * not exist.  /dev/null is delivered with nothing written.
 */
static const char *
file_problem(const char *path)
{
	struct stat	 st;
	char		 dir[PATH_MAX], *slash;

	if (strcmp(path, "/dev/null") == 0)
		return NULL;
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return "file is a symbolic link, which delivery refuses";
		if (!S_ISREG(st.st_mode))
			return "not a regular file, which delivery refuses";
		return NULL;
	}
	if (errno != ENOENT || strlcpy(dir, path, sizeof(dir)) >= sizeof(dir))
		return NULL;
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir] = '\0';
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		return "the file's directory does not exist";
	return NULL;
}

/*
 * A |command, /file or :include: target: what is wrong with it, or NULL.
 * files: examine a /file target's path too.
 */
static const char *
check_runnable(const struct bh_config *cf, const struct alias_target *tg,
    int files)
{
	const char *why;

	why = resolve_target_problem(tg->kind == ALIAS_COMMAND ?
	    RUNNER_COMMAND : tg->kind == ALIAS_FILE ? RUNNER_FILE :
	    RUNNER_INCLUDE, tg->value);
	if (why == NULL)
		why = kind_unsupported(cf, tg->kind);
	if (why == NULL && files && tg->kind == ALIAS_FILE)
		why = file_problem(tg->value);
	return why;
}

static const char *
kind_unsupported(const struct bh_config *cf, enum alias_kind k)
{
	switch (k) {
	case ALIAS_FILE:
		return allowed_for_aliases(&cf->allow_mail_to_files) ? NULL :
		    "mail to file is restricted (allow_mail_to_files)";
	case ALIAS_COMMAND:
		return allowed_for_aliases(&cf->allow_mail_to_commands) ?
		    NULL : "mail to command is restricted "
		    "(allow_mail_to_commands)";
	default:
		return NULL;
	}
}

/*
 * An alias that expands to more accounts or commands than one answer of
 * lookup carries: mail to it bounces (5.3.0).  Within its own file, and
 * only for files of at most CHECK_SIZE_MAX aliases (each expansion costs
 * a pass over the table).
 */
#define CHECK_SIZE_MAX	5000

static const char *
check_size(const struct bh_config *cf, const struct alias_table *t,
    const struct alias_entry *e)
{
	struct alias_target	*out = NULL;
	char			 err[ALIAS_ERR_MAX];
	int			 n, i, addrs = 0, other = 0;

	if (t->n > CHECK_SIZE_MAX)
		return NULL;
	if ((n = aliases_expand_delim(t, e->name, cf->recipient_delimiter,
	    NULL, NULL, &out, err, sizeof(err))) < 0)
		return NULL;	/* loops are reported when mail comes */
	for (i = 0; i < n; i++) {
		if (out[i].kind == ALIAS_ADDRESS)
			addrs++;
		else
			other++;
	}
	aliases_free_targets(out, (size_t)n);
	if (addrs > IPC_EXPAND_MAX)
		return "expands to more than 200 recipients, which one "
		    "delivery cannot carry: mail to it bounces";
	if (other > IPC_TARGETS_MAX)
		return "expands to more than 4 commands, files and :include: "
		    "files: mail to it bounces";
	return NULL;
}

int
aliases_check(const struct bh_config *cf, const struct alias_table *t,
    size_t n, aliases_user_fn user, void *arg, void (*warn)(const char *),
    int files)
{
	const struct alias_entry	*e;
	const struct alias_target	*tg;
	const char			*why;
	char				 msg[1024], shown[512];
	size_t				 i, j, k;
	int				 found = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < t[i].n; j++) {
			e = &t[i].v[j];
			for (k = 0; k < e->ntargets; k++) {
				tg = &e->targets[k];
				why = tg->kind == ALIAS_ADDRESS ?
				    check_address(cf, t, n, tg->value, user,
				    arg) : check_runnable(cf, tg, files);
				if (why == NULL)
					continue;
				snprintf(msg, sizeof(msg), "%s:%d: alias %s: "
				    "%s%s: %s", t[i].file, e->line, e->name,
				    tg->kind == ALIAS_COMMAND ? "|" : "",
				    printable(tg->value, shown, sizeof(shown)),
				    why);
				warn(msg);
				found++;
			}
			if ((why = check_size(cf, &t[i], e)) != NULL) {
				snprintf(msg, sizeof(msg), "%s:%d: alias %s: "
				    "%s", t[i].file, e->line, e->name, why);
				warn(msg);
				found++;
			}
		}
	}
	if (n > 0 && find_alias(t, n, "postmaster") == NULL &&
	    user("postmaster", arg) != 0) {
		warn("no postmaster alias in alias_maps: RFC 5321 requires "
		    "that postmaster reaches a person");
		found++;
	}
	return found;
}

/* Who uid is to aliases_check: 0 a mailbox account (or root), 1 system. */
int
alias_account_kind(const struct bh_config *cf, uid_t uid)
{
	return uid == 0 || ((long)uid >= cf->local_minimum_uid &&
	    uid < BH_OVERFLOW_UID) ? 0 : 1;
}

/* For aliases_check, from the passwd database: or -1, no such account. */
static int
alias_user(const char *name, void *arg)
{
	const struct bh_config	*cf = arg;
	struct passwd		*pw;

	if ((pw = getpwnam(name)) == NULL)
		return -1;
	return alias_account_kind(cf, pw->pw_uid);
}

static void
alias_warn(const char *msg)
{
	log_warnx("%s", msg);
}

/*
 * The runner re-reads an alias file as its owner, default_privs for root,
 * to check that it lists the command or file it is asked to deliver
 * (runner_fork.c).  A root-owned file default_privs (group privs_gid;
 * (gid_t)-1: no such account) cannot read would make every such delivery
 * fail for ever: refuse it here, with the first target that needs it.
 */
static int
check_alias_file_mode(const struct bh_config *cf, const struct alias_table *t,
    const struct stat *st, gid_t privs_gid, const char *path, char *err,
    size_t errlen)
{
	const struct alias_entry	*e;
	size_t				 i, k;

	if (st->st_uid != 0 || (st->st_mode & S_IROTH) != 0 ||
	    privs_gid == (gid_t)-1 ||
	    ((st->st_mode & S_IRGRP) != 0 && st->st_gid == privs_gid))
		return 0;
	for (i = 0; i < t->n; i++) {
		e = &t->v[i];
		for (k = 0; k < e->ntargets; k++)
			if (e->targets[k].kind != ALIAS_ADDRESS) {
				snprintf(err, errlen, "%s:%d: alias %s: the "
				    "file is root's and default_privs (%s) "
				    "cannot read it, as which its commands, "
				    "files and :include: files are delivered: "
				    "make it readable (mode 0644)", path,
				    e->line, e->name, cf->default_privs);
				return -1;
			}
	}
	return 0;
}

int
aliases_check_files(const struct bh_config *cf, const struct alias_file *f,
    size_t n, aliases_user_fn user, void *arg, gid_t privs_gid, int files,
    char *err, size_t errlen)
{
	struct alias_table	at[BH_LIST_MAX];
	size_t			i, k;
	int			rc = 0;

	memset(at, 0, sizeof(at));
	for (k = 0; k < n && k < BH_LIST_MAX; k++) {
		if (aliases_parse_buffer(&at[k], f[k].buf, f[k].len, f[k].path,
		    err, errlen) == -1) {
			rc = -1;
			break;
		}
		if (check_alias_file_mode(cf, &at[k], &f[k].st, privs_gid,
		    f[k].path, err, errlen) == -1) {
			rc = -1;
			k++;
			break;
		}
	}
	if (rc == 0)
		aliases_check(cf, at, k, user, arg, alias_warn, files);
	for (i = 0; i < k; i++)
		aliases_free(&at[i]);
	return rc;
}

/*
 * Parse every alias file, open on fds[] in alias_maps' order (errors:
 * file:line, fatal), then report what newaliases would: targets nothing
 * can deliver, a missing postmaster (warnings: the file is the admin's,
 * mail to good names still flows).  For the tools; the daemon's checker
 * (check/alias_checker.c) reads first and parses in its sandbox.
 */
int
config_check_alias_fds(const struct bh_config *cf, const int *fds, char *err,
    size_t errlen)
{
	struct alias_file	 f[BH_LIST_MAX];
	struct passwd		*pw;
	gid_t			 privs_gid;
	size_t			 i, n;
	int			 rc = 0;

	memset(f, 0, sizeof(f));
	for (n = 0; n < cf->alias_maps.n && n < BH_LIST_MAX; n++) {
		f[n].path = cf->alias_maps.v[n];
		if (aliases_read_fd(fds[n], f[n].path, &f[n].buf, &f[n].len,
		    &f[n].st, err, errlen) == -1) {
			rc = -1;
			break;
		}
	}
	privs_gid = (pw = getpwnam(cf->default_privs)) != NULL ?
	    pw->pw_gid : (gid_t)-1;
	if (rc == 0)
		rc = aliases_check_files(cf, f, n, alias_user, (void *)cf,
		    privs_gid, 1, err, errlen);
	for (i = 0; i < n; i++)
		free(f[i].buf);
	return rc;
}

/* The same from the paths, for the tools (bulkhead -n, newaliases). */
int
config_check_aliases(const struct bh_config *cf, char *err, size_t errlen)
{
	int	fds[BH_LIST_MAX] = { 0 };
	size_t	i, n;
	int	rc = 0;

	for (n = 0; n < cf->alias_maps.n && n < BH_LIST_MAX; n++)
		if ((fds[n] = open(cf->alias_maps.v[n], O_RDONLY | O_CLOEXEC |
		    O_NOCTTY | O_NONBLOCK)) == -1) {
			snprintf(err, errlen, "%s: %s", cf->alias_maps.v[n],
			    strerror(errno));
			rc = -1;
			break;
		}
	if (rc == 0)
		rc = config_check_alias_fds(cf, fds, err, errlen);
	for (i = 0; i < n; i++)
		close(fds[i]);
	return rc;
}
