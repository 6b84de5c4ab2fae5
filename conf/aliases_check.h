/*
 * aliases_check.h: what newaliases would tell an admin about the alias
 * files, beyond the syntax the parser already checks: targets that no
 * delivery can reach (unknown users, system accounts, remote addresses
 * and targets this release does not deliver), and a missing postmaster.
 * Each finding is "file:line: alias NAME: what", passed to warn.  Used by
 * master at start-up, on reload and by "bulkhead -n".
 */
#ifndef BH_ALIASES_CHECK_H
#define BH_ALIASES_CHECK_H

#include <sys/types.h>

#include "delivery/alias_expand.h"
#include "conf/config.h"

/* Does name reach a mailbox: -1 unknown, 0 yes, 1 a system account. */
typedef int (*aliases_user_fn)(const char *name, void *arg);

/* Returns the number of findings. */
int	aliases_check(const struct bh_config *, const struct alias_table *,
	    size_t ntables, aliases_user_fn, void *arg,
	    void (*warn)(const char *));

#endif
