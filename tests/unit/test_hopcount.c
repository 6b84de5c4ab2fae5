/*
 * test_hopcount.c: the Received: fields Postfix's cleanup counts for
 * hopcount_limit (lib/hopcount.h), as smtpd and pickup count them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/hopcount.h"

#define S(x)	(x), strlen(x)

static void
test_line_kind(void **state)
{
	(void)state;
	assert_int_equal(hop_line_kind(S("Received: from a by b")),
	    HOP_RECEIVED);
	assert_int_equal(hop_line_kind(S("RECEIVED:x")), HOP_RECEIVED);
	assert_int_equal(hop_line_kind(S("received \t: x")), HOP_RECEIVED);
	assert_int_equal(hop_line_kind(S("Received:")), HOP_RECEIVED);
	/* other fields, and names that only begin alike */
	assert_int_equal(hop_line_kind(S("Received-SPF: pass")), HOP_FIELD);
	assert_int_equal(hop_line_kind(S("X-Received: x")), HOP_FIELD);
	assert_int_equal(hop_line_kind(S("Delivered-To: a@b")), HOP_FIELD);
	assert_int_equal(hop_line_kind(S("Receive: x")), HOP_FIELD);
	/* a fold, and what ends the header */
	assert_int_equal(hop_line_kind(S("\tby host; date")), HOP_CONTINUATION);
	assert_int_equal(hop_line_kind(S(" Received: x")), HOP_CONTINUATION);
	assert_int_equal(hop_line_kind(S("")), HOP_END);
	assert_int_equal(hop_line_kind(S("Received")), HOP_END);
	assert_int_equal(hop_line_kind(S("Received x: y")), HOP_END);
	assert_int_equal(hop_line_kind(S(": no name")), HOP_END);
	assert_int_equal(hop_line_kind(S("Recei\x80ved: x")), HOP_END);
	/* the start of a longer line: a name that runs on is a field */
	assert_int_equal(hop_prefix_kind(S("X-A-Very-Long-Name")), HOP_FIELD);
	assert_int_equal(hop_prefix_kind(S("Received  ")), HOP_FIELD);
	assert_int_equal(hop_prefix_kind(S("Received: a")), HOP_RECEIVED);
	assert_int_equal(hop_prefix_kind(S("hello world")), HOP_END);
	assert_int_equal(hop_prefix_kind(S("\tfolded")), HOP_CONTINUATION);
}

static void
test_count(void **state)
{
	const char *m = "Received: a\n\tfolded\nreceived : b\nSubject: x\n"
	    "Received-SPF: none\nRECEIVED: c\n\nReceived: in the body\n";

	(void)state;
	assert_int_equal(hop_count(S(m)), 3);
	/* a body without the empty line: the first line that is no field */
	assert_int_equal(hop_count(S("Received: a\nhello\nReceived: b\n")),
	    1);
	/* no newline at the end, and nothing at all */
	assert_int_equal(hop_count(S("Received: a\nReceived: b")), 2);
	assert_int_equal(hop_count(S("")), 0);
	assert_int_equal(hop_count(S("\nReceived: a\n")), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_kind),
		cmocka_unit_test(test_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
