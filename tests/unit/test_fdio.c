/*
 * test_fdio.c: whole reads and writes: short reads from a pipe are
 * joined, end of file gives a short count, pread leaves the offset alone.
 */
#include <sys/types.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/fdio.h"

static void
test_read_pipe(void **state)
{
	char	buf[16];
	int	p[2];
	pid_t	pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		/* three writes, so that one read(2) cannot see all of it */
		close(p[0]);
		(void)fd_write_all(p[1], "abc", 3);
		usleep(20000);
		(void)fd_write_all(p[1], "defg", 4);
		usleep(20000);
		(void)fd_write_all(p[1], "hij", 3);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(fd_read_all(p[0], buf, 8), 8);
	assert_memory_equal(buf, "abcdefgh", 8);
	/* two bytes remain: end of file gives the short count */
	assert_int_equal(fd_read_all(p[0], buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "ij", 2);
	assert_int_equal(fd_read_all(p[0], buf, sizeof(buf)), 0);
	close(p[0]);
	assert_int_equal(fd_read_all(p[0], buf, sizeof(buf)), -1);
	assert_int_equal(errno, EBADF);
}

static void
test_pread(void **state)
{
	char	path[] = "/tmp/test_fdio.XXXXXX", buf[16];
	int	fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	unlink(path);
	assert_int_equal(fd_write_all(fd, "0123456789", 10), 0);
	assert_int_equal(lseek(fd, 2, SEEK_SET), 2);
	assert_int_equal(fd_pread_all(fd, buf, 4, 5), 4);
	assert_memory_equal(buf, "5678", 4);
	assert_int_equal(fd_pread_all(fd, buf, sizeof(buf), 7), 3);
	assert_memory_equal(buf, "789", 3);
	assert_int_equal(fd_pread_all(fd, buf, 4, 10), 0);
	assert_int_equal(fd_pread_all(fd, buf, 4, -1), -1);
	assert_int_equal(errno, EINVAL);
	/* the file offset is where lseek left it */
	assert_int_equal(fd_read_all(fd, buf, 3), 3);
	assert_memory_equal(buf, "234", 3);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_pipe),
		cmocka_unit_test(test_pread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
