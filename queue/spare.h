/*
 * spare.h: emptied queue files kept for reuse.
 *
 * A delivered message's file is truncated and renamed into spare/
 * instead of being unlinked, and the next message received takes it
 * over.  Freeing and allocating an inode per message is what a busy
 * spool pays most for on ext4 without a journal, which checks every new
 * inode against those freed in the last minutes while it holds the
 * directory lock.  Only messages received by smtpd reuse spare files:
 * smtpd may have kept a write descriptor to a file it was given, and
 * could then write into a later message it receives itself, which it
 * could alter anyway; a notice queue writes itself always gets a new
 * file.  (local may keep a read descriptor, but it reads every message
 * anyway; a second delivery agent would need its own files.)  spare/ is
 * emptied at start-up.
 */
#ifndef BH_SPARE_H
#define BH_SPARE_H

#include <stddef.h>

#include "queue/qid.h"

#define SPARE_MAX	256	/* files kept; beyond that they are unlinked */

struct spare_pool {
	char	name[SPARE_MAX][QID_LEN + 1];
	size_t	n;
};

/* Empty spare/ (what a previous run left) and the pool. */
void	spare_init(struct spare_pool *);
/*
 * Retire <dir>/<qid>, whose read-write descriptor is fd: truncate it and
 * move it to spare/.  Returns -1 when the pool is full or that failed;
 * the caller then unlinks it.
 */
int	spare_put(struct spare_pool *, int fd, const char *dir,
	    const char *qid);
/*
 * Make a spare file incoming/<qid>, as spool_create() would: an empty
 * regular file of ours with one link, opened read-write.  Returns -1
 * when there is none or it was not fit (it is then removed).
 */
int	spare_take(struct spare_pool *, const char *qid, int *fd);

#endif
