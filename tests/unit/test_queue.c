/*
 * test_queue.c: queue's receive and deliver logic against fake peers.
 *
 * The real queue code (queue.c, queue_receive.c, queue_deliver.c,
 * queue_notice.c, the spool and the fsync pool) runs in a temporary
 * spool directory; the test plays master (it hands queue one end of a
 * SOCK_SEQPACKET socketpair with queue_on_peer) and smtpd or local on the
 * other end, speaking the real IPC protocol, so every message either
 * side sends is checked by ipc_chan as in the daemon.  The event loop
 * runs until the fake has what it waits for.
 *
 * The scheduler tick is the test's: run_ev only counts how often queue
 * asked for a run, and deliveries start with deliver_one().
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

#define CONTENT		"Subject: test\n\nhello\n"
#define ROUNDS_MAX	5000	/* event loop turns before giving up */

/* ---- the worker skeleton queue_main() would use: never called ---- */

static int	violations;
static char	violation_why[256];

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

static char	logbuf[65536];

static void
log_to_buffer(int prio, const char *line)
{
	strlcat(logbuf, line, sizeof(logbuf));
	strlcat(logbuf, "\n", sizeof(logbuf));
}

/* ---- the fakes ---- */

struct fake {
	struct ipc_chan	*c;
	int		 closed;
	int		 violation;
	/* the last reply or request that came in */
	int		 got;
	uint32_t	 type;
	uint32_t	 id;
	int		 fd;
	struct msg_qid	 qid;
	struct msg_error err;
	struct msg_deliver deliver;
};

struct world {
	char		 dir[64];
	int		 olddir;
	struct queue	 q;
	int		 runs;		/* queue asked for a scheduler run */
	struct fake	 smtpd;
	struct fake	 local;
	struct fake	 pickup;
};

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

/*
 * Turn the loop until cond holds (a commit's fsync runs in a pool
 * thread and comes back through a pipe: that may take a moment).
 */
#define RUN_UNTIL(w, cond) do {						\
	int	i_;							\
									\
	for (i_ = 0; i_ < ROUNDS_MAX && !(cond); i_++) {		\
		event_base_loop((w)->q.we.base, EVLOOP_NONBLOCK);	\
		if (!(cond))						\
			usleep(1000);					\
	}								\
	assert_true(cond);						\
} while (0)

static void
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
static void
ask(struct world *w, struct fake *f, enum ipc_type type,
    const struct wbuf *wb)
{
	f->got = 0;
	ipc_request(f->c, type, wb, -1);
	RUN_UNTIL(w, f->got);
}

static int
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

static int
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

static size_t
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

static int
file_in(const char *dir, const char *qid)
{
	char		path[128];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/%s", dir, qid);
	return stat(path, &st) == 0;
}

static size_t
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
static void
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

static void
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

static void
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
static struct qmsg *
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

/* ---- receive ---- */

/*
 * COMMIT_OK (smtpd's 250) comes only with the file in active/, its
 * envelope readable as a restart would read it, and the message
 * scheduled.
 */
static void
test_receive_commit(void **state)
{
	struct world	*w = *state;
	char		 qid[IPC_QID_MAX], err[256];
	struct qenv	 env;
	uint64_t	 off;
	int		 runs;

	create(w, qid, sizeof(qid));
	add_rcpt(w, qid, "alice@test.example");
	assert_int_equal(w->smtpd.type, IPC_OK);
	/* The same address twice is one recipient. */
	add_rcpt(w, qid, "alice@test.example");
	assert_int_equal(w->smtpd.type, IPC_OK);
	add_rcpt(w, qid, "bob@test.example");
	assert_int_equal(w->smtpd.type, IPC_OK);
	runs = w->runs;
	commit(w, qid, "sender@test.example");
	assert_int_equal(w->smtpd.type, IPC_MSG_COMMIT_OK);
	assert_string_equal(w->smtpd.qid.qid, qid);

	assert_false(file_in("incoming", qid));
	assert_true(file_in("active", qid));
	assert_int_equal(spool_load("active", qid, &env, &off, err,
	    sizeof(err)), 0);
	assert_string_equal(env.sender, "sender@test.example");
	assert_int_equal(env.size, strlen(CONTENT));
	assert_int_equal(env.nrcpt, 2);
	assert_string_equal(env.rcpt[0].addr, "alice@test.example");
	assert_string_equal(env.rcpt[1].addr, "bob@test.example");
	assert_int_equal(env.rcpt[0].status, QRCPT_PENDING);
	qenv_free(&env);

	assert_non_null(queue_find(&w->q, qid));
	assert_int_equal(count_msgs(w), 1);
	assert_true(w->runs > runs);	/* a scheduler run is asked for */
	assert_non_null(strstr(logbuf, "size=21, nrcpt=2 (queue active)"));
}

