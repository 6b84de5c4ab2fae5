/*
 * writer_fork.c: master's answer to local's IPC_WRITER_OPEN.
 *
 * This is the one request through which an unprivileged compartment makes
 * root act, so master trusts nothing in it but a user name: it looks the
 * account up itself, refuses root and system accounts, builds the mailbox
 * path from its own configuration, and only then forks a writer that
 * becomes exactly that user.  local receives a channel to the writer.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "privsep/ipc_msgs.h"
#include "privsep/mailbox_path.h"
#include "master/master.h"
#include "privsep/sandbox.h"

struct writer_target {
	uid_t	uid;
	gid_t	gid;
	gid_t	spool_gid;	/* 0, or the spool's group for its dotlock */
	int	mbox;		/* an mbox file, not a Maildir */
	char	mailbox[PATH_MAX];
	char	home[PATH_MAX];	/* for ~/.forward */
};

/*
 * Walk the mailbox path below home as root, without following anything:
 * each existing component must be a directory (or, last, the mailbox)
 * that is no symbolic link and belongs to the recipient.  A component
 * that does not exist yet ends the walk: the writer creates it, as the
 * user, with O_NOFOLLOW and O_EXCL semantics, so what the user (or anyone
 * who can write in the home directory) swaps in later is refused there.
 */
static const char *
mailbox_walk(const char *home, const char *rel, uid_t uid, int *security)
{
	char		 path[PATH_MAX];
	struct stat	 st;
	size_t		 hl = strlen(home), i;
	int		 last;

	if (hl + 1 + strlen(rel) >= sizeof(path))
		return "mailbox path too long";
	memcpy(path, home, hl);
	path[hl] = '/';
	for (i = 0; rel[i] != '\0'; i++) {
		path[hl + 1 + i] = rel[i];
		if (rel[i + 1] != '/' && rel[i + 1] != '\0')
			continue;
		path[hl + 2 + i] = '\0';
		if (lstat(path, &st) == -1)
			return errno == ENOENT ? NULL : "cannot examine mailbox";
		*security = 1;
		if (S_ISLNK(st.st_mode))
			return "mailbox path has a symbolic link";
		if (st.st_uid != uid)
			return "mailbox path not owned by the recipient";
		/* An mbox file is the one thing that may not be a directory. */
		last = rel[i + 1] == '\0';
		if (last && S_ISREG(st.st_mode) && st.st_nlink == 1)
			;
		else if (last && S_ISREG(st.st_mode))
			return "mailbox has more than one link";
		else if (!S_ISDIR(st.st_mode))
			return "mailbox path is not a directory";
		*security = 0;
		if (rel[i + 1] == '/')
			i++, path[hl + 1 + i] = '/';
	}
	return NULL;
}

/*
 * An mbox in mail_spool_directory (home_mailbox empty).  The spool must be
 * a root-owned directory; the mailbox, if it exists, a regular file of the
 * recipient's with one link.  If it does not exist master creates it here,
 * as root, O_EXCL|O_NOFOLLOW, mode 0600, and gives it to the recipient: the
 * writer, which runs as the recipient, never creates a file named after
 * an account.  It does need to create NAME.lock, the dotlock mutt and
 * procmail expect; in a group-writable spool (Debian: root:mail 2775) it
 * gets the spool's group as its one supplementary group for that, as
 * Postfix's local does.  The risk: a writer subverted through a bug could
 * then, like any setgid-mail program, rename or remove other users' files
 * in the spool (not read them: they are 0600).
 */
static const char *
spool_mailbox(const struct master *m, const struct passwd *pw,
    struct writer_target *t, const char **dsn, int *security)
{
	const char	*spool = m->cf.mail_spool_directory;
	struct stat	 st;
	int		 fd, n;

