/*
 * local.c: the local delivery compartment.  For each recipient queue hands
 * it (with a read-only fd of the queue file), it asks lookup whom the
 * address reaches, asks master for a writer running as each of those
 * accounts, and streams the message content to the writer over a pipe.
 * It never holds a privilege: the writer does the writing, as the user.
 *
 * Handlers:
 *   peer_msg		queue's IPC_DELIVER (on_deliver, local_job.c),
 *			lookup's answers (expand_answer, local_job.c)
 *   writer_answer	master's IPC_WRITER_OPEN_OK / IPC_RUNNER_OPEN_OK /
 *			ERROR (writer_ready, local_writer.c; runner_answer,
 *			local_target.c)
 *   peer_closed	queue or lookup went away
 *   on_peer		master handed local a channel to queue or lookup
 * and, in the other files:
 *   on_pump		the pipe to the writer can take more bytes
 *   writer_msg		the writer's (or runner's) verdict, ~/.forward or
 *			:include: file (on_forward, on_include,
 *			local_expand.c)
 *   forward_expanded	lookup's answer for one .forward target
 *   include_expanded	lookup's answer for one :include: address
 *
 * |command and /file targets (of an alias, or of a ~/.forward) are kept
 * per job with their source and delivered after the mailboxes, each by a
 * runner master forks for that source (see runner.c).
 */
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "delivery/dupfilter.h"
#include "delivery/local.h"
#include "lib/log.h"
#include "privsep/sandbox.h"

static void
writer_answer(struct worker_env *we, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd)
{
	struct local		*lo = we->arg;
	struct job		*j;

#ifdef BH_TEST_HOOKS
	if (hostile_answer(lo, h, msg, fd))
		return;
#endif
	if ((j = waited(lo, ROLE_MASTER, h->id)) == NULL)
		fatalx("master answered a request we did not make");
	if (h->type == IPC_ERROR) {
		if (fd != -1)
			close(fd);
		if (open_busy(j, &msg->error))
			return;
		open_release(lo);
		if (j->runner_wait)
			runner_refused(j, &msg->error);
		else
			writer_refused(j, &msg->error);
		return;
	}
	if (j->runner_wait) {
		runner_answer(j, h, fd);
		return;
	}
	if (h->type == IPC_WRITER_OPEN_OK) {
		writer_ready(j, fd);
		return;
	}
	fatalx("bad answer from master");
}

/*
 * Master replaced lookup (a new snapshot): new requests go to the new
 * channel, the old one is closed once it has answered the rest.
 */
static void
lookup_retire(struct local *lo, struct ipc_chan *old, ipc_close_fn closed)
{
	size_t	i;

	if (ipc_chan_npending(old) == 0) {
		ipc_chan_free(old);
		return;
	}
	for (i = 0; i < LOOKUP_RETIRING_MAX; i++)
		if (lo->retiring[i] == NULL) {
			lo->retiring[i] = old;
			return;
		}
	closed(lo->retiring[0], "replaced twice", 0, lo);
	lo->retiring[0] = old;
}

static void
lookup_forget(struct local *lo, struct ipc_chan *c)
{
	size_t	i;

	for (i = 0; i < LOOKUP_RETIRING_MAX; i++)
		if (lo->retiring[i] == c)
			lo->retiring[i] = NULL;
}

static void
lookup_retire_if_drained(struct local *lo, struct ipc_chan *c)
{
	size_t	i;

	for (i = 0; i < LOOKUP_RETIRING_MAX; i++)
		if (lo->retiring[i] == c && ipc_chan_npending(c) == 0) {
			lo->retiring[i] = NULL;
			ipc_chan_free(c);
		}
}

static void
peer_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct local	*lo = arg;
	struct job	*j;
	struct wl_node	*a;

	if (h->type == IPC_DELIVER) {
		on_deliver(lo, c, h->id, &msg->deliver, fd);
		return;
	}
	if (fd != -1)
		close(fd);
	if ((j = waited_on(lo, c, ROLE_LOOKUP, h->id, &a)) != NULL)
		expand_answer(j, a, h->type, msg);
	else
		ipc_chan_fail(c, "unexpected message");
	lookup_retire_if_drained(lo, c);
}

static void
peer_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct local	*lo = arg;
	struct job	*j;

	if (violation)
		worker_peer_violation(&lo->we, ipc_chan_peer(c), why);
	if (c == lo->queue) {
		TAILQ_FOREACH(j, &lo->jobs, entry)
			j->queue = NULL;
		lo->queue = NULL;
	} else if (ipc_chan_peer(c) == ROLE_LOOKUP) {
		if (c == lo->lookup)
			lo->lookup = NULL;
		lookup_forget(lo, c);
		fail_lookup_waits(lo, c);
	}
	ipc_chan_free(c);
}

static void
on_peer(struct worker_env *we, enum bh_role peer, int fd)
{
	struct local	 *lo = we->arg;
	struct ipc_chan	**slot;

	if (peer == ROLE_QUEUE)
		slot = &lo->queue;
	else if (peer == ROLE_LOOKUP)
		slot = &lo->lookup;
	else {
		close(fd);
		fatalx("master handed local a channel to %s",
		    ipc_role_name(peer));
	}
	if (*slot != NULL && peer == ROLE_LOOKUP)
		lookup_retire(lo, *slot, peer_closed);
	else if (*slot != NULL)
		peer_closed(*slot, "replaced", 0, lo);
	*slot = ipc_chan_new(we->base, fd, ROLE_LOCAL, peer, peer_msg,
	    peer_closed, lo);
}

#ifdef BH_TEST_HOOKS
/* Test builds: the hostile requests, read before the privilege drop. */
static void
local_prepare(struct worker_env *we, struct sandbox_spec *sb)
{
	hostile_load(we->arg);
	hostile_load_runner(we->arg);
	hostile_load_flood(we->arg);
}
#endif

static void
local_ready(struct worker_env *we)
{
	log_info("ready");
#ifdef BH_TEST_HOOKS
	hostile_send(we->arg);
#endif
}

int
local_main(int argc, char **argv)
{
	static struct local		lo;
	static const struct worker_role	role = {
		.role = ROLE_LOCAL,
#ifdef BH_TEST_HOOKS
		.prepare = local_prepare,
#endif
		.ready = local_ready,
		.on_peer = on_peer,
		.on_master_reply = writer_answer,
	};

	RB_INIT(&lo.waits);
	TAILQ_INIT(&lo.jobs);
	TAILQ_INIT(&lo.idle);
	lo.dups = dup_new(DUP_CLAIMS_MAX);
	TAILQ_INIT(&lo.wwait);
	return worker_main(&role, &lo.we, &lo, argc, argv);
}
