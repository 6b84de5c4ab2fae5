/*
 * maildir.c: Maildir delivery.  See maildir.h.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "delivery/maildir.h"
#include "lib/fdio.h"
#include "lib/strl.h"

static int
fail(char *dsn, size_t dsnlen, char *why, size_t whylen, int err,
    const char *what)
{
	/* A full disk or quota is worth waiting for; so is anything else
	 * here, since the mailbox may be fixed by its owner. */
	xstrlcpy(dsn, (err == EDQUOT) ? "4.2.2" : (err == ENOSPC) ? "4.3.1" :
	    "4.2.0", dsnlen);
	snprintf(why, whylen, "maildir delivery failed: %s: %s", what,
	    strerror(err));
	return -1;
}

/*
 * Open (creating it if need be) one directory of the Maildir without
 * following a symbolic link, and insist that it is ours.  The writer runs
 * as the recipient, so a link the recipient planted gains them nothing;
 * but one planted by somebody else who can write in the home directory
 * would send the mail where that somebody reads it.  Master checked the
 * same before forking us; this closes the race.
 */
static int
open_own_dir(int at, const char *name, int *security)
{
	struct stat	st;
	int		fd;

	*security = 0;
	if (mkdirat(at, name, 0700) == -1 && errno != EEXIST)
		return -1;
	if ((fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ELOOP || errno == ENOTDIR)
			*security = 1;
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		*security = 1;
		errno = EPERM;
		return -1;
	}
	return fd;
}

struct maildir_fds {
	int	top, tmp, new;
};

static void
close_fds(struct maildir_fds *d)
{
	if (d->top != -1)
		close(d->top);
	if (d->tmp != -1)
		close(d->tmp);
	if (d->new != -1)
		close(d->new);
}

/* maildir ends in '/'; the slash goes, or open would follow a link. */
static int
open_maildir(const char *maildir, struct maildir_fds *d, int *security)
{
	char	path[4096];
	size_t	n = strlen(maildir);
	int	cur;

	d->top = d->tmp = d->new = -1;
	while (n > 1 && maildir[n - 1] == '/')
		n--;
	if (n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, maildir, n);
	path[n] = '\0';
	if ((d->top = open_own_dir(AT_FDCWD, path, security)) == -1 ||
	    (d->tmp = open_own_dir(d->top, "tmp", security)) == -1 ||
	    (d->new = open_own_dir(d->top, "new", security)) == -1 ||
	    (cur = open_own_dir(d->top, "cur", security)) == -1) {
		close_fds(d);
		return -1;
	}
	close(cur);
	return 0;
}

/* '/' and ':' may not appear in a Maildir name. */
static void
host_part(char *host, size_t len, const char *hostname)
{
	size_t	i, j = 0;

	for (i = 0; hostname[i] && j + 5 < len; i++) {
		if (hostname[i] == '/')
			j += snprintf(host + j, len - j, "\\057");
		else if (hostname[i] == ':')
			j += snprintf(host + j, len - j, "\\072");
		else
			host[j++] = hostname[i];
	}
	host[j] = '\0';
}

/* Unique per the Maildir spec: time, microseconds, pid, a counter, host. */
static void
unique_name(char *buf, size_t len, const char *hostname)
{
	static unsigned	counter;
	struct timeval	tv;
	char		host[256];

	host_part(host, sizeof(host), hostname);
	gettimeofday(&tv, NULL);
	snprintf(buf, len, "%lld.M%06ldP%dQ%u.%s", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (int)getpid(), ++counter, host);
}

/*
 * The queue id's first 9 hex digits are its seconds: the name sorts by
 * arrival like any other Maildir name, and names this one delivery.
 */
int
maildir_name(char *buf, size_t len, const char *qid, uint32_t rcpt_index,
    const char *hostname)
{
	unsigned long long	sec = 0;
	char			host[256];
	size_t			i, n = strlen(qid);

	if (n < 9 || n > 32)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)qid[i]))
			return -1;
		if (i < 9)
			sec = sec << 4 | (unsigned)(isdigit((unsigned char)
			    qid[i]) ? qid[i] - '0' :
			    (tolower((unsigned char)qid[i]) - 'a' + 10));
	}
	host_part(host, sizeof(host), hostname);
	if ((size_t)snprintf(buf, len, "%llu.B%sR%u.%s", sec, qid,
	    (unsigned)rcpt_index, host) >= len)
		return -1;
	return 0;
}

