/*
 * master.c: the root process.  It reads the configuration, opens the
 * listeners, starts and supervises the compartments, and forks writers.
 * It never reads a byte that came from the network.
 *
 * Handlers:
 *   master_worker_msg	 a message from a compartment
 *   master_worker_closed a compartment's channel died
 *   on_sigchld		 reap and restart
 *   on_sighup		 reload the configuration
 *   on_sigterm		 orderly shutdown
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/xmalloc.h"
#include "privsep/compartment.h"
#include "privsep/ipc_msgs.h"
#include "privsep/control.h"
#include "master/master.h"
#include "privsep/sandbox.h"

#define STOP_GRACE	5	/* seconds before SIGKILL at shutdown */

/* How master runs: as a daemon, -d (foreground, log to stderr) or -F. */
#define MASTER_DAEMON		0
#define MASTER_DEBUG		1
#define MASTER_FOREGROUND	2
int	master_main(const char *confdir, int mode, int verbose);
void	master_worker_msg(struct ipc_chan *, const struct ipc_hdr *,
	    const union ipc_msg *, int, void *);
void	master_worker_closed(struct ipc_chan *, const char *, int, void *);

/* Say how many of w's lines were dropped since the last it logged. */
void
log_suppressed(struct worker *w)
{
	char		line[64];
	unsigned long	n;

	if ((n = rl_take_dropped(&w->logs)) == 0)
		return;
	snprintf(line, sizeof(line), "%lu lines suppressed", n);
	log_emit_as(LOG_WARNING, ipc_role_name(w->role), w->pid, line);
}

/*
 * Untrusted text: controls stripped, the tag names the role and pid
 * master knows, the priority clamped (at most LOG_ERR), and at most
 * LOG_LINES_MAX lines a second per compartment; the rest are counted.
 */
static void
on_log(struct worker *w, const struct msg_log *m)
{
	char	line[sizeof(m->line)];

	if (!rl_allow(&w->logs, time(NULL)))
		return;
	log_suppressed(w);
	log_printable(m->line, strlen(m->line), line, sizeof(line));
	log_emit_as(log_clamp_prio(m->prio), ipc_role_name(w->role), w->pid,
	    line);
}

static void
on_peer_violation(struct worker *w, const struct msg_peer_violation *m)
{
	/* Only a peer it talks to can have wronged it. */
	if (!compartment_wired(w->role, m->role)) {
		ipc_chan_fail(w->chan, "PEER_VIOLATION about a role that is "
		    "not its peer");
		return;
	}
	log_security("%s reports a protocol violation by %s: %s",
	    ipc_role_name(w->role), ipc_role_name(m->role), m->reason);
	/*
	 * Unproven: the accused is restarted without penalty, and only a
	 * few reports a minute from one compartment are believed; beyond
	 * that the two get a fresh channel and both keep running.
	 */
	if (!rl_allow(&w->reports, time(NULL))) {
		log_security("report from %s not believed: more than %u "
		    "reports in %us; new channel between %s and %s",
		    ipc_role_name(w->role), w->reports.limit,
		    w->reports.window, ipc_role_name(w->role),
		    ipc_role_name(m->role));
		spawn_rewire(w->m, w->role, m->role);
		return;
	}
	spawn_kill(w->m, m->role, "protocol violation reported by a peer");
}

/*
 * Every request costs master work as root (a passwd lookup, lstat, a
 * fork), refused or not: a worker that asks faster than any honest one
 * does is a flooder, killed and restarted with backoff.
 */
static int
request_flood(struct worker *w, struct ipc_chan *c)
{
	if (rl_allow(&w->requests, time(NULL)))
		return 0;
	log_security("request flood from %s: more than %u requests in %us",
	    ipc_role_name(w->role), w->requests.limit, w->requests.window);
	ipc_chan_fail(c, "request flood");
	return 1;
}

