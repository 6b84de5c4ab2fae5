/*
 * include_verify.c: an :include: chain verified before master touches a
 * path local names, without master ever waiting for it.
 *
 * For each link of the chain (alias -> first file -> ... -> last file):
 * a runner in verify mode ("bulkhead -x runner -V", it runs nothing)
 * with the rights of the file that names the link (the alias file's
 * owner, default_privs for root, for the first) checks that the file
 * lists it; only then is the linked file examined (lstat), in a child
 * with the same rights, and its owner, who must pass a mailbox writer's
 * account rules, verifies the next link.  Whatever local names, an
 * unlisted path gets one answer, so nothing about it (whether it exists,
 * whose it is) leaks.
 *
 * Those children run as users, who may stop them (SIGSTOP), so each
 * check is a small state machine in master's event loop: a child's
 * answer (the verifier's exit status; the prober's stat, on a pipe)
 * is taken when master reaps it (spawn_reap, on SIGCHLD), and a timer
 * kills a child that has not answered within VERIFY_WAIT: the request
 * is then deferred (4.3.0).  Meanwhile master serves everyone else.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/xmalloc.h"
#include "privsep/ipc_msgs.h"
#include "privsep/mailbox_path.h"
#include "master/master.h"
#include "privsep/sandbox.h"

#define VERIFY_WAIT	5	/* seconds for each child */

#define CANNOT_EXAMINE	"cannot examine the alias or :include: file"
#define CANNOT_VERIFY	"cannot verify the :include: chain"

/* What the prober writes on its pipe. */
struct probe {
	int		err;		/* 0, or lstat's errno */
	struct stat	st;
};

enum step {
	STEP_VERIFY,		/* a verifier checks that link i is listed */
	STEP_PROBE,		/* a prober examines link i */
	STEP_DONE		/* answered; freed when its child is reaped */
};

struct include_check {
	struct include_check	*next;
	struct master		*m;
	struct ipc_chan		*chan;		/* local's; NULL once gone */
	uint32_t		 id;
	struct msg_runner_open	 req;
	char			 alias_file[PATH_MAX];
	char			 name[IPC_USER_MAX + 1];	/* printable */
	uid_t			 alias_owner;
	uint32_t		 i;		/* the link in question */
	enum step		 step;
	struct runner_target	 t;		/* the rights for link i */
	struct stat		 st;		/* the file that names link i */
	pid_t			 pid;		/* its child, or 0 */
	int			 probe_fd;	/* the prober's pipe, or -1 */
	struct event		*timer;
};

static void step_verify(struct include_check *);

static void
check_free(struct include_check *cc)
{
	struct include_check **pp;

	for (pp = &cc->m->checks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == cc) {
			*pp = cc->next;
			break;
		}
	cc->m->nchecks--;
	if (cc->timer != NULL)
		event_free(cc->timer);
	if (cc->probe_fd != -1)
		close(cc->probe_fd);
	free(cc);
}

/*
 * The answer to local: a refusal (why), or on with the runner.  The
 * check itself lives on until its child, if any, is reaped.
 */
static void
check_finish(struct include_check *cc, const char *why, const char *dsn,
    int security)
{
	struct master *m = cc->m;

	cc->step = STEP_DONE;
	evtimer_del(cc->timer);
	if (cc->chan != NULL) {
		if (why == NULL && (cc->req.map >= m->cf.alias_maps.n ||
		    strcmp(m->cf.alias_maps.v[cc->req.map], cc->alias_file)
		    != 0)) {
			why = "alias_maps changed while the :include: chain "
			    "was verified";
			dsn = "4.3.0";
			security = 0;
		}
		if (why != NULL)
			runner_refuse(cc->chan, cc->id, cc->name, why, dsn,
			    security);
		else
			runner_continue(m, cc->chan, cc->id, &cc->req, &cc->st);
	}
	if (cc->pid == 0)
		check_free(cc);
}

static void
on_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct include_check *cc = arg;

	log_warnx("%s (pid %d) for %s did not answer within %ds: killed",
	    cc->step == STEP_VERIFY ? "verifying runner" : ":include: prober",
	    (int)cc->pid, cc->name, VERIFY_WAIT);
	if (cc->pid > 0)
		kill(cc->pid, SIGKILL);
	check_finish(cc, cc->step == STEP_VERIFY ? CANNOT_VERIFY :
	    CANNOT_EXAMINE, "4.3.0", 0);
}

/* A child started for cc: answer within VERIFY_WAIT, or be killed. */
static void
child_started(struct include_check *cc, enum step step, pid_t pid)
{
	struct timeval tv = { VERIFY_WAIT, 0 };

	cc->step = step;
	cc->pid = pid;
	evtimer_add(cc->timer, &tv);
}

