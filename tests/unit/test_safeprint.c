/*
 * test_safeprint.c: what an admin tool prints of queued data: no
 * terminal control reaches the terminal, UTF-8 text and line structure
 * pass, chunks may split a UTF-8 sequence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/safeprint.h"

static char *
through(const char *const *chunks, const size_t *lens, size_t n)
{
	struct safeprint	 sp = { { 0 }, 0 };
	char			*out = NULL;
	size_t			 olen = 0, i;
	FILE			*f = open_memstream(&out, &olen);

	assert_non_null(f);
	for (i = 0; i < n; i++)
		safeprint_chunk(&sp, f, chunks[i], lens[i]);
	safeprint_end(&sp, f);
	fclose(f);
	return out;
}

static void
test_controls(void **state)
{
	const char	*c[] = { "a\x1b]0;owned\x07 b\r\n\tc\x7f\x9b" "d" };
	size_t		 l[] = { strlen(c[0]) };
	char		*out;

	(void)state;
	out = through(c, l, 1);
	assert_string_equal(out,
	    "a\\033]0;owned\\007 b\\015\n\tc\\177\\233d");
	free(out);
}

static void
test_utf8(void **state)
{
	/* é, €, U+1F600, and U+009B (CSI as UTF-8) */
	const char	*c[] = { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
			    "\xc2\x9b[2J" };
	size_t		 l[] = { strlen(c[0]) };
	char		*out;

	(void)state;
	out = through(c, l, 1);
	assert_string_equal(out, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
	    "\\u009b[2J");
	free(out);
}

static void
test_split_sequence(void **state)
{
	const char	*c[] = { "x\xe2\x82", "\xac y \xf0\x9f", "\x98\x80",
			    "\xc3" };
	size_t		 l[] = { 3, 6, 2, 1 };
	char		*out;

	(void)state;
	out = through(c, l, 4);
	/* The cut sequences are whole again; the last lead byte alone
	   at the end is shown as its value. */
	assert_string_equal(out, "x\xe2\x82\xac y \xf0\x9f\x98\x80\\303");
	free(out);
}

static void
test_str(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(safeprint_str("a\x1b" "b", buf, sizeof(buf)),
	    "a\\033b");
	/* Cut to fit, never half an escape. */
	assert_string_equal(safeprint_str("abc\x1b", buf, 6), "abc");
	assert_string_equal(safeprint_str("\xff\xfe", buf, sizeof(buf)),
	    "\\377\\376");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_split_sequence),
		cmocka_unit_test(test_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