void
master_worker_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct worker *w = arg;

	switch (h->type) {
	case IPC_LOG:
		on_log(w, &msg->log);
		break;
	case IPC_READY:
		log_debug("%s (pid %d) is in its compartment",
		    ipc_role_name(w->role), (int)w->pid);
		break;
	case IPC_PEER_VIOLATION:
		on_peer_violation(w, &msg->peer_violation);
		break;
	case IPC_WRITER_OPEN:
		if (request_flood(w, c))
			break;
		writer_open(w->m, c, h->id, &msg->writer_open);
		break;
	case IPC_RUNNER_OPEN:
		if (request_flood(w, c))
			break;
		runner_open(w->m, c, h->id, &msg->runner_open);
		break;
	case IPC_AUTH_CONNECT:
		auth_connect(w->m, c, h->id);
		break;
	case IPC_SASL_LOOKUP:
		if (request_flood(w, c))
			break;
		sasl_lookup(w->m, c, h->id, &msg->sasl_lookup);
		break;
	default:
		ipc_chan_fail(c, "unexpected message type");
		break;
	}
	if (fd != -1)
		close(fd);
}

void
master_worker_closed(struct ipc_chan *c, const char *why, int violation,
    void *arg)
{
	struct worker *w = arg;

	if (violation)
		spawn_kill_worker(w, why);
	/* Otherwise the SIGCHLD that follows restarts it. */
}

/*
 * Master ends after its compartments and after the writers and runners
 * it forked: those are not signalled (a delivery that completes is not
 * repeated) but waited for, up to STOP_GRACE.  Without the wait a
 * writer could still add to a mailbox after "bulkhead stop" returned.
 */
static int
all_ended(const struct master *m)
{
	return spawn_running(m) == 0 && m->nkids == 0;
}

static void
on_sigchld(evutil_socket_t sig, short ev, void *arg)
{
	struct master *m = arg;

	spawn_reap(m);
	if (m->stopping && all_ended(m))
		event_base_loopexit(m->base, NULL);
}

static void
on_stop_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct master *m = arg;

	log_warnx("workers still running after %ds: killing them", STOP_GRACE);
	spawn_stop_all(m, SIGKILL);
	child_kill_all(m);
}

static void
on_sigterm(evutil_socket_t sig, short ev, void *arg)
{
	struct master	*m = arg;
	struct timeval	 tv = { STOP_GRACE, 0 };

	if (m->stopping)
		return;
	log_info("terminating on signal %d", (int)sig);
	m->stopping = 1;
	include_stop_all(m);
	checker_cancel(m, &m->ccheck);
	checker_cancel(m, &m->acheck);
	spawn_stop_all(m, SIGTERM);
	if (all_ended(m)) {
		event_base_loopexit(m->base, NULL);
		return;
	}
	m->stop_ev = evtimer_new(m->base, on_stop_timeout, m);
	evtimer_add(m->stop_ev, &tv);
}

/*
 * Reload: read both files again; on any error keep the running
 * configuration and say why.  On success the compartments are restarted
 * so that each one reads the new files.  Listeners stay as they are.
 * The alias files' check runs beside the event loop; the new
 * configuration waits for its verdict (reload_checked).
 */
static void
reload_checked(struct master *m, int ok, const char *err, void *arg)
{
	struct bh_config *cf = arg;

	if (!ok || m->stopping) {
		if (!m->stopping)
			log_warnx("reload failed, keeping the running "
			    "configuration: %s", err);
		config_free(cf);
		free(cf);
		return;
	}
	config_free(&m->cf);
	m->cf = *cf;
	free(cf);
	log_set_name(m->cf.syslog_name);
	if (!m->debug)
		log_set_file(m->cf.maillog_file);
	log_info("reloading: restarting the compartments");
	watch_reset(m);
	spawn_stop_all(m, SIGTERM);
}

