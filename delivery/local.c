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
 *   writer_answer	master's IPC_WRITER_OPEN_OK / ERROR
 *   on_pump		the pipe to the writer can take more bytes
 *   writer_msg		the writer's verdict
 */
#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "privsep/ipc_msgs.h"
#include "privsep/sandbox.h"
#include "privsep/worker.h"

#define PUMP_CHUNK	65536

struct local;

struct job {
	TAILQ_ENTRY(job)	 entry;
	struct local		*lo;
	struct ipc_chan		*queue;		/* NULL once queue went away */
	uint32_t		 queue_id;
	struct msg_deliver	 d;
	int			 msg_fd;
	struct msg_expand_ok	*users;
	size_t			 next_user;
	struct ipc_chan		*writer;
	int			 pipe_w;
	struct event		*pump_ev;
	uint64_t		 sent;
	int			 nsent;
	int			 defer;		/* a 4xx happened */
	int			 bounce;	/* a 5xx happened */
	char			 dsn[IPC_DSN_MAX];
	char			 text[IPC_TEXT_MAX];
};

struct lwait {
	RB_ENTRY(lwait)		 entry;
	enum bh_role		 peer;
	uint32_t		 id;
	struct job		*job;
};

static int
lwait_cmp(struct lwait *a, struct lwait *b)
{
	if (a->peer != b->peer)
		return a->peer < b->peer ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}
RB_HEAD(lwait_tree, lwait);
RB_GENERATE_STATIC(lwait_tree, lwait, entry, lwait_cmp);

struct local {
	struct worker_env	 we;
	struct ipc_chan		*queue;
	struct ipc_chan		*lookup;
	struct lwait_tree	 waits;
	TAILQ_HEAD(, job)	 jobs;
};

static void next_user(struct job *);

static void
wait_for(struct local *lo, enum bh_role peer, uint32_t id, struct job *j)
{
	struct lwait *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("wait_for");
	w->peer = peer;
	w->id = id;
	w->job = j;
	if (RB_INSERT(lwait_tree, &lo->waits, w) != NULL)
		fatalx("wait_for: request id %u in use", id);
}

static struct job *
waited(struct local *lo, enum bh_role peer, uint32_t id)
{
	struct lwait	 key, *w;
	struct job	*j;

	key.peer = peer;
	key.id = id;
	if ((w = RB_FIND(lwait_tree, &lo->waits, &key)) == NULL)
		return NULL;
	RB_REMOVE(lwait_tree, &lo->waits, w);
	j = w->job;
	free(w);
	return j;
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

static void
job_finish(struct job *j)
{
	struct msg_deliver_result	 r;
	uint8_t				 buf[IPC_TEXT_MAX + 64];
	struct wbuf			 wb;

	if (j->defer || j->bounce) {
		r.status = j->defer ? DELIVER_DEFER : DELIVER_BOUNCE;
		strlcpy(r.dsn, j->dsn, sizeof(r.dsn));
		strlcpy(r.text, j->text, sizeof(r.text));
	} else {
		r.status = DELIVER_SENT;
		strlcpy(r.dsn, "2.0.0", sizeof(r.dsn));
		if (j->nsent == 1)
			snprintf(r.text, sizeof(r.text), "delivered to maildir");
		else
			snprintf(r.text, sizeof(r.text),
			    "delivered to %d maildirs", j->nsent);
	}
	if (j->queue != NULL) {
		wb_init(&wb, buf, sizeof(buf));
		enc_deliver_result(&wb, &r);
		ipc_reply(j->queue, IPC_DELIVER_RESULT, j->queue_id, &wb, -1);
	}
	TAILQ_REMOVE(&j->lo->jobs, j, entry);
	close(j->msg_fd);
	free(j->users);
	free(j);
}

/* ---- streaming to a writer ---- */

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

static void
writer_done(struct job *j)
{
	pump_stop(j);
	ipc_chan_free(j->writer);
	j->writer = NULL;
	next_user(j);
}

static void
writer_msg(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *rb,
    int fd, void *arg)
{
	struct job		*j = arg;
	struct msg_error	 e;

	if (fd != -1)
		close(fd);
	if (h->type == IPC_OK && dec_empty(rb) == 0)
		j->nsent++;
	else if (h->type == IPC_ERROR && dec_error(rb, &e) == 0)
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
	struct job *j = arg;

	job_fail(j, "4.3.0", "mailbox writer failed");
	log_warnx("%s: writer for %s: %s", j->d.qid,
	    j->users->users[j->next_user - 1], why);
	writer_done(j);
}

static void
start_writing(struct job *j, int wfd)
{
	struct msg_write_mail	 m;
	uint8_t			 buf[2 * IPC_ADDR_MAX + 128];
	struct wbuf		 wb;
	const char		*at = strrchr(j->d.rcpt, '@');
	int			 p[2];

	j->writer = ipc_chan_new(j->lo->we.base, wfd, ROLE_LOCAL, ROLE_WRITER,
	    writer_msg, writer_closed, j);
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1) {
		job_fail(j, "4.3.0", "cannot create a pipe");
		writer_done(j);
		return;
	}
	memset(&m, 0, sizeof(m));
	strlcpy(m.qid, j->d.qid, sizeof(m.qid));
	m.content_len = j->d.content_len;
	strlcpy(m.return_path, j->d.sender, sizeof(m.return_path));
	snprintf(m.delivered_to, sizeof(m.delivered_to), "%s@%s",
	    j->users->users[j->next_user - 1],
	    at != NULL ? at + 1 : j->lo->we.cf.myhostname);
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
	struct msg_writer_open	 w;
	uint8_t			 buf[IPC_USER_MAX + 16];
	struct wbuf		 wb;
	uint32_t		 id;

	if (j->next_user == j->users->n) {
		job_finish(j);
		return;
	}
	strlcpy(w.user, j->users->users[j->next_user++], sizeof(w.user));
	wb_init(&wb, buf, sizeof(buf));
	enc_writer_open(&wb, &w);
	id = ipc_request(j->lo->we.master, IPC_WRITER_OPEN, &wb, -1);
	wait_for(j->lo, ROLE_MASTER, id, j);
}

