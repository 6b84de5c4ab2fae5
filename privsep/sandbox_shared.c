/*
 * sandbox_shared.c: the parts of sandboxing master runs too (see
 * sandbox_shared.h): it checks the compartments' accounts when it loads
 * the configuration, closes fds in the children it forks, and passes
 * its -S mode to every child, which builds its filter with it.
 */
#include <sys/types.h>
#include <sys/syscall.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "privsep/sandbox_shared.h"

int
sandbox_resolve_user(const char *user, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user %s does not exist "
		    "(run bulkhead-setup to create it)", user);
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		snprintf(err, errlen, "user %s has uid or gid 0", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/*
 * A compartment calls this first thing, before it opens anything of its
 * own (libevent's epoll fd included): whatever it did not get from master
 * on purpose is gone before it can be misused.
 */
void
sandbox_close_fds(int keep)
{
	if (syscall(SYS_close_range, (unsigned)keep, ~0U, 0) == -1)
		fatal("close_range");
}

/* The process-wide filter mode, chosen once by master's -S option. */
static const char *mode_name = "kill";

void
seccomp_set_mode(const char *mode)
{
	if (strcmp(mode, "trap") == 0)
		mode_name = "trap";
	else if (strcmp(mode, "log") == 0)
		mode_name = "log";
	else if (strcmp(mode, "kill") == 0)
		mode_name = "kill";
	else
		fatalx("unknown seccomp mode %s", mode);
}

const char *
seccomp_get_mode(void)
{
	return mode_name;
}
