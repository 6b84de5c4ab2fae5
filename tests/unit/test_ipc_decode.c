/*
 * test_ipc_decode.c: message decoders: every valid payload decodes, every
 * prefix fails; log, roles, error, addr, rcpt, qid, commit, forward, owner.
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

static size_t
mk_forward_data(struct wbuf *wb)
{
	static struct msg_forward_data m = { .status = FORWARD_FOUND,
	    .text = "\\alice, bob\n" };

	enc_forward_data(wb, &m);
	return wb->len;
}

static int
forward_data_with(uint32_t status, const char *reason, const char *text)
{
	uint8_t		buf[IPC_PAYLOAD_MAX];
	struct wbuf	wb;

	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, status);
	wb_str(&wb, reason);
	wb_str(&wb, text);
	return try_forward_data(buf, wb.len);
}

void
test_dec_forward_data(void **state)
{
	char big[IPC_FORWARD_MAX + 2];

	assert_int_equal(forward_data_with(FORWARD_NONE, "", ""), 0);
	assert_int_equal(forward_data_with(FORWARD_IGNORED, "not owned", ""),
	    0);
	assert_int_equal(forward_data_with(FORWARD_FOUND, "", "a\nb\n"), 0);
	/* only FOUND carries text; no controls in the reason; range */
	assert_int_equal(forward_data_with(FORWARD_NONE, "", "bob"), -1);
	assert_int_equal(forward_data_with(FORWARD_IGNORED, "x\ny", ""), -1);
	assert_int_equal(forward_data_with(FORWARD_STATUS_MAX, "", ""), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(forward_data_with(FORWARD_FOUND, "", big), -1);
	big[IPC_FORWARD_MAX] = '\0';
	assert_int_equal(forward_data_with(FORWARD_FOUND, "", big), 0);
}

static size_t
mk_owner(struct wbuf *wb)
{
	struct msg_owner m = { .addr = "owner-team@test.example" };

	enc_owner(wb, &m);
	return wb->len;
}

static int
owner_with(const char *addr)
{
	uint8_t		buf[IPC_ADDR_MAX + 8];
	struct wbuf	wb;

	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, addr);
	return try_owner(buf, wb.len);
}

void
test_dec_owner(void **state)
{
	assert_int_equal(owner_with(""), 0);
	assert_int_equal(owner_with("owner-team@test.example"), 0);
	assert_int_equal(owner_with("team@test.example"), -1);
	assert_int_equal(owner_with("owner-team"), -1);
	assert_int_equal(owner_with("owner-team@x\r\nRCPT"), -1);
}

static size_t
mk_forward_read(struct wbuf *wb)
{
	struct msg_forward_read m = { .suffix = "+news" };

	enc_forward_read(wb, &m);
	return wb->len;
}

static int
forward_read_with(const char *suffix)
{
	uint8_t		buf[IPC_USER_MAX + 16];
	struct wbuf	wb;

	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, suffix);
	return try_forward_read(buf, wb.len);
}

void
test_dec_forward_read(void **state)
{
	assert_int_equal(forward_read_with(""), 0);
	assert_int_equal(forward_read_with("+news"), 0);
	assert_int_equal(forward_read_with("-a.b_c=d"), 0);
	assert_int_equal(forward_read_with("+"), -1);
	assert_int_equal(forward_read_with("+../../x"), -1);
	assert_int_equal(forward_read_with("/x"), -1);
	assert_int_equal(forward_read_with("news"), -1);
	assert_int_equal(forward_read_with("+a b"), -1);
}

struct dec_case {
	const char	*name;
	size_t		(*make)(struct wbuf *);
	int		(*dec)(const uint8_t *, size_t);
};

