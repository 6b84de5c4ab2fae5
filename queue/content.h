/*
 * content.h: a message's content on its way in.  smtpd (or any other
 * sender of MSG_CREATE) writes into an anonymous memory file that queue
 * made; at MSG_COMMIT queue seals it against every further change and
 * copies it into the queue file, which only queue ever holds open.  So
 * nothing the sender does after the commit, with whatever fds it kept,
 * can alter or remove mail that was acknowledged.
 */
#ifndef BH_CONTENT_H
#define BH_CONTENT_H

#include <stddef.h>
#include <stdint.h>

/* A new content file named for qid; -1 with errno. */
int	content_new(const char *qid);
/*
 * Seal it (no write, no growing or shrinking, no more seals) and check
 * that it holds size bytes; -1 with err otherwise.
 */
int	content_seal(int fd, uint64_t size, char *err, size_t errlen);
/* Copy size bytes of content to the start of the queue file: 0 or errno. */
int	content_copy(int from, int to, uint64_t size);

#endif
