/*
 * test_mbox.c: ">From " quoting, fed in every possible split, and
 * mbox_deliver on a real file: framing, appending, the lock left behind,
 * and a failed delivery truncated back to the old size.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "delivery/mbox.h"

struct sink {
	char	buf[4096];
	size_t	len;
};

static int
to_sink(const char *p, size_t n, void *arg)
{
	struct sink *s = arg;

	assert_true(s->len + n < sizeof(s->buf));
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return 0;
}

/* Quote in, split at every position (two pieces), expect out. */
static void
check_quote(const char *in, const char *out)
{
	struct mbox_quote	q;
	struct sink		s;
	size_t			n = strlen(in), cut;

	for (cut = 0; cut <= n; cut++) {
		memset(&s, 0, sizeof(s));
		mbox_quote_init(&q);
		assert_int_equal(mbox_quote(&q, in, cut, to_sink, &s), 0);
		assert_int_equal(mbox_quote(&q, in + cut, n - cut, to_sink,
		    &s), 0);
		assert_int_equal(mbox_quote_end(&q, to_sink, &s), 0);
		assert_string_equal(s.buf, out);
	}
}

static void
test_quote(void **state)
{
	check_quote("", "\n");
	check_quote("a\n", "a\n\n");
	check_quote("no newline", "no newline\n\n");
	check_quote("From me\n", ">From me\n\n");
	check_quote("x\nFrom me\nFrom\nFrom:\n", "x\n>From me\nFrom\nFrom:\n\n");
	check_quote(" From x\nxFrom y\n", " From x\nxFrom y\n\n");
	check_quote(">From x\n", ">From x\n\n");	/* Postfix: not mboxrd */
	check_quote("FFrom x\nFro", "FFrom x\nFro\n\n");
	check_quote("Subject: a\n\nFrom here\n", "Subject: a\n\n>From here\n\n");
	check_quote("From From \n", ">From From \n\n");
}

static char *
slurp(const char *path, size_t *len)
{
	static char	buf[8192];
	FILE		*f = fopen(path, "r");

	assert_non_null(f);
	*len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Deliver text through a pipe, claiming len bytes. */
static int
deliver(const char *path, const char *text, uint64_t len, char *dsn,
    char *why)
{
	struct maildir_msg	m;
	struct mbox_locking	lk = { 2, 1, 500 };
	int			p[2], rc;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], text, strlen(text)), (ssize_t)strlen(text));
	close(p[1]);
	m.return_path = "s@example.org";
	m.delivered_to = "u@example.com";
	m.content_len = len;
	m.content_fd = p[0];
	rc = mbox_deliver(path, &lk, &m, dsn, 16, why, 512);
	close(p[0]);
	return rc;
}

static void
test_deliver_and_truncate_back(void **state)
{
	char		dir[] = "/tmp/bh-mbox-XXXXXX", path[128], lock[160];
	char		dsn[16], why[512], *data;
	const char	*msg = "Subject: one\n\nFrom the start\nend";
	size_t		len, first;
	struct stat	st;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mbox", dir);
	snprintf(lock, sizeof(lock), "%s.lock", path);

	assert_int_equal(deliver(path, msg, strlen(msg), dsn, why), 0);
	data = slurp(path, &len);
	assert_true(strncmp(data, "From s@example.org ", 19) == 0);
	assert_non_null(strstr(data, "\nReturn-Path: <s@example.org>\n"
	    "Delivered-To: u@example.com\nSubject: one\n\n>From the start\n"
	    "end\n\n"));
	assert_int_equal(data[len - 1], '\n');
	assert_int_equal(stat(lock, &st), -1);		/* lock released */
	first = len;

	/* Fewer bytes than promised: deferred, file back to its old size. */
	assert_int_equal(deliver(path, "Subject: two\n\nshort\n", 999, dsn,
	    why), -1);
	assert_string_equal(dsn, "4.3.0");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((size_t)st.st_size, first);
	assert_int_equal(stat(lock, &st), -1);

	/* A symbolic link is refused, and nothing is written through it. */
	unlink(path);
	assert_int_equal(symlink("/dev/null", path), 0);
	assert_int_equal(deliver(path, "x\n", 2, dsn, why), -1);
	assert_string_equal(dsn, "4.7.0");
	unlink(path);
	rmdir(dir);
}

/*
 * A stale dotlock is broken by two deliverers at once: the first made a
 * fresh lock before the second got to its unlink.  The second must not
 * remove the fresh one.
 */
static void
test_stale_lock_race(void **state)
{
	char		dir[] = "/tmp/bh-mbox-XXXXXX", lock[128], keep[160];
	struct stat	seen, st;
	struct timespec	old[2] = { { 1000, 0 }, { 1000, 0 } };
	int		fd;

	assert_non_null(mkdtemp(dir));
	snprintf(lock, sizeof(lock), "%s/mbox.lock", dir);
	snprintf(keep, sizeof(keep), "%s/old", dir);
	/* the stale lock alone: broken */
	assert_true((fd = open(lock, O_WRONLY | O_CREAT, 0600)) != -1);
	close(fd);
	assert_int_equal(utimensat(AT_FDCWD, lock, old, 0), 0);
	assert_int_equal(lstat(lock, &seen), 0);
	assert_int_equal(mbox_dotlock_break(lock, &seen), 1);
	assert_int_equal(lstat(lock, &st), -1);

	/* stale when looked at, fresh (another file) when broken */
	assert_true((fd = open(lock, O_WRONLY | O_CREAT, 0600)) != -1);
	close(fd);
	assert_int_equal(utimensat(AT_FDCWD, lock, old, 0), 0);
	assert_int_equal(lstat(lock, &seen), 0);
	assert_int_equal(rename(lock, keep), 0);	/* its inode stays */
	assert_true((fd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0600))
	    != -1);
	close(fd);
	assert_int_equal(mbox_dotlock_break(lock, &seen), 0);
	assert_int_equal(lstat(lock, &st), 0);		/* still locked */
	assert_true(st.st_ino != seen.st_ino);
	unlink(lock);
	unlink(keep);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * A mailbox in a directory its owner cannot write: no dotlock can be
 * made, and the delivery goes ahead under the fcntl lock.  Run as an
 * unprivileged uid (root may write anywhere).
 */
static void
test_no_dotlock_permission(void **state)
{
	char		dir[] = "/tmp/bh-mbox-XXXXXX", path[128], lock[160];
	char		dsn[16], why[512];
	const char	*msg = "Subject: x\n\nbody\n";
	uid_t		uid = geteuid() == 0 ? 65534 : geteuid();
	pid_t		pid;
	int		fd, status;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mbox", dir);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1);
	close(fd);
	assert_int_equal(chown(path, uid, uid), 0);
	assert_int_equal(chown(dir, uid, uid), 0);
	assert_int_equal(chmod(dir, 0555), 0);
	if ((pid = fork()) == 0) {
		if (geteuid() == 0 && (setgid(uid) == -1 || setuid(uid) == -1))
			_exit(2);
		_exit(deliver(path, msg, strlen(msg), dsn, why) == 0 ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(access(lock, F_OK), -1);
	assert_non_null(strstr(slurp(path, &(size_t){ 0 }), "\nbody\n"));
	assert_int_equal(chmod(dir, 0700), 0);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_deliver_and_truncate_back),
		cmocka_unit_test(test_stale_lock_race),
		cmocka_unit_test(test_no_dotlock_permission),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
