/*
 * mbox.h: deliver one message into an mbox file, the way mutt, procmail
 * and Postfix agree on: a dotlock (FILE.lock) and an fcntl lock, a
 * "From sender date" line, ">From " quoting, a blank line after the
 * message, fsync before success, and on any failure the file truncated
 * back to its old size so that it never keeps half a message.  Runs in
 * the writer, as the recipient.
 */
#ifndef BH_MBOX_H
#define BH_MBOX_H

#include <stddef.h>

#include "delivery/maildir.h"	/* struct maildir_msg: the same input */

/* deliver_lock_attempts, deliver_lock_delay, stale_lock_time */
struct mbox_locking {
	int	attempts;	/* each lock is tried this often */
	int	delay;		/* seconds between tries */
	long	stale;		/* seconds: an older dotlock is removed */
};

struct stat;

/* 0, or -1 with an enhanced status code and a reason. */
int	mbox_deliver(const char *path, const struct mbox_locking *,
	    const struct maildir_msg *, char *dsn, size_t dsnlen, char *why,
	    size_t whylen);

/*
 * The ">From " quoting, as a streaming filter: feed it input in pieces,
 * it writes quoted output through emit.  Exposed for the unit tests.
 */
struct mbox_quote {
	int	bol;		/* at the beginning of a line */
	size_t	match;		/* bytes of "From " matched at bol */
	int	last_nl;	/* the last byte emitted was '\n' */
};

typedef int (*mbox_emit_fn)(const char *, size_t, void *);

void	mbox_quote_init(struct mbox_quote *);

/*
 * Remove the stale dotlock lock that lstat showed as *seen, never a
 * fresh one made since: 1 removed (or gone), 0 it was another file.
 * Exposed for the unit tests.
 */
int	mbox_dotlock_break(const char *lock, const struct stat *seen);
int	mbox_quote(struct mbox_quote *, const char *, size_t, mbox_emit_fn,
	    void *);
/* Flush a pending partial match; end with a newline and a blank line. */
int	mbox_quote_end(struct mbox_quote *, mbox_emit_fn, void *);

#endif
