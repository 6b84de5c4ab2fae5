/*
 * content.c: the sealed memory file a message's content arrives in.
 * See content.h.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/fdio.h"
#include "queue/content.h"

#define COPY_CHUNK	65536

int
content_new(const char *qid)
{
	return memfd_create(qid, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

int
content_seal(int fd, uint64_t size, char *err, size_t errlen)
{
	struct stat	st;

	/*
	 * EBUSY here means the sender keeps a shared writable mapping:
	 * that message is refused, nothing else is affected.
	 */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK | F_SEAL_SEAL) == -1) {
		snprintf(err, errlen, "cannot seal the content: %s",
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "fstat: %s", strerror(errno));
		return -1;
	}
	if ((uint64_t)st.st_size != size) {
		snprintf(err, errlen, "content size %lld, client said %llu",
		    (long long)st.st_size, (unsigned long long)size);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
content_copy(int from, int to, uint64_t size)
{
	char		 buf[COPY_CHUNK];
	uint64_t	 off = 0;
	size_t		 want;
	ssize_t		 n;

	while (off < size) {
		want = size - off < sizeof(buf) ? size - off : sizeof(buf);
		if ((n = fd_pread_all(from, buf, want, off)) != (ssize_t)want)
			return n == -1 ? errno : EIO;
		if (fd_pwrite_all(to, buf, want, off) == -1)
			return errno;
		off += want;
	}
	return 0;
}
