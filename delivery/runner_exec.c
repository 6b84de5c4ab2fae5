/*
 * runner_exec.c: run one |command with the message on its standard
 * input, as Postfix's local(8) does: /bin/sh -c, its own process group,
 * output captured for the bounce, command_time_limit, sysexits mapping.
 * It runs in the runner, after sandbox_enter(), as the target user.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "delivery/runner.h"
#include "lib/strl.h"

#define FEED_CHUNK	65536

/* Postfix's sys_exits table (global/sys_exits.c), codes and words. */
static const struct {
	int		 code;
	const char	*dsn;
	const char	*text;
} sys_exits[] = {
	{ EX_USAGE, "5.3.0", "command line usage error" },
	{ EX_DATAERR, "5.6.0", "data format error" },
	{ EX_NOINPUT, "5.3.0", "cannot open input" },
	{ EX_NOUSER, "5.1.1", "user unknown" },
	{ EX_NOHOST, "5.1.2", "host name unknown" },
	{ EX_UNAVAILABLE, "5.3.0", "service unavailable" },
	{ EX_SOFTWARE, "5.3.0", "internal software error" },
	{ EX_OSERR, "4.3.0", "system resource problem" },
	{ EX_OSFILE, "5.3.0", "critical OS file missing" },
	{ EX_CANTCREAT, "5.2.0", "can't create user output file" },
	{ EX_IOERR, "5.3.0", "input/output error" },
	{ EX_TEMPFAIL, "4.3.0", "temporary failure" },
	{ EX_PROTOCOL, "5.5.0", "remote error in protocol" },
	{ EX_NOPERM, "5.7.0", "permission denied" },
	{ EX_CONFIG, "5.3.5", "local configuration error" },
};

const char *
runner_exit_dsn(int status, const char **text)
{
	size_t i;

	for (i = 0; i < sizeof(sys_exits) / sizeof(sys_exits[0]); i++)
		if (sys_exits[i].code == status) {
			*text = sys_exits[i].text;
			return sys_exits[i].dsn;
		}
	*text = NULL;		/* not a sysexits code: "died with status" */
	return "5.3.0";
}

struct feed {
	int		 content;	/* from local; -1 when all read */
	int		 in;		/* the command's stdin; -1 closed */
	int		 out;		/* its stdout and stderr; -1 at EOF */
	char		 buf[FEED_CHUNK];
	size_t		 off, len;	/* pending for stdin */
	unsigned long long left;	/* content bytes still to come */
	int		 short_input;
	char		 output[RUNNER_OUTPUT_MAX + 1];
	size_t		 outlen;
};

static long
ms_left(const struct timespec *deadline)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 1000000000 ? 1000000000 : (long)ms;
}

/*
 * Close every fd from lowfd up: close_range(2), or where that fails
 * (ENOSYS before Linux 5.9, a filter's EPERM) one by one up to the fd
 * limit.  An fd left open would hand the command the runner's channel.
 * 0, or -1 (no fd limit to go by): then the command must not run.
 */
int
runner_close_from(int lowfd, int use_close_range)
{
	struct rlimit	rl;
	rlim_t		fd, max;

	if (use_close_range && syscall(SYS_close_range, lowfd, ~0U, 0) == 0)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	max = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536 ? 65536 :
	    rl.rlim_cur;
	for (fd = lowfd; fd < max; fd++)
		(void)close((int)fd);	/* Linux frees the fd even on EIO */
	return 0;
}