/* Copy exactly len bytes from in to out; -1 on error or a short input. */
static int
copy_content(int in, int out, uint64_t len, int *short_input)
{
	char		buf[65536];
	uint64_t	got = 0;
	ssize_t		n;

	*short_input = 0;
	for (;;) {
		if ((n = read(in, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		if (got + n > len) {
			*short_input = 1;	/* too long is as bad */
			return -1;
		}
		if (fd_write_all(out, buf, n) == -1)
			return -1;
		got += n;
	}
	if (got != len) {
		*short_input = 1;
		return -1;
	}
	return 0;
}

int
maildir_deliver(const char *maildir, const char *hostname,
    const struct maildir_msg *m, char *dsn, size_t dsnlen, char *why,
    size_t whylen)
{
	struct maildir_fds	d;
	char			name[512], final[512], hdr[2048];
	struct stat		st;
	int			fd, n, short_input = 0, err, security = 0;

	if (open_maildir(maildir, &d, &security) == -1) {
		if (security) {
			xstrlcpy(dsn, "4.7.0", dsnlen);
			snprintf(why, whylen, "maildir delivery refused: %s is "
			    "a symbolic link, not a directory, or not owned by "
			    "the recipient", maildir);
			return -1;
		}
		return fail(dsn, dsnlen, why, whylen, errno, "open maildir");
	}
	if (m->qid == NULL)
		unique_name(final, sizeof(final), hostname);
	else if (maildir_name(final, sizeof(final), m->qid, m->rcpt_index,
	    hostname) == -1) {
		close_fds(&d);
		return fail(dsn, dsnlen, why, whylen, EINVAL, "name");
	} else if (fstatat(d.new, final, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* Delivered before; its result was lost (or new/'s fsync
		 * failed): make sure it is on disk, write nothing. */
		err = fsync(d.new) == -1 ? errno : 0;
		close_fds(&d);
		return err ? fail(dsn, dsnlen, why, whylen, err, "fsync new/") :
		    0;
	}
	unique_name(name, sizeof(name), hostname);
	fd = openat(d.tmp, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		err = errno;
		close_fds(&d);
		return fail(dsn, dsnlen, why, whylen, err, "create tmp file");
	}
	n = snprintf(hdr, sizeof(hdr), "Return-Path: <%s>\nDelivered-To: %s\n",
	    m->return_path, m->delivered_to);
	if (n < 0 || (size_t)n >= sizeof(hdr) ||
	    fd_write_all(fd, hdr, n) == -1 ||
	    copy_content(m->content_fd, fd, m->content_len, &short_input)
	    == -1 || fsync(fd) == -1) {
		err = errno;
		close(fd);
		unlinkat(d.tmp, name, 0);
		close_fds(&d);
		if (short_input) {
			xstrlcpy(dsn, "4.3.0", dsnlen);
			snprintf(why, whylen, "message truncated in transit");
			return -1;
		}
		return fail(dsn, dsnlen, why, whylen, err, "write");
	}
	if (close(fd) == -1) {
		err = errno;
		unlinkat(d.tmp, name, 0);
		close_fds(&d);
		return fail(dsn, dsnlen, why, whylen, err, "close");
	}
	if (linkat(d.tmp, name, d.new, final, 0) == -1) {
		err = errno;
		unlinkat(d.tmp, name, 0);
		close_fds(&d);
		if (err == EEXIST && m->qid != NULL)
			return 0;	/* a repeat, racing the first */
		return fail(dsn, dsnlen, why, whylen, err, "link into new/");
	}
	unlinkat(d.tmp, name, 0);
	if (fsync(d.new) == -1) {
		err = errno;
		close_fds(&d);
		return fail(dsn, dsnlen, why, whylen, err, "fsync new/");
	}
	close_fds(&d);
	return 0;
}
