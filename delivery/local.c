/*
 * local.c: the local delivery compartment.  For each recipient queue hands
 * it (with a read-only fd of the queue file), it asks lookup whom the
 * address reaches, asks master for a writer running as each of those
 * accounts, and streams the message content to the writer over a pipe.
 * It never holds a privilege: the writer does the writing, as the user.
 *
 * Handlers:
 *   on_deliver		queue's IPC_DELIVER
 *   expand_answer	lookup's answer
 *   owner_answer	lookup's owner-NAME for the recipient
 *   writer_answer	master's IPC_WRITER_OPEN_OK / ERROR
 *   on_pump		the pipe to the writer can take more bytes
 *   on_forward		the writer read ~/.forward (or found none)
 *   forward_expanded	lookup's answer for one .forward target
 *   writer_msg		the writer's (or runner's) verdict
 *   runner_answer	master's IPC_RUNNER_OPEN_OK / ERROR
 *   on_include		a runner read an :include: file
 *   include_expanded	lookup's answer for one :include: address
 *
 * |command and /file targets (of an alias, or of a ~/.forward) are kept
 * per job with their source and delivered after the mailboxes, each by a
 * runner master forks for that source (see runner.c).
 */
#include <sys/queue.h>
#include <sys/tree.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

#include "delivery/dupfilter.h"
#include "delivery/local.h"
#include "delivery/forward.h"
#include "delivery/member.h"
#include "delivery/resolve.h"
#include "lib/log.h"
#include "privsep/ipc_msgs.h"
#include "privsep/sandbox.h"
#include "privsep/worker.h"

/* A job waiting on a reply, by (channel, id): see wait_for(). */
struct lwait {
	RB_ENTRY(lwait)		 entry;
	struct ipc_chan		*chan;		/* NULL: closed during the send */
	int			 refused;	/* never sent: see ask_lookup */
	enum bh_role		 peer;
	uint32_t		 id;
	struct job		*job;
};

static void fail_lookup_waits(struct local *lo, struct ipc_chan *c);
static void next_user(struct job *j);
static void open_send(struct job *j);
static void on_forward(struct job *j, struct rbuf *rb);
static void on_include(struct job *j, struct rbuf *rb);
static const char *cur_ext(const struct job *j);
static const char *cur_user(const struct job *j);
static void start_writing(struct job *j);
static void open_request(struct job *j);
static void next_target(struct job *j);
static void writer_refused(struct job *j, const struct msg_error *e);

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
wait_orphan(struct local *lo, struct job *j, int refused)
{
	static uint32_t	 next;
	struct timeval	 now = { 0, 0 };
	struct lwait	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("wait_orphan");
	w->peer = ROLE_LOOKUP;
	w->refused = refused;
	w->id = next++;
	w->job = j;
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
static void
wait_for(struct local *lo, enum bh_role peer, uint32_t id, struct job *j)
{
	struct lwait	*w;

	if (peer == ROLE_LOOKUP && lo->lookup == NULL) {
		wait_orphan(lo, j, 0);
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("wait_for");
	w->chan = peer == ROLE_LOOKUP ? lo->lookup : lo->we.master;
	w->peer = peer;
	w->id = id;
	w->job = j;
	if (RB_INSERT(lwait_tree, &lo->waits, w) != NULL)
		fatalx("wait_for: request id %u in use", id);
}

static struct job *
waited_on(struct local *lo, struct ipc_chan *c, enum bh_role peer,
    uint32_t id)
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
	free(w);
	return j;
}

static struct job *
waited(struct local *lo, enum bh_role peer, uint32_t id)
{
	return waited_on(lo, lo->we.master, peer, id);
}

/* Keep the first failure's words; a 4xx outranks a 5xx (retry wins). */
static void
job_fail(struct job *j, const char *dsn, const char *text)
{
	if (dsn[0] == '4') {
		if (!j->defer)
			snprintf(j->text, sizeof(j->text), "%s", text);
		if (!j->defer)
			strlcpy(j->dsn, dsn, sizeof(j->dsn));
		j->defer = 1;
	} else {
		if (!j->defer && !j->bounce) {
			snprintf(j->text, sizeof(j->text), "%s", text);
			strlcpy(j->dsn, dsn, sizeof(j->dsn));
		}
		j->bounce = 1;
	}
}

/* Members that failed for good; queue bounces them if the rest goes. */
static void
add_failed_members(struct job *j, const struct msg_expand_ok *x)
{
	uint32_t i;

	for (i = 0; i < x->nfailed; i++) {
		if (j->users->nfailed == IPC_FAILED_MAX) {
			job_fail(j, x->failed[i].dsn, x->failed[i].text);
			return;
		}
		j->users->failed[j->users->nfailed++] = x->failed[i];
	}
}

/* Did an earlier attempt deliver to this member? */
static int
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
static void
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
		strlcpy(j->done[j->ndone++], p.key, sizeof(j->done[0]));
	if (t == NULL || j->queue == NULL ||
	    (j->next_tgt == j->ntgt && j->next_user == j->users->n))
		return;
	p.deliver_id = j->queue_id;
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver_progress(&wb, &p);
	ipc_note(j->queue, IPC_DELIVER_PROGRESS, &wb, -1);
}

