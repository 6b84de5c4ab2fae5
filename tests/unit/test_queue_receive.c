/*
 * test_queue_receive.c: queue receiving mail: from smtpd (commit, abort,
 * bad payloads, smtpd gone) and from pickup.
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

/* ---- receive ---- */

/*
 * COMMIT_OK (smtpd's 250) comes only with the file in active/, its
 * envelope readable as a restart would read it, and the message
 * scheduled.
 */
void
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
void
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
void
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
void
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
void
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
void
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
