/*
 * test_mbox.c: ">From " quoting, fed in every possible split, and
 * mbox_deliver on a real file: framing, appending, the lock left behind,
 * and a failed delivery truncated back to the old size.
 */
#include <sys/stat.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_deliver_and_truncate_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