static void
job_finish(struct job *j)
{
	static struct msg_deliver_result r;
	static uint8_t			 buf[IPC_PAYLOAD_MAX];
	struct wbuf			 wb;
	const char			*why;

	memset(&r, 0, sizeof(r));
	strlcpy(r.owner, j->owner, sizeof(r.owner));
	r.ndone = j->ndone;
	memcpy(r.done, j->done, sizeof(r.done));
	if (j->defer || j->bounce) {
		r.status = j->defer ? DELIVER_DEFER : DELIVER_BOUNCE;
		strlcpy(r.dsn, j->dsn, sizeof(r.dsn));
		strlcpy(r.text, j->text, sizeof(r.text));
	} else {
		r.status = DELIVER_SENT;
		strlcpy(r.dsn, "2.0.0", sizeof(r.dsn));
		if (j->users != NULL) {
			r.nfailed = j->users->nfailed;
			memcpy(r.failed, j->users->failed, sizeof(r.failed));
		}
		if (j->nrun > 0)
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
		strlcpy(r.dsn, "4.3.0", sizeof(r.dsn));
		strlcpy(r.text, "internal error", sizeof(r.text));
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
	free(j->users);
	free(j);
}

static void
pump_stop(struct job *j)
{
	if (j->pump_ev != NULL) {
		event_free(j->pump_ev);
		j->pump_ev = NULL;
	}
	if (j->pipe_w != -1) {
		close(j->pipe_w);
		j->pipe_w = -1;
	}
}

static void
on_pump(evutil_socket_t fd, short ev, void *arg)
{
	struct job	*j = arg;
	char		 buf[PUMP_CHUNK];
	uint64_t	 left = j->d.content_len - j->sent;
	ssize_t		 n, w;

	if (left == 0) {
		pump_stop(j);
		return;
	}
	n = pread(j->msg_fd, buf, left < sizeof(buf) ? left : sizeof(buf),
	    j->sent);
	if (n <= 0) {
		log_warnx("%s: queue file shorter than its envelope says",
		    j->d.qid);
		pump_stop(j);	/* the writer sees too few bytes and refuses */
		return;
	}
	if ((w = write(j->pipe_w, buf, n)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			pump_stop(j);
		return;
	}
	j->sent += w;
	if (j->sent == j->d.content_len)
		pump_stop(j);
}

/*
 * A writer or runner slot is free: the first job waiting for one takes
 * it.  local never holds (alive, idle or asked for) more than
 * local_writer_limit writers and runners, so master need not refuse.
 */
static void
open_release(struct local *lo)
{
	struct job *j;

	if (lo->nwriters > 0)
		lo->nwriters--;
	if (lo->nwriters >= lo->we.cf.local_writer_limit ||
	    (j = TAILQ_FIRST(&lo->wwait)) == NULL)
		return;
	TAILQ_REMOVE(&lo->wwait, j, wentry);
	j->wwaiting = 0;
	lo->nwriters++;
	open_send(j);
}

static void
slot_free(struct wslot *ws)
{
	struct local *lo = ws->lo;

	event_free(ws->idle_ev);
	ipc_chan_free(ws->chan);
	free(ws);
	open_release(lo);
}

static void
slot_unidle(struct wslot *ws)
{
	TAILQ_REMOVE(&ws->lo->idle, ws, entry);
	ws->lo->nidle--;
	evtimer_del(ws->idle_ev);
}

static void
on_slot_idle(evutil_socket_t fd, short ev, void *arg)
{
	struct wslot *ws = arg;

	slot_unidle(ws);
	slot_free(ws);		/* the writer sees end of file and exits */
}

/* The job is done with its writer: keep it for the user, or let it go. */
static void
writer_release(struct job *j, int keep)
{
	struct wslot	*ws = j->slot, *old;
	struct timeval	 tv = { WRITER_KEEP, 0 };

	pump_stop(j);
	j->writer = NULL;
	j->slot = NULL;
	if (ws == NULL)
		return;
	ws->job = NULL;
	/* A job waiting for a slot comes before the cache. */
	if (!keep || ws->runner || !TAILQ_EMPTY(&ws->lo->wwait) ||
	    ws->lo->we.cf.local_writer_idle_limit == 0) {
		slot_free(ws);
		return;
	}
	if (ws->lo->nidle >= ws->lo->we.cf.local_writer_idle_limit &&
	    (old = TAILQ_FIRST(&ws->lo->idle)) != NULL) {
		slot_unidle(old);
		slot_free(old);
	}
	TAILQ_INSERT_TAIL(&ws->lo->idle, ws, entry);
	ws->lo->nidle++;
	evtimer_add(ws->idle_ev, &tv);
}

static void
writer_done(struct job *j)
{
	writer_release(j, 1);
	next_user(j);
}

static void
writer_msg(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *rb,
    int fd, void *arg)
{
	struct wslot		*ws = arg;
	struct job		*j = ws->job;
	struct msg_error	 e;

	if (fd != -1)
		close(fd);
	if (j == NULL) {	/* cannot happen: replies need a request */
		ipc_chan_fail(c, "message from an idle writer");
		return;
	}
	if (h->type == IPC_FORWARD_DATA) {
		if (ws->runner)
			on_include(j, rb);
		else
			on_forward(j, rb);
		return;
	}
	if (h->type == IPC_OK && dec_empty(rb) == 0) {
		if (ws->runner)
			j->nrun++;
		else
			j->nsent++;
		member_delivered(j, ws->user, ws->runner ?
		    &j->tgt[j->next_tgt - 1] : NULL);
	} else if (h->type == IPC_ERROR && dec_error(rb, &e) == 0)
		job_fail(j, e.dsn, e.text);
	else {
		ipc_chan_fail(c, "bad reply from writer");
		return;
	}
	writer_done(j);
}

static void
writer_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct wslot	*ws = arg;
	struct job	*j = ws->job;

	if (j == NULL) {		/* an idle writer went away */
		slot_unidle(ws);
		slot_free(ws);
		return;
	}
	job_fail(j, "4.3.0", ws->runner ? "command or file delivery failed" :
	    "mailbox writer failed");
	log_warnx("%s: %s for %s: %s", j->d.qid, ws->runner ? "runner" :
	    "writer", ws->user, why);
	writer_release(j, 0);
	if (j->fwd_wait > 0)		/* forward_done moves on */
		return;
	next_user(j);
}

/*
 * Delivered-To: the recipient address as it reached this user.  When
 * the user is the recipient itself (perhaps with an extension: user+ext
 * with recipient_delimiter "+"), that is the full address, lower-cased,
 * extension kept; when an alias led here, user@domain.
 */
static void
delivered_to(const struct job *j, const char *user, char *out, size_t len)
{
	const char	*rcpt = j->d.rcpt, *at = strrchr(rcpt, '@');
	const char	*delims = j->lo->we.cf.recipient_delimiter;
	const char	*dom = at != NULL ? at + 1 : j->lo->we.cf.myhostname;
	char		 local[IPC_ADDR_MAX], domain[IPC_ADDR_MAX];
	size_t		 n = at != NULL ? (size_t)(at - rcpt) : strlen(rcpt), i;
	size_t		 base;

	if (n >= sizeof(local))
		n = sizeof(local) - 1;
	for (i = 0; i < n; i++)
		local[i] = tolower((unsigned char)rcpt[i]);
	local[n] = '\0';
	for (i = 0; dom[i] != '\0' && i + 1 < sizeof(domain); i++)
		domain[i] = tolower((unsigned char)dom[i]);
	domain[i] = '\0';
	/* A target user+ext (of an alias or a .forward) reached user. */
	if (j->slot != NULL && !j->slot->runner && cur_ext(j)[0] != '\0' &&
	    (size_t)snprintf(out, len, "%s%s@%s", user, cur_ext(j), domain) <
	    len)
		return;
	base = (delims != NULL && *delims != '\0') ? strcspn(local, delims) :
	    n;
	if ((strcmp(local, user) == 0 || (base > 0 && base < n &&
	    strlen(user) == base && strncmp(local, user, base) == 0)) &&
	    (size_t)snprintf(out, len, "%s@%s", local, domain) < len)
		return;
	if ((size_t)snprintf(out, len, "%s@%s", user, domain) >= len)
		out[0] = '\0';		/* the writer's decoder refuses it */
}

/*
 * user+ext@domain reached user: "+ext" (lower-cased), for ~/.forward+ext.
 * Anything else (an alias led here, no extension): "".
 */
static void
forward_suffix(const struct job *j, const char *user, char *out, size_t len)
{
	const char	*rcpt = j->d.rcpt, *at = strrchr(rcpt, '@');
	const char	*delims = j->lo->we.cf.recipient_delimiter;
	size_t		 n = at != NULL ? (size_t)(at - rcpt) : strlen(rcpt);
	size_t		 base, i, ulen = strlen(user);

	out[0] = '\0';
	if (cur_ext(j)[0] != '\0') {	/* a target user+ext reached user */
		strlcpy(out, cur_ext(j), len);
		return;
	}
	if (delims == NULL || *delims == '\0')
		return;
	base = strcspn(rcpt, delims);
	if (base != ulen || base >= n || n - base >= len ||
	    strncasecmp(rcpt, user, ulen) != 0)
		return;
	/* Only what the writer accepts as a file name; else no suffix. */
	if (n - base < 2 || rcpt[base] == '/' ||
	    !ispunct((unsigned char)rcpt[base]))
		return;
	for (i = base + 1; i < n; i++)
		if (!isalnum((unsigned char)rcpt[i]) &&
		    strchr("._+-=", rcpt[i]) == NULL)
			return;
	for (i = 0; i < n - base; i++)
		out[i] = tolower((unsigned char)rcpt[base + i]);
	out[i] = '\0';
}

/* The writer is there: ~/.forward first, unless a .forward sent us. */
static void
writer_begin(struct job *j, struct wslot *ws)
{
	struct msg_forward_read	 r;
	uint8_t			 buf[IPC_USER_MAX + 16];
	struct wbuf		 wb;

	ws->job = j;
	j->slot = ws;
	j->writer = ws->chan;
	if (j->nofwd[j->next_user - 1]) {
		start_writing(j);
		return;
	}
	forward_suffix(j, cur_user(j), r.suffix, sizeof(r.suffix));
	wb_init(&wb, buf, sizeof(buf));
	enc_forward_read(&wb, &r);
	ipc_request(j->writer, IPC_FORWARD_READ, &wb, -1);
}

/* master forked a writer for the job's current user. */
static void
writer_ready(struct job *j, int wfd)
{
	struct wslot *ws;

	if ((ws = calloc(1, sizeof(*ws))) == NULL)
		fatal("writer_ready");
	ws->lo = j->lo;
	strlcpy(ws->user, cur_user(j), sizeof(ws->user));
	ws->chan = ipc_chan_new(j->lo->we.base, wfd, ROLE_LOCAL, ROLE_WRITER,
	    writer_msg, writer_closed, ws);
	if ((ws->idle_ev = evtimer_new(j->lo->we.base, on_slot_idle, ws))
	    == NULL)
		fatalx("writer idle timer");
	writer_begin(j, ws);
}

/* An idle writer master made for this very user, if one is kept. */
static struct wslot *
writer_kept(struct local *lo, const char *user)
{
	struct wslot *ws;

	TAILQ_FOREACH(ws, &lo->idle, entry)
		if (strcmp(ws->user, user) == 0) {
			slot_unidle(ws);
			return ws;
		}
	return NULL;
}

static const char *
cur_user(const struct job *j)
{
	return j->users->users[j->next_user - 1];
}

/* The extension the address that reached the current user carried. */
static const char *
cur_ext(const struct job *j)
{
	return j->users->ext[j->next_user - 1];
}

/*
 * Add an account a .forward or :include: file reaches, once per job: an
 * account is one mailbox, whatever address reached it.  nofwd: its own
 * .forward is not read again.
 */
static void
add_job_user(struct job *j, const char *user, const char *ext, int nofwd,
    const char *what)
{
	size_t i;

	for (i = 0; i < j->users->n; i++)
		if (strcmp(j->users->users[i], user) == 0)
			return;
	if (j->users->n == IPC_EXPAND_MAX) {
		job_fail(j, "5.3.0", what);
		return;
	}
	j->nofwd[j->users->n] = nofwd;
	strlcpy(j->users->ext[j->users->n], ext, sizeof(j->users->ext[0]));
	strlcpy(j->users->users[j->users->n++], user,
	    sizeof(j->users->users[0]));
}

/*
 * A command or file for a runner, once per job and per account it runs
 * as (dup_target_key(): the same command in two users' .forward files
 * runs twice, as each).  -1 when it cannot be (master would refuse it):
 * the recipient fails for good.
 */
static int
add_target(struct job *j, uint32_t source, uint32_t kind, uint32_t map,
    const char *name, const char *suffix, const char *value,
    const struct msg_runner_open *parent)
{
	static struct msg_runner_open	 t;
	static char			 key[DUP_KEY_MAX], old[DUP_KEY_MAX];
	size_t				 i;
	uint32_t			 k;
	const char			*why;
	char				 text[IPC_TEXT_MAX];

	if ((why = resolve_target_problem(kind, value)) != NULL ||
	    !ipc_valid_target(kind, value, suffix)) {
		if (why == NULL)
			why = "bad ~/.forward extension";
		snprintf(text, sizeof(text), "%s target of %s: %s", source ==
		    RUNNER_FORWARD ? "~/.forward" : "alias", name, why);
		log_warnx("%s: %s", j->d.qid, text);
		job_fail(j, "5.3.0", text);
		return -1;
	}
	memset(&t, 0, sizeof(t));
	t.source = source;
	t.kind = kind;
	t.map = map;
	if (strlcpy(t.name, name, sizeof(t.name)) >= sizeof(t.name) ||
	    strlcpy(t.suffix, suffix, sizeof(t.suffix)) >= sizeof(t.suffix) ||
	    strlcpy(t.value, value, sizeof(t.value)) >= sizeof(t.value) ||
	    (kind == RUNNER_INCLUDE && strlen(value) >= IPC_PATH_MAX)) {
		job_fail(j, "5.3.0", "command or file name too long");
		return -1;
	}
	/* Found in an :include: file: the files that lead to it. */
	if (parent != NULL) {
		for (k = 0; k < parent->depth; k++)
			strlcpy(t.chain[k], parent->chain[k],
			    sizeof(t.chain[k]));
		strlcpy(t.chain[k], parent->value, sizeof(t.chain[k]));
		t.depth = parent->depth + 1;
	}
	dup_target_key(&t, key, sizeof(key));
	for (i = 0; i < j->ntgt; i++) {
		dup_target_key(&j->tgt[i], old, sizeof(old));
		if (strcmp(old, key) == 0)
			return 0;
	}
	if (j->ntgt == JOB_TARGETS_MAX) {
		job_fail(j, "5.3.0", "too many commands and files");
		return -1;
	}
	j->tgt[j->ntgt++] = t;
	return 0;
}

static void
add_alias_targets(struct job *j, const struct msg_expand_ok *x)
{
	uint32_t i;

	for (i = 0; i < x->ntargets; i++)
		(void)add_target(j, RUNNER_ALIAS, x->targets[i].kind,
		    x->targets[i].map, x->targets[i].name, "",
		    x->targets[i].value, NULL);
}

static void
forward_done(struct job *j)
{
	/* All or nothing, or a retry would deliver some copies twice. */
	if (j->fwd_failed) {
		j->users->n = j->fwd_base;
		j->ntgt = j->fwd_tbase;
		j->fwd_self = 0;
	}
	if (j->writer == NULL)		/* it died while lookup answered */
		next_user(j);
	else if (j->fwd_self)
		start_writing(j);
	else
		writer_done(j);
}

/* lookup's answer for one target of a .forward. */
static void
forward_expanded(struct job *j, uint32_t type, struct rbuf *rb)
{
	static struct msg_expand_ok	 x;
	struct msg_error		 e;
	uint32_t			 i;
	int				 ok;

	j->fwd_wait--;
	ok = type == IPC_EXPAND_OK && dec_expand_ok(rb, &x) == 0;
	if (ok && x.nfailed > 0) {
		/* A .forward stands or falls as a whole. */
		log_warnx("%s: %s: .forward target: %s", j->d.qid,
		    cur_user(j), x.failed[0].text);
		job_fail(j, x.failed[0].dsn, x.failed[0].text);
		j->fwd_failed = 1;
	} else if (ok) {
		/* The account itself (user+ext, an alias that lists it):
		   its own mailbox, as in Postfix. */
		for (i = 0; i < x.n; i++)
			if (strcmp(x.users[i], cur_user(j)) == 0)
				j->fwd_self = 1;
			else
				add_job_user(j, x.users[i], x.ext[i], 1,
				    ".forward expands too far");
		add_alias_targets(j, &x);
	} else if (type == IPC_ERROR && dec_error(rb, &e) == 0) {
		log_warnx("%s: %s: .forward target: %s", j->d.qid,
		    cur_user(j), e.text);
		job_fail(j, e.dsn, e.text);
		j->fwd_failed = 1;
	} else {
		job_fail(j, "4.3.0", "lookup unavailable");
		j->fwd_failed = 1;
	}
	if (j->fwd_wait == 0)
		forward_done(j);
}

/* Ask lookup about addr (IPC_EXPAND or IPC_OWNER_QUERY) for job j. */
static void
ask_lookup(struct job *j, uint32_t type, const char *addr)
{
	struct msg_addr	 a;
	uint8_t		 buf[IPC_ADDR_MAX + 8];
	struct wbuf	 wb;

	strlcpy(a.addr, addr, sizeof(a.addr));
	if (ipc_check_addr(&a) != NULL) {
		log_warnx("%s: to=<%s>: a .forward or :include: address is "
		    "not valid: not looked up", j->d.qid, j->d.rcpt);
		wait_orphan(j->lo, j, 1);
		return;
	}
	if (j->lo->lookup == NULL) {
		wait_orphan(j->lo, j, 0);
		return;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_addr(&wb, &a);
	wait_for(j->lo, ROLE_LOOKUP, ipc_request(j->lo->lookup, type, &wb, -1),
	    j);
}

/* Ask lookup whom a local .forward target reaches. */
static void
forward_lookup(struct job *j, const char *local)
{
	j->fwd_wait++;
	ask_lookup(j, IPC_EXPAND, local);
}

/*
 * Sort the targets: the user's own name (or \user) means the mailbox;
 * other local addresses go to lookup; commands and files become the
 * job's targets, for runners; a remote address cannot be delivered by
 * this release, and rather than lose or bounce mail the whole .forward
 * is then ignored.  Returns the reason to ignore it, or NULL with *self
 * and the local parts filled.
 */
static const char *
forward_sort(struct job *j, const struct forward *f, const char *suffix,
    int *self, char (*local)[IPC_ADDR_MAX], size_t *nlocal)
{
	const struct forward_entry	*e;
	const char			*at;
	size_t				 i, k, n;

	*self = 0;
	*nlocal = 0;
	for (i = 0; i < f->n; i++) {
		e = &f->v[i];
		if (e->kind == FWD_COMMAND || e->kind == FWD_FILE) {
			if (add_target(j, RUNNER_FORWARD, e->kind ==
			    FWD_COMMAND ? RUNNER_COMMAND : RUNNER_FILE, 0,
			    cur_user(j), suffix, e->value, NULL) == -1)
				j->fwd_failed = 1;
			continue;
		}
		if (e->kind == FWD_INCLUDE)
			return "include files";
		at = strrchr(e->value, '@');
		if (at != NULL && !resolve_is_local_domain(at + 1,
		    &j->lo->we.cf))
			return "remote addresses";
		n = at ? (size_t)(at - e->value) : strlen(e->value);
		if (n == 0 || n >= IPC_ADDR_MAX)
			return "empty or overlong addresses";
		for (k = 0; k < n; k++)
			local[*nlocal][k] = tolower((unsigned char)e->value[k]);
		local[*nlocal][n] = '\0';
		if (strcmp(local[*nlocal], cur_user(j)) == 0)
			*self = 1;
		else
			(*nlocal)++;
	}
	return NULL;
}

static void
on_forward(struct job *j, struct rbuf *rb)
{
	static struct msg_forward_data	 fd;
	static struct forward		 f;
	static char			 local[FORWARD_ENTRIES_MAX][IPC_ADDR_MAX];
	char				 err[256], suffix[IPC_USER_MAX + 1];
	const char			*why;
	size_t				 i, n, tbase = j->ntgt;
	int				 self;

	if (dec_forward_data(rb, &fd) == -1) {
		ipc_chan_fail(j->writer, "bad FORWARD_DATA from writer");
		return;
	}
	if (fd.status == FORWARD_NONE) {
		start_writing(j);
		return;
	}
	if (fd.status == FORWARD_IGNORED) {
		log_warnx("%s: %s: ~/.forward ignored: %s", j->d.qid,
		    cur_user(j), fd.reason);
		start_writing(j);
		return;
	}
	if (forward_parse(&f, fd.text, strlen(fd.text), err, sizeof(err))
	    == -1) {
		log_warnx("%s: %s: ~/.forward ignored: %s", j->d.qid,
		    cur_user(j), err);
		start_writing(j);
		return;
	}
	forward_suffix(j, cur_user(j), suffix, sizeof(suffix));
	j->fwd_failed = 0;
	why = forward_sort(j, &f, suffix, &self, local, &n);
	if (j->fwd_failed) {	/* a target cannot run: none at all */
		j->ntgt = tbase;
		writer_done(j);
		return;
	}
	if (why != NULL) {
		j->ntgt = tbase;
		log_warnx("%s: %s: ~/.forward ignored: it names %s, which this "
		    "release does not deliver", j->d.qid, cur_user(j), why);
		start_writing(j);
		return;
	}
	if (n == 0 && (self || j->ntgt == tbase)) {
		/* empty, or only the user: the mailbox (and the commands) */
		start_writing(j);
		return;
	}
	if (n == 0) {		/* commands and files only: no mailbox */
		log_info("%s: %s: forwarded by ~/.forward to %zu command%s "
		    "or file%s", j->d.qid, cur_user(j), j->ntgt - tbase,
		    j->ntgt - tbase == 1 ? "" : "s",
		    j->ntgt - tbase == 1 ? "" : "s");
		writer_done(j);
		return;
	}
	if (j->lo->lookup == NULL) {
		job_fail(j, "4.3.0", "lookup unavailable");
		writer_done(j);
		return;
	}
	log_info("%s: %s: forwarded by ~/.forward to %zu local address%s%s",
	    j->d.qid, cur_user(j), n, n == 1 ? "" : "es",
	    self ? " and the mailbox" : "");
	j->fwd_self = self;
	j->fwd_base = j->users->n;
	j->fwd_tbase = tbase;
	for (i = 0; i < n; i++)
		forward_lookup(j, local[i]);
}

/*
 * Another recipient of this message writes this mailbox too (an alias
 * and a direct recipient, two aliases): it gets one copy, written for
 * the recipient that came to write it first (Postfix's duplicate
 * filter).  1 if that is another one: then this recipient has it.
 * Claimed when the mailbox is about to be written, after ~/.forward:
 * a user whose .forward sends a recipient's copy away holds no claim.
 */
static int
mailbox_claimed_elsewhere(struct job *j)
{
	char		key[IPC_USER_MAX + 16];
	uint32_t	holder;

	if (j->slot == NULL || j->slot->runner)
		return 0;
	snprintf(key, sizeof(key), "mailbox %s", j->slot->user);
	if (dup_claim(j->lo->dups, j->d.qid, key, j->d.rcpt_index, &holder)
	    == 0)
		return 0;
	log_info("%s: %s: mailbox gets this message for recipient #%u "
	    "already: not written twice", j->d.qid, j->slot->user, holder);
	return 1;
}

static void
start_writing(struct job *j)
{
	struct msg_write_mail	 m;
	uint8_t			 buf[3 * IPC_ADDR_MAX + 128];
	struct wbuf		 wb;
	int			 p[2];

	if (!j->slot->runner && member_was_done(j, j->slot->user, NULL)) {
		log_info("%s: %s: delivered by an earlier attempt, skipped",
		    j->d.qid, j->slot->user);
		j->nsent++;
		writer_done(j);
		return;
	}
	if (mailbox_claimed_elsewhere(j)) {
		j->nsent++;		/* the one copy is there */
		writer_done(j);
		return;
	}
	/* Only our end may be non-blocking: the writer reads until EOF. */
	if (pipe2(p, O_CLOEXEC) == -1) {
		job_fail(j, "4.3.0", "cannot create a pipe");
		writer_done(j);
		return;
	}
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) == -1) {
		close(p[0]);
		close(p[1]);
		job_fail(j, "4.3.0", "cannot create a pipe");
		writer_done(j);
		return;
	}
	memset(&m, 0, sizeof(m));
	strlcpy(m.qid, j->d.qid, sizeof(m.qid));
	m.rcpt_index = j->d.rcpt_index;
	m.content_len = j->d.content_len;
	strlcpy(m.return_path, j->owner[0] != '\0' ? j->owner : j->d.sender,
	    sizeof(m.return_path));
	delivered_to(j, j->slot->user, m.delivered_to, sizeof(m.delivered_to));
	strlcpy(m.orig_rcpt, j->d.rcpt, sizeof(m.orig_rcpt));
	wb_init(&wb, buf, sizeof(buf));
	enc_write_mail(&wb, &m);
	ipc_request(j->writer, IPC_WRITE_MAIL, &wb, p[0]);
	j->pipe_w = p[1];
	j->sent = 0;
	j->pump_ev = event_new(j->lo->we.base, p[1], EV_WRITE | EV_PERSIST,
	    on_pump, j);
	if (j->pump_ev == NULL || event_add(j->pump_ev, NULL) == -1)
		fatalx("pump event");
}

