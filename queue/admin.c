/*
 * admin.c: the control socket, served by queue (master creates it and
 * hands it over; bulkctl connects).  Each connection is an IPC channel
 * (SOCK_SEQPACKET, the message table's ADMIN_* rows, bulkctl's role is
 * ROLE_CONTROL), decoded strictly like every other channel:
 *
 *   ADMIN_LIST                    anyone: an ADMIN_ENTRY per message,
 *                                 an ADMIN_RCPT per pending recipient
 *   ADMIN_FLUSH                   anyone (as Postfix's default
 *                                 authorized_flush_users): retry now
 *   ADMIN_CHANGE hold|release|delete|requeue ID|ALL   root only
 *   ADMIN_CAT ID                  root only: envelope, headers, body
 *
 * The peer is known by SO_PEERCRED, never by what it says.  A message
 * the table or a decoder refuses drops the connection (and is logged).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/ratelimit.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "privsep/ipc.h"
#include "privsep/ipc_msgs.h"
#include "queue/queue.h"
#include "queue/spool.h"

/*
 * The socket is every local user's (mailq), so a user may not take what
 * mail needs: at most ADMIN_PER_UID connections per uid and ADMIN_USERS
 * for all users together (root has ADMIN_ROOT more of its own), a short
 * idle time, and a client that asks again while more than ADMIN_BACKLOG
 * messages of its answers wait unread is dropped.  An accept that fails
 * (no fds) pauses the listener for a second instead of spinning.
 */
#define ADMIN_TIMEOUT		10	/* seconds without a request */
#define ADMIN_PER_UID		4
#define ADMIN_USERS		32
#define ADMIN_ROOT		16
#define ADMIN_BACKLOG		64

struct admin_conn {
	TAILQ_ENTRY(admin_conn)	 entry;
	struct queue		*q;
	struct ipc_chan		*chan;
	struct event		*idle;
	uid_t			 uid;
};

static TAILQ_HEAD(, admin_conn) conns = TAILQ_HEAD_INITIALIZER(conns);
static struct ratelimit	 refusals = { 5, 10, 0, 0, 0 };	/* log lines */
static struct event	*resume_ev;

static const char *op_names[ADMIN_OP_MAX] = {
	"hold", "release", "delete", "requeue"
};

static uint32_t
queue_name(const struct qmsg *m)
{
	size_t i;

	if (m->held)
		return ADMIN_Q_HOLD;
	if (m->ninflight > 0)
		return ADMIN_Q_ACTIVE;
	for (i = 0; i < m->env.nrcpt; i++)
		if (m->env.rcpt[i].status == QRCPT_PENDING &&
		    m->env.rcpt[i].attempts > 0)
			return ADMIN_Q_DEFERRED;
	return ADMIN_Q_ACTIVE;
}

