/*
 * sched.h: the scheduler's decisions, as pure functions of the envelope,
 * the parameters and the time `now' the caller passes in (so unit tests
 * set the clock).  The policy is Postfix's:
 *   - after a temporary failure a recipient waits as long as the message
 *     has been in the queue, clamped to [minimal_backoff_time,
 *     maximal_backoff_time]: 300, 300, 600, 1200, 2400, 4000, 4000 ...
 *   - new recipients are tried at once; deferred ones only on a deferred
 *     queue scan, which runs every queue_run_delay seconds
 *   - a message older than maximal_queue_lifetime (bounce_queue_lifetime
 *     for a message from the null sender) bounces at its next temporary
 *     failure; 0 means try once
 *   - delay_warning_time > 0: one warning per message once it is that
 *     old, if a recipient still pending asked for (or did not refuse) it
 */
#ifndef BH_SCHED_H
#define BH_SCHED_H

#include <time.h>

#include "queue/qfile.h"

struct sched_params {
	time_t	minimal_backoff_time;
	time_t	maximal_backoff_time;
	time_t	maximal_queue_lifetime;
	time_t	bounce_queue_lifetime;
	time_t	delay_warning_time;	/* 0: off */
	time_t	queue_run_delay;
};

/* When to try again after a temporary failure at now. */
time_t	sched_next_try(const struct sched_params *, const struct qenv *,
	    time_t now);
/* Has the message outlived its queue lifetime (bounce on deferral)? */
int	sched_expired(const struct sched_params *, const struct qenv *,
	    time_t now);
/* Should recipient i be tried now?  deferred_scan: a deferred scan runs. */
int	sched_rcpt_due(const struct qenv *, size_t i, time_t now,
	    int deferred_scan);
/* Is a delay warning due for the message now? */
int	sched_delay_warning_due(const struct sched_params *,
	    const struct qenv *, time_t now);
/*
 * Does a deferred scan start at now?  *next is when the next one is due;
 * it moves on by queue_run_delay when one starts.  A *next further away
 * than queue_run_delay was set on a clock ahead of this one: the scan
 * starts now.
 */
int	sched_scan_starts(const struct sched_params *, time_t *next,
	    time_t now);
/*
 * After the wall clock went back: no pending recipient of env waits
 * longer than maximal_backoff_time from now (a wait longer than that
 * plus SCHED_CLOCK_SLACK seconds was computed on a clock ahead of this
 * one).  Returns how many waited longer and were moved.
 */
#define SCHED_CLOCK_SLACK	60
size_t	sched_clamp(const struct sched_params *, struct qenv *, time_t now);
/* The earliest moment a pending recipient is due; 0 when none is. */
time_t	sched_next_due(const struct qenv *);

#endif
