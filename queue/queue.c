/*
 * queue.c: the queue compartment.  It owns the spool (its root), creates
 * and commits queue files durably, schedules local deliveries and records
 * each recipient's outcome.  This file holds the process: its messages in
 * memory, the scheduler tick, the channels and queue_main(); the work is
 * in
 *   queue_receive.c	messages from smtpd: create, recipients, commit
 *			(fsync in a pool thread), abort
 *   queue_deliver.c	deliveries to local and each recipient's result
 *   queue_notice.c	bounces, delay warnings, success reports
 *   queue_load.c	the spool scan at start-up
 *   admin.c		the control socket (bulkctl)
 *
 * Handlers:
 *   on_create, on_rcpt, on_commit, on_abort	from smtpd (queue_receive.c)
 *   on_deliver_result, on_progress		from local (queue_deliver.c)
 *   on_run					the scheduler tick
 *   peer_msg, peer_closed, on_peer		the channels
 *
 * Notices (bounces, delay warnings, success reports) are queued as new
 * messages from the null sender: see send_notices.
 */
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/tree.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/xmalloc.h"
#include "privsep/compartment.h"
#include "privsep/ipc_msgs.h"
#include "privsep/sandbox.h"
#include "privsep/worker.h"
#include "queue/dsn.h"
#include "queue/fsync_pool.h"
#include "queue/qid.h"
#include "queue/rcptdup.h"
#include "queue/sched.h"
#include "queue/queue.h"
#include "queue/spool.h"

#define DELIVERY_CONCURRENCY	40

/* The one place queue reads the clock; the scheduler is given `now'. */
time_t
queue_now(void)
{
	return time(NULL);
}

/* A committed message joins the schedule with every recipient due now. */
struct qmsg *
qmsg_new(struct queue *q, struct qenv *env, uint64_t env_off, int fd)
{
	struct qmsg	*m;
	size_t		 i;

	m = xcalloc(1, sizeof(*m));
	m->sched = xcalloc(env->nrcpt, sizeof(*m->sched));
	m->env = *env;
	m->env_off = env_off;
	m->fd = fd;
	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].status == QRCPT_PENDING)
			m->unfinished++;
	TAILQ_INSERT_TAIL(&q->msgs, m, entry);
	return m;
}

const char *
queue_dir(const struct qmsg *m)
{
	return m->held ? "hold" : "active";
}

static void
qmsg_free(struct queue *q, struct qmsg *m)
{
	TAILQ_REMOVE(&q->msgs, m, entry);
	close(m->fd);
	qenv_free(&m->env);
	free(m->sched);
	free(m);
}

static void
qmsg_finish(struct queue *q, struct qmsg *m)
{
	if (spare_put(&q->spares, m->fd, queue_dir(m), m->env.qid) == -1 &&
	    spool_remove(queue_dir(m), m->env.qid) == -1)
		log_warn("%s: cannot remove queue file", m->env.qid);
	else
		log_info("%s: removed", m->env.qid);
	qmsg_free(q, m);
}

struct qmsg *
queue_find(struct queue *q, const char *qid)
{
	struct qmsg *m;

	TAILQ_FOREACH(m, &q->msgs, entry)
		if (!m->deleted && strcmp(m->env.qid, qid) == 0)
			return m;
	return NULL;
}

/*
 * The administrator deletes a message: the file goes now; deliveries in
 * flight finish (their outcome is ignored) before the state is freed.
 */
void
queue_delete(struct queue *q, struct qmsg *m)
{
	if (spool_remove(queue_dir(m), m->env.qid) == -1) {
		log_warn("%s: cannot delete queue file", m->env.qid);
		return;
	}
	log_info("%s: removed (deleted by the administrator)", m->env.qid);
	m->deleted = 1;
	if (m->ninflight == 0)
		qmsg_free(q, m);
}

/* Notices, warnings and clean-up for a message with nothing in flight. */
int
qmsg_idle_work(struct queue *q, struct qmsg *m, time_t now)
{
	if (m->ninflight > 0 || m->held)
		return 0;
	if (m->deleted) {
		qmsg_free(q, m);
		return 1;
	}
	send_notices(q, m, now);
	if (sched_delay_warning_due(&q->sp, &m->env, now))
		send_delay_warning(q, m, now);
	if (m->unfinished == 0 && !notice_pending(m)) {
		qmsg_finish(q, m);
		return 1;
	}
	return 0;
}

