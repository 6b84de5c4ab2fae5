/*
 * test_ipc_chan.c: real SOCK_SEQPACKET channels: what a peer may send, and
 * requests and their replies.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "privsep/codec.h"
#include "privsep/ipc.h"
#include "delivery/member.h"
#include "privsep/ipc_msgs.h"

#include "tests/unit/ipc_fixture.h"

struct chfix {
	struct event_base	*base;
	struct ipc_chan		*chan;
	int			 raw;		/* the hand-driven end */
	struct rx		 rx;
};

static struct chfix *
chfix_new(enum bh_role self, enum bh_role peer)
{
	struct chfix	*f;
	int		 sv[2];

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	f->base = event_base_new();
	assert_non_null(f->base);
	rx_init(&f->rx);
	f->chan = ipc_chan_new(f->base, sv[0], self, peer, rx_msg, rx_close,
	    &f->rx);
	f->raw = sv[1];
	return f;
}

int
setup_chan(void **state)
{
	*state = chfix_new(ROLE_QUEUE, ROLE_SMTPD);
	return 0;
}

int
setup_chan_smtpd(void **state)
{
	*state = chfix_new(ROLE_SMTPD, ROLE_QUEUE);
	return 0;
}

int
teardown_chan(void **state)
{
	struct chfix *f = *state;

	ipc_chan_free(f->chan);
	if (f->raw != -1)
		close(f->raw);
	if (f->rx.fd != -1)
		close(f->rx.fd);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* Send header + payload (+ nfds fds) as one datagram from the raw end. */
static void
raw_send(int s, const struct ipc_hdr *h, const void *payload, size_t len,
    const int *fds, int nfds)
{
	struct msghdr	 mh;
	struct iovec	 iov[2];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(4 * sizeof(int))];
	} cm;
	struct cmsghdr	*cmsg;

	memset(&mh, 0, sizeof(mh));
	iov[0].iov_base = (void *)h;
	iov[0].iov_len = h ? sizeof(*h) : 0;
	iov[1].iov_base = (void *)payload;
	iov[1].iov_len = len;
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	assert_int_equal(sendmsg(s, &mh, 0), (ssize_t)(iov[0].iov_len + len));
}

/* Receive one datagram on the raw end (blocking). */
static ssize_t
raw_recv(int s, struct ipc_hdr *h, uint8_t *payload, size_t cap, int *fdp)
{
	struct msghdr	 mh;
	struct iovec	 iov[2];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cmsghdr	*cmsg;
	ssize_t		 n;

	*fdp = -1;
	memset(&mh, 0, sizeof(mh));
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof(*h);
	iov[1].iov_base = payload;
	iov[1].iov_len = cap;
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	n = recvmsg(s, &mh, MSG_DONTWAIT);
	for (cmsg = CMSG_FIRSTHDR(&mh); n > 0 && cmsg;
	    cmsg = CMSG_NXTHDR(&mh, cmsg))
		if (cmsg->cmsg_type == SCM_RIGHTS)
			memcpy(fdp, CMSG_DATA(cmsg), sizeof(int));
	return n;
}

/*
 * Did every copy of a pipe's read end go away?  Only the write end is
 * left with us: a write fails with EPIPE when no reader is left.
 */
static int
reader_gone(int wfd)
{
	ssize_t n = write(wfd, "x", 1);

	return n == -1 && errno == EPIPE;
}

static void
assert_violation(struct chfix *f, const char *why)
{
	assert_int_equal(f->rx.nmsg, 0);
	assert_int_equal(f->rx.nclose, 1);
	assert_int_equal(f->rx.violation, 1);
	if (why != NULL)
		assert_string_equal(f->rx.why, why);
}

