/*
 * test_rfc5321.c: the shared RFC 5321 domain and Dot-string checks, with
 * the flags each caller uses (main.cf strict, aliases(5) tolerant, the
 * SMTP parser's UTF-8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/rfc5321.h"

#define S(x)	(x), strlen(x)
#define ALIAS	(RFC5321_8BIT | RFC5321_UNDERSCORE | RFC5321_ANY_HYPHEN | \
	RFC5321_NO_LIMITS)

static void
test_classes(void **state)
{
	(void)state;
	assert_true(rfc5321_is_letdig('a'));
	assert_true(rfc5321_is_letdig('Z'));
	assert_true(rfc5321_is_letdig('7'));
	assert_false(rfc5321_is_letdig('-'));
	assert_true(rfc5321_is_atext('~', 0));
	assert_true(rfc5321_is_atext('_', 0));
	assert_false(rfc5321_is_atext('.', 0));
	assert_false(rfc5321_is_atext('@', 0));
	assert_false(rfc5321_is_atext('\0', 0));
	assert_false(rfc5321_is_atext(' ', 0));
	assert_false(rfc5321_is_atext(0xc3, 0));
	assert_true(rfc5321_is_atext(0xc3, RFC5321_8BIT));
}

static void
test_domain_strict(void **state)
{
	char	long_label[70], long_name[260];
	size_t	at;

	(void)state;
	assert_int_equal(rfc5321_check_domain(S("example.org"), 0, NULL),
	    RFC5321_OK);
	assert_int_equal(rfc5321_check_domain(S("a-b.c"), 0, NULL),
	    RFC5321_OK);
	assert_int_equal(rfc5321_check_domain(S(""), 0, NULL),
	    RFC5321_EMPTY);
	assert_int_equal(rfc5321_check_domain(S("a..b"), 0, &at),
	    RFC5321_EMPTY_LABEL);
	assert_int_equal(at, 2);
	assert_int_equal(rfc5321_check_domain(S(".a"), 0, NULL),
	    RFC5321_EMPTY_LABEL);
	assert_int_equal(rfc5321_check_domain(S("a."), 0, NULL),
	    RFC5321_EMPTY_LABEL);
	assert_int_equal(rfc5321_check_domain(S("-a.b"), 0, NULL),
	    RFC5321_HYPHEN);
	assert_int_equal(rfc5321_check_domain(S("a-.b"), 0, NULL),
	    RFC5321_HYPHEN);
	assert_int_equal(rfc5321_check_domain(S("a.b-"), 0, NULL),
	    RFC5321_HYPHEN);
	assert_int_equal(rfc5321_check_domain(S("a_b.c"), 0, &at),
	    RFC5321_BAD_CHAR);
	assert_int_equal(at, 1);
	assert_int_equal(rfc5321_check_domain(S("\xc3\xa9.fr"), 0, NULL),
	    RFC5321_BAD_CHAR);
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	assert_int_equal(rfc5321_check_domain(S(long_label), 0, NULL),
	    RFC5321_TOO_LONG);
	long_label[63] = '\0';
	assert_int_equal(rfc5321_check_domain(S(long_label), 0, NULL),
	    RFC5321_OK);
	memset(long_name, 'a', sizeof(long_name));
	for (at = 50; at < 254; at += 50)
		long_name[at] = '.';
	long_name[254] = '\0';
	assert_int_equal(rfc5321_check_domain(S(long_name), 0, NULL),
	    RFC5321_TOO_LONG);
	long_name[253] = '\0';
	assert_int_equal(rfc5321_check_domain(S(long_name), 0, NULL),
	    RFC5321_OK);
	/* Numbers: allowed by the syntax, refused as names for main.cf. */
	assert_int_equal(rfc5321_check_domain(S("192.0.2.1"), 0, NULL),
	    RFC5321_OK);
	assert_int_equal(rfc5321_check_domain(S("192.0.2.1"),
	    RFC5321_NAME_ONLY, NULL), RFC5321_NUMERIC);
	assert_int_equal(rfc5321_check_domain(S("host.123"),
	    RFC5321_NAME_ONLY, NULL), RFC5321_NUMERIC);
	assert_int_equal(rfc5321_check_domain(S("123.host"),
	    RFC5321_NAME_ONLY, NULL), RFC5321_OK);
	assert_int_equal(rfc5321_check_domain(S("localhost"),
	    RFC5321_NAME_ONLY, NULL), RFC5321_OK);
	assert_int_equal(rfc5321_check_domain(S("123"),
	    RFC5321_NAME_ONLY, NULL), RFC5321_OK);
}

static void
test_domain_tolerant(void **state)
{
	size_t	at;

	(void)state;
	assert_int_equal(rfc5321_check_domain(S("-a_b-.c"), ALIAS, NULL),
	    RFC5321_OK);
	assert_int_equal(rfc5321_check_domain(S("\xc3\xa9.fr"), ALIAS, NULL),
	    RFC5321_OK);
	assert_int_equal(rfc5321_check_domain(S("a b"), ALIAS, &at),
	    RFC5321_BAD_CHAR);
	assert_int_equal(at, 1);
	assert_int_equal(rfc5321_check_domain(S("a!b"), ALIAS, &at),
	    RFC5321_BAD_CHAR);
	assert_int_equal(rfc5321_check_domain(S("a..b"), ALIAS, NULL),
	    RFC5321_EMPTY_LABEL);
	assert_int_equal(rfc5321_check_domain(S("a."), ALIAS, NULL),
	    RFC5321_EMPTY_LABEL);
}

static void
test_dot_string(void **state)
{
	(void)state;
	assert_true(rfc5321_is_dot_string(S("a.b+c"), 0));
	assert_true(rfc5321_is_dot_string(S("x"), 0));
	assert_false(rfc5321_is_dot_string(S(""), 0));
	assert_false(rfc5321_is_dot_string(S(".a"), 0));
	assert_false(rfc5321_is_dot_string(S("a."), 0));
	assert_false(rfc5321_is_dot_string(S("a..b"), 0));
	assert_false(rfc5321_is_dot_string(S("a b"), 0));
	assert_false(rfc5321_is_dot_string(S("a\"b"), 0));
	assert_false(rfc5321_is_dot_string(S("j\xc3\xb6rg"), 0));
	assert_true(rfc5321_is_dot_string(S("j\xc3\xb6rg"), RFC5321_8BIT));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_domain_strict),
		cmocka_unit_test(test_domain_tolerant),
		cmocka_unit_test(test_dot_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
