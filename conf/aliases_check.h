/*
 * aliases_check.h: what newaliases would tell an admin about the alias
 * files, beyond the syntax the parser already checks: targets that no
 * delivery can reach (unknown users, system accounts, remote addresses
 * and targets this release does not deliver), and a missing postmaster.
 * Each finding is "file:line: alias NAME: what", passed to warn.  Used by
 * the tools ("bulkhead -n", newaliases) and by the checker master starts
 * at start-up, on reload and on a change (bulkhead -x alias-check): the
 * daemon's master never parses an alias file itself.
 */
#ifndef BH_ALIASES_CHECK_H
#define BH_ALIASES_CHECK_H

#include <sys/types.h>
#include <sys/stat.h>

#include "delivery/alias_expand.h"
#include "conf/config.h"

/* Does name reach a mailbox: -1 unknown, 0 yes, 1 a system account. */
typedef int (*aliases_user_fn)(const char *name, void *arg);

/* What uid is to aliases_check: 0 a mailbox account or root, 1 system. */
int	alias_account_kind(const struct bh_config *, uid_t);

/*
 * Returns the number of findings.  files: look at /file targets' paths
 * (what a checker in an empty root cannot).
 */
int	aliases_check(const struct bh_config *, const struct alias_table *,
	    size_t ntables, aliases_user_fn, void *arg,
	    void (*warn)(const char *), int files);

/* An alias file read (aliases_read_fd), to be parsed. */
struct alias_file {
	const char	*path;
	char		*buf;
	size_t		 len;
	struct stat	 st;
};

/*
 * Parse alias files already read (errors: file:line, -1 with err) and
 * report aliases_check's findings through log_warnx.  user says who an
 * account is; privs_gid is default_privs' group ((gid_t)-1: none); files
 * as for aliases_check.  Touches no file: the checker calls it in an
 * empty root.
 */
int	aliases_check_files(const struct bh_config *, const struct alias_file *,
	    size_t n, aliases_user_fn, void *arg, gid_t privs_gid, int files,
	    char *err, size_t errlen);

/*
 * Parse every file of alias_maps (open on fds[], in its order; errors
 * file:line, -1 with err) and report aliases_check's findings through
 * log_warnx.  config_check_aliases opens the paths first.
 */
int	config_check_alias_fds(const struct bh_config *, const int *fds,
	    char *err, size_t errlen);
int	config_check_aliases(const struct bh_config *, char *err,
	    size_t errlen);

#endif