#define CASE(n)	{ #n, mk_##n, try_##n }
static const struct dec_case dec_cases[] = {
	CASE(log), CASE(setup_peer), CASE(peer_violation), CASE(error),
	CASE(empty), CASE(addr), CASE(rcpt_verdict), CASE(qid), CASE(rcpt),
	CASE(commit), CASE(deliver), CASE(deliver_result), CASE(expand_ok),
	CASE(writer_open), CASE(write_mail), CASE(forward_data), CASE(owner),
	CASE(forward_read)
};
#undef CASE

/* Every valid payload decodes; every strict prefix and one extra byte fail. */
void
test_dec_truncated_and_trailing(void **state)
{
	static uint8_t	 buf[IPC_PAYLOAD_MAX + 1];
	struct wbuf	 wb;
	size_t		 i, len, cut;
	uint8_t		 extra;

	for (i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++) {
		wb_init(&wb, buf, IPC_PAYLOAD_MAX);
		len = dec_cases[i].make(&wb);
		assert_int_equal(wb.err, 0);
		if (dec_cases[i].dec(buf, len) != 0)
			fail_msg("%s: valid payload rejected", dec_cases[i].name);
		for (cut = 0; cut < len; cut++)
			if (dec_cases[i].dec(buf, cut) != -1)
				fail_msg("%s: accepted %zu of %zu bytes",
				    dec_cases[i].name, cut, len);
		for (extra = 0; extra < 2; extra++) {
			buf[len] = extra ? 'a' : 0;
			if (dec_cases[i].dec(buf, len + 1) != -1)
				fail_msg("%s: accepted a trailing byte",
				    dec_cases[i].name);
		}
	}
}

/* --- decoders: values ------------------------------------------------ */

void
test_dec_log(void **state)
{
	uint8_t		 buf[2048];
	struct wbuf	 wb;
	struct rbuf	 rb;
	struct msg_log	 in, out;
	char		*s;

	memset(&in, 0, sizeof(in));
	in.prio = 7;
	strlcpy(in.line, "queue: 0123456789ABCDEF: from=<a@b>", sizeof(in.line));
	wb_init(&wb, buf, sizeof(buf));
	enc_log(&wb, &in);
	rb_init(&rb, buf, wb.len);
	memset(&out, 0, sizeof(out));
	assert_int_equal(dec_log(&rb, &out), 0);
	assert_int_equal(out.prio, 7);
	assert_string_equal(out.line, in.line);

	in.prio = 8;
	wb_init(&wb, buf, sizeof(buf));
	enc_log(&wb, &in);
	assert_int_equal(try_log(buf, wb.len), -1);

	/* 1023 bytes fit the line, 1024 do not. */
	s = repeat('l', 1023);
	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, 3);
	wb_str(&wb, s);
	assert_int_equal(try_log(buf, wb.len), 0);
	free(s);
	s = repeat('l', 1024);
	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, 3);
	wb_str(&wb, s);
	assert_int_equal(try_log(buf, wb.len), -1);
	free(s);
}

void
test_dec_roles(void **state)
{
	uint8_t				 buf[1024];
	struct wbuf			 wb;
	struct rbuf			 rb;
	struct msg_setup_peer		 sp;
	struct msg_peer_violation	 pv, pvo;
	uint32_t			 r;

	for (r = 0; r <= ROLE_COUNT + 1; r++) {
		int want = (r != ROLE_MASTER && r < ROLE_COUNT) ? 0 : -1;

		sp.role = r;
		wb_init(&wb, buf, sizeof(buf));
		enc_setup_peer(&wb, &sp);
		rb_init(&rb, buf, wb.len);
		memset(&sp, 0, sizeof(sp));
		assert_int_equal(dec_setup_peer(&rb, &sp), want);
		if (want == 0)
			assert_int_equal(sp.role, r);

		memset(&pv, 0, sizeof(pv));
		pv.role = r;
		strlcpy(pv.reason, "bad payload", sizeof(pv.reason));
		wb_init(&wb, buf, sizeof(buf));
		enc_peer_violation(&wb, &pv);
		rb_init(&rb, buf, wb.len);
		memset(&pvo, 0, sizeof(pvo));
		assert_int_equal(dec_peer_violation(&rb, &pvo), want);
		if (want == 0) {
			assert_int_equal(pvo.role, r);
			assert_string_equal(pvo.reason, "bad payload");
		}
	}
	sp.role = UINT32_MAX;
	wb_init(&wb, buf, sizeof(buf));
	enc_setup_peer(&wb, &sp);
	assert_int_equal(try_setup_peer(buf, wb.len), -1);

	/* Control characters in the reason, which reaches a log line. */
	memset(&pv, 0, sizeof(pv));
	pv.role = ROLE_SMTPD;
	strlcpy(pv.reason, "a\nb", sizeof(pv.reason));
	wb_init(&wb, buf, sizeof(buf));
	enc_peer_violation(&wb, &pv);
	assert_int_equal(try_peer_violation(buf, wb.len), -1);
	strlcpy(pv.reason, "a\x7f", sizeof(pv.reason));
	wb_init(&wb, buf, sizeof(buf));
	enc_peer_violation(&wb, &pv);
	assert_int_equal(try_peer_violation(buf, wb.len), -1);
}

