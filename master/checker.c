/*
 * checker.c: children that parse for master, so that master parses
 * neither the alias files (alias_check.c) nor main.cf and master.cf
 * (config_parse.c).  Master opens the files and starts "bulkhead -x
 * ROLE ..." with only those descriptors (on 3, 4, ...) and a pipe on
 * its stdout and stderr; the child drops its rights, parses and writes
 * lines back.  A child that crashes, hangs or says nothing is a failed
 * check; master goes on.
 *
 * At start-up master waits for the answer (checker_collect), as it has
 * nothing else to do yet.  Later the child runs beside master's event
 * loop (checker_job_start): it runs unprivileged, and whoever it runs
 * as may stop it; root master never waits for it.  Its output arrives
 * on a watched pipe, its exit status when spawn_reap reaps it
 * (checker_reaped), a timer kills it at its deadline, and then the
 * job's callback gets what it said.  A reload asked meanwhile
 * (m->reload_again) runs once no job is left.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/xmalloc.h"
#include "master/master.h"
#include "privsep/sandbox.h"

struct check_job {
	struct master		*m;
	struct check_job	**slot;		/* &m->acheck, &m->ccheck */
	const char		*what;
	pid_t			 pid;
	int			 in;		/* its output; -1 once read */
	struct event		*read_ev;
	struct event		*timer;
	char			*out;		/* max + 1 */
	size_t			 got, max;
	int			 wait_ms;
	int			 reaped;
	int			 status;
	check_job_fn		 done;
	void			*arg;
};

/* In the child: fds[] become 3.., out 1 and 2, the rest is closed. */
static void __attribute__((noreturn))
checker_exec(const struct master *m, char *const argv[], const int *fds,
    size_t n, int out)
{
	char	*envp[] = { NULL };
	int	 keep[CHECKER_FDS_MAX + 1], null;
	size_t	 i;

	for (i = 0; i <= n; i++)
		if ((keep[i] = fcntl(i < n ? fds[i] : out, F_DUPFD,
		    3 + CHECKER_FDS_MAX + 1)) == -1)
			_exit(2);
	if ((null = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(null, 0) == -1 || dup2(keep[n], 1) == -1 ||
	    dup2(keep[n], 2) == -1)
		_exit(2);
	for (i = 0; i < n; i++)
		if (dup2(keep[i], 3 + i) == -1)
			_exit(2);
	sandbox_close_fds(3 + n);
	execve(m->self_exe, argv, envp);
	_exit(2);
}

pid_t
checker_spawn(const struct master *m, char *const argv[], const int *fds,
    size_t n, int *in, char *err, size_t errlen)
{
	int	 p[2];
	pid_t	 pid;

	if (n > CHECKER_FDS_MAX || pipe2(p, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "%s: %s", argv[2], n > CHECKER_FDS_MAX ?
		    "too many files" : strerror(errno));
		return -1;
	}
	if ((pid = fork()) == 0)
		checker_exec(m, argv, fds, n, p[1]);
	close(p[1]);
	if (pid == -1) {
		snprintf(err, errlen, "%s: %s", argv[2], strerror(errno));
		close(p[0]);
		return -1;
	}
	*in = p[0];
	return pid;
}

/* Whatever the child wrote, within the deadline; then it is reaped. */
size_t
checker_collect(pid_t pid, int in, char *buf, size_t len, int wait_ms,
    int *status)
{
	struct pollfd	pfd = { in, POLLIN, 0 };
	struct timespec	t0, t;
	size_t		got = 0;
	ssize_t		r;
	long		left;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = wait_ms - ((t.tv_sec - t0.tv_sec) * 1000 +
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

static void
job_free(struct check_job *j)
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

/* Output read to its end (or cut) and the child reaped: the answer. */
static void
job_maybe_done(struct check_job *j)
{
	struct master	*m = j->m;

	if (j->in != -1 || !j->reaped)
		return;
	*j->slot = NULL;
	j->out[j->got] = '\0';
	j->done(m, j->pid, j->out, j->got, j->status, 0, j->arg);
	job_free(j);
	if (m->reload_again && !m->stopping && m->acheck == NULL &&
	    m->ccheck == NULL) {
		m->reload_again = 0;
		master_reload(m);
	}
}

/* No more output to take: it is gone either way once killed. */
static void
job_stop_reading(struct check_job *j)
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
	struct check_job	*j = arg;
	ssize_t			 r;

	r = read(fd, j->out + j->got, j->max - j->got);
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r > 0 && (j->got += r) < j->max)
		return;
	job_stop_reading(j);
	job_maybe_done(j);
}

static void
on_job_deadline(evutil_socket_t fd, short ev, void *arg)
{
	struct check_job *j = arg;

	log_warnx("%s %d: no answer within %d s, killed", j->what,
	    (int)j->pid, j->wait_ms / 1000);
	job_stop_reading(j);
	job_maybe_done(j);
}

void
checker_job_start(struct master *m, struct check_job **slot,
    const char *what, pid_t pid, int in, size_t max, int wait_ms,
    check_job_fn done, void *arg)
{
	struct timeval		 tv = { wait_ms / 1000, 0 };
	struct check_job	*j;

	j = xcalloc(1, sizeof(*j));
	j->m = m;
	j->slot = slot;
	j->what = what;
	j->pid = pid;
	j->in = in;
	j->max = max;
	j->wait_ms = wait_ms;
	j->done = done;
	j->arg = arg;
	j->out = xmalloc(max + 1);
	if (fcntl(in, F_SETFL, O_NONBLOCK) == -1 ||
	    (j->read_ev = event_new(m->base, in, EV_READ | EV_PERSIST,
	    on_job_read, j)) == NULL ||
	    (j->timer = evtimer_new(m->base, on_job_deadline, j)) == NULL ||
	    event_add(j->read_ev, NULL) == -1 || evtimer_add(j->timer, &tv) == -1)
		fatalx("%s events", what);
	*slot = j;
}

static int
job_reaped(struct check_job *j, pid_t pid, int status)
{
	if (j == NULL || j->pid != pid || j->reaped)
		return 0;
	j->reaped = 1;
	j->status = status;
	job_maybe_done(j);
	return 1;
}

/* From spawn_reap: the exit status of a checker's child, if pid is one. */
int
checker_reaped(struct master *m, pid_t pid, int status)
{
	return job_reaped(m->acheck, pid, status) ||
	    job_reaped(m->ccheck, pid, status);
}

/* At shutdown: the child is killed and reaped, its job told so. */
void
checker_cancel(struct master *m, struct check_job **slot)
{
	struct check_job *j = *slot;

	if (j == NULL)
		return;
	*slot = NULL;
	if (!j->reaped) {
		kill(j->pid, SIGKILL);
		while (waitpid(j->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	j->out[0] = '\0';
	j->done(m, j->pid, j->out, 0, 0, 1, j->arg);
	job_free(j);
}
