/*
 * test_ipc_deliver.c: decoders of delivery's messages: deliver,
 * deliver_done keys, progress, member keys, deliver_result.
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

static int
deliver_with(const struct msg_deliver *m)
{
	uint8_t		buf[4096];
	struct wbuf	wb;

	wb_init(&wb, buf, sizeof(buf));
	enc_deliver(&wb, m);
	return try_deliver(buf, wb.len);
}

void
test_dec_deliver(void **state)
{
	uint8_t			 buf[4096];
	struct wbuf		 wb;
	struct rbuf		 rb;
	struct msg_deliver	 in, out;

	memset(&in, 0, sizeof(in));
	strlcpy(in.qid, "FEDCBA9876543210", sizeof(in.qid));
	in.rcpt_index = 0xdeadbeef;
	in.content_len = 1ULL << 40;
	strlcpy(in.rcpt, "alice@test.example", sizeof(in.rcpt));
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver(&wb, &in);
	rb_init(&rb, buf, wb.len);
	memset(&out, 0, sizeof(out));
	assert_int_equal(dec_deliver(&rb, &out), 0);	/* null sender */
	assert_memory_equal(&in, &out, sizeof(in));

	out = in;
	out.rcpt[0] = '\0';
	assert_int_equal(deliver_with(&out), -1);
	out = in;
	strlcpy(out.qid, "", sizeof(out.qid));
	assert_int_equal(deliver_with(&out), -1);
	out = in;
	strlcpy(out.sender, "a\tb", sizeof(out.sender));
	assert_int_equal(deliver_with(&out), -1);
	out = in;
	strlcpy(out.rcpt, "a\nb", sizeof(out.rcpt));
	assert_int_equal(deliver_with(&out), -1);
}

/* Alias members already delivered ride with DELIVER and its result. */
void
test_deliver_done_keys(void **state)
{
	static uint8_t				 buf[IPC_PAYLOAD_MAX];
	static struct msg_deliver		 in, out;
	static struct msg_deliver_result	 r, r2;
	struct wbuf				 wb;
	struct rbuf				 rb;
	uint32_t				 i;

	memset(&in, 0, sizeof(in));
	strlcpy(in.qid, "FEDCBA9876543210", sizeof(in.qid));
	strlcpy(in.rcpt, "list@test.example", sizeof(in.rcpt));
	for (i = 0; i < IPC_DONE_MAX; i++)
		snprintf(in.done[i], sizeof(in.done[i]), "%032x", i * 7919u);
	in.ndone = IPC_DONE_MAX;
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver(&wb, &in);
	assert_int_equal(wb.err, 0);	/* the most fits one message */
	rb_init(&rb, buf, wb.len);
	memset(&out, 0, sizeof(out));
	assert_int_equal(dec_deliver(&rb, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));
	/* a key queue's rules refuse is refused by the encoder too */
	strlcpy(in.done[3], "0123456789ABCDEF0123456789abcdef",
	    sizeof(in.done[3]));
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver(&wb, &in);
	assert_int_equal(wb.err, 1);
	assert_int_equal(member_key_valid(in.done[3]), 0);
	assert_int_equal(member_key_valid("0123456789abcdef0123456789abcde"),
	    0);
	assert_int_equal(member_key_valid(in.done[4]), 1);
	/* and a count over the limit */
	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, in.qid);
	wb_u32(&wb, 0);
	wb_u64(&wb, 0);
	wb_str(&wb, "");
	wb_str(&wb, in.rcpt);
	wb_u32(&wb, IPC_DONE_MAX + 1);
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_deliver(&rb, &out), -1);

	/* the result: with everything at its largest, it still fits */
	memset(&r, 0, sizeof(r));
	r.status = DELIVER_SENT;
	strlcpy(r.dsn, "2.0.0", sizeof(r.dsn));
	memset(r.text, 't', sizeof(r.text) - 1);
	memset(r.owner, 'o', sizeof(r.owner) - 2);
	r.owner[0] = '@';
	r.nfailed = IPC_FAILED_MAX;
	for (i = 0; i < IPC_FAILED_MAX; i++) {
		memset(r.failed[i].addr, 'a', sizeof(r.failed[i].addr) - 1);
		strlcpy(r.failed[i].dsn, "5.1.1", sizeof(r.failed[i].dsn));
		memset(r.failed[i].text, 'x', sizeof(r.failed[i].text) - 1);
	}
	r.ndone = IPC_DONE_MAX;
	memcpy(r.done, out.done, sizeof(r.done));
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver_result(&wb, &r);
	assert_int_equal(wb.err, 0);
	rb_init(&rb, buf, wb.len);
	memset(&r2, 0, sizeof(r2));
	assert_int_equal(dec_deliver_result(&rb, &r2), 0);
	assert_memory_equal(&r, &r2, sizeof(r));
}