static void
next_user(struct job *j)
{
	struct wslot		*ws;

	if (j->next_user == j->users->n) {
		next_target(j);
		return;
	}
	if ((ws = writer_kept(j->lo, j->users->users[j->next_user++]))
	    != NULL) {
		writer_begin(j, ws);
		return;
	}
	open_request(j);
}

/* Ask master for the job's writer, or its runner when runner_wait. */
static void
open_send(struct job *j)
{
	struct msg_writer_open	 w;
	uint8_t			 buf[sizeof(struct msg_runner_open) + 64];
	struct wbuf		 wb;
	uint32_t		 id;

	wb_init(&wb, buf, sizeof(buf));
	if (j->runner_wait) {
		enc_runner_open(&wb, &j->tgt[j->next_tgt - 1]);
		id = ipc_request(j->lo->we.master, IPC_RUNNER_OPEN, &wb, -1);
	} else {
		memset(&w, 0, sizeof(w));
		strlcpy(w.user, cur_user(j), sizeof(w.user));
		enc_writer_open(&wb, &w);
		id = ipc_request(j->lo->we.master, IPC_WRITER_OPEN, &wb, -1);
	}
	wait_for(j->lo, ROLE_MASTER, id, j);
}

/*
 * Within local_writer_limit: idle writers go first, and when all slots
 * are busy the job waits for one (open_release), it does not fail.
 */
