/*
 * mbox.c: mbox delivery.  See mbox.h.
 *
 * Locking order is procmail's: the dotlock first, then fcntl on the
 * whole file (mutt takes fcntl then the dotlock; both sides retry rather
 * than block, so the order cannot deadlock).  Each is tried
 * deliver_lock_attempts times, deliver_lock_delay apart; a busy mailbox
 * then defers (4.2.0).  A dotlock older than stale_lock_time is removed.
 * A dotlock that cannot be created for lack of permission (a mailbox in
 * a directory its owner cannot write, as a /file target often is) is
 * done without: the fcntl lock alone, as Postfix and procmail do, and a
 * warning is logged.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "delivery/mbox.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/strl.h"

static const char from_[] = "From ";

void
mbox_quote_init(struct mbox_quote *q)
{
	q->bol = 1;
	q->match = 0;
	q->last_nl = 1;
}

static int
put(struct mbox_quote *q, const char *p, size_t n, mbox_emit_fn emit,
    void *arg)
{
	if (n == 0)
		return 0;
	q->last_nl = p[n - 1] == '\n';
	return emit(p, n, arg);
}

int
mbox_quote(struct mbox_quote *q, const char *p, size_t n, mbox_emit_fn emit,
    void *arg)
{
	size_t	i, start = 0;

	for (i = 0; i < n; i++) {
		if (!q->bol) {
			if (p[i] == '\n')
				q->bol = 1;
			continue;
		}
		/* At a line start: is it "From "?  It may span pieces. */
		if (p[i] == from_[q->match]) {
			if (q->match == 0 && put(q, p + start, i - start, emit,
			    arg) == -1)
				return -1;
			if (++q->match == sizeof(from_) - 1) {
				if (put(q, ">From ", 6, emit, arg) == -1)
					return -1;
				q->match = 0;
				q->bol = 0;
			}
			start = i + 1;
			continue;
		}
		if (q->match > 0) {
			if (put(q, from_, q->match, emit, arg) == -1)
				return -1;
			q->match = 0;
			start = i;
		}
		q->bol = p[i] == '\n';
	}
	if (q->match == 0 && put(q, p + start, n - start, emit, arg) == -1)
		return -1;
	return 0;
}

int
mbox_quote_end(struct mbox_quote *q, mbox_emit_fn emit, void *arg)
{
	if (q->match > 0 && put(q, from_, q->match, emit, arg) == -1)
		return -1;
	q->match = 0;
	if (!q->last_nl && put(q, "\n", 1, emit, arg) == -1)
		return -1;
	return put(q, "\n", 1, emit, arg);
}

/* ---- buffered output ---- */

struct out {
	int	fd;
	size_t	len;
	char	buf[65536];
};

static int
out_flush(struct out *o)
{
	int rc = fd_write_all(o->fd, o->buf, o->len);

	o->len = 0;
	return rc;
}

static int
out_emit(const char *p, size_t n, void *arg)
{
	struct out *o = arg;

	if (o->len + n > sizeof(o->buf) && out_flush(o) == -1)
		return -1;
	if (n > sizeof(o->buf))
		return fd_write_all(o->fd, p, n);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

/* ---- locks ---- */

/*
 * Remove the stale dotlock seen (by lstat) at lock, and nothing else.
 * Checking the age and then unlinking by name would remove a fresh lock
 * another deliverer made in between (it broke the same stale lock a
 * moment earlier).  So the lock is first renamed aside, which takes
 * whatever is there at once; if that is not the file seen, it is put
 * back with link(2), which cannot replace a lock made since.  Returns
 * 1 when the stale lock is gone, 0 when it was not the one seen.
 */
int
mbox_dotlock_break(const char *lock, const struct stat *seen)
{
	char		aside[4200];
	struct stat	st;
	int		same;

	if ((size_t)snprintf(aside, sizeof(aside), "%s.stale.%ld", lock,
	    (long)getpid()) >= sizeof(aside))
		return 0;
	if (rename(lock, aside) == -1)
		return errno == ENOENT;		/* gone already */
	same = lstat(aside, &st) == 0 && st.st_dev == seen->st_dev &&
	    st.st_ino == seen->st_ino;
	if (!same && link(aside, lock) == -1 && errno == EEXIST)
		log_warnx("dotlock %s: a fresh lock was broken in a race",
		    lock);
	(void)unlink(aside);
	return same;
}

/* 0 locked; -1 (busy or an error in errno); 1: no permission, no lock. */
static int
dotlock_take(const char *lock, const struct mbox_locking *lk, int *busy)
{
	struct stat	st;
	int		fd, i;

	*busy = 0;
	for (i = 0; i < lk->attempts; i++) {
		fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd != -1) {
			close(fd);
			return 0;
		}
		if (errno == EACCES || errno == EPERM || errno == EROFS)
			return 1;
		if (errno != EEXIST)
			return -1;
		if (lstat(lock, &st) == 0 &&
		    time(NULL) - st.st_mtime > lk->stale &&
		    mbox_dotlock_break(lock, &st))
			continue;
		if (i + 1 < lk->attempts)
			sleep(lk->delay);
	}
	*busy = 1;
	errno = EAGAIN;
	return -1;
}

