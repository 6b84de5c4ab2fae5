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
 *
 * At start-up master waits for the verdict (alias_check), as it has
 * nothing else to do yet.  On reload and when a file changes the check
 * runs beside master's event loop (alias_check_start): the checker runs
 * as lookup_user, which may stop it, and root master never waits for an
 * unprivileged process.  Its output arrives on a watched pipe, its exit
 * status when spawn_reap reaps it (alias_check_reaped), and a timer kills
 * it at the deadline; then the caller's callback gets the verdict.
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

#include <event2/event.h>

#include "lib/log.h"
#include "lib/xmalloc.h"
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
	int		 fds[BH_LIST_MAX], p[2];
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
	if (pipe2(p, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "alias file checker: %s", strerror(errno));
		goto done;
	}
	if ((pid = fork()) == 0)
		checker(m, cf, fds, n, p[1]);
	close(p[1]);
	if (pid == -1) {
		snprintf(err, errlen, "alias file checker: %s", strerror(errno));
		close(p[0]);
	} else
		*in = p[0];
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
	got = collect(pid, in, out, CHECK_OUT_MAX, &status);
	close(in);
	return verdict(pid, out, got, status, err, errlen);
}

/* A check beside the event loop: at most one at a time (m->acheck). */
struct alias_job {
	struct master		*m;
	pid_t			 pid;
	int			 in;		/* its output; -1 once read */
	struct event		*read_ev;
	struct event		*timer;
	char			*out;		/* CHECK_OUT_MAX + 1 */
	size_t			 got;
	int			 reaped;
	int			 status;
	alias_check_done	 done;
	void			*arg;
};

static void
job_free(struct alias_job *j)
{
	if (j->read_ev != NULL)
		event_free(j->read_ev);
	if (j->timer != NULL)
		event_free(j->timer);
	if (j->in != -1)
		close(j->in);
	free(j->out);
	free(j);
}

/* Output read to its end (or cut) and the checker reaped: the verdict. */
static void
job_maybe_done(struct alias_job *j)
{
	struct master	*m = j->m;
	char		 err[CF_ERR_MAX];
	int		 ok;

	if (j->in != -1 || !j->reaped)
		return;
	err[0] = '\0';
	ok = verdict(j->pid, j->out, j->got, j->status, err,
	    sizeof(err)) == 0;
	m->acheck = NULL;
	j->done(m, ok, err, j->arg);
	job_free(j);
	if (m->reload_again && !m->stopping) {
		m->reload_again = 0;
		master_reload(m);
	}
}

/* No more output to take: it is gone either way once killed. */
static void
job_stop_reading(struct alias_job *j)
{
	if (!j->reaped)		/* a reaped pid may be someone else's now */
		kill(j->pid, SIGKILL);
	event_del(j->read_ev);
	event_del(j->timer);
	close(j->in);
	j->in = -1;
}

static void
on_job_read(evutil_socket_t fd, short ev, void *arg)
{
	struct alias_job	*j = arg;
	ssize_t			 r;

	r = read(fd, j->out + j->got, CHECK_OUT_MAX - j->got);
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r > 0 && (j->got += r) < CHECK_OUT_MAX)
		return;
	job_stop_reading(j);
	job_maybe_done(j);
}

static void
on_job_deadline(evutil_socket_t fd, short ev, void *arg)
{
	struct alias_job *j = arg;

	log_warnx("alias file checker %d: no answer within %d s, killed",
	    (int)j->pid, CHECK_WAIT_MS / 1000);
	job_stop_reading(j);
	job_maybe_done(j);
}

int
alias_check_start(struct master *m, const struct bh_config *cf,
    alias_check_done done, void *arg, char *err, size_t errlen)
{
	struct timeval		 tv = { CHECK_WAIT_MS / 1000, 0 };
	struct alias_job	*j;
	int			 in;

	if (m->acheck != NULL) {
		snprintf(err, errlen, "an alias check is already running");
		return -1;
	}
	j = xcalloc(1, sizeof(*j));
	j->m = m;
	j->done = done;
	j->arg = arg;
	j->out = xmalloc(CHECK_OUT_MAX + 1);
	if ((j->pid = checker_start(m, cf, &in, err, errlen)) == -1) {
		j->in = -1;
		job_free(j);
		return -1;
	}
	j->in = in;
	if (fcntl(in, F_SETFL, O_NONBLOCK) == -1 ||
	    (j->read_ev = event_new(m->base, in, EV_READ | EV_PERSIST,
	    on_job_read, j)) == NULL ||
	    (j->timer = evtimer_new(m->base, on_job_deadline, j)) == NULL ||
	    event_add(j->read_ev, NULL) == -1 || evtimer_add(j->timer, &tv) == -1)
		fatalx("alias checker events");
	m->acheck = j;
	return 0;
}

/* From spawn_reap: the checker's exit status, if pid is the checker. */
int
alias_check_reaped(struct master *m, pid_t pid, int status)
{
	struct alias_job *j = m->acheck;

	if (j == NULL || j->pid != pid || j->reaped)
		return 0;
	j->reaped = 1;
	j->status = status;
	job_maybe_done(j);
	return 1;
}

/* At shutdown: the checker is killed and reaped, the check failed. */
void
alias_check_cancel(struct master *m)
{
	struct alias_job *j = m->acheck;

	if (j == NULL)
		return;
	m->acheck = NULL;
	if (!j->reaped) {
		kill(j->pid, SIGKILL);
		while (waitpid(j->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	j->done(m, 0, "master is stopping", j->arg);
	job_free(j);
}
