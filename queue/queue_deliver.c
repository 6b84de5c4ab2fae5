/*
 * queue_deliver.c: deliveries to local and their results.  deliver_one()
 * hands local one recipient (request ids kept in the inflight tree); the
 * result is recorded in the queue file: a final status mark, or the next
 * try and the alias members already reached.  If local goes away, what
 * it had in hand is retried shortly.
 *
 * Handlers:
 *   on_deliver_result		local's result for one recipient
 *   on_progress		local reached a command or file target
 */
#include <sys/queue.h>
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
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"
#include "queue/dsn.h"
#include "queue/fsync_pool.h"
#include "queue/qid.h"
#include "queue/rcptdup.h"
#include "queue/sched.h"
#include "queue/queue.h"
#include "queue/spool.h"

#define LOCAL_DOWN_RETRY	5	/* seconds */

struct inflight {
	RB_ENTRY(inflight)	 entry;
	uint32_t		 id;		/* DELIVER request id */
	struct qmsg		*msg;
	size_t			 rcpt;
	struct queue		*q;
	char			 key[SLOT_KEY_MAX];	/* its destination */
	struct event		*deadline;	/* local_time_limit */
	int			 expired;	/* deferred; slot given back */
};

static int
inflight_cmp(struct inflight *a, struct inflight *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}
RB_PROTOTYPE_STATIC(inflight_tree, inflight, entry, inflight_cmp);
RB_GENERATE_STATIC(inflight_tree, inflight, entry, inflight_cmp);
/* ---- to and from local ---- */

static void	on_deadline(evutil_socket_t, short, void *);

/* The slot a delivery held goes back (its deadline, or its result). */
static void
slot_give_back(struct queue *q, struct inflight *f)
{
	if (f->deadline != NULL) {
		event_free(f->deadline);
		f->deadline = NULL;
	}
	if (f->expired)
		return;
	slot_release(&q->slots, f->key);
	q->ninflight--;
}