/* The parser's answer: root's checks, then the alias files' check. */
static void
reload_parsed(struct master *m, struct bh_config *cf, const char *err)
{
	char	 why[CF_ERR_MAX];

	if (cf == NULL) {
		if (!m->stopping)
			log_warnx("reload failed, keeping the running "
			    "configuration: %s", err);
		return;
	}
	if (m->stopping || m->acheck != NULL) {
		/* an alias file changed meanwhile: again after its check */
		m->reload_again = !m->stopping;
		config_free(cf);
		free(cf);
		return;
	}
	if (config_check_system(cf, why, sizeof(why)) == -1 ||
	    alias_check_start(m, cf, reload_checked, cf, why,
	    sizeof(why)) == -1) {
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", why);
		config_free(cf);
		free(cf);
	}
}

void
master_reload(struct master *m)
{
	char	 err[CF_ERR_MAX];

	if (m->acheck != NULL || m->ccheck != NULL) {
		m->reload_again = 1;	/* again once the running one ends */
		return;
	}
	if (config_parse_start(m, reload_parsed, err, sizeof(err)) == -1)
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", err);
}

static void
on_sighup(evutil_socket_t sig, short ev, void *arg)
{
	master_reload(arg);
}

/* Written beside and renamed: a reader never sees it empty or half. */
static const char *
write_pid_file(const char *path)
{
	char	buf[32], tmp[PATH_MAX];
	int	fd, n;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return "path too long";
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1)
		return strerror(errno);
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, n) != n) {
		close(fd);
		unlink(tmp);
		return "short write";
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		unlink(tmp);
		return strerror(errno);
	}
	return NULL;
}

/*
 * Is pid a bulkhead master?  Not when it is gone or a zombie (a master
 * killed with SIGKILL whose parent has not reaped it yet), nor when the
 * pid now belongs to another program or to a compartment (argv[1] "-x").
 * Without /proc, any live process counts.
 */
static int
pid_is_master(pid_t pid)
{
	char	 path[64], buf[4096], self[64], *p, *comm;
	FILE	*f;
	size_t	 n;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return errno != ENOENT || access("/proc/self", F_OK) == -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) state ...": comm may hold blanks and parentheses. */
	if ((comm = strchr(buf, '(')) == NULL ||
	    (p = strrchr(comm, ')')) == NULL || p[1] != ' ')
		return 1;
	*p = '\0';
	if (p[2] == 'Z' || p[2] == 'X' || p[2] == 'x')
		return 0;
	if ((f = fopen("/proc/self/comm", "r")) == NULL)
		return 1;
	if (fgets(self, sizeof(self), f) == NULL)
		self[0] = '\0';
	fclose(f);
	self[strcspn(self, "\n")] = '\0';
	if (strcmp(comm + 1, self) != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = memchr(buf, '\0', n);
	return p == NULL || p + 1 >= buf + n || strcmp(p + 1, "-x") != 0;
}

/* Refuse to start twice: a running master in the pid file wins. */
static int
already_running(const char *path)
{
	FILE	*f;
	long	 pid = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 1 || pid == (long)getpid() || pid > INT_MAX)
		return 0;
	return pid_is_master((pid_t)pid);
}

static void
daemonize(void)
{
	int fd;

	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() == -1)
		fatal("setsid");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/*
 * Whatever started master (a shell, an init script, a terminal) leaves a
 * working directory, open files and an environment behind: none of it
 * is master's to keep or hand on.  fds 0-2 stay (on /dev/null if they
 * were closed, so no later open becomes one); every other fd is closed;
 * the environment is wiped in place (so /proc/PID/environ shows nothing
 * either) and only TZ and a fixed PATH are set again.
 */
