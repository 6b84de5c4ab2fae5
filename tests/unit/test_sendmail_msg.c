/*
 * test_sendmail_msg.c: sendmail(1)'s reading of the message and -t.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools/sendmail_msg.h"

static enum sm_read
read_str(const char *in, int dot_ends, size_t limit, struct sm_msg *m)
{
	int		p[2];
	enum sm_read	rc;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], in, strlen(in)), (ssize_t)strlen(in));
	close(p[1]);
	rc = sm_read_message(p[0], dot_ends, limit, m);
	close(p[0]);
	return rc;
}

static void
test_read(void **state)
{
	struct sm_msg m;

	(void)state;
	assert_int_equal(read_str("a\r\nb\n.\nc\n", 1, 100, &m), SM_READ_OK);
	assert_string_equal(m.buf, "a\nb\n");
	free(m.buf);
	/* -i: the dot is text; a last line gets its LF */
	assert_int_equal(read_str("a\n.\nc", 0, 100, &m), SM_READ_OK);
	assert_string_equal(m.buf, "a\n.\nc\n");
	free(m.buf);
	assert_int_equal(read_str("..\n.x\n", 1, 100, &m), SM_READ_OK);
	assert_string_equal(m.buf, "..\n.x\n");
	free(m.buf);
	assert_int_equal(read_str("0123456789\n", 0, 10, &m),
	    SM_READ_TOO_BIG);
	free(m.buf);
	assert_int_equal(read_str("012345678\n", 0, 10, &m), SM_READ_OK);
	free(m.buf);
}

static void
test_parse_addr(void **state)
{
	char	out[300];

	(void)state;
	assert_int_equal(sm_parse_addr("a@b.example", 11, out, sizeof(out)),
	    0);
	assert_string_equal(out, "a@b.example");
	assert_int_equal(sm_parse_addr(" \"A, B\" <a@b> ", 14, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "a@b");
	assert_int_equal(sm_parse_addr("a@b (Name, x)", 13, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "a@b");
	assert_int_equal(sm_parse_addr("<@r1,@r2:a@b>", 13, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "a@b");
	assert_int_equal(sm_parse_addr("root", 4, out, sizeof(out)), 0);
	assert_int_equal(sm_parse_addr("<>", 2, out, sizeof(out)), 1);
	assert_int_equal(sm_parse_addr("  ", 2, out, sizeof(out)), 1);
	assert_int_equal(sm_parse_addr("a b@c", 5, out, sizeof(out)), -1);
	assert_int_equal(sm_parse_addr("Cron Daemon <a@b>", 17, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "a@b");
	assert_int_equal(sm_parse_addr("a@@b", 4, out, sizeof(out)), -1);
	assert_int_equal(sm_parse_addr("<a@b", 4, out, sizeof(out)), -1);
	assert_int_equal(sm_parse_addr("\"q\"@b", 5, out, sizeof(out)), -1);
	assert_int_equal(sm_parse_addr("a@b\n-x", 6, out, sizeof(out)), -1);
}

static void
test_extract(void **state)
{
	struct sm_msg	m;
	struct sm_rcpts	r = { NULL, 0 };
	char		bad[100];
	const char	*in = "From: me\nTo: A <a@x.example>, b@x.example\n"
	    "Bcc: hidden@x.example,\n  other@x.example\n"
	    "cc: team: c@x.example, \"D\" <d@x.example>;, a@x.example\n"
	    "Subject: To: nobody@x.example\n\nTo: body@x.example\n";

	(void)state;
	assert_int_equal(read_str(in, 0, 10000, &m), SM_READ_OK);
	assert_int_equal(sm_extract_rcpts(&m, &r, bad, sizeof(bad)), 0);
	assert_int_equal(r.n, 6);
	assert_string_equal(r.v[0], "a@x.example");
	assert_string_equal(r.v[1], "b@x.example");
	assert_string_equal(r.v[2], "hidden@x.example");
	assert_string_equal(r.v[3], "other@x.example");
	assert_string_equal(r.v[4], "c@x.example");
	assert_string_equal(r.v[5], "d@x.example");
	/* Bcc: is gone, with its continuation line; the rest stays */
	assert_string_equal(m.buf, "From: me\nTo: A <a@x.example>, "
	    "b@x.example\ncc: team: c@x.example, \"D\" <d@x.example>;, "
	    "a@x.example\nSubject: To: nobody@x.example\n\n"
	    "To: body@x.example\n");
	sm_rcpts_free(&r);
	free(m.buf);

	assert_int_equal(read_str("To: a@b, x y z <\n\nbody\n", 0, 1000, &m),
	    SM_READ_OK);
	assert_int_equal(sm_extract_rcpts(&m, &r, bad, sizeof(bad)), -1);
	assert_non_null(strstr(bad, "x y z"));
	sm_rcpts_free(&r);
	free(m.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_extract),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
