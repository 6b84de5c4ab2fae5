/*
 * fdio.c: whole reads and writes on a descriptor.  See fdio.h.
 */
#include <errno.h>
#include <unistd.h>

#include "lib/fdio.h"

int
fd_write_all(int fd, const void *buf, size_t n)
{
	const char	*p = buf;
	ssize_t		 w;

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

int
fd_pwrite_all(int fd, const void *buf, size_t n, off_t off)
{
	const char	*p = buf;
	ssize_t		 w;

	while (n > 0) {
		if ((w = pwrite(fd, p, n, off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
		off += w;
	}
	return 0;
}

/* pread when off >= 0, read otherwise. */
static ssize_t
read_loop(int fd, void *buf, size_t n, off_t off)
{
	char	*p = buf;
	size_t	 got = 0;
	ssize_t	 r;

	while (got < n) {
		if (off >= 0)
			r = pread(fd, p + got, n - got, off + (off_t)got);
		else
			r = read(fd, p + got, n - got);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

ssize_t
fd_read_all(int fd, void *buf, size_t n)
{
	return read_loop(fd, buf, n, -1);
}

ssize_t
fd_pread_all(int fd, void *buf, size_t n, off_t off)
{
	if (off < 0) {
		errno = EINVAL;
		return -1;
	}
	return read_loop(fd, buf, n, off);
}
