/*
 * ipc.c: message table checks and SOCK_SEQPACKET channels on libevent.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "privsep/ipc.h"
#include "privsep/ipc_codec.h"
#include "privsep/ipc_msgs.h"

static const struct ipc_type_info type_table[IPC_TYPE_COUNT] = {
#define IPC_INFO(name, kind, from, to, fd, reply, payload, phase)	\
	[name] = { #name, IPC_##kind, from, to, fd, reply,		\
	    IPC_PAYLOAD_##payload, IPC_PH_##phase },
	IPC_MESSAGE_TABLE(IPC_INFO)
#undef IPC_INFO
};

/* The codecs this process decodes with (ipc_codec.h). */
static const struct ipc_codec *const *codecs;

static const char *role_names[ROLE_COUNT] = {
	"master", "smtpd", "queue", "lookup", "local", "writer", "runner",
	"bulkctl", "pickup", "relay", "auth", "keys", "dns"
};

void
ipc_codecs_use(const struct ipc_codec *const *table)
{
	codecs = table;
}

const struct ipc_type_info *
ipc_type_info(uint32_t type)
{
	if (type == IPC_NONE || type >= IPC_TYPE_COUNT)
		return NULL;
	return &type_table[type];
}

const char *
ipc_type_name(uint32_t type)
{
	const struct ipc_type_info *ti = ipc_type_info(type);

	return ti ? ti->name : "unknown";
}

const char *
ipc_role_name(enum bh_role role)
{
	if ((unsigned)role >= ROLE_COUNT)
		return "unknown";
	return role_names[role];
}

int
ipc_role_from_name(const char *name, enum bh_role *role)
{
	int r;

	for (r = 0; r < ROLE_COUNT; r++)
		if (strcmp(name, role_names[r]) == 0) {
			*role = r;
			return 0;
		}
	return -1;
}

const char *
ipc_check_header(const struct ipc_hdr *h, enum bh_role self,
    enum bh_role peer, int have_fd)
{
	const struct ipc_type_info *ti;

	if ((ti = ipc_type_info(h->type)) == NULL)
		return "unknown message type";
	if (!(ti->senders & (1u << peer)) || !(ti->receivers & (1u << self)))
		return "message type not allowed in this direction";
	if (h->len > IPC_PAYLOAD_MAX)
		return "payload too long";
	if (h->flags & ~IPC_HDR_FD)
		return "unknown header flags";
	if (!!(h->flags & IPC_HDR_FD) != have_fd)
		return "fd flag does not match the attached fd";
	if (ti->fd == IPC_FD_REQUIRED && !have_fd)
		return "required fd missing";
	if (ti->fd == IPC_FD_NONE && have_fd)
		return "unexpected fd";
	if (ti->kind == IPC_NOTE && h->id != 0)
		return "note with a request id";
	if (ti->kind != IPC_NOTE && h->id == 0)
		return "request or reply without an id";
	return NULL;
}

const char *
ipc_check_phase(uint32_t type, enum ipc_phase phase)
{
	const struct ipc_type_info *ti;

	if ((ti = ipc_type_info(type)) == NULL)
		return "unknown message type";
	if (ti->phases & phase)
		return NULL;
	return phase == IPC_PHASE_START ? "before READY" : "after READY";
}

/* ---- channels ---- */

struct outmsg {
	TAILQ_ENTRY(outmsg)	 entry;
	struct ipc_hdr		 hdr;
	int			 fd;
	size_t			 len;
	uint8_t			 payload[];
};

struct pending {
	RB_ENTRY(pending)	 entry;
	uint32_t		 id;
	enum ipc_type		 type;
};

