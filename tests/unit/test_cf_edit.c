/*
 * test_cf_edit.c: main.cf edited as postconf -e does (bulkctl config
 * name=value): the parameter's logical line replaced, a second
 * definition removed, new names appended, everything else kept byte for
 * byte; and the result parses to the values set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf/cf_edit.h"
#include "conf/config.h"

struct want {
	const char	*name;
	const char	*value;
};

/* Edit in with the pairs of ed, compare with out, parse the result. */
static void
check_edit(const char *in, struct cf_edit *ed, size_t ned, const char *out)
{
	struct dbuf	 d = { NULL, 0, 0 };
	struct cf_table	 t;
	char		 err[CF_ERR_MAX];
	size_t		 i;

	assert_int_equal(cf_edit_text(in, strlen(in), ed, ned, &d), 0);
	assert_string_equal(d.p, out);
	assert_int_equal(cf_parse_buffer(&t, d.p, d.len, "main.cf", err,
	    sizeof(err)), 0);
	for (i = 0; i < ned; i++) {
		assert_non_null(cf_lookup(&t, ed[i].name));
		assert_string_equal(cf_lookup(&t, ed[i].name)->value,
		    ed[i].value);
	}
	cf_free(&t);
	free(d.p);
}

static void
test_replace_keeps_comments(void **state)
{
	struct cf_edit	 ed[] = { { "mydestination", "a, b", 0 } };

	(void)state;
	check_edit("# top\nmyhostname = mx\n\n# dests\n"
	    "mydestination = $myhostname,\n  localhost\n# end\n", ed, 1,
	    "# top\nmyhostname = mx\n\n# dests\nmydestination = a, b\n"
	    "# end\n");
	assert_true(ed[0].done);
}

/* A comment inside a logical line stays; the continuation goes. */
static void
test_comment_inside_continuation(void **state)
{
	struct cf_edit	 ed[] = { { "mydestination", "x", 0 } };

	(void)state;
	check_edit("mydestination = a,\n# between\n\tb\nsandbox = jail\n",
	    ed, 1, "mydestination = x\n# between\nsandbox = jail\n");
}

static void
test_second_definition_removed(void **state)
{
	struct cf_edit	 ed[] = { { "smtpd_timeout", "30s", 0 } };

	(void)state;
	check_edit("smtpd_timeout = 60s\n  \nfoo = 1\nsmtpd_timeout = 90s\n"
	    "  continued\n# c\n", ed, 1,
	    "smtpd_timeout = 30s\n  \nfoo = 1\n# c\n");
}

/* A longer name that starts with the edited one is another parameter. */
static void
test_name_prefix_is_not_the_name(void **state)
{
	struct cf_edit	 ed[] = { { "smtpd_tls", "x", 0 } };

	(void)state;
	check_edit("smtpd_tls_cert_file = /a\nsmtpd_tls=y\n", ed, 1,
	    "smtpd_tls_cert_file = /a\nsmtpd_tls = x\n");
}

static void
test_append_and_no_final_newline(void **state)
{
	struct cf_edit	 ed[] = {
		{ "recipient_delimiter", "+", 0 },
		{ "relay_domains", "", 0 },
		{ "myhostname", "mx.example", 0 },
	};

	(void)state;
	check_edit("# only a comment\nmyhostname = old", ed, 3,
	    "# only a comment\nmyhostname = mx.example\n"
	    "recipient_delimiter = +\nrelay_domains =\n");
	assert_true(ed[2].done);
	assert_false(ed[0].done);
}

static void
test_empty_input(void **state)
{
	struct cf_edit	 ed[] = { { "message_size_limit", "5000", 0 } };

	(void)state;
	check_edit("", ed, 1, "message_size_limit = 5000\n");
}

/* CRLF lines, trailing blanks: kept as they were where not edited. */
static void
test_bytes_kept(void **state)
{
	struct cf_edit	 ed[] = { { "b", "2", 0 } };

	(void)state;
	check_edit("a = 1 \r\n\t# indented comment\r\nb = 1\r\nc = 3",
	    ed, 1, "a = 1 \r\n\t# indented comment\r\nb = 2\nc = 3\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace_keeps_comments),
		cmocka_unit_test(test_comment_inside_continuation),
		cmocka_unit_test(test_second_definition_removed),
		cmocka_unit_test(test_name_prefix_is_not_the_name),
		cmocka_unit_test(test_append_and_no_final_newline),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_bytes_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
