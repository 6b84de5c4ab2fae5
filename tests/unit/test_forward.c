/*
 * test_forward.c: the ~/.forward parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "delivery/forward.h"

static struct forward f;

static void
parse_ok(const char *text, size_t n)
{
	char err[256] = "";

	assert_int_equal(forward_parse(&f, text, strlen(text), err,
	    sizeof(err)), 0);
	assert_int_equal(f.n, n);
}

static void
parse_err(const char *text, size_t len, const char *want)
{
	char err[256] = "";

	assert_int_equal(forward_parse(&f, text, len, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void
test_targets(void **state)
{
	parse_ok("", 0);
	parse_ok("# only a comment\n\n   \n", 0);
	parse_ok("alice\n", 1);
	assert_int_equal(f.v[0].kind, FWD_ADDRESS);
	assert_string_equal(f.v[0].value, "alice");

	parse_ok("\\alice, bob@example.org\n  # note\n carol ,dave\r\n", 4);
	assert_int_equal(f.v[0].kind, FWD_SELF);
	assert_string_equal(f.v[0].value, "alice");
	assert_string_equal(f.v[1].value, "bob@example.org");
	assert_string_equal(f.v[2].value, "carol");
	assert_string_equal(f.v[3].value, "dave");

	parse_ok("\"|/usr/bin/procmail -a x,y\", /var/mail/x\n", 2);
	assert_int_equal(f.v[0].kind, FWD_COMMAND);
	assert_string_equal(f.v[0].value, "/usr/bin/procmail -a x,y");
	assert_int_equal(f.v[1].kind, FWD_FILE);
	assert_string_equal(f.v[1].value, "/var/mail/x");

	parse_ok("|/bin/echo hi\n", 1);		/* unquoted: to the comma */
	assert_string_equal(f.v[0].value, "/bin/echo hi");
	parse_ok("a,,b,\n,\n", 2);

	/* :include: (case-insensitive prefix), for :include: files. */
	parse_ok(":include:/etc/list, :INCLUDE:/x/y\n", 2);
	assert_int_equal(f.v[0].kind, FWD_INCLUDE);
	assert_string_equal(f.v[0].value, "/etc/list");
	assert_int_equal(f.v[1].kind, FWD_INCLUDE);
	assert_string_equal(f.v[1].value, "/x/y");
}

static void
test_errors(void **state)
{
	char	big[5000];
	char	many[1024];
	size_t	i;

	parse_err("alice\n\"oops\n", 12, ".forward:2: unterminated quote");
	parse_err("a b\n", 4, ".forward:1: blank, quote or backslash inside "
	    "an address");
	parse_err("ok\nx\001y\n", 8, ".forward:2: control character");
	parse_err(":include:etc/x\n", 15, ".forward:1: :include: needs an "
	    "absolute path");
	parse_err(":include:\n", 10, ".forward:1: target has nothing after "
	    "its prefix");
	parse_err("ok\0x", 4, ".forward:1: control character");
	parse_err("\\\n", 2, ".forward:1: target has nothing after its "
	    "prefix");
	parse_err("\"a\" b\n", 6, ".forward:1: expected ',' after a quoted "
	    "target");
	parse_err("\"\"\n", 3, ".forward:1: empty quoted target");
	memset(big, 'a', sizeof(big));
	parse_err(big, sizeof(big), ".forward:0: larger than 4096 bytes");
	parse_err(big, 600, ".forward:1: target longer than 511 bytes");
	many[0] = '\0';
	for (i = 0; i <= FORWARD_ENTRIES_MAX; i++)
		strlcat(many, "u,", sizeof(many));
	parse_err(many, strlen(many), ".forward:1: more than 100 targets");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
