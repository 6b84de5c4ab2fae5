/*
 * forward.h: a user's ~/.forward.
 *
 * Targets are separated by commas or newlines; white space around them
 * is ignored; a line whose first non-blank character is '#' is a comment.
 * A target may be double-quoted (then it may hold commas and blanks).
 *   \user		the user's own mailbox, not forwarded further
 *   |command		a command
 *   /path		a file
 *   :include:/path	more targets from a file (an :include: file uses
 *			this syntax too; a ~/.forward may not name one)
 *   user, user@domain	an address
 * At most FORWARD_SIZE_MAX bytes and FORWARD_ENTRIES_MAX targets; a NUL
 * byte or a control character is an error.  The parser never logs;
 * errors are ".forward:line: what is wrong".  It runs in local, never
 * with the user's or anyone's privileges.
 */
#ifndef BH_FORWARD_H
#define BH_FORWARD_H

#include <stddef.h>

#define FORWARD_SIZE_MAX	4096
#define FORWARD_ENTRIES_MAX	100
#define FORWARD_VALUE_MAX	512

enum forward_kind {
	FWD_SELF = 0,		/* \user */
	FWD_ADDRESS,		/* user or user@domain */
	FWD_COMMAND,		/* |command, the | removed */
	FWD_FILE,		/* /path */
	FWD_INCLUDE		/* :include:/path, the prefix removed */
};

struct forward_entry {
	enum forward_kind	kind;
	char			value[FORWARD_VALUE_MAX];
};

struct forward {
	struct forward_entry	v[FORWARD_ENTRIES_MAX];
	size_t			n;
};

int	forward_parse(struct forward *, const char *buf, size_t len,
	    char *err, size_t errlen);

#endif
