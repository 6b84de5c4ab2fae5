/*
 * test_smtp_reply.c: the SMTP client's reply parser and EHLO keyword
 * reader (relay/smtp_reply.c): single and multi-line replies, enhanced
 * codes, and every protocol error a hostile server can make.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relay/smtp_reply.h"

static enum smtp_reply_rc
parse(struct smtp_reply *r, const char *s, size_t *used)
{
	smtp_reply_init(r);
	return smtp_reply_parse(r, s, strlen(s), used);
}

static void
test_single(void **state)
{
	struct smtp_reply	r;
	size_t			used;

	assert_int_equal(parse(&r, "250 2.0.0 Ok: queued as X\r\n", &used),
	    SMTP_REPLY_DONE);
	assert_int_equal(used, 27);
	assert_int_equal(r.code, 250);
	assert_string_equal(r.dsn, "2.0.0");
	assert_string_equal(r.text, "Ok: queued as X");
	/* a bare code, a bare LF */
	assert_int_equal(parse(&r, "354\n", &used), SMTP_REPLY_DONE);
	assert_int_equal(r.code, 354);
	assert_string_equal(r.text, "");
	/* an enhanced code of another class is text */
	assert_int_equal(parse(&r, "550 4.1.1 no\r\n", &used),
	    SMTP_REPLY_DONE);
	assert_string_equal(r.dsn, "");
	assert_string_equal(r.text, "4.1.1 no");
	/* a malformed one too */
	assert_int_equal(parse(&r, "550 5.1.1234 no\r\n", &used),
	    SMTP_REPLY_DONE);
	assert_string_equal(r.dsn, "");
}

static void
test_multi(void **state)
{
	struct smtp_reply	r;
	size_t			used;
	const char		*s = "250-mx.example\r\n250-PIPELINING\r\n"
	    "250 SIZE 1000\r\n220 next\r\n";

	assert_int_equal(parse(&r, s, &used), SMTP_REPLY_DONE);
	assert_int_equal(r.nlines, 3);
	assert_int_equal(r.code, 250);
	assert_string_equal(r.text, "mx.example PIPELINING SIZE 1000");
	assert_string_equal(s + used, "220 next\r\n");
	/* half a reply: wait for more; what is there is consumed */
	smtp_reply_init(&r);
	assert_int_equal(smtp_reply_parse(&r, s, 20, &used), SMTP_REPLY_MORE);
	assert_int_equal(used, 16);
	assert_int_equal(smtp_reply_parse(&r, s + used, strlen(s) - used,
	    &used), SMTP_REPLY_DONE);
	assert_int_equal(r.nlines, 3);
	/* control characters in the text are not passed on */
	assert_int_equal(parse(&r, "451-a\tb\r\n451 4.3.0 c\x1b\r\n", &used),
	    SMTP_REPLY_DONE);
	assert_string_equal(r.text, "a?b c?");
	assert_string_equal(r.dsn, "4.3.0");
}

static void
test_bad(void **state)
{
	struct smtp_reply	 r;
	size_t			 used, i;
	char			*big;

	assert_int_equal(parse(&r, "hello\r\n", &used), SMTP_REPLY_BAD);
	assert_int_equal(parse(&r, "25\r\n", &used), SMTP_REPLY_BAD);
	assert_int_equal(parse(&r, "600 no\r\n", &used), SMTP_REPLY_BAD);
	assert_int_equal(parse(&r, "150 no\r\n", &used), SMTP_REPLY_BAD);
	assert_int_equal(parse(&r, "250x\r\n", &used), SMTP_REPLY_BAD);
	assert_int_equal(parse(&r, "2a0 x\r\n", &used), SMTP_REPLY_BAD);
	assert_int_equal(parse(&r, "250-a\r\n550 b\r\n", &used),
	    SMTP_REPLY_BAD);
	assert_string_equal(r.error, "reply code changes within a reply");
	/* an over-long line, with or without its end */
	big = malloc(SMTP_REPLY_LINE_MAX + 10);
	assert_non_null(big);
	memset(big, 'x', SMTP_REPLY_LINE_MAX + 9);
	memcpy(big, "250 ", 4);
	big[SMTP_REPLY_LINE_MAX + 9] = '\0';
	assert_int_equal(parse(&r, big, &used), SMTP_REPLY_BAD);
	assert_string_equal(r.error, "reply line too long");
	big[SMTP_REPLY_LINE_MAX + 8] = '\n';
	assert_int_equal(parse(&r, big, &used), SMTP_REPLY_BAD);
	free(big);
	/* a never-ending reply */
	smtp_reply_init(&r);
	for (i = 0; i < SMTP_REPLY_LINES_MAX; i++)
		assert_int_equal(smtp_reply_parse(&r, "250-more\r\n", 10,
		    &used), SMTP_REPLY_MORE);
	assert_int_equal(smtp_reply_parse(&r, "250-more\r\n", 10, &used),
	    SMTP_REPLY_BAD);
	assert_string_equal(r.error, "too many reply lines");
	/* the text is cut, not overrun */
	smtp_reply_init(&r);
	for (i = 0; i < 50; i++)
		smtp_reply_parse(&r, "250-0123456789012345678901234567890\r\n",
		    37, &used);
	assert_true(strlen(r.text) == SMTP_REPLY_TEXT_MAX - 1);
}

static void
test_ext(void **state)
{
	struct smtp_ext	e;

	memset(&e, 0, sizeof(e));
	smtp_ext_line(&e, "PIPELINING");
	smtp_ext_line(&e, "size 10240000");
	smtp_ext_line(&e, "8BITMIME");
	smtp_ext_line(&e, "DSN");
	smtp_ext_line(&e, "AUTH PLAIN LOGIN");
	smtp_ext_line(&e, "PIPELININGX");
	assert_int_equal(e.flags, SMTP_EXT_PIPELINING | SMTP_EXT_SIZE |
	    SMTP_EXT_8BITMIME | SMTP_EXT_DSN | SMTP_EXT_AUTH |
	    SMTP_EXT_AUTH_PLAIN | SMTP_EXT_AUTH_LOGIN);
	assert_true(e.size == 10240000);
	assert_false(e.flags & SMTP_EXT_SMTPUTF8);
	/* a SIZE value that is not a number, or overflows: no limit */
	memset(&e, 0, sizeof(e));
	smtp_ext_line(&e, "SIZE 12x");
	assert_true(e.size == 0);
	smtp_ext_line(&e, "SIZE 99999999999999999999999");
	assert_true(e.size == 0);
	smtp_ext_line(&e, "SMTPUTF8");
	assert_true(e.flags & SMTP_EXT_SMTPUTF8);
	/* AUTH's mechanisms: the ones relay uses, also in the old form */
	memset(&e, 0, sizeof(e));
	smtp_ext_line(&e, "AUTH CRAM-MD5 login");
	assert_int_equal(e.flags, SMTP_EXT_AUTH | SMTP_EXT_AUTH_LOGIN);
	memset(&e, 0, sizeof(e));
	smtp_ext_line(&e, "AUTH=PLAIN");
	assert_int_equal(e.flags, SMTP_EXT_AUTH | SMTP_EXT_AUTH_PLAIN);
	memset(&e, 0, sizeof(e));
	smtp_ext_line(&e, "AUTH SCRAM-SHA-256 PLAINX");
	assert_int_equal(e.flags, SMTP_EXT_AUTH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_multi),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_ext),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