void
test_deliver_progress(void **state)
{
	uint8_t				buf[128];
	struct wbuf			wb;
	struct rbuf			rb;
	struct msg_deliver_progress	in, out;

	memset(&in, 0, sizeof(in));
	in.deliver_id = 77;
	strlcpy(in.key, "0123456789abcdef0123456789abcdef", sizeof(in.key));
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver_progress(&wb, &in);
	assert_int_equal(wb.err, 0);
	rb_init(&rb, buf, wb.len);
	memset(&out, 0, sizeof(out));
	assert_int_equal(dec_deliver_progress(&rb, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));
	assert_int_equal(try_deliver_progress(buf, wb.len - 1), -1);
	/* no request id 0, no bad key */
	in.deliver_id = 0;
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver_progress(&wb, &in);
	assert_int_equal(try_deliver_progress(buf, wb.len), -1);
	in.deliver_id = 1;
	in.key[0] = 'X';
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver_progress(&wb, &in);
	assert_int_equal(wb.err, 1);
	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, 1);
	wb_str(&wb, in.key);
	assert_int_equal(try_deliver_progress(buf, wb.len), -1);
}

/* Member keys: valid, stable, and one per identity (whose rights too). */
void
test_member_keys(void **state)
{
	static struct msg_runner_open	 a, b;
	char				 k[6][IPC_MEMBER_KEY_LEN + 1], again[40];
	int				 i, j;

	memset(&a, 0, sizeof(a));
	a.source = RUNNER_FORWARD;
	a.kind = RUNNER_COMMAND;
	strlcpy(a.name, "alice", sizeof(a.name));
	strlcpy(a.value, "/usr/bin/procmail", sizeof(a.value));
	b = a;
	strlcpy(b.name, "bob", sizeof(b.name));
	member_key("alice", NULL, k[0]);
	member_key("bob", NULL, k[1]);
	member_key(NULL, &a, k[2]);
	member_key(NULL, &b, k[3]);	/* the same command as another user */
	b = a;
	b.source = RUNNER_ALIAS;	/* the same text from an alias */
	member_key(NULL, &b, k[4]);
	b = a;
	b.depth = 1;			/* reached through an :include: */
	strlcpy(b.chain[0], "/etc/list", sizeof(b.chain[0]));
	member_key(NULL, &b, k[5]);
	for (i = 0; i < 6; i++) {
		assert_int_equal(member_key_valid(k[i]), 1);
		for (j = 0; j < i; j++)
			assert_string_not_equal(k[i], k[j]);
	}
	member_key("alice", NULL, again);
	assert_string_equal(again, k[0]);
	member_key(NULL, &a, again);
	assert_string_equal(again, k[2]);
}

static int
result_owner(uint32_t status, const char *dsn, const char *text,
    const char *owner)
{
	uint8_t				buf[2048];
	struct wbuf			wb;
	struct rbuf			rb;
	struct msg_deliver_result	m;
	int				r;

	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, status);
	wb_str(&wb, dsn);
	wb_str(&wb, text);
	wb_str(&wb, owner);
	wb_u32(&wb, 0);			/* no failed alias members */
	wb_u32(&wb, 0);			/* no members delivered */
	wb_u32(&wb, 0);			/* no remote addresses */
	rb_init(&rb, buf, wb.len);
	memset(&m, 0, sizeof(m));
	if ((r = dec_deliver_result(&rb, &m)) == 0) {
		assert_int_equal(m.status, status);
		assert_string_equal(m.dsn, dsn);
		assert_string_equal(m.text, text);
		assert_string_equal(m.owner, owner);
	}
	return r;
}

static int
result_with(uint32_t status, const char *dsn, const char *text)
{
	return result_owner(status, dsn, text, "");
}