static void
open_request(struct job *j)
{
	struct local	*lo = j->lo;
	struct wslot	*old;

	while (lo->nwriters >= lo->we.cf.local_writer_limit &&
	    TAILQ_EMPTY(&lo->wwait) && (old = TAILQ_FIRST(&lo->idle)) != NULL) {
		slot_unidle(old);
		slot_free(old);
	}
	if (lo->nwriters >= lo->we.cf.local_writer_limit ||
	    !TAILQ_EMPTY(&lo->wwait)) {
		TAILQ_INSERT_TAIL(&lo->wwait, j, wentry);
		j->wwaiting = 1;
		return;
	}
	lo->nwriters++;
	open_send(j);
}

static void
on_busy_retry(evutil_socket_t fd, short ev, void *arg)
{
	open_send(arg);
}

/*
 * master said 4.3.2: it still counts a writer local let go of and that
 * has not exited yet.  The slot stays ours; ask again a little later.
 */
static int
open_busy(struct job *j, const struct msg_error *e)
{
	struct timeval tv = { 0, BUSY_RETRY_MS * 1000 };

	if (strcmp(e->dsn, "4.3.2") != 0 || j->busy_tries >= BUSY_RETRY_MAX)
		return 0;
	j->busy_tries++;
	if (j->busy_ev == NULL && (j->busy_ev = evtimer_new(j->lo->we.base,
	    on_busy_retry, j)) == NULL)
		fatalx("writer retry timer");
	evtimer_add(j->busy_ev, &tv);
	return 1;
}

