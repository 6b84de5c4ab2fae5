/*
 * queue_receive.c: messages from smtpd, and from pickup the same way
 * (each sees only the files it created).  MSG_CREATE opens a file in
 * incoming/ and hands the sender a memory file for the content
 * (content.h: no sender ever holds a queue file), MSG_RCPT adds a
 * recipient, MSG_COMMIT seals the content and has a pool thread copy it
 * into the queue file, append the envelope and fsync: only once that is
 * done does the sender hear COMMIT_OK (smtpd says 250) and the message
 * join the schedule.  MSG_ABORT, or the sender going away, drops what
 * was not committed.
 *
 * Handlers:
 *   on_create, on_rcpt, on_commit, on_abort	from smtpd
 *   commit_done				a commit is on disk
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
#include "queue/content.h"
#include "queue/dsn.h"
#include "queue/fsync_pool.h"
#include "queue/qid.h"
#include "queue/rcptdup.h"
#include "queue/sched.h"
#include "queue/queue.h"
#include "queue/spool.h"

/* ---- from smtpd ---- */

static struct incoming *
incoming_find(struct queue *q, struct ipc_chan *c, const char *qid)
{
	struct incoming *in;

	TAILQ_FOREACH(in, &q->incoming, entry)
		if (in->chan == c && strcmp(in->env.qid, qid) == 0)
			return in;
	return NULL;
}

void
incoming_drop_chan(struct queue *q, struct ipc_chan *c)
{
	struct incoming *in, *next;

	for (in = TAILQ_FIRST(&q->incoming); in != NULL; in = next) {
		next = TAILQ_NEXT(in, entry);
		if (in->chan == c)
			incoming_drop(q, in);
	}
}

