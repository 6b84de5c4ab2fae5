/*
 * runner_fork.c: master's answer to local's IPC_RUNNER_OPEN, a |command
 * or /file target of an alias or a ~/.forward.
 *
 * local names the source (an alias file by its index in master's own
 * alias_maps and the alias name, or a user's ~/.forward) and the target.
 * master decides whose rights the delivery gets from trusted data alone:
 * the account after the writer's own checks for a ~/.forward; the alias
 * file's owner (default_privs when root owns it) for an alias.  The
 * runner it forks re-reads the source as that user and delivers only a
 * target the source really lists: local never chooses what runs.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "privsep/ipc_msgs.h"
#include "privsep/mailbox_path.h"
#include "master/master.h"
#include "privsep/sandbox.h"

/*
 * How long master waits for a child that examines a file as a user, or a
 * verifying runner: they read a small file or two, and their user may
 * stop them (SIGSTOP), so master does not wait for long.
 */
#define VERIFY_WAIT	5	/* seconds */

struct runner_target {
	uid_t	 uid;
	gid_t	 gid;
	uid_t	 owner;			/* alias file: its owner, maybe 0 */
	char	 login[IPC_USER_MAX + 1];
	char	 home[PATH_MAX];
	char	 shell[PATH_MAX];
};

static int
list_has(const struct bh_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

static const char *
take_account(const struct passwd *pw, struct runner_target *t)
{
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
	if (strlcpy(t->login, pw->pw_name, sizeof(t->login)) >=
	    sizeof(t->login) || strlcpy(t->home, pw->pw_dir != NULL ?
	    pw->pw_dir : "/", sizeof(t->home)) >= sizeof(t->home) ||
	    strlcpy(t->shell, pw->pw_shell != NULL && pw->pw_shell[0] != '\0' ?
	    pw->pw_shell : "/bin/sh", sizeof(t->shell)) >= sizeof(t->shell))
		return "account name, home or shell too long";
	return NULL;
}

/* What a probe child reports. */
struct probe {
	int		err;		/* 0, or lstat's errno */
	struct stat	st;
};

/*
 * lstat(path) with uid's and gid's rights only, in a child: master, as
 * root, would see through every directory, and its answer would tell a
 * compromised local whether a root-only file exists.
 */
static int
lstat_as(uid_t uid, gid_t gid, const char *path, struct stat *st)
{
	struct probe	 pr;
	int		 p[2], status;
	pid_t		 pid;
	ssize_t		 n;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		memset(&pr, 0, sizeof(pr));
		if (setgroups(1, &gid) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1)
			_exit(1);
		if (lstat(path, &pr.st) == -1)
			pr.err = errno ? errno : EIO;
		_exit(write(p[1], &pr, sizeof(pr)) == sizeof(pr) ? 0 : 1);
	}
	close(p[1]);
	/* It runs as the user, who may stop it: master waits a little only. */
	n = poll(&(struct pollfd){ p[0], POLLIN, 0 }, 1, VERIFY_WAIT * 1000)
	    == 1 ? read(p[0], &pr, sizeof(pr)) : -1;
	close(p[0]);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(pr) || pr.err != 0)
		return -1;
	*st = pr.st;
	return 0;
}

/* The account a file's owner stands for: default_privs for root. */
static struct passwd *
owner_account(const struct master *m, uid_t owner)
{
	return owner == 0 ? getpwnam(m->cf.default_privs) : getpwuid(owner);
}

/* Reaped within the deadline, or killed: its exit status, or -1. */
static int
wait_verifier(pid_t pid, long seconds)
{
	struct timespec	 tick = { 0, 2 * 1000 * 1000 };
	long		 n = seconds * 500;
	int		 status;
	pid_t		 r;

	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && n-- > 0)
		nanosleep(&tick, NULL);
	if (r == 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		return -1;
	}
	return r == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The runner's identity, as both runner commands take it. */
struct runner_ids {
	char	uid[16], gid[16], owner[16];
};

static int
add_identity(char **argv, int argc, const struct runner_target *t,
    uid_t owner, struct runner_ids *ids)
{
	snprintf(ids->uid, sizeof(ids->uid), "%u", (unsigned)t->uid);
	snprintf(ids->gid, sizeof(ids->gid), "%u", (unsigned)t->gid);
	snprintf(ids->owner, sizeof(ids->owner), "%u", (unsigned)owner);
	argv[argc++] = "-u";
	argv[argc++] = ids->uid;
	argv[argc++] = "-g";
	argv[argc++] = ids->gid;
	argv[argc++] = "-L";
	argv[argc++] = (char *)t->login;
	argv[argc++] = "-H";
	argv[argc++] = (char *)t->home;
	argv[argc++] = "-E";
	argv[argc++] = (char *)t->shell;
	argv[argc++] = "-O";
	argv[argc++] = ids->owner;
	return argc;
}