/* No recipient kept: the commit fails and nothing is left behind. */
static void
test_receive_commit_without_rcpt(void **state)
{
	struct world	*w = *state;
	char		 qid[IPC_QID_MAX];

	create(w, qid, sizeof(qid));
	commit(w, qid, "sender@test.example");
	assert_int_equal(w->smtpd.type, IPC_ERROR);
	assert_string_equal(w->smtpd.err.dsn, "4.3.0");
	assert_int_equal(count_files("incoming"), 0);
	assert_int_equal(count_files("active"), 0);
	assert_int_equal(count_msgs(w), 0);
}

static void
abort_msg(struct world *w, const char *qid)
{
	struct msg_qid	 m;
	uint8_t		 buf[64];
	struct wbuf	 wb;

	strlcpy(m.qid, qid, sizeof(m.qid));
	wb_init(&wb, buf, sizeof(buf));
	enc_qid(&wb, &m);
	ask(w, &w->smtpd, IPC_MSG_ABORT, &wb);
}

/* MSG_ABORT drops the file; a recipient for it is then refused. */
static void
test_receive_abort(void **state)
{
	struct world	*w = *state;
	char		 qid[IPC_QID_MAX];

	create(w, qid, sizeof(qid));
	abort_msg(w, qid);
	assert_int_equal(w->smtpd.type, IPC_OK);
	assert_false(file_in("incoming", qid));
	add_rcpt(w, qid, "alice@test.example");
	assert_int_equal(w->smtpd.type, IPC_ERROR);
	assert_string_equal(w->smtpd.err.dsn, "4.3.0");
	assert_int_equal(violations, 0);
}

/*
 * A malformed request is smtpd breaking the protocol: its channel is
 * closed, master is asked to restart it, and what it had not committed
 * goes with it.
 */
static void
test_receive_bad_payload(void **state)
{
	struct world	*w = *state;
	char		 qid[IPC_QID_MAX];

	create(w, qid, sizeof(qid));
	ipc_request(w->smtpd.c, IPC_MSG_ABORT, NULL, -1);	/* no qid */
	RUN_UNTIL(w, w->smtpd.closed);
	assert_int_equal(violations, 1);
	assert_string_equal(violation_why, "smtpd: bad MSG_ABORT payload");
	assert_null(w->q.smtpd);
	assert_false(file_in("incoming", qid));
	assert_int_equal(count_files("incoming"), 0);

	/* The next smtpd is served. */
	fake_connect(w, &w->smtpd, ROLE_SMTPD);
	assert_non_null(receive(w, "sender@test.example",
	    "alice@test.example"));
}

/*
 * smtpd goes away after the commit was asked for: the message is queued
 * all the same (the job owns the file), nobody hears COMMIT_OK.
 */
static void
test_receive_smtpd_gone_during_commit(void **state)
{
	struct world		*w = *state;
	char			 qid[IPC_QID_MAX];
	struct msg_commit	 m;
	uint8_t			 buf[2 * IPC_ADDR_MAX + 700];
	struct wbuf		 wb;

	create(w, qid, sizeof(qid));
	add_rcpt(w, qid, "alice@test.example");
	memset(&m, 0, sizeof(m));
	strlcpy(m.qid, qid, sizeof(m.qid));
	m.size = strlen(CONTENT);
	wb_init(&wb, buf, sizeof(buf));
	enc_commit(&wb, &m);
	ipc_request(w->smtpd.c, IPC_MSG_COMMIT, &wb, -1);
	ipc_chan_flush(w->smtpd.c);
	ipc_chan_free(w->smtpd.c);
	w->smtpd.c = NULL;
	RUN_UNTIL(w, queue_find(&w->q, qid) != NULL);
	assert_true(file_in("active", qid));
	assert_null(w->q.smtpd);
	assert_int_equal(violations, 0);
}

