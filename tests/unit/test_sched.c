/*
 * test_sched.c: the scheduler's decisions with a clock the test sets:
 * the backoff sequence, expiry, deferred scans and delay warnings.
 */
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "queue/dsn.h"
#include "queue/rcptdup.h"
#include "queue/sched.h"

#define T0	1700000000

/* Postfix's defaults. */
static const struct sched_params defaults = {
	.minimal_backoff_time = 300,
	.maximal_backoff_time = 4000,
	.maximal_queue_lifetime = 5 * 86400,
	.bounce_queue_lifetime = 5 * 86400,
	.delay_warning_time = 0,
	.queue_run_delay = 300,
};

static void
env_new(struct qenv *env, const char *sender)
{
	memset(env, 0, sizeof(*env));
	strlcpy(env->qid, "0123456789ABCDEF", sizeof(env->qid));
	strlcpy(env->sender, sender, sizeof(env->sender));
	env->arrival = T0;
	env->warned = QWARN_NONE;
	assert_int_equal(qenv_add_rcpt(env, "a@test.example"), 0);
}

/*
 * A recipient that fails every time it is tried, each try at the
 * moment it becomes due: the waits double from 300s up to 4000s.
 */
static void
test_backoff_sequence(void **state)
{
	static const time_t want[] = {
		300, 300, 600, 1200, 2400, 4000, 4000, 4000
	};
	struct qenv	env;
	time_t		now = T0, next;
	size_t		i;

	env_new(&env, "s@remote.example");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		next = sched_next_try(&defaults, &env, now);
		if (next - now != want[i])
			fail_msg("try %zu at +%lld: waited %lld, want %lld", i,
			    (long long)(now - T0), (long long)(next - now),
			    (long long)want[i]);
		now = next;
	}
	qenv_free(&env);
}

static void
test_backoff_bounds(void **state)
{
	struct sched_params	p = defaults;
	struct qenv		env;

	env_new(&env, "s@remote.example");
	p.minimal_backoff_time = 10;
	p.maximal_backoff_time = 20;
	assert_int_equal(sched_next_try(&p, &env, T0) - T0, 10);
	assert_int_equal(sched_next_try(&p, &env, T0 + 15) - (T0 + 15), 15);
	assert_int_equal(sched_next_try(&p, &env, T0 + 99999) - (T0 + 99999),
	    20);
	/* A clock before the arrival (stepped back): the minimum. */
	assert_int_equal(sched_next_try(&p, &env, T0 - 50) - (T0 - 50), 10);
	qenv_free(&env);
}

static void
test_expiry(void **state)
{
	struct sched_params	p = defaults;
	struct qenv		env, bounce;

	env_new(&env, "s@remote.example");
	env_new(&bounce, "");
	p.bounce_queue_lifetime = 86400;
	assert_false(sched_expired(&p, &env, T0));
	assert_false(sched_expired(&p, &env, T0 + 5 * 86400 - 1));
	assert_true(sched_expired(&p, &env, T0 + 5 * 86400));
	/* The null sender's messages live bounce_queue_lifetime. */
	assert_false(sched_expired(&p, &bounce, T0 + 86400 - 1));
	assert_true(sched_expired(&p, &bounce, T0 + 86400));
	/* 0: one try, then bounce. */
	p.maximal_queue_lifetime = 0;
	assert_true(sched_expired(&p, &env, T0));
	qenv_free(&env);
	qenv_free(&bounce);
}

static void
test_due(void **state)
{
	struct qenv	env;

	env_new(&env, "s@remote.example");
	/* New: due at once, with or without a deferred scan. */
	assert_true(sched_rcpt_due(&env, 0, T0, 0));
	/* Deferred: only on a deferred scan, and only once its time came. */
	env.rcpt[0].attempts = 1;
	env.rcpt[0].next_try = T0 + 300;
	assert_false(sched_rcpt_due(&env, 0, T0 + 299, 1));
	assert_false(sched_rcpt_due(&env, 0, T0 + 300, 0));
	assert_true(sched_rcpt_due(&env, 0, T0 + 300, 1));
	assert_true(sched_next_due(&env) == T0 + 300);
	/* Final recipients are never due. */
	env.rcpt[0].status = QRCPT_DELIVERED;
	assert_false(sched_rcpt_due(&env, 0, T0 + 9999, 1));
	assert_true(sched_next_due(&env) == 0);
	qenv_free(&env);
}

static void
test_delay_warning(void **state)
{
	struct sched_params	p = defaults;
	struct qenv		env;

	env_new(&env, "s@remote.example");
	/* Off by default. */
	assert_false(sched_delay_warning_due(&p, &env, T0 + 30 * 86400));
	p.delay_warning_time = 4 * 3600;
	assert_false(sched_delay_warning_due(&p, &env, T0 + 4 * 3600 - 1));
	assert_true(sched_delay_warning_due(&p, &env, T0 + 4 * 3600));
	/* Once per message. */
	env.warned = QWARN_SENT;
	assert_false(sched_delay_warning_due(&p, &env, T0 + 5 * 3600));
	env.warned = QWARN_NONE;
	/* NOTIFY without DELAY, or NEVER: no warning. */
	env.rcpt[0].notify = DSN_NOTIFY_FAILURE;
	assert_false(sched_delay_warning_due(&p, &env, T0 + 5 * 3600));
	env.rcpt[0].notify = DSN_NOTIFY_NEVER;
	assert_false(sched_delay_warning_due(&p, &env, T0 + 5 * 3600));
	env.rcpt[0].notify = DSN_NOTIFY_DELAY | DSN_NOTIFY_FAILURE;
	assert_true(sched_delay_warning_due(&p, &env, T0 + 5 * 3600));
	/* Nothing pending: nothing to warn about. */
	env.rcpt[0].status = QRCPT_DELIVERED;
	assert_false(sched_delay_warning_due(&p, &env, T0 + 5 * 3600));
	qenv_free(&env);

	/* Never to the null sender. */
	env_new(&env, "");
	assert_false(sched_delay_warning_due(&p, &env, T0 + 5 * 3600));
	qenv_free(&env);
}