void
test_dec_error(void **state)
{
	uint8_t			 buf[1024];
	struct wbuf		 wb;
	struct rbuf		 rb;
	struct msg_error	 in = { .dsn = "5.1.1", .text = "no such user" };
	struct msg_error	 out;

	wb_init(&wb, buf, sizeof(buf));
	enc_error(&wb, &in);
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_error(&rb, &out), 0);
	assert_string_equal(out.dsn, "5.1.1");
	assert_string_equal(out.text, "no such user");

	assert_int_equal(error_with("4.3.0", ""), 0);
	assert_int_equal(error_with("4.123.456", "x"), 0);
	assert_int_equal(error_with("2.0.0", "ok"), -1);	/* not an error */
	assert_int_equal(error_with("", "x"), -1);
	assert_int_equal(error_with("4", "x"), -1);
	assert_int_equal(error_with("4.3", "x"), -1);
	assert_int_equal(error_with("4.3.", "x"), -1);
	assert_int_equal(error_with("4..0", "x"), -1);
	assert_int_equal(error_with(".4.3.0", "x"), -1);
	assert_int_equal(error_with("4.3.0.", "x"), -1);
	assert_int_equal(error_with("4.3.0.1", "x"), -1);
	assert_int_equal(error_with("4.1000.0", "x"), -1);
	assert_int_equal(error_with("3.0.0", "x"), -1);
	assert_int_equal(error_with("x.1.1", "x"), -1);
	assert_int_equal(error_with("4.3.0 ", "x"), -1);
	assert_int_equal(error_with("4.3.a", "x"), -1);
	/* Text reaches an SMTP reply: no CR, LF, tab, DEL. */
	assert_int_equal(error_with("4.3.0", "a\r\n250 ok"), -1);
	assert_int_equal(error_with("4.3.0", "a\tb"), -1);
	assert_int_equal(error_with("4.3.0", "a\x7f"), -1);
	assert_int_equal(error_with("4.3.0", "caf\xc3\xa9"), 0);
}

void
test_dec_empty(void **state)
{
	const uint8_t z[1] = { 0 };

	assert_int_equal(try_empty(z, 0), 0);
	assert_int_equal(try_empty(z, 1), -1);
}

static int
addr_with(const char *s)
{
	uint8_t		buf[2048];
	struct wbuf	wb;

	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, s);
	return try_addr(buf, wb.len);
}

void
test_dec_addr(void **state)
{
	uint8_t		 buf[1024];
	struct wbuf	 wb;
	struct rbuf	 rb;
	struct msg_addr	 out;
	char		*s;

	mk_addr((wb_init(&wb, buf, sizeof(buf)), &wb));
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_addr(&rb, &out), 0);
	assert_string_equal(out.addr, "alice@test.example");

	assert_int_equal(addr_with(""), -1);
	assert_int_equal(addr_with("a\nb@c"), -1);
	assert_int_equal(addr_with("a\x1f"), -1);
	assert_int_equal(addr_with("Postmaster"), 0);
	s = repeat('a', IPC_ADDR_MAX - 1);
	assert_int_equal(addr_with(s), 0);
	free(s);
	s = repeat('a', IPC_ADDR_MAX);
	assert_int_equal(addr_with(s), -1);
	free(s);
}

