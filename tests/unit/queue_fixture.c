/*
 * queue_fixture.c: the helpers of queue_fixture.h.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/event.h>

#include "lib/log.h"
#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"
#include "queue/fsync_pool.h"
#include "queue/queue.h"
#include "queue/spool.h"

#include "tests/unit/queue_fixture.h"

/* ---- the worker skeleton queue_main() would use: never called ---- */

int	violations;
char	violation_why[256];

int
worker_main(const struct worker_role *role, struct worker_env *we,
    void *arg, int argc, char **argv)
{
	abort();
}

void
admin_start(struct queue *q, int fd)
{
	abort();
}

/* queue found a peer breaking the protocol and asks master to restart it. */
void
worker_peer_violation(struct worker_env *we, enum bh_role peer,
    const char *why)
{
	violations++;
	snprintf(violation_why, sizeof(violation_why), "%s: %s",
	    ipc_role_name(peer), why);
}

/* ---- the log, as an administrator reads it ---- */

char	logbuf[65536];

static void
log_to_buffer(int prio, const char *line)
{
	strlcat(logbuf, line, sizeof(logbuf));
	strlcat(logbuf, "\n", sizeof(logbuf));
}

/*
 * One world per test.  queue's state, its event base and the fsync
 * pool's threads stay until the process ends (queue never frees them
 * either); kept here, they are not leaks.
 */
static struct world	worlds[16];
static size_t		nworlds;

static void
fake_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct fake *f = arg;

	f->closed = 1;
	f->violation = violation;
	ipc_chan_free(c);
	f->c = NULL;
}

static void
fake_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct fake *f = arg;

	f->got = 1;
	f->type = h->type;
	f->id = h->id;
	if (f->fd != -1)
		close(f->fd);
	f->fd = fd;
	memset(&f->qid, 0, sizeof(f->qid));
	memset(&f->err, 0, sizeof(f->err));
	switch (h->type) {
	case IPC_MSG_CREATE_OK:
	case IPC_MSG_COMMIT_OK:
		f->qid = msg->qid;
		break;
	case IPC_ERROR:
		f->err = msg->error;
		break;
	case IPC_DELIVER:
		f->deliver = msg->deliver;
		break;
	case IPC_OK:
		break;
	default:
		fail_msg("unexpected %s", ipc_type_name(h->type));
	}
}

static void
count_run(evutil_socket_t fd, short ev, void *arg)
{
	struct world *w = arg;

	w->runs++;
}

void
fake_connect(struct world *w, struct fake *f, enum bh_role role)
{
	int	sv[2];

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    sv), 0);
	queue_on_peer(&w->q.we, role, sv[0]);
	f->c = ipc_chan_new(w->q.we.base, sv[1], role, ROLE_QUEUE, fake_msg,
	    fake_closed, f);
	assert_non_null(f->c);
}

/* Send a request and wait for its answer. */
void
ask(struct world *w, struct fake *f, enum ipc_type type,
    const struct wbuf *wb)
{
	f->got = 0;
	ipc_request(f->c, type, wb, -1);
	RUN_UNTIL(w, f->got);
}

int
setup(void **state)
{
	struct world	*w;
	char		 err[CF_ERR_MAX];

	log_set_sink(log_to_buffer);
	logbuf[0] = '\0';
	violations = 0;
	assert_true(nworlds < sizeof(worlds) / sizeof(worlds[0]));
	w = &worlds[nworlds++];
	strlcpy(w->dir, "/tmp/bh-test-queue.XXXXXX", sizeof(w->dir));
	assert_non_null(mkdtemp(w->dir));
	assert_true((w->olddir = open(".", O_RDONLY | O_DIRECTORY)) != -1);
	assert_int_equal(chdir(w->dir), 0);

	TAILQ_INIT(&w->q.msgs);
	TAILQ_INIT(&w->q.incoming);
	RB_INIT(&w->q.inflight);
	w->q.we.role = ROLE_QUEUE;
	w->q.we.arg = &w->q;
	assert_non_null(w->q.we.base = event_base_new());
	assert_int_equal(config_build(&w->q.we.cf, NULL, "/etc/bulkhead",
	    NULL, err, sizeof(err)), 0);
	w->q.sp.minimal_backoff_time = w->q.we.cf.minimal_backoff_time;
	w->q.sp.maximal_backoff_time = w->q.we.cf.maximal_backoff_time;
	w->q.sp.maximal_queue_lifetime = w->q.we.cf.maximal_queue_lifetime;
	w->q.sp.bounce_queue_lifetime = w->q.we.cf.bounce_queue_lifetime;
	w->q.sp.delay_warning_time = w->q.we.cf.delay_warning_time;
	w->q.sp.queue_run_delay = w->q.we.cf.queue_run_delay;
	assert_non_null(w->q.run_ev = event_new(w->q.we.base, -1, EV_PERSIST,
	    count_run, w));
	spool_init();
	spare_init(&w->q.spares);
	assert_non_null(w->q.pool = fsync_pool_new(w->q.we.base, 2));
	fake_connect(w, &w->smtpd, ROLE_SMTPD);
	*state = w;
	return 0;
}

