/*
 * mailbox_path.h: the lexical checks master applies to what a writer
 * request leads it to (writer_fork.c), as pure functions for unit tests.
 */
#ifndef BH_MAILBOX_PATH_H
#define BH_MAILBOX_PATH_H

/*
 * Would master fork a writer or runner as this account (account_check)?
 * One pure function, so that lookup answers RCPT with the same checks:
 * the name passes user_name_ok() and the IPC rule (user_valid), the uid
 * is not root's (4.3.0: root must be aliased), not a system account's,
 * the primary group is not 0, the home is a canonical absolute path (one
 * trailing '/' allowed: master drops it).  NULL, or why not, with *dsn
 * and *security (1: only a compromised local would ask).
 */
const char *account_refusal(const char *name, unsigned long uid,
	    unsigned long gid, const char *home, long minimum_uid,
	    const char **dsn, int *security);

/* A user name lookup could have produced: nothing to build a path from. */
int	user_name_ok(const char *user);
/* Absolute, no ".", ".." or empty segment (one trailing '/'), not "/". */
int	path_canonical(const char *path);
/* path is canonical and is dir or below it. */
int	path_inside(const char *path, const char *dir);

#endif