/* A whole life: deferred until it expires, with the warning on the way. */
static void
test_timeline(void **state)
{
	struct sched_params	p = defaults;
	struct qenv		env;
	time_t			now = T0, warned_at = 0;
	int			tries = 0;

	p.delay_warning_time = 4 * 3600;
	env_new(&env, "s@remote.example");
	while (!sched_expired(&p, &env, now)) {
		tries++;
		if (warned_at == 0 && sched_delay_warning_due(&p, &env, now)) {
			warned_at = now;
			env.warned = QWARN_SENT;
		}
		env.rcpt[0].attempts++;
		env.rcpt[0].next_try = sched_next_try(&p, &env, now);
		/* The deferred scan after next_try, every queue_run_delay. */
		now = env.rcpt[0].next_try;
		assert_true(sched_rcpt_due(&env, 0, now, 1));
		assert_true(tries < 1000);
	}
	/* Expiry at the first try after 5 days, less than 4000s late. */
	assert_true(now >= T0 + 5 * 86400);
	assert_true(now < T0 + 5 * 86400 + 4000);
	assert_true(warned_at >= T0 + 4 * 3600);
	assert_true(warned_at < T0 + 4 * 3600 + 4000);
	/* 300,300,600,1200,2400 then 4000s: about 5*86400/4000 tries. */
	assert_true(tries > 100 && tries < 115);
	qenv_free(&env);
}

/*
 * The wall clock steps back a year after a deferral: the recipient is
 * tried again within maximal_backoff_time of the new clock, not a year
 * later; a wait computed on this clock is left alone.
 */
static void
test_clock_step_back(void **state)
{
	struct qenv	env;
	time_t		back = T0 - 365 * 86400, next;

	env_new(&env, "s@remote.example");
	assert_int_equal(qenv_add_rcpt(&env, "b@test.example"), 0);
	env.rcpt[0].attempts = 1;
	env.rcpt[0].next_try = sched_next_try(&defaults, &env, T0 + 600);
	env.rcpt[1].attempts = 1;
	env.rcpt[1].next_try = back + 300;
	assert_int_equal(sched_clamp(&defaults, &env, back), 1);
	assert_true(env.rcpt[0].next_try == (uint64_t)back + 4000);
	assert_true(env.rcpt[1].next_try == (uint64_t)back + 300);
	assert_true(sched_rcpt_due(&env, 0, back + 4000, 1));
	assert_int_equal(sched_clamp(&defaults, &env, back), 0);
	/* The deferred scans go on at queue_run_delay on the new clock. */
	next = T0 + 300;
	assert_false(sched_scan_starts(&defaults, &next, T0 + 299));
	assert_true(sched_scan_starts(&defaults, &next, T0 + 300));
	assert_true(next == T0 + 600);
	assert_true(sched_scan_starts(&defaults, &next, back));
	assert_true(next == back + 300);
	assert_false(sched_scan_starts(&defaults, &next, back + 1));
	/* Final recipients keep what they have. */
	env.rcpt[1].status = QRCPT_DELIVERED;
	env.rcpt[1].next_try = T0 + 9999;
	assert_int_equal(sched_clamp(&defaults, &env, back), 0);
	qenv_free(&env);
}

/* Duplicate recipients: the domain without regard to case, not the local part. */
static void
test_rcpt_dup(void **state)
{
	struct qenv	env;

	assert_true(rcpt_same("alice@example.org", "alice@EXAMPLE.org"));
	assert_false(rcpt_same("alice@example.org", "Alice@example.org"));
	assert_false(rcpt_same("alice@example.org", "alice@example.org.x"));
	assert_false(rcpt_same("alice@example.org", "alicex@example.org"));
	assert_true(rcpt_same("\"a@b\"@example.org", "\"a@b\"@Example.ORG"));
	assert_false(rcpt_same("postmaster", "postmaster@example.org"));
	assert_true(rcpt_same("postmaster", "postmaster"));
	env_new(&env, "s@remote.example");
	assert_non_null(rcpt_find(&env, "a@TEST.example"));
	assert_null(rcpt_find(&env, "b@test.example"));
	/* NOTIFY: the union of both requests; NEVER only if both said it. */
	assert_int_equal(rcpt_merge_notify(0, 0), 0);
	assert_int_equal(rcpt_merge_notify(DSN_NOTIFY_NEVER, DSN_NOTIFY_NEVER),
	    DSN_NOTIFY_NEVER);
	assert_int_equal(rcpt_merge_notify(DSN_NOTIFY_NEVER,
	    DSN_NOTIFY_SUCCESS), DSN_NOTIFY_SUCCESS);
	assert_int_equal(rcpt_merge_notify(0, DSN_NOTIFY_SUCCESS),
	    DSN_NOTIFY_SUCCESS | DSN_NOTIFY_FAILURE | DSN_NOTIFY_DELAY);
	assert_int_equal(rcpt_merge_notify(DSN_NOTIFY_FAILURE, 0),
	    DSN_NOTIFY_FAILURE | DSN_NOTIFY_DELAY);
	qenv_free(&env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_sequence),
		cmocka_unit_test(test_backoff_bounds),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_delay_warning),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_clock_step_back),
		cmocka_unit_test(test_rcpt_dup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
