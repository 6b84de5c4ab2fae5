/*
 * relay.c: the relay compartment (see relay.h): its worker set-up and
 * its channel to queue.  The SMTP sessions are in smtp_client.c.
 *
 * Handlers:
 *   queue_msg		queue's IPC_RELAY
 *   queue_closed	queue went away: its sessions are dropped
 *   on_peer		master handed relay its channel to queue
 */
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "relay/relay.h"

static void
queue_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct relay	*r = arg;

	if (h->type != IPC_RELAY) {
		if (fd != -1)
			close(fd);
		ipc_chan_fail(c, "unexpected message");
		return;
	}
	rsess_start(r, h->id, &msg->relay, fd);
}

static void
queue_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct relay	*r = arg;

	if (violation)
		worker_peer_violation(&r->we, ROLE_QUEUE, why);
	if (c == r->queue) {
		rsess_abort_all(r);
		r->queue = NULL;
	}
	ipc_chan_free(c);
}

static void
on_peer(struct worker_env *we, enum bh_role peer, int fd)
{
	struct relay	*r = we->arg;

	if (peer != ROLE_QUEUE) {
		close(fd);
		fatalx("master handed relay a channel to %s",
		    ipc_role_name(peer));
	}
	if (r->queue != NULL)
		queue_closed(r->queue, "replaced", 0, r);
	r->queue = ipc_chan_new(we->base, fd, ROLE_RELAY, ROLE_QUEUE,
	    queue_msg, queue_closed, r);
}

/* Before the privilege drop: TLS, with smtp_tls_CAfile. */
static void
relay_prepare(struct worker_env *we, struct sandbox_spec *sb)
{
	relay_tls_init(&we->cf);
}

int
relay_main(int argc, char **argv)
{
	static struct relay		r;
	static const struct worker_role	role = {
		.role = ROLE_RELAY,
		.prepare = relay_prepare,
		.on_peer = on_peer,
	};

	TAILQ_INIT(&r.sessions);
	return worker_main(&role, &r.we, &r, argc, argv);
}
