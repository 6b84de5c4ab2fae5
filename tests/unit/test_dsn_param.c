/*
 * test_dsn_param.c: RFC 3461 xtext and the DSN parameters of MAIL and
 * RCPT, fed as (pointer, length) exactly as smtpd gets them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "privsep/ipc_msgs.h"
#include "smtpd/dsn_param.h"

#define S(x)	(x), strlen(x)

static void
test_xtext(void **state)
{
	char	buf[16];

	assert_int_equal(xtext_decode(S("abc"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "abc");
	assert_int_equal(xtext_decode(S("a+2Bb+3Dc"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a+b=c");
	assert_int_equal(xtext_decode(S(""), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* "+" needs two upper-case hex digits; "=" and blanks are not xchar */
	assert_int_equal(xtext_decode(S("a+2"), buf, sizeof(buf)), -1);
	assert_int_equal(xtext_decode(S("a+"), buf, sizeof(buf)), -1);
	assert_int_equal(xtext_decode(S("+2b"), buf, sizeof(buf)), -1);
	assert_int_equal(xtext_decode(S("a=b"), buf, sizeof(buf)), -1);
	assert_int_equal(xtext_decode(S("a b"), buf, sizeof(buf)), -1);
	assert_int_equal(xtext_decode(S("\xc3\xa9"), buf, sizeof(buf)), -1);
	/* a decoded NUL would cut the value short later */
	assert_int_equal(xtext_decode(S("a+00"), buf, sizeof(buf)), -1);
	/* exactly fits (15 + NUL), one more does not */
	assert_int_equal(xtext_decode(S("123456789012345"), buf, sizeof(buf)),
	    0);
	assert_int_equal(xtext_decode(S("1234567890123456"), buf,
	    sizeof(buf)), -1);
	/* the length is honoured: no terminator needed */
	assert_int_equal(xtext_decode("ab+41zz", 5, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "abA");
}

static void
test_ret(void **state)
{
	uint32_t	r = 99;

	assert_int_equal(dsn_parse_ret(S("FULL"), &r), 0);
	assert_int_equal(r, DSN_RET_FULL);
	assert_int_equal(dsn_parse_ret(S("hdrs"), &r), 0);
	assert_int_equal(r, DSN_RET_HDRS);
	assert_int_equal(dsn_parse_ret(S("FULLER"), &r), -1);
	assert_int_equal(dsn_parse_ret(S(""), &r), -1);
	assert_int_equal(dsn_parse_ret("FULL", 3, &r), -1);
}

static void
test_envid(void **state)
{
	char	buf[IPC_ENVID_MAX], in[400];

	assert_int_equal(dsn_parse_envid(S("QQ314159+2B"), buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "QQ314159+");
	assert_int_equal(dsn_parse_envid(S(""), buf, sizeof(buf)), -1);
	/* decoded control characters are refused */
	assert_int_equal(dsn_parse_envid(S("a+0Ab"), buf, sizeof(buf)), -1);
	/* 100 characters decoded is the limit, encoded may be longer */
	memset(in, 'x', 100);
	assert_int_equal(dsn_parse_envid(in, 100, buf, sizeof(buf)), 0);
	assert_int_equal(dsn_parse_envid(in, 101, buf, sizeof(buf)), -1);
	memset(in, 0, sizeof(in));
	for (int i = 0; i < 100; i++)
		memcpy(in + 3 * i, "+41", 3);
	assert_int_equal(dsn_parse_envid(in, 300, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), 100);
}

static void
test_notify(void **state)
{
	uint32_t	m = 0;

	assert_int_equal(dsn_parse_notify(S("NEVER"), &m), 0);
	assert_int_equal(m, DSN_NOTIFY_NEVER);
	assert_int_equal(dsn_parse_notify(S("success,Failure,DELAY"), &m), 0);
	assert_int_equal(m, DSN_NOTIFY_SUCCESS | DSN_NOTIFY_FAILURE |
	    DSN_NOTIFY_DELAY);
	assert_int_equal(dsn_parse_notify(S("NEVER,SUCCESS"), &m), -1);
	assert_int_equal(dsn_parse_notify(S("SUCCESS,SUCCESS"), &m), -1);
	assert_int_equal(dsn_parse_notify(S("SUCCESS,"), &m), -1);
	assert_int_equal(dsn_parse_notify(S(",SUCCESS"), &m), -1);
	assert_int_equal(dsn_parse_notify(S(""), &m), -1);
	assert_int_equal(dsn_parse_notify(S("SOMETIMES"), &m), -1);
}

static void
test_orcpt(void **state)
{
	char	buf[64];

	assert_int_equal(dsn_parse_orcpt(S("rfc822;a+40b.example"), buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "rfc822;a@b.example");
	assert_int_equal(dsn_parse_orcpt(S("RFC822;x@y"), buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "rfc822;x@y");
	assert_int_equal(dsn_parse_orcpt(S("rfc822"), buf, sizeof(buf)), -1);
	assert_int_equal(dsn_parse_orcpt(S(";a@b"), buf, sizeof(buf)), -1);
	assert_int_equal(dsn_parse_orcpt(S("rfc822;"), buf, sizeof(buf)), -1);
	assert_int_equal(dsn_parse_orcpt(S("rfc 822;a"), buf, sizeof(buf)),
	    -1);
	assert_int_equal(dsn_parse_orcpt(S("rfc822;a+ZZ"), buf, sizeof(buf)),
	    -1);
	/* too long for the buffer */
	assert_int_equal(dsn_parse_orcpt(S("rfc822;0123456789012345678901234"
	    "56789012345678901234567890123456789"), buf, sizeof(buf)), -1);
	assert_int_equal(dsn_parse_orcpt(S("rfc822;0123456789012345678901234"
	    "5678901234567890123456789012345"), buf, sizeof(buf)), 0);
	/* control and non-ASCII octets after decoding: refused, as ENVID
	   (queue's decoder would take a CR or LF as a protocol violation) */
	assert_int_equal(dsn_parse_orcpt(S("rfc822;a+0D+0Ab"), buf,
	    sizeof(buf)), -1);
	assert_int_equal(dsn_parse_orcpt(S("rfc822;a+09b"), buf,
	    sizeof(buf)), -1);
	assert_int_equal(dsn_parse_orcpt(S("rfc822;a+7Fb"), buf,
	    sizeof(buf)), -1);
	assert_int_equal(dsn_parse_orcpt(S("rfc822;a+C3+A9b"), buf,
	    sizeof(buf)), -1);
	assert_int_equal(dsn_parse_orcpt(S("rfc822;a+20b"), buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "rfc822;a b");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xtext),
		cmocka_unit_test(test_ret),
		cmocka_unit_test(test_envid),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_orcpt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
