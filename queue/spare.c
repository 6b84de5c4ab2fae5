/*
 * spare.c: emptied queue files kept for reuse.  See spare.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "queue/spare.h"
#include "queue/spool.h"

static void
remove_leftover(const char *name, void *arg)
{
	char path[300];

	(void)arg;
	snprintf(path, sizeof(path), "spare/%s", name);
	if (unlink(path) == -1)
		log_warn("cannot remove %s", path);
}

void
spare_init(struct spare_pool *p)
{
	p->n = 0;
	if (spool_walk("spare", remove_leftover, NULL) == -1)
		log_warn("cannot read spare/");
}

int
spare_put(struct spare_pool *p, int fd, const char *dir, const char *qid)
{
	char	from[64], to[64];

	if (p->n == SPARE_MAX || strlen(qid) > QID_LEN)
		return -1;
	/* Emptied first: a delivered message does not linger on disk. */
	if (ftruncate(fd, 0) == -1)
		return -1;
	snprintf(from, sizeof(from), "%s/%s", dir, qid);
	snprintf(to, sizeof(to), "spare/%s", qid);
	if (rename(from, to) == -1)
		return -1;
	xstrlcpy(p->name[p->n++], qid, sizeof(p->name[0]));
	return 0;
}

/* The file must be what spool_create() would have made. */
static int
fit(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1 || st.st_uid != geteuid() ||
	    (st.st_mode & 07777) != 0600)
		return 0;
	return st.st_size == 0 || ftruncate(fd, 0) == 0;
}

int
spare_take(struct spare_pool *p, const char *qid, int *fd)
{
	char	from[64], to[64];

	if (p->n == 0)
		return -1;
	snprintf(from, sizeof(from), "spare/%s", p->name[--p->n]);
	snprintf(to, sizeof(to), "incoming/%s", qid);
	/* Never over a file: ids do not repeat, but make sure. */
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == -1) {
		unlink(from);
		return -1;
	}
	if ((*fd = open(to, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
	    !fit(*fd)) {
		if (*fd != -1)
			close(*fd);
		unlink(to);
		return -1;
	}
	return 0;
}
