/*
 * test_textfile.c: the logical-line loop the table file parsers share
 * (lib/textfile.c lline_each): which lines the callback sees, with which
 * line numbers, and how an error (the reader's or the callback's) stops it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/textfile.h"

#define BUF(s)	(s), strlen(s)
#define NSEEN	8

/* What the callback saw; it fails at the line numbered fail_at. */
struct seen {
	int	 n;
	char	 line[NSEEN][128];
	int	 lineno[NSEEN];
	int	 fail_at;
};

static int
collect(void *arg, char *line, const char *fname, int lineno, char *err,
    size_t errlen)
{
	struct seen *s = arg;

	if (lineno == s->fail_at) {
		snprintf(err, errlen, "%s:%d: no good: %s", fname, lineno,
		    line);
		return -1;
	}
	assert_true(s->n < NSEEN);
	snprintf(s->line[s->n], sizeof(s->line[s->n]), "%s", line);
	s->lineno[s->n++] = lineno;
	line[0] = 'X';		/* the line is the loop's copy */
	return 0;
}

static int
each(const char *text, int max_lines, struct seen *s, char *err,
    size_t errlen)
{
	return lline_each(BUF(text), "t.cf", max_lines, collect, s, err,
	    errlen);
}

static void
test_each_lines(void **state)
{
	struct seen	s = { .fail_at = -1 };
	char		err[256] = "";

	assert_int_equal(each("# comment\n"
	    "\n"
	    "a  b\n"
	    "   # comment inside\n"
	    "c d\r\n"
	    "  e\n"
	    "\tf\n"
	    "g", 100, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.line[0], "a  b");
	assert_int_equal(s.lineno[0], 3);
	assert_string_equal(s.line[1], "c d e f");
	assert_int_equal(s.lineno[1], 5);
	assert_string_equal(s.line[2], "g");
	assert_int_equal(s.lineno[2], 8);
	assert_string_equal(err, "");
}

static void
test_each_empty(void **state)
{
	struct seen	s = { .fail_at = -1 };
	char		err[256] = "";

	assert_int_equal(each("", 100, &s, err, sizeof(err)), 0);
	assert_int_equal(each("# only\n\n  \n", 100, &s, err, sizeof(err)),
	    0);
	assert_int_equal(s.n, 0);
}

/* The callback's -1 stops the loop with its own message. */
static void
test_each_callback_stops(void **state)
{
	struct seen	s = { .fail_at = 2 };
	char		err[256] = "";

	assert_int_equal(each("a\nb\n  b2\nc\n", 100, &s, err, sizeof(err)),
	    -1);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.line[0], "a");
	assert_string_equal(err, "t.cf:2: no good: b b2");
}

/* The reader's errors, as "file:line: ...", after the lines before. */
static void
test_each_reader_errors(void **state)
{
	struct seen	s = { .fail_at = -1 };
	char		err[256] = "";

	assert_int_equal(each("  x\n", 100, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "t.cf:1: continuation line (starts with "
	    "white space) without a line before it");
	assert_int_equal(s.n, 0);

	assert_int_equal(each("a\nb\nc\n", 2, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "t.cf:3: too many lines (at most 2)");
	assert_int_equal(s.n, 1);	/* "b" was not finished */

	memset(&s, 0, sizeof(s));
	s.fail_at = -1;
	assert_int_equal(lline_each("a\nb\0c\n", 6, "t.cf", 100, collect, &s,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "t.cf:2: NUL byte in line");
	assert_int_equal(s.n, 0);	/* line 2 was read before "a" ended */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_lines),
		cmocka_unit_test(test_each_empty),
		cmocka_unit_test(test_each_callback_stops),
		cmocka_unit_test(test_each_reader_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
