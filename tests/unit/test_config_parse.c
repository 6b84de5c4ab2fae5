/*
 * test_config_parse.c: the raw main.cf parser (conf/cf_parse.c): comments,
 * white space, continuation lines, names, limits, files, cf_set.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/config.h"

#include "tests/unit/config_fixture.h"

/* The raw parser. */

void
test_comments_and_blank_lines(void **state)
{
	struct cf_table	 t;

	parse_ok(&t, "# a comment\n\n   \n\t# indented comment\n"
	    "a = 1\n#b = 2\n\n");
	assert_int_equal(t.n, 1);
	assert_value(&t, "a", "1", 5);
	assert_null(cf_lookup(&t, "b"));
	cf_free(&t);

	parse_ok(&t, "");
	assert_int_equal(t.n, 0);
	cf_free(&t);
}

void
test_white_space(void **state)
{
	struct cf_table	 t;

	parse_ok(&t, "a=1\nb   =\t2 \t\nc = x # not a comment\nd =\n"
	    "e = 5\r\nf = 6");
	assert_value(&t, "a", "1", 1);
	assert_value(&t, "b", "2", 2);
	assert_value(&t, "c", "x # not a comment", 3);
	assert_value(&t, "d", "", 4);
	assert_value(&t, "e", "5", 5);
	assert_value(&t, "f", "6", 6);	/* no final newline */
	cf_free(&t);
}

void
test_continuation_lines(void **state)
{
	struct cf_table	 t;

	parse_ok(&t, "a = x,\n  y,\n\tz\nb = 2\n    more\n");
	assert_value(&t, "a", "x, y, z", 1);
	assert_value(&t, "b", "2 more", 4);
	cf_free(&t);

	/* Comment and blank lines do not end a logical line (as Postfix). */
	parse_ok(&t, "a = x\n# comment\n  y\n\n  z\nb =\n  w\n");
	assert_value(&t, "a", "x y z", 1);
	assert_value(&t, "b", "w", 6);
	cf_free(&t);
}

void
test_continuation_without_line(void **state)
{
	assert_parse_error("  a = 1\n", FN ":1: continuation line (starts "
	    "with white space) without a line before it");
	assert_parse_error("# comment\n\n\ta = 1\n", FN ":3: continuation "
	    "line (starts with white space) without a line before it");
}

void
test_last_definition_wins(void **state)
{
	struct cf_table	 t;

	parse_ok(&t, "a = 1\nb = 2\na = 3\nc = 4\na = 5\n");
	assert_int_equal(t.n, 3);
	assert_value(&t, "a", "5", 5);
	assert_value(&t, "b", "2", 2);
	/* The table is sorted by name. */
	assert_string_equal(t.v[0].name, "a");
	assert_string_equal(t.v[1].name, "b");
	assert_string_equal(t.v[2].name, "c");
	cf_free(&t);
}

void
test_missing_equals(void **state)
{
	assert_parse_error("a = 1\nfoo bar\n",
	    FN ":2: missing '=' after parameter name");
	assert_parse_error("a = 1\n\nfoo\n  bar\n",
	    FN ":3: missing '=' after parameter name");
}

void
test_bad_names(void **state)
{
	assert_parse_error("foo-bar = 1\n", FN ":1: bad parameter name "
	    "'foo-bar': use only letters, digits and '_'");
	assert_parse_error("a = 1\nfoo bar = 1\n", FN ":2: bad parameter name "
	    "'foo bar': use only letters, digits and '_'");
	assert_parse_error("a = 1\n= 1\n",
	    FN ":2: missing parameter name before '='");
	assert_parse_error("$a = 1\n", FN ":1: bad parameter name '$a': use "
	    "only letters, digits and '_'");
}

void
test_nul_and_limits(void **state)
{
	static const char text[] = "a = 1\nb = \0x\n";
	struct cf_table	 t;
	char		 err[CF_ERR_MAX], *big;
	size_t		 n;

	assert_int_equal(cf_parse_buffer(&t, text, sizeof(text) - 1, FN, err,
	    sizeof(err)), -1);
	assert_string_equal(err, FN ":2: NUL byte in line");

	/* Only len bytes are read: no NUL terminator needed. */
	assert_int_equal(cf_parse_buffer(&t, "a = 1\nb = 2", 5, FN, err,
	    sizeof(err)), 0);
	assert_int_equal(t.n, 1);
	assert_value(&t, "a", "1", 1);
	cf_free(&t);

	n = CF_FILE_MAX + 1;
	assert_non_null(big = malloc(n));
	memset(big, '\n', n);
	assert_int_equal(cf_parse_buffer(&t, big, n, FN, err, sizeof(err)), -1);
	assert_string_equal(err, FN ": file is larger than 1048576 bytes");
	assert_int_equal(cf_parse_buffer(&t, big, CF_LINES_MAX + 1, FN, err,
	    sizeof(err)), -1);
	assert_string_equal(err, FN ":100001: too many lines (at most 100000)");
	assert_int_equal(cf_parse_buffer(&t, big, CF_LINES_MAX, FN, err,
	    sizeof(err)), 0);
	cf_free(&t);
	free(big);
}

void
test_parse_file(void **state)
{
	struct cf_table	 t;
	char		 path[] = "/tmp/test_config.XXXXXX", err[CF_ERR_MAX];
	char		 want[CF_ERR_MAX];
	const char	*text = "mail_name = x\n";
	int		 fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(cf_parse_file(&t, path, err, sizeof(err)), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(cf_lookup(&t, "mail_name")->file, path);
	assert_int_equal(cf_lookup(&t, "mail_name")->line, 1);
	cf_free(&t);
	unlink(path);

	assert_int_equal(cf_parse_file(&t, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot open: %s", path,
	    strerror(ENOENT));
	assert_string_equal(err, want);
	assert_int_equal(cf_parse_file(&t, "/", err, sizeof(err)), -1);
	assert_string_equal(err, "/: not a regular file");
}

void
test_cf_set(void **state)
{
	struct cf_table	 t;

	memset(&t, 0, sizeof(t));
	assert_int_equal(cf_set(&t, "m", "1", "x", 1), 0);
	assert_int_equal(cf_set(&t, "a", "2", "x", 2), 0);
	assert_int_equal(cf_set(&t, "z", "3", "x", 3), 0);
	assert_int_equal(cf_set(&t, "m", "4", "y", 4), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0].name, "a");
	assert_string_equal(t.v[1].value, "4");
	assert_string_equal(t.v[2].name, "z");
	assert_null(cf_lookup(&t, "mm"));
	assert_null(cf_lookup(&t, ""));
	cf_free(&t);
}
