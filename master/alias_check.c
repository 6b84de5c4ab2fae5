/*
 * alias_check.c: the alias files checked at start, on reload and when one
 * changes, without master parsing a byte of them.  Master (root) opens
 * and fstats each file of alias_maps (some are root's only, some may be
 * a user's), and starts "bulkhead -x alias-check" with only those
 * descriptors and a pipe; it reads them, enters lookup's compartment
 * (empty root, lookup_user, lookup's seccomp allowlist) and parses there
 * (check/alias_checker.c).  Its findings come back as lines; master logs
 * them, sanitised, tagged alias-check with the checker's pid.  A checker
 * that crashes, hangs or says nothing is a failed check; master goes on.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "master/master.h"
#include "privsep/sandbox.h"

#define CHECK_WAIT_MS	10000		/* the whole check */
#define CHECK_OUT_MAX	(256 * 1024)	/* what master reads of it */

/* In the child: fds[] become 3.., out 1 and 2, the rest is closed. */
static void __attribute__((noreturn))
checker(const struct master *m, const struct bh_config *cf, const int *fds,
    size_t n, int out)
{
	char	*argv[8 + 2 * BH_LIST_MAX], *envp[] = { NULL };
	int	 keep[BH_LIST_MAX + 1], null, argc = 0;
	size_t	 i;

	for (i = 0; i <= n; i++)
		if ((keep[i] = fcntl(i < n ? fds[i] : out, F_DUPFD,
		    3 + BH_LIST_MAX + 1)) == -1)
			_exit(2);
	if ((null = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(null, 0) == -1 || dup2(keep[n], 1) == -1 ||
	    dup2(keep[n], 2) == -1)
		_exit(2);
	for (i = 0; i < n; i++)
		if (dup2(keep[i], 3 + i) == -1)
			_exit(2);
	sandbox_close_fds(3 + n);
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
	execve(m->self_exe, argv, envp);
	_exit(2);
}

/* Whatever the checker wrote, within the deadline; then it is reaped. */
static size_t
collect(pid_t pid, int in, char *buf, size_t len, int *status)
{
	struct pollfd	pfd = { in, POLLIN, 0 };
	struct timespec	t0, t;
	size_t		got = 0;
	ssize_t		r;
	long		left;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = CHECK_WAIT_MS - ((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || (poll(&pfd, 1, left) == -1 && errno != EINTR))
			break;
		if ((r = read(in, buf + got, len - got)) == 0 ||
		    (r == -1 && errno != EINTR && errno != EAGAIN))
			break;
		if (r > 0 && (got += r) == len)
			break;
	}
	kill(pid, SIGKILL);	/* done or too late: it is gone either way */
	while (waitpid(pid, status, 0) == -1 && errno == EINTR)
		;
	return got;
}

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

int
alias_check(const struct master *m, const struct bh_config *cf, char *err,
    size_t errlen)
{
	static char	 out[CHECK_OUT_MAX + 1];
	struct stat	 st;
	int		 fds[BH_LIST_MAX], p[2], status = 0, verdict;
	size_t		 n, i, got;
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
	if (pipe2(p, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "alias file checker: %s", strerror(errno));
		goto done;
	}
	if ((pid = fork()) == 0)
		checker(m, cf, fds, n, p[1]);
	if (pid == -1)
		snprintf(err, errlen, "alias file checker: %s", strerror(errno));
	close(p[1]);
	if (pid == -1) {
		close(p[0]);
		goto done;
	}
	got = collect(pid, p[0], out, CHECK_OUT_MAX, &status);
	close(p[0]);
	verdict = relay_lines(pid, out, got, err, errlen);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !verdict)
		pid = 0;
	else if (!verdict)
		snprintf(err, errlen, "the alias file checker failed (%s %d)",
		    WIFSIGNALED(status) ? "signal" : "exit status",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
done:
	for (i = 0; i < n; i++)
		close(fds[i]);
	return pid == 0 ? 0 : -1;
}
