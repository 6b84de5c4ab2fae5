/*
 * ipc_fixture.c: the helpers of ipc_fixture.h.
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

/* --- helpers --------------------------------------------------------- */

/* A string of n copies of c, in a malloc'd buffer. */
char *
repeat(char c, size_t n)
{
	char *s;

	s = malloc(n + 1);
	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Hand-crafted payload: a u16 length and raw bytes (may hold NUL). */
size_t
raw_str(uint8_t *p, const void *s, size_t n)
{
	p[0] = n & 0xff;
	p[1] = n >> 8;
	memcpy(p + 2, s, n);
	return n + 2;
}

TRY(log, struct msg_log)
TRY(setup_peer, struct msg_setup_peer)
TRY(peer_violation, struct msg_peer_violation)
TRY(error, struct msg_error)
TRY(addr, struct msg_addr)
TRY(rcpt_verdict, struct msg_rcpt_verdict)
TRY(qid, struct msg_qid)
TRY(rcpt, struct msg_rcpt)
TRY(commit, struct msg_commit)
TRY(deliver, struct msg_deliver)
TRY(deliver_result, struct msg_deliver_result)
TRY(deliver_progress, struct msg_deliver_progress)
TRY(expand_ok, struct msg_expand_ok)
TRY(writer_open, struct msg_writer_open)
TRY(write_mail, struct msg_write_mail)
TRY(forward_data, struct msg_forward_data)
TRY(owner, struct msg_owner)
TRY(forward_read, struct msg_forward_read)
TRY(runner_open, struct msg_runner_open)

int
try_empty(const uint8_t *p, size_t n)
{
	struct rbuf rb;

	rb_init(&rb, p, n);
	return dec_empty(&rb);
}

size_t
mk_log(struct wbuf *wb)
{
	struct msg_log m = { .prio = 6, .line = "smtpd: connect from x" };

	enc_log(wb, &m);
	return wb->len;
}

size_t
mk_setup_peer(struct wbuf *wb)
{
	struct msg_setup_peer m = { .role = ROLE_QUEUE };

	enc_setup_peer(wb, &m);
	return wb->len;
}

size_t
mk_peer_violation(struct wbuf *wb)
{
	struct msg_peer_violation m = { .role = ROLE_LOCAL,
	    .reason = "bad DELIVER_RESULT payload" };

	enc_peer_violation(wb, &m);
	return wb->len;
}

size_t
mk_error(struct wbuf *wb)
{
	struct msg_error m = { .dsn = "4.3.0", .text = "disk full" };

	enc_error(wb, &m);
	return wb->len;
}

size_t
mk_empty(struct wbuf *wb)
{
	return 0;
}

size_t
mk_addr(struct wbuf *wb)
{
	struct msg_addr m = { .addr = "alice@test.example" };

	enc_addr(wb, &m);
	return wb->len;
}

size_t
mk_rcpt_verdict(struct wbuf *wb)
{
	struct msg_rcpt_verdict m = { .verdict = RCPT_RELAY_DENIED };

	enc_rcpt_verdict(wb, &m);
	return wb->len;
}

size_t
mk_qid(struct wbuf *wb)
{
	struct msg_qid m = { .qid = QID_A };

	enc_qid(wb, &m);
	return wb->len;
}

size_t
mk_rcpt(struct wbuf *wb)
{
	struct msg_rcpt m = { .qid = QID_A, .addr = "bob@test.example" };

	enc_rcpt(wb, &m);
	return wb->len;
}

size_t
mk_commit(struct wbuf *wb)
{
	struct msg_commit m = { .qid = QID_A, .size = 12345,
	    .sender = "s@remote.example", .helo = "mx.remote.example",
	    .client_addr = "192.0.2.1", .client_name = "mx.remote.example" };

	enc_commit(wb, &m);
	return wb->len;
}

size_t
mk_deliver(struct wbuf *wb)
{
	struct msg_deliver m = { .qid = QID_A, .rcpt_index = 3,
	    .content_len = 999, .sender = "s@remote.example",
	    .rcpt = "alice@test.example" };

	enc_deliver(wb, &m);
	return wb->len;
}

size_t
mk_deliver_result(struct wbuf *wb)
{
	struct msg_deliver_result m = { .status = DELIVER_DEFER,
	    .dsn = "4.2.2", .text = "mailbox full" };

	enc_deliver_result(wb, &m);
	return wb->len;
}

size_t
mk_expand_ok(struct wbuf *wb)
{
	static struct msg_expand_ok m;

	memset(&m, 0, sizeof(m));
	m.n = 3;
	strlcpy(m.users[0], "alice", sizeof(m.users[0]));
	strlcpy(m.users[1], "bob", sizeof(m.users[1]));
	strlcpy(m.users[2], "c.d-e_f", sizeof(m.users[2]));
	enc_expand_ok(wb, &m);
	return wb->len;
}

size_t
mk_writer_open(struct wbuf *wb)
{
	struct msg_writer_open m = { .user = "alice" };

	enc_writer_open(wb, &m);
	return wb->len;
}

size_t
mk_write_mail(struct wbuf *wb)
{
	struct msg_write_mail m = { .qid = QID_A, .content_len = 4242,
	    .return_path = "s@remote.example",
	    .delivered_to = "alice@test.example" };

	enc_write_mail(wb, &m);
	return wb->len;
}

int
error_with(const char *dsn, const char *text)
{
	uint8_t		buf[2048];
	struct wbuf	wb;

	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, dsn);
	wb_str(&wb, text);
	assert_int_equal(wb.err, 0);
	return try_error(buf, wb.len);
}

/* --- ipc_check_header ------------------------------------------------ */

struct ipc_hdr
hdr(uint32_t type, uint32_t len, uint32_t id, uint32_t flags)
{
	struct ipc_hdr h = { .type = type, .len = len, .id = id,
	    .flags = flags };

	return h;
}

void
rx_msg(struct ipc_chan *c, const struct ipc_hdr *h, const union ipc_msg *msg,
    int fd, void *arg)
{
	struct rx		*rx = arg;
	const struct ipc_codec	*codec = ipc_type_codec(h->type);
	struct wbuf		 wb;

	/* The channel decoded it: encoded again, it is what was sent. */
	rx->nmsg++;
	rx->h = *h;
	wb_init(&wb, rx->payload, sizeof(rx->payload));
	codec->enc(&wb, msg);
	assert_false(wb.err);
	rx->len = wb.len;
	if (rx->fd != -1)
		close(rx->fd);
	rx->fd = fd;
}

void
rx_close(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct rx *rx = arg;

	rx->nclose++;
	rx->violation = violation;
	strlcpy(rx->why, why, sizeof(rx->why));
}

void
rx_init(struct rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	rx->fd = -1;
	rx->violation = -1;
}

void
run(struct event_base *base)
{
	int i;

	for (i = 0; i < 5; i++)
		event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
}
