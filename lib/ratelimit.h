/*
 * ratelimit.h: at most `limit` events per `window` seconds, counted in
 * fixed windows; what is refused is counted so that the caller can say
 * how much it dropped ("N lines suppressed").  Time is the caller's:
 * pure, for the unit tests.
 */
#ifndef BH_RATELIMIT_H
#define BH_RATELIMIT_H

#include <time.h>

struct ratelimit {
	unsigned	limit;		/* events per window; 0: none */
	unsigned	window;		/* seconds, at least 1 */
	time_t		start;		/* of the current window */
	unsigned	used;
	unsigned long	dropped;	/* refused since the last take */
};

void		rl_init(struct ratelimit *, unsigned limit, unsigned window);
int		rl_allow(struct ratelimit *, time_t now);
unsigned long	rl_take_dropped(struct ratelimit *);

#endif
