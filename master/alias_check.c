/*
 * alias_check.c: the alias files checked at start, on reload and when one
 * changes, without master parsing a byte of them.  Master (root) opens
 * and fstats each file of alias_maps (some are root's only, some may be
 * a user's), and starts "bulkhead -x alias-check" with only those
 * descriptors and a pipe (checker.c); it reads them, enters lookup's
 * compartment (empty root, lookup_user, lookup's seccomp allowlist) and
 * parses there (check/alias_checker.c).  Its findings come back as
 * lines; master logs them, sanitised, tagged alias-check with the
 * checker's pid.  A checker that crashes, hangs or says nothing is a
 * failed check; master goes on.
 *
 * At start-up master waits for the verdict (alias_check).  On reload
 * and when a file changes the check runs beside master's event loop
 * (alias_check_start): the checker runs as lookup_user, which may stop
 * it, and root master never waits for an unprivileged process.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/xmalloc.h"
#include "master/master.h"
#include "privsep/sandbox.h"

#define CHECK_WAIT_MS	10000		/* the whole check */
#define CHECK_OUT_MAX	(256 * 1024)	/* what master reads of it */

/* Log the warnings; the verdict line, if any, goes to err. */
static int
relay_lines(pid_t pid, char *buf, size_t len, char *err, size_t errlen)
{
	char	*p, *nl, safe[BH_LOG_LINE_MAX];
	int	 verdict = 0, prio;

	buf[len] = '\0';
	for (p = buf; p < buf + len; p = nl + 1) {
		if ((nl = memchr(p, '\n', buf + len - p)) == NULL)
			nl = buf + len;
		*nl = '\0';
		log_printable(p, nl - p, safe, sizeof(safe));
		if (p[0] == 'e' && p[1] == ' ') {
			snprintf(err, errlen, "%s", safe + 2);
			verdict = 1;
		} else if (p[0] == 'w' && sscanf(p + 1, "%d", &prio) == 1 &&
		    strchr(safe, ' ') != NULL)
			log_emit_as(log_clamp_prio(prio), "alias-check", pid,
			    strchr(safe, ' ') + 1);
		else if (*p != '\0')
			log_emit_as(LOG_WARNING, "alias-check", pid, safe);
	}
	return verdict;
}

/* The verdict from the checker's output and exit status. */
static int
verdict(pid_t pid, char *out, size_t got, int status, char *err,
    size_t errlen)
{
	if (relay_lines(pid, out, got, err, errlen))
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	snprintf(err, errlen, "the alias file checker failed (%s %d)",
	    WIFSIGNALED(status) ? "signal" : "exit status",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	return -1;
}

/*
 * Open each alias file and start the checker with them; *in is the read
 * end of its output.  The descriptors are closed again either way.
 */
static pid_t
checker_start(const struct master *m, const struct bh_config *cf, int *in,
    char *err, size_t errlen)
{
	struct stat	 st;
	char		*argv[8 + 2 * BH_LIST_MAX];
	int		 fds[BH_LIST_MAX], argc = 0;
	size_t		 n, i;
	pid_t		 pid = -1;

	for (n = 0; n < cf->alias_maps.n && n < BH_LIST_MAX; n++) {
		errno = 0;
		/* O_NONBLOCK: a FIFO there does not stop master. */
		if ((fds[n] = open(cf->alias_maps.v[n], O_RDONLY | O_CLOEXEC |
		    O_NOCTTY | O_NONBLOCK)) == -1 || fstat(fds[n], &st) == -1 ||
		    !S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: %s", cf->alias_maps.v[n],
			    fds[n] == -1 || errno != 0 ? strerror(errno) :
			    "not a regular file");
			n += fds[n] != -1;
			goto done;
		}
	}
	argv[argc++] = "bulkhead";
	argv[argc++] = "-x";
	argv[argc++] = "alias-check";
	argv[argc++] = "-c";
	argv[argc++] = (char *)m->confdir;
	argv[argc++] = "-S";
	argv[argc++] = (char *)seccomp_get_mode();
	for (i = 0; i < n; i++) {
		argv[argc++] = "-A";
		argv[argc++] = cf->alias_maps.v[i];
	}
	argv[argc] = NULL;
	pid = checker_spawn(m, argv, fds, n, in, err, errlen);
done:
	for (i = 0; i < n; i++)
		close(fds[i]);
	return pid;
}

int
alias_check(const struct master *m, const struct bh_config *cf, char *err,
    size_t errlen)
{
	static char	 out[CHECK_OUT_MAX + 1];
	int		 in, status = 0;
	size_t		 got;
	pid_t		 pid;

	if ((pid = checker_start(m, cf, &in, err, errlen)) == -1)
		return -1;
	got = checker_collect(pid, in, out, CHECK_OUT_MAX, CHECK_WAIT_MS,
	    &status);
	close(in);
	return verdict(pid, out, got, status, err, errlen);
}

/* The caller's callback, for the job's. */
struct alias_wait {
	alias_check_done	 done;
	void			*arg;
};

static void
job_done(struct master *m, pid_t pid, char *out, size_t got, int status,
    int cancelled, void *arg)
{
	struct alias_wait	*w = arg;
	char			 err[CF_ERR_MAX];
	int			 ok = 0;

	err[0] = '\0';
	if (cancelled)
		snprintf(err, sizeof(err), "master is stopping");
	else
		ok = verdict(pid, out, got, status, err, sizeof(err)) == 0;
	w->done(m, ok, err, w->arg);
	free(w);
}

int
alias_check_start(struct master *m, const struct bh_config *cf,
    alias_check_done done, void *arg, char *err, size_t errlen)
{
	struct alias_wait	*w;
	int			 in;
	pid_t			 pid;

	if (m->acheck != NULL) {
		snprintf(err, errlen, "an alias check is already running");
		return -1;
	}
	if ((pid = checker_start(m, cf, &in, err, errlen)) == -1)
		return -1;
	w = xcalloc(1, sizeof(*w));
	w->done = done;
	w->arg = arg;
	checker_job_start(m, &m->acheck, "alias file checker", pid, in,
	    CHECK_OUT_MAX, CHECK_WAIT_MS, job_done, w);
	return 0;
}
