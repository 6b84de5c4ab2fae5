/*
 * queue.c: the queue compartment.  It owns the spool (its root), creates
 * and commits queue files durably, schedules local deliveries and records
 * each recipient's outcome.
 *
 * Handlers:
 *   on_create, on_rcpt, on_commit, on_abort	from smtpd
 *   on_deliver_result				from local
 *   on_run					the scheduler tick
 *
 * Notices (bounces, delay warnings, success reports) are queued here as
 * new messages from the null sender: see send_notices.
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
#define LOCAL_DOWN_RETRY	5	/* seconds */

struct inflight {
	RB_ENTRY(inflight)	 entry;
	uint32_t		 id;		/* DELIVER request id */
	struct qmsg		*msg;
	size_t			 rcpt;
};

static int
inflight_cmp(struct inflight *a, struct inflight *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}
RB_PROTOTYPE_STATIC(inflight_tree, inflight, entry, inflight_cmp);
RB_GENERATE_STATIC(inflight_tree, inflight, entry, inflight_cmp);

/* The one place queue reads the clock; the scheduler is given `now'. */
time_t
queue_now(void)
{
	return time(NULL);
}

static void schedule_soon(struct queue *);

/* ---- from smtpd ---- */

static struct incoming *
incoming_find(struct queue *q, const char *qid)
{
	struct incoming *in;

	TAILQ_FOREACH(in, &q->incoming, entry)
		if (strcmp(in->env.qid, qid) == 0)
			return in;
	return NULL;
}

static void
incoming_drop(struct queue *q, struct incoming *in)
{
	TAILQ_REMOVE(&q->incoming, in, entry);
	close(in->fd);
	spool_discard_incoming(in->env.qid);
	qenv_free(&in->env);
	free(in);
}

static const char *
storage_dsn(int err)
{
	return (err == ENOSPC || err == EDQUOT || err == EFBIG) ?
	    "4.3.1" : "4.3.0";
}

static void
on_create(struct queue *q, struct ipc_chan *c, uint32_t id, struct rbuf *rb)
{
	struct incoming	*in;
	struct msg_qid	 rep;
	uint8_t		 buf[64];
	struct wbuf	 wb;
	int		 wo, tries;

	if (dec_empty(rb) == -1) {
		ipc_chan_fail(c, "bad MSG_CREATE payload");
		return;
	}
	if ((in = calloc(1, sizeof(*in))) == NULL)
		fatal("on_create");
	for (tries = 0; tries < 10; tries++) {
		qid_new(&q->qids, in->env.qid);
		if (spare_take(&q->spares, in->env.qid, &in->fd, &wo) == 0 ||
		    spool_create(in->env.qid, &in->fd, &wo) == 0 ||
		    errno != EEXIST)
			break;
	}
	if (tries == 10 || in->fd == -1) {
		log_warn("cannot create a queue file");
		ipc_reply_error(c, id, storage_dsn(errno),
		    "Insufficient system storage");
		free(in);
		return;
	}
	TAILQ_INSERT_TAIL(&q->incoming, in, entry);
	strlcpy(rep.qid, in->env.qid, sizeof(rep.qid));
	wb_init(&wb, buf, sizeof(buf));
	enc_qid(&wb, &rep);
	ipc_reply(c, IPC_MSG_CREATE_OK, id, &wb, wo);
}

static void
on_rcpt(struct queue *q, struct ipc_chan *c, uint32_t id, struct rbuf *rb)
{
	struct msg_rcpt	 req;
	struct incoming	*in;
	struct qrcpt	*dup;

	if (dec_rcpt(rb, &req) == -1) {
		ipc_chan_fail(c, "bad MSG_RCPT payload");
		return;
	}
	if ((in = incoming_find(q, req.qid)) == NULL) {
		ipc_reply_error(c, id, "4.3.0", "no such incoming message");
		return;
	}
	if ((dup = rcpt_find(&in->env, req.addr)) != NULL) {
		/* One envelope recipient per address, as Postfix's cleanup. */
		dup->notify = rcpt_merge_notify(dup->notify, req.notify);
		ipc_reply(c, IPC_OK, id, NULL, -1);
		return;
	}
	if (qenv_add_rcpt_dsn(&in->env, req.addr, req.notify, req.orcpt)
	    == -1) {
		in->failed = 1;
		ipc_reply_error(c, id, "4.5.3", "too many recipients");
		return;
	}
	ipc_reply(c, IPC_OK, id, NULL, -1);
}

