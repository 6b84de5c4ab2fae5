/*
 * spool.c: queue file operations.  See spool.h.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "queue/qid.h"
#include "queue/spool.h"

static const char *const spool_dirs[] = {
	"incoming", "active", "hold", "corrupt", "spare"
};

void
spool_init(void)
{
	size_t i;

	for (i = 0; i < sizeof(spool_dirs) / sizeof(spool_dirs[0]); i++)
		if (mkdir(spool_dirs[i], 0700) == -1 && errno != EEXIST)
			fatal("mkdir %s", spool_dirs[i]);
}

int
spool_create(const char *qid, int *fd)
{
	char path[64];

	snprintf(path, sizeof(path), "incoming/%s", qid);
	*fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	return *fd == -1 ? -1 : 0;
}

void
spool_discard_incoming(const char *qid)
{
	char path[64];

	snprintf(path, sizeof(path), "incoming/%s", qid);
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("%s: unlink %s", qid, path);
}

static int
fsync_dir(const char *dir)
{
	int fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Append the envelope and trailer after the content: no fsync yet. */
int
spool_commit_prepare(int fd, struct qenv *env, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf;
	size_t		 len;

	if (fstat(fd, &st) == -1 || (uint64_t)st.st_size != env->size) {
		snprintf(err, errlen, "content size %lld, client said %llu",
		    (long long)st.st_size, (unsigned long long)env->size);
		errno = EINVAL;
		return -1;
	}
	if ((buf = qfile_format(env, &len)) == NULL) {
		snprintf(err, errlen, "envelope cannot be stored");
		errno = EINVAL;
		return -1;
	}
	if (fd_pwrite_all(fd, buf, len, st.st_size) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

/*
 * Append a new envelope and trailer after the file's end and sync it:
 * recipients' M records changed.  On failure the file is cut back and
 * env's offsets are again those of the envelope still in force.
 */
int
spool_append_envelope(int fd, struct qenv *env, uint64_t *env_off)
{
	struct stat	 st;
	uint64_t	*save, warn_off = env->warn_off;
	char		*buf = NULL;
	size_t		 len, i;
	int		 err;

	if (fstat(fd, &st) == -1)
		return -1;
	if ((save = calloc(env->nrcpt, sizeof(*save))) == NULL)
		return -1;
	for (i = 0; i < env->nrcpt; i++)
		save[i] = env->rcpt[i].status_off;
	if ((buf = qfile_format_at(env, st.st_size, &len)) == NULL) {
		err = EINVAL;
		goto fail;
	}
	if (fd_pwrite_all(fd, buf, len, st.st_size) == -1 ||
	    fdatasync(fd) == -1) {
		err = errno;
		if (ftruncate(fd, st.st_size) == -1)
			err = errno;
		goto fail;
	}
	free(buf);
	free(save);
	*env_off = st.st_size;
	return 0;
fail:
	for (i = 0; i < env->nrcpt; i++)
		env->rcpt[i].status_off = save[i];
	env->warn_off = warn_off;
	free(buf);
	free(save);
	errno = err;
	return -1;
}

/*
 * The durability promise: when this returns 0 the message and its
 * envelope are on disk under active/, and only then may smtpd say 250.
 * Blocking; safe in a pool thread (it touches only its arguments).
 * Returns 0 or an errno.
 *
 * The rename comes first so that the two syncs cost one journal commit
 * on ext4 and XFS (the file's fsync commits the rename with it; the
 * directory's then finds nothing left to do) instead of two in a row.
 * Nothing is acknowledged before both returned, so the order cannot
 * lose mail: a crash in between leaves a never-acknowledged file in
 * active/, which is delivered (a repeat, if the client sends it again)
 * or, if it did not reach the disk whole, moved to corrupt/.
 */
int
spool_commit_sync(int fd, const char *qid)
{
	char	from[64], to[64];

	snprintf(from, sizeof(from), "incoming/%s", qid);
	snprintf(to, sizeof(to), "active/%s", qid);
	if (rename(from, to) == -1 || fsync(fd) == -1 ||
	    fsync_dir("active") == -1)
		return errno;
	return 0;
}

int
spool_commit(int fd, struct qenv *env, char *err, size_t errlen)
{
	int	e;

	if (spool_commit_prepare(fd, env, err, errlen) == -1)
		return -1;
	if ((e = spool_commit_sync(fd, env->qid)) != 0) {
		snprintf(err, errlen, "%s", strerror(e));
		errno = e;
		return -1;
	}
	return 0;
}

/* A failed commit: the file goes, wherever it got to (no 250 was given). */
void
spool_discard_failed(const char *qid)
{
	char path[64];

	spool_discard_incoming(qid);
	snprintf(path, sizeof(path), "active/%s", qid);
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("%s: unlink %s", qid, path);
}

/* All len bytes at off; -1 on an error or a short file. */
static int
read_exact(int fd, char *buf, size_t len, off_t off)
{
	return fd_pread_all(fd, buf, len, off) == (ssize_t)len ? 0 : -1;
}

/* The envelope the trailer ending at end names; 0, or -1 with err. */
static int
load_at(int fd, const char *qid, uint64_t end, struct qenv *env,
    uint64_t *env_off, char *err, size_t errlen)
{
	char		 trailer[QFILE_TRAILER_LEN], *buf;
	int64_t		 off;
	size_t		 len;
	int		 rc = -1;

	if (end < QFILE_TRAILER_LEN ||
	    read_exact(fd, trailer, sizeof(trailer), end - QFILE_TRAILER_LEN)
	    == -1 || (off = qfile_parse_trailer(trailer, sizeof(trailer), end))
	    == -1) {
		snprintf(err, errlen, "missing or bad trailer");
		return -1;
	}
	len = end - QFILE_TRAILER_LEN - off;
	buf = xmalloc(len + 1);
	if (read_exact(fd, buf, len, off) == -1)
		snprintf(err, errlen, "short read");
	else if (qfile_parse_envelope(buf, len, env, err, errlen) == 0) {
		if (strcmp(env->qid, qid) != 0 || env->size > (uint64_t)off) {
			snprintf(err, errlen, "envelope does not match file");
			qenv_free(env);
		} else
			rc = 0;
	}
	free(buf);
	*env_off = off;
	return rc;
}

/*
 * The last trailer is torn: a crash (of the machine) while queue
 * appended a new envelope (spool_append_envelope).  The trailer before
 * it still names the envelope that was in force: find the last one
 * that loads, at a line start within the tail.  Returns the file length
 * it ends at, or 0.
 */
static uint64_t
find_earlier(int fd, const char *qid, uint64_t size, struct qenv *env,
    uint64_t *env_off)
{
	uint64_t	 base, end;
	size_t		 len, p;
	char		*tail, err[64];

	if (size < 2 * QFILE_TRAILER_LEN)
		return 0;
	len = size > QFILE_ENVELOPE_MAX + 4096 ? QFILE_ENVELOPE_MAX + 4096 :
	    size;
	base = size - len;
	tail = xcalloc(1, len);		/* calloc: for the analyser */
	if (read_exact(fd, tail, len, base) == -1) {
		free(tail);
		return 0;
	}
	for (p = len >= QFILE_TRAILER_LEN ? len - QFILE_TRAILER_LEN : 0;
	    p > 0; p--) {
		if (tail[p - 1] != '\n' || memcmp(tail + p, "BHQ2 ", 5) != 0)
			continue;
		end = base + p + QFILE_TRAILER_LEN;
		if (end < size &&
		    load_at(fd, qid, end, env, env_off, err, sizeof(err)) == 0) {
			free(tail);
			return end;
		}
	}
	free(tail);
	return 0;
}

int
spool_load(const char *dir, const char *qid, struct qenv *env,
    uint64_t *env_off, char *err, size_t errlen)
{
	char		 path[64];
	struct stat	 st;
	uint64_t	 end;
	int		 fd;

	snprintf(path, sizeof(path), "%s/%s", dir, qid);
	if ((fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		close(fd);
		return -1;
	}
	if (load_at(fd, qid, st.st_size, env, env_off, err, errlen) == 0) {
		close(fd);
		return 0;
	}
	/* Only a version 3 file has envelopes appended; cut back to one. */
	if ((end = find_earlier(fd, qid, st.st_size, env, env_off)) == 0) {
		close(fd);
		return -1;
	}
	if (ftruncate(fd, end) == -1 || fdatasync(fd) == -1) {
		snprintf(err, errlen, "cannot cut back a torn envelope: %s",
		    strerror(errno));
		qenv_free(env);
		close(fd);
		return -1;
	}
	log_warnx("%s: a torn envelope at its end (a crash while it was "
	    "appended) was cut off; the one before it is in force", qid);
	close(fd);
	return 0;
}

int
spool_open(const char *qid, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "active/%s", qid);
	return open(path, flags | O_CLOEXEC | O_NOFOLLOW);
}

int
spool_write_at(int fd, uint64_t off, const void *buf, size_t len)
{
	return fd_pwrite_all(fd, buf, len, off);
}

int
spool_mark(int fd, uint64_t off, char status)
{
	if (fd_pwrite_all(fd, &status, 1, off) == -1 || fdatasync(fd) == -1)
		return -1;
	return 0;
}

int
spool_patch(int fd, uint64_t off, const char *buf, size_t len)
{
	if (fd_pwrite_all(fd, buf, len, off) == -1 || fdatasync(fd) == -1)
		return -1;
	return 0;
}

int
spool_inject(struct qid_gen *g, struct qenv *env, const char *content,
    size_t len, char *err, size_t errlen)
{
	int	rw, tries;

	for (tries = 0; tries < 10; tries++) {
		if (tries > 0 || env->qid[0] == '\0')
			qid_new(g, env->qid);
		if (spool_create(env->qid, &rw) == 0)
			break;
		if (errno != EEXIST) {
			snprintf(err, errlen, "create: %s", strerror(errno));
			return -1;
		}
	}
	if (tries == 10) {
		snprintf(err, errlen, "no free queue id");
		return -1;
	}
	env->size = len;
	if (fd_pwrite_all(rw, content, len, 0) == -1) {
		snprintf(err, errlen, "write: %s", strerror(errno));
		goto fail;
	}
	if (spool_commit(rw, env, err, errlen) == -1)
		goto fail;
	return rw;
fail:
	close(rw);
	spool_discard_incoming(env->qid);
	return -1;
}

int
spool_remove(const char *dir, const char *qid)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/%s", dir, qid);
	return unlink(path);
}

int
spool_move(const char *qid, const char *from_dir, const char *to_dir)
{
	char from[64], to[64];

	snprintf(from, sizeof(from), "%s/%s", from_dir, qid);
	snprintf(to, sizeof(to), "%s/%s", to_dir, qid);
	if (rename(from, to) == -1)
		return -1;
	return fsync_dir(to_dir);
}

int
spool_quarantine(const char *dir, const char *name)
{
	char from[300], to[300];

	snprintf(from, sizeof(from), "%s/%s", dir, name);
	snprintf(to, sizeof(to), "corrupt/%s", name);
	if (rename(from, to) == -1)
		return -1;
	return fsync_dir("corrupt");
}

int
spool_walk(const char *dir, spool_walk_fn fn, void *arg)
{
	DIR		*d;
	struct dirent	*de;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			fn(de->d_name, arg);
	closedir(d);
	return 0;
}
