/*
 * child_log.c: with -d, what a child writes to stderr (a writer's or a
 * runner's log lines, a compartment's last words before its channel to
 * master works, a sanitizer's report) reaches the terminal only through
 * master's log path: a pipe per child, read here line by line, control
 * characters replaced, tagged with the role and pid master knows (not
 * the ones the child claims).  Without -d children's stderr is
 * /dev/null, as before.  A child never holds the terminal itself.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "master/master.h"

#define CHILD_LINE_MAX	1024

struct child_log {
	struct event	*ev;
	char		 role[16];
	pid_t		 pid;
	size_t		 len;
	char		 buf[CHILD_LINE_MAX];
};

/*
 * A child logs "Mon dd hh:mm:ss host name/role[pid]: text" (lib/log.c):
 * keep the text only; anything else is logged whole.
 */
static const char *
line_text(const char *line)
{
	const char *p = strstr(line, "]: ");

	if (p == NULL || strchr(line, '/') == NULL ||
	    strchr(line, '/') > p || strchr(line, '[') == NULL)
		return line;
	return p + 3;
}

static void
emit(struct child_log *cl)
{
	char	clean[CHILD_LINE_MAX];

	cl->buf[cl->len] = '\0';
	log_printable(cl->buf, cl->len, clean, sizeof(clean));
	log_emit_as(LOG_NOTICE, cl->role, cl->pid, line_text(clean));
	cl->len = 0;
}

static void
child_log_read(evutil_socket_t fd, short ev, void *arg)
{
	struct child_log	*cl = arg;
	char			 buf[4096];
	ssize_t			 n, i;

	if ((n = read(fd, buf, sizeof(buf))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (cl->len > 0)
			emit(cl);
		event_free(cl->ev);
		close(fd);
		free(cl);
		return;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			emit(cl);
			continue;
		}
		cl->buf[cl->len++] = buf[i];
		if (cl->len == sizeof(cl->buf) - 1)
			emit(cl);
	}
}

/*
 * Before the fork: a pipe for the child's stderr.  Returns the write end
 * for the child (fd 2 there), or -1: then the child gets /dev/null.
 */
int
child_log_open(const struct master *m, int *rfd)
{
	int p[2];

	*rfd = -1;
	if (!m->debug)
		return -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("pipe for a child's stderr");
		return -1;
	}
	*rfd = p[0];
	return p[1];
}

/* After the fork, in master: close the child's end, read ours. */
void
child_log_watch(struct master *m, int rfd, int wfd, const char *role,
    pid_t pid)
{
	struct child_log *cl;

	if (wfd != -1)
		close(wfd);
	if (rfd == -1)
		return;
	if (pid <= 0) {
		close(rfd);
		return;
	}
	cl = xcalloc(1, sizeof(*cl));
	strlcpy_text(cl->role, role, sizeof(cl->role));
	cl->pid = pid;
	if ((cl->ev = event_new(m->base, rfd, EV_READ | EV_PERSIST,
	    child_log_read, cl)) == NULL || event_add(cl->ev, NULL) == -1) {
		log_warnx("cannot watch %s (pid %d)'s stderr", role, (int)pid);
		if (cl->ev != NULL)
			event_free(cl->ev);
		close(rfd);
		free(cl);
	}
}

/*
 * In the child, after the fork (async-signal-safe calls only): a session
 * of its own, so no controlling terminal; 0 and 1 on /dev/null, 2 on the
 * pipe (or /dev/null).  Returns -1 if /dev/null cannot be opened.
 */
int
child_log_stdio(int wfd)
{
	int null;

	if (setsid() == -1)
		return -1;
	if ((null = open("/dev/null", O_RDWR)) == -1)
		return -1;
	if (dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
	    dup2(wfd != -1 ? wfd : null, 2) == -1)
		return -1;
	if (null > 2)
		close(null);
	return 0;
}