void
incoming_drop(struct queue *q, struct incoming *in)
{
	TAILQ_REMOVE(&q->incoming, in, entry);
	close(in->fd);
	close(in->content);
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

void
on_create(struct queue *q, struct ipc_chan *c, uint32_t id)
{
	struct incoming	*in;
	struct msg_qid	 rep;
	uint8_t		 buf[64];
	struct wbuf	 wb;
	int		 give, tries;

	in = xcalloc(1, sizeof(*in));
	in->content = -1;
	for (tries = 0; tries < 10; tries++) {
		qid_new(&q->qids, in->env.qid);
		if (spare_take(&q->spares, in->env.qid, &in->fd) == 0 ||
		    spool_create(in->env.qid, &in->fd) == 0 ||
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
	if ((in->content = content_new(in->env.qid)) == -1 ||
	    (give = fcntl(in->content, F_DUPFD_CLOEXEC, 0)) == -1) {
		log_warn("%s: cannot make a content file", in->env.qid);
		ipc_reply_error(c, id, "4.3.0", "Insufficient system storage");
		if (in->content != -1)
			close(in->content);
		close(in->fd);
		spool_discard_incoming(in->env.qid);
		free(in);
		return;
	}
	in->chan = c;
	TAILQ_INSERT_TAIL(&q->incoming, in, entry);
	STRLCPY_ARRAY(rep.qid, in->env.qid);
	wb_init(&wb, buf, sizeof(buf));
	enc_qid(&wb, &rep);
	ipc_reply(c, IPC_MSG_CREATE_OK, id, &wb, give);
}

void
on_rcpt(struct queue *q, struct ipc_chan *c, uint32_t id,
    const struct msg_rcpt *req)
{
	struct incoming	*in;
	struct qrcpt	*dup;

	if ((in = incoming_find(q, c, req->qid)) == NULL) {
		ipc_reply_error(c, id, "4.3.0", "no such incoming message");
		return;
	}
	if ((dup = rcpt_find(&in->env, req->addr)) != NULL) {
		/* One envelope recipient per address, as Postfix's cleanup. */
		dup->notify = rcpt_merge_notify(dup->notify, req->notify);
		ipc_reply(c, IPC_OK, id, NULL, -1);
		return;
	}
	if (qenv_add_rcpt_dsn(&in->env, req->addr, req->notify, req->orcpt)
	    == -1) {
		in->failed = 1;
		ipc_reply_error(c, id, "4.5.3", "too many recipients");
		return;
	}
	ipc_reply(c, IPC_OK, id, NULL, -1);
}

/* A commit on its way to disk, in a pool thread. */
struct commit_job {
	struct queue	*q;
	struct incoming	*in;
	uint32_t	 id;		/* the MSG_COMMIT request */
	enum bh_role	 from;		/* smtpd or pickup */
	uint64_t	 gen;		/* of the channel that asked */
	char		*envelope;	/* formatted in the loop */
	size_t		 envelope_len;
	int		 error;		/* set by the thread */
};

/*
 * Content into the queue file, the envelope after it, all to disk.  No
 * malloc here: a pool thread's first malloc makes glibc set up an arena
 * (and ask sched_getaffinity, which the filter does not allow).
 */
static void
commit_work(void *arg)
{
	struct commit_job	*j = arg;
	struct incoming		*in = j->in;

	if ((j->error = content_copy(in->content, in->fd, in->env.size))
	    != 0)
		return;
	if (fd_pwrite_all(in->fd, j->envelope, j->envelope_len,
	    in->env.size) == -1) {
		j->error = errno;
		return;
	}
	j->error = spool_commit_sync(in->fd, in->env.qid);
}

/* Back in the loop: only now may smtpd say 250 (and pickup remove the
   drop file). */
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

	if (j->from == ROLE_SMTPD && q->smtpd != NULL &&
	    q->smtpd_gen == j->gen)
		c = q->smtpd;
	else if (j->from == ROLE_PICKUP && q->pickup != NULL &&
	    q->pickup_gen == j->gen)
		c = q->pickup;
	close(in->content);
	free(j->envelope);
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
		STRLCPY_ARRAY(rep.qid, in->env.qid);
		wb_init(&wb, buf, sizeof(buf));
		enc_qid(&wb, &rep);
		ipc_reply(c, IPC_MSG_COMMIT_OK, j->id, &wb, -1);
	}
	qmsg_new(q, &in->env, in->env.size, in->fd);
	free(in);
	free(j);
	queue_schedule_soon(q);
}

void
on_commit(struct queue *q, struct ipc_chan *c, uint32_t id,
    const struct msg_commit *req)
{
	struct incoming		*in;
	struct commit_job	*j;
	char			 err[256], *envelope = NULL;
	size_t			 envelope_len = 0;

	if ((in = incoming_find(q, c, req->qid)) == NULL) {
		ipc_reply_error(c, id, "4.3.0", "no such incoming message");
		return;
	}
	in->env.arrival = queue_now();
	in->env.size = req->size;
	in->env.ret = req->ret;
	in->env.flags = req->flags & MSG_FLAG_MASK;
	if (ipc_chan_peer(c) != ROLE_PICKUP)
		in->env.flags &= ~MSG_FLAG_HOPS;	/* smtpd refuses those */
	in->env.warned = QWARN_NONE;
	STRLCPY_ARRAY(in->env.envid, req->envid);
	STRLCPY_ARRAY(in->env.sender, req->sender);
	STRLCPY_ARRAY(in->env.helo, req->helo);
	STRLCPY_ARRAY(in->env.client_addr, req->client_addr);
	STRLCPY_ARRAY(in->env.client_name, req->client_name);
	errno = 0;
	if (in->failed || in->env.nrcpt == 0)
		xstrlcpy(err, "recipient list incomplete", sizeof(err));
	else if (content_seal(in->content, in->env.size, err, sizeof(err))
	    == 0 && (envelope = qfile_format(&in->env, &envelope_len)) == NULL)
		xstrlcpy(err, "envelope cannot be stored", sizeof(err));
	if (envelope == NULL) {
		log_warnx("%s: commit failed: %s", req->qid, err);
		ipc_reply_error(c, id, storage_dsn(errno),
		    "Error: queue file write error");
		incoming_drop(q, in);
		return;
	}
	/*
	 * Sealed: from here nothing smtpd holds can change the content,
	 * and the job owns the files: smtpd going away cannot drop them.
	 */
	TAILQ_REMOVE(&q->incoming, in, entry);
	j = xcalloc(1, sizeof(*j));
	j->q = q;
	j->in = in;
	j->id = id;
	j->from = ipc_chan_peer(c);
	j->gen = j->from == ROLE_PICKUP ? q->pickup_gen : q->smtpd_gen;
	j->envelope = envelope;
	j->envelope_len = envelope_len;
	fsync_pool_submit(q->pool, commit_work, commit_done, j);
}

void
on_abort(struct queue *q, struct ipc_chan *c, uint32_t id,
    const struct msg_qid *req)
{
	struct incoming	*in;

	if ((in = incoming_find(q, c, req->qid)) != NULL)
		incoming_drop(q, in);
	ipc_reply(c, IPC_OK, id, NULL, -1);
}
