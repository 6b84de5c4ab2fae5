/*
 * test_ratelimit.c: the fixed-window limiter master uses for peers'
 * reports, requests and log lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/ratelimit.h"

static void
test_limit_per_window(void **state)
{
	struct ratelimit	rl;
	int			i;

	(void)state;
	rl_init(&rl, 3, 10);
	for (i = 0; i < 3; i++)
		assert_int_equal(rl_allow(&rl, 1000), 1);
	assert_int_equal(rl_allow(&rl, 1000), 0);
	assert_int_equal(rl_allow(&rl, 1009), 0);
	assert_int_equal(rl_take_dropped(&rl), 2);
	assert_int_equal(rl_take_dropped(&rl), 0);
	/* The next window. */
	assert_int_equal(rl_allow(&rl, 1010), 1);
	assert_int_equal(rl_allow(&rl, 1011), 1);
	assert_int_equal(rl_allow(&rl, 1012), 1);
	assert_int_equal(rl_allow(&rl, 1013), 0);
	assert_int_equal(rl_take_dropped(&rl), 1);
}

static void
test_zero_limit_refuses_all(void **state)
{
	struct ratelimit rl;

	(void)state;
	rl_init(&rl, 0, 0);
	assert_int_equal(rl.window, 1);
	assert_int_equal(rl_allow(&rl, 5), 0);
	assert_int_equal(rl_allow(&rl, 6), 0);
	assert_int_equal(rl_take_dropped(&rl), 2);
}

static void
test_clock_step_back(void **state)
{
	struct ratelimit rl;

	(void)state;
	rl_init(&rl, 1, 60);
	assert_int_equal(rl_allow(&rl, 5000), 1);
	assert_int_equal(rl_allow(&rl, 5001), 0);
	/* Stepped back: a new window, not a window that never ends. */
	assert_int_equal(rl_allow(&rl, 100), 1);
	assert_int_equal(rl_allow(&rl, 101), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_per_window),
		cmocka_unit_test(test_zero_limit_refuses_all),
		cmocka_unit_test(test_clock_step_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