/* Text from a queue file or an agent, made fit for bulkctl's decoder. */
static void
clean(char *dst, const char *src, size_t dstsz)
{
	char *p;

	strlcpy_text(dst, src, dstsz);
	for (p = dst; *p != '\0'; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	ipc_text_clean(dst);
}

static void
list_one(struct ipc_chan *c, const struct qmsg *m)
{
	uint8_t			buf[IPC_ADDR_MAX + IPC_TEXT_MAX + 64];
	struct wbuf		wb;
	struct msg_admin_entry	e;
	struct msg_admin_rcpt	r;
	size_t			i;

	memset(&e, 0, sizeof(e));
	e.queue = queue_name(m);
	STRLCPY_ARRAY(e.qid, m->env.qid);
	e.arrival = m->env.arrival;
	e.size = m->env.size;
	clean(e.sender, m->env.sender, sizeof(e.sender));
	if (ipc_check_admin_entry(&e) != NULL) {
		log_warnx("%s: not listed: bad queue id", m->env.qid);
		return;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_admin_entry(&wb, &e);
	ipc_note(c, IPC_ADMIN_ENTRY, &wb, -1);
	for (i = 0; i < m->env.nrcpt; i++) {
		if (m->env.rcpt[i].status != QRCPT_PENDING)
			continue;
		clean(r.addr, m->env.rcpt[i].addr, sizeof(r.addr));
		clean(r.reason, m->sched[i].text, sizeof(r.reason));
		if (ipc_check_admin_rcpt(&r) != NULL)
			continue;	/* an empty address: none is stored */
		wb_init(&wb, buf, sizeof(buf));
		enc_admin_rcpt(&wb, &r);
		ipc_note(c, IPC_ADMIN_RCPT, &wb, -1);
	}
}

static void
do_list(struct queue *q, struct ipc_chan *c, uint32_t id)
{
	struct qmsg *m;

	TAILQ_FOREACH(m, &q->msgs, entry)
		if (!m->deleted)
			list_one(c, m);
	ipc_reply(c, IPC_OK, id, NULL, -1);
}

/* Retry now: every pending recipient of m is due. */
static void
make_due(struct queue *q, struct qmsg *m, int persist)
{
	char	sched[QRCPT_SCHED_LEN + 1];
	size_t	i;

	for (i = 0; i < m->env.nrcpt; i++) {
		struct qrcpt *r = &m->env.rcpt[i];

		if (r->status != QRCPT_PENDING)
			continue;
		r->next_try = 0;
		if (!persist)
			continue;
		qfile_format_sched(r, sched);
		if (spool_patch(m->fd, m->env_off + r->status_off +
		    QRCPT_SCHED_OFF, sched, QRCPT_SCHED_LEN) == -1)
			log_warn("%s: cannot record the requeue", m->env.qid);
	}
	q->next_deferred_scan = 0;
}

static int
do_flush(struct queue *q)
{
	struct qmsg	*m;
	int		 n = 0;

	TAILQ_FOREACH(m, &q->msgs, entry)
		if (!m->held && !m->deleted) {
			make_due(q, m, 0);
			n++;
		}
	log_info("flush requested: %d messages", n);
	return n;
}

/* One change to one message; 1 when done. */
static int
change(struct queue *q, uint32_t op, struct qmsg *m)
{
	if (op == ADMIN_DELETE) {
		queue_delete(q, m);
		return 1;
	}
	if (op == ADMIN_HOLD) {
		if (m->held)
			return 0;
		if (spool_move(m->env.qid, "active", "hold") == -1) {
			log_warn("%s: cannot put on hold", m->env.qid);
			return 0;
		}
		m->held = 1;
		log_info("%s: placed on hold", m->env.qid);
		return 1;
	}
	if (op == ADMIN_RELEASE) {
		if (!m->held)
			return 0;
		if (spool_move(m->env.qid, "hold", "active") == -1) {
			log_warn("%s: cannot release", m->env.qid);
			return 0;
		}
		m->held = 0;
		make_due(q, m, 0);
		log_info("%s: released from hold", m->env.qid);
		return 1;
	}
	/* requeue */
	make_due(q, m, 1);
	log_info("%s: requeued", m->env.qid);
	return 1;
}

/* Reply the count, or an error; n: messages changed. */
static void
reply_done(struct ipc_chan *c, uint32_t id, int n)
{
	uint8_t			buf[8];
	struct wbuf		wb;
	struct msg_admin_done	d = { (uint32_t)n };

	wb_init(&wb, buf, sizeof(buf));
	enc_admin_done(&wb, &d);
	ipc_reply(c, IPC_ADMIN_DONE, id, &wb, -1);
}

static void
do_change(struct queue *q, struct ipc_chan *c, uint32_t id,
    const struct msg_admin_change *req)
{
	struct qmsg	*m, *next;
	char		 text[IPC_TEXT_MAX];
	int		 n = 0;

	if (strcmp(req->id, ADMIN_ALL) == 0) {
		TAILQ_FOREACH_SAFE(m, &q->msgs, entry, next)
			if (!m->deleted)
				n += change(q, req->op, m);
	} else if ((m = queue_find(q, req->id)) == NULL) {
		snprintf(text, sizeof(text), "%s: no such message", req->id);
		ipc_reply_error(c, id, "5.0.0", text);
		return;
	} else
		n = change(q, req->op, m);
	reply_done(c, id, n);
	queue_schedule_soon(q);
}

static void
put_time(struct evbuffer *out, const char *what, uint64_t t)
{
	time_t	 tt = (time_t)t;
	char	 buf[64];

	strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", gmtime(&tt));
	evbuffer_add_printf(out, "%s: %s\n", what, buf);
}

/* postcat's layout: envelope, then the contents split at the headers. */
static int
cat_text(struct queue *q, const char *qid, struct evbuffer *out)
{
	static const char *ret[] = { "", "FULL", "HDRS" };
	static const char *status[] = { "pending", "delivered", "bounced" };
	struct qmsg	*m;
	char		*buf;
	ssize_t		 n;
	size_t		 i, hdr;

	if ((m = queue_find(q, qid)) == NULL) {
		evbuffer_add_printf(out, "%s: no such message", qid);
		return -1;
	}
	buf = xmalloc(m->env.size + 1);
	if ((n = fd_pread_all(m->fd, buf, m->env.size, 0)) !=
	    (ssize_t)m->env.size) {
		evbuffer_add_printf(out, "%s: cannot read", qid);
		free(buf);
		return -1;
	}
	evbuffer_add_printf(out, "*** ENVELOPE RECORDS %s/%s ***\n",
	    queue_dir(m), qid);
	evbuffer_add_printf(out, "message_size: %" PRIu64 "\n", m->env.size);
	put_time(out, "message_arrival_time", m->env.arrival);
	evbuffer_add_printf(out, "sender: %s\n", m->env.sender);
	evbuffer_add_printf(out, "named_attribute: client_address=%s\n",
	    m->env.client_addr);
	evbuffer_add_printf(out, "named_attribute: client_name=%s\n",
	    m->env.client_name);
	evbuffer_add_printf(out, "named_attribute: helo_name=%s\n",
	    m->env.helo);
	if (m->env.envid[0] != '\0')
		evbuffer_add_printf(out, "named_attribute: envelope_id=%s\n",
		    m->env.envid);
	if (m->env.ret != DSN_RET_NONE)
		evbuffer_add_printf(out, "named_attribute: ret=%s\n",
		    ret[m->env.ret]);
	for (i = 0; i < m->env.nrcpt; i++) {
		const struct qrcpt *r = &m->env.rcpt[i];

		if (r->orcpt[0] != '\0')
			evbuffer_add_printf(out, "original_recipient: %s\n",
			    r->orcpt);
		evbuffer_add_printf(out, "recipient: %s (%s)\n", r->addr,
		    status[r->status == QRCPT_PENDING ? 0 :
		    r->status == QRCPT_DELIVERED ? 1 : 2]);
	}
	for (hdr = 0; hdr < (size_t)n; hdr++)
		if (buf[hdr] == '\n' && (hdr == 0 || buf[hdr - 1] == '\n'))
			break;
	evbuffer_add_printf(out, "*** MESSAGE CONTENTS %s/%s ***\n",
	    queue_dir(m), qid);
	evbuffer_add(out, buf, hdr < (size_t)n ? hdr : (size_t)n);
	if (hdr < (size_t)n) {
		evbuffer_add(out, "\n", 1);
		evbuffer_add(out, buf + hdr + 1, n - hdr - 1);
	}
	evbuffer_add_printf(out, "*** HEADER EXTRACTED %s/%s ***\n",
	    queue_dir(m), qid);
	evbuffer_add_printf(out, "*** MESSAGE FILE END %s/%s ***\n",
	    queue_dir(m), qid);
	free(buf);
	return 0;
}

/* postcat's text in ADMIN_TEXT chunks, then IPC_OK; or IPC_ERROR. */
static void
do_cat(struct queue *q, struct ipc_chan *c, uint32_t id, const char *qid)
{
	static struct msg_admin_text	 t;
	uint8_t				 buf[IPC_ADMIN_TEXT_MAX + 8];
	char				 err[IPC_TEXT_MAX];
	struct evbuffer			*out;
	struct wbuf			 wb;
	int				 n;

	if ((out = evbuffer_new()) == NULL)
		fatal("do_cat");
	if (cat_text(q, qid, out) == -1) {
		n = evbuffer_remove(out, err, sizeof(err) - 1);
		err[n > 0 ? n : 0] = '\0';
		ipc_reply_error(c, id, "5.0.0", err);
		evbuffer_free(out);
		return;
	}
	while ((n = evbuffer_remove(out, t.data, sizeof(t.data))) > 0) {
		t.len = n;
		wb_init(&wb, buf, sizeof(buf));
		enc_admin_text(&wb, &t);
		ipc_note(c, IPC_ADMIN_TEXT, &wb, -1);
	}
	evbuffer_free(out);
	ipc_reply(c, IPC_OK, id, NULL, -1);
}

/* Root only; 0 if the peer may, else refused (and answered). */
static int
root_only(struct admin_conn *ac, uint32_t id, const char *op)
{
	char text[128];

	if (ac->uid == 0)
		return 0;
	log_warnx("control: uid %u may not %s", (unsigned)ac->uid, op);
	snprintf(text, sizeof(text), "permission denied: only root may %s",
	    op);
	ipc_reply_error(ac->chan, id, "5.7.1", text);
	return -1;
}

static void
admin_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct admin_conn	*ac = arg;
	struct timeval		 tv = { ADMIN_TIMEOUT, 0 };

	evtimer_add(ac->idle, &tv);
	if (ipc_chan_noutq(c) > ADMIN_BACKLOG) {
		ipc_chan_fail(c, "asks again without reading its answers");
		if (fd != -1)
			close(fd);
		return;
	}
	switch (h->type) {
	case IPC_ADMIN_LIST:
		do_list(ac->q, c, h->id);
		break;
	case IPC_ADMIN_FLUSH:
		reply_done(c, h->id, do_flush(ac->q));
		break;
	case IPC_ADMIN_CHANGE:
		if (root_only(ac, h->id, op_names[msg->admin_change.op]) == 0)
			do_change(ac->q, c, h->id, &msg->admin_change);
		break;
	case IPC_ADMIN_CAT:
		if (root_only(ac, h->id, "cat") == 0)
			do_cat(ac->q, c, h->id, msg->qid.qid);
		break;
	default:
		ipc_chan_fail(c, "unexpected message type");
		break;
	}
	if (fd != -1)
		close(fd);
}

static void
conn_free(struct admin_conn *ac)
{
	TAILQ_REMOVE(&conns, ac, entry);
	ipc_chan_free(ac->chan);
	event_free(ac->idle);
	free(ac);
}

/* bulkctl is done (or broke the protocol: logged by the channel). */
static void
admin_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct admin_conn *ac = arg;

	if (violation)
		log_warnx("control: dropped the connection of uid %u",
		    (unsigned)ac->uid);
	conn_free(ac);
}

