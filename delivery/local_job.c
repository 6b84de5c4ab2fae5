/*
 * local_job.c: a job is one recipient queue hands local, with a
 * read-only fd of the queue file.  Its life: IPC_DELIVER (on_deliver),
 * the owner-NAME of the recipient and its expansion asked of lookup
 * (owner_answer, expand_answer), then the mailboxes (local_writer.c), the
 * commands and files (local_target.c), and the result to queue
 * (job_finish).  A job's questions to lookup and master are remembered
 * by (channel, id) so that no answer outlives its channel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "delivery/local.h"
#include "delivery/member.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"

/* A job waiting on a reply, by (channel, id): see wait_for(). */
struct lwait {
	RB_ENTRY(lwait)		 entry;
	struct ipc_chan		*chan;		/* NULL: closed during the send */
	int			 refused;	/* never sent: see ask_lookup */
	enum bh_role		 peer;
	uint32_t		 id;
	struct job		*job;
	struct wl_node		*node;		/* the address asked, or NULL:
						   the recipient, its owner */
};

static int
lwait_cmp(struct lwait *a, struct lwait *b)
{
	if (a->chan != b->chan)
		return a->chan < b->chan ? -1 : 1;
	if (a->peer != b->peer)
		return a->peer < b->peer ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}
RB_GENERATE_STATIC(lwait_tree, lwait, entry, lwait_cmp);

static void
orphans_cb(evutil_socket_t fd, short ev, void *arg)
{
	fail_lookup_waits(arg, NULL);
}

/*
 * A question to lookup that has no channel: lookup was down, the send
 * closed the channel, or (refused) local may not ask it because lookup's
 * decoder would refuse it.  The answer (4.3.0, or 5.1.3 when refused)
 * comes on the next loop turn, never from under the caller.
 */
static void
wait_orphan(struct local *lo, struct job *j, struct wl_node *node,
    int refused)
{
	static uint32_t	 next;
	struct timeval	 now = { 0, 0 };
	struct lwait	*w;

	w = xcalloc(1, sizeof(*w));
	w->peer = ROLE_LOOKUP;
	w->refused = refused;
	w->id = next++;
	w->job = j;
	w->node = node;
	if (RB_INSERT(lwait_tree, &lo->waits, w) != NULL)
		fatalx("wait_orphan: id %u in use", w->id);
	if (event_base_once(lo->we.base, -1, EV_TIMEOUT, orphans_cb, lo,
	    &now) == -1)
		fatalx("wait_orphan: event_base_once");
}

/*
 * Remember that j waits for reply id on the channel to peer.  No wait
 * outlives its channel: a lookup channel that closed during the send
 * (lo->lookup is then NULL) gets its wait answered on the next loop
 * turn, not from under the caller.
 */
void
wait_for(struct local *lo, enum bh_role peer, uint32_t id, struct job *j,
    struct wl_node *node)
{
	struct lwait	*w;

