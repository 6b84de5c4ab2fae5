/*
 * config_system.c: the checks of a configuration that need the system
 * and root's rights: the compartments' accounts, default_privs, the
 * spool's and the empty root's owner and mode, smtp_sasl_password_maps.
 * Master runs them on the configuration "bulkhead -x config-parse"
 * sent it (master/config_parse.c); "bulkhead -n" runs them too.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "conf/config_load.h"
#include "conf/sasl_passwd.h"
#include "privsep/sandbox.h"

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
	if (check_sasl_password_maps(cf, err, errlen) == -1)
		return -1;
	return check_dir("empty_directory", cf->empty_directory, 0, 022, err,
	    errlen);
}