static int
fcntl_take(int fd, const struct mbox_locking *lk, int *busy)
{
	struct flock	fl;
	int		i;

	*busy = 0;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	for (i = 0; i < lk->attempts; i++) {
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return -1;
		if (i + 1 < lk->attempts)
			sleep(lk->delay);
	}
	*busy = 1;
	errno = EAGAIN;
	return -1;
}

/* ---- delivery ---- */

static int
fail(char *dsn, size_t dsnlen, char *why, size_t whylen, int err,
    const char *what)
{
	xstrlcpy(dsn, (err == EDQUOT) ? "4.2.2" : (err == ENOSPC || err ==
	    EFBIG) ? "4.3.1" : "4.2.0", dsnlen);
	snprintf(why, whylen, "mbox delivery failed: %s: %s", what,
	    strerror(err));
	return -1;
}

/* Open the mailbox without following a link; it must be ours alone. */
static int
open_mbox(const char *path, int *security)
{
	struct stat	st;
	int		fd;

	*security = 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd == -1) {
		if (errno == ELOOP)
			*security = 1;
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_nlink != 1) {
		close(fd);
		*security = 1;
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* From line, the trace headers, the quoted content, a blank line. */
static int
append_message(int fd, const struct maildir_msg *m, int *short_input)
{
	static struct out	o;
	struct mbox_quote	q;
	char			hdr[2048], date[64], buf[65536];
	time_t			now = time(NULL);
	struct tm		tm;
	uint64_t		got = 0;
	ssize_t			n;
	int			len;

	*short_input = 0;
	o.fd = fd;
	o.len = 0;
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		return -1;
	len = snprintf(hdr, sizeof(hdr), "From %s %s\nReturn-Path: <%s>\n"
	    "Delivered-To: %s\n", m->return_path[0] ? m->return_path :
	    "MAILER-DAEMON", date, m->return_path, m->delivered_to);
	if (len < 0 || (size_t)len >= sizeof(hdr) ||
	    out_emit(hdr, len, &o) == -1)
		return -1;
	mbox_quote_init(&q);
	for (;;) {
		if ((n = read(m->content_fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		if (got + n > m->content_len) {
			*short_input = 1;	/* too long is as bad */
			return -1;
		}
		got += n;
		if (mbox_quote(&q, buf, n, out_emit, &o) == -1)
			return -1;
	}
	if (got != m->content_len) {
		*short_input = 1;
		return -1;
	}
	if (mbox_quote_end(&q, out_emit, &o) == -1 || out_flush(&o) == -1)
		return -1;
	return fsync(fd);
}

int
mbox_deliver(const char *path, const struct mbox_locking *lk,
    const struct maildir_msg *m, char *dsn, size_t dsnlen, char *why,
    size_t whylen)
{
	char		lock[4096];
	struct stat	st;
	int		fd, err, busy, security, short_input, rc = -1, dl;

	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >=
	    sizeof(lock))
		return fail(dsn, dsnlen, why, whylen, ENAMETOOLONG, "path");
	if ((dl = dotlock_take(lock, lk, &busy)) == 1) {
		log_warnx("%s: cannot create the dotlock %s: %s; using the "
		    "fcntl lock alone", path, lock, strerror(errno));
		lock[0] = '\0';
	} else if (dl == -1) {
		err = errno;
		if (busy) {
			xstrlcpy(dsn, "4.2.0", dsnlen);
			snprintf(why, whylen, "mailbox %s is locked (%s)",
			    path, lock);
			return -1;
		}
		return fail(dsn, dsnlen, why, whylen, err, "create dotlock");
	}
	if ((fd = open_mbox(path, &security)) == -1) {
		err = errno;
		if (lock[0] != '\0')
			(void)unlink(lock);
		if (security) {
			xstrlcpy(dsn, "4.7.0", dsnlen);
			snprintf(why, whylen, "mbox delivery refused: %s is a "
			    "symbolic link, not a regular file, has other "
			    "links, or is not owned by the recipient", path);
			return -1;
		}
		return fail(dsn, dsnlen, why, whylen, err, "open mailbox");
	}
	if (fcntl_take(fd, lk, &busy) == -1) {
		err = errno;
		if (busy) {
			xstrlcpy(dsn, "4.2.0", dsnlen);
			snprintf(why, whylen, "mailbox %s is locked (fcntl)",
			    path);
		} else
			fail(dsn, dsnlen, why, whylen, err, "fcntl lock");
		goto out;
	}
	/* Locked: the size now is where our message starts. */
	if (fstat(fd, &st) == -1) {
		fail(dsn, dsnlen, why, whylen, errno, "fstat");
		goto out;
	}
	if (append_message(fd, m, &short_input) == -1) {
		err = errno;
		if (short_input) {
			xstrlcpy(dsn, "4.3.0", dsnlen);
			snprintf(why, whylen, "message truncated in transit");
		} else
			fail(dsn, dsnlen, why, whylen, err, "write");
		/* Say so if half a message stays: the admin must look. */
		if (ftruncate(fd, st.st_size) == -1 || fsync(fd) == -1)
			snprintf(why, whylen, "mbox %s: write failed and "
			    "truncating back failed too: %s", path,
			    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);		/* releases the fcntl lock */
	if (lock[0] != '\0')
		(void)unlink(lock);
	return rc;
}