/*
 * A deferred scan starts every queue_run_delay seconds and goes on, run
 * after run, as delivery slots free up, until it has passed over every
 * message: the concurrency limits how many are in flight, not how many
 * a scan may retry.  A wall clock stepped back does not stop the scans.
 */
static int
deferred_scan_runs(struct queue *q, time_t now)
{
	if (sched_scan_starts(&q->sp, &q->next_deferred_scan, now))
		q->deferred_scan = 1;
	return q->deferred_scan;
}

static void
on_run(evutil_socket_t fd, short ev, void *arg)
{
	struct queue	*q = arg;
	struct qmsg	*m, *next;
	time_t		 now = queue_now();
	size_t		 i;
	int		 deferred_scan, waiting = 0;

	deferred_scan = deferred_scan_runs(q, now);
	TAILQ_FOREACH_SAFE(m, &q->msgs, entry, next) {
		if (qmsg_idle_work(q, m, now))
			continue;
		sync_marks(m);
		if (q->local == NULL || m->held || m->deleted)
			continue;
		if (sched_clamp(&q->sp, &m->env, now) > 0)
			log_warnx("%s: a retry time lay beyond "
			    "maximal_backoff_time: the clock went back",
			    m->env.qid);
		for (i = 0; i < m->env.nrcpt; i++) {
			if (q->local == NULL ||
			    q->ninflight >= DELIVERY_CONCURRENCY)
				return;	/* the scan goes on as slots free */
			if (m->sched[i].inflight ||
			    !sched_rcpt_due(&m->env, i, now, deferred_scan))
				continue;
			if (relay_wanted(q, m, i)) {	/* queue_relay.c */
				if (relay_dispatch(q, m, i, now,
				    deferred_scan) == 1)
					waiting = 1;
			} else if (deliver_one(q, m, i) == 1)
				waiting = 1;
		}
	}
	/* A recipient whose destination was busy is tried in this scan
	   still, as its slots free up. */
	if (q->local != NULL && !waiting)
		q->deferred_scan = 0;
}

/*
 * Run the scheduler now.  Not as EV_TIMEOUT: libevent reschedules a
 * persistent timer activated that way one period after its previous
 * due time, so each call pushed the next tick a second further away
 * (a burst of 1,000 commits: no tick for 1,000 s, and a flush or a
 * retry waited that long).  Any other flag reschedules from now.
 */
static void
schedule_soon(struct queue *q)
{
	event_active(q->run_ev, EV_READ, 0);
}

void
queue_schedule_soon(struct queue *q)
{
	schedule_soon(q);
}
/* ---- channels ---- */

static void
peer_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct queue *q = arg;

	if (fd != -1)
		close(fd);
	if (c == q->relay) {		/* queue_relay.c */
		if (h->type == IPC_RELAY_RESULT || h->type == IPC_ERROR)
			on_relay_result(q, c, h->id, h->type, msg);
		else
			ipc_chan_fail(c, "unexpected message type");
		return;
	}
	if (c == q->dns) {		/* queue_dns.c, queue_dane.c */
		if (h->type == IPC_DNS_TLSA_RESULT ||
		    (h->type == IPC_ERROR && dane_owns(h->id)))
			on_tlsa_result(q, c, h->id, h->type, msg);
		else if (h->type == IPC_DNS_MX_RESULT || h->type == IPC_ERROR)
			on_dns_result(q, c, h->id, h->type, msg);
		else
			ipc_chan_fail(c, "unexpected message type");
		return;
	}
	switch (h->type) {
	case IPC_MSG_CREATE:
		on_create(q, c, h->id);
		break;
	case IPC_MSG_RCPT:
		on_rcpt(q, c, h->id, &msg->rcpt);
		break;
	case IPC_MSG_COMMIT:
		on_commit(q, c, h->id, &msg->commit);
		break;
	case IPC_MSG_ABORT:
		on_abort(q, c, h->id, &msg->qid);
		break;
	case IPC_DELIVER_RESULT:
	case IPC_ERROR:
		on_deliver_result(q, c, h->id, h->type, msg);
		break;
	case IPC_DELIVER_PROGRESS:
		on_progress(q, c, &msg->deliver_progress);
		break;
	default:
		ipc_chan_fail(c, "unexpected message type");
	}
}

