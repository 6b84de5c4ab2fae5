/*
 * test_local_slots.c: queue's per-destination delivery slots: the key
 * of a recipient (its user, whatever the extension or case) and the
 * counting that keeps one user within local_destination_concurrency_limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "queue/local_slots.h"

static void
test_key(void **state)
{
	char k[SLOT_KEY_MAX];

	(void)state;
	slot_key("Alice+news@Example.ORG", "+", k, sizeof(k));
	assert_string_equal(k, "alice@example.org");
	slot_key("alice@example.org", "+", k, sizeof(k));
	assert_string_equal(k, "alice@example.org");
	slot_key("alice-x+y@example.org", "+-", k, sizeof(k));
	assert_string_equal(k, "alice@example.org");
	/* No delimiter: the whole local part. */
	slot_key("alice+news@example.org", "", k, sizeof(k));
	assert_string_equal(k, "alice+news@example.org");
	slot_key("postmaster", "+", k, sizeof(k));
	assert_string_equal(k, "postmaster");
	/* Truncated, never overrun. */
	slot_key("abcdef@example.org", "+", k, 4);
	assert_string_equal(k, "abc");
}

static void
test_counting(void **state)
{
	struct slot_table	t = { NULL, 0, 0 };
	char			name[32];
	int			i;

	(void)state;
	assert_true(slot_may_take(&t, "a@x", 2));
	slot_take(&t, "a@x");
	assert_true(slot_may_take(&t, "a@x", 2));
	slot_take(&t, "a@x");
	assert_false(slot_may_take(&t, "a@x", 2));
	assert_true(slot_may_take(&t, "b@x", 2));
	slot_release(&t, "a@x");
	assert_true(slot_may_take(&t, "a@x", 2));
	slot_release(&t, "a@x");
	assert_int_equal(t.n, 0);
	/* A release of what was never taken changes nothing. */
	slot_release(&t, "c@x");
	assert_int_equal(t.n, 0);
	/* Many destinations: the table grows and shrinks back. */
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "u%d@x", i);
		slot_take(&t, name);
	}
	assert_int_equal(t.n, 100);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "u%d@x", i);
		assert_false(slot_may_take(&t, name, 1));
		slot_release(&t, name);
	}
	assert_int_equal(t.n, 0);
	free(t.d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_counting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