/* The runner is there: the :include: file, please. */
static void
include_ask(struct job *j)
{
	struct msg_forward_read	 r;
	uint8_t			 buf[IPC_USER_MAX + 16];
	struct wbuf		 wb;

	memset(&r, 0, sizeof(r));
	wb_init(&wb, buf, sizeof(buf));
	enc_forward_read(&wb, &r);
	ipc_request(j->writer, IPC_FORWARD_READ, &wb, -1);
}

/* Ask lookup whom an address of an :include: file reaches. */
static void
include_lookup(struct job *j, const char *local)
{
	j->inc_wait++;
	ask_lookup(j, IPC_EXPAND, local);
}

/* lookup's answer for one address of an :include: file. */
static void
include_expanded(struct job *j, uint32_t type, struct rbuf *rb)
{
	static struct msg_expand_ok	 x;
	struct msg_error		 e;
	uint32_t			 i;

	j->inc_wait--;
	if (type == IPC_EXPAND_OK && dec_expand_ok(rb, &x) == 0) {
		/* A member like any recipient: its .forward counts. */
		for (i = 0; i < x.n; i++)
			add_job_user(j, x.users[i], x.ext[i], 0,
			    ":include: expands too far");
		add_alias_targets(j, &x);
		add_failed_members(j, &x);
	} else if (type == IPC_ERROR && dec_error(rb, &e) == 0) {
		log_warnx("%s: :include: address: %s", j->d.qid, e.text);
		job_fail(j, e.dsn, e.text);
	} else
		job_fail(j, "4.3.0", "lookup unavailable");
	if (j->inc_wait == 0)
		next_target(j);
}