	*dsn = "4.3.0";
	n = snprintf(t->mailbox, sizeof(t->mailbox), "%s/%s", spool,
	    pw->pw_name);
	if (n < 0 || (size_t)n >= sizeof(t->mailbox))
		return "mailbox path too long";
	if (!path_canonical(spool) || !path_inside(t->mailbox, spool) ||
	    strchr(pw->pw_name, '/') != NULL)
		return "mail_spool_directory is not a canonical absolute path";
	/* The spool path is the admin's (it may be a link, as /var/mail ->
	 * spool/mail is on some systems); what is in it is not. */
	if (stat(spool, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != 0 || ((st.st_mode & S_IWOTH) &&
	    !(st.st_mode & S_ISVTX)))
		return "mail_spool_directory must be a directory owned by "
		    "root, not world-writable without the sticky bit";
	t->spool_gid = (st.st_mode & S_IWGRP) && st.st_gid != 0 &&
	    st.st_gid != pw->pw_gid ? st.st_gid : 0;
	*dsn = "4.7.0";
	if (lstat(t->mailbox, &st) == 0) {
		*security = 1;
		if (S_ISLNK(st.st_mode))
			return "mailbox is a symbolic link";
		if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
			return "mailbox is not a regular file with one link";
		if (st.st_uid != pw->pw_uid)
			return "mailbox not owned by the recipient";
		*security = 0;
		return NULL;
	}
	if (errno != ENOENT)
		return "cannot examine mailbox";
	fd = open(t->mailbox, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd == -1 || fchown(fd, pw->pw_uid, pw->pw_gid) == -1) {
		if (fd != -1) {
			(void)unlink(t->mailbox);
			close(fd);
		}
		*dsn = "4.3.0";
		return "cannot create mailbox";
	}
	close(fd);
	log_info("created mailbox %s for %s", t->mailbox, pw->pw_name);
	return NULL;
}

/*
 * Decide from trusted data alone.  Returns NULL when allowed, or a reason
 * with *dsn set; *security tells whether the refusal smells of an attack.
 * local names a user and nothing else: the path is master's own.
 */
/*
 * The account checks every delivery as a user passes (the writer's, and
 * the runner's for a ~/.forward): it exists, is not root, not a system
 * account, has no group 0 and a canonical home.  NULL and *pwp, or a
 * reason with *dsn and *security set.
 */
const char *
account_check(const struct master *m, const char *user, struct passwd **pwp,
    const char **dsn, int *security)
{
	struct passwd	*pw;
	const char	*why;
	size_t		 n;

	*security = 0;
	if (!user_name_ok(user)) {
		*dsn = "5.1.3";
		*security = 1;
		return "malformed user name";
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		*dsn = errno ? "4.3.0" : "5.1.1";
		return errno ? "user database unavailable" : "no such user";
	}
	if ((why = account_refusal(pw->pw_name, pw->pw_uid, pw->pw_gid,
	    pw->pw_dir, m->cf.local_minimum_uid, dsn, security)) != NULL)
		return why;
	/* "/home/alice/" is /home/alice: paths are built below it. */
	n = strlen(pw->pw_dir);
	while (n > 1 && pw->pw_dir[n - 1] == '/')
		pw->pw_dir[--n] = '\0';
	*pwp = pw;
	return NULL;
}

static const char *
writer_check(const struct master *m, const char *user,
    struct writer_target *t, const char **dsn, int *security)
{
	struct passwd	*pw;
	const char	*why;
	int		 n;

