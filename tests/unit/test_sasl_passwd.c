/*
 * test_sasl_passwd.c: smtp_sasl_password_maps files
 * (conf/sasl_passwd.c): syntax, lookup by destination, the owner rule.
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

#include "conf/sasl_passwd.h"

#define BUF(s)	(s), strlen(s)

static int
look(const char *text, const char *dest, char *user, char *pass)
{
	char err[512];

	return sasl_passwd_lookup_buffer(BUF(text), "p", dest, user, pass,
	    err, sizeof(err));
}

static void
test_lookup(void **state)
{
	char		 user[SASL_PASSWD_FIELD_MAX];
	char		 pass[SASL_PASSWD_FIELD_MAX];
	const char	*text =
	    "# credentials\n"
	    "[192.0.2.25]:587   alice:pa:ss word \n"
	    "[192.0.2.26]       bob:port25\n"
	    "[192.0.2.26]:25    carol:exact\n"
	    "[192.0.2.27]       dave:bracket\n"
	    "Example.COM        erin:domain\n";

	assert_int_equal(look(text, "[192.0.2.25]:587", user, pass), 1);
	assert_string_equal(user, "alice");
	assert_string_equal(pass, "pa:ss word");
	/* ":25" also as "[host]", the exact key first */
	assert_int_equal(look(text, "[192.0.2.26]:25", user, pass), 1);
	assert_string_equal(user, "carol");
	assert_int_equal(look(text, "[192.0.2.27]:25", user, pass), 1);
	assert_string_equal(user, "dave");
	assert_int_equal(look(text, "[192.0.2.27]:587", user, pass), 0);
	assert_int_equal(look(text, "example.com", user, pass), 1);
	assert_string_equal(pass, "domain");
	assert_int_equal(look(text, "sub.example.com", user, pass), 0);
	assert_int_equal(look(text, "", user, pass), 0);
}

static void
bad(const char *text, const char *want)
{
	char	user[SASL_PASSWD_FIELD_MAX], pass[SASL_PASSWD_FIELD_MAX];
	char	err[512];

	assert_int_equal(sasl_passwd_lookup_buffer(BUF(text), "p", "x",
	    user, pass, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void
test_errors(void **state)
{
	bad("a.example\n", "p:1: expected: destination username:password");
	bad("ok.example u:p\nb.example nopassword\n", "p:2: the value must be "
	    "username:password");
	bad("a.example :p\n", "p:1: the value must be username:password");
	bad("a.example u:\n", "p:1: username and password: 1 to 255 "
	    "printable characters each, no blank in the username");
	bad("a.example u\001:p\n", "p:1: username and password: 1 to 255 "
	    "printable characters each, no blank in the username");
}

static void
test_owner(void **state)
{
	char	path[] = "/tmp/test_sasl_passwd.XXXXXX";
	char	user[SASL_PASSWD_FIELD_MAX], pass[SASL_PASSWD_FIELD_MAX];
	char	err[512];
	int	fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "[192.0.2.1] u:p\n", 16), 16);
	close(fd);
	if (geteuid() == 0) {
		assert_int_equal(chmod(path, 0600), 0);
		assert_int_equal(sasl_passwd_lookup(path, "[192.0.2.1]:25",
		    user, pass, err, sizeof(err)), 1);
		assert_int_equal(chmod(path, 0640), 0);
	}
	assert_int_equal(sasl_passwd_lookup(path, "[192.0.2.1]:25", user,
	    pass, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "must be owned by root and readable by "
	    "root only"));
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_owner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
