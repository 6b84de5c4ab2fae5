/*
 * peers.c: smtpd's channels to lookup, queue and auth.  A session's request is
 * remembered by (channel, request id) until its reply comes, or until the
 * channel goes away, when the session gets a temporary failure.
 *
 * When master replaces lookup for a new snapshot of accounts and aliases
 * (a planned reload), new requests go to the new channel at once, and the
 * old one stays open until it has answered what it was asked: a reload
 * is invisible to clients.  The retiring lookup exits when its peers have
 * closed their ends.
 *
 * auth says which mechanisms smtpd may offer (IPC_AUTH_MECHS, a note):
 * until it has, and after its channel closed, PLAIN and LOGIN.
 *
 * Handlers:
 *   peer_msg		a reply from queue, lookup or auth, auth's MECHS
 *   peer_closed	queue or lookup went away
 *   smtpd_on_peer	master handed over a channel (keys': to tls_keys.c)
 */
#include <stdlib.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/xmalloc.h"
#include "smtpd/smtpd.h"
#include "smtpd/tls_keys.h"

static int
waiter_cmp(struct waiter *a, struct waiter *b)
{
	if (a->chan != b->chan)
		return a->chan < b->chan ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}
RB_GENERATE_STATIC(waiter_tree, waiter, entry, waiter_cmp);

static struct ipc_chan **
peer_slot(struct smtpd *sd, enum bh_role peer)
{
	switch (peer) {
	case ROLE_QUEUE:
		return &sd->queue;
	case ROLE_LOOKUP:
		return &sd->lookup;
	case ROLE_AUTH:
		return &sd->auth;
	default:
		return NULL;
	}
}

int
smtpd_request(struct smtpd *sd, struct session *s, enum bh_role peer,
    enum ipc_type type, const struct wbuf *wb)
{
	struct ipc_chan	**slot = peer_slot(sd, peer);
	struct ipc_chan	 *c = *slot;
	struct waiter	 *w;
	uint32_t	  id;

	if (c == NULL)
		return -1;
	id = ipc_request(c, type, wb, -1);
	/*
	 * A send that fails closes the channel at once (peer_closed clears
	 * the slot and answers its waiters): this request then has no
	 * channel to wait on, and the caller answers the client.
	 */
	if (*slot != c)
		return -1;
	w = xcalloc(1, sizeof(*w));
	w->chan = c;
	w->id = id;
	w->peer = peer;
	w->req = type;
	w->s = s;
	if (RB_INSERT(waiter_tree, &sd->waiters, w) != NULL)
		fatalx("smtpd_request: request id %u in use", w->id);
	return 0;
}

int
smtpd_note(struct smtpd *sd, enum bh_role peer, enum ipc_type type,
    const struct wbuf *wb)
{
	struct ipc_chan *c = *peer_slot(sd, peer);

	if (c == NULL)
		return -1;
	ipc_note(c, type, wb, -1);
	return 0;
}

static int
retiring_slot(struct smtpd *sd, struct ipc_chan *c)
{
	int i;

	for (i = 0; i < SMTPD_RETIRING_MAX; i++)
		if (sd->retiring[i] == c)
			return i;
	return -1;
}

/* A retired lookup answered its last request: close our end. */
static void
retire_if_drained(struct smtpd *sd, struct ipc_chan *c)
{
	int i;

	if ((i = retiring_slot(sd, c)) == -1 || ipc_chan_npending(c) > 0)
		return;
	sd->retiring[i] = NULL;
	ipc_chan_free(c);
}

static void
peer_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct smtpd	*sd = arg;
	struct waiter	 key, *w;

	if (h->type == IPC_AUTH_MECHS) {	/* the one note to smtpd */
		if (c == sd->auth)
			sd->auth_mechs = msg->auth_mechs.mechs;
		return;
	}
	key.chan = c;
	key.id = h->id;
	/* Only replies reach here: requests to smtpd are not in the table. */
	if ((w = RB_FIND(waiter_tree, &sd->waiters, &key)) == NULL) {
		if (fd != -1)
			close(fd);
#ifdef BH_TEST_HOOKS
		if (c == sd->auth)
			hostile_auth_reply(c, h, msg);
#endif
		retire_if_drained(sd, c);
		return;
	}
	RB_REMOVE(waiter_tree, &sd->waiters, w);
	session_reply(w->s, w->req, h->type, msg, fd);
	free(w);
	retire_if_drained(sd, c);
}

/* Everyone waiting on a dead channel gets a temporary failure. */
static void
fail_waiters(struct smtpd *sd, struct ipc_chan *c)
{
	struct waiter *w, *tmp;

	RB_FOREACH_SAFE(w, waiter_tree, &sd->waiters, tmp) {
		if (w->chan != c)
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
	int		 i;

	if (violation)
		worker_peer_violation(&sd->we, peer, why);
	else
		log_warnx("lost %s: %s", ipc_role_name(peer), why);
	if (sd->queue == c)
		sd->queue = NULL;
	if (sd->lookup == c)
		sd->lookup = NULL;
	if (sd->auth == c) {
		sd->auth = NULL;
		sd->auth_mechs = AUTH_MECHS_BASE;
	}
	if ((i = retiring_slot(sd, c)) != -1)
		sd->retiring[i] = NULL;
	/* Answer the waiters first: the channel's address may be reused. */
	fail_waiters(sd, c);
	ipc_chan_free(c);
}

/*
 * Master handed us a new lookup while the old one still owes answers:
 * keep it until they came.  With no room left, the oldest goes now.
 */
static void
retire_lookup(struct smtpd *sd, struct ipc_chan *old)
{
	int i;

	if (ipc_chan_npending(old) == 0) {
		ipc_chan_free(old);
		return;
	}
	for (i = 0; i < SMTPD_RETIRING_MAX; i++)
		if (sd->retiring[i] == NULL) {
			sd->retiring[i] = old;
			return;
		}
	peer_closed(sd->retiring[0], "replaced twice", 0, sd);
	sd->retiring[0] = old;
}

/* keys broke the protocol (tls_keys.c): master restarts it. */
static void
keys_violation(const char *why, void *arg)
{
	worker_peer_violation(arg, ROLE_KEYS, why);
}

void
smtpd_on_peer(struct worker_env *we, enum bh_role peer, int fd)
{
	struct smtpd	 *sd = we->arg;
	struct ipc_chan	**slot;

	if (peer == ROLE_KEYS) {
		/* Not on the event loop: TLS asks it synchronously. */
		tls_keys_set_fd(fd, keys_violation, we);
		return;
	}
	if ((slot = peer_slot(sd, peer)) == NULL) {
		close(fd);
		fatalx("master handed smtpd a channel to %s",
		    ipc_role_name(peer));
	}
	if (*slot != NULL && peer == ROLE_LOOKUP)
		retire_lookup(sd, *slot);
	else if (*slot != NULL)
		peer_closed(*slot, "replaced", 0, sd);
	*slot = ipc_chan_new(we->base, fd, ROLE_SMTPD, peer, peer_msg,
	    peer_closed, sd);
	if (peer == ROLE_AUTH) {
		/* exchanges relayed to the old one are not this one's */
		sd->auth_gen++;
		sd->auth_mechs = AUTH_MECHS_BASE;
	}
#ifdef BH_TEST_HOOKS
	if (peer == ROLE_AUTH)
		hostile_auth_send(slot);
#endif
}