void
test_chan_valid_request(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, 0, 42, 0);
	struct ipc_hdr	 h2 = hdr(IPC_MSG_RCPT, 0, 43, 0);
	uint8_t		 buf[256];
	struct wbuf	 wb;
	struct rbuf	 rb;
	struct msg_rcpt	 m;

	raw_send(f->raw, &h, NULL, 0, NULL, 0);
	run(f->base);
	assert_int_equal(f->rx.nmsg, 1);
	assert_int_equal(f->rx.nclose, 0);
	assert_int_equal(f->rx.h.type, IPC_MSG_CREATE);
	assert_int_equal(f->rx.h.id, 42);
	assert_int_equal(f->rx.h.len, 0);
	assert_int_equal(f->rx.len, 0);
	assert_int_equal(f->rx.fd, -1);

	/* With a payload, which on_msg sees exactly. */
	wb_init(&wb, buf, sizeof(buf));
	mk_rcpt(&wb);
	h2.len = wb.len;
	raw_send(f->raw, &h2, buf, wb.len, NULL, 0);
	run(f->base);
	assert_int_equal(f->rx.nmsg, 2);
	assert_int_equal(f->rx.h.type, IPC_MSG_RCPT);
	assert_int_equal(f->rx.h.id, 43);
	assert_int_equal(f->rx.len, wb.len);
	rb_init(&rb, f->rx.payload, f->rx.len);
	assert_int_equal(dec_rcpt(&rb, &m), 0);
	assert_string_equal(m.addr, "bob@test.example");
	assert_int_equal(f->rx.nclose, 0);
}

void
test_chan_len_mismatch(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, 4, 1, 0);

	raw_send(f->raw, &h, NULL, 0, NULL, 0);
	run(f->base);
	assert_violation(f, "length in header does not match the datagram");
}

void
test_chan_len_mismatch_longer(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, 0, 1, 0);

	raw_send(f->raw, &h, "abc", 3, NULL, 0);
	run(f->base);
	assert_violation(f, "length in header does not match the datagram");
}

void
test_chan_short_header(void **state)
{
	struct chfix	*f = *state;
	uint32_t	 half[2] = { IPC_MSG_CREATE, 0 };

	raw_send(f->raw, NULL, half, sizeof(half), NULL, 0);
	run(f->base);
	assert_violation(f, "length in header does not match the datagram");
}

/*
 * A zero-length datagram is a frame shorter than a header, not EOF (on a
 * SOCK_SEQPACKET socket recvmsg returns 0 for both).
 */
void
test_chan_empty_datagram(void **state)
{
	struct chfix	*f = *state;

	raw_send(f->raw, NULL, NULL, 0, NULL, 0);
	run(f->base);
	assert_int_equal(f->rx.nclose, 1);
	assert_int_equal(f->rx.violation, 1);
}

void
test_chan_oversize(void **state)
{
	struct chfix	*f = *state;
	static uint8_t	 big[IPC_PAYLOAD_MAX + 1];
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, sizeof(big), 1, 0);

	raw_send(f->raw, &h, big, sizeof(big), NULL, 0);
	run(f->base);
	assert_violation(f, NULL);
}

void
test_chan_wrong_direction(void **state)
{
	struct chfix	*f = *state;
	int		 p[2];
	struct ipc_hdr	 h = hdr(IPC_DELIVER, 0, 1, IPC_HDR_FD);

	assert_int_equal(pipe(p), 0);
	raw_send(f->raw, &h, NULL, 0, &p[0], 1);
	close(p[0]);
	run(f->base);
	assert_violation(f, "message type not allowed in this direction");
	assert_true(reader_gone(p[1]));
	close(p[1]);
}

void
test_chan_reply_type_from_smtpd(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h = hdr(IPC_LOG, 0, 0, 0);

	raw_send(f->raw, &h, NULL, 0, NULL, 0);
	run(f->base);
	assert_violation(f, "message type not allowed in this direction");
}

void
test_chan_unexpected_fd(void **state)
{
	struct chfix	*f = *state;
	int		 p[2];
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, 0, 1, IPC_HDR_FD);

	assert_int_equal(pipe(p), 0);
	raw_send(f->raw, &h, NULL, 0, &p[0], 1);
	close(p[0]);
	assert_false(reader_gone(p[1]));	/* in flight: still open */
	run(f->base);
	assert_violation(f, "unexpected fd");
	assert_true(reader_gone(p[1]));
	close(p[1]);
}

void
test_chan_fd_without_flag(void **state)
{
	struct chfix	*f = *state;
	int		 p[2];
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, 0, 1, 0);

	assert_int_equal(pipe(p), 0);
	raw_send(f->raw, &h, NULL, 0, &p[0], 1);
	close(p[0]);
	run(f->base);
	assert_violation(f, "fd flag does not match the attached fd");
	assert_true(reader_gone(p[1]));
	close(p[1]);
}

