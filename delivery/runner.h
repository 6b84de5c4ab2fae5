/*
 * runner.h: the |command delivery of the runner (runner_exec.c) and the
 * exit status mapping it uses.
 */
#ifndef BH_RUNNER_H
#define BH_RUNNER_H

#include <stddef.h>

#include "delivery/maildir.h"	/* struct maildir_msg */

#define RUNNER_OUTPUT_MAX	200	/* command output kept for a bounce */

struct runner_cmd {
	const char	 *command;	/* for /bin/sh -c */
	const char	 *cwd;		/* home; "/" if it cannot be entered */
	char *const	 *envp;		/* the fixed environment */
	long		  time_limit;	/* seconds: command_time_limit */
};

/*
 * Run the command with the message (trace headers first) on its stdin.
 * 0 when it exited 0, or -1 with a status code and a reason: a time
 * limit, a signal or a temporary sysexits code is 4.x.x, any other
 * status 5.x.x with the start of the command's output in why.
 */
/* Close every fd from lowfd up (close_range, or one by one): 0 or -1. */
int	runner_close_from(int lowfd, int use_close_range);
int	runner_command(const struct runner_cmd *, const struct maildir_msg *,
	    char *dsn, size_t dsnlen, char *why, size_t whylen);

/*
 * An exit status as Postfix's sys_exits table maps it: the status code
 * (4.x.x only for EX_OSERR and EX_TEMPFAIL) and a text.  Exposed for the
 * unit tests.
 */
const char *runner_exit_dsn(int status, const char **text);

#endif