/* Remote addresses to forward to: with a delivery only, mailboxes. */
void
test_deliver_result_remote(void **state)
{
	static struct msg_deliver_result	 m, back;
	static uint8_t				 buf[IPC_PAYLOAD_MAX];
	struct wbuf				 wb;
	struct rbuf				 rb;

	memset(&m, 0, sizeof(m));
	m.status = DELIVER_SENT;
	strlcpy(m.dsn, "2.0.0", sizeof(m.dsn));
	m.nremote = 2;
	strlcpy(m.remote[0], "a@remote.example", sizeof(m.remote[0]));
	strlcpy(m.remote[1], "B@Far.Example", sizeof(m.remote[1]));
	assert_null(ipc_check_deliver_result(&m));
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver_result(&wb, &m);
	rb_init(&rb, buf, wb.len);
	memset(&back, 0, sizeof(back));
	assert_int_equal(dec_deliver_result(&rb, &back), 0);
	assert_int_equal(back.nremote, 2);
	assert_string_equal(back.remote[1], "B@Far.Example");
	strlcpy(m.remote[1], "no-domain", sizeof(m.remote[1]));
	assert_non_null(ipc_check_deliver_result(&m));
	strlcpy(m.remote[1], "a b@x.example", sizeof(m.remote[1]));
	assert_non_null(ipc_check_deliver_result(&m));
	strlcpy(m.remote[1], "b@x.example", sizeof(m.remote[1]));
	m.status = DELIVER_DEFER;
	strlcpy(m.dsn, "4.0.0", sizeof(m.dsn));
	assert_string_equal(ipc_check_deliver_result(&m),
	    "forwards without a delivery");
	m.status = DELIVER_SENT;
	strlcpy(m.dsn, "2.0.0", sizeof(m.dsn));
	m.nremote = IPC_REMOTE_MAX + 1;
	assert_non_null(ipc_check_deliver_result(&m));
}

void
test_dec_deliver_result(void **state)
{
	assert_int_equal(result_with(DELIVER_SENT, "2.0.0", "delivered"), 0);
	assert_int_equal(result_with(DELIVER_DEFER, "4.2.2", "full"), 0);
	assert_int_equal(result_with(DELIVER_BOUNCE, "5.1.1", "gone"), 0);
	assert_int_equal(result_with(DELIVER_SENT, "5.0.0", "x"), -1);
	assert_int_equal(result_with(DELIVER_SENT, "4.0.0", "x"), -1);
	assert_int_equal(result_with(DELIVER_DEFER, "2.0.0", "x"), -1);
	assert_int_equal(result_with(DELIVER_DEFER, "5.0.0", "x"), -1);
	assert_int_equal(result_with(DELIVER_BOUNCE, "4.0.0", "x"), -1);
	assert_int_equal(result_with(DELIVER_BOUNCE, "2.0.0", "x"), -1);
	assert_int_equal(result_with(DELIVER_STATUS_MAX, "2.0.0", "x"), -1);
	assert_int_equal(result_with(DELIVER_STATUS_MAX, "5.0.0", "x"), -1);
	assert_int_equal(result_with(UINT32_MAX, "5.0.0", "x"), -1);
	assert_int_equal(result_with(DELIVER_BOUNCE, "5.0", "x"), -1);
	assert_int_equal(result_with(DELIVER_BOUNCE, "", "x"), -1);
	assert_int_equal(result_with(DELIVER_BOUNCE, "5.1.1", "a\nb"), -1);
	/* The dsn does not fit dsn[16]. */
	assert_int_equal(result_with(DELIVER_BOUNCE, "5.111.1111111111", ""),
	    -1);
	/* The owner-NAME address: empty, or an address without controls. */
	assert_int_equal(result_owner(DELIVER_BOUNCE, "5.1.1", "gone",
	    "owner-team@example.org"), 0);
	assert_int_equal(result_owner(DELIVER_BOUNCE, "5.1.1", "gone",
	    "owner-team"), -1);
	assert_int_equal(result_owner(DELIVER_BOUNCE, "5.1.1", "gone",
	    "owner-team@example.org\r\nX: y"), -1);
	assert_int_equal(result_owner(DELIVER_BOUNCE, "5.1.1", "gone",
	    "a b@example.org"), -1);
}

/* RFC 3463: the class is one digit (2, 4 or 5). */
void
test_dec_dsn_class_one_digit(void **state)
{
	assert_int_equal(error_with("55.1.1", "x"), -1);
	assert_int_equal(error_with("455.1.1", "x"), -1);
	assert_int_equal(result_with(DELIVER_BOUNCE, "55.1.1", "x"), -1);
	assert_int_equal(result_with(DELIVER_SENT, "20.0.0", "x"), -1);
}
