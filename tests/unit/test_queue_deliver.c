/*
 * test_queue_deliver.c: queue handing mail to delivery and taking results:
 * sent, deferred, bounced, the local agent gone, a bad result.
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
void
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
void
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
void
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
void
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
void
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
void
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