/*
 * "bulkhead -x runner -V" as cc->t: does the alias (in master's own
 * alias file) list chain[0], and each file up to chain[i] the next?  It
 * reads nothing else, and runs nothing.  Its pid, or -1.
 */
static pid_t
fork_verifier(struct include_check *cc)
{
	static char *const	 envp[] = { NULL };
	struct master		*m = cc->m;
	struct runner_ids	 ids;
	char			 tl[24];
	char			*argv[40 + 2 * IPC_INCLUDE_DEPTH];
	int			 argc = 0, sv[2], errw, errr;
	uint32_t		 k;
	pid_t			 pid;

	snprintf(tl, sizeof(tl), "%ld", m->cf.command_time_limit);
	argv[argc++] = "bulkhead";
	argv[argc++] = "-x";
	argv[argc++] = "runner";
	argv[argc++] = "-V";
	argc = runner_add_identity(argv, argc, &cc->t, cc->alias_owner, &ids);
	argv[argc++] = "-A";
	argv[argc++] = cc->alias_file;
	for (k = 0; k < cc->i; k++) {
		argv[argc++] = "-I";
		argv[argc++] = cc->req.chain[k];
	}
	argv[argc++] = "-n";
	argv[argc++] = cc->req.name;
	argv[argc++] = "-k";
	argv[argc++] = "include";
	argv[argc++] = "-t";
	argv[argc++] = cc->req.chain[cc->i];
	argv[argc++] = "-T";
	argv[argc++] = tl;
	argv[argc++] = "-S";
	argv[argc++] = (char *)seccomp_get_mode();
	argv[argc] = NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	errw = child_log_open(m, &errr);
	if ((pid = fork()) == 0) {
		if (child_log_stdio(errw) == -1 || dup2(sv[1], 3) == -1)
			_exit(127);
		syscall(SYS_close_range, 4, ~0U, 0);
		execve(m->self_exe, argv, envp);
		_exit(127);
	}
	close(sv[0]);
	close(sv[1]);
	child_log_watch(m, errr, errw, "runner", pid);
	return pid;
}

/*
 * lstat(path) with uid's and gid's rights only, in a child: master, as
 * root, would see through every directory, and its answer would tell a
 * compromised local whether a root-only file exists.  The child keeps
 * only its end of the pipe.  Its pid, or -1.
 */
static pid_t
fork_prober(struct include_check *cc)
{
	struct probe	 pr;
	const char	*path = cc->req.chain[cc->i];
	uid_t		 uid = cc->t.uid;
	gid_t		 gid = cc->t.gid;
	int		 p[2];
	pid_t		 pid;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		memset(&pr, 0, sizeof(pr));
		if (child_log_stdio(-1) == -1 || dup2(p[1], 3) == -1)
			_exit(1);
		syscall(SYS_close_range, 4, ~0U, 0);
		if (setgroups(1, &gid) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1)
			_exit(1);
		if (lstat(path, &pr.st) == -1)
			pr.err = errno ? errno : EIO;
		_exit(write(3, &pr, sizeof(pr)) == sizeof(pr) ? 0 : 1);
	}
	close(p[1]);
	if (pid == -1)
		close(p[0]);
	else
		cc->probe_fd = p[0];
	return pid;
}

/* Link i is listed: examine it with the rights of the file naming it. */
static void
step_probe(struct include_check *cc)
{
	pid_t pid;

	if ((pid = fork_prober(cc)) == -1) {
		log_warn("cannot fork an :include: prober for %s", cc->name);
		check_finish(cc, CANNOT_EXAMINE, "4.3.0", 0);
		return;
	}
	child_started(cc, STEP_PROBE, pid);
}

/* cc->st is the file that names link i: its owner verifies the link. */
static void
step_verify(struct include_check *cc)
{
	struct master	*m = cc->m;
	struct passwd	*pw;
	const char	*dsn;
	int		 sec;
	pid_t		 pid;

	if ((pw = owner_account(m, cc->st.st_uid)) == NULL ||
	    pw->pw_uid == 0 || pw->pw_gid == 0 ||
	    take_account(pw, &cc->t) != NULL) {
		check_finish(cc, CANNOT_EXAMINE, "4.3.0", 0);
		return;
	}
	if (cc->i > 0 && cc->st.st_uid != 0 && account_refusal(pw->pw_name,
	    pw->pw_uid, pw->pw_gid, pw->pw_dir, m->cf.local_minimum_uid,
	    &dsn, &sec) != NULL) {
		check_finish(cc, ":include: file owner is not an account mail "
		    "may run as (system account or below local_minimum_uid)",
		    "4.7.0", 1);
		return;
	}
	if ((pid = fork_verifier(cc)) == -1) {
		log_warn("cannot start a verifying runner for %s", cc->name);
		check_finish(cc, CANNOT_VERIFY, "4.3.0", 0);
		return;
	}
	child_started(cc, STEP_VERIFY, pid);
}