static int
pending_cmp(struct pending *a, struct pending *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

RB_HEAD(pending_tree, pending);
RB_PROTOTYPE_STATIC(pending_tree, pending, entry, pending_cmp);
RB_GENERATE_STATIC(pending_tree, pending, entry, pending_cmp);

struct ipc_chan {
	int			 fd;
	enum bh_role		 self;
	enum bh_role		 peer;
	struct event		*ev_read;
	struct event		*ev_write;
	TAILQ_HEAD(, outmsg)	 outq;
	size_t			 noutq;		/* messages in outq */
	size_t			 outq_max;	/* 0: unbounded */
	struct pending_tree	 pending;
	uint32_t		 next_id;
	size_t			 npending;	/* requests awaiting a reply */
	ipc_msg_fn		 on_msg;
	ipc_close_fn		 on_close;
	void			*arg;
	int			 in_dispatch;
	int			 dead;		/* freed once dispatch unwinds */
	int			 closed;	/* on_close already called */
	enum ipc_phase		 phase;
	char			 why[128];	/* a violation's reason */
	uint8_t			 rxbuf[IPC_PAYLOAD_MAX];
	union ipc_msg		 msg;		/* rxbuf, decoded */
};

static void chan_read_cb(evutil_socket_t, short, void *);
static void chan_write_cb(evutil_socket_t, short, void *);

struct ipc_chan *
ipc_chan_new(struct event_base *base, int fd, enum bh_role self,
    enum bh_role peer, ipc_msg_fn on_msg, ipc_close_fn on_close, void *arg)
{
	struct ipc_chan *c;

	if (codecs == NULL)
		fatalx("ipc_chan_new: no codec table chosen");
	c = xcalloc(1, sizeof(*c));
	if (evutil_make_socket_nonblocking(fd) == -1)
		fatal("ipc_chan_new: nonblocking");
	c->fd = fd;
	c->self = self;
	c->peer = peer;
	c->on_msg = on_msg;
	c->on_close = on_close;
	c->arg = arg;
	c->next_id = 1;
	c->phase = IPC_PHASE_RUN;
	TAILQ_INIT(&c->outq);
	RB_INIT(&c->pending);
	c->ev_read = event_new(base, fd, EV_READ | EV_PERSIST, chan_read_cb, c);
	c->ev_write = event_new(base, fd, EV_WRITE, chan_write_cb, c);
	if (c->ev_read == NULL || c->ev_write == NULL ||
	    event_add(c->ev_read, NULL) == -1)
		fatalx("ipc_chan_new: event setup failed");
	return c;
}

static void
chan_destroy(struct ipc_chan *c)
{
	struct outmsg	*m;
	struct pending	*p, *tmp;

	event_free(c->ev_read);
	event_free(c->ev_write);
	while ((m = TAILQ_FIRST(&c->outq)) != NULL) {
		TAILQ_REMOVE(&c->outq, m, entry);
		if (m->fd != -1)
			close(m->fd);
		free(m);
	}
	RB_FOREACH_SAFE(p, pending_tree, &c->pending, tmp) {
		RB_REMOVE(pending_tree, &c->pending, p);
		free(p);
	}
	close(c->fd);
	free(c);
}

void
ipc_chan_free(struct ipc_chan *c)
{
	if (c == NULL)
		return;
	if (c->in_dispatch) {
		c->dead = 1;
		event_del(c->ev_read);
		event_del(c->ev_write);
		return;
	}
	chan_destroy(c);
}

enum bh_role
ipc_chan_peer(const struct ipc_chan *c)
{
	return c->peer;
}

size_t
ipc_chan_npending(const struct ipc_chan *c)
{
	return c->npending;
}

void
ipc_chan_await_ready(struct ipc_chan *c)
{
	c->phase = IPC_PHASE_START;
}

enum ipc_phase
ipc_chan_phase(const struct ipc_chan *c)
{
	return c->phase;
}

size_t
ipc_chan_noutq(const struct ipc_chan *c)
{
	return c->noutq;
}

/* At most max messages waiting to be sent; one more closes the channel
   as a violation.  0: no bound. */
void
ipc_chan_set_outq_max(struct ipc_chan *c, size_t max)
{
	c->outq_max = max;
}

void
ipc_chan_set_arg(struct ipc_chan *c, void *arg)
{
	c->arg = arg;
}

static void
chan_close(struct ipc_chan *c, const char *why, int violation)
{
	if (c->closed)
		return;
	c->closed = 1;
	event_del(c->ev_read);
	event_del(c->ev_write);
	if (violation)
		log_security("protocol violation from %s: %s",
		    ipc_role_name(c->peer), why);
	c->on_close(c, why, violation, c->arg);
}

void
ipc_chan_fail(struct ipc_chan *c, const char *why)
{
	chan_close(c, why, 1);
}

/* Send one message now; 1 = sent, 0 = would block, -1 = error. */
static int
send_one(struct ipc_chan *c, struct outmsg *m)
{
	struct msghdr	 mh;
	struct iovec	 iov[2];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cmsghdr	*cmsg;
	ssize_t		 n;

	memset(&mh, 0, sizeof(mh));
	iov[0].iov_base = &m->hdr;
	iov[0].iov_len = sizeof(m->hdr);
	iov[1].iov_base = m->payload;
	iov[1].iov_len = m->len;
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	if (m->fd != -1) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &m->fd, sizeof(int));
	}
	n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	if (m->fd != -1)
		close(m->fd);
	return 1;
}

static void
flush_queue(struct ipc_chan *c)
{
	struct outmsg	*m;
	int		 r;

	while ((m = TAILQ_FIRST(&c->outq)) != NULL) {
		if ((r = send_one(c, m)) == 0) {
			event_add(c->ev_write, NULL);
			return;
		}
		TAILQ_REMOVE(&c->outq, m, entry);
		c->noutq--;
		if (r == -1) {
			if (m->fd != -1)
				close(m->fd);
			free(m);
			chan_close(c, strerror(errno), 0);
			return;
		}
		free(m);
	}
}