int
deliver_one(struct queue *q, struct qmsg *m, size_t i)
{
	static struct msg_deliver req;
	static uint8_t		 buf[IPC_PAYLOAD_MAX];
	struct qrcpt		*rc = &m->env.rcpt[i];
	struct wbuf		 wb;
	struct inflight		*f;
	struct timeval		 tv = { q->we.cf.local_time_limit, 0 };
	char			 key[SLOT_KEY_MAX];
	int			 fd;

	/* Fair shares: this destination has its slots; others go first. */
	slot_key(m->env.rcpt[i].addr, q->we.cf.recipient_delimiter, key,
	    sizeof(key));
	if (q->we.cf.local_destination_concurrency_limit > 0 &&
	    !slot_may_take(&q->slots, key,
	    (unsigned)q->we.cf.local_destination_concurrency_limit))
		return 1;
	if ((fd = spool_open(m->env.qid, O_RDONLY)) == -1) {
		log_warn("%s: cannot open queue file", m->env.qid);
		m->env.rcpt[i].next_try = queue_now() + LOCAL_DOWN_RETRY;
		return 0;
	}
	STRLCPY_ARRAY(req.qid, m->env.qid);
	req.rcpt_index = i;
	req.content_len = m->env.size;
	STRLCPY_ARRAY(req.sender, m->env.sender);
	STRLCPY_ARRAY(req.rcpt, m->env.rcpt[i].addr);
	/* The alias members an earlier attempt reached: local skips them. */
	for (req.ndone = 0; req.ndone < rc->ndone; req.ndone++)
		STRLCPY_ARRAY(req.done[req.ndone], rc->done[req.ndone]);
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver(&wb, &req);
	f = xcalloc(1, sizeof(*f));
	f->id = ipc_request(q->local, IPC_DELIVER, &wb, fd);
	if (q->local == NULL) {
		/* The send failed and closed the channel: retry later. */
		free(f);
		m->env.rcpt[i].next_try = queue_now() + LOCAL_DOWN_RETRY;
		return 0;
	}
	f->msg = m;
	f->rcpt = i;
	f->q = q;
	STRLCPY_ARRAY(f->key, key);
	if (RB_INSERT(inflight_tree, &q->inflight, f) != NULL)
		fatalx("deliver_one: request id %u in use", f->id);
	if (tv.tv_sec > 0 && ((f->deadline = evtimer_new(q->we.base,
	    on_deadline, f)) == NULL || evtimer_add(f->deadline, &tv) == -1))
		fatalx("deliver_one: evtimer");
	slot_take(&q->slots, key);
	m->sched[i].inflight = 1;
	m->ninflight++;
	q->ninflight++;
	return 0;
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

void
record_final(struct qmsg *m, size_t i, char status,
    const struct msg_deliver_result *r)
{
	m->env.rcpt[i].status = status;
	STRLCPY_ARRAY(m->sched[i].dsn, r->dsn);
	STRLCPY_ARRAY(m->sched[i].text, r->text);
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
void
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
	STRLCPY_ARRAY(m->sched[i].dsn, r->dsn);
	STRLCPY_ARRAY(m->sched[i].text, r->text);
	qfile_format_sched(rc, sched);
	if (spool_patch(m->fd, m->env_off + rc->status_off + QRCPT_SCHED_OFF,
	    sched, QRCPT_SCHED_LEN) == -1)
		log_warn("%s: cannot record the next try of <%s>", m->env.qid,
		    rc->addr);
	log_outcome(m, i, "deferred", r);
}

/*
 * local_time_limit passed and local has not answered (a writer or runner
 * stopped or stuck; master kills those): the recipient is deferred and
 * its slot given back now.  It stays in local's hands, so it is not
 * tried again before local answers; a late final answer still counts.
 */
static void
on_deadline(evutil_socket_t fd, short ev, void *arg)
{
	struct inflight			*f = arg;
	struct queue			*q = f->q;
	struct qmsg			*m = f->msg;
	struct msg_deliver_result	 r;

	slot_give_back(q, f);
	f->expired = 1;
	if (!m->deleted) {
		memset(&r, 0, sizeof(r));
		r.status = DELIVER_DEFER;
		xstrlcpy(r.dsn, "4.3.0", sizeof(r.dsn));
		snprintf(r.text, sizeof(r.text), "delivery time limit "
		    "exceeded (local_time_limit %lds)",
		    q->we.cf.local_time_limit);
		record_defer(q, m, f->rcpt, &r);
		sync_marks(m);
	}
	queue_schedule_soon(q);
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

static int
member_failures(struct queue *q, struct qmsg *m, size_t i,
    const struct msg_deliver_result *r)
{
	struct dsn_entry	*e;
	uint32_t		 k;
	int			 rc = 0;

	e = xcalloc(r->nfailed, sizeof(*e));
	for (k = 0; k < r->nfailed; k++) {
		log_info("%s: to=<%s>, orig_to=<%s>, relay=local, delay=%lld, "
		    "dsn=%s, status=bounced (%s)", m->env.qid,
		    r->failed[k].addr, m->env.rcpt[i].addr,
		    (long long)(queue_now() - (time_t)m->env.arrival),
		    r->failed[k].dsn, r->failed[k].text);
		e[k].rcpt = i;
		STRLCPY_ARRAY(e[k].status, r->failed[k].dsn);
		STRLCPY_ARRAY(e[k].text, r->failed[k].text);
		STRLCPY_ARRAY(e[k].member, r->failed[k].addr);
	}
	if (dsn_wants(&m->env.rcpt[i], DSN_FAILURE))
		rc = notice_send(q, m, DSN_FAILURE, e, r->nfailed, queue_now(),
		    m->sched[i].owner);
	free(e);
	return rc;
}

void
on_deliver_result(struct queue *q, struct ipc_chan *c, uint32_t id,
    uint32_t type, const union ipc_msg *msg)
{
	struct inflight			 key, *f;
	struct msg_deliver_result	 r;
	const struct msg_error		*e = &msg->error;
	struct qmsg			*m;

	key.id = id;
	if ((f = RB_FIND(inflight_tree, &q->inflight, &key)) == NULL)
		return;		/* cannot happen: ipc checked the id */
	if (type == IPC_ERROR) {
		memset(&r, 0, sizeof(r));	/* no owner, members */
		r.status = e->dsn[0] == '5' ? DELIVER_BOUNCE : DELIVER_DEFER;
		STRLCPY_ARRAY(r.dsn, e->dsn);
		STRLCPY_ARRAY(r.text, e->text);
	} else
		r = msg->deliver_result;	/* amended below */
	if (r.owner[0] != '\0' &&
	    !dsn_owner_fits(f->msg->env.rcpt[f->rcpt].addr, r.owner,
	    q->we.cf.recipient_delimiter, q->we.cf.myhostname)) {
		log_security("%s: local named %s as the owner of <%s>",
		    f->msg->env.qid, r.owner, f->msg->env.rcpt[f->rcpt].addr);
		ipc_chan_fail(c, "owner address does not fit the recipient");
		return;
	}
	RB_REMOVE(inflight_tree, &q->inflight, f);
	slot_give_back(q, f);
	m = f->msg;
	m->sched[f->rcpt].inflight = 0;
	STRLCPY_ARRAY(m->sched[f->rcpt].owner, r.owner);
	m->ninflight--;
	/* Past its deadline it was deferred already: only a final answer
	   changes that. */
	if (m->deleted || (f->expired && r.status == DELIVER_DEFER)) {
		free(f);
		if (!qmsg_idle_work(q, m, queue_now()))
			sync_marks(m);
		queue_schedule_soon(q);
		return;
	}
	if (r.status == DELIVER_SENT && r.nfailed > 0 &&
	    member_failures(q, m, f->rcpt, &r) == -1) {
		/* Rather a repeat for the others than a lost notice. */
		r.status = DELIVER_DEFER;
		xstrlcpy(r.dsn, "4.3.0", sizeof(r.dsn));
		xstrlcpy(r.text, "cannot queue the notice about failed alias "
		    "members", sizeof(r.text));
	}
	if (r.status == DELIVER_SENT && r.nremote > 0 &&
	    relay_add_forwards(q, m, f->rcpt, &r) == -1) {	/* queue_relay.c */
		r.status = DELIVER_DEFER;
		xstrlcpy(r.dsn, "4.3.0", sizeof(r.dsn));
		xstrlcpy(r.text, "cannot queue the forwarded copies",
		    sizeof(r.text));
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
	queue_schedule_soon(q);
}

/*
 * local delivered to a command or file of a recipient it still works on:
 * recorded now (an appended envelope, synced), so that a crash before
 * its result does not run the command again.  Only for a recipient that
 * is in local's hands; a note about one that is not (its result came
 * first, or local was replaced) is ignored.
 */
void
on_progress(struct queue *q, struct ipc_chan *c,
    const struct msg_deliver_progress *p)
{
	struct inflight			 key, *f;
	struct qrcpt			*rc;

	key.id = p->deliver_id;
	if ((f = RB_FIND(inflight_tree, &q->inflight, &key)) == NULL ||
	    f->msg->deleted)
		return;
	rc = &f->msg->env.rcpt[f->rcpt];
	if (qrcpt_done_add(rc, p->key) != 1)
		return;
	if (spool_append_envelope(f->msg->fd, &f->msg->env,
	    &f->msg->env_off) == -1)
		log_warn("%s: to=<%s>: cannot record a delivered member; it "
		    "may get the message again", f->msg->env.qid, rc->addr);
}

/* local went away: what it had in hand is retried shortly. */
void
requeue_inflight(struct queue *q)
{
	struct inflight	*f, *tmp;

	RB_FOREACH_SAFE(f, inflight_tree, &q->inflight, tmp) {
		RB_REMOVE(inflight_tree, &q->inflight, f);
		slot_give_back(q, f);
		f->msg->sched[f->rcpt].inflight = 0;
		f->msg->ninflight--;
		f->msg->env.rcpt[f->rcpt].next_try = queue_now() +
		    LOCAL_DOWN_RETRY;
		free(f);
	}
}
