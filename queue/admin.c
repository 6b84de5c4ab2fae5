/*
 * admin.c: the control socket, served by queue (master creates it and
 * hands it over; bulkctl connects).  A client writes request lines, then
 * shuts down its sending side; queue answers and closes.
 *
 *   list                         anyone: one "M" line per message, then
 *                                one "R" line per pending recipient
 *   flush                        anyone (as Postfix's default
 *                                authorized_flush_users): retry now
 *   hold|release|delete|requeue ID|ALL   root only
 *   cat ID                       root only: envelope, headers, body
 *
 * The peer is known by SO_PEERCRED, never by what it says.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "lib/log.h"
#include "queue/queue.h"
#include "queue/spool.h"

#define ADMIN_REQUEST_MAX	(1024 * 1024)
#define ADMIN_TIMEOUT		30	/* seconds */

struct admin_conn {
	struct queue		*q;
	struct bufferevent	*bev;
	uid_t			 uid;
};

static const char *
queue_name(const struct qmsg *m)
{
	size_t i;

	if (m->held)
		return "hold";
	if (m->ninflight > 0)
		return "active";
	for (i = 0; i < m->env.nrcpt; i++)
		if (m->env.rcpt[i].status == QRCPT_PENDING &&
		    m->env.rcpt[i].attempts > 0)
			return "deferred";
	return "active";
}

/* Reasons come from delivery agents: no tabs or newlines in the listing. */
static void
put_clean(struct evbuffer *out, const char *s)
{
	for (; *s; s++)
		evbuffer_add_printf(out, "%c",
		    (*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s);
}

static void
do_list(struct queue *q, struct evbuffer *out)
{
	struct qmsg	*m;
	size_t		 i;

	TAILQ_FOREACH(m, &q->msgs, entry) {
		if (m->deleted)
			continue;
		evbuffer_add_printf(out, "M\t%s\t%s\t%" PRIu64 "\t%" PRIu64
		    "\t0\t%s\n", queue_name(m), m->env.qid, m->env.arrival,
		    m->env.size, m->env.sender);
		for (i = 0; i < m->env.nrcpt; i++) {
			if (m->env.rcpt[i].status != QRCPT_PENDING)
				continue;
			evbuffer_add_printf(out, "R\t%s\t", m->env.rcpt[i].addr);
			put_clean(out, m->sched[i].text);
			evbuffer_add_printf(out, "\n");
		}
	}
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
change(struct queue *q, const char *op, struct qmsg *m)
{
	if (strcmp(op, "delete") == 0) {
		queue_delete(q, m);
		return 1;
	}
	if (strcmp(op, "hold") == 0) {
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
	if (strcmp(op, "release") == 0) {
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

static void
do_change(struct queue *q, const char *op, const char *arg,
    struct evbuffer *out)
{
	struct qmsg	*m, *next;
	int		 n = 0;

	if (strcmp(arg, "ALL") == 0) {
		TAILQ_FOREACH_SAFE(m, &q->msgs, entry, next)
			if (!m->deleted)
				n += change(q, op, m);
	} else if ((m = queue_find(q, arg)) == NULL) {
		evbuffer_add_printf(out, "error %s: no such message\n", arg);
		return;
	} else
		n = change(q, op, m);
	evbuffer_add_printf(out, "ok %d\n", n);
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
static void
do_cat(struct queue *q, const char *qid, struct evbuffer *out)
{
	static const char *ret[] = { "", "FULL", "HDRS" };
	static const char *status[] = { "pending", "delivered", "bounced" };
	struct qmsg	*m;
	char		*buf;
	ssize_t		 n;
	size_t		 i, hdr;

	if ((m = queue_find(q, qid)) == NULL) {
		evbuffer_add_printf(out, "error %s: no such message\n", qid);
		return;
	}
	if ((buf = malloc(m->env.size + 1)) == NULL)
		fatal("do_cat");
	if ((n = pread(m->fd, buf, m->env.size, 0)) != (ssize_t)m->env.size) {
		evbuffer_add_printf(out, "error %s: cannot read\n", qid);
		free(buf);
		return;
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
}

static void
handle_line(struct admin_conn *ac, char *line, struct evbuffer *out)
{
	char	*arg = strchr(line, ' ');

	if (arg != NULL)
		*arg++ = '\0';
	if (strcmp(line, "list") == 0 && arg == NULL)
		do_list(ac->q, out);
	else if (strcmp(line, "flush") == 0 && arg == NULL)
		evbuffer_add_printf(out, "ok %d\n", do_flush(ac->q));
	else if (arg == NULL || (!qid_valid(arg) && strcmp(arg, "ALL") != 0))
		evbuffer_add_printf(out, "error bad request\n");
	else if (strcmp(line, "hold") != 0 && strcmp(line, "release") != 0 &&
	    strcmp(line, "delete") != 0 && strcmp(line, "requeue") != 0 &&
	    strcmp(line, "cat") != 0)
		evbuffer_add_printf(out, "error unknown command\n");
	else if (ac->uid != 0) {
		log_warnx("control: uid %u may not %s", (unsigned)ac->uid, line);
		evbuffer_add_printf(out, "error permission denied: only root "
		    "may %s\n", line);
	} else if (strcmp(line, "cat") == 0)
		do_cat(ac->q, arg, out);
	else
		do_change(ac->q, line, arg, out);
}

static void
conn_free(struct admin_conn *ac)
{
	bufferevent_free(ac->bev);
	free(ac);
}

static void
conn_written(struct bufferevent *bev, void *arg)
{
	conn_free(arg);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct admin_conn *ac = arg;

	if (evbuffer_get_length(bufferevent_get_input(bev)) >
	    ADMIN_REQUEST_MAX) {
		log_warnx("control: request too long");
		conn_free(ac);
	}
}

/* The client is done sending: answer every line, then close. */
static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct admin_conn	*ac = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer		*out = bufferevent_get_output(bev);
	char			*line;
	size_t			 n;

	if (!(what & BEV_EVENT_EOF)) {
		conn_free(ac);
		return;
	}
	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) != NULL) {
		if (n > 0)
			handle_line(ac, line, out);
		free(line);
	}
	if (evbuffer_get_length(out) == 0) {
		conn_free(ac);
		return;
	}
	bufferevent_setcb(bev, NULL, conn_written, NULL, ac);
	bufferevent_disable(bev, EV_READ);
	bufferevent_enable(bev, EV_WRITE);
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

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	if ((ac = calloc(1, sizeof(*ac))) == NULL ||
	    (ac->bev = bufferevent_socket_new(q->we.base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatal("on_admin_accept");
	ac->q = q;
	ac->uid = cred.uid;
	bufferevent_setcb(ac->bev, conn_read, NULL, conn_event, ac);
	bufferevent_set_timeouts(ac->bev, &tv, &tv);
	bufferevent_enable(ac->bev, EV_READ);
}

void
admin_start(struct queue *q, int fd)
{
	evutil_make_socket_nonblocking(fd);
	if ((q->admin = evconnlistener_new(q->we.base, on_admin_accept, q,
	    LEV_OPT_CLOSE_ON_FREE, 0, fd)) == NULL)	/* 0: master listened */
		fatalx("control socket listener");
}