void
test_chan_flag_without_fd(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, 0, 1, IPC_HDR_FD);

	raw_send(f->raw, &h, NULL, 0, NULL, 0);
	run(f->base);
	assert_violation(f, "fd flag does not match the attached fd");
}

/* At most one fd rides along: two are a violation, and both are closed. */
void
test_chan_two_fds(void **state)
{
	struct chfix	*f = *state;
	int		 p[2], q[2], fds[2];
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, 0, 1, 0);

	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	fds[0] = p[0];
	fds[1] = q[0];
	raw_send(f->raw, &h, NULL, 0, fds, 2);
	close(p[0]);
	close(q[0]);
	run(f->base);
	assert_int_equal(f->rx.nmsg, 0);	/* not taken as fd-less */
	assert_true(reader_gone(p[1]));
	assert_true(reader_gone(q[1]));
	assert_violation(f, NULL);
	close(p[1]);
	close(q[1]);
}

void
test_chan_three_fds(void **state)
{
	struct chfix	*f = *state;
	int		 p[3][2], fds[3], i;
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, 0, 1, IPC_HDR_FD);

	for (i = 0; i < 3; i++) {
		assert_int_equal(pipe(p[i]), 0);
		fds[i] = p[i][0];
	}
	raw_send(f->raw, &h, NULL, 0, fds, 3);
	for (i = 0; i < 3; i++)
		close(p[i][0]);
	run(f->base);
	for (i = 0; i < 3; i++) {
		if (!reader_gone(p[i][1]))
			fail_msg("fd %d of 3 leaked", i);
		close(p[i][1]);
	}
	assert_violation(f, NULL);
}

void
test_chan_unsolicited_reply(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h = hdr(IPC_OK, 0, 99, 0);

	raw_send(f->raw, &h, NULL, 0, NULL, 0);
	run(f->base);
	assert_violation(f, "reply to no outstanding request");
}

void
test_chan_eof(void **state)
{
	struct chfix *f = *state;

	close(f->raw);
	f->raw = -1;
	run(f->base);
	assert_int_equal(f->rx.nmsg, 0);
	assert_int_equal(f->rx.nclose, 1);
	assert_int_equal(f->rx.violation, 0);
}

/* Messages before a violation are delivered; nothing after it. */
void
test_chan_stops_after_violation(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 good = hdr(IPC_MSG_CREATE, 0, 5, 0);
	struct ipc_hdr	 bad = hdr(IPC_MSG_CREATE, 0, 0, 0);

	raw_send(f->raw, &good, NULL, 0, NULL, 0);
	raw_send(f->raw, &bad, NULL, 0, NULL, 0);
	raw_send(f->raw, &good, NULL, 0, NULL, 0);
	run(f->base);
	assert_int_equal(f->rx.nmsg, 1);
	assert_int_equal(f->rx.h.id, 5);
	assert_int_equal(f->rx.nclose, 1);
	assert_int_equal(f->rx.violation, 1);
	assert_string_equal(f->rx.why, "request or reply without an id");
}

/*
 * smtpd side: a request made with ipc_request, answered from the raw end
 * (queue) with the declared reply type and an fd.
 */