static void
child(const struct runner_cmd *rc, int in, int out)
{
	char *const argv[] = { "sh", "-c", (char *)rc->command, NULL };

	/* The sandbox ignores these; the command must not inherit that. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	(void)setpgid(0, 0);
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1)
		_exit(EX_OSERR);
	if (runner_close_from(3, 1) == -1)
		_exit(EX_OSERR);
	if (chdir(rc->cwd) == -1 && chdir("/") == -1)
		_exit(EX_OSERR);
	execve("/bin/sh", argv, rc->envp);
	_exit(EX_OSERR);
}

/* Keep the start of the output, printable, for the bounce; drop the rest. */
static void
read_output(struct feed *f)
{
	char	buf[4096];
	ssize_t	n;
	size_t	i;

	if ((n = read(f->out, buf, sizeof(buf))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(f->out);
		f->out = -1;
		return;
	}
	for (i = 0; i < (size_t)n && f->outlen < RUNNER_OUTPUT_MAX; i++)
		f->output[f->outlen++] = (buf[i] >= ' ' && buf[i] < 0x7f) ?
		    buf[i] : ' ';
	f->output[f->outlen] = '\0';
}

static void
close_in(struct feed *f)
{
	if (f->in != -1)
		close(f->in);
	f->in = -1;
}

/* More of the message from local into the buffer. */
static void
read_content(struct feed *f)
{
	ssize_t n;

	n = read(f->content, f->buf, f->left < sizeof(f->buf) ?
	    (size_t)f->left : sizeof(f->buf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		f->short_input = 1;
		f->content = -1;
		close_in(f);
		return;
	}
	f->off = 0;
	f->len = (size_t)n;
	f->left -= (size_t)n;
	if (f->left == 0)
		f->content = -1;
}

static void
write_input(struct feed *f)
{
	ssize_t n;

	if ((n = write(f->in, f->buf + f->off, f->len - f->off)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		/* The command stopped reading: its exit status decides. */
		f->content = -1;
		f->len = f->off = 0;
		close_in(f);
		return;
	}
	f->off += (size_t)n;
	if (f->off == f->len) {
		f->off = f->len = 0;
		if (f->content == -1)
			close_in(f);
	}
}

/* Feed stdin, collect output; 0 when both are done, -1 at the deadline. */
static int
pump(struct feed *f, const struct timespec *deadline)
{
	struct pollfd	 p[3];
	int		 np, i_content, i_in, i_out;

	while (f->in != -1 || f->out != -1) {
		np = 0;
		i_content = i_in = i_out = -1;
		if (f->in != -1 && f->len == 0 && f->content != -1) {
			i_content = np;
			p[np].fd = f->content;
			p[np++].events = POLLIN;
		}
		if (f->in != -1 && f->len > 0) {
			i_in = np;
			p[np].fd = f->in;
			p[np++].events = POLLOUT;
		}
		if (f->out != -1) {
			i_out = np;
			p[np].fd = f->out;
			p[np++].events = POLLIN;
		}
		if (np == 0)
			break;
		if (poll(p, np, (int)ms_left(deadline)) == -1 && errno != EINTR)
			return -1;
		if (ms_left(deadline) == 0)
			return -1;
		if (i_content != -1 && p[i_content].revents)
			read_content(f);
		if (i_in != -1 && p[i_in].revents)
			write_input(f);
		if (i_out != -1 && p[i_out].revents)
			read_output(f);
	}
	return 0;
}

static int
wait_child(pid_t pid, int *status, const struct timespec *deadline)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	pid_t		r;

	for (;;) {
		if ((r = waitpid(pid, status, WNOHANG)) == pid)
			return 0;
		if (r == -1 && errno != EINTR)
			return -1;
		if (ms_left(deadline) == 0)
			return -1;
		nanosleep(&ts, NULL);
	}
}

static void
set_nonblock(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int
verdict(const struct runner_cmd *rc, const struct feed *f, int status,
    char *dsn, size_t dsnlen, char *why, size_t whylen)
{
	const char	*text, *code;
	char		 out[RUNNER_OUTPUT_MAX + 32];

	out[0] = '\0';
	if (f->outlen > 0)
		snprintf(out, sizeof(out), ". Command output: %s", f->output);
	if (WIFSIGNALED(status)) {
		xstrlcpy(dsn, "4.3.0", dsnlen);
		snprintf(why, whylen, "command died with signal %d: \"%.100s\"%s",
		    WTERMSIG(status), rc->command, out);
		return -1;
	}
	if (WEXITSTATUS(status) == 0)
		return 0;
	code = runner_exit_dsn(WEXITSTATUS(status), &text);
	xstrlcpy(dsn, code, dsnlen);
	if (text != NULL)
		snprintf(why, whylen, "%s%s", text, out);
	else
		snprintf(why, whylen, "command died with status %d: "
		    "\"%.100s\"%s", WEXITSTATUS(status), rc->command, out);
	return -1;
}

int
runner_command(const struct runner_cmd *rc, const struct maildir_msg *m,
    char *dsn, size_t dsnlen, char *why, size_t whylen)
{
	static struct feed	 f;
	struct timespec		 deadline;
	int			 in[2], out[2], status, n;
	pid_t			 pid;

	memset(&f, 0, sizeof(f));
	xstrlcpy(dsn, "4.3.0", dsnlen);
	if (pipe2(in, O_CLOEXEC) == -1)
		goto syserr;
	if (pipe2(out, O_CLOEXEC) == -1) {
		close(in[0]);
		close(in[1]);
		goto syserr;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += rc->time_limit;
	if ((pid = fork()) == 0)
		child(rc, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	if (pid == -1) {
		close(in[1]);
		close(out[0]);
		goto syserr;
	}
	(void)setpgid(pid, pid);	/* either of us may win the race */
	f.content = m->content_fd;
	f.in = in[1];
	f.out = out[0];
	f.left = m->content_len;
	n = snprintf(f.buf, sizeof(f.buf), "Return-Path: <%s>\n"
	    "Delivered-To: %s\n", m->return_path, m->delivered_to);
	f.len = n > 0 && (size_t)n < sizeof(f.buf) ? (size_t)n : 0;
	if (f.left == 0)
		f.content = -1;
	else
		set_nonblock(f.content);
	set_nonblock(f.in);
	set_nonblock(f.out);
	if (pump(&f, &deadline) == -1 || wait_child(pid, &status, &deadline)
	    == -1) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		(void)waitpid(pid, &status, 0);
		close_in(&f);
		if (f.out != -1)
			close(f.out);
		xstrlcpy(dsn, "4.2.0", dsnlen);
		snprintf(why, whylen, "command time limit exceeded: "
		    "\"%.100s\"", rc->command);
		return -1;
	}
	if (f.short_input) {
		snprintf(why, whylen, "message truncated in transit");
		return -1;
	}
	return verdict(rc, &f, status, dsn, dsnlen, why, whylen);
syserr:
	snprintf(why, whylen, "cannot run command: %s", strerror(errno));
	return -1;
}