/* A committed message joins the schedule with every recipient due now. */
static struct qmsg *
qmsg_new(struct queue *q, struct qenv *env, uint64_t env_off, int fd)
{
	struct qmsg	*m;
	size_t		 i;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->sched = calloc(env->nrcpt, sizeof(*m->sched))) == NULL)
		fatal("qmsg_new");
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

/* A commit on its way to disk, in a pool thread. */
struct commit_job {
	struct queue	*q;
	struct incoming	*in;
	uint32_t	 id;		/* the MSG_COMMIT request */
	uint64_t	 smtpd_gen;	/* of the channel that asked */
	int		 error;		/* set by the thread */
};

static void
commit_work(void *arg)
{
	struct commit_job *j = arg;

	j->error = spool_commit_sync(j->in->fd, j->in->env.qid);
}

/* Back in the loop: only now may smtpd say 250. */
static void
commit_done(void *arg)
{
	struct commit_job	*j = arg;
	struct queue		*q = j->q;
	struct incoming		*in = j->in;
	struct ipc_chan		*c = NULL;
	struct msg_qid		 rep;
	uint8_t			 buf[64];
	struct wbuf		 wb;

	if (q->smtpd != NULL && q->smtpd_gen == j->smtpd_gen)
		c = q->smtpd;
	if (j->error != 0) {
		log_warnx("%s: commit failed: %s", in->env.qid,
		    strerror(j->error));
		if (c != NULL)
			ipc_reply_error(c, j->id, storage_dsn(j->error),
			    "Error: queue file write error");
		close(in->fd);
		spool_discard_failed(in->env.qid);
		qenv_free(&in->env);
		free(in);
		free(j);
		return;
	}
	log_info("%s: from=<%s>, size=%llu, nrcpt=%zu (queue active)",
	    in->env.qid, in->env.sender, (unsigned long long)in->env.size,
	    in->env.nrcpt);
	if (c != NULL) {
		strlcpy(rep.qid, in->env.qid, sizeof(rep.qid));
		wb_init(&wb, buf, sizeof(buf));
		enc_qid(&wb, &rep);
		ipc_reply(c, IPC_MSG_COMMIT_OK, j->id, &wb, -1);
	}
	qmsg_new(q, &in->env, in->env.size, in->fd);
	free(in);
	free(j);
	schedule_soon(q);
}

static void
on_commit(struct queue *q, struct ipc_chan *c, uint32_t id, struct rbuf *rb)
{
	struct msg_commit	 req;
	struct incoming		*in;
	struct commit_job	*j;
	char			 err[256];

	if (dec_commit(rb, &req) == -1) {
		ipc_chan_fail(c, "bad MSG_COMMIT payload");
		return;
	}
	if ((in = incoming_find(q, req.qid)) == NULL) {
		ipc_reply_error(c, id, "4.3.0", "no such incoming message");
		return;
	}
	in->env.arrival = queue_now();
	in->env.size = req.size;
	in->env.ret = req.ret;
	in->env.flags = req.flags & MSG_FLAG_MASK;
	in->env.warned = QWARN_NONE;
	strlcpy(in->env.envid, req.envid, sizeof(in->env.envid));
	strlcpy(in->env.sender, req.sender, sizeof(in->env.sender));
	strlcpy(in->env.helo, req.helo, sizeof(in->env.helo));
	strlcpy(in->env.client_addr, req.client_addr,
	    sizeof(in->env.client_addr));
	strlcpy(in->env.client_name, req.client_name,
	    sizeof(in->env.client_name));
	errno = 0;
	if (in->failed || in->env.nrcpt == 0 ||
	    spool_commit_prepare(in->fd, &in->env, err, sizeof(err)) == -1) {
		log_warnx("%s: commit failed: %s", req.qid,
		    in->failed || in->env.nrcpt == 0 ?
		    "recipient list incomplete" : err);
		ipc_reply_error(c, id, storage_dsn(errno),
		    "Error: queue file write error");
		incoming_drop(q, in);
		return;
	}
	/* From here the job owns the file: smtpd going away cannot drop it. */
	TAILQ_REMOVE(&q->incoming, in, entry);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		fatal("on_commit");
	j->q = q;
	j->in = in;
	j->id = id;
	j->smtpd_gen = q->smtpd_gen;
	fsync_pool_submit(q->pool, commit_work, commit_done, j);
}