static void
chan_write_cb(evutil_socket_t fd, short ev, void *arg)
{
	flush_queue(arg);
}

static void
enqueue(struct ipc_chan *c, enum ipc_type type, uint32_t id,
    const struct wbuf *wb, int fd)
{
	struct outmsg	*m;
	size_t		 len = wb ? wb->len : 0;

	if (wb != NULL && wb->err)
		fatalx("ipc: %s payload does not fit", ipc_type_name(type));
	if (c->closed || c->dead) {
		if (fd != -1)
			close(fd);
		return;
	}
	/* A peer that asks and does not read its answers runs out here. */
	if (c->outq_max != 0 && c->noutq >= c->outq_max) {
		if (fd != -1)
			close(fd);
		chan_close(c, "does not read its messages: outgoing queue full",
		    1);
		return;
	}
	m = xmalloc(sizeof(*m) + len);
	m->hdr.type = type;
	m->hdr.len = len;
	m->hdr.id = id;
	m->hdr.flags = fd != -1 ? IPC_HDR_FD : 0;
	m->fd = fd;
	m->len = len;
	if (len)
		memcpy(m->payload, wb->p, len);
	TAILQ_INSERT_TAIL(&c->outq, m, entry);
	c->noutq++;
	if (TAILQ_FIRST(&c->outq) == m)
		flush_queue(c);
}

uint32_t
ipc_request(struct ipc_chan *c, enum ipc_type type, const struct wbuf *wb,
    int fd)
{
	struct pending	*p;
	uint32_t	 id;

	if (type_table[type].kind != IPC_REQ)
		fatalx("ipc_request: %s is not a request", ipc_type_name(type));
	if ((id = c->next_id++) == 0)
		id = c->next_id++;
	p = xmalloc(sizeof(*p));
	p->id = id;
	p->type = type;
	if (RB_INSERT(pending_tree, &c->pending, p) != NULL)
		fatalx("ipc_request: request id %u reused", id);
	c->npending++;
	enqueue(c, type, id, wb, fd);
	return id;
}

void
ipc_reply(struct ipc_chan *c, enum ipc_type type, uint32_t id,
    const struct wbuf *wb, int fd)
{
	if (type_table[type].kind != IPC_REPLY)
		fatalx("ipc_reply: %s is not a reply", ipc_type_name(type));
	enqueue(c, type, id, wb, fd);
}

void
ipc_note(struct ipc_chan *c, enum ipc_type type, const struct wbuf *wb,
    int fd)
{
	if (type_table[type].kind != IPC_NOTE)
		fatalx("ipc_note: %s is not a note", ipc_type_name(type));
	enqueue(c, type, 0, wb, fd);
}

void
ipc_reply_error(struct ipc_chan *c, uint32_t id, const char *dsn,
    const char *text)
{
	uint8_t		buf[IPC_DSN_MAX + IPC_TEXT_MAX + 8];
	struct wbuf	wb;
	struct msg_error e;

	/*
	 * The text may quote what an outsider or a user wrote (a path, an
	 * address, a command's output): made fit for the receiver's check
	 * here, once for every sender.  The code is the sender's own; a bad
	 * one is a bug (enc_error stops it).
	 */
	xstrlcpy(e.dsn, dsn, sizeof(e.dsn));
	strlcpy_text(e.text, text, sizeof(e.text));
	ipc_text_clean(e.text);
	wb_init(&wb, buf, sizeof(buf));
	enc_error(&wb, &e);
	ipc_reply(c, IPC_ERROR, id, &wb, -1);
}

void
ipc_chan_flush(struct ipc_chan *c)
{
	struct outmsg	*m;
	int		 tries = 100;

	while ((m = TAILQ_FIRST(&c->outq)) != NULL && tries-- > 0) {
		if (send_one(c, m) == 0) {
			usleep(1000);
			continue;
		}
		TAILQ_REMOVE(&c->outq, m, entry);
		c->noutq--;
		free(m);
	}
}

/*
 * The phase the channel is in must admit the message (the table's last
 * column); READY ends the start phase.
 */
static const char *
match_phase(struct ipc_chan *c, const struct ipc_hdr *h)
{
	const char *why;

	if ((why = ipc_check_phase(h->type, c->phase)) != NULL) {
		snprintf(c->why, sizeof(c->why), "%s %s",
		    ipc_type_name(h->type), why);
		return c->why;
	}
	if (type_table[h->type].phases == IPC_PH_READY)
		c->phase = IPC_PHASE_RUN;
	return NULL;
}

/*
 * A reply must answer an outstanding request on this channel, with the
 * reply type the table declares for it (or IPC_ERROR).
 */