static void
writer_answer(struct worker_env *we, const struct ipc_hdr *h,
    struct rbuf *rb, int fd)
{
	struct local		*lo = we->arg;
	struct job		*j;
	struct msg_error	 e;

	if ((j = waited(lo, ROLE_MASTER, h->id)) == NULL)
		fatalx("master answered a request we did not make");
	if (h->type == IPC_WRITER_OPEN_OK && dec_empty(rb) == 0) {
		start_writing(j, fd);
		return;
	}
	if (fd != -1)
		close(fd);
	if (h->type != IPC_ERROR || dec_error(rb, &e) == -1)
		fatalx("bad answer from master");
	log_warnx("%s: no writer for %s: %s", j->d.qid,
	    j->users->users[j->next_user - 1], e.text);
	job_fail(j, e.dsn, e.text);
	next_user(j);
}

/* ---- lookup ---- */

static void
expand_answer(struct job *j, uint32_t type, struct rbuf *rb)
{
	struct msg_error e;

	if (type == IPC_EXPAND_OK) {
		if ((j->users = calloc(1, sizeof(*j->users))) == NULL)
			fatal("expand");
		if (dec_expand_ok(rb, j->users) == 0) {
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
	struct msg_addr	 a;
	uint8_t		 buf[IPC_ADDR_MAX + 8];
	struct wbuf	 wb;

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
	strlcpy(a.addr, j->d.rcpt, sizeof(a.addr));
	wb_init(&wb, buf, sizeof(buf));
	enc_addr(&wb, &a);
	wait_for(lo, ROLE_LOOKUP, ipc_request(lo->lookup, IPC_EXPAND, &wb, -1),
	    j);
}

/* ---- channels ---- */

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
	if ((j = waited(lo, ROLE_LOOKUP, h->id)) != NULL)
		expand_answer(j, h->type, rb);
	else
		ipc_chan_fail(c, "unexpected message");
}

static void
peer_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct local	*lo = arg;
	struct lwait	*w, *tmp;
	struct job	*j;

	if (violation)
		worker_peer_violation(&lo->we, ipc_chan_peer(c), why);
	if (c == lo->queue) {
		TAILQ_FOREACH(j, &lo->jobs, entry)
			j->queue = NULL;
		lo->queue = NULL;
	} else if (c == lo->lookup) {
		lo->lookup = NULL;
		RB_FOREACH_SAFE(w, lwait_tree, &lo->waits, tmp) {
			if (w->peer != ROLE_LOOKUP)
				continue;
			j = w->job;
			RB_REMOVE(lwait_tree, &lo->waits, w);
			free(w);
			expand_answer(j, IPC_NONE, NULL);
		}
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
	if (*slot != NULL)
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
	lo.we.on_peer = on_peer;
	lo.we.on_master_reply = writer_answer;
	lo.we.arg = &lo;
	worker_init(&lo.we, ROLE_LOCAL, argc, argv);

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
	event_base_dispatch(lo.we.base);
	return 0;
}
