/*
 * config_load.c: read main.cf and master.cf from a configuration directory,
 * and check that the system matches (accounts, directories, aliases).
 * Used by master at start-up, by "bulkhead -n", by SIGHUP, and by workers
 * (which read the same root-owned files before they drop privileges).
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "conf/aliases.h"
#include "conf/aliases_check.h"
#include "lib/log.h"
#include "conf/config_load.h"
#include "relay/tls_policy.h"
#include "conf/sasl_passwd.h"
#include "privsep/sandbox.h"
#include "relay/transport.h"

int
config_load(struct bh_config *cf, const char *dir, cf_warn_fn warn,
    char *err, size_t errlen)
{
	struct cf_table	tab = { NULL, 0 };
	char		path[PATH_MAX];
	struct stat	st;
	int		rc;

	snprintf(path, sizeof(path), "%s/main.cf", dir);
	if (stat(path, &st) == -1 && errno == ENOENT) {
		/* No main.cf: every parameter has its default. */
		rc = config_build(cf, &tab, dir, warn, err, errlen);
		return rc;
	}
	if (cf_parse_file(&tab, path, err, errlen) == -1)
		return -1;
	rc = config_build(cf, &tab, dir, warn, err, errlen);
	cf_free(&tab);
	return rc;
}

int
config_load_mastercf(struct mcf_table *mcf, const char *dir, char *err,
    size_t errlen)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/master.cf", dir);
	if (mcf_parse_file(mcf, path, err, errlen) == -1)
		return -1;
	if (mcf->n == 0) {
		snprintf(err, errlen, "%s: no service declared", path);
		return -1;
	}
	return 0;
}

static int
check_dir(const char *what, const char *path, uid_t owner, int mode_mask,
    char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s %s: %s (run bulkhead-setup)", what,
		    path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != owner ||
	    (st.st_mode & mode_mask) != 0) {
		snprintf(err, errlen, "%s %s must be a directory owned by "
		    "uid %u with no %s permissions (run bulkhead-setup)", what,
		    path, (unsigned)owner, mode_mask == 066 ? "group or other read or write" :
		    "group or other write");
		return -1;
	}
	return 0;
}

/*
 * default_privs runs commands and writes files for root-owned aliases: an
 * account that exists and is not root (check_user refused the name "root";
 * this catches a uid 0 by another name).
 */
static int
check_default_privs(const struct bh_config *cf, char *err, size_t errlen)
{
	char	why[CF_ERR_MAX];
	uid_t	uid;
	gid_t	gid;

	if (sandbox_resolve_user(cf->default_privs, &uid, &gid, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "default_privs: %s", why);
		return -1;
	}
	return 0;
}

/* Every transport_maps file parses (queue reads them when it starts). */
static int
check_transport_maps(const struct bh_config *cf, char *err, size_t errlen)
{
	struct transport_table	t;
	char			why[CF_ERR_MAX];
	size_t			i;

	for (i = 0; i < cf->transport_maps.n; i++) {
		if (transport_parse_file(&t, cf->transport_maps.v[i], why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "transport_maps: %s", why);
			return -1;
		}
		transport_free(&t);
	}
	return 0;
}

/* Every smtp_tls_policy_maps file parses (queue reads them too). */
static int
check_tls_policy_maps(const struct bh_config *cf, char *err, size_t errlen)
{
	struct tls_policy_table	t;
	char			why[CF_ERR_MAX];
	size_t			i;

	for (i = 0; i < cf->smtp_tls_policy_maps.n; i++) {
		if (tls_policy_parse_file(&t, cf->smtp_tls_policy_maps.v[i],
		    why, sizeof(why)) == -1) {
			snprintf(err, errlen, "smtp_tls_policy_maps: %s", why);
			return -1;
		}
		tls_policy_free(&t);
	}
	return 0;
}

/* Every smtp_sasl_password_maps file is root's and parses (master
   reads them again for each lookup). */
static int
check_sasl_password_maps(const struct bh_config *cf, char *err,
    size_t errlen)
{
	char	why[CF_ERR_MAX], user[SASL_PASSWD_FIELD_MAX];
	char	pass[SASL_PASSWD_FIELD_MAX];
	size_t	i;

	for (i = 0; i < cf->smtp_sasl_password_maps.n; i++)
		if (sasl_passwd_lookup(cf->smtp_sasl_password_maps.v[i], "",
		    user, pass, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "smtp_sasl_password_maps: %s",
			    why);
			return -1;
		}
	return 0;
}