	if (peer == ROLE_LOOKUP && lo->lookup == NULL) {
		wait_orphan(lo, j, node, 0);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->chan = peer == ROLE_LOOKUP ? lo->lookup : lo->we.master;
	w->peer = peer;
	w->id = id;
	w->job = j;
	w->node = node;
	if (RB_INSERT(lwait_tree, &lo->waits, w) != NULL)
		fatalx("wait_for: request id %u in use", id);
}

/* The job (and the node, if node != NULL) that waited for reply id. */
struct job *
waited_on(struct local *lo, struct ipc_chan *c, enum bh_role peer,
    uint32_t id, struct wl_node **node)
{
	struct lwait	 key, *w;
	struct job	*j;

	key.chan = c;
	key.peer = peer;
	key.id = id;
	if ((w = RB_FIND(lwait_tree, &lo->waits, &key)) == NULL)
		return NULL;
	RB_REMOVE(lwait_tree, &lo->waits, w);
	j = w->job;
	if (node != NULL)
		*node = w->node;
	free(w);
	return j;
}

struct job *
waited(struct local *lo, enum bh_role peer, uint32_t id)
{
	return waited_on(lo, lo->we.master, peer, id, NULL);
}

/* Keep the first failure's words; a 4xx outranks a 5xx (retry wins). */
void
job_fail(struct job *j, const char *dsn, const char *text)
{
	if (dsn[0] == '4') {
		if (!j->defer)
			snprintf(j->text, sizeof(j->text), "%s", text);
		if (!j->defer)
			xstrlcpy(j->dsn, dsn, sizeof(j->dsn));
		j->defer = 1;
	} else {
		if (!j->defer && !j->bounce) {
			snprintf(j->text, sizeof(j->text), "%s", text);
			xstrlcpy(j->dsn, dsn, sizeof(j->dsn));
		}
		j->bounce = 1;
	}
}

/* Members that failed for good; queue bounces them if the rest goes. */
void
add_failed_members(struct job *j, const struct msg_expand_ok *x)
{
	uint32_t i;

	for (i = 0; i < x->nfailed; i++) {
		if (j->nfailed == IPC_FAILED_MAX) {
			job_fail(j, x->failed[i].dsn, x->failed[i].text);
			return;
		}
		j->failed[j->nfailed++] = x->failed[i];
	}
}

/* Did an earlier attempt deliver to this member? */
int
member_was_done(const struct job *j, const char *user,
    const struct msg_runner_open *t)
{
	char		key[IPC_MEMBER_KEY_LEN + 1];
	uint32_t	i;

	if (j->d.ndone == 0)
		return 0;
	member_key(user, t, key);
	for (i = 0; i < j->d.ndone; i++)
		if (strcmp(j->d.done[i], key) == 0)
			return 1;
	return 0;
}

/*
 * The member has the message: tell queue with the result, and a command
 * or file with more members to come at once (a crash before the result
 * must not run it again; a Maildir needs no note: it is idempotent).
 */
void
member_delivered(struct job *j, const char *user,
    const struct msg_runner_open *t)
{
	struct msg_deliver_progress	 p;
	uint8_t				 buf[64];
	struct wbuf			 wb;

	member_key(user, t, p.key);
	if (!member_key_valid(p.key))
		return;
	if (j->ndone < IPC_DONE_MAX)
		STRLCPY_ARRAY(j->done[j->ndone++], p.key);
	if (t == NULL || j->queue == NULL || !wl_more(&j->wl))
		return;
	p.deliver_id = j->queue_id;
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver_progress(&wb, &p);
	ipc_note(j->queue, IPC_DELIVER_PROGRESS, &wb, -1);
}

void
job_finish(struct job *j)
{
	static struct msg_deliver_result r;
	static uint8_t			 buf[IPC_PAYLOAD_MAX];
	struct wbuf			 wb;
	const char			*why;

	memset(&r, 0, sizeof(r));
	STRLCPY_ARRAY(r.owner, j->owner);
	r.ndone = j->ndone;
	memcpy(r.done, j->done, sizeof(r.done));
	if (j->defer || j->bounce) {
		r.status = j->defer ? DELIVER_DEFER : DELIVER_BOUNCE;
		STRLCPY_ARRAY(r.dsn, j->dsn);
		STRLCPY_ARRAY(r.text, j->text);
	} else {
		r.status = DELIVER_SENT;
		xstrlcpy(r.dsn, "2.0.0", sizeof(r.dsn));
		r.nfailed = j->nfailed;
		memcpy(r.failed, j->failed, sizeof(r.failed));
		r.nremote = j->nremote;
		memcpy(r.remote, j->remote, sizeof(r.remote));
		if (j->nsent == 0 && j->nrun == 0 && j->nremote > 0)
			snprintf(r.text, sizeof(r.text), "forwarded to %u "
			    "remote address%s", j->nremote,
			    j->nremote == 1 ? "" : "es");
		else if (j->nrun > 0)
			snprintf(r.text, sizeof(r.text), "delivered to %d "
			    "mailbox%s and %d command%s or file%s", j->nsent,
			    j->nsent == 1 ? "" : "es", j->nrun,
			    j->nrun == 1 ? "" : "s", j->nrun == 1 ? "" : "s");
		else if (j->nsent == 1)
			snprintf(r.text, sizeof(r.text), "delivered to mailbox");
		else
			snprintf(r.text, sizeof(r.text),
			    "delivered to %d mailboxes", j->nsent);
	}
	/*
	 * The text may quote a command's output, a path or an address:
	 * queue would kill local for a control character.  Anything else
	 * queue refuses is a bug here; the recipient is retried.
	 */
	ipc_text_clean(r.text);
	if ((why = ipc_check_deliver_result(&r)) != NULL) {
		log_warnx("%s: to=<%s>: result not sendable (%s): deferred",
		    j->d.qid, j->d.rcpt, why);
		memset(&r, 0, sizeof(r));
		r.status = DELIVER_DEFER;
		xstrlcpy(r.dsn, "4.3.0", sizeof(r.dsn));
		xstrlcpy(r.text, "internal error", sizeof(r.text));
	}
	if (j->queue != NULL) {
		wb_init(&wb, buf, sizeof(buf));
		enc_deliver_result(&wb, &r);
		ipc_reply(j->queue, IPC_DELIVER_RESULT, j->queue_id, &wb, -1);
	}
	TAILQ_REMOVE(&j->lo->jobs, j, entry);
	if (j->busy_ev != NULL)
		event_free(j->busy_ev);
	close(j->msg_fd);
	wl_clear(&j->wl);
	free(j);
}

/*
 * Ask lookup about addr (IPC_EXPAND or IPC_OWNER_QUERY) for job j: the
 * recipient (node NULL) or an address of a .forward or :include: file.
 */
void
ask_lookup(struct job *j, struct wl_node *node, uint32_t type,
    const char *addr)
{
	struct msg_addr	 a;
	uint8_t		 buf[IPC_ADDR_MAX + 8];
	struct wbuf	 wb;

	/* the recipient or a local part, both held in IPC_ADDR_MAX arrays */
	xstrlcpy(a.addr, addr, sizeof(a.addr));
	if (ipc_check_addr(&a) != NULL) {
		log_warnx("%s: to=<%s>: a .forward or :include: address is "
		    "not valid: not looked up", j->d.qid, j->d.rcpt);
		wait_orphan(j->lo, j, node, 1);
		return;
	}
	if (j->lo->lookup == NULL) {
		wait_orphan(j->lo, j, node, 0);
		return;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_addr(&wb, &a);
	wait_for(j->lo, ROLE_LOOKUP, ipc_request(j->lo->lookup, type, &wb, -1),
	    j, node);
}

/*
 * Mail through an alias with an owner-NAME companion goes out with that
 * as its sender (Postfix's owner_request_special), so that problems
 * reach the list's owner.  A null sender stays null: a bounce must not
 * cause one.
 */
static void
owner_query(struct job *j)
{
	j->owner_wait = 1;
	ask_lookup(j, NULL, IPC_OWNER_QUERY, j->d.rcpt);
}

static void
owner_answer(struct job *j, uint32_t type, const union ipc_msg *msg)
{
	j->owner_wait = 0;
	if (type == IPC_OWNER_REPLY) {
		STRLCPY_ARRAY(j->owner, msg->owner.addr);
		ask_lookup(j, NULL, IPC_EXPAND, j->d.rcpt);
		return;
	}
	job_fail(j, "4.3.0", type == IPC_NONE ? "lookup unavailable" :
	    "bad answer from lookup");
	job_finish(j);
}

/* lookup's answer for the recipient, its owner, or address a. */
void
expand_answer(struct job *j, struct wl_node *a, uint32_t type,
    const union ipc_msg *msg)
{
	const struct msg_expand_ok	*x;
	uint32_t			 i;

	/* An address of a .forward or an :include: file. */
	if (a != NULL) {
		if (a->parent->kind == WL_INCLUDE)
			include_expanded(j, a, type, msg);
		else
			forward_expanded(j, a, type, msg);
		return;
	}
	if (j->owner_wait) {
		owner_answer(j, type, msg);
		return;
	}
	if (type == IPC_EXPAND_OK) {		/* msg NULL: lookup died */
		x = &msg->expand_ok;
		/* lookup made them one per account already */
		for (i = 0; i < x->n; i++)
			(void)wl_add_user(&j->wl, j->wl.root, x->users[i],
			    x->ext[i], 0);
		j->nfailed = x->nfailed;
		memcpy(j->failed, x->failed, sizeof(j->failed));
		j->nremote = x->nremote;
		memcpy(j->remote, x->remote, sizeof(j->remote));
		add_alias_targets(j, x, j->wl.root);
		next_user(j);
		return;
	}
	if (type == IPC_ERROR)
		job_fail(j, msg->error.dsn, msg->error.text);
	else
		job_fail(j, "4.3.0", "lookup unavailable");
	job_finish(j);
}

void
on_deliver(struct local *lo, struct ipc_chan *c, uint32_t id,
    const struct msg_deliver *d, int fd)
{
	struct job	*j;

	j = xcalloc(1, sizeof(*j));
	j->d = *d;
	wl_init(&j->wl, j->d.rcpt);
	j->lo = lo;
	j->queue = c;
	j->queue_id = id;
	j->msg_fd = fd;
	j->pipe_w = -1;
	TAILQ_INSERT_TAIL(&lo->jobs, j, entry);
	if (lo->lookup == NULL) {
		job_fail(j, "4.3.0", "lookup unavailable");
		job_finish(j);
		return;
	}
	/* The owner first: it is the sender, and gets failures, either way. */
	if (j->d.sender[0] == '\0')
		ask_lookup(j, NULL, IPC_EXPAND, j->d.rcpt);
	else
		owner_query(j);
}

/* lookup's answer to a question never asked (wait_orphan). */
static void
refused_answer(struct job *j, struct wl_node *node)
{
	static union ipc_msg	m;

	xstrlcpy(m.error.dsn, "5.1.3", sizeof(m.error.dsn));
	xstrlcpy(m.error.text, "bad address syntax", sizeof(m.error.text));
	expand_answer(j, node, IPC_ERROR, &m);
}

/*
 * Jobs waiting on lookup channel c (NULL: one that closed during the
 * send, or a question never sent) get their answer: 4.3.0 or 5.1.3.
 */
void
fail_lookup_waits(struct local *lo, struct ipc_chan *c)
{
	struct lwait	*w, *tmp;
	struct job	*j;

	RB_FOREACH_SAFE(w, lwait_tree, &lo->waits, tmp) {
		if (w->peer != ROLE_LOOKUP || w->chan != c)
			continue;
		j = w->job;
		RB_REMOVE(lwait_tree, &lo->waits, w);
		if (w->refused)
			refused_answer(j, w->node);
		else
			expand_answer(j, w->node, IPC_NONE, NULL);
		free(w);
	}
}