/*
 * The runner read an :include: file (as the alias file's owner): its
 * addresses go to lookup and become recipients; its commands, files and
 * nested :include: files become targets that carry the chain of files
 * that led to them, for master and the runner to check.
 */
static void
on_include(struct job *j, struct rbuf *rb)
{
	static struct msg_forward_data	 fd;
	static struct forward		 f;
	const struct msg_runner_open	*t = &j->tgt[j->next_tgt - 1];
	const struct forward_entry	*e;
	char				 err[512], local[IPC_ADDR_MAX];
	const char			*at;
	size_t				 i, k, n;

	if (dec_forward_data(rb, &fd) == -1) {
		ipc_chan_fail(j->writer, "bad FORWARD_DATA from runner");
		return;
	}
	writer_release(j, 0);
	if (fd.status != FORWARD_FOUND) {
		snprintf(err, sizeof(err), ":include: file %.200s %.200s",
		    t->value, fd.status == FORWARD_NONE ? "does not exist" :
		    fd.reason);
		log_warnx("%s: %s", j->d.qid, err);
		job_fail(j, "4.3.0", err);
		next_target(j);
		return;
	}
	if (forward_parse(&f, fd.text, strlen(fd.text), err, sizeof(err))
	    == -1) {
		log_warnx("%s: :include: file %s: %s", j->d.qid, t->value,
		    err);
		job_fail(j, "4.3.0", err);
		next_target(j);
		return;
	}
	if (f.n > 0 && t->depth == IPC_INCLUDE_DEPTH) {
		job_fail(j, "5.4.6", ":include: files nested too deeply");
		next_target(j);
		return;
	}
	for (i = 0; i < f.n; i++) {
		e = &f.v[i];
		if (e->kind != FWD_ADDRESS && e->kind != FWD_SELF) {
			(void)add_target(j, RUNNER_ALIAS, e->kind ==
			    FWD_COMMAND ? RUNNER_COMMAND : e->kind == FWD_FILE ?
			    RUNNER_FILE : RUNNER_INCLUDE, t->map, t->name, "",
			    e->value, t);
			continue;
		}
		at = strrchr(e->value, '@');
		n = at ? (size_t)(at - e->value) : strlen(e->value);
		if ((at != NULL && !resolve_is_local_domain(at + 1,
		    &j->lo->we.cf)) || n == 0 || n >= sizeof(local)) {
			job_fail(j, "5.3.0", ":include: file names a remote "
			    "address, which this release does not deliver");
			continue;
		}
		for (k = 0; k < n; k++)
			local[k] = tolower((unsigned char)e->value[k]);
		local[n] = '\0';
		if (j->lo->lookup == NULL) {
			job_fail(j, "4.3.0", "lookup unavailable");
			continue;
		}
		include_lookup(j, local);
	}
	log_info("%s: :include: file %s: %zu target%s", j->d.qid, t->value,
	    f.n, f.n == 1 ? "" : "s");
	if (j->inc_wait == 0)
		next_target(j);
}