static const char *
match_reply(struct ipc_chan *c, const struct ipc_hdr *h)
{
	struct pending	 key, *p;

	key.id = h->id;
	if ((p = RB_FIND(pending_tree, &c->pending, &key)) == NULL)
		return "reply to no outstanding request";
	if (h->type != IPC_ERROR && h->type != type_table[p->type].reply)
		return "wrong reply type for the request";
	RB_REMOVE(pending_tree, &c->pending, p);
	free(p);
	c->npending--;
	return NULL;
}

/*
 * Decode and validate the payload with the codec the row names, from
 * this process's table; a payload that does not decode, or that has no
 * codec here, is the sender breaking the protocol.  The header passed
 * ipc_check_header, so the type is a row of the table.
 */
static const char *
decode_payload(struct ipc_chan *c, const struct ipc_hdr *h,
    const uint8_t *payload)
{
	const struct ipc_codec	*codec = codecs[type_table[h->type].payload];
	struct rbuf		 rb;

	rb_init(&rb, payload, h->len);
	if (codec != NULL && codec->dec(&rb, &c->msg) == 0)
		return NULL;
	/* "bad MSG_ABORT payload": the type's name without "IPC_" */
	snprintf(c->why, sizeof(c->why), "bad %s payload",
	    ipc_type_name(h->type) + strlen("IPC_"));
	return c->why;
}

#define IPC_FDS_SEEN	8	/* room to receive (and close) extra fds */

/* Close every fd a control message brought; returns how many. */
static int
collect_fds(struct msghdr *mh, int *first)
{
	struct cmsghdr	*cmsg;
	int		 n = 0, fd;
	size_t		 i, k;

	*first = -1;
	for (cmsg = CMSG_FIRSTHDR(mh); cmsg; cmsg = CMSG_NXTHDR(mh, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++, n++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (*first == -1)
				*first = fd;
			else
				close(fd);
		}
	}
	return n;
}

/*
 * On SOCK_SEQPACKET, recvmsg returns 0 both at end of file and for an
 * empty datagram.  Only a peer breaking the protocol sends the latter:
 * peek once more to tell them apart (0 again means end of file).
 */
static int
empty_datagram(int fd)
{
	char	c;
	ssize_t	n = recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);

	return n != 0;
}

/*
 * Receive one datagram: 1 = got one, 0 = none ready, -1 = channel done,
 * -2 = protocol violation (*why says which).
 */
static int
recv_one(struct ipc_chan *c, struct ipc_hdr *h, uint8_t *payload, int *fdp,
    const char **why)
{
	struct msghdr	 mh;
	struct iovec	 iov[2];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(IPC_FDS_SEEN * sizeof(int))];
	} cm;
	ssize_t		 n;
	int		 nfds;

	*fdp = -1;
	memset(&mh, 0, sizeof(mh));
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof(*h);
	iov[1].iov_base = payload;
	iov[1].iov_len = IPC_PAYLOAD_MAX;
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		*why = strerror(errno);
		return -1;
	}
	nfds = collect_fds(&mh, fdp);
	if (n == 0 && nfds == 0 && !empty_datagram(c->fd)) {
		*why = "connection closed";
		return -1;
	}
	if (nfds > 1 || (mh.msg_flags & MSG_CTRUNC)) {
		*why = "more than one fd";
		goto violation;
	}
	if (mh.msg_flags & MSG_TRUNC) {
		*why = "datagram longer than a message";
		goto violation;
	}
	if ((size_t)n < sizeof(*h) || h->len != (size_t)n - sizeof(*h)) {
		*why = "length in header does not match the datagram";
		goto violation;
	}
	return 1;
violation:
	if (*fdp != -1)
		close(*fdp);
	*fdp = -1;
	return -2;
}

static void
chan_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ipc_chan	*c = arg;
	struct ipc_hdr	 h;
	uint8_t		*payload = c->rxbuf;
	const char	*why = NULL;
	int		 r, mfd, budget = 64;

	c->in_dispatch++;
	while (budget-- > 0 && !c->closed && !c->dead) {
		r = recv_one(c, &h, payload, &mfd, &why);
		if (r == 0)
			break;
		if (r == -1) {
			chan_close(c, why, 0);
			break;
		}
		if (r == -2 ||
		    (why = ipc_check_header(&h, c->self, c->peer, mfd != -1))
		    != NULL || (why = match_phase(c, &h)) != NULL ||
		    (type_table[h.type].kind == IPC_REPLY &&
		    (why = match_reply(c, &h)) != NULL) ||
		    (why = decode_payload(c, &h, payload)) != NULL) {
			if (mfd != -1)
				close(mfd);
			chan_close(c, why, 1);
			break;
		}
		c->on_msg(c, &h, &c->msg, mfd, c->arg);
	}
	c->in_dispatch--;
	if (c->dead && c->in_dispatch == 0)
		chan_destroy(c);
}
