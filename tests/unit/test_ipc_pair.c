/*
 * test_ipc_pair.c: two channels talking to each other: descriptor passing,
 * notes, long error replies.
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

/* Two real channels on one socketpair: queue answers smtpd with an fd. */
struct pair {
	struct event_base	*base;
	struct ipc_chan		*q, *s;
	struct rx		 qrx, srx;
};

static void
pair_new(struct pair *pr, enum bh_role a, enum bh_role b)
{
	int sv[2];

	memset(pr, 0, sizeof(*pr));
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pr->base = event_base_new();
	assert_non_null(pr->base);
	rx_init(&pr->qrx);
	rx_init(&pr->srx);
	pr->q = ipc_chan_new(pr->base, sv[0], a, b, rx_msg, rx_close,
	    &pr->qrx);
	pr->s = ipc_chan_new(pr->base, sv[1], b, a, rx_msg, rx_close,
	    &pr->srx);
}

int
setup_pair(void **state)
{
	*state = calloc(1, sizeof(struct pair));
	return *state == NULL ? -1 : 0;
}

int
teardown_pair(void **state)
{
	struct pair *pr = *state;

	if (pr->base != NULL) {
		ipc_chan_free(pr->q);
		ipc_chan_free(pr->s);
		if (pr->qrx.fd != -1)
			close(pr->qrx.fd);
		if (pr->srx.fd != -1)
			close(pr->srx.fd);
		event_base_free(pr->base);
	}
	free(pr);
	return 0;
}

void
test_pair_fd_passing(void **state)
{
	struct pair	*pr = *state;
	uint8_t		 buf[64];
	struct wbuf	 wb;
	struct rbuf	 rb;
	struct msg_qid	 m;
	uint32_t	 id;
	int		 p[2];
	char		 got[8];

	pair_new(pr, ROLE_QUEUE, ROLE_SMTPD);
	id = ipc_request(pr->s, IPC_MSG_CREATE, NULL, -1);
	run(pr->base);
	assert_int_equal(pr->qrx.nmsg, 1);
	assert_int_equal(pr->qrx.h.type, IPC_MSG_CREATE);
	assert_int_equal(pr->qrx.h.id, id);
	assert_int_equal(pr->qrx.fd, -1);

	assert_int_equal(pipe(p), 0);
	wb_init(&wb, buf, sizeof(buf));
	mk_qid(&wb);
	ipc_reply(pr->q, IPC_MSG_CREATE_OK, id, &wb, p[1]);	/* owned now */
	run(pr->base);
	assert_int_equal(pr->srx.nmsg, 1);
	assert_int_equal(pr->srx.nclose, 0);
	assert_int_equal(pr->qrx.nclose, 0);
	assert_int_equal(pr->srx.h.type, IPC_MSG_CREATE_OK);
	assert_int_equal(pr->srx.h.id, id);
	assert_int_equal(pr->srx.h.flags, IPC_HDR_FD);
	assert_int_not_equal(pr->srx.fd, -1);
	rb_init(&rb, pr->srx.payload, pr->srx.len);
	assert_int_equal(dec_qid(&rb, &m), 0);
	assert_string_equal(m.qid, QID_A);

	/* The fd works, and the sender kept no copy of it. */
	assert_int_equal(write(pr->srx.fd, "body", 4), 4);
	close(pr->srx.fd);
	pr->srx.fd = -1;
	assert_int_equal(read(p[0], got, sizeof(got)), 4);
	assert_memory_equal(got, "body", 4);
	assert_int_equal(read(p[0], got, sizeof(got)), 0);	/* EOF */
	close(p[0]);

}

void
test_pair_note(void **state)
{
	struct pair	*pr = *state;
	uint8_t		 buf[2048];
	struct wbuf	 wb;
	struct rbuf	 rb;
	struct msg_log	 m;

	pair_new(pr, ROLE_MASTER, ROLE_LOOKUP);
	wb_init(&wb, buf, sizeof(buf));
	mk_log(&wb);
	ipc_note(pr->s, IPC_LOG, &wb, -1);
	run(pr->base);
	assert_int_equal(pr->qrx.nmsg, 1);
	assert_int_equal(pr->qrx.h.type, IPC_LOG);
	assert_int_equal(pr->qrx.h.id, 0);
	rb_init(&rb, pr->qrx.payload, pr->qrx.len);
	assert_int_equal(dec_log(&rb, &m), 0);
	assert_string_equal(m.line, "smtpd: connect from x");
}

/*
 * ipc_reply_error must send something the peer's dec_error accepts, even
 * for a long text: the text is cut to what msg_error can hold.
 */
void
test_pair_reply_error_long(void **state)
{
	struct pair		*pr = *state;
	struct rbuf		 rb;
	struct msg_error	 e;
	struct msg_addr		 a;
	uint8_t			 buf[IPC_ADDR_MAX + 8];
	struct wbuf		 wb;
	uint32_t		 id;
	char			 text[701];

	memset(text, 't', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	pair_new(pr, ROLE_LOOKUP, ROLE_LOCAL);
	strlcpy(a.addr, "alias@example.org", sizeof(a.addr));
	wb_init(&wb, buf, sizeof(buf));
	enc_addr(&wb, &a);
	id = ipc_request(pr->s, IPC_EXPAND, &wb, -1);
	run(pr->base);
	assert_int_equal(pr->qrx.nmsg, 1);
	ipc_reply_error(pr->q, id, "5.4.6", text);
	run(pr->base);
	assert_int_equal(pr->srx.nmsg, 1);
	assert_int_equal(pr->srx.h.type, IPC_ERROR);
	rb_init(&rb, pr->srx.payload, pr->srx.len);
	assert_int_equal(dec_error(&rb, &e), 0);
	assert_string_equal(e.dsn, "5.4.6");
	assert_int_equal(strlen(e.text), IPC_TEXT_MAX - 1);
	assert_memory_equal(e.text, text, IPC_TEXT_MAX - 1);
}