static void
admin_idle(evutil_socket_t fd, short ev, void *arg)
{
	struct admin_conn *ac = arg;

	log_warnx("control: uid %u idle for %ds: closed", (unsigned)ac->uid,
	    ADMIN_TIMEOUT);
	conn_free(ac);
}

/* NULL if uid may have one more connection, else why not. */
static const char *
conn_refusal(uid_t uid)
{
	struct admin_conn	*ac;
	int			 mine = 0, users = 0, all = 0;

	TAILQ_FOREACH(ac, &conns, entry) {
		all++;
		if (ac->uid != 0)
			users++;
		if (ac->uid == uid)
			mine++;
	}
	if (uid == 0)
		return all >= ADMIN_USERS + ADMIN_ROOT ?
		    "too many connections in all" : NULL;
	if (mine >= ADMIN_PER_UID)
		return "too many connections";
	if (users >= ADMIN_USERS)
		return "too many connections from users in all";
	return NULL;
}

static void
refuse(uid_t uid, const char *why)
{
	unsigned long n;

	if (!rl_allow(&refusals, time(NULL)))
		return;
	if ((n = rl_take_dropped(&refusals)) > 0)
		log_warnx("control: %lu more refusals not logged", n);
	log_warnx("control: uid %u has %s: refused", (unsigned)uid, why);
}

