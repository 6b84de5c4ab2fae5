/*
 * local_writer.c: the writer pool.  A writer is a process master forks
 * as one account; local asks for one per account a job reaches (within
 * local_writer_limit: a job waits for a slot, it does not fail), keeps it
 * a few seconds for that account's next delivery, and streams the
 * message to it over a pipe (on_pump).  writer_msg takes the writer's
 * (or runner's) verdict and the ~/.forward it read.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "delivery/dupfilter.h"
#include "delivery/local.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"

#define PUMP_CHUNK	65536
#define WRITER_KEEP	5	/* seconds an idle writer waits for its user's
				   next delivery (the writer itself gives up
				   after 10) */
#define BUSY_RETRY_MS	50	/* master has not seen a writer exit yet */
#define BUSY_RETRY_MAX	200	/* then the refusal stands (10 s) */

static void open_send(struct job *j);

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
void
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

void
on_slot_idle(evutil_socket_t fd, short ev, void *arg)
{
	struct wslot *ws = arg;

	slot_unidle(ws);
	slot_free(ws);		/* the writer sees end of file and exits */
}

/* The job is done with its writer: keep it for the user, or let it go. */
void
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

void
writer_done(struct job *j)
{
	writer_release(j, 1);
	next_user(j);
}

void
writer_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct wslot		*ws = arg;
	struct job		*j = ws->job;

	if (fd != -1)
		close(fd);
	if (j == NULL) {	/* cannot happen: replies need a request */
		ipc_chan_fail(c, "message from an idle writer");
		return;
	}
	/* The channel's peer says which: a writer's or a runner's. */
	if (h->type == IPC_FORWARD_DATA) {
		on_forward(j, &msg->forward_data);
		return;
	}
	if (h->type == IPC_INCLUDE_DATA) {
		on_include(j, &msg->forward_data);
		return;
	}
	if (h->type == IPC_OK) {
		if (ws->runner)
			j->nrun++;
		else
			j->nsent++;
		member_delivered(j, ws->user, ws->runner ? j->wl.cur->t :
		    NULL);
	} else		/* the table lets only OK and ERROR come here */
		job_fail(j, msg->error.dsn, msg->error.text);
	writer_done(j);
}

void
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
	if (wl_waiting(&j->wl) != NULL)	/* forward_done moves on */
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
	if (wl_by_forward(j->wl.cur)) {
		start_writing(j);
		return;
	}
	forward_suffix(j, cur_user(j), r.suffix, sizeof(r.suffix));
	wb_init(&wb, buf, sizeof(buf));
	enc_forward_read(&wb, &r);
	ipc_request(j->writer, IPC_FORWARD_READ, &wb, -1);
}

/* master forked a writer for the job's current user. */
void
writer_ready(struct job *j, int wfd)
{
	struct wslot *ws;

	ws = xcalloc(1, sizeof(*ws));
	ws->lo = j->lo;
	xstrlcpy(ws->user, cur_user(j), sizeof(ws->user));
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

void
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
	STRLCPY_ARRAY(m.qid, j->d.qid);
	m.rcpt_index = j->d.rcpt_index;
	m.content_len = j->d.content_len;
	xstrlcpy(m.return_path, j->owner[0] != '\0' ? j->owner : j->d.sender,
	    sizeof(m.return_path));
	delivered_to(j, j->slot->user, m.delivered_to, sizeof(m.delivered_to));
	STRLCPY_ARRAY(m.orig_rcpt, j->d.rcpt);
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

void
next_user(struct job *j)
{
	struct wslot		*ws;
	struct wl_node		*n;

	if ((n = wl_next(&j->wl)) == NULL || n->kind != WL_USER) {
		next_target(j);
		return;
	}
	wl_take(&j->wl, n);
	if ((ws = writer_kept(j->lo, n->value)) != NULL) {
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
		enc_runner_open(&wb, j->wl.cur->t);
		id = ipc_request(j->lo->we.master, IPC_RUNNER_OPEN, &wb, -1);
	} else {
		memset(&w, 0, sizeof(w));
		xstrlcpy(w.user, cur_user(j), sizeof(w.user));
		enc_writer_open(&wb, &w);
		id = ipc_request(j->lo->we.master, IPC_WRITER_OPEN, &wb, -1);
	}
	wait_for(j->lo, ROLE_MASTER, id, j, NULL);
}

/*
 * Within local_writer_limit: idle writers go first, and when all slots
 * are busy the job waits for one (open_release), it does not fail.
 */
void
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
int
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

/* master did not fork a writer for the current user: why. */
void
writer_refused(struct job *j, const struct msg_error *e)
{
	log_warnx("%s: no writer for %s: %s", j->d.qid,
	    cur_user(j), e->text);
	job_fail(j, e->dsn, e->text);
	next_user(j);
}