/*
 * "bulkhead -x runner -V" as t: does the alias (in master's own alias
 * file) list chain[0], and each file up to chain[i] the next?  It reads
 * nothing else, and runs nothing.  Its exit status, or -1.
 */
static int
verify_link(struct master *m, const struct msg_runner_open *req, uint32_t i,
    const struct runner_target *t, uid_t alias_owner)
{
	static char *const	 envp[] = { NULL };
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
	argc = add_identity(argv, argc, t, alias_owner, &ids);
	argv[argc++] = "-A";
	argv[argc++] = m->cf.alias_maps.v[req->map];
	for (k = 0; k < i; k++) {
		argv[argc++] = "-I";
		argv[argc++] = (char *)req->chain[k];
	}
	argv[argc++] = "-n";
	argv[argc++] = (char *)req->name;
	argv[argc++] = "-k";
	argv[argc++] = "include";
	argv[argc++] = "-t";
	argv[argc++] = (char *)req->chain[i];
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
	return pid == -1 ? -1 : wait_verifier(pid, VERIFY_WAIT);
}

/*
 * An :include: chain, verified before any of its paths is touched: a
 * runner with the alias file owner's rights (default_privs for root)
 * checks that the alias lists the first file; only then is that file
 * examined, with the same rights, and the next link is checked by a
 * runner as its owner, who must pass a mailbox writer's account rules.
 * Whatever local names, an unlisted path gets one answer, so nothing
 * about it (whether it exists, whose it is) leaks.  The last file's
 * stat goes to *last.
 */
static const char *
chain_verify(struct master *m, const struct msg_runner_open *req,
    struct stat *last, const char **dsn, int *security)
{
	struct runner_target	 t;
	struct stat		 st;
	struct passwd		*pw;
	uid_t			 alias_owner;
	uint32_t		 i;
	int			 rc, sec;

	*dsn = "4.3.0";
	*security = 0;
	if (lstat(m->cf.alias_maps.v[req->map], &st) == -1)
		return "cannot examine the alias or :include: file";
	alias_owner = st.st_uid;
	for (i = 0; i < req->depth && i < IPC_INCLUDE_DEPTH; i++) {
		if ((pw = owner_account(m, st.st_uid)) == NULL ||
		    pw->pw_uid == 0 || pw->pw_gid == 0 ||
		    take_account(pw, &t) != NULL)
			return "cannot examine the alias or :include: file";
		if (i > 0 && st.st_uid != 0 && account_refusal(pw->pw_name,
		    pw->pw_uid, pw->pw_gid, pw->pw_dir,
		    m->cf.local_minimum_uid, dsn, &sec) != NULL) {
			*dsn = "4.7.0";
			*security = 1;
			return ":include: file owner is not an account mail "
			    "may run as (system account or below "
			    "local_minimum_uid)";
		}
		if ((rc = verify_link(m, req, i, &t, alias_owner)) ==
		    RUNNER_EXIT_REFUSED) {
			*dsn = "4.7.0";
			*security = 1;
			return "the alias or :include: file does not list that "
			    ":include: file";
		}
		*dsn = "4.3.0";
		if (rc != RUNNER_EXIT_LISTED)
			return "cannot verify the :include: chain";
		if (lstat_as(t.uid, t.gid, req->chain[i], &st) == -1)
			return "cannot examine the alias or :include: file";
	}
	*last = st;
	return NULL;
}

/*
 * An alias file of master's alias_maps, or the :include: file that lists
 * the target: a regular file (never a link) whose owner's rights the
 * delivery gets, default_privs for root (Postfix's rule).  The runner
 * checks that the file lists the target; here only whose it is counts.
 */
static const char *
alias_owner(struct master *m, const struct msg_runner_open *req,
    struct runner_target *t, const char **dsn, int *security)
{
	struct stat	 st;
	struct passwd	*pw;
	const char	*path, *why;

	memset(&st, 0, sizeof(st));	/* no file examined: not regular */
	*dsn = "4.7.0";
	*security = 1;
	if (req->map >= m->cf.alias_maps.n)
		return "no such alias_maps entry";
	path = req->depth > 0 && req->kind != RUNNER_INCLUDE ?
	    req->chain[req->depth - 1] : m->cf.alias_maps.v[req->map];
	if (req->depth > 0 && (why = chain_verify(m, req, &st, dsn,
	    security)) != NULL)
		return why;
	*dsn = "4.7.0";
	*security = 1;
	if (path == m->cf.alias_maps.v[req->map] && lstat(path, &st) == -1) {
		*security = 0;
		*dsn = "4.3.0";
		return "cannot examine the alias or :include: file";
	}
	if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode))
		return "alias or :include: file is a symbolic link or not a "
		    "regular file";
	t->owner = st.st_uid;
	errno = 0;
	pw = owner_account(m, st.st_uid);
	if (pw == NULL) {
		*dsn = "4.3.0";
		return "alias file owner (or default_privs) has no account";
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		return "alias file owner has uid or gid 0";
	/*
	 * An :include: file's owner (not root's: default_privs is the
	 * admin's choice) passes a mailbox writer's account rules: no
	 * runner as a system account or below local_minimum_uid.
	 */
	if (path != m->cf.alias_maps.v[req->map] && st.st_uid != 0) {
		int		 sec;

		if (account_refusal(pw->pw_name, pw->pw_uid,
		    pw->pw_gid, pw->pw_dir, m->cf.local_minimum_uid, dsn,
		    &sec) != NULL) {
			*dsn = "4.7.0";
			return ":include: file owner is not an account mail "
			    "may run as (system account or below "
			    "local_minimum_uid)";
		}
	}
	*security = 0;
	*dsn = "4.3.0";
	return take_account(pw, t);
}