static void
on_abort(struct queue *q, struct ipc_chan *c, uint32_t id, struct rbuf *rb)
{
	struct msg_qid	 req;
	struct incoming	*in;

	if (dec_qid(rb, &req) == -1) {
		ipc_chan_fail(c, "bad MSG_ABORT payload");
		return;
	}
	if ((in = incoming_find(q, req.qid)) != NULL)
		incoming_drop(q, in);
	ipc_reply(c, IPC_OK, id, NULL, -1);
}

/* ---- to and from local ---- */

static void
deliver_one(struct queue *q, struct qmsg *m, size_t i)
{
	static struct msg_deliver req;
	static uint8_t		 buf[IPC_PAYLOAD_MAX];
	struct qrcpt		*rc = &m->env.rcpt[i];
	struct wbuf		 wb;
	struct inflight		*f;
	int			 fd;

	if ((fd = spool_open(m->env.qid, O_RDONLY)) == -1) {
		log_warn("%s: cannot open queue file", m->env.qid);
		m->env.rcpt[i].next_try = queue_now() + LOCAL_DOWN_RETRY;
		return;
	}
	strlcpy(req.qid, m->env.qid, sizeof(req.qid));
	req.rcpt_index = i;
	req.content_len = m->env.size;
	strlcpy(req.sender, m->env.sender, sizeof(req.sender));
	strlcpy(req.rcpt, m->env.rcpt[i].addr, sizeof(req.rcpt));
	/* The alias members an earlier attempt reached: local skips them. */
	for (req.ndone = 0; req.ndone < rc->ndone; req.ndone++)
		strlcpy(req.done[req.ndone], rc->done[req.ndone],
		    sizeof(req.done[0]));
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver(&wb, &req);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		fatal("deliver_one");
	f->id = ipc_request(q->local, IPC_DELIVER, &wb, fd);
	if (q->local == NULL) {
		/* The send failed and closed the channel: retry later. */
		free(f);
		m->env.rcpt[i].next_try = queue_now() + LOCAL_DOWN_RETRY;
		return;
	}
	f->msg = m;
	f->rcpt = i;
	if (RB_INSERT(inflight_tree, &q->inflight, f) != NULL)
		fatalx("deliver_one: request id %u in use", f->id);
	m->sched[i].inflight = 1;
	m->ninflight++;
	q->ninflight++;
}

static void send_notices(struct queue *, struct qmsg *, time_t);
static void send_delay_warning(struct queue *, struct qmsg *, time_t);
static void qmsg_finish(struct queue *, struct qmsg *);
static int notice_pending(struct qmsg *);
static void sync_marks(struct qmsg *);

/* Notices, warnings and clean-up for a message with nothing in flight. */
static int
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
	int		 deferred_scan;

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
			if (!m->sched[i].inflight &&
			    sched_rcpt_due(&m->env, i, now, deferred_scan))
				deliver_one(q, m, i);
		}
	}
	if (q->local != NULL)
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

static void
log_outcome(struct qmsg *m, size_t i, const char *status,
    const struct msg_deliver_result *r)
{
	log_info("%s: to=<%s>, relay=local, delay=%lld, dsn=%s, status=%s "
	    "(%s)", m->env.qid, m->env.rcpt[i].addr,
	    (long long)(queue_now() - (time_t)m->env.arrival), r->dsn, status,
	    r->text);
}

static void
record_final(struct qmsg *m, size_t i, char status,
    const struct msg_deliver_result *r)
{
	m->env.rcpt[i].status = status;
	strlcpy(m->sched[i].dsn, r->dsn, sizeof(m->sched[i].dsn));
	strlcpy(m->sched[i].text, r->text, sizeof(m->sched[i].text));
	m->unfinished--;
	/*
	 * Not synced yet: when this was the last recipient the file is
	 * removed next and the fdatasync would buy nothing; otherwise
	 * sync_marks() syncs it once the message is idle again.  A crash
	 * in between may repeat this delivery, never lose one.
	 */
	if (spool_write_at(m->fd, m->env_off + m->env.rcpt[i].status_off,
	    &status, 1) == -1)
		log_warn("%s: cannot record the status of <%s>; it may be "
		    "delivered again", m->env.qid, m->env.rcpt[i].addr);
	m->marks_unsynced = 1;
}

