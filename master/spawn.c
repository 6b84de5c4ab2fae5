/*
 * spawn.c: start, wire and supervise the compartments.
 *
 * A worker is started by fork (or clone into new namespaces in jail mode)
 * and exec of bulkhead itself with its role, so that every compartment is a
 * fresh image with its own address-space layout.  Its channel to master is
 * fd 3; smtpd's listeners follow from fd 4.  Peer channels are created by
 * master and handed to both ends with IPC_SETUP_PEER, at start and again
 * whenever one end is restarted.  A worker that dies is restarted with
 * backoff; the others keep running.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "privsep/compartment.h"
#include "privsep/ipc_codec.h"
#include "privsep/ipc_msgs.h"
#include "master/master.h"
#include "conf/own_addrs.h"
#include "privsep/sandbox.h"

#define BACKOFF_MAX	60	/* seconds */
#define STABLE_AFTER	30	/* a worker that lived this long restarts at once */
#define RETIRE_GRACE	60	/* a retired lookup still there is killed */
#define REPORT_LIMIT	3	/* a compartment's reports believed ... */
#define REPORT_WINDOW	60	/* ... per this many seconds */
#define REQUEST_LIMIT	500	/* requests a second; more: a flood */
#define OUTQ_MAX	1024	/* messages master keeps for one worker */
#define LOG_LINES_MAX	1000	/* a worker's log lines a second */

static const enum bh_role worker_roles[] = {
	/* keys before smtpd: its first handshakes find the oracle */
	ROLE_LOOKUP, ROLE_QUEUE, ROLE_LOCAL, ROLE_KEYS, ROLE_SMTPD, ROLE_PICKUP,
	ROLE_RELAY, ROLE_AUTH, ROLE_DNS
};

void master_worker_msg(struct ipc_chan *, const struct ipc_hdr *,
    const union ipc_msg *, int, void *);
void master_worker_closed(struct ipc_chan *, const char *, int, void *);

/* Jail mode: the namespaces of the role's row (compartment.c). */
static int
clone_flags(const struct master *m, enum bh_role role)
{
	if (m->cf.sandbox != SANDBOX_JAIL)
		return 0;
	return compartment(role)->jail_clone;
}

/* Move fds to 3, 4, ... without clobbering one another. */
static void
place_fds(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 64)) == -1)
			_exit(127);
	for (i = 0; i < n; i++)
		if (dup2(fds[i], 3 + i) == -1)
			_exit(127);
	syscall(SYS_close_range, 3 + n, ~0U, 0);
}

/*
 * Fork/clone + exec.  In the child only async-signal-safe calls.  Its
 * stdio: /dev/null, and stderr with -d a pipe to master's log path
 * (child_log.c), never the terminal.
 */
static pid_t
start_process(struct master *m, int flags, int *fds, int nfds,
    char *const argv[])
{
	static char *const	envp[] = { NULL };
	pid_t			pid;
	int			errw, errr;

	errw = child_log_open(m, &errr);
	pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL,
	    NULL, 0);
	if (pid != 0) {
		child_log_watch(m, errr, errw, argv[2], pid);
		return pid;
	}
	if (child_log_stdio(errw) == -1)
		_exit(127);
	place_fds(fds, nfds);
	execve(m->self_exe, argv, envp);
	_exit(127);
}

/* Hand both ends of a new channel to a and b. */
static void
wire_pair(struct master *m, enum bh_role a, enum bh_role b)
{
	uint8_t			buf[16];
	struct wbuf		wb;
	struct msg_setup_peer	sp;
	int			sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair for %s-%s", ipc_role_name(a),
		    ipc_role_name(b));
		return;
	}
	sp.role = b;
	wb_init(&wb, buf, sizeof(buf));
	enc_setup_peer(&wb, &sp);
	ipc_note(m->workers[a].chan, IPC_SETUP_PEER, &wb, sv[0]);
	sp.role = a;
	wb_init(&wb, buf, sizeof(buf));
	enc_setup_peer(&wb, &sp);
	ipc_note(m->workers[b].chan, IPC_SETUP_PEER, &wb, sv[1]);
}