	if ((why = account_check(m, user, &pw, dsn, security)) != NULL)
		return why;
	t->spool_gid = 0;
	t->mbox = 0;
	if (m->cf.home_mailbox[0] == '\0') {
		t->mbox = 1;
		if ((why = spool_mailbox(m, pw, t, dsn, security)) != NULL)
			return why;
		goto ok;
	}
	t->mbox = m->cf.home_mailbox[strlen(m->cf.home_mailbox) - 1] != '/';
	n = snprintf(t->mailbox, sizeof(t->mailbox), "%s/%s", pw->pw_dir,
	    m->cf.home_mailbox);
	if (n < 0 || (size_t)n >= sizeof(t->mailbox)) {
		*dsn = "4.3.0";
		return "mailbox path too long";
	}
	/* config_build checked home_mailbox; this is the belt to its braces. */
	if (!path_inside(t->mailbox, pw->pw_dir)) {
		*dsn = "4.3.0";
		*security = 1;
		return "mailbox path outside the home directory";
	}
	if ((why = mailbox_walk(pw->pw_dir, m->cf.home_mailbox, pw->pw_uid,
	    security)) != NULL) {
		*dsn = "4.7.0";
		return why;
	}
ok:
	if (strlcpy(t->home, pw->pw_dir, sizeof(t->home)) >= sizeof(t->home)) {
		*dsn = "4.3.0";
		return "home directory path too long";
	}
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
	return NULL;
}

/*
 * Start bulkhead as a writer or a runner (what) with argv and answer
 * local's request id with ok_type and a channel to it.  The child gets
 * an empty environment, a session of its own (no controlling terminal),
 * /dev/null for stdin and stdout, stderr on /dev/null (-d: a pipe to
 * master's log, child_log.c), its channel at fd 3 and nothing else; it
 * enters its own sandbox.
 * Returns its pid, or -1 after an error reply.
 */
pid_t
child_start(struct master *m, struct ipc_chan *c, uint32_t id,
    uint32_t ok_type, const char *what, char *const argv[])
{
	static char *const	envp[] = { NULL };
	char			text[64];
	pid_t			pid;
	int			sv[2], errw, errr;

	if (m->nwriters >= m->cf.local_writer_limit) {
		ipc_reply_error(c, id, "4.3.2", "too many concurrent writers");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(text, sizeof(text), "cannot create %s channel", what);
		ipc_reply_error(c, id, "4.3.0", text);
		return -1;
	}
	errw = child_log_open(m, &errr);
	if ((pid = fork()) == 0) {
		/* It runs as a user: no terminal, not even as stderr. */
		if (child_log_stdio(errw) == -1 || dup2(sv[1], 3) == -1)
			_exit(127);
		syscall(SYS_close_range, 4, ~0U, 0);
		execve(m->self_exe, argv, envp);
		_exit(127);
	}
	close(sv[1]);
	child_log_watch(m, errr, errw, argv[2], pid);
	if (pid == -1) {
		close(sv[0]);
		snprintf(text, sizeof(text), "cannot fork %s", what);
		ipc_reply_error(c, id, "4.3.0", text);
		return -1;
	}
	m->nwriters++;
	child_track(m, pid, what);
	ipc_reply(c, ok_type, id, NULL, sv[0]);
	return pid;
}

static pid_t
start_writer(struct master *m, struct ipc_chan *c, uint32_t id,
    const struct writer_target *t)
{
	char			uid[16], gid[16], sgid[16], *argv[32];
	char			att[16], del[16], stale[16];
	int			argc = 0;

	snprintf(uid, sizeof(uid), "%u", (unsigned)t->uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)t->gid);
	argv[argc++] = "bulkhead";
	argv[argc++] = "-x";
	argv[argc++] = "writer";
	argv[argc++] = "-u";
	argv[argc++] = uid;
	argv[argc++] = "-g";
	argv[argc++] = gid;
	if (t->spool_gid != 0) {
		snprintf(sgid, sizeof(sgid), "%u", (unsigned)t->spool_gid);
		argv[argc++] = "-G";
		argv[argc++] = sgid;
	}
	argv[argc++] = "-H";
	argv[argc++] = (char *)t->home;
	argv[argc++] = "-k";
	argv[argc++] = t->mbox ? "mbox" : "maildir";
	if (t->mbox) {
		snprintf(att, sizeof(att), "%ld", m->cf.deliver_lock_attempts);
		snprintf(del, sizeof(del), "%ld", m->cf.deliver_lock_delay);
		snprintf(stale, sizeof(stale), "%ld", m->cf.stale_lock_time);
		argv[argc++] = "-a";
		argv[argc++] = att;
		argv[argc++] = "-d";
		argv[argc++] = del;
		argv[argc++] = "-s";
		argv[argc++] = stale;
	}
	argv[argc++] = "-m";
	argv[argc++] = (char *)t->mailbox;
	argv[argc++] = "-h";
	argv[argc++] = m->cf.myhostname;
	argv[argc++] = "-S";
	argv[argc++] = (char *)seccomp_get_mode();
	argv[argc] = NULL;
	return child_start(m, c, id, IPC_WRITER_OPEN_OK, "writer", argv);
}

/* req.user is untrusted text: printable ASCII only in master's log. */
void
printable(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < len; i++)
		dst[i] = (src[i] > ' ' && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

void
writer_open(struct master *m, struct ipc_chan *c, uint32_t id,
    const struct msg_writer_open *req)
{
	struct writer_target	t;
	const char		*why, *dsn;
	char			 name[IPC_USER_MAX + 1];
	int			 security;
	pid_t			 pid;

	printable(name, req->user, sizeof(name));
	if ((why = writer_check(m, req->user, &t, &dsn, &security)) != NULL) {
		if (security)
			log_security("refused writer for %s from local: %s",
			    name, why);
		else
			log_warnx("no writer for %s: %s", name, why);
		ipc_reply_error(c, id, dsn, why);
		return;
	}
	if ((pid = start_writer(m, c, id, &t)) != -1)
		log_debug("writer for %s (uid %u) is pid %d", name,
		    (unsigned)t.uid, (int)pid);
}

/* Every child that is not a compartment is a writer or a runner. */
int
writer_reaped(struct master *m, pid_t pid, int status)
{
	if (m->nwriters > 0)
		m->nwriters--;
	child_untrack(m, pid);
	if (WIFSIGNALED(status))
		log_warnx("writer (pid %d) killed by signal %d%s", (int)pid,
		    WTERMSIG(status), WTERMSIG(status) == SIGSYS ?
		    " (seccomp violation)" : "");
	else if (WEXITSTATUS(status) == RUNNER_EXIT_REFUSED)
		log_security("runner (pid %d) refused a target its source "
		    "does not list (a compromised local?)", (int)pid);
	else if (WEXITSTATUS(status) != 0)
		log_warnx("writer (pid %d) exited with status %d", (int)pid,
		    WEXITSTATUS(status));
	return 1;
}