/*
 * /dev/null as a file target is delivered with nothing written, as in
 * Postfix (no runner, no lock), when mail to files is allowed for its
 * source.  1 if t was that.
 */
static int
dev_null(struct job *j, const struct msg_runner_open *t)
{
	const struct bh_strlist	*allow = &j->lo->we.cf.allow_mail_to_files;
	const char		*src;
	size_t			 i;

	if (t->kind != RUNNER_FILE || strcmp(t->value, "/dev/null") != 0)
		return 0;
	src = t->source == RUNNER_FORWARD ? "forward" : t->depth > 0 ?
	    "include" : "alias";
	for (i = 0; i < allow->n; i++)
		if (strcasecmp(allow->v[i], src) == 0) {
			log_info("%s: /dev/null of %s: delivered, nothing "
			    "written", j->d.qid, t->name);
			j->nrun++;
			return 1;
		}
	log_warnx("%s: file /dev/null of %s: mail to file is restricted",
	    j->d.qid, t->name);
	job_fail(j, "5.7.1", "mail to file is restricted");
	return 1;
}

/*
 * The same command or file, run as the same account, for another
 * recipient of this message (a user reached directly and through an
 * alias): it runs once per message, as a mailbox gets one copy.  1 if
 * another recipient holds it (then this one has it too).
 */
static int
target_claimed_elsewhere(struct job *j, const struct msg_runner_open *t)
{
	char		key[DUP_KEY_MAX];
	uint32_t	holder;

	if (t->kind == RUNNER_INCLUDE)
		return 0;	/* its addresses are claimed one by one */
	dup_target_key(t, key, sizeof(key));
	if (dup_claim(j->lo->dups, j->d.qid, key, j->d.rcpt_index, &holder)
	    == 0)
		return 0;
	log_info("%s: %s of %s runs for recipient #%u already: not run "
	    "twice", j->d.qid, t->kind == RUNNER_COMMAND ? "a command" :
	    "a file", t->name, holder);
	j->nrun++;
	return 1;
}

/*
 * Everything went, and nothing was written: every address this one led
 * to was already being delivered in this job.  Never "sent" with no
 * mailbox: such an expansion is a forwarding loop.
 */
static void
nothing_delivered(struct job *j)
{
	if (j->defer || j->bounce || j->nsent + j->nrun > 0)
		return;
	log_warnx("%s: %s: expansion reaches no mailbox, command or file",
	    j->d.qid, j->d.rcpt);
	job_fail(j, "5.4.6", "mail forwarding loop: the expansion reaches no "
	    "mailbox");
}

/* The mailboxes are done: now each command, file and :include: file. */
static void
next_target(struct job *j)
{
	const char	*why;

	if (j->next_user < j->users->n) {	/* an :include: added some */
		next_user(j);
		return;
	}
	while (j->next_tgt < j->ntgt) {
		const struct msg_runner_open *t = &j->tgt[j->next_tgt];

		/* What master would refuse as a violation fails here, for good. */
		if ((why = ipc_check_runner_open(t)) != NULL) {
			log_warnx("%s: to=<%s>: target %s cannot be run: %s",
			    j->d.qid, j->d.rcpt, t->value, why);
			job_fail(j, "5.3.0", "command or file target cannot be run");
		} else if (t->kind != RUNNER_INCLUDE &&
		    member_was_done(j, NULL, t)) {
			log_info("%s: %s%s: delivered by an earlier attempt, "
			    "skipped", j->d.qid,
			    t->kind == RUNNER_COMMAND ? "|" : "", t->value);
			j->nrun++;
		} else if (!dev_null(j, t) && !target_claimed_elsewhere(j, t))
			break;
		j->next_tgt++;
	}
	if (j->next_tgt == j->ntgt) {
		nothing_delivered(j);
		job_finish(j);
		return;
	}
	j->next_tgt++;
	j->runner_wait = 1;
	open_request(j);
}

/* master forked a runner for the current target. */
static void
runner_answer(struct job *j, const struct ipc_hdr *h, struct rbuf *rb,
    int fd)
{
	const struct msg_runner_open	*t = &j->tgt[j->next_tgt - 1];
	struct wslot			*ws;

	j->runner_wait = 0;
	if (h->type == IPC_RUNNER_OPEN_OK && dec_empty(rb) == 0) {
		if ((ws = calloc(1, sizeof(*ws))) == NULL)
			fatal("runner_answer");
		ws->lo = j->lo;
		ws->runner = 1;
		strlcpy(ws->user, t->name, sizeof(ws->user));
		ws->chan = ipc_chan_new(j->lo->we.base, fd, ROLE_LOCAL,
		    ROLE_WRITER, writer_msg, writer_closed, ws);
		if ((ws->idle_ev = evtimer_new(j->lo->we.base, on_slot_idle,
		    ws)) == NULL)
			fatalx("runner idle timer");
		ws->job = j;
		j->slot = ws;
		j->writer = ws->chan;
		if (t->kind == RUNNER_INCLUDE)
			include_ask(j);
		else
			start_writing(j);
		return;
	}
	fatalx("bad answer from master");
}

/* master did not fork a runner for the current target: why. */
static void
runner_refused(struct job *j, const struct msg_error *e)
{
	const struct msg_runner_open	*t = &j->tgt[j->next_tgt - 1];

	j->runner_wait = 0;
	log_warnx("%s: %s %s%s of %s: %s", j->d.qid, t->kind ==
	    RUNNER_COMMAND ? "command" : "file", t->kind == RUNNER_COMMAND ?
	    "|" : "", t->value, t->name, e->text);
	job_fail(j, e->dsn, e->text);
	next_target(j);
}

