/*
 * sandbox_shared.h: what master and the compartments both run of
 * sandboxing (sandbox_shared.c): the account check, closing the fds a
 * process did not get on purpose, and the seccomp mode (-S) master takes
 * and hands on to every child.  Building and loading a filter, and
 * entering a compartment, are sandbox.c's and seccomp.c's, which only
 * a compartment runs.
 */
#ifndef BH_SANDBOX_SHARED_H
#define BH_SANDBOX_SHARED_H

#include <sys/types.h>

#include <stddef.h>

/* Close every fd from keep on; called before the worker opens anything. */
void	sandbox_close_fds(int keep);

/* Account checks shared by master and workers: not root, exists. */
int	sandbox_resolve_user(const char *user, uid_t *uid, gid_t *gid,
	    char *err, size_t errlen);

/* "kill" (default), "trap": print the blocked call and exit, "log" */
void	seccomp_set_mode(const char *mode);
const char *seccomp_get_mode(void);

#endif