/* The channels of role that the compartment table asks for, each pair
   once (a < b), to the workers that are running. */
static void
wire_peers(struct master *m, enum bh_role role)
{
	enum bh_role	a, b;

	for (a = ROLE_SMTPD; a < ROLE_COUNT; a++)
		for (b = a + 1; b < ROLE_COUNT; b++)
			if ((a == role || b == role) &&
			    compartment_wired(a, b) &&
			    m->workers[a].chan != NULL &&
			    m->workers[b].chan != NULL)
				wire_pair(m, a, b);
}

/*
 * A start that failed (no fds, no processes) is tried again with the
 * same backoff as a crash: master never gives a compartment up.
 */
static void
restart_later(struct worker *w)
{
	struct timeval tv = { w->backoff, 0 };

	if (w->restart_ev == NULL || w->m->stopping)
		return;
	log_warnx("restarting %s in %lds", ipc_role_name(w->role),
	    (long)tv.tv_sec);
	w->backoff = w->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
	    w->backoff * 2;
	evtimer_add(w->restart_ev, &tv);
}

static void
spawn_worker(struct master *m, enum bh_role role)
{
	struct worker	*w = &m->workers[role];
	static char	 own[4096];
	char		 nlis[24], *argv[16];
	int		 fds[1 + LISTENER_MAX], nfds = 0, argc = 0, sv[2];
	size_t		 i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair for %s", ipc_role_name(role));
		restart_later(w);
		return;
	}
	fds[nfds++] = sv[1];
	if (role == ROLE_SMTPD)
		for (i = 0; i < m->nlis; i++)
			fds[nfds++] = m->lis[i].fd;
	snprintf(nlis, sizeof(nlis), "%zu", role == ROLE_SMTPD ? m->nlis : 0);
	/* queue serves the control socket: its one "listener". */
	if (role == ROLE_QUEUE && m->control_fd != -1) {
		fds[nfds++] = m->control_fd;
		snprintf(nlis, sizeof(nlis), "1");
	}

	argv[argc++] = "bulkhead";
	argv[argc++] = "-x";
	argv[argc++] = (char *)ipc_role_name(role);
	argv[argc++] = "-c";
	argv[argc++] = m->confdir;
	argv[argc++] = "-L";
	argv[argc++] = nlis;
	argv[argc++] = "-S";
	argv[argc++] = (char *)seccomp_get_mode();
	/*
	 * This host's addresses: lookup's domain literals (it may have a
	 * network namespace of its own: our view), dns's MX hosts that are
	 * this host.
	 */
	if (role == ROLE_LOOKUP || role == ROLE_DNS) {
		own_addrs_string(&m->cf, own, sizeof(own));
		if (own[0] != '\0') {
			argv[argc++] = "-A";
			argv[argc++] = own;
		}
	}
	if (m->verbose)
		argv[argc++] = "-v";
	argv[argc] = NULL;

	w->pid = start_process(m, clone_flags(m, role), fds, nfds, argv);
	close(sv[1]);
	if (w->pid == -1) {
		log_warn("cannot start %s", ipc_role_name(role));
		close(sv[0]);
		w->pid = 0;
		restart_later(w);
		return;
	}
	w->role = role;
	w->m = m;
	w->started = time(NULL);
	w->chan = ipc_chan_new(m->base, sv[0], ROLE_MASTER, role,
	    master_worker_msg, master_worker_closed, w);
	ipc_chan_await_ready(w->chan);	/* LOG and READY, nothing else */
	ipc_chan_set_outq_max(w->chan, OUTQ_MAX);
	w->asked = 0;
	w->accused = 0;
	log_info("started %s (pid %d)", ipc_role_name(role), (int)w->pid);
	wire_peers(m, role);
}

static void
restart_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct worker *w = arg;

	if (!w->m->stopping && w->pid == 0)
		spawn_worker(w->m, w->role);
}

