/*
 * anvil.h: the auth compartment's counts of AUTH requests and failures
 * per client address and per login, in a fixed window of
 * anvil_rate_time_unit seconds (named after Postfix's anvil(8)), and
 * the delay and limits they give (auth_policy).  Pure: time is passed in.
 */
#ifndef BH_ANVIL_H
#define BH_ANVIL_H

#include <sys/tree.h>

#include <stddef.h>
#include <time.h>

#define ANVIL_KEY_MAX		300
#define ANVIL_ENTRIES_MAX	65536
#define ANVIL_DELAY_STEPS	16	/* a delay grows to 16 times the base */

struct anvil_entry {
	RB_ENTRY(anvil_entry)	 entry;
	char			 key[ANVIL_KEY_MAX];	/* "c:ADDR", "u:USER" */
	time_t			 start;		/* of its window */
	unsigned		 requests;
	unsigned		 failures;
};
RB_HEAD(anvil_tree, anvil_entry);

struct anvil {
	struct anvil_tree	 tree;
	size_t			 n;
	long			 unit;		/* seconds */
};

struct anvil_limits {
	long	unit;		/* anvil_rate_time_unit */
	long	rate_limit;	/* smtpd_client_auth_rate_limit, 0: none */
	long	failure_limit;	/* smtpd_sasl_failure_limit, 0: none */
	long	failure_delay;	/* smtpd_sasl_failure_delay, seconds */
};

void	anvil_init(struct anvil *, long unit);
void	anvil_free(struct anvil *);
/*
 * A client asks: count the request.  Returns 0 if it may be verified,
 * -1 if the client is over a limit (then nothing is checked).
 */
int	anvil_request(struct anvil *, const struct anvil_limits *,
	    const char *client, time_t now);
/*
 * A failure of client for user: count it for both, and return the
 * seconds the verdict is held back.
 */
long	anvil_failure(struct anvil *, const struct anvil_limits *,
	    const char *client, const char *user, time_t now);
/* Failures counted for a key in its current window (tests). */
unsigned anvil_failures(struct anvil *, const char *key, time_t now);

#endif