/* Every compartment's account exists, is not root, and has its own uid. */
int
config_check_system(const struct bh_config *cf, char *err, size_t errlen)
{
	const char	*users[] = { cf->smtpd_user, cf->queue_user,
			    cf->lookup_user, cf->local_user, cf->pickup_user,
			    cf->relay_user,
			    cf->auth_user, cf->keys_user,
			    cf->dns_user };
	uid_t		 uids[sizeof(users) / sizeof(users[0])];
	gid_t		 gid;
	size_t		 i, j;

	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		if (sandbox_resolve_user(users[i], &uids[i], &gid, err,
		    errlen) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (uids[i] == uids[j]) {
				snprintf(err, errlen, "users %s and %s share "
				    "uid %u: each compartment needs its own",
				    users[j], users[i], (unsigned)uids[i]);
				return -1;
			}
	}
	if (check_default_privs(cf, err, errlen) == -1)
		return -1;
	/* 0711 at most: users' bulkdrop passes through to maildrop/ */
	if (check_dir("queue_directory", cf->queue_directory, uids[1], 066,
	    err, errlen) == -1)
		return -1;
	if (check_transport_maps(cf, err, errlen) == -1 ||
	    check_tls_policy_maps(cf, err, errlen) == -1 ||
	    check_sasl_password_maps(cf, err, errlen) == -1)
		return -1;
	return check_dir("empty_directory", cf->empty_directory, 0, 022, err,
	    errlen);
}

/* For aliases_check: 0 a mailbox account (or root), 1 system, -1 none. */
static int
alias_user(const char *name, void *arg)
{
	const struct bh_config	*cf = arg;
	struct passwd		*pw;

	if ((pw = getpwnam(name)) == NULL)
		return -1;
	return pw->pw_uid == 0 || ((long)pw->pw_uid >= cf->local_minimum_uid &&
	    pw->pw_uid < BH_OVERFLOW_UID) ? 0 : 1;
}

static void
alias_warn(const char *msg)
{
	log_warnx("%s", msg);
}

/*
 * The runner re-reads an alias file as its owner, default_privs for root,
 * to check that it lists the command or file it is asked to deliver
 * (runner_fork.c).  A root-owned file default_privs cannot read would
 * make every such delivery fail for ever: refuse it here, with the
 * first target that needs it.
 */
static int
check_alias_file_mode(const struct bh_config *cf, const struct alias_table *t,
    const char *path, char *err, size_t errlen)
{
	const struct alias_entry	*e;
	struct stat			 st;
	struct passwd			*pw;
	size_t				 i, k;

	if (stat(path, &st) == -1 || st.st_uid != 0 ||
	    (st.st_mode & S_IROTH) != 0 ||
	    (pw = getpwnam(cf->default_privs)) == NULL ||
	    ((st.st_mode & S_IRGRP) != 0 && st.st_gid == pw->pw_gid))
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

/*
 * Parse every alias file (errors: file:line, fatal), then report what
 * newaliases would: targets nothing can deliver, a missing postmaster
 * (warnings: the file is the admin's, mail to good names still flows).
 */
int
config_check_aliases(const struct bh_config *cf, char *err, size_t errlen)
{
	struct alias_table	at[BH_LIST_MAX];
	size_t			i, n;
	int			rc = 0;

	memset(at, 0, sizeof(at));
	for (n = 0; n < cf->alias_maps.n; n++) {
		if (aliases_parse_file(&at[n], cf->alias_maps.v[n], err, errlen)
		    == -1) {
			rc = -1;
			break;
		}
		if (check_alias_file_mode(cf, &at[n], cf->alias_maps.v[n], err,
		    errlen) == -1) {
			rc = -1;
			n++;
			break;
		}
	}
	if (rc == 0)
		aliases_check(cf, at, n, alias_user, (void *)cf, alias_warn);
	for (i = 0; i < n; i++)
		aliases_free(&at[i]);
	return rc;
}