static void
on_admin_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct queue		*q = arg;
	struct admin_conn	*ac;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);
	struct timeval		 tv = { ADMIN_TIMEOUT, 0 };
	const char		*why;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	if ((why = conn_refusal(cred.uid)) != NULL) {
		refuse(cred.uid, why);
		close(fd);
		return;
	}
	ac = xcalloc(1, sizeof(*ac));
	TAILQ_INSERT_TAIL(&conns, ac, entry);
	if ((ac->idle = evtimer_new(q->we.base, admin_idle, ac)) == NULL)
		fatal("on_admin_accept");
	ac->q = q;
	ac->uid = cred.uid;
	ac->chan = ipc_chan_new(q->we.base, fd, ROLE_QUEUE, ROLE_CONTROL,
	    admin_msg, admin_closed, ac);
	evtimer_add(ac->idle, &tv);
}

static void
admin_resume(evutil_socket_t fd, short ev, void *arg)
{
	struct queue *q = arg;

	evconnlistener_enable(q->admin);
}

/* accept failed (EMFILE, ENFILE, ENOBUFS): a pause, not a spin. */
static void
admin_accept_error(struct evconnlistener *l, void *arg)
{
	struct timeval tv = { 1, 0 };

	log_warn("control: accept");
	evconnlistener_disable(l);
	evtimer_add(resume_ev, &tv);
}

void
admin_start(struct queue *q, int fd)
{
	evutil_make_socket_nonblocking(fd);
	if ((q->admin = evconnlistener_new(q->we.base, on_admin_accept, q,
	    LEV_OPT_CLOSE_ON_FREE, 0, fd)) == NULL ||	/* 0: master listened */
	    (resume_ev = evtimer_new(q->we.base, admin_resume, q)) == NULL)
		fatalx("control socket listener");
	evconnlistener_set_error_cb(q->admin, admin_accept_error);
}