static void
master_hygiene(void)
{
	extern char	**environ;
	char		**e, tz[128];
	const char	*v;
	int		  fd, have_tz = 0;

	if (syscall(SYS_close_range, 3U, ~0U, 0) == -1)
		fatal("close_range");
	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	if ((v = getenv("TZ")) != NULL && strlen(v) < sizeof(tz)) {
		memcpy(tz, v, strlen(v) + 1);
		have_tz = 1;
	}
	for (e = environ; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
	if (clearenv() != 0)
		fatalx("clearenv failed");
	if ((have_tz && setenv("TZ", tz, 1) == -1) ||
	    setenv("PATH", "/usr/bin:/bin:/usr/sbin:/sbin", 1) == -1)
		fatal("setenv");
}

static int
load_everything(struct master *m)
{
	char err[CF_ERR_MAX];

	if (config_parse_wait(m, &m->cf, &m->mcf, err, sizeof(err)) == -1 ||
	    config_check_system(&m->cf, err, sizeof(err)) == -1 ||
	    alias_check(m, &m->cf, err, sizeof(err)) == -1) {
		fprintf(stderr, "bulkhead: %s\n", err);
		return -1;
	}
	/* Before the listeners and the control socket of a running one. */
	if (already_running(m->cf.pid_file)) {
		fprintf(stderr, "bulkhead: already running (%s)\n",
		    m->cf.pid_file);
		return -1;
	}
	if (listeners_open(m, err, sizeof(err)) == -1) {
		fprintf(stderr, "bulkhead: %s\n", err);
		return -1;
	}
	if ((m->control_fd = control_open(m->cf.control_socket,
	    err, sizeof(err))) == -1) {
		fprintf(stderr, "bulkhead: %s\n", err);
		return -1;
	}
	return 0;
}

static void
add_signal(struct master *m, int sig, event_callback_fn cb)
{
	struct event *ev = evsignal_new(m->base, sig, cb, m);

	if (ev == NULL || evsignal_add(ev, NULL) == -1)
		fatalx("cannot handle signal %d", sig);
}

int
master_main(const char *confdir, int mode, int verbose)
{
	static struct master	 ms;
	struct master		*m = &ms;
	const char		*why;
	ssize_t			 n;
	size_t			 i;

	if (geteuid() != 0) {
		fprintf(stderr, "bulkhead: must be started as root\n");
		return 1;
	}
	master_hygiene();
	log_init("master", 1);
	log_set_verbose(verbose);
	if (realpath(confdir, m->confdir) == NULL) {
		fprintf(stderr, "bulkhead: %s: %s\n", confdir, strerror(errno));
		return 1;
	}
	if (chdir("/") == -1)
		fatal("chdir /");
	m->debug = mode == MASTER_DEBUG;
	m->verbose = verbose;
	if ((n = readlink("/proc/self/exe", m->self_exe,
	    sizeof(m->self_exe) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	m->self_exe[n] = '\0';
	if (load_everything(m) == -1)
		return 1;
	log_set_name(m->cf.syslog_name);

	/*
	 * -d logs to stderr whatever maillog_file says: it is for watching.
	 * -F stays in the foreground (systemd's Type=simple) and logs as a
	 * daemon does.
	 */
	if (mode != MASTER_DEBUG) {
		if (mode != MASTER_FOREGROUND)
			daemonize();
		log_init("master", 0);
		log_set_file(m->cf.maillog_file);
	}
	if ((why = write_pid_file(m->cf.pid_file)) != NULL)
		fatalx("pid file %s: %s", m->cf.pid_file, why);
	if ((m->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	add_signal(m, SIGCHLD, on_sigchld);
	add_signal(m, SIGTERM, on_sigterm);
	add_signal(m, SIGINT, on_sigterm);
	add_signal(m, SIGHUP, on_sighup);
	signal(SIGPIPE, SIG_IGN);

	log_info("starting bulkhead %s (sandbox %s, seccomp %s)",
	    PACKAGE_VERSION, m->cf.sandbox == SANDBOX_JAIL ? "jail" : "chroot",
	    seccomp_get_mode());
	for (i = 0; i < m->nlis; i++)
		log_info("listening on %s:%s", m->lis[i].host[0] ?
		    m->lis[i].host : "*", m->lis[i].port);
	spawn_all(m);
	watch_start(m);
	event_base_dispatch(m->base);
	unlink(m->cf.pid_file);
	unlink(m->cf.control_socket);
	log_info("stopped");
	return 0;
}
