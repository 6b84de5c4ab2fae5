/*
 * child_watch.c: writers and runners run as the recipient, so that user
 * may stop them (SIGSTOP), and a stopped one holds its delivery, its
 * slot in local and one of local_writer_limit for ever.  Master looks at
 * each of them once a second; one found stopped for local_time_limit is
 * killed (local then defers the recipient; queue gave the slot back at
 * the same deadline).
 */
#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "master/master.h"

struct child {
	pid_t	pid;
	char	what[8];	/* "writer", "runner" */
	time_t	stopped_since;	/* 0: running */
};

/* 'T' (stopped) or 't' (traced), from /proc/PID/stat; 0 if unknown. */
static char
proc_state(pid_t pid)
{
	char	 path[64], buf[512], *p;
	FILE	*f;
	size_t	 n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 0;
	return p[2];
}

static void
on_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct master	*m = arg;
	struct child	*c;
	time_t		 now = time(NULL);
	size_t		 i;
	char		 st;

	for (i = 0; i < m->nkids; i++) {
		c = &m->kids[i];
		st = proc_state(c->pid);
		if (st != 'T' && st != 't') {
			c->stopped_since = 0;
			continue;
		}
		if (c->stopped_since == 0)
			c->stopped_since = now;
		else if (now - c->stopped_since >= m->cf.local_time_limit) {
			log_warnx("killing %s (pid %d): stopped for %llds "
			    "(local_time_limit)", c->what, (int)c->pid,
			    (long long)(now - c->stopped_since));
			kill(c->pid, SIGKILL);
			c->stopped_since = now;	/* once a limit, not a tick */
		}
	}
}

void
child_track(struct master *m, pid_t pid, const char *what)
{
	struct timeval	 tv = { 1, 0 };
	struct child	*c;

	if (m->kids_ev == NULL) {
		if ((m->kids_ev = event_new(m->base, -1, EV_PERSIST, on_tick,
		    m)) == NULL || event_add(m->kids_ev, &tv) == -1)
			fatalx("child_track: event");
	}
	if (m->nkids == m->capkids) {
		m->capkids = m->capkids ? m->capkids * 2 : 64;
		m->kids = xreallocarray(m->kids, m->capkids, sizeof(*m->kids));
	}
	c = &m->kids[m->nkids++];
	c->pid = pid;
	strlcpy_text(c->what, what, sizeof(c->what));
	c->stopped_since = 0;
}

/* Shutdown after its grace period: whatever still runs is killed. */
void
child_kill_all(struct master *m)
{
	size_t i;

	for (i = 0; i < m->nkids; i++)
		kill(m->kids[i].pid, SIGKILL);
}

void
child_untrack(struct master *m, pid_t pid)
{
	size_t i;

	for (i = 0; i < m->nkids; i++)
		if (m->kids[i].pid == pid) {
			m->kids[i] = m->kids[--m->nkids];
			return;
		}
}
