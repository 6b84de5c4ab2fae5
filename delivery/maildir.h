/*
 * maildir.h: deliver one message into a Maildir, the Maildir way: write
 * it under tmp/, fsync, link it into new/, fsync the directory.  Runs in
 * the writer, as the recipient.
 */
#ifndef BH_MAILDIR_H
#define BH_MAILDIR_H

#include <stddef.h>
#include <stdint.h>

struct maildir_msg {
	const char	*return_path;
	const char	*delivered_to;
	uint64_t	 content_len;	/* exactly this many bytes must come */
	int		 content_fd;
};

/* 0, or -1 with an enhanced status code and a reason. */
int	maildir_deliver(const char *maildir, const char *hostname,
	    const struct maildir_msg *, char *dsn, size_t dsnlen,
	    char *why, size_t whylen);

#endif
