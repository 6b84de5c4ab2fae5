/*
 * maildir.c: Maildir delivery.  See maildir.h.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "delivery/maildir.h"

static int
fail(char *dsn, size_t dsnlen, char *why, size_t whylen, int err,
    const char *what)
{
	/* A full disk or quota is worth waiting for; so is anything else
	 * here, since the mailbox may be fixed by its owner. */
	strlcpy(dsn, (err == EDQUOT) ? "4.2.2" : (err == ENOSPC) ? "4.3.1" :
	    "4.2.0", dsnlen);
	snprintf(why, whylen, "maildir delivery failed: %s: %s", what,
	    strerror(err));
	return -1;
}

static int
ensure_dirs(const char *maildir)
{
	static const char *const sub[] = { "", "tmp", "new", "cur" };
	char	path[4096];
	size_t	i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s%s", maildir, sub[i]);
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			return -1;
	}
	return 0;
}

/* Unique per the Maildir spec: time, microseconds, pid, a counter, host. */
static void
unique_name(char *buf, size_t len, const char *hostname)
{
	static unsigned	counter;
	struct timeval	tv;
	char		host[256];
	size_t		i, j = 0;

	/* '/' and ':' may not appear in a Maildir name. */
	for (i = 0; hostname[i] && j + 5 < sizeof(host); i++) {
		if (hostname[i] == '/')
			j += snprintf(host + j, sizeof(host) - j, "\\057");
		else if (hostname[i] == ':')
			j += snprintf(host + j, sizeof(host) - j, "\\072");
		else
			host[j++] = hostname[i];
	}
	host[j] = '\0';
	gettimeofday(&tv, NULL);
	snprintf(buf, len, "%lld.M%06ldP%dQ%u.%s", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (int)getpid(), ++counter, host);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
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
		if (write_all(out, buf, n) == -1)
			return -1;
		got += n;
	}
	if (got != len) {
		*short_input = 1;
		return -1;
	}
	return 0;
}

static int
fsync_dir(const char *path)
{
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
maildir_deliver(const char *maildir, const char *hostname,
    const struct maildir_msg *m, char *dsn, size_t dsnlen, char *why,
    size_t whylen)
{
	char	name[512], tmp[4096], new[4096], dir[4096], hdr[2048];
	int	fd, n, short_input = 0, err;

	if (ensure_dirs(maildir) == -1)
		return fail(dsn, dsnlen, why, whylen, errno, "mkdir");
	unique_name(name, sizeof(name), hostname);
	snprintf(tmp, sizeof(tmp), "%stmp/%s", maildir, name);
	snprintf(new, sizeof(new), "%snew/%s", maildir, name);
	snprintf(dir, sizeof(dir), "%snew", maildir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return fail(dsn, dsnlen, why, whylen, errno, "create tmp file");
	n = snprintf(hdr, sizeof(hdr), "Return-Path: <%s>\nDelivered-To: %s\n",
	    m->return_path, m->delivered_to);
	if (n < 0 || (size_t)n >= sizeof(hdr) ||
	    write_all(fd, hdr, n) == -1 ||
	    copy_content(m->content_fd, fd, m->content_len, &short_input)
	    == -1 || fsync(fd) == -1) {
		err = errno;
		close(fd);
		unlink(tmp);
		if (short_input) {
			strlcpy(dsn, "4.3.0", dsnlen);
			snprintf(why, whylen, "message truncated in transit");
			return -1;
		}
		return fail(dsn, dsnlen, why, whylen, err, "write");
	}
	if (close(fd) == -1) {
		err = errno;
		unlink(tmp);
		return fail(dsn, dsnlen, why, whylen, err, "close");
	}
	if (link(tmp, new) == -1) {
		err = errno;
		unlink(tmp);
		return fail(dsn, dsnlen, why, whylen, err, "link into new/");
	}
	unlink(tmp);
	if (fsync_dir(dir) == -1)
		return fail(dsn, dsnlen, why, whylen, errno, "fsync new/");
	return 0;
}