/* ---- pickup: the same messages, each submitter its own files ---- */

static void
rcpt_from(struct world *w, struct fake *f, const char *qid, const char *addr)
{
	struct msg_rcpt	 r;
	uint8_t		 buf[2 * IPC_ADDR_MAX + 64];
	struct wbuf	 wb;

	memset(&r, 0, sizeof(r));
	strlcpy(r.qid, qid, sizeof(r.qid));
	strlcpy(r.addr, addr, sizeof(r.addr));
	wb_init(&wb, buf, sizeof(buf));
	enc_rcpt(&wb, &r);
	ask(w, f, IPC_MSG_RCPT, &wb);
}

static void
commit_from(struct world *w, struct fake *f, const char *qid)
{
	struct msg_commit	 m;
	uint8_t			 buf[2 * IPC_ADDR_MAX + 700];
	struct wbuf		 wb;

	memset(&m, 0, sizeof(m));
	strlcpy(m.qid, qid, sizeof(m.qid));
	strlcpy(m.sender, "alice@test.example", sizeof(m.sender));
	m.size = strlen(CONTENT);
	wb_init(&wb, buf, sizeof(buf));
	enc_commit(&wb, &m);
	ask(w, f, IPC_MSG_COMMIT, &wb);
}

static void
create_from(struct world *w, struct fake *f, char *qid, size_t len)
{
	ask(w, f, IPC_MSG_CREATE, NULL);
	assert_int_equal(f->type, IPC_MSG_CREATE_OK);
	assert_int_equal(write(f->fd, CONTENT, strlen(CONTENT)),
	    (ssize_t)strlen(CONTENT));
	close(f->fd);
	f->fd = -1;
	strlcpy(qid, f->qid.qid, len);
}

/*
 * pickup hands messages over as smtpd does; neither may touch the
 * other's unfinished files, and pickup going away drops only its own.
 */
static void
test_receive_from_pickup(void **state)
{
	struct world	*w = *state;
	char		 mine[IPC_QID_MAX], theirs[IPC_QID_MAX];
	char		 left[IPC_QID_MAX];

	fake_connect(w, &w->pickup, ROLE_PICKUP);
	create_from(w, &w->smtpd, theirs, sizeof(theirs));
	create_from(w, &w->pickup, mine, sizeof(mine));
	/* smtpd's file is not pickup's to add to or commit */
	rcpt_from(w, &w->pickup, theirs, "bob@test.example");
	assert_int_equal(w->pickup.type, IPC_ERROR);
	commit_from(w, &w->pickup, theirs);
	assert_int_equal(w->pickup.type, IPC_ERROR);
	/* its own goes through, the reply to pickup */
	rcpt_from(w, &w->pickup, mine, "bob@test.example");
	assert_int_equal(w->pickup.type, IPC_OK);
	commit_from(w, &w->pickup, mine);
	assert_int_equal(w->pickup.type, IPC_MSG_COMMIT_OK);
	assert_string_equal(w->pickup.qid.qid, mine);
	assert_true(file_in("active", mine));
	/* pickup gone with a file unfinished: that one goes, smtpd's stays */
	create_from(w, &w->pickup, left, sizeof(left));
	ipc_chan_free(w->pickup.c);
	w->pickup.c = NULL;
	RUN_UNTIL(w, w->q.pickup == NULL);
	assert_false(file_in("incoming", left));
	assert_true(file_in("incoming", theirs));
	rcpt_from(w, &w->smtpd, theirs, "carol@test.example");
	assert_int_equal(w->smtpd.type, IPC_OK);
	commit_from(w, &w->smtpd, theirs);
	assert_int_equal(w->smtpd.type, IPC_MSG_COMMIT_OK);
	assert_int_equal(count_msgs(w), 2);
	assert_int_equal(violations, 0);
}

