/*
 * test_mailbox_path.c: master's lexical checks on user names and paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "privsep/mailbox_path.h"

static void
test_user_name_ok(void **state)
{
	assert_true(user_name_ok("alice"));
	assert_true(user_name_ok("first.last"));
	assert_true(user_name_ok("www-data"));
	assert_true(user_name_ok("_apt"));
	assert_true(user_name_ok("machine$"));
	assert_false(user_name_ok(""));
	assert_false(user_name_ok("-rf"));
	assert_false(user_name_ok(".."));
	assert_false(user_name_ok(".hidden"));
	assert_false(user_name_ok("a/b"));
	assert_false(user_name_ok("a$b"));
	assert_false(user_name_ok("ali ce"));
	assert_false(user_name_ok("alice\n"));
	assert_false(user_name_ok("\xc3\xa9"));
}

static void
test_path_canonical(void **state)
{
	assert_true(path_canonical("/home/alice"));
	assert_true(path_canonical("/home/alice/"));
	assert_true(path_canonical("/home/alice/Maildir/"));
	assert_true(path_canonical("/a/..b/c."));
	assert_false(path_canonical("/"));
	assert_false(path_canonical(""));
	assert_false(path_canonical("home/alice"));
	assert_false(path_canonical("/home/../etc"));
	assert_false(path_canonical("/home/alice/.."));
	assert_false(path_canonical("/home/./alice"));
	assert_false(path_canonical("/home//alice"));
	assert_false(path_canonical("/home/alice//"));
	assert_false(path_canonical("//home"));
}

static void
test_path_inside(void **state)
{
	assert_true(path_inside("/home/alice/Maildir/", "/home/alice"));
	assert_true(path_inside("/home/alice/Maildir/", "/home/alice/"));
	assert_true(path_inside("/home/alice", "/home/alice"));
	assert_true(path_inside("/var/mail/alice", "/var/mail"));
	assert_false(path_inside("/home/alicebob/x", "/home/alice"));
	assert_false(path_inside("/home/alice/../bob/x", "/home/alice"));
	assert_false(path_inside("/etc/passwd", "/home/alice"));
	assert_false(path_inside("/home/alice//x", "/home/alice"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_name_ok),
		cmocka_unit_test(test_path_canonical),
		cmocka_unit_test(test_path_inside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