void
spawn_all(struct master *m)
{
	size_t i;

	/* Master's channels decode only what master receives. */
	ipc_codecs_use(ipc_codecs_master);
	for (i = 0; i < sizeof(worker_roles) / sizeof(worker_roles[0]); i++) {
		struct worker *w = &m->workers[worker_roles[i]];

		w->role = worker_roles[i];
		w->m = m;
		w->backoff = 1;
		rl_init(&w->reports, REPORT_LIMIT, REPORT_WINDOW);
		rl_init(&w->requests, REQUEST_LIMIT, 1);
		rl_init(&w->logs, LOG_LINES_MAX, 1);
		if (w->restart_ev == NULL &&
		    (w->restart_ev = evtimer_new(m->base, restart_cb, w))
		    == NULL)
			fatalx("evtimer_new");
		spawn_worker(m, worker_roles[i]);
	}
}

static void
describe_death(char *buf, size_t len, int status)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		snprintf(buf, len, "killed by SIGSYS: seccomp violation "
		    "(a forbidden system call)");
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
}

static void
worker_died(struct master *m, struct worker *w, int status)
{
	struct timeval	tv = { 0, 0 };
	char		how[128];
	time_t		lived = time(NULL) - w->started;

	log_suppressed(w);
	describe_death(how, sizeof(how), status);
	if (m->stopping || w->asked)
		log_info("%s (pid %d) %s", ipc_role_name(w->role),
		    (int)w->pid, how);
	else
		log_warnx("%s (pid %d) %s", ipc_role_name(w->role),
		    (int)w->pid, how);
	include_chan_gone(m, w->chan);
	ipc_chan_free(w->chan);
	w->chan = NULL;
	w->pid = 0;
	if (m->stopping)
		return;
	/*
	 * A worker that keeps dying at once is throttled, not spun.  One
	 * killed on a peer's unproven report is restarted at once and its
	 * backoff left as it was: the report may be a lie (how often a
	 * compartment's reports are believed is limited, master.c).
	 */
	if (w->accused)
		;
	else if (lived >= STABLE_AFTER || w->asked)
		w->backoff = 1;
	else {
		tv.tv_sec = w->backoff;
		w->backoff = w->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
		    w->backoff * 2;
		log_warnx("restarting %s in %lds", ipc_role_name(w->role),
		    (long)tv.tv_sec);
	}
	evtimer_add(w->restart_ev, &tv);
}

/* A retired worker exited (it should: its peers closed their ends). */
static int
retired_reaped(struct master *m, pid_t pid, int status)
{
	struct worker	*w;
	char		 how[128];
	size_t		 i;

	for (i = 0; i < RETIRED_MAX; i++) {
		w = &m->retired[i];
		if (w->pid != pid || pid <= 0)
			continue;
		describe_death(how, sizeof(how), status);
		log_info("retired %s (pid %d) %s", ipc_role_name(w->role),
		    (int)pid, how);
		ipc_chan_free(w->chan);
		if (w->retire_ev != NULL)
			event_free(w->retire_ev);
		memset(w, 0, sizeof(*w));
		return 1;
	}
	return 0;
}

void
spawn_reap(struct master *m)
{
	pid_t	pid;
	int	status, r;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (retired_reaped(m, pid, status) ||
		    include_reaped(m, pid, status) ||
		    checker_reaped(m, pid, status))
			continue;
		for (r = 0; r < ROLE_COUNT; r++)
			if (m->workers[r].pid == pid) {
				worker_died(m, &m->workers[r], status);
				break;
			}
		if (r == ROLE_COUNT && !writer_reaped(m, pid, status))
			log_warnx("reaped unknown child %d", (int)pid);
	}
}

void
spawn_stop_all(struct master *m, int sig)
{
	int r;

	for (r = 0; r < ROLE_COUNT; r++)
		if (m->workers[r].pid > 0) {
			m->workers[r].asked = 1;
			kill(m->workers[r].pid, sig);
		}
	for (r = 0; r < RETIRED_MAX; r++)
		if (m->retired[r].pid > 0)
			kill(m->retired[r].pid, sig);
}