int
teardown(void **state)
{
	struct world	*w = *state;
	char		 cmd[128];

	/* Only the directory goes; see worlds[]. */
	assert_int_equal(fchdir(w->olddir), 0);
	close(w->olddir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

size_t
count_files(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int
file_in(const char *dir, const char *qid)
{
	char		path[128];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/%s", dir, qid);
	return stat(path, &st) == 0;
}

size_t
count_msgs(struct world *w)
{
	struct qmsg	*m;
	size_t		 n = 0;

	TAILQ_FOREACH(m, &w->q.msgs, entry)
		n++;
	return n;
}

/* ---- smtpd's side of a message ---- */

/* MSG_CREATE; the content written to the file queue hands over. */
void
create(struct world *w, char *qid, size_t qidlen)
{
	ask(w, &w->smtpd, IPC_MSG_CREATE, NULL);
	assert_int_equal(w->smtpd.type, IPC_MSG_CREATE_OK);
	assert_true(w->smtpd.fd != -1);
	assert_int_equal(write(w->smtpd.fd, CONTENT, strlen(CONTENT)),
	    (ssize_t)strlen(CONTENT));
	close(w->smtpd.fd);
	w->smtpd.fd = -1;
	strlcpy(qid, w->smtpd.qid.qid, qidlen);
	assert_true(file_in("incoming", qid));
}

void
add_rcpt(struct world *w, const char *qid, const char *addr)
{
	struct msg_rcpt	 r;
	uint8_t		 buf[2 * IPC_ADDR_MAX + 64];
	struct wbuf	 wb;

	memset(&r, 0, sizeof(r));
	strlcpy(r.qid, qid, sizeof(r.qid));
	strlcpy(r.addr, addr, sizeof(r.addr));
	wb_init(&wb, buf, sizeof(buf));
	enc_rcpt(&wb, &r);
	ask(w, &w->smtpd, IPC_MSG_RCPT, &wb);
}

void
commit(struct world *w, const char *qid, const char *sender)
{
	struct msg_commit	 m;
	uint8_t			 buf[2 * IPC_ADDR_MAX + 700];
	struct wbuf		 wb;

	memset(&m, 0, sizeof(m));
	strlcpy(m.qid, qid, sizeof(m.qid));
	strlcpy(m.sender, sender, sizeof(m.sender));
	strlcpy(m.helo, "client.test.example", sizeof(m.helo));
	strlcpy(m.client_addr, "192.0.2.1", sizeof(m.client_addr));
	m.size = strlen(CONTENT);
	wb_init(&wb, buf, sizeof(buf));
	enc_commit(&wb, &m);
	ask(w, &w->smtpd, IPC_MSG_COMMIT, &wb);
}

/* A message received and committed, in the queue: its state. */
struct qmsg *
receive(struct world *w, const char *sender, const char *rcpt)
{
	char		 qid[IPC_QID_MAX];
	struct qmsg	*m;

	create(w, qid, sizeof(qid));
	add_rcpt(w, qid, rcpt);
	assert_int_equal(w->smtpd.type, IPC_OK);
	commit(w, qid, sender);
	assert_int_equal(w->smtpd.type, IPC_MSG_COMMIT_OK);
	assert_non_null(m = queue_find(&w->q, qid));
	return m;
}