void
test_chan_request_reply(void **state)
{
	struct chfix		*f = *state;
	struct ipc_hdr		 h, rep;
	uint8_t			 buf[256], pl[64];
	struct wbuf		 wb;
	struct rbuf		 rb;
	struct msg_qid		 q;
	struct msg_error	 e;
	uint8_t			 ebuf[64];
	struct wbuf		 ewb;
	uint32_t		 id, id2;
	int			 p[2], fd;
	char			 c;

	id = ipc_request(f->chan, IPC_MSG_CREATE, NULL, -1);
	assert_int_not_equal(id, 0);
	run(f->base);
	assert_int_equal(raw_recv(f->raw, &h, pl, sizeof(pl), &fd),
	    (ssize_t)sizeof(h));
	assert_int_equal(h.type, IPC_MSG_CREATE);
	assert_int_equal(h.id, id);
	assert_int_equal(h.len, 0);
	assert_int_equal(h.flags, 0);
	assert_int_equal(fd, -1);

	assert_int_equal(pipe(p), 0);
	wb_init(&wb, buf, sizeof(buf));
	mk_qid(&wb);
	rep = hdr(IPC_MSG_CREATE_OK, wb.len, id, IPC_HDR_FD);
	raw_send(f->raw, &rep, buf, wb.len, &p[1], 1);
	close(p[1]);
	run(f->base);
	assert_int_equal(f->rx.nclose, 0);
	assert_int_equal(f->rx.nmsg, 1);
	assert_int_equal(f->rx.h.type, IPC_MSG_CREATE_OK);
	assert_int_equal(f->rx.h.id, id);
	assert_int_not_equal(f->rx.fd, -1);
	rb_init(&rb, f->rx.payload, f->rx.len);
	assert_int_equal(dec_qid(&rb, &q), 0);
	assert_string_equal(q.qid, QID_A);
	assert_int_equal(write(f->rx.fd, "m", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'm');
	close(p[0]);

	/* A second request gets a new id; IPC_ERROR answers it. */
	id2 = ipc_request(f->chan, IPC_MSG_CREATE, NULL, -1);
	assert_int_not_equal(id2, id);
	assert_int_not_equal(id2, 0);
	run(f->base);
	assert_int_equal(raw_recv(f->raw, &h, pl, sizeof(pl), &fd),
	    (ssize_t)sizeof(h));
	assert_int_equal(h.id, id2);
	memset(&e, 0, sizeof(e));
	strlcpy(e.dsn, "4.3.0", sizeof(e.dsn));
	wb_init(&ewb, ebuf, sizeof(ebuf));
	enc_error(&ewb, &e);
	rep = hdr(IPC_ERROR, ewb.len, id2, 0);
	raw_send(f->raw, &rep, ebuf, ewb.len, NULL, 0);
	run(f->base);
	assert_int_equal(f->rx.nmsg, 2);
	assert_int_equal(f->rx.h.type, IPC_ERROR);
	assert_int_equal(f->rx.nclose, 0);

	/* The first request was answered already: a second answer is bad. */
	rep = hdr(IPC_MSG_CREATE_OK, wb.len, id, IPC_HDR_FD);
	assert_int_equal(pipe(p), 0);
	raw_send(f->raw, &rep, buf, wb.len, &p[1], 1);
	close(p[1]);
	run(f->base);
	assert_int_equal(f->rx.nmsg, 2);
	assert_int_equal(f->rx.nclose, 1);
	assert_int_equal(f->rx.violation, 1);
	assert_string_equal(f->rx.why, "reply to no outstanding request");
	close(p[0]);
}

void
test_chan_wrong_reply_type(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h, rep;
	uint8_t		 pl[64], buf[64];
	struct wbuf	 wb;
	uint32_t	 id;
	int		 fd;

	id = ipc_request(f->chan, IPC_MSG_CREATE, NULL, -1);
	run(f->base);
	assert_int_equal(raw_recv(f->raw, &h, pl, sizeof(pl), &fd),
	    (ssize_t)sizeof(h));
	wb_init(&wb, buf, sizeof(buf));
	mk_qid(&wb);
	/* COMMIT_OK may travel queue -> smtpd, but does not answer CREATE. */
	rep = hdr(IPC_MSG_COMMIT_OK, wb.len, id, 0);
	raw_send(f->raw, &rep, buf, wb.len, NULL, 0);
	run(f->base);
	assert_violation(f, "wrong reply type for the request");
}

/* A request whose declared reply is IPC_OK, made on the queue channel. */
void
test_chan_request_ok(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h, rep;
	uint8_t		 pl[64];
	uint32_t	 id;
	int		 fd;

	id = ipc_request(f->chan, IPC_MSG_ABORT, NULL, -1);
	run(f->base);
	assert_int_equal(raw_recv(f->raw, &h, pl, sizeof(pl), &fd),
	    (ssize_t)sizeof(h));
	assert_int_equal(h.type, IPC_MSG_ABORT);
	rep = hdr(IPC_OK, 0, id, 0);
	raw_send(f->raw, &rep, NULL, 0, NULL, 0);
	run(f->base);
	assert_int_equal(f->rx.nmsg, 1);
	assert_int_equal(f->rx.h.type, IPC_OK);
	assert_int_equal(f->rx.h.id, id);
	assert_int_equal(f->rx.nclose, 0);
}