static void
peer_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct queue	*q = arg;

	if (violation)
		worker_peer_violation(&q->we, ipc_chan_peer(c), why);
	if (c == q->smtpd || c == q->pickup) {
		/* Nothing smtpd or pickup had not committed was ever
		   acknowledged. */
		incoming_drop_chan(q, c);
		if (c == q->smtpd)
			q->smtpd = NULL;
		else
			q->pickup = NULL;
	} else if (c == q->local) {
		requeue_inflight(q);
		q->local = NULL;
	} else if (c == q->relay) {
		relay_requeue_inflight(q);
		q->relay = NULL;
	} else if (c == q->dns) {
		dns_requeue_inflight(q);
		dane_requeue_inflight(q);
		q->dns = NULL;
	}
	ipc_chan_free(c);
}

static void
on_peer(struct worker_env *we, enum bh_role peer, int fd)
{
	struct queue	 *q = we->arg;
	struct ipc_chan **slot;

	if (peer == ROLE_SMTPD) {
		slot = &q->smtpd;
		q->smtpd_gen++;
	} else if (peer == ROLE_PICKUP) {
		slot = &q->pickup;
		q->pickup_gen++;
	} else if (peer == ROLE_LOCAL)
		slot = &q->local;
	else if (peer == ROLE_RELAY)
		slot = &q->relay;
	else if (peer == ROLE_DNS)
		slot = &q->dns;
	else {
		close(fd);
		fatalx("master handed queue a channel to %s",
		    ipc_role_name(peer));
	}
	if (*slot != NULL)
		peer_closed(*slot, "replaced", 0, q);
	*slot = ipc_chan_new(we->base, fd, ROLE_QUEUE, peer, peer_msg,
	    peer_closed, q);
	schedule_soon(q);
}

/* master's hand-over of a peer channel; a unit test playing master too. */
void
queue_on_peer(struct worker_env *we, enum bh_role peer, int fd)
{
	on_peer(we, peer, fd);
}

/* Before the privilege drop: the scheduler's parameters and tick. */
static void
queue_prepare(struct worker_env *we, struct sandbox_spec *sb)
{
	struct queue	*q = we->arg;
	struct timeval	 tick = { 1, 0 };

	q->sp.minimal_backoff_time = we->cf.minimal_backoff_time;
	q->sp.maximal_backoff_time = we->cf.maximal_backoff_time;
	q->sp.maximal_queue_lifetime = we->cf.maximal_queue_lifetime;
	q->sp.bounce_queue_lifetime = we->cf.bounce_queue_lifetime;
	q->sp.delay_warning_time = we->cf.delay_warning_time;
	q->sp.queue_run_delay = we->cf.queue_run_delay;
	relay_prepare(q);	/* transport_maps */
	if ((q->run_ev = event_new(we->base, -1, EV_PERSIST, on_run, q))
	    == NULL || event_add(q->run_ev, &tick) == -1)
		fatalx("scheduler timer");
}

/* master's answers: smtp_sasl_password_maps entries (queue_sasl.c). */
static void
on_master_reply(struct worker_env *we, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd)
{
	if (fd != -1)
		close(fd);
	if (h->type == IPC_SASL_CREDS ||
	    (h->type == IPC_ERROR && sasl_owns(h->id)))
		on_sasl_creds(we->arg, h->id, h->type, msg);
	else
		fatalx("unexpected %s from master", ipc_type_name(h->type));
}

/* In the spool: the commit pool, then what the last run left. */
static void
queue_start(struct worker_env *we)
{
	struct queue *q = we->arg;

	spool_init();
	spare_init(&q->spares);
	q->pool = fsync_pool_new(we->base, compartment(ROLE_QUEUE)->threads);
	spool_walk("incoming", drop_unacknowledged, q);
	spool_walk("active", load_active, q);
	spool_walk("hold", load_held, q);
	if (we->nlisteners == 1)
		admin_start(q, WORKER_MASTER_FD + 1);
}

static void
queue_ready(struct worker_env *we)
{
	struct queue	*q = we->arg;
	struct qmsg	*m;
	size_t		 n = 0;

	TAILQ_FOREACH(m, &q->msgs, entry)
		n++;
	log_info("ready: %zu messages in the queue", n);
}

int
queue_main(int argc, char **argv)
{
	static struct queue		q;
	static const struct worker_role	role = {
		.role = ROLE_QUEUE,
		.prepare = queue_prepare,
		.start = queue_start,
		.ready = queue_ready,
		.on_peer = on_peer,
		.on_master_reply = on_master_reply,
	};

	TAILQ_INIT(&q.msgs);
	TAILQ_INIT(&q.incoming);
	RB_INIT(&q.inflight);
	return worker_main(&role, &q.we, &q, argc, argv);
}