/* The status marks record_final() wrote, to disk. */
static void
sync_marks(struct qmsg *m)
{
	if (!m->marks_unsynced)
		return;
	m->marks_unsynced = 0;
	if (fdatasync(m->fd) == -1)
		log_warn("%s: cannot sync recipient status; deliveries may "
		    "be repeated", m->env.qid);
}

/* A temporary failure: back off, or bounce when the message expired. */
static void
record_defer(struct queue *q, struct qmsg *m, size_t i,
    struct msg_deliver_result *r)
{
	struct qrcpt	*rc = &m->env.rcpt[i];
	char		 sched[QRCPT_SCHED_LEN + 1];
	time_t		 now = queue_now();

	if (sched_expired(&q->sp, &m->env, now)) {
		log_outcome(m, i, "expired", r);
		record_final(m, i, QRCPT_BOUNCED, r);
		return;
	}
	rc->attempts++;
	rc->next_try = sched_next_try(&q->sp, &m->env, now);
	strlcpy(m->sched[i].dsn, r->dsn, sizeof(m->sched[i].dsn));
	strlcpy(m->sched[i].text, r->text, sizeof(m->sched[i].text));
	qfile_format_sched(rc, sched);
	if (spool_patch(m->fd, m->env_off + rc->status_off + QRCPT_SCHED_OFF,
	    sched, QRCPT_SCHED_LEN) == -1)
		log_warn("%s: cannot record the next try of <%s>", m->env.qid,
		    rc->addr);
	log_outcome(m, i, "deferred", r);
}

/*
 * A deferred recipient's alias members that local delivered to, kept
 * durably with the recipient (M records) before the retry is scheduled:
 * the next DELIVER hands them back and local skips them, so one
 * member's temporary failure does not repeat the others.  local can only
 * name members of the recipient it was given (the request id says
 * which); the list is bounded (QRCPT_DONE_MAX).
 */
static void
record_members(struct qmsg *m, size_t i, const struct msg_deliver_result *r)
{
	struct qrcpt	*rc = &m->env.rcpt[i];
	uint32_t	 k, added = 0;

	for (k = 0; k < r->ndone; k++)
		switch (qrcpt_done_add(rc, r->done[k])) {
		case 1:
			added++;
			break;
		case -1:
			log_warnx("%s: to=<%s>: too many alias members to "
			    "remember; some may get the message again",
			    m->env.qid, rc->addr);
			k = r->ndone;
			break;
		}
	if (added == 0)
		return;
	if (spool_append_envelope(m->fd, &m->env, &m->env_off) == -1)
		log_warn("%s: to=<%s>: cannot record the %u member%s "
		    "delivered; they may get the message again", m->env.qid,
		    rc->addr, added, added == 1 ? "" : "s");
	else
		log_info("%s: to=<%s>: %u more alias member%s delivered, "
		    "skipped when retried", m->env.qid, rc->addr, added,
		    added == 1 ? "" : "s");
}

/* ---- notices ---- */

static const char *
default_dsn(enum dsn_kind kind)
{
	return kind == DSN_SUCCESS ? "2.0.0" : kind == DSN_DELAY ? "4.0.0" :
	    "5.0.0";
}

/* Who gets a notice about m, with which flags; NULL: nobody. */
static const char *
notice_recipient(struct queue *q, struct qmsg *m, enum dsn_kind kind,
    char *buf, size_t len, uint32_t *flags)
{
	const char *pm = q->we.cf.double_bounce_notice_recipient;

	if (m->env.sender[0] != '\0') {
		*flags = QFLAG_BOUNCE;
		return m->env.sender;
	}
	/* Never to the null sender; a failed notice goes to postmaster. */
	if (kind != DSN_FAILURE)
		return NULL;
	if (m->env.flags & QFLAG_DOUBLE_BOUNCE) {
		log_warnx("%s: undeliverable postmaster notification "
		    "discarded", m->env.qid);
		return NULL;
	}
	*flags = QFLAG_BOUNCE | QFLAG_DOUBLE_BOUNCE;
	if (strchr(pm, '@') != NULL)
		strlcpy(buf, pm, len);
	else
		snprintf(buf, len, "%s@%s", pm, q->we.cf.myhostname);
	return buf;
}