/* ---- deliver and results ---- */

static void
deliver(struct world *w, struct qmsg *m)
{
	w->local.got = 0;
	deliver_one(&w->q, m, 0);
	RUN_UNTIL(w, w->local.got);
	assert_int_equal(w->local.type, IPC_DELIVER);
	assert_true(w->local.fd != -1);
	assert_string_equal(w->local.deliver.qid, m->env.qid);
	assert_int_equal(m->ninflight, 1);
	assert_int_equal(w->q.ninflight, 1);
}

static void
answer(struct world *w, uint32_t status, const char *dsn, const char *text)
{
	struct msg_deliver_result	 r;
	static uint8_t			 buf[IPC_PAYLOAD_MAX];
	struct wbuf			 wb;

	memset(&r, 0, sizeof(r));
	r.status = status;
	strlcpy(r.dsn, dsn, sizeof(r.dsn));
	strlcpy(r.text, text, sizeof(r.text));
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver_result(&wb, &r);
	ipc_reply(w->local.c, IPC_DELIVER_RESULT, w->local.id, &wb, -1);
}

/* What local is handed: the file to read, the envelope of one recipient. */
static void
test_deliver_request(void **state)
{
	struct world	*w = *state;
	struct qmsg	*m;
	char		 buf[64];

	m = receive(w, "sender@test.example", "alice@test.example");
	fake_connect(w, &w->local, ROLE_LOCAL);
	deliver(w, m);
	assert_string_equal(w->local.deliver.sender, "sender@test.example");
	assert_string_equal(w->local.deliver.rcpt, "alice@test.example");
	assert_int_equal(w->local.deliver.rcpt_index, 0);
	assert_int_equal(w->local.deliver.content_len, strlen(CONTENT));
	assert_int_equal(w->local.deliver.ndone, 0);
	assert_int_equal(pread(w->local.fd, buf, strlen(CONTENT), 0),
	    (ssize_t)strlen(CONTENT));
	assert_memory_equal(buf, CONTENT, strlen(CONTENT));
	/* read-only: local cannot change the message */
	assert_int_equal(write(w->local.fd, "x", 1), -1);
}

/* Delivered: logged, and the message and its file are gone. */
static void
test_deliver_sent(void **state)
{
	struct world	*w = *state;
	struct qmsg	*m;
	char		 qid[IPC_QID_MAX];

	m = receive(w, "sender@test.example", "alice@test.example");
	strlcpy(qid, m->env.qid, sizeof(qid));
	fake_connect(w, &w->local, ROLE_LOCAL);
	deliver(w, m);
	answer(w, DELIVER_SENT, "2.0.0", "delivered to maildir");
	RUN_UNTIL(w, !(queue_find(&w->q, qid) != NULL));
	assert_null(queue_find(&w->q, qid));
	assert_false(file_in("active", qid));
	assert_int_equal(w->q.ninflight, 0);
	assert_non_null(strstr(logbuf, "to=<alice@test.example>, "
	    "relay=local"));
	assert_non_null(strstr(logbuf, "status=sent (delivered to maildir)"));
	assert_non_null(strstr(logbuf, ": removed"));
}

/* A temporary failure: kept, retried later, the attempt on disk. */
static void
test_deliver_defer(void **state)
{
	struct world	*w = *state;
	struct qmsg	*m;
	char		 qid[IPC_QID_MAX], err[256];
	struct qenv	 env;
	uint64_t	 off;
	time_t		 before = time(NULL);

	m = receive(w, "sender@test.example", "alice@test.example");
	strlcpy(qid, m->env.qid, sizeof(qid));
	fake_connect(w, &w->local, ROLE_LOCAL);
	deliver(w, m);
	answer(w, DELIVER_DEFER, "4.2.2", "mailbox full");
	RUN_UNTIL(w, !(m->ninflight > 0));
	assert_int_equal(m->ninflight, 0);
	assert_ptr_equal(queue_find(&w->q, qid), m);
	assert_int_equal(m->env.rcpt[0].attempts, 1);
	assert_true(m->env.rcpt[0].next_try >= (uint64_t)before +
	    (uint64_t)w->q.sp.minimal_backoff_time);
	assert_int_equal(spool_load("active", qid, &env, &off, err,
	    sizeof(err)), 0);
	assert_int_equal(env.rcpt[0].status, QRCPT_PENDING);
	assert_int_equal(env.rcpt[0].attempts, 1);
	assert_int_equal(env.rcpt[0].next_try, m->env.rcpt[0].next_try);
	qenv_free(&env);
	assert_non_null(strstr(logbuf, "status=deferred (mailbox full)"));
}