int
spawn_running(const struct master *m)
{
	int r, n = 0;

	for (r = 0; r < ROLE_COUNT; r++)
		if (m->workers[r].pid > 0)
			n++;
	for (r = 0; r < RETIRED_MAX; r++)
		if (m->retired[r].pid > 0)
			n++;
	return n + m->nwriters;
}

/* This worker broke the protocol: master never argues, it kills it. */
void
spawn_kill_worker(struct worker *w, const char *why)
{
	if (w->pid <= 0)
		return;
	log_security("killing %s (pid %d): %s", ipc_role_name(w->role),
	    (int)w->pid, why);
	kill(w->pid, SIGKILL);
}

/*
 * A peer reports a violation by role: which process of that role sent
 * it is not known, so the retired ones go too (they owe little).
 */
void
spawn_kill(struct master *m, enum bh_role role, const char *why)
{
	size_t	i;

	if (m->workers[role].pid > 0)
		m->workers[role].accused = 1;
	spawn_kill_worker(&m->workers[role], why);
	for (i = 0; i < RETIRED_MAX; i++)
		if (m->retired[i].role == role)
			spawn_kill_worker(&m->retired[i], why);
}

/* A fresh channel between a and b (both running), replacing the old. */
void
spawn_rewire(struct master *m, enum bh_role a, enum bh_role b)
{
	if (m->workers[a].chan != NULL && m->workers[b].chan != NULL &&
	    compartment_wired(a, b))
		wire_pair(m, a, b);
}

static void
retire_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct worker *w = arg;

	if (w->pid > 0) {
		log_warnx("retired %s (pid %d) still running after %ds: "
		    "killing it", ipc_role_name(w->role), (int)w->pid,
		    RETIRE_GRACE);
		kill(w->pid, SIGKILL);
	}
}

/*
 * A planned replacement (lookup, for a new snapshot of accounts and
 * aliases): start the new worker and wire it to its peers at once, so
 * that they send new requests there; tell the old one (IPC_SIG_RETIRE)
 * to exit once its peers have closed their ends, which they do when it
 * has answered what they asked.  It keeps its channel to master (its log
 * lines) and nothing more; a retired worker that lingers is killed after
 * RETIRE_GRACE.  Without a free slot, or with no worker running, this is
 * a plain restart.
 */
void
spawn_handover(struct master *m, enum bh_role role)
{
	struct worker	*w = &m->workers[role], *r = NULL;
	struct timeval	 tv = { RETIRE_GRACE, 0 };
	size_t		 i;

	for (i = 0; i < RETIRED_MAX && r == NULL; i++)
		if (m->retired[i].pid == 0)
			r = &m->retired[i];
	if (w->pid <= 0 || w->chan == NULL || r == NULL) {
		spawn_restart(m, role);
		return;
	}
	memset(r, 0, sizeof(*r));
	r->role = role;
	r->pid = w->pid;
	r->chan = w->chan;
	r->started = w->started;
	r->asked = 1;
	r->m = m;
	r->reports = w->reports;
	r->requests = w->requests;
	r->logs = w->logs;
	ipc_chan_set_arg(r->chan, r);
	if ((r->retire_ev = evtimer_new(m->base, retire_timeout, r)) == NULL ||
	    evtimer_add(r->retire_ev, &tv) == -1)
		fatalx("evtimer_new");
	w->pid = 0;
	w->chan = NULL;
	spawn_worker(m, role);
	if (w->pid == 0) {
		/* No new one: the peers keep the old until it is killed. */
		tv.tv_sec = 1;
		evtimer_add(w->restart_ev, &tv);
	}
	log_info("retiring %s (pid %d)", ipc_role_name(role), (int)r->pid);
	kill(r->pid, IPC_SIG_RETIRE);
}

/* An orderly restart (new snapshot, new configuration): no backoff. */
void
spawn_restart(struct master *m, enum bh_role role)
{
	struct worker *w = &m->workers[role];

	if (w->pid > 0) {
		w->asked = 1;
		kill(w->pid, SIGTERM);
	}
}