void
test_dec_rcpt_verdict(void **state)
{
	uint8_t				 buf[16];
	struct wbuf			 wb;
	struct rbuf			 rb;
	struct msg_rcpt_verdict		 m;
	uint32_t			 v;

	for (v = 0; v <= RCPT_VERDICT_MAX; v++) {
		m.verdict = v;
		wb_init(&wb, buf, sizeof(buf));
		enc_rcpt_verdict(&wb, &m);
		rb_init(&rb, buf, wb.len);
		m.verdict = 99;
		if (v < RCPT_VERDICT_MAX) {
			assert_int_equal(dec_rcpt_verdict(&rb, &m), 0);
			assert_int_equal(m.verdict, v);
		} else
			assert_int_equal(dec_rcpt_verdict(&rb, &m), -1);
	}
	m.verdict = UINT32_MAX;
	wb_init(&wb, buf, sizeof(buf));
	enc_rcpt_verdict(&wb, &m);
	assert_int_equal(try_rcpt_verdict(buf, wb.len), -1);
}

static const char *bad_qids[] = {
	"", "0123456789ABCDE", "0123456789ABCDEF0", "0123456789abcdef",
	"0123456789ABCDEG", "0123456789ABCDE ", "../../etc/passwd",
	"0123456789ABCD\nF", "-123456789ABCDEF", "+123456789ABCDEF"
};

void
test_dec_qid(void **state)
{
	uint8_t		 buf[128];
	struct wbuf	 wb;
	struct rbuf	 rb;
	struct msg_qid	 m;
	size_t		 i;

	mk_qid((wb_init(&wb, buf, sizeof(buf)), &wb));
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_qid(&rb, &m), 0);
	assert_string_equal(m.qid, QID_A);

	assert_true(qid_valid("FFFFFFFFFFFFFFFF"));
	assert_true(qid_valid("0000000000000000"));
	for (i = 0; i < sizeof(bad_qids) / sizeof(bad_qids[0]); i++) {
		assert_false(qid_valid(bad_qids[i]));
		wb_init(&wb, buf, sizeof(buf));
		wb_str(&wb, bad_qids[i]);
		if (try_qid(buf, wb.len) != -1)
			fail_msg("accepted qid \"%s\"", bad_qids[i]);
	}
	/* 32 bytes do not fit qid[32]. */
	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, "0123456789ABCDEF0123456789ABCDEF");
	assert_int_equal(try_qid(buf, wb.len), -1);
}

static int
rcpt_dsn(const char *qid, const char *addr, uint32_t notify,
    const char *orcpt)
{
	uint8_t		buf[2048];
	struct wbuf	wb;

	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, qid);
	wb_str(&wb, addr);
	wb_u32(&wb, notify);
	wb_str(&wb, orcpt);
	return try_rcpt(buf, wb.len);
}

static int
rcpt_with(const char *qid, const char *addr)
{
	return rcpt_dsn(qid, addr, 0, "");
}

