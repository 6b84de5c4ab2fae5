/*
 * fuzz_ipc_chan.c: the receiving side of an IPC channel, as master or a
 * worker sees it: datagrams off a real SOCK_SEQPACKET socketpair, with
 * fds attached, through framing, the header check, reply matching and
 * the payload's decoder.
 *
 * Input: self role (bit 7: the channel awaits READY, as master's to a
 * worker it spawned), peer role, a count n of requests the channel sends
 * first (ids 1..n, types from the next n bytes, so replies can match),
 * then datagrams, each a 16-bit little-endian word and its bytes: the low
 * 12 bits are the length; bit 12 attaches one fd, bit 13 two, bit 14
 * pads the datagram past the largest message.
 *
 * What must hold: every message handed to on_msg passed the table (type
 * known, sent by the peer's role, received by ours, fd iff the table
 * says so, payload length as framed, in a phase its row admits: READY
 * once and only on a channel awaiting it, nothing but LOG before it),
 * its payload decoded (on master's side with ipc_codecs_master, the
 * table master's channels use) and its row's validator takes it, and, for a
 * reply, answered a request the channel sent, once; nothing
 * arrives after on_close, which comes at most once; no fd leaks
 * (ASan/LSan and the fd count check).
 */
#include <sys/socket.h>

#include <event2/event.h>
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "privsep/ipc.h"
#include "privsep/ipc_msgs.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define REQ_MAX		8
#define LEN_MASK	0x0fff
#define ONE_FD		0x1000
#define TWO_FDS		0x2000
#define OVERSIZE	0x4000

struct state {
	int		closed;
	int		awaiting;	/* no READY yet on an awaiting channel */
	int		answered[REQ_MAX + 1];
	uint32_t	req_type[REQ_MAX + 1];
	unsigned	nreq;
	int		nmsg;		/* messages and closes seen */
};

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static void
quiet(int prio, const char *line)
{
}

static void
on_msg(struct ipc_chan *c, const struct ipc_hdr *h, const union ipc_msg *msg,
    int fd, void *arg)
{
	struct state			*st = arg;
	const struct ipc_type_info	*ti = ipc_type_info(h->type);
	enum bh_role			 peer = ipc_chan_peer(c);

	CHECK(!st->closed);
	CHECK(ti != NULL);
	CHECK(ti->senders & (1u << peer));
	CHECK(h->len <= IPC_PAYLOAD_MAX);
	/* The payload decoded, and its validator takes it. */
	CHECK(ipc_type_codec(h->type)->check(msg) == NULL);
	CHECK((fd != -1) == (ti->fd == IPC_FD_REQUIRED));
	CHECK((fd != -1) == ((h->flags & IPC_HDR_FD) != 0));
	CHECK(ti->phases & (st->awaiting ? IPC_PHASE_START : IPC_PHASE_RUN));
	if (h->type == IPC_READY)
		st->awaiting = 0;
	if (ti->kind == IPC_REPLY) {
		CHECK(h->id >= 1 && h->id <= st->nreq);
		CHECK(!st->answered[h->id]);
		CHECK(h->type == IPC_ERROR ||
		    h->type == ipc_type_info(st->req_type[h->id])->reply);
		st->answered[h->id] = 1;
	}
	if (fd != -1)
		close(fd);
	st->nmsg++;
}

static void
on_close(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct state *st = arg;

	CHECK(!st->closed);
	CHECK(why != NULL && why[0] != '\0');
	st->closed = 1;
}

/* Send one datagram, with 0, 1 or 2 fds; -1 when the socket is full. */
static int
send_datagram(int sock, const uint8_t *p, size_t len, int nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	} cm;
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	int		 fds[2] = { -1, -1 }, i, rc;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)p;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		for (i = 0; i < nfds; i++)
			CHECK((fds[i] = open("/dev/null", O_RDONLY |
			    O_CLOEXEC)) != -1);
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	rc = sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == -1 ? -1 : 0;
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	return rc;
}

/* The datagrams of the input; stops at the end or when the socket fills. */
static void
send_all(int sock, const uint8_t *data, size_t size)
{
	static uint8_t	big[sizeof(struct ipc_hdr) + IPC_PAYLOAD_MAX + 16];
	size_t		off = 0, len;
	unsigned	word;
	int		nfds;

	while (off + 2 <= size) {
		word = data[off] | data[off + 1] << 8;
		off += 2;
		len = word & LEN_MASK;
		if (len > size - off)
			len = size - off;
		nfds = word & TWO_FDS ? 2 : word & ONE_FD ? 1 : 0;
		if (word & OVERSIZE) {
			memset(big, 0, sizeof(big));
			memcpy(big, data + off, len);
			if (send_datagram(sock, big, sizeof(big), nfds) == -1)
				return;
		} else if (send_datagram(sock, data + off, len, nfds) == -1)
			return;
		off += len;
	}
}

/*
 * Open fds now, to check that the channel closed every fd it received:
 * the entries of /proc/self/fd (a scan of 128 numbers with fcntl was two
 * thirds of each run's time).
 */
static int
count_fds(void)
{
	DIR	*d;
	int	 n = 0;

	CHECK((d = opendir("/proc/self/fd")) != NULL);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_base *base;
	struct ipc_chan		*c;
	struct state		 st;
	const struct ipc_type_info *ti;
	unsigned		 i, t;
	int			 sp[2], fds_before, round, seen;
	size_t			 off;

	if (size < 3)
		return 0;
	log_set_sink(quiet);
	memset(&st, 0, sizeof(st));
	/* One event base for the run: each input leaves it empty. */
	if (base == NULL)
		CHECK((base = event_base_new()) != NULL);
	fds_before = count_fds();
	/* A master channel decodes with master's own table, as master does. */
	ipc_codecs_use((data[0] & 0x7f) % ROLE_COUNT == ROLE_MASTER ?
	    ipc_codecs_master : ipc_codecs_all);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	c = ipc_chan_new(base, sp[0], (data[0] & 0x7f) % ROLE_COUNT,
	    data[1] % ROLE_COUNT, on_msg, on_close, &st);
	if (data[0] & 0x80) {
		ipc_chan_await_ready(c);
		st.awaiting = 1;
	}

	/* Requests the channel sends, so that replies can match them. */
	off = 3;
	for (i = 0; i < data[2] % (REQ_MAX + 1) && off < size; i++, off++) {
		t = data[off] % IPC_TYPE_COUNT;
		if ((ti = ipc_type_info(t)) == NULL || ti->kind != IPC_REQ ||
		    ti->fd == IPC_FD_REQUIRED)
			continue;
		st.req_type[st.nreq + 1] = t;
		CHECK(ipc_request(c, t, NULL, -1) == st.nreq + 1);
		st.nreq++;
	}

	send_all(sp[1], data + off, size - off);
	/* Until a round brings nothing new (every datagram is queued). */
	for (round = 0; round < 8 && !st.closed; round++) {
		seen = st.nmsg;
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (round > 0 && st.nmsg == seen)
			break;
	}

	ipc_chan_free(c);
	close(sp[1]);
	/* libevent's finalizers for the channel's events */
	event_base_loop(base, EVLOOP_NONBLOCK);
	CHECK(count_fds() == fds_before);
	return 0;
}