static const char *
runner_check(struct master *m, const struct msg_runner_open *req,
    struct runner_target *t, const char **dsn, int *security)
{
	const struct bh_strlist	*allow;
	struct passwd		*pw;
	const char		*why;

	*security = 0;
	allow = req->kind == RUNNER_COMMAND ? &m->cf.allow_mail_to_commands :
	    &m->cf.allow_mail_to_files;
	/* Reading an :include: file needs no permission (as in Postfix). */
	if (req->kind != RUNNER_INCLUDE && !list_has(allow,
	    req->source == RUNNER_FORWARD ? "forward" : req->depth > 0 ?
	    "include" : "alias")) {
		*dsn = "5.7.1";
		return req->kind == RUNNER_COMMAND ?
		    "mail to command is restricted" :
		    "mail to file is restricted";
	}
	memset(t, 0, sizeof(*t));
	if (req->source == RUNNER_ALIAS)
		return alias_owner(m, req, t, dsn, security);
	if ((why = account_check(m, req->name, &pw, dsn, security)) != NULL)
		return why;
	t->owner = pw->pw_uid;
	*dsn = "4.3.0";
	return take_account(pw, t);
}

static pid_t
start_runner(struct master *m, struct ipc_chan *c, uint32_t id,
    const struct msg_runner_open *req, const struct runner_target *t)
{
	struct runner_ids	ids;
	char			tl[24], att[16], del[16], stale[16];
	char			*argv[48];
	int			argc = 0;
	uint32_t		i;

	snprintf(tl, sizeof(tl), "%ld", m->cf.command_time_limit);
	snprintf(att, sizeof(att), "%ld", m->cf.deliver_lock_attempts);
	snprintf(del, sizeof(del), "%ld", m->cf.deliver_lock_delay);
	snprintf(stale, sizeof(stale), "%ld", m->cf.stale_lock_time);
	argv[argc++] = "bulkhead";
	argv[argc++] = "-x";
	argv[argc++] = "runner";
	argc = add_identity(argv, argc, t, t->owner, &ids);
	if (req->source == RUNNER_ALIAS) {
		argv[argc++] = "-A";
		argv[argc++] = m->cf.alias_maps.v[req->map];
		for (i = 0; i < req->depth && i < IPC_INCLUDE_DEPTH; i++) {
			argv[argc++] = "-I";
			argv[argc++] = (char *)req->chain[i];
		}
	} else {
		argv[argc++] = "-F";
		argv[argc++] = (char *)req->suffix;
	}
	argv[argc++] = "-n";
	argv[argc++] = (char *)req->name;
	argv[argc++] = "-k";
	argv[argc++] = req->kind == RUNNER_COMMAND ? "command" :
	    req->kind == RUNNER_FILE ? "file" : "include";
	argv[argc++] = "-t";
	argv[argc++] = (char *)req->value;
	argv[argc++] = "-T";
	argv[argc++] = tl;
	argv[argc++] = "-D";
	argv[argc++] = m->cf.recipient_delimiter;
	argv[argc++] = "-a";
	argv[argc++] = att;
	argv[argc++] = "-d";
	argv[argc++] = del;
	argv[argc++] = "-s";
	argv[argc++] = stale;
	argv[argc++] = "-S";
	argv[argc++] = (char *)seccomp_get_mode();
	argv[argc] = NULL;
	return child_start(m, c, id, IPC_RUNNER_OPEN_OK, "runner", argv);
}

void
runner_open(struct master *m, struct ipc_chan *c, uint32_t id,
    const struct msg_runner_open *req)
{
	struct runner_target		t;
	const char			*why, *dsn;
	char				 name[IPC_USER_MAX + 1];
	int				 security;
	pid_t				 pid;

	printable(name, req->name, sizeof(name));
	if ((why = runner_check(m, req, &t, &dsn, &security)) != NULL) {
		if (security)
			log_security("refused runner for %s from local: %s",
			    name, why);
		else
			log_warnx("no runner for %s: %s", name, why);
		ipc_reply_error(c, id, dsn, why);
		return;
	}
	if ((pid = start_runner(m, c, id, req, &t)) != -1)
		log_debug("runner for %s (uid %u) is pid %d", name,
		    (unsigned)t.uid, (int)pid);
}
