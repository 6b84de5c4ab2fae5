/*
 * peers.c: smtpd's channels to lookup and queue.  A session's request is
 * remembered by (peer, request id) until its reply comes, or until the
 * peer goes away, when the session gets a temporary failure.
 *
 * Handlers:
 *   peer_msg		a reply from queue or lookup
 *   peer_closed	queue or lookup went away
 *   smtpd_on_peer	master handed over a channel
 */
#include <stdlib.h>
#include <unistd.h>

#include "lib/log.h"
#include "smtpd/smtpd.h"

static int
waiter_cmp(struct waiter *a, struct waiter *b)
{
	if (a->peer != b->peer)
		return a->peer < b->peer ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}
RB_GENERATE_STATIC(waiter_tree, waiter, entry, waiter_cmp);

int
smtpd_request(struct smtpd *sd, struct session *s, enum bh_role peer,
    enum ipc_type type, const struct wbuf *wb)
{
	struct ipc_chan	*c = peer == ROLE_QUEUE ? sd->queue : sd->lookup;
	struct waiter	*w;

	if (c == NULL)
		return -1;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("smtpd_request");
	w->peer = peer;
	w->req = type;
	w->s = s;
	w->id = ipc_request(c, type, wb, -1);
	if (RB_INSERT(waiter_tree, &sd->waiters, w) != NULL)
		fatalx("smtpd_request: request id %u in use", w->id);
	return 0;
}

static void
peer_msg(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *rb,
    int fd, void *arg)
{
	struct smtpd	*sd = arg;
	struct waiter	 key, *w;

	key.peer = ipc_chan_peer(c);
	key.id = h->id;
	/* Only replies reach here: requests to smtpd are not in the table. */
	if ((w = RB_FIND(waiter_tree, &sd->waiters, &key)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	RB_REMOVE(waiter_tree, &sd->waiters, w);
	session_reply(w->s, w->req, h->type, rb, fd);
	free(w);
}

/* Everyone waiting on a dead peer gets a temporary failure. */
static void
fail_waiters(struct smtpd *sd, enum bh_role peer)
{
	struct waiter *w, *tmp;

	RB_FOREACH_SAFE(w, waiter_tree, &sd->waiters, tmp) {
		if (w->peer != peer)
			continue;
		RB_REMOVE(waiter_tree, &sd->waiters, w);
		session_reply(w->s, w->req, IPC_NONE, NULL, -1);
		free(w);
	}
}

static void
peer_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct smtpd	*sd = arg;
	enum bh_role	 peer = ipc_chan_peer(c);

	if (violation)
		worker_peer_violation(&sd->we, peer, why);
	else
		log_warnx("lost %s: %s", ipc_role_name(peer), why);
	if (sd->queue == c)
		sd->queue = NULL;
	if (sd->lookup == c)
		sd->lookup = NULL;
	ipc_chan_free(c);
	fail_waiters(sd, peer);
}

void
smtpd_on_peer(struct worker_env *we, enum bh_role peer, int fd)
{
	struct smtpd	 *sd = we->arg;
	struct ipc_chan	**slot;

	if (peer == ROLE_QUEUE)
		slot = &sd->queue;
	else if (peer == ROLE_LOOKUP)
		slot = &sd->lookup;
	else {
		close(fd);
		fatalx("master handed smtpd a channel to %s",
		    ipc_role_name(peer));
	}
	if (*slot != NULL)
		peer_closed(*slot, "replaced", 0, sd);
	*slot = ipc_chan_new(we->base, fd, ROLE_SMTPD, peer, peer_msg,
	    peer_closed, sd);
}
