/*
 * fdio.h: whole reads and writes on a descriptor.
 */
#ifndef BH_FDIO_H
#define BH_FDIO_H

#include <sys/types.h>

#include <stddef.h>

/* Write all n bytes, retrying short writes and EINTR; 0 or -1 (errno). */
int	fd_write_all(int fd, const void *p, size_t n);
/* The same at offset off, with pwrite(2). */
int	fd_pwrite_all(int fd, const void *p, size_t n, off_t off);

/*
 * Read n bytes, retrying short reads and EINTR: the count read, less than
 * n only at end of file, or -1 (errno).
 */
ssize_t	fd_read_all(int fd, void *p, size_t n);

/* The same at offset off, with pread(2); the file offset is unchanged. */
ssize_t	fd_pread_all(int fd, void *p, size_t n, off_t off);

#endif