/* The verifier's verdict is its exit status. */
static void
verifier_done(struct include_check *cc, int status)
{
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	if (rc == RUNNER_EXIT_REFUSED)
		check_finish(cc, "the alias or :include: file does not list "
		    "that :include: file", "4.7.0", 1);
	else if (rc != RUNNER_EXIT_LISTED)
		check_finish(cc, CANNOT_VERIFY, "4.3.0", 0);
	else
		step_probe(cc);
}

/* The prober wrote its answer before it exited: it is in the pipe. */
static void
prober_done(struct include_check *cc, int status)
{
	struct probe	pr;
	ssize_t		n;

	n = read(cc->probe_fd, &pr, sizeof(pr));
	close(cc->probe_fd);
	cc->probe_fd = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    n != (ssize_t)sizeof(pr) || pr.err != 0) {
		check_finish(cc, CANNOT_EXAMINE, "4.3.0", 0);
		return;
	}
	cc->st = pr.st;
	if (++cc->i >= cc->req.depth || cc->i >= IPC_INCLUDE_DEPTH)
		check_finish(cc, NULL, NULL, 0);	/* the chain holds */
	else
		step_verify(cc);
}

/* From spawn_reap: is pid one of ours?  Then its answer moves us on. */
int
include_reaped(struct master *m, pid_t pid, int status)
{
	struct include_check *cc;

	for (cc = m->checks; cc != NULL; cc = cc->next)
		if (cc->pid == pid)
			break;
	if (cc == NULL || pid <= 0)
		return 0;
	cc->pid = 0;
	evtimer_del(cc->timer);
	switch (cc->step) {
	case STEP_VERIFY:
		verifier_done(cc, status);
		break;
	case STEP_PROBE:
		prober_done(cc, status);
		break;
	case STEP_DONE:
		check_free(cc);
		break;
	}
	return 1;
}

/* local's channel is gone: nobody waits for these answers any more. */
void
include_chan_gone(struct master *m, struct ipc_chan *c)
{
	struct include_check *cc, *next;

	for (cc = m->checks; cc != NULL; cc = next) {
		next = cc->next;
		if (cc->chan != c || c == NULL)
			continue;
		cc->chan = NULL;
		if (cc->step != STEP_DONE) {
			if (cc->pid > 0)
				kill(cc->pid, SIGKILL);
			check_finish(cc, NULL, NULL, 0);
		}
	}
}

/* Shutdown: the verifiers and probers go at once (they deliver nothing). */
void
include_stop_all(struct master *m)
{
	struct include_check *cc;

	for (cc = m->checks; cc != NULL; cc = cc->next) {
		cc->chan = NULL;
		if (cc->pid > 0)
			kill(cc->pid, SIGKILL);
	}
}

void
include_verify_start(struct master *m, struct ipc_chan *c, uint32_t id,
    const struct msg_runner_open *req)
{
	struct include_check	*cc;
	char			 name[IPC_USER_MAX + 1];

	printable(name, req->name, sizeof(name));
	/* As many at once as writers and runners; each holds a child. */
	if (m->nchecks >= (size_t)m->cf.local_writer_limit) {
		runner_refuse(c, id, name, "too many :include: chains being "
		    "verified", "4.3.2", 0);
		return;
	}
	cc = xcalloc(1, sizeof(*cc));
	cc->m = m;
	cc->chan = c;
	cc->id = id;
	cc->req = *req;
	cc->probe_fd = -1;
	memcpy(cc->name, name, sizeof(cc->name));
	if ((cc->timer = evtimer_new(m->base, on_timeout, cc)) == NULL)
		fatalx("include_verify: evtimer_new");
	cc->next = m->checks;
	m->checks = cc;
	m->nchecks++;
	if (strlcpy(cc->alias_file, m->cf.alias_maps.v[req->map],
	    sizeof(cc->alias_file)) >= sizeof(cc->alias_file) ||
	    lstat(cc->alias_file, &cc->st) == -1) {
		check_finish(cc, CANNOT_EXAMINE, "4.3.0", 0);
		return;
	}
	cc->alias_owner = cc->st.st_uid;
	step_verify(cc);
}
