/*
 * maildir.h: deliver one message into a Maildir, the Maildir way: write
 * it under tmp/, fsync, link it into new/, fsync the directory.  Runs in
 * the writer, as the recipient.
 *
 * With a queue id, the name in new/ is derived from it and the
 * recipient's index in the queue file ("SECONDS.BQIDRINDEX.HOST"), so a
 * delivery repeated after a crash or a lost result finds its file there
 * and writes nothing: Maildir delivery is idempotent.  (A copy the user
 * already moved to cur/ is not looked for.)
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
	const char	*qid;		/* NULL: a unique name, no check */
	uint32_t	 rcpt_index;
};

/* The name of qid's rcpt_index in new/; -1 if qid is no queue id. */
int	maildir_name(char *buf, size_t len, const char *qid,
	    uint32_t rcpt_index, const char *hostname);

/* 0, or -1 with an enhanced status code and a reason. */
int	maildir_deliver(const char *maildir, const char *hostname,
	    const struct maildir_msg *, char *dsn, size_t dsnlen,
	    char *why, size_t whylen);

#endif
