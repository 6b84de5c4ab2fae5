/*
 * sched.c: the scheduler's decisions.  See sched.h.
 */
#include "queue/dsn.h"
#include "queue/sched.h"

static time_t
age(const struct qenv *env, time_t now)
{
	if ((uint64_t)now <= env->arrival)
		return 0;
	return now - (time_t)env->arrival;
}

time_t
sched_next_try(const struct sched_params *p, const struct qenv *env,
    time_t now)
{
	time_t	delay = age(env, now);

	if (delay > p->maximal_backoff_time)
		delay = p->maximal_backoff_time;
	if (delay < p->minimal_backoff_time)
		delay = p->minimal_backoff_time;
	return now + delay;
}

int
sched_expired(const struct sched_params *p, const struct qenv *env,
    time_t now)
{
	time_t	lifetime;

	lifetime = env->sender[0] == '\0' ? p->bounce_queue_lifetime :
	    p->maximal_queue_lifetime;
	return age(env, now) >= lifetime;
}

int
sched_rcpt_due(const struct qenv *env, size_t i, time_t now,
    int deferred_scan)
{
	const struct qrcpt *r = &env->rcpt[i];

	if (r->status != QRCPT_PENDING || r->next_try > (uint64_t)now)
		return 0;
	return r->attempts == 0 || deferred_scan;
}

int
sched_delay_warning_due(const struct sched_params *p,
    const struct qenv *env, time_t now)
{
	size_t	i;

	if (p->delay_warning_time <= 0 || env->warned != QWARN_NONE ||
	    env->sender[0] == '\0' || age(env, now) < p->delay_warning_time)
		return 0;
	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].status == QRCPT_PENDING &&
		    dsn_wants(&env->rcpt[i], DSN_DELAY))
			return 1;
	return 0;
}

time_t
sched_next_due(const struct qenv *env)
{
	time_t	best = 0;
	size_t	i;

	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].status == QRCPT_PENDING &&
		    (best == 0 || (time_t)env->rcpt[i].next_try < best))
			best = env->rcpt[i].next_try;
	return best;
}

int
sched_scan_starts(const struct sched_params *p, time_t *next, time_t now)
{
	if (*next > now + p->queue_run_delay)
		*next = now;		/* the clock went back */
	if (now < *next)
		return 0;
	*next = now + p->queue_run_delay;
	return 1;
}

size_t
sched_clamp(const struct sched_params *p, struct qenv *env, time_t now)
{
	uint64_t	limit = now + p->maximal_backoff_time;
	size_t		i, n = 0;

	for (i = 0; i < env->nrcpt; i++) {
		if (env->rcpt[i].status != QRCPT_PENDING ||
		    env->rcpt[i].next_try <= limit + SCHED_CLOCK_SLACK)
			continue;
		env->rcpt[i].next_try = limit;
		n++;
	}
	return n;
}
