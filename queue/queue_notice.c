/*
 * queue_notice.c: delivery status notifications (RFC 3464): bounces,
 * delay warnings and success reports, each queued here as a new message
 * from the null sender (dsn.c writes the text).
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

#include "lib/fdio.h"
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
	if (strchr(pm, '@') != NULL) {
		if (strlcpy(buf, pm, len) >= len) {
			log_warnx("%s: double_bounce_notice_recipient too long: "
			    "notice discarded", m->env.qid);
			return NULL;
		}
	} else
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
	if ((n = fd_pread_all(m->fd, buf, want, 0)) < 0) {
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
int
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
	xstrlcpy(nenv.helo, q->we.cf.myhostname, sizeof(nenv.helo));
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
	queue_schedule_soon(q);
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
		xstrlcpy(e[n].status, m->sched[i].dsn[0] ? m->sched[i].dsn :
		    default_dsn(kind), sizeof(e[n].status));
		STRLCPY_ARRAY(e[n].text, m->sched[i].text);
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
void
send_notices(struct queue *q, struct qmsg *m, time_t now)
{
	static const enum dsn_kind kinds[] = { DSN_FAILURE, DSN_SUCCESS };
	struct dsn_entry	*e;
	size_t			 k, n;

	e = xcalloc(m->env.nrcpt, sizeof(*e));
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if ((n = collect_final(m, kinds[k], e)) > 0)
			send_grouped(q, m, kinds[k], e, n, now);
	free(e);
}

int
notice_pending(struct qmsg *m)
{
	struct dsn_entry	*e;
	size_t			 n;

	e = xcalloc(m->env.nrcpt, sizeof(*e));
	n = collect_final(m, DSN_FAILURE, e) + collect_final(m, DSN_SUCCESS, e);
	free(e);
	return n > 0;
}

void
send_delay_warning(struct queue *q, struct qmsg *m, time_t now)
{
	struct dsn_entry	*e;
	size_t			 i, n = 0;

	e = xcalloc(m->env.nrcpt, sizeof(*e));
	for (i = 0; i < m->env.nrcpt; i++) {
		if (m->env.rcpt[i].status != QRCPT_PENDING ||
		    !dsn_wants(&m->env.rcpt[i], DSN_DELAY))
			continue;
		e[n].rcpt = i;
		xstrlcpy(e[n].status, m->sched[i].dsn[0] ? m->sched[i].dsn :
		    default_dsn(DSN_DELAY), sizeof(e[n].status));
		STRLCPY_ARRAY(e[n].text, m->sched[i].text);
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