/* A permanent failure: a bounce to the sender is queued, the original goes. */
static void
test_deliver_bounce(void **state)
{
	struct world	*w = *state;
	struct qmsg	*m, *n;
	char		 qid[IPC_QID_MAX];

	m = receive(w, "sender@test.example", "nobody@test.example");
	strlcpy(qid, m->env.qid, sizeof(qid));
	fake_connect(w, &w->local, ROLE_LOCAL);
	deliver(w, m);
	answer(w, DELIVER_BOUNCE, "5.1.1", "unknown user");
	RUN_UNTIL(w, !(queue_find(&w->q, qid) != NULL));
	assert_null(queue_find(&w->q, qid));
	assert_int_equal(count_msgs(w), 1);
	n = TAILQ_FIRST(&w->q.msgs);
	assert_string_equal(n->env.sender, "");
	assert_int_equal(n->env.nrcpt, 1);
	assert_string_equal(n->env.rcpt[0].addr, "sender@test.example");
	assert_true(n->env.flags & QFLAG_BOUNCE);
	assert_true(file_in("active", n->env.qid));
	assert_non_null(strstr(logbuf, "status=bounced (unknown user)"));
	assert_non_null(strstr(logbuf, "sender non-delivery notification"));
}

/* local goes away with a delivery in hand: it is retried shortly. */
static void
test_deliver_local_gone(void **state)
{
	struct world	*w = *state;
	struct qmsg	*m;
	time_t		 before = time(NULL);

	m = receive(w, "sender@test.example", "alice@test.example");
	fake_connect(w, &w->local, ROLE_LOCAL);
	deliver(w, m);
	ipc_chan_free(w->local.c);
	w->local.c = NULL;
	RUN_UNTIL(w, w->q.local == NULL);
	assert_int_equal(m->ninflight, 0);
	assert_int_equal(w->q.ninflight, 0);
	assert_false(m->sched[0].inflight);
	assert_true(m->env.rcpt[0].next_try >= (uint64_t)before);
	assert_true(m->env.rcpt[0].next_try <= (uint64_t)time(NULL) + 5);
	assert_int_equal(m->env.rcpt[0].attempts, 0);
	assert_int_equal(violations, 0);
}

/*
 * A result that does not decode is local breaking the protocol: its
 * channel is closed and master asked to restart it; the delivery is
 * retried, not recorded.
 */
static void
test_deliver_bad_result(void **state)
{
	struct world	*w = *state;
	struct qmsg	*m;
	uint8_t		 buf[4] = { 0xff, 0xff, 0xff, 0xff };
	struct wbuf	 wb;

	m = receive(w, "sender@test.example", "alice@test.example");
	fake_connect(w, &w->local, ROLE_LOCAL);
	deliver(w, m);
	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, DELIVER_STATUS_MAX + 7);
	ipc_reply(w->local.c, IPC_DELIVER_RESULT, w->local.id, &wb, -1);
	RUN_UNTIL(w, w->local.closed);
	assert_int_equal(violations, 1);
	assert_string_equal(violation_why,
	    "local: bad DELIVER_RESULT payload");
	assert_null(w->q.local);
	assert_int_equal(m->ninflight, 0);
	assert_int_equal(m->env.rcpt[0].status, QRCPT_PENDING);
	assert_int_equal(m->env.rcpt[0].attempts, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_receive_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_receive_commit_without_rcpt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_abort, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_receive_bad_payload,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_receive_smtpd_gone_during_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_from_pickup, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_request, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_sent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_defer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_bounce, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_local_gone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_bad_result, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