/* Read what a notice returns of the original message. */
static char *
notice_content(struct queue *q, struct qmsg *m, size_t *len, int *hdrs)
{
	size_t	 want = m->env.size;
	char	*buf;
	ssize_t	 n;

	*hdrs = m->env.ret == DSN_RET_HDRS ||
	    m->env.size > (uint64_t)q->we.cf.bounce_size_limit;
	if (want > (size_t)q->we.cf.bounce_size_limit)
		want = q->we.cf.bounce_size_limit;
	if ((buf = malloc(want + 1)) == NULL)
		return NULL;
	if ((n = pread(m->fd, buf, want, 0)) < 0) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/*
 * Queue one notice about entries of m, to owner if that is not empty,
 * else to whom notice_recipient() says.  0 when sent (or not wanted).
 */
static int
notice_send(struct queue *q, struct qmsg *m, enum dsn_kind kind,
    struct dsn_entry *e, size_t n, time_t now, const char *owner)
{
	static const char *what[] = { "sender non-delivery notification",
	    "sender delay notification", "sender delivery status notification" };
	struct dsn_report	 r;
	struct qenv		 nenv;
	char			 to[IPC_ADDR_MAX], *content, *msg, err[256];
	uint32_t		 flags = 0;
	size_t			 clen = 0, mlen;
	int			 fd;

	memset(&r, 0, sizeof(r));
	if (owner[0] != '\0') {
		r.to = owner;
		flags = QFLAG_BOUNCE;
	} else if ((r.to = notice_recipient(q, m, kind, to, sizeof(to),
	    &flags)) == NULL)
		return 0;
	if ((content = notice_content(q, m, &clen, &r.headers_only)) == NULL) {
		log_warn("%s: cannot read the message for a notice",
		    m->env.qid);
		return -1;
	}
	r.kind = kind;
	r.hostname = q->we.cf.myhostname;
	r.env = &m->env;
	r.entries = e;
	r.nentries = n;
	r.content = content;
	r.content_len = clen;
	/* The notice's own queue id: each notice its own Message-Id. */
	memset(&nenv, 0, sizeof(nenv));
	qid_new(&q->qids, nenv.qid);
	r.notice_qid = nenv.qid;
	r.now = now;
	r.retry_until = m->env.arrival + q->sp.maximal_queue_lifetime;
	msg = dsn_build(&r, &mlen);
	free(content);
	if (msg == NULL)
		fatal("dsn_build");

	nenv.arrival = now;
	nenv.flags = flags;
	nenv.warned = QWARN_NONE;
	strlcpy(nenv.helo, q->we.cf.myhostname, sizeof(nenv.helo));
	if (qenv_add_rcpt(&nenv, r.to) == -1 ||
	    (fd = spool_inject(&q->qids, &nenv, msg, mlen, err, sizeof(err)))
	    == -1) {
		log_warnx("%s: cannot queue a %s to <%s>: %s", m->env.qid,
		    what[kind], r.to, nenv.nrcpt ? err : "bad address");
		qenv_free(&nenv);
		free(msg);
		return -1;
	}
	free(msg);
	log_info("%s: %s: %s", m->env.qid, what[kind], nenv.qid);
	log_info("%s: from=<>, size=%llu, nrcpt=1 (queue active)", nenv.qid,
	    (unsigned long long)nenv.size);
	qmsg_new(q, &nenv, nenv.size, fd);
	schedule_soon(q);
	return 0;
}

/* The final outcomes of kind whose notice is still due, into e. */
static size_t
collect_final(struct qmsg *m, enum dsn_kind kind, struct dsn_entry *e)
{
	char	 want = kind == DSN_SUCCESS ? QRCPT_DELIVERED : QRCPT_BOUNCED;
	size_t	 i, n = 0;

	for (i = 0; i < m->env.nrcpt; i++) {
		if (m->env.rcpt[i].status != want ||
		    m->env.rcpt[i].notice != QNOTICE_NONE ||
		    !dsn_wants(&m->env.rcpt[i], kind))
			continue;
		e[n].rcpt = i;
		strlcpy(e[n].status, m->sched[i].dsn[0] ? m->sched[i].dsn :
		    default_dsn(kind), sizeof(e[n].status));
		strlcpy(e[n].text, m->sched[i].text, sizeof(e[n].text));
		n++;
	}
	return n;
}

/* Record durably that the notices for e went out: the 'N' bytes. */
static void
mark_notified(struct qmsg *m, const struct dsn_entry *e, size_t n)
{
	struct qrcpt	*rc;
	size_t		 i;

	for (i = 0; i < n; i++) {
		rc = &m->env.rcpt[e[i].rcpt];
		rc->notice = QNOTICE_QUEUED;
		if (spool_mark(m->fd, m->env_off + rc->status_off +
		    QRCPT_NOTICE_OFF, QNOTICE_QUEUED) == -1)
			log_warn("%s: cannot record the notice for <%s>; it "
			    "may be sent again", m->env.qid, rc->addr);
	}
}

/*
 * One notice per addressee: failures of a recipient delivered through an
 * alias with an owner-NAME go to that owner, the rest to the sender.
 * On failure the message stays; the next run tries again.
 */
static void
send_grouped(struct queue *q, struct qmsg *m, enum dsn_kind kind,
    struct dsn_entry *e, size_t n, time_t now)
{
	struct dsn_entry	 tmp;
	const char		*to;
	size_t			 i, k;

	while (n > 0) {
		to = kind == DSN_FAILURE ? m->sched[e[0].rcpt].owner : "";
		for (i = 1, k = 1; i < n; i++) {
			if (kind != DSN_FAILURE ||
			    strcmp(m->sched[e[i].rcpt].owner, to) != 0)
				continue;
			tmp = e[k];
			e[k++] = e[i];
			e[i] = tmp;
		}
		if (notice_send(q, m, kind, e, k, now, to) == 0)
			mark_notified(m, e, k);
		e += k;
		n -= k;
	}
}

/*
 * Failure and success notices for the final recipients that want one.
 * The notice is committed before its 'N' marks: a crash may send one
 * twice, never lose one.  Until it is queued the message stays.
 */
static void
send_notices(struct queue *q, struct qmsg *m, time_t now)
{
	static const enum dsn_kind kinds[] = { DSN_FAILURE, DSN_SUCCESS };
	struct dsn_entry	*e;
	size_t			 k, n;

	if ((e = calloc(m->env.nrcpt, sizeof(*e))) == NULL)
		fatal("send_notices");
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if ((n = collect_final(m, kinds[k], e)) > 0)
			send_grouped(q, m, kinds[k], e, n, now);
	free(e);
}

static int
notice_pending(struct qmsg *m)
{
	struct dsn_entry	*e;
	size_t			 n;

	if ((e = calloc(m->env.nrcpt, sizeof(*e))) == NULL)
		fatal("notice_pending");
	n = collect_final(m, DSN_FAILURE, e) + collect_final(m, DSN_SUCCESS, e);
	free(e);
	return n > 0;
}

static void
send_delay_warning(struct queue *q, struct qmsg *m, time_t now)
{
	struct dsn_entry	*e;
	size_t			 i, n = 0;

	if ((e = calloc(m->env.nrcpt, sizeof(*e))) == NULL)
		fatal("send_delay_warning");
	for (i = 0; i < m->env.nrcpt; i++) {
		if (m->env.rcpt[i].status != QRCPT_PENDING ||
		    !dsn_wants(&m->env.rcpt[i], DSN_DELAY))
			continue;
		e[n].rcpt = i;
		strlcpy(e[n].status, m->sched[i].dsn[0] ? m->sched[i].dsn :
		    default_dsn(DSN_DELAY), sizeof(e[n].status));
		strlcpy(e[n].text, m->sched[i].text, sizeof(e[n].text));
		n++;
	}
	if (n > 0 && notice_send(q, m, DSN_DELAY, e, n, now, "") == 0) {
		m->env.warned = QWARN_SENT;
		if (spool_mark(m->fd, m->env_off + m->env.warn_off,
		    QWARN_SENT) == -1)
			log_warn("%s: cannot record the delay warning",
			    m->env.qid);
	}
	free(e);
}

/*
 * The alias reached its other members, these failed for good: a log line
 * each and one failure notice about them (to the alias's owner-NAME or
 * the sender), queued before the recipient is marked delivered.  -1 when
 * the notice could not be queued.
 */
static int
member_failures(struct queue *q, struct qmsg *m, size_t i,
    const struct msg_deliver_result *r)
{
	struct dsn_entry	*e;
	uint32_t		 k;
	int			 rc = 0;

	if ((e = calloc(r->nfailed, sizeof(*e))) == NULL)
		fatal("member_failures");
	for (k = 0; k < r->nfailed; k++) {
		log_info("%s: to=<%s>, orig_to=<%s>, relay=local, delay=%lld, "
		    "dsn=%s, status=bounced (%s)", m->env.qid,
		    r->failed[k].addr, m->env.rcpt[i].addr,
		    (long long)(queue_now() - (time_t)m->env.arrival),
		    r->failed[k].dsn, r->failed[k].text);
		e[k].rcpt = i;
		strlcpy(e[k].status, r->failed[k].dsn, sizeof(e[k].status));
		strlcpy(e[k].text, r->failed[k].text, sizeof(e[k].text));
		strlcpy(e[k].member, r->failed[k].addr, sizeof(e[k].member));
	}
	if (dsn_wants(&m->env.rcpt[i], DSN_FAILURE))
		rc = notice_send(q, m, DSN_FAILURE, e, r->nfailed, queue_now(),
		    m->sched[i].owner);
	free(e);
	return rc;
}

static void
on_deliver_result(struct queue *q, struct ipc_chan *c, uint32_t id,
    uint32_t type, struct rbuf *rb)
{
	struct inflight			 key, *f;
	struct msg_deliver_result	 r;
	struct msg_error		 e;
	struct qmsg			*m;

	key.id = id;
	if ((f = RB_FIND(inflight_tree, &q->inflight, &key)) == NULL)
		return;		/* cannot happen: ipc checked the id */
	if (type == IPC_ERROR) {
		if (dec_error(rb, &e) == -1) {
			ipc_chan_fail(c, "bad ERROR payload");
			return;
		}
		memset(&r, 0, sizeof(r));	/* no owner, members */
		r.status = e.dsn[0] == '5' ? DELIVER_BOUNCE : DELIVER_DEFER;
		strlcpy(r.dsn, e.dsn, sizeof(r.dsn));
		strlcpy(r.text, e.text, sizeof(r.text));
	} else if (dec_deliver_result(rb, &r) == -1) {
		ipc_chan_fail(c, "bad DELIVER_RESULT payload");
		return;
	}
	if (r.owner[0] != '\0' &&
	    !dsn_owner_fits(f->msg->env.rcpt[f->rcpt].addr, r.owner,
	    q->we.cf.recipient_delimiter, q->we.cf.myhostname)) {
		log_security("%s: local named %s as the owner of <%s>",
		    f->msg->env.qid, r.owner, f->msg->env.rcpt[f->rcpt].addr);
		ipc_chan_fail(c, "owner address does not fit the recipient");
		return;
	}
	RB_REMOVE(inflight_tree, &q->inflight, f);
	m = f->msg;
	m->sched[f->rcpt].inflight = 0;
	strlcpy(m->sched[f->rcpt].owner, r.owner,
	    sizeof(m->sched[f->rcpt].owner));
	m->ninflight--;
	q->ninflight--;
	if (m->deleted) {
		free(f);
		qmsg_idle_work(q, m, queue_now());
		return;
	}
	if (r.status == DELIVER_SENT && r.nfailed > 0 &&
	    member_failures(q, m, f->rcpt, &r) == -1) {
		/* Rather a repeat for the others than a lost notice. */
		r.status = DELIVER_DEFER;
		strlcpy(r.dsn, "4.3.0", sizeof(r.dsn));
		strlcpy(r.text, "cannot queue the notice about failed alias "
		    "members", sizeof(r.text));
	}
	switch (r.status) {
	case DELIVER_SENT:
		log_outcome(m, f->rcpt, "sent", &r);
		record_final(m, f->rcpt, QRCPT_DELIVERED, &r);
		break;
	case DELIVER_BOUNCE:
		log_outcome(m, f->rcpt, "bounced", &r);
		record_final(m, f->rcpt, QRCPT_BOUNCED, &r);
		break;
	default:
		record_members(m, f->rcpt, &r);
		record_defer(q, m, f->rcpt, &r);
		break;
	}
	free(f);
	if (!qmsg_idle_work(q, m, queue_now()))
		sync_marks(m);
	schedule_soon(q);
}

/*
 * local delivered to a command or file of a recipient it still works on:
 * recorded now (an appended envelope, synced), so that a crash before
 * its result does not run the command again.  Only for a recipient that
 * is in local's hands; a note about one that is not (its result came
 * first, or local was replaced) is ignored.
 */
static void
on_progress(struct queue *q, struct ipc_chan *c, struct rbuf *rb)
{
	struct msg_deliver_progress	 p;
	struct inflight			 key, *f;
	struct qrcpt			*rc;

	if (dec_deliver_progress(rb, &p) == -1) {
		ipc_chan_fail(c, "bad DELIVER_PROGRESS payload");
		return;
	}
	key.id = p.deliver_id;
	if ((f = RB_FIND(inflight_tree, &q->inflight, &key)) == NULL ||
	    f->msg->deleted)
		return;
	rc = &f->msg->env.rcpt[f->rcpt];
	if (qrcpt_done_add(rc, p.key) != 1)
		return;
	if (spool_append_envelope(f->msg->fd, &f->msg->env,
	    &f->msg->env_off) == -1)
		log_warn("%s: to=<%s>: cannot record a delivered member; it "
		    "may get the message again", f->msg->env.qid, rc->addr);
}

/* local went away: what it had in hand is retried shortly. */
static void
requeue_inflight(struct queue *q)
{
	struct inflight	*f, *tmp;

	RB_FOREACH_SAFE(f, inflight_tree, &q->inflight, tmp) {
		RB_REMOVE(inflight_tree, &q->inflight, f);
		f->msg->sched[f->rcpt].inflight = 0;
		f->msg->ninflight--;
		f->msg->env.rcpt[f->rcpt].next_try = queue_now() +
		    LOCAL_DOWN_RETRY;
		free(f);
	}
	q->ninflight = 0;
}

/* ---- channels ---- */

static void
peer_msg(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *rb,
    int fd, void *arg)
{
	struct queue *q = arg;

	if (fd != -1)
		close(fd);
	switch (h->type) {
	case IPC_MSG_CREATE:
		on_create(q, c, h->id, rb);
		break;
	case IPC_MSG_RCPT:
		on_rcpt(q, c, h->id, rb);
		break;
	case IPC_MSG_COMMIT:
		on_commit(q, c, h->id, rb);
		break;
	case IPC_MSG_ABORT:
		on_abort(q, c, h->id, rb);
		break;
	case IPC_DELIVER_RESULT:
	case IPC_ERROR:
		on_deliver_result(q, c, h->id, h->type, rb);
		break;
	case IPC_DELIVER_PROGRESS:
		on_progress(q, c, rb);
		break;
	default:
		ipc_chan_fail(c, "unexpected message type");
	}
}

static void
peer_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct queue	*q = arg;
	struct incoming	*in;

	if (violation)
		worker_peer_violation(&q->we, ipc_chan_peer(c), why);
	if (c == q->smtpd) {
		/* Nothing smtpd had not committed was ever acknowledged. */
		while ((in = TAILQ_FIRST(&q->incoming)) != NULL)
			incoming_drop(q, in);
		q->smtpd = NULL;
	} else if (c == q->local) {
		requeue_inflight(q);
		q->local = NULL;
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
	} else if (peer == ROLE_LOCAL)
		slot = &q->local;
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

/* ---- start-up ---- */

static void
drop_unacknowledged(const char *name, void *arg)
{
	char path[300];

	snprintf(path, sizeof(path), "incoming/%s", name);
	if (unlink(path) == 0)
		log_info("%s: removed unacknowledged incoming file", name);
}

static void
load_committed(struct queue *q, const char *dir, const char *name)
{
	struct qmsg	*m;
	struct qenv	 env;
	uint64_t	 off;
	char		 err[256], path[300];
	int		 fd;

	if (!qid_valid(name)) {
		strlcpy(err, "not a queue id", sizeof(err));
		goto corrupt;
	}
	if (spool_load(dir, name, &env, &off, err, sizeof(err)) == -1)
		goto corrupt;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		log_warn("%s: cannot open", name);
		qenv_free(&env);
		return;
	}
	m = qmsg_new(q, &env, off, fd);
	m->held = strcmp(dir, "hold") == 0;
	return;
corrupt:
	if (spool_quarantine(dir, name) == -1)
		log_warn("%s: corrupt (%s) and cannot be moved aside", name,
		    err);
	else
		log_warnx("%s: corrupt queue file (%s): moved to corrupt/",
		    name, err);
}

static void
load_active(const char *name, void *arg)
{
	load_committed(arg, "active", name);
}

static void
load_held(const char *name, void *arg)
{
	load_committed(arg, "hold", name);
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
	if ((q->run_ev = event_new(we->base, -1, EV_PERSIST, on_run, q))
	    == NULL || event_add(q->run_ev, &tick) == -1)
		fatalx("scheduler timer");
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
	};

	TAILQ_INIT(&q.msgs);
	TAILQ_INIT(&q.incoming);
	RB_INIT(&q.inflight);
	return worker_main(&role, &q.we, &q, argc, argv);
}