static void
writer_answer(struct worker_env *we, const struct ipc_hdr *h,
    struct rbuf *rb, int fd)
{
	struct local		*lo = we->arg;
	struct job		*j;
	struct msg_error	 e;

#ifdef BH_TEST_HOOKS
	if (hostile_answer(lo, h, rb, fd))
		return;
#endif
	if ((j = waited(lo, ROLE_MASTER, h->id)) == NULL)
		fatalx("master answered a request we did not make");
	if (h->type == IPC_ERROR) {
		if (fd != -1)
			close(fd);
		if (dec_error(rb, &e) == -1)
			fatalx("bad answer from master");
		if (open_busy(j, &e))
			return;
		open_release(lo);
		if (j->runner_wait)
			runner_refused(j, &e);
		else
			writer_refused(j, &e);
		return;
	}
	if (j->runner_wait) {
		runner_answer(j, h, rb, fd);
		return;
	}
	if (h->type == IPC_WRITER_OPEN_OK && dec_empty(rb) == 0) {
		writer_ready(j, fd);
		return;
	}
	fatalx("bad answer from master");
}

/* master did not fork a writer for the current user: why. */
static void
writer_refused(struct job *j, const struct msg_error *e)
{
	log_warnx("%s: no writer for %s: %s", j->d.qid,
	    j->users->users[j->next_user - 1], e->text);
	job_fail(j, e->dsn, e->text);
	next_user(j);
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
	ask_lookup(j, IPC_OWNER_QUERY, j->d.rcpt);
}

static void
owner_answer(struct job *j, uint32_t type, struct rbuf *rb)
{
	struct msg_owner o;

	j->owner_wait = 0;
	if (type == IPC_OWNER_REPLY && dec_owner(rb, &o) == 0) {
		strlcpy(j->owner, o.addr, sizeof(j->owner));
		ask_lookup(j, IPC_EXPAND, j->d.rcpt);
		return;
	}
	job_fail(j, "4.3.0", type == IPC_NONE ? "lookup unavailable" :
	    "bad answer from lookup");
	job_finish(j);
}

static void
expand_answer(struct job *j, uint32_t type, struct rbuf *rb)
{
	struct msg_error e;

	if (j->inc_wait > 0) {
		include_expanded(j, type, rb);
		return;
	}
	if (j->fwd_wait > 0) {
		forward_expanded(j, type, rb);
		return;
	}
	if (j->owner_wait) {
		owner_answer(j, type, rb);
		return;
	}
	if (type == IPC_EXPAND_OK) {
		if ((j->users = calloc(1, sizeof(*j->users))) == NULL)
			fatal("expand");
		if (dec_expand_ok(rb, j->users) == 0) {
			add_alias_targets(j, j->users);
			next_user(j);
			return;
		}
		job_fail(j, "4.3.0", "bad answer from lookup");
	} else if (type == IPC_ERROR && dec_error(rb, &e) == 0)
		job_fail(j, e.dsn, e.text);
	else
		job_fail(j, "4.3.0", "lookup unavailable");
	job_finish(j);
}

static void
on_deliver(struct local *lo, struct ipc_chan *c, uint32_t id,
    struct rbuf *rb, int fd)
{
	struct job	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		fatal("on_deliver");
	if (dec_deliver(rb, &j->d) == -1) {
		free(j);
		close(fd);
		ipc_chan_fail(c, "bad DELIVER payload");
		return;
	}
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
		ask_lookup(j, IPC_EXPAND, j->d.rcpt);
	else
		owner_query(j);
}

/* lookup's answer to a question never asked (wait_orphan). */
static void
refused_answer(struct job *j)
{
	struct msg_error e;
	uint8_t		 buf[IPC_DSN_MAX + IPC_TEXT_MAX + 8];
	struct wbuf	 wb;
	struct rbuf	 rb;

	strlcpy(e.dsn, "5.1.3", sizeof(e.dsn));
	strlcpy(e.text, "bad address syntax", sizeof(e.text));
	wb_init(&wb, buf, sizeof(buf));
	enc_error(&wb, &e);
	rb_init(&rb, buf, wb.len);
	expand_answer(j, IPC_ERROR, &rb);
}

/*
 * Jobs waiting on lookup channel c (NULL: one that closed during the
 * send, or a question never sent) get their answer: 4.3.0 or 5.1.3.
 */
static void
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
			refused_answer(j);
		else
			expand_answer(j, IPC_NONE, NULL);
		free(w);
	}
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
peer_msg(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *rb,
    int fd, void *arg)
{
	struct local	*lo = arg;
	struct job	*j;

	if (h->type == IPC_DELIVER) {
		on_deliver(lo, c, h->id, rb, fd);
		return;
	}
	if (fd != -1)
		close(fd);
	if ((j = waited_on(lo, c, ROLE_LOOKUP, h->id)) != NULL)
		expand_answer(j, h->type, rb);
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

int
local_main(int argc, char **argv)
{
	static struct local	 lo;
	struct sandbox_spec	 sb;

	RB_INIT(&lo.waits);
	TAILQ_INIT(&lo.jobs);
	TAILQ_INIT(&lo.idle);
	lo.dups = dup_new(DUP_CLAIMS_MAX);
	TAILQ_INIT(&lo.wwait);
	lo.we.on_peer = on_peer;
	lo.we.on_master_reply = writer_answer;
	lo.we.arg = &lo;
	worker_init(&lo.we, ROLE_LOCAL, argc, argv);
#ifdef BH_TEST_HOOKS
	hostile_load(&lo);
	hostile_load_runner(&lo);
#endif

	memset(&sb, 0, sizeof(sb));
	sb.role = ROLE_LOCAL;
	sb.user = lo.we.cf.local_user;
	sb.root = lo.we.cf.empty_directory;
	sb.mode = lo.we.cf.sandbox;
	sb.nofile = 1024;
	sb.fsize = 0;
	sandbox_enter(&sb);
	worker_ready(&lo.we);
	log_info("ready");
#ifdef BH_TEST_HOOKS
	hostile_send(&lo);
#endif
	event_base_dispatch(lo.we.base);
	return 0;
}
