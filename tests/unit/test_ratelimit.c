/*
 * test_ratelimit.c: the fixed-window limiter master uses for peers'
 * reports, requests and log lines, and the clamp on compartments' log
 * priorities.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <syslog.h>

#include "lib/log.h"
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

/* A compartment's priority as master logs it: never above LOG_ERR. */
static void
test_clamp_prio(void **state)
{
	(void)state;
	assert_int_equal(log_clamp_prio(LOG_EMERG), LOG_ERR);
	assert_int_equal(log_clamp_prio(LOG_ALERT), LOG_ERR);
	assert_int_equal(log_clamp_prio(LOG_CRIT), LOG_ERR);
	assert_int_equal(log_clamp_prio(LOG_ERR), LOG_ERR);
	assert_int_equal(log_clamp_prio(LOG_WARNING), LOG_WARNING);
	assert_int_equal(log_clamp_prio(LOG_INFO), LOG_INFO);
	assert_int_equal(log_clamp_prio(LOG_DEBUG), LOG_DEBUG);
	assert_int_equal(log_clamp_prio(-1), LOG_ERR);
	assert_int_equal(log_clamp_prio(99), LOG_DEBUG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_per_window),
		cmocka_unit_test(test_zero_limit_refuses_all),
		cmocka_unit_test(test_clock_step_back),
		cmocka_unit_test(test_clamp_prio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
