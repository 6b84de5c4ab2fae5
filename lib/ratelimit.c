/*
 * ratelimit.c: fixed-window event counting (ratelimit.h).
 */
#include "lib/ratelimit.h"

void
rl_init(struct ratelimit *rl, unsigned limit, unsigned window)
{
	rl->limit = limit;
	rl->window = window == 0 ? 1 : window;
	rl->start = 0;
	rl->used = 0;
	rl->dropped = 0;
}

/* 1: allowed (and counted); 0: refused (and counted as dropped). */
int
rl_allow(struct ratelimit *rl, time_t now)
{
	/* A clock that steps back starts a new window too. */
	if (now < rl->start || now - rl->start >= (time_t)rl->window) {
		rl->start = now;
		rl->used = 0;
	}
	if (rl->used >= rl->limit) {
		rl->dropped++;
		return 0;
	}
	rl->used++;
	return 1;
}

unsigned long
rl_take_dropped(struct ratelimit *rl)
{
	unsigned long n = rl->dropped;

	rl->dropped = 0;
	return n;
}