void
test_dec_rcpt(void **state)
{
	uint8_t		 buf[1024];
	struct wbuf	 wb;
	struct rbuf	 rb;
	struct msg_rcpt	 m;

	mk_rcpt((wb_init(&wb, buf, sizeof(buf)), &wb));
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_rcpt(&rb, &m), 0);
	assert_string_equal(m.qid, QID_A);
	assert_string_equal(m.addr, "bob@test.example");

	assert_int_equal(rcpt_with(QID_A, "x@y"), 0);
	assert_int_equal(rcpt_with("0123456789abcdef", "x@y"), -1);
	assert_int_equal(rcpt_with(QID_A, ""), -1);
	assert_int_equal(rcpt_with(QID_A, "x\r@y"), -1);
	/* DSN: NOTIFY bits, NEVER alone, ORCPT without controls */
	assert_int_equal(rcpt_dsn(QID_A, "x@y", DSN_NOTIFY_SUCCESS |
	    DSN_NOTIFY_FAILURE | DSN_NOTIFY_DELAY, "rfc822;x@y"), 0);
	assert_int_equal(rcpt_dsn(QID_A, "x@y", DSN_NOTIFY_NEVER, ""), 0);
	assert_int_equal(rcpt_dsn(QID_A, "x@y", DSN_NOTIFY_NEVER |
	    DSN_NOTIFY_FAILURE, ""), -1);
	assert_int_equal(rcpt_dsn(QID_A, "x@y", 0x10, ""), -1);
	assert_int_equal(rcpt_dsn(QID_A, "x@y", 0, "rfc822;x\n@y"), -1);
}

static int
commit_with(const struct msg_commit *m)
{
	uint8_t		buf[4096];
	struct wbuf	wb;

	wb_init(&wb, buf, sizeof(buf));
	enc_commit(&wb, m);
	assert_int_equal(wb.err, 0);
	return try_commit(buf, wb.len);
}

void
test_dec_commit(void **state)
{
	uint8_t			 buf[4096];
	struct wbuf		 wb;
	struct rbuf		 rb;
	struct msg_commit	 in, out;

	memset(&in, 0, sizeof(in));
	strlcpy(in.qid, QID_A, sizeof(in.qid));
	in.size = UINT64_MAX;
	strlcpy(in.sender, "s@remote.example", sizeof(in.sender));
	strlcpy(in.helo, "[192.0.2.1]", sizeof(in.helo));
	strlcpy(in.client_addr, "2001:db8::1", sizeof(in.client_addr));
	strlcpy(in.client_name, "unknown", sizeof(in.client_name));
	in.ret = DSN_RET_HDRS;
	strlcpy(in.envid, "QQ314159", sizeof(in.envid));
	in.flags = MSG_FLAG_8BITMIME | MSG_FLAG_SMTPUTF8;
	wb_init(&wb, buf, sizeof(buf));
	enc_commit(&wb, &in);
	rb_init(&rb, buf, wb.len);
	memset(&out, 0, sizeof(out));
	assert_int_equal(dec_commit(&rb, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));

	in.sender[0] = '\0';			/* null sender */
	assert_int_equal(commit_with(&in), 0);
	in.helo[0] = in.client_addr[0] = in.client_name[0] = '\0';
	assert_int_equal(commit_with(&in), 0);

	memset(&out, 0, sizeof(out));
	out = in;
	strlcpy(out.qid, "XYZ", sizeof(out.qid));
	assert_int_equal(commit_with(&out), -1);
	out = in;
	strlcpy(out.sender, "a\nb", sizeof(out.sender));
	assert_int_equal(commit_with(&out), -1);
	out = in;
	strlcpy(out.helo, "evil\r\nRCPT", sizeof(out.helo));
	assert_int_equal(commit_with(&out), -1);
	out = in;
	strlcpy(out.client_addr, "\x01", sizeof(out.client_addr));
	assert_int_equal(commit_with(&out), -1);
	out = in;
	strlcpy(out.client_name, "x\x7f", sizeof(out.client_name));
	assert_int_equal(commit_with(&out), -1);
	out = in;
	out.ret = DSN_RET_MAX;
	assert_int_equal(commit_with(&out), -1);
	out = in;
	out.flags = MSG_FLAG_HOPS;	/* pickup's: known */
	assert_int_equal(commit_with(&out), 0);
	out = in;
	out.flags = 0x08;
	assert_int_equal(commit_with(&out), -1);
	out = in;
	strlcpy(out.envid, "id\r", sizeof(out.envid));
	assert_int_equal(commit_with(&out), -1);
}
