/*
 * mailbox_path.h: the lexical checks master applies to what a writer
 * request leads it to (writer_fork.c), as pure functions for unit tests.
 */
#ifndef BH_MAILBOX_PATH_H
#define BH_MAILBOX_PATH_H

/* A user name lookup could have produced: nothing to build a path from. */
int	user_name_ok(const char *user);
/* Absolute, no ".", ".." or empty segment (one trailing '/'), not "/". */
int	path_canonical(const char *path);
/* path is canonical and is dir or below it. */
int	path_inside(const char *path, const char *dir);

#endif
