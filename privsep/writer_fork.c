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
#include "privsep/master.h"
#include "privsep/sandbox.h"

struct writer_target {
	uid_t	uid;
	gid_t	gid;
	char	mailbox[PATH_MAX];
};

/*
 * Decide from trusted data alone.  Returns NULL when allowed, or a reason
 * with *dsn set; *security tells whether the refusal smells of an attack.
 */
static const char *
writer_check(const struct master *m, const char *user,
    struct writer_target *t, const char **dsn, int *security)
{
	struct passwd	*pw;
	int		 n;

	*security = 0;
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		*dsn = errno ? "4.3.0" : "5.1.1";
		return errno ? "user database unavailable" : "no such user";
	}
	if (pw->pw_uid == 0) {
		*dsn = "4.3.0";
		return "mail for root must be aliased to a user";
	}
	if ((long)pw->pw_uid < m->cf.local_minimum_uid ||
	    pw->pw_uid >= BH_OVERFLOW_UID) {
		*dsn = "4.7.0";
		*security = 1;
		return "system account (uid below local_minimum_uid, "
		    "or nobody)";
	}
	if (pw->pw_dir == NULL || pw->pw_dir[0] != '/' ||
	    strcmp(pw->pw_dir, "/") == 0 || strstr(pw->pw_dir, "/../")) {
		*dsn = "4.3.0";
		return "home directory unusable";
	}
	n = snprintf(t->mailbox, sizeof(t->mailbox), "%s/%s", pw->pw_dir,
	    m->cf.home_mailbox);
	if (n < 0 || (size_t)n >= sizeof(t->mailbox)) {
		*dsn = "4.3.0";
		return "mailbox path too long";
	}
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
	return NULL;
}

static pid_t
fork_writer(struct master *m, const struct writer_target *t, int fd)
{
	static char *const	envp[] = { NULL };
	char			uid[16], gid[16], *argv[16];
	int			argc = 0, null;
	pid_t			pid;

	snprintf(uid, sizeof(uid), "%u", (unsigned)t->uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)t->gid);
	argv[argc++] = "bulkhead";
	argv[argc++] = "-x";
	argv[argc++] = "writer";
	argv[argc++] = "-u";
	argv[argc++] = uid;
	argv[argc++] = "-g";
	argv[argc++] = gid;
	argv[argc++] = "-m";
	argv[argc++] = (char *)t->mailbox;
	argv[argc++] = "-h";
	argv[argc++] = m->cf.myhostname;
	argv[argc++] = "-S";
	argv[argc++] = (char *)seccomp_get_mode();
	argv[argc] = NULL;

	if ((pid = fork()) != 0)
		return pid;
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, 0);
		dup2(null, 1);
		if (!m->debug)
			dup2(null, 2);
	}
	if (dup2(fd, 3) == -1)
		_exit(127);
	syscall(SYS_close_range, 4, ~0U, 0);
	execve(m->self_exe, argv, envp);
	_exit(127);
}

void
writer_open(struct master *m, struct ipc_chan *c, uint32_t id,
    struct rbuf *rb)
{
	struct msg_writer_open	req;
	struct writer_target	t;
	const char		*why, *dsn;
	int			 security, sv[2];
	pid_t			 pid;

	if (dec_writer_open(rb, &req) == -1) {
		ipc_chan_fail(c, "bad WRITER_OPEN payload");
		return;
	}
	if ((why = writer_check(m, req.user, &t, &dsn, &security)) != NULL) {
		if (security)
			log_security("refused writer for %s: %s", req.user,
			    why);
		else
			log_warnx("no writer for %s: %s", req.user, why);
		ipc_reply_error(c, id, dsn, why);
		return;
	}
	if (m->nwriters >= WRITER_MAX) {
		ipc_reply_error(c, id, "4.3.2", "too many concurrent writers");
		return;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		ipc_reply_error(c, id, "4.3.0", "cannot create writer channel");
		return;
	}
	pid = fork_writer(m, &t, sv[1]);
	close(sv[1]);
	if (pid == -1) {
		close(sv[0]);
		ipc_reply_error(c, id, "4.3.0", "cannot fork writer");
		return;
	}
	m->nwriters++;
	log_debug("writer for %s (uid %u) is pid %d", req.user,
	    (unsigned)t.uid, (int)pid);
	ipc_reply(c, IPC_WRITER_OPEN_OK, id, NULL, sv[0]);
}

/* Every child that is not a compartment is a writer. */
int
writer_reaped(struct master *m, pid_t pid, int status)
{
	if (m->nwriters > 0)
		m->nwriters--;
	if (WIFSIGNALED(status))
		log_warnx("writer (pid %d) killed by signal %d%s", (int)pid,
		    WTERMSIG(status), WTERMSIG(status) == SIGSYS ?
		    " (seccomp violation)" : "");
	else if (WEXITSTATUS(status) != 0)
		log_warnx("writer (pid %d) exited with status %d", (int)pid,
		    WEXITSTATUS(status));
	return 1;
}
