/*
 * test_maildir.c: maildir_deliver on a real directory.  A delivery
 * named by a queue id and recipient index is idempotent: repeated (after
 * a crash, a lost result, or a failed fsync of new/ that deferred it)
 * it finds its file in new/ and writes nothing.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "delivery/maildir.h"

#define QID	"0674D3A1B0F1A2C3"

static int
deliver(const char *md, const char *qid, uint32_t idx, const char *text)
{
	struct maildir_msg	m;
	char			dsn[16], why[512];
	int			p[2], rc;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], text, strlen(text)),
	    (ssize_t)strlen(text));
	close(p[1]);
	memset(&m, 0, sizeof(m));
	m.return_path = "s@example.org";
	m.delivered_to = "u@example.com";
	m.content_len = strlen(text);
	m.content_fd = p[0];
	m.qid = qid;
	m.rcpt_index = idx;
	rc = maildir_deliver(md, "mx.example", &m, dsn, sizeof(dsn), why,
	    sizeof(why));
	close(p[0]);
	return rc;
}

static int
count(const char *md, const char *sub)
{
	char		 path[256];
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/%s", md, sub);
	assert_non_null(d = opendir(path));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
test_repeat_writes_nothing(void **state)
{
	char	dir[] = "/tmp/bh-maildir-XXXXXX", md[128], name[256], path[512];

	assert_non_null(mkdtemp(dir));
	snprintf(md, sizeof(md), "%s/Maildir/", dir);
	assert_int_equal(deliver(md, QID, 0, "Subject: a\n\nbody\n"), 0);
	assert_int_equal(count(md, "new"), 1);
	/* the same delivery again: one copy */
	assert_int_equal(deliver(md, QID, 0, "Subject: a\n\nbody\n"), 0);
	assert_int_equal(count(md, "new"), 1);
	assert_int_equal(count(md, "tmp"), 0);
	/* another recipient of the same message, another message */
	assert_int_equal(deliver(md, QID, 1, "Subject: a\n\nbody\n"), 0);
	assert_int_equal(deliver(md, "0674D3A1B0F1A2C4", 0, "x\n"), 0);
	assert_int_equal(count(md, "new"), 3);
	/* the name: seconds of the queue id, the id, the index, the host */
	assert_int_equal(maildir_name(name, sizeof(name), QID, 7,
	    "mx/a:b"), 0);
	assert_string_equal(name, "1733114395.B" QID "R7.mx\\057a\\072b");
	assert_int_equal(maildir_name(name, sizeof(name), "xyz", 7, "h"), -1);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

/* Without a queue id every delivery is a new file (as before). */
static void
test_no_qid_is_unique(void **state)
{
	char	dir[] = "/tmp/bh-maildir-XXXXXX", md[128], cmd[160];

	assert_non_null(mkdtemp(dir));
	snprintf(md, sizeof(md), "%s/Maildir/", dir);
	assert_int_equal(deliver(md, NULL, 0, "a\n"), 0);
	assert_int_equal(deliver(md, NULL, 0, "a\n"), 0);
	assert_int_equal(count(md, "new"), 2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeat_writes_nothing),
		cmocka_unit_test(test_no_qid_is_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
