/*
 * test_ipc.c: payload codec, message decoders, header checks and real
 * SOCK_SEQPACKET channels.
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

#define QID_A	"0123456789ABCDEF"

/* --- helpers --------------------------------------------------------- */

/* A string of n copies of c, in a malloc'd buffer. */
static char *
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
static size_t
raw_str(uint8_t *p, const void *s, size_t n)
{
	p[0] = n & 0xff;
	p[1] = n >> 8;
	memcpy(p + 2, s, n);
	return n + 2;
}

/* --- codec ----------------------------------------------------------- */

static void
test_codec_roundtrip(void **state)
{
	uint8_t		 buf[4096];
	struct wbuf	 wb;
	struct rbuf	 rb;
	uint32_t	 a, b, c;
	uint64_t	 d, e, f;
	char		 s1[8], s2[16], s3[1001], *big = repeat('q', 1000);

	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, 0x01020304);
	wb_u32(&wb, 0);
	wb_u32(&wb, UINT32_MAX);
	wb_u64(&wb, 0x0102030405060708ULL);
	wb_u64(&wb, 0);
	wb_u64(&wb, UINT64_MAX);
	wb_str(&wb, "");
	wb_str(&wb, "hello, world");
	wb_str(&wb, big);
	assert_int_equal(wb.err, 0);
	assert_int_equal(wb.len, 4 * 3 + 8 * 3 + 2 + 14 + 1002);
	/* Little-endian, u16 string length. */
	assert_memory_equal(buf, "\x04\x03\x02\x01", 4);
	assert_memory_equal(buf + 12, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	assert_memory_equal(buf + 36, "\x00\x00\x0c\x00hello", 9);
	assert_memory_equal(buf + 52, "\xe8\x03qq", 4);

	rb_init(&rb, buf, wb.len);
	assert_int_equal(rb_u32(&rb, &a), 0);
	assert_int_equal(rb_u32(&rb, &b), 0);
	assert_int_equal(rb_u32(&rb, &c), 0);
	assert_int_equal(rb_u64(&rb, &d), 0);
	assert_int_equal(rb_u64(&rb, &e), 0);
	assert_int_equal(rb_u64(&rb, &f), 0);
	assert_int_equal(rb_str(&rb, s1, sizeof(s1)), 0);
	assert_int_equal(rb_str(&rb, s2, sizeof(s2)), 0);
	assert_int_equal(rb_str(&rb, s3, sizeof(s3)), 0);
	assert_int_equal(rb_end(&rb), 0);
	assert_int_equal(a, 0x01020304);
	assert_int_equal(b, 0);
	assert_int_equal(c, UINT32_MAX);
	assert_true(d == 0x0102030405060708ULL);
	assert_true(e == 0);
	assert_true(f == UINT64_MAX);
	assert_string_equal(s1, "");
	assert_string_equal(s2, "hello, world");
	assert_string_equal(s3, big);
	free(big);
}

static void
test_codec_short(void **state)
{
	const uint8_t	 p[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t		 sp[8];
	struct rbuf	 rb;
	uint32_t	 u;
	uint64_t	 v;
	char		 s[16];

	rb_init(&rb, p, 3);
	assert_int_equal(rb_u32(&rb, &u), -1);
	assert_int_equal(rb_end(&rb), -1);

	rb_init(&rb, p, 7);
	assert_int_equal(rb_u64(&rb, &v), -1);
	assert_int_equal(rb_end(&rb), -1);

	rb_init(&rb, p, 0);
	assert_int_equal(rb_u32(&rb, &u), -1);

	/* Length prefix cut in half. */
	rb_init(&rb, (const uint8_t *)"\x03", 1);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);
	assert_int_equal(rb_end(&rb), -1);

	/* Length says 5, 4 bytes follow. */
	memcpy(sp, "\x05\x00" "abcd", 6);
	rb_init(&rb, sp, 6);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);
	assert_string_equal(s, "");
	assert_int_equal(rb_end(&rb), -1);

	/* Exactly enough works. */
	rb_init(&rb, p, 4);
	assert_int_equal(rb_u32(&rb, &u), 0);
	assert_int_equal(u, 0x04030201);
	assert_int_equal(rb_end(&rb), 0);
}

static void
test_codec_overlong(void **state)
{
	uint8_t		 buf[64];
	struct wbuf	 wb;
	struct rbuf	 rb;
	char		 s[11], z[1];

	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, "0123456789");		/* 10 bytes */

	rb_init(&rb, buf, wb.len);
	assert_int_equal(rb_str(&rb, s, 10), -1);	/* no room for NUL */
	assert_int_equal(rb_end(&rb), -1);

	rb_init(&rb, buf, wb.len);
	assert_int_equal(rb_str(&rb, s, 11), 0);
	assert_string_equal(s, "0123456789");
	assert_int_equal(rb_end(&rb), 0);

	/* Even "" does not fit a zero-size buffer; a 1-byte one takes it. */
	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, "");
	rb_init(&rb, buf, wb.len);
	assert_int_equal(rb_str(&rb, z, 0), -1);
	rb_init(&rb, buf, wb.len);
	assert_int_equal(rb_str(&rb, z, 1), 0);
	assert_int_equal(rb_end(&rb), 0);
}

static void
test_codec_embedded_nul(void **state)
{
	uint8_t		 p[16];
	size_t		 n;
	struct rbuf	 rb;
	char		 s[16];

	n = raw_str(p, "a\0b", 3);
	rb_init(&rb, p, n);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);
	assert_int_equal(rb_end(&rb), -1);

	n = raw_str(p, "ab\0", 3);
	rb_init(&rb, p, n);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);

	n = raw_str(p, "\0", 1);
	rb_init(&rb, p, n);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);
}

static void
test_codec_trailing(void **state)
{
	const uint8_t	 p[5] = { 1, 0, 0, 0, 9 };
	uint8_t		 q[8];
	struct rbuf	 rb;
	uint32_t	 u;
	char		 s[8];

	rb_init(&rb, p, 5);
	assert_int_equal(rb_u32(&rb, &u), 0);
	assert_int_equal(u, 1);
	assert_int_equal(rb_end(&rb), -1);

	memcpy(q, "\x01\x00xy", 4);
	rb_init(&rb, q, 4);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), 0);
	assert_string_equal(s, "x");
	assert_int_equal(rb_end(&rb), -1);

	/* Nothing read at all from a non-empty payload. */
	rb_init(&rb, p, 1);
	assert_int_equal(rb_end(&rb), -1);
	rb_init(&rb, p, 0);
	assert_int_equal(rb_end(&rb), 0);
}

static void
test_codec_sticky(void **state)
{
	uint8_t		 buf[64];
	struct wbuf	 wb;
	struct rbuf	 rb;
	uint32_t	 u;
	uint64_t	 v;
	char		 s[4];

	/* "toolong" does not fit s; everything after it fails too. */
	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, "toolong");
	wb_u32(&wb, 7);
	wb_u64(&wb, 8);
	wb_str(&wb, "ok");
	rb_init(&rb, buf, wb.len);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);
	assert_int_equal(rb_u32(&rb, &u), -1);
	assert_int_equal(u, 0);
	assert_int_equal(rb_u64(&rb, &v), -1);
	assert_true(v == 0);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);
	assert_string_equal(s, "");
	assert_int_equal(rb.err, 1);
	assert_int_equal(rb_end(&rb), -1);
}

static void
test_codec_wbuf_overflow(void **state)
{
	uint8_t		 buf[16];
	struct wbuf	 wb;
	char		*huge;

	memset(buf, 0xaa, sizeof(buf));
	wb_init(&wb, buf, 6);
	wb_u32(&wb, 1);
	assert_int_equal(wb.err, 0);
	wb_u32(&wb, 2);				/* 8 > 6 */
	assert_int_equal(wb.err, 1);
	assert_int_equal(wb.len, 4);
	assert_int_equal(buf[4], 0xaa);		/* nothing partial written */
	wb_str(&wb, "");			/* would fit, but err sticks */
	assert_int_equal(wb.err, 1);
	assert_int_equal(wb.len, 4);

	wb_init(&wb, buf, 8);
	wb_u64(&wb, 1);
	assert_int_equal(wb.err, 0);
	wb_u32(&wb, 1);
	assert_int_equal(wb.err, 1);

	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, "fifteen chars!!");	/* 2 + 15 > 16 */
	assert_int_equal(wb.err, 1);

	/* A string longer than a u16 length can say. */
	huge = repeat('h', 65536);
	{
		uint8_t *big = malloc(70000);

		assert_non_null(big);
		wb_init(&wb, big, 70000);
		wb_str(&wb, huge);
		assert_int_equal(wb.err, 1);
		free(big);
	}
	free(huge);
}

/* --- decoders: generic checks over every message --------------------- */

#define TRY(name, type)							\
static int								\
try_##name(const uint8_t *p, size_t n)					\
{									\
	static type	m;						\
	struct rbuf	rb;						\
									\
	memset(&m, 0, sizeof(m));					\
	rb_init(&rb, p, n);						\
	return dec_##name(&rb, &m);					\
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

static int
try_empty(const uint8_t *p, size_t n)
{
	struct rbuf rb;

	rb_init(&rb, p, n);
	return dec_empty(&rb);
}

static size_t
mk_log(struct wbuf *wb)
{
	struct msg_log m = { .prio = 6, .line = "smtpd: connect from x" };

	enc_log(wb, &m);
	return wb->len;
}

static size_t
mk_setup_peer(struct wbuf *wb)
{
	struct msg_setup_peer m = { .role = ROLE_QUEUE };

	enc_setup_peer(wb, &m);
	return wb->len;
}

static size_t
mk_peer_violation(struct wbuf *wb)
{
	struct msg_peer_violation m = { .role = ROLE_LOCAL,
	    .reason = "bad DELIVER_RESULT payload" };

	enc_peer_violation(wb, &m);
	return wb->len;
}

static size_t
mk_error(struct wbuf *wb)
{
	struct msg_error m = { .dsn = "4.3.0", .text = "disk full" };

	enc_error(wb, &m);
	return wb->len;
}

static size_t
mk_empty(struct wbuf *wb)
{
	return 0;
}

static size_t
mk_addr(struct wbuf *wb)
{
	struct msg_addr m = { .addr = "alice@test.example" };

	enc_addr(wb, &m);
	return wb->len;
}

static size_t
mk_rcpt_verdict(struct wbuf *wb)
{
	struct msg_rcpt_verdict m = { .verdict = RCPT_RELAY_DENIED };

	enc_rcpt_verdict(wb, &m);
	return wb->len;
}

static size_t
mk_qid(struct wbuf *wb)
{
	struct msg_qid m = { .qid = QID_A };

	enc_qid(wb, &m);
	return wb->len;
}

static size_t
mk_rcpt(struct wbuf *wb)
{
	struct msg_rcpt m = { .qid = QID_A, .addr = "bob@test.example" };

	enc_rcpt(wb, &m);
	return wb->len;
}

static size_t
mk_commit(struct wbuf *wb)
{
	struct msg_commit m = { .qid = QID_A, .size = 12345,
	    .sender = "s@remote.example", .helo = "mx.remote.example",
	    .client_addr = "192.0.2.1", .client_name = "mx.remote.example" };

	enc_commit(wb, &m);
	return wb->len;
}

static size_t
mk_deliver(struct wbuf *wb)
{
	struct msg_deliver m = { .qid = QID_A, .rcpt_index = 3,
	    .content_len = 999, .sender = "s@remote.example",
	    .rcpt = "alice@test.example" };

	enc_deliver(wb, &m);
	return wb->len;
}

static size_t
mk_deliver_result(struct wbuf *wb)
{
	struct msg_deliver_result m = { .status = DELIVER_DEFER,
	    .dsn = "4.2.2", .text = "mailbox full" };

	enc_deliver_result(wb, &m);
	return wb->len;
}

static size_t
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

static size_t
mk_writer_open(struct wbuf *wb)
{
	struct msg_writer_open m = { .user = "alice" };

	enc_writer_open(wb, &m);
	return wb->len;
}

static size_t
mk_write_mail(struct wbuf *wb)
{
	struct msg_write_mail m = { .qid = QID_A, .content_len = 4242,
	    .return_path = "s@remote.example",
	    .delivered_to = "alice@test.example" };

	enc_write_mail(wb, &m);
	return wb->len;
}

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

static void
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

static void
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

static void
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
static void
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

static void
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

static void
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

static int
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static int
deliver_with(const struct msg_deliver *m)
{
	uint8_t		buf[4096];
	struct wbuf	wb;

	wb_init(&wb, buf, sizeof(buf));
	enc_deliver(&wb, m);
	return try_deliver(buf, wb.len);
}

static void
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
static void
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

static void
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
static void
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
static void
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

static void
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
static void
test_dec_dsn_class_one_digit(void **state)
{
	assert_int_equal(error_with("55.1.1", "x"), -1);
	assert_int_equal(error_with("455.1.1", "x"), -1);
	assert_int_equal(result_with(DELIVER_BOUNCE, "55.1.1", "x"), -1);
	assert_int_equal(result_with(DELIVER_SENT, "20.0.0", "x"), -1);
}

/* n as given, then the names (each with no extension). */
static size_t
expand_raw(uint8_t *buf, size_t cap, uint32_t n, const char **names,
    size_t nnames)
{
	struct wbuf	wb;
	size_t		i;

	wb_init(&wb, buf, cap);
	wb_u32(&wb, n);
	for (i = 0; i < nnames; i++) {
		wb_str(&wb, names[i]);
		wb_str(&wb, "");
	}
	wb_u32(&wb, 0);		/* no commands or files */
	wb_u32(&wb, 0);		/* no failed members */
	wb_u32(&wb, 0);		/* no remote addresses */
	assert_int_equal(wb.err, 0);
	return wb.len;
}

/* EXPAND_OK with commands and files: round trip and refusals. */
static void
test_dec_expand_targets(void **state)
{
	static uint8_t			 buf[IPC_PAYLOAD_MAX];
	static struct msg_expand_ok	 in, out;
	struct wbuf			 wb;
	struct rbuf			 rb;

	memset(&in, 0, sizeof(in));
	in.ntargets = 2;		/* no users: an alias of commands */
	in.targets[0].kind = RUNNER_COMMAND;
	strlcpy(in.targets[0].name, "prog", sizeof(in.targets[0].name));
	strlcpy(in.targets[0].value, "/usr/bin/x -a \"b c\"",
	    sizeof(in.targets[0].value));
	in.targets[1].kind = RUNNER_FILE;
	in.targets[1].map = 3;
	strlcpy(in.targets[1].name, "log list", sizeof(in.targets[1].name));
	strlcpy(in.targets[1].value, "/var/log/list",
	    sizeof(in.targets[1].value));
	wb_init(&wb, buf, sizeof(buf));
	enc_expand_ok(&wb, &in);
	rb_init(&rb, buf, wb.len);
	memset(&out, 0, sizeof(out));
	assert_int_equal(dec_expand_ok(&rb, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));

#define REFUSED(field_change) do {					\
	static struct msg_expand_ok bad;				\
	bad = in;							\
	field_change;							\
	wb_init(&wb, buf, sizeof(buf));					\
	enc_expand_ok(&wb, &bad);					\
	assert_int_equal(try_expand_ok(buf, wb.len), -1);		\
} while (0)
	REFUSED(bad.targets[1].value[0] = 'v');		/* file not absolute */
	REFUSED(bad.targets[0].kind = RUNNER_KIND_MAX);
	REFUSED(bad.targets[0].kind = 0);
	REFUSED(bad.targets[1].map = IPC_MAPS_MAX);
	REFUSED(bad.targets[0].name[0] = '\0');
	REFUSED(bad.targets[0].value[0] = '\0');
	REFUSED(bad.targets[0].value[2] = '\n');
	REFUSED(bad.targets[0].name[1] = '\t');
#undef REFUSED
	/* More than IPC_TARGETS_MAX. */
	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, 0);
	wb_u32(&wb, IPC_TARGETS_MAX + 1);
	assert_int_equal(try_expand_ok(buf, wb.len), -1);
}

/* Alias members that failed for good, in EXPAND_OK and DELIVER_RESULT. */
static void
test_dec_failed_members(void **state)
{
	static uint8_t				 buf[IPC_PAYLOAD_MAX];
	static struct msg_expand_ok		 in, out;
	static struct msg_deliver_result	 rin, rout;
	struct wbuf				 wb;
	struct rbuf				 rb;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.n = 1;
	strlcpy(in.users[0], "alice", sizeof(in.users[0]));
	in.nfailed = IPC_FAILED_MAX;
	for (uint32_t i = 0; i < IPC_FAILED_MAX; i++) {
		snprintf(in.failed[i].addr, sizeof(in.failed[i].addr),
		    "gone%u@example.org", i);
		strlcpy(in.failed[i].dsn, "5.1.1", sizeof(in.failed[i].dsn));
		strlcpy(in.failed[i].text, "unknown user",
		    sizeof(in.failed[i].text));
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_expand_ok(&wb, &in);
	rb_init(&rb, buf, wb.len);
	memset(&out, 0, sizeof(out));
	assert_int_equal(dec_expand_ok(&rb, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));

#define REFUSED(field_change) do {					\
	static struct msg_expand_ok bad;				\
	bad = in;							\
	field_change;							\
	wb_init(&wb, buf, sizeof(buf));					\
	enc_expand_ok(&wb, &bad);					\
	assert_int_equal(try_expand_ok(buf, wb.len), -1);		\
} while (0)
	REFUSED(strlcpy(bad.failed[1].dsn, "4.1.1", 6));  /* not for good */
	REFUSED(strlcpy(bad.failed[1].dsn, "5.1", 4));
	REFUSED(bad.failed[2].addr[0] = '\0');
	REFUSED(bad.failed[2].addr[3] = ' ');
	REFUSED(bad.failed[0].addr[1] = '\n');
	REFUSED(bad.failed[3].text[2] = '\r');
#undef REFUSED
	/* More than IPC_FAILED_MAX. */
	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, 1);
	wb_str(&wb, "alice");
	wb_u32(&wb, 0);
	wb_u32(&wb, IPC_FAILED_MAX + 1);
	assert_int_equal(try_expand_ok(buf, wb.len), -1);

	/* DELIVER_RESULT carries them only with DELIVER_SENT. */
	memset(&rin, 0, sizeof(rin));
	rin.status = DELIVER_SENT;
	strlcpy(rin.dsn, "2.0.0", sizeof(rin.dsn));
	strlcpy(rin.text, "delivered to mailbox", sizeof(rin.text));
	rin.nfailed = 1;
	rin.failed[0] = in.failed[0];
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver_result(&wb, &rin);
	rb_init(&rb, buf, wb.len);
	memset(&rout, 0, sizeof(rout));
	assert_int_equal(dec_deliver_result(&rb, &rout), 0);
	assert_memory_equal(&rin, &rout, sizeof(rin));
	rin.status = DELIVER_DEFER;
	strlcpy(rin.dsn, "4.2.2", sizeof(rin.dsn));
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver_result(&wb, &rin);
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_deliver_result(&rb, &rout), -1);
}

static int
runner_open_with(uint32_t source, uint32_t kind, uint32_t map,
    const char *name, const char *suffix, const char *value)
{
	uint8_t			buf[2048];
	struct wbuf		wb;
	struct msg_runner_open	m;

	memset(&m, 0, sizeof(m));
	m.source = source;
	m.kind = kind;
	m.map = map;
	strlcpy(m.name, name, sizeof(m.name));
	strlcpy(m.suffix, suffix, sizeof(m.suffix));
	strlcpy(m.value, value, sizeof(m.value));
	wb_init(&wb, buf, sizeof(buf));
	enc_runner_open(&wb, &m);
	return try_runner_open(buf, wb.len);
}

static void
test_dec_runner_open(void **state)
{
	char *long_path;

	assert_int_equal(runner_open_with(RUNNER_ALIAS, RUNNER_COMMAND, 0,
	    "prog", "", "/bin/cat >/tmp/x"), 0);
	assert_int_equal(runner_open_with(RUNNER_ALIAS, RUNNER_FILE, 2,
	    "Two Words", "", "/var/log/x"), 0);
	assert_int_equal(runner_open_with(RUNNER_FORWARD, RUNNER_COMMAND, 0,
	    "alice", "+news", "procmail"), 0);
	assert_int_equal(runner_open_with(RUNNER_FORWARD, RUNNER_FILE, 0,
	    "alice", "", "/home/alice/saved"), 0);
	/* Out of range, malformed or out of place. */
	assert_int_equal(runner_open_with(RUNNER_SOURCE_MAX, RUNNER_COMMAND,
	    0, "prog", "", "x"), -1);
	assert_int_equal(runner_open_with(RUNNER_ALIAS, RUNNER_KIND_MAX, 0,
	    "prog", "", "x"), -1);
	assert_int_equal(runner_open_with(RUNNER_ALIAS, RUNNER_COMMAND,
	    IPC_MAPS_MAX, "prog", "", "x"), -1);
	assert_int_equal(runner_open_with(RUNNER_ALIAS, RUNNER_COMMAND, 0,
	    "prog", "+x", "x"), -1);
	assert_int_equal(runner_open_with(RUNNER_ALIAS, RUNNER_COMMAND, 0,
	    "", "", "x"), -1);
	assert_int_equal(runner_open_with(RUNNER_ALIAS, RUNNER_FILE, 0,
	    "prog", "", "relative"), -1);
	assert_int_equal(runner_open_with(RUNNER_ALIAS, RUNNER_COMMAND, 0,
	    "prog", "", ""), -1);
	assert_int_equal(runner_open_with(RUNNER_ALIAS, RUNNER_COMMAND, 0,
	    "prog", "", "a\nb"), -1);
	assert_int_equal(runner_open_with(RUNNER_FORWARD, RUNNER_COMMAND, 1,
	    "alice", "", "x"), -1);
	assert_int_equal(runner_open_with(RUNNER_FORWARD, RUNNER_COMMAND, 0,
	    "../root", "", "x"), -1);
	assert_int_equal(runner_open_with(RUNNER_FORWARD, RUNNER_COMMAND, 0,
	    "alice", "+../x", "x"), -1);
	assert_int_equal(runner_open_with(RUNNER_FORWARD, RUNNER_COMMAND, 0,
	    "alice", "+", "x"), -1);
	/* :include: files: only for aliases, absolute, short enough. */
	assert_int_equal(runner_open_with(RUNNER_ALIAS, RUNNER_INCLUDE, 0,
	    "list", "", "/etc/list"), 0);
	assert_int_equal(runner_open_with(RUNNER_ALIAS, RUNNER_INCLUDE, 0,
	    "list", "", "etc/list"), -1);
	assert_int_equal(runner_open_with(RUNNER_FORWARD, RUNNER_INCLUDE, 0,
	    "alice", "", "/etc/list"), -1);
	long_path = repeat('/', IPC_PATH_MAX);
	assert_int_equal(runner_open_with(RUNNER_ALIAS, RUNNER_INCLUDE, 0,
	    "list", "", long_path), -1);
	free(long_path);
}

/* A target reached through :include: files carries their chain. */
static void
test_dec_runner_open_chain(void **state)
{
	static uint8_t			buf[4096];
	static struct msg_runner_open	in, out;
	struct wbuf			wb;
	struct rbuf			rb;
	uint32_t			i;

	memset(&in, 0, sizeof(in));
	in.source = RUNNER_ALIAS;
	in.kind = RUNNER_COMMAND;
	strlcpy(in.name, "list", sizeof(in.name));
	strlcpy(in.value, "/usr/bin/archive", sizeof(in.value));
	in.depth = IPC_INCLUDE_DEPTH;
	for (i = 0; i < IPC_INCLUDE_DEPTH; i++)
		snprintf(in.chain[i], sizeof(in.chain[i]), "/etc/inc%u", i);
	wb_init(&wb, buf, sizeof(buf));
	enc_runner_open(&wb, &in);
	rb_init(&rb, buf, wb.len);
	memset(&out, 0, sizeof(out));
	assert_int_equal(dec_runner_open(&rb, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));

	in.chain[1][0] = 'x';			/* not absolute */
	wb_init(&wb, buf, sizeof(buf));
	enc_runner_open(&wb, &in);
	assert_int_equal(try_runner_open(buf, wb.len), -1);
	in.chain[1][0] = '/';
	in.source = RUNNER_FORWARD;		/* .forward: no chain */
	strlcpy(in.name, "alice", sizeof(in.name));
	wb_init(&wb, buf, sizeof(buf));
	enc_runner_open(&wb, &in);
	assert_int_equal(try_runner_open(buf, wb.len), -1);
	/* depth beyond the limit */
	in.source = RUNNER_ALIAS;
	wb_init(&wb, buf, sizeof(buf));
	enc_runner_open(&wb, &in);
	buf[wb.len - IPC_INCLUDE_DEPTH * (2 + 9) - 4] = IPC_INCLUDE_DEPTH + 1;
	assert_int_equal(try_runner_open(buf, wb.len), -1);
}

static void
test_dec_expand_ok(void **state)
{
	static uint8_t			 buf[IPC_PAYLOAD_MAX];
	static struct msg_expand_ok	 in, out;
	static const char		*many[IPC_EXPAND_MAX + 1];
	static const char		*bad[] = {
		"", "../x", "..", ".", "-x", "a/b", "/", "a b", "a\n", "a@b",
		"a+b", "a:b", "caf\xc3\xa9"
	};
	struct wbuf			 wb;
	struct rbuf			 rb;
	const char			*one[2];
	char				*s;
	size_t				 i, len;

	memset(&in, 0, sizeof(in));
	in.n = 2;
	strlcpy(in.users[0], "alice", sizeof(in.users[0]));
	strlcpy(in.users[1], "bob", sizeof(in.users[1]));
	wb_init(&wb, buf, sizeof(buf));
	enc_expand_ok(&wb, &in);
	rb_init(&rb, buf, wb.len);
	memset(&out, 0, sizeof(out));
	assert_int_equal(dec_expand_ok(&rb, &out), 0);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.users[0], "alice");
	assert_string_equal(out.users[1], "bob");

	/* The maximum, with names of the maximum length. */
	memset(&in, 0, sizeof(in));
	in.n = IPC_EXPAND_MAX;
	for (i = 0; i < IPC_EXPAND_MAX; i++) {
		memset(in.users[i], 'a', IPC_USER_MAX);
		snprintf(in.users[i], 8, "u%03zu", i);
		in.users[i][4] = 'x';
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_expand_ok(&wb, &in);
	assert_int_equal(wb.err, 0);
	rb_init(&rb, buf, wb.len);
	memset(&out, 0, sizeof(out));
	assert_int_equal(dec_expand_ok(&rb, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));

	/* n = 0 and n > IPC_EXPAND_MAX. */
	len = expand_raw(buf, sizeof(buf), 0, NULL, 0);
	assert_int_equal(try_expand_ok(buf, len), -1);
	for (i = 0; i <= IPC_EXPAND_MAX; i++)
		many[i] = "a";
	len = expand_raw(buf, sizeof(buf), IPC_EXPAND_MAX + 1, many,
	    IPC_EXPAND_MAX + 1);
	assert_int_equal(try_expand_ok(buf, len), -1);
	len = expand_raw(buf, sizeof(buf), IPC_EXPAND_MAX, many,
	    IPC_EXPAND_MAX);
	assert_int_equal(try_expand_ok(buf, len), 0);
	len = expand_raw(buf, sizeof(buf), UINT32_MAX, many, 1);
	assert_int_equal(try_expand_ok(buf, len), -1);

	/* n disagrees with the names that follow. */
	len = expand_raw(buf, sizeof(buf), 3, many, 2);
	assert_int_equal(try_expand_ok(buf, len), -1);
	len = expand_raw(buf, sizeof(buf), 2, many, 3);
	assert_int_equal(try_expand_ok(buf, len), -1);

	/* Bad user names, alone or after a good one. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		one[0] = bad[i];
		len = expand_raw(buf, sizeof(buf), 1, one, 1);
		if (try_expand_ok(buf, len) != -1)
			fail_msg("accepted user \"%s\"", bad[i]);
		one[0] = "alice";
		one[1] = bad[i];
		len = expand_raw(buf, sizeof(buf), 2, one, 2);
		if (try_expand_ok(buf, len) != -1)
			fail_msg("accepted user \"%s\" second", bad[i]);
	}
	s = repeat('u', IPC_USER_MAX);
	one[0] = s;
	len = expand_raw(buf, sizeof(buf), 1, one, 1);
	assert_int_equal(try_expand_ok(buf, len), 0);
	free(s);
	s = repeat('u', IPC_USER_MAX + 1);
	one[0] = s;
	len = expand_raw(buf, sizeof(buf), 1, one, 1);
	assert_int_equal(try_expand_ok(buf, len), -1);
	free(s);
}

static int
writer_open_with(const char *user)
{
	uint8_t		buf[256];
	struct wbuf	wb;

	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, user);
	return try_writer_open(buf, wb.len);
}

static void
test_dec_writer_open(void **state)
{
	uint8_t			 buf[256];
	struct wbuf		 wb;
	struct rbuf		 rb;
	struct msg_writer_open	 m;

	mk_writer_open((wb_init(&wb, buf, sizeof(buf)), &wb));
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_writer_open(&rb, &m), 0);
	assert_string_equal(m.user, "alice");

	assert_int_equal(writer_open_with("first.last"), 0);
	assert_int_equal(writer_open_with("www-data"), 0);
	assert_int_equal(writer_open_with("_apt"), 0);
	assert_int_equal(writer_open_with("../x"), -1);
	assert_int_equal(writer_open_with(".."), -1);
	assert_int_equal(writer_open_with("."), -1);
	assert_int_equal(writer_open_with(""), -1);
	assert_int_equal(writer_open_with("-rf"), -1);
	assert_int_equal(writer_open_with("a/b"), -1);
	assert_int_equal(writer_open_with("alice\n"), -1);
	assert_int_equal(writer_open_with("ali ce"), -1);
}

static int
write_mail_with(const struct msg_write_mail *m)
{
	uint8_t		buf[4096];
	struct wbuf	wb;

	wb_init(&wb, buf, sizeof(buf));
	enc_write_mail(&wb, m);
	return try_write_mail(buf, wb.len);
}

static void
test_dec_write_mail(void **state)
{
	uint8_t			 buf[4096];
	struct wbuf		 wb;
	struct rbuf		 rb;
	struct msg_write_mail	 in, out;

	memset(&in, 0, sizeof(in));
	strlcpy(in.qid, QID_A, sizeof(in.qid));
	in.content_len = 77;
	strlcpy(in.return_path, "s@remote.example", sizeof(in.return_path));
	strlcpy(in.delivered_to, "alice@test.example",
	    sizeof(in.delivered_to));
	strlcpy(in.orig_rcpt, "Team@Test.Example", sizeof(in.orig_rcpt));
	wb_init(&wb, buf, sizeof(buf));
	enc_write_mail(&wb, &in);
	rb_init(&rb, buf, wb.len);
	memset(&out, 0, sizeof(out));
	assert_int_equal(dec_write_mail(&rb, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));

	out = in;
	out.return_path[0] = '\0';		/* bounce: null sender */
	assert_int_equal(write_mail_with(&out), 0);
	out = in;
	out.delivered_to[0] = '\0';
	assert_int_equal(write_mail_with(&out), -1);
	out = in;
	strlcpy(out.qid, "0123456789ABCDEf", sizeof(out.qid));
	assert_int_equal(write_mail_with(&out), -1);
	out = in;
	strlcpy(out.return_path, "a\nb", sizeof(out.return_path));
	assert_int_equal(write_mail_with(&out), -1);
	out = in;
	strlcpy(out.delivered_to, "From a\n", sizeof(out.delivered_to));
	assert_int_equal(write_mail_with(&out), -1);
	out = in;
	out.orig_rcpt[0] = '\0';		/* none: delivered_to */
	assert_int_equal(write_mail_with(&out), 0);
	out = in;
	strlcpy(out.orig_rcpt, "a\tb@x", sizeof(out.orig_rcpt));
	assert_int_equal(write_mail_with(&out), -1);
}

/* --- ipc_check_header ------------------------------------------------ */

static struct ipc_hdr
hdr(uint32_t type, uint32_t len, uint32_t id, uint32_t flags)
{
	struct ipc_hdr h = { .type = type, .len = len, .id = id,
	    .flags = flags };

	return h;
}

static void
test_hdr_unknown_type(void **state)
{
	struct ipc_hdr	h;

	assert_null(ipc_type_info(IPC_NONE));
	assert_null(ipc_type_info(IPC_TYPE_COUNT));
	assert_null(ipc_type_info(UINT32_MAX));
	h = hdr(IPC_NONE, 0, 0, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_MASTER, ROLE_SMTPD, 0),
	    "unknown message type");
	h = hdr(IPC_TYPE_COUNT, 0, 1, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0),
	    "unknown message type");
	h = hdr(0x80000001, 0, 1, 0);
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0));
}

/* A header that is right in every way but direction. */
static struct ipc_hdr
good_hdr(uint32_t type, int *have_fd)
{
	const struct ipc_type_info *ti = ipc_type_info(type);

	*have_fd = ti->fd == IPC_FD_REQUIRED;
	return hdr(type, 0, ti->kind == IPC_NOTE ? 0 : 7,
	    *have_fd ? IPC_HDR_FD : 0);
}

static void
test_hdr_directions(void **state)
{
	const struct ipc_type_info	*ti;
	struct ipc_hdr			 h;
	uint32_t			 t;
	int				 self, peer, have_fd, allowed, nok;
	const char			*why;

	for (t = IPC_NONE + 1; t < IPC_TYPE_COUNT; t++) {
		ti = ipc_type_info(t);
		assert_non_null(ti);
		assert_string_equal(ipc_type_name(t), ti->name);
		assert_int_equal(ti->senders & ~R_ALL, 0);
		assert_int_equal(ti->receivers & ~R_ALL, 0);
		if (ti->kind == IPC_REQ) {
			assert_non_null(ipc_type_info(ti->reply));
			assert_int_equal(ipc_type_info(ti->reply)->kind,
			    IPC_REPLY);
		}
		nok = 0;
		for (self = 0; self < ROLE_COUNT; self++)
			for (peer = 0; peer < ROLE_COUNT; peer++) {
				h = good_hdr(t, &have_fd);
				allowed = (ti->senders & (1u << peer)) &&
				    (ti->receivers & (1u << self));
				why = ipc_check_header(&h, self, peer,
				    have_fd);
				if (allowed && why != NULL)
					fail_msg("%s %s -> %s refused: %s",
					    ti->name, ipc_role_name(peer),
					    ipc_role_name(self), why);
				if (!allowed && (why == NULL || strcmp(why,
				    "message type not allowed in this "
				    "direction") != 0))
					fail_msg("%s %s -> %s accepted",
					    ti->name, ipc_role_name(peer),
					    ipc_role_name(self));
				nok += allowed;
			}
		if (nok == 0)
			fail_msg("%s can travel nowhere", ti->name);
	}

	/* A few directions by name, both ways. */
	h = good_hdr(IPC_MSG_CREATE, &have_fd);
	assert_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_SMTPD, ROLE_QUEUE, have_fd));
	h = good_hdr(IPC_DELIVER, &have_fd);
	assert_null(ipc_check_header(&h, ROLE_LOCAL, ROLE_QUEUE, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_LOCAL, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, have_fd));
	h = good_hdr(IPC_WRITER_OPEN_OK, &have_fd);
	assert_null(ipc_check_header(&h, ROLE_LOCAL, ROLE_MASTER, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_LOCAL, ROLE_SMTPD,
	    have_fd));
	h = good_hdr(IPC_SETUP_PEER, &have_fd);
	assert_null(ipc_check_header(&h, ROLE_SMTPD, ROLE_MASTER, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_SMTPD, ROLE_QUEUE, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_WRITER, ROLE_MASTER,
	    have_fd));
	h = good_hdr(IPC_LOG, &have_fd);
	assert_null(ipc_check_header(&h, ROLE_MASTER, ROLE_LOOKUP, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_MASTER, ROLE_WRITER,
	    have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, have_fd));
}

static void
test_hdr_fields(void **state)
{
	struct ipc_hdr	h;

	h = hdr(IPC_MSG_CREATE, IPC_PAYLOAD_MAX, 1, 0);
	assert_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0));
	h.len = IPC_PAYLOAD_MAX + 1;
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0),
	    "payload too long");
	h.len = UINT32_MAX;
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0));

	h = hdr(IPC_MSG_CREATE, 0, 1, 0x2);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0),
	    "unknown header flags");
	h.flags = 0x80000000;
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0));
	h.flags = IPC_HDR_FD | 0x100;
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 1));

	/* Flag without fd, fd without flag. */
	h = hdr(IPC_MSG_CREATE_OK, 0, 1, IPC_HDR_FD);
	assert_null(ipc_check_header(&h, ROLE_SMTPD, ROLE_QUEUE, 1));
	assert_string_equal(ipc_check_header(&h, ROLE_SMTPD, ROLE_QUEUE, 0),
	    "fd flag does not match the attached fd");
	h = hdr(IPC_MSG_CREATE, 0, 1, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 1),
	    "fd flag does not match the attached fd");

	/* Required fd missing, unexpected fd. */
	h = hdr(IPC_MSG_CREATE_OK, 0, 1, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_SMTPD, ROLE_QUEUE, 0),
	    "required fd missing");
	h = hdr(IPC_SETUP_PEER, 0, 0, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_LOCAL, ROLE_MASTER, 0),
	    "required fd missing");
	h = hdr(IPC_MSG_CREATE, 0, 1, IPC_HDR_FD);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 1),
	    "unexpected fd");
	h = hdr(IPC_OK, 0, 1, IPC_HDR_FD);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 1),
	    "unexpected fd");

	/* Ids: notes have none, requests and replies must. */
	h = hdr(IPC_LOG, 0, 1, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_MASTER, ROLE_SMTPD, 0),
	    "note with a request id");
	h.id = 0;
	assert_null(ipc_check_header(&h, ROLE_MASTER, ROLE_SMTPD, 0));
	h = hdr(IPC_MSG_CREATE, 0, 0, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0),
	    "request or reply without an id");
	h = hdr(IPC_OK, 0, 0, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0),
	    "request or reply without an id");
	h = hdr(IPC_OK, 0, UINT32_MAX, 0);
	assert_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0));
}

static void
test_role_names(void **state)
{
	enum bh_role	r, back;

	for (r = 0; r < ROLE_COUNT; r++) {
		assert_int_equal(ipc_role_from_name(ipc_role_name(r), &back),
		    0);
		assert_int_equal(back, r);
	}
	assert_string_equal(ipc_role_name(ROLE_COUNT), "unknown");
	assert_int_equal(ipc_role_from_name("unknown", &back), -1);
	assert_int_equal(ipc_role_from_name("", &back), -1);
	assert_string_equal(ipc_type_name(IPC_NONE), "unknown");
	assert_string_equal(ipc_type_name(IPC_MSG_CREATE), "IPC_MSG_CREATE");
}

/* --- channels -------------------------------------------------------- */

struct rx {
	int		 nmsg;
	struct ipc_hdr	 h;
	uint8_t		 payload[IPC_PAYLOAD_MAX];
	size_t		 len;
	int		 fd;
	int		 nclose;
	int		 violation;
	char		 why[128];
};

struct chfix {
	struct event_base	*base;
	struct ipc_chan		*chan;
	int			 raw;		/* the hand-driven end */
	struct rx		 rx;
};

static void
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

static void
rx_close(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct rx *rx = arg;

	rx->nclose++;
	rx->violation = violation;
	strlcpy(rx->why, why, sizeof(rx->why));
}

static void
rx_init(struct rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	rx->fd = -1;
	rx->violation = -1;
}

static void
run(struct event_base *base)
{
	int i;

	for (i = 0; i < 5; i++)
		event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
}

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

static int
setup_chan(void **state)
{
	*state = chfix_new(ROLE_QUEUE, ROLE_SMTPD);
	return 0;
}

static int
setup_chan_smtpd(void **state)
{
	*state = chfix_new(ROLE_SMTPD, ROLE_QUEUE);
	return 0;
}

static int
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

static void
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

static void
test_chan_len_mismatch(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, 4, 1, 0);

	raw_send(f->raw, &h, NULL, 0, NULL, 0);
	run(f->base);
	assert_violation(f, "length in header does not match the datagram");
}

static void
test_chan_len_mismatch_longer(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, 0, 1, 0);

	raw_send(f->raw, &h, "abc", 3, NULL, 0);
	run(f->base);
	assert_violation(f, "length in header does not match the datagram");
}

static void
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
static void
test_chan_empty_datagram(void **state)
{
	struct chfix	*f = *state;

	raw_send(f->raw, NULL, NULL, 0, NULL, 0);
	run(f->base);
	assert_int_equal(f->rx.nclose, 1);
	assert_int_equal(f->rx.violation, 1);
}

static void
test_chan_oversize(void **state)
{
	struct chfix	*f = *state;
	static uint8_t	 big[IPC_PAYLOAD_MAX + 1];
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, sizeof(big), 1, 0);

	raw_send(f->raw, &h, big, sizeof(big), NULL, 0);
	run(f->base);
	assert_violation(f, NULL);
}

static void
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

static void
test_chan_reply_type_from_smtpd(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h = hdr(IPC_LOG, 0, 0, 0);

	raw_send(f->raw, &h, NULL, 0, NULL, 0);
	run(f->base);
	assert_violation(f, "message type not allowed in this direction");
}

static void
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

static void
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

static void
test_chan_flag_without_fd(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h = hdr(IPC_MSG_CREATE, 0, 1, IPC_HDR_FD);

	raw_send(f->raw, &h, NULL, 0, NULL, 0);
	run(f->base);
	assert_violation(f, "fd flag does not match the attached fd");
}

/* At most one fd rides along: two are a violation, and both are closed. */
static void
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

static void
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

static void
test_chan_unsolicited_reply(void **state)
{
	struct chfix	*f = *state;
	struct ipc_hdr	 h = hdr(IPC_OK, 0, 99, 0);

	raw_send(f->raw, &h, NULL, 0, NULL, 0);
	run(f->base);
	assert_violation(f, "reply to no outstanding request");
}

static void
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
static void
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
static void
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

static void
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
static void
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

static int
setup_pair(void **state)
{
	*state = calloc(1, sizeof(struct pair));
	return *state == NULL ? -1 : 0;
}

static int
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

static void
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

static void
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
static void
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

/*
 * The shared validators: one function decides for sender and receiver.
 * What ipc_check_*() refuses, the decoder refuses; what it accepts,
 * the decoder accepts (the fuzz harness fuzz_ipc_roundtrip checks the
 * second half for every message).
 */
/* The relay request's DANE records: the unusable mark, and the flags. */
static void
test_check_relay_dane(void **state)
{
	static struct msg_relay		m;
	struct msg_dns_tlsa_query	tq;

	(void)state;
	memset(&m, 0, sizeof(m));
	strlcpy(m.qid, QID_A, sizeof(m.qid));
	strlcpy(m.sender, "a@b.example", sizeof(m.sender));
	m.nrcpt = 1;
	strlcpy(m.rcpt[0].addr, "c@d.example", sizeof(m.rcpt[0].addr));
	m.nhops = 2;
	strlcpy(m.hops[0].name, "mx1.d.example", sizeof(m.hops[0].name));
	strlcpy(m.hops[0].addr, "192.0.2.1", sizeof(m.hops[0].addr));
	m.hops[0].port = 25;
	m.hops[1] = m.hops[0];
	strlcpy(m.hops[1].name, "mx2.d.example", sizeof(m.hops[1].name));
	m.tls_level = 5;		/* dane */
	assert_null(ipc_check_relay(&m));
	/* pickup's hop flag is not relay's */
	m.flags = MSG_FLAG_HOPS;
	assert_non_null(ipc_check_relay(&m));
	m.flags = MSG_FLAG_RELAY;
	assert_null(ipc_check_relay(&m));
	/* mx1: every record unusable; mx2: a record */
	m.ntlsa = 2;
	m.tlsa[0].hop = 0;
	m.tlsa[0].usage = IPC_TLSA_UNUSABLE;
	m.tlsa[1].hop = 1;
	m.tlsa[1].usage = 3;
	m.tlsa[1].selector = 1;
	m.tlsa[1].mtype = 1;
	m.tlsa[1].len = 32;
	assert_null(ipc_check_relay(&m));
	/* the mark beside a record of the same host, or with data */
	m.tlsa[1].hop = 0;
	assert_non_null(ipc_check_relay(&m));
	m.tlsa[1].hop = 1;
	m.tlsa[0].len = 1;
	assert_non_null(ipc_check_relay(&m));
	m.tlsa[0].len = 0;
	m.tlsa[0].hop = 2;		/* no such hop */
	assert_non_null(ipc_check_relay(&m));

	/* TLSA queries name the port: _PORT._tcp.HOST */
	memset(&tq, 0, sizeof(tq));
	tq.nhosts = 1;
	strlcpy(tq.hosts[0], "mx1.d.example", sizeof(tq.hosts[0]));
	assert_non_null(ipc_check_dns_tlsa_query(&tq));
	tq.port = 587;
	assert_null(ipc_check_dns_tlsa_query(&tq));
	tq.port = 65536;
	assert_non_null(ipc_check_dns_tlsa_query(&tq));
}

static void
test_check_shared(void **state)
{
	struct msg_rcpt		r, r2;
	struct msg_rcpt_check	c, c2;
	struct msg_error	e, e2;
	uint8_t			buf[2048];
	struct wbuf		wb;
	struct rbuf		rb;

	memset(&r, 0, sizeof(r));
	strlcpy(r.qid, "0123456789ABCDEF", sizeof(r.qid));
	strlcpy(r.addr, "a@b.example", sizeof(r.addr));
	strlcpy(r.orcpt, "rfc822;a b@c", sizeof(r.orcpt));
	assert_null(ipc_check_rcpt(&r));
	strlcpy(r.orcpt, "rfc822;a\r\nb", sizeof(r.orcpt));
	assert_non_null(ipc_check_rcpt(&r));
	wb_init(&wb, buf, sizeof(buf));
	enc_rcpt(&wb, &r);		/* unchecked in this test program */
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_rcpt(&rb, &r2), -1);
	r.orcpt[0] = '\0';
	r.notify = DSN_NOTIFY_NEVER | DSN_NOTIFY_DELAY;
	assert_non_null(ipc_check_rcpt(&r));
	assert_false(ipc_valid_notify(r.notify));

	memset(&c, 0, sizeof(c));
	strlcpy(c.addr, "a@b.example", sizeof(c.addr));
	strlcpy(c.client_addr, "::ffff:192.0.2.1", sizeof(c.client_addr));
	assert_null(ipc_check_rcpt_check(&c));
	strlcpy(c.client_addr, "unknown", sizeof(c.client_addr));
	assert_non_null(ipc_check_rcpt_check(&c));
	wb_init(&wb, buf, sizeof(buf));
	enc_rcpt_check(&wb, &c);
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_rcpt_check(&rb, &c2), -1);

	memset(&e, 0, sizeof(e));
	strlcpy(e.dsn, "5.1.1", sizeof(e.dsn));
	strlcpy(e.text, "unknown\tuser", sizeof(e.text));
	assert_non_null(ipc_check_error(&e));
	strlcpy(e.text, "unknown user", sizeof(e.text));
	assert_null(ipc_check_error(&e));
	wb_init(&wb, buf, sizeof(buf));
	enc_error(&wb, &e);
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_error(&rb, &e2), 0);
	assert_string_equal(e2.text, "unknown user");
	strlcpy(e.dsn, "2.0.0", sizeof(e.dsn));
	assert_non_null(ipc_check_error(&e));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_shared),
		cmocka_unit_test(test_check_relay_dane),
		cmocka_unit_test(test_codec_roundtrip),
		cmocka_unit_test(test_codec_short),
		cmocka_unit_test(test_codec_overlong),
		cmocka_unit_test(test_codec_embedded_nul),
		cmocka_unit_test(test_codec_trailing),
		cmocka_unit_test(test_codec_sticky),
		cmocka_unit_test(test_codec_wbuf_overflow),
		cmocka_unit_test(test_dec_truncated_and_trailing),
		cmocka_unit_test(test_dec_log),
		cmocka_unit_test(test_dec_roles),
		cmocka_unit_test(test_dec_error),
		cmocka_unit_test(test_dec_empty),
		cmocka_unit_test(test_dec_addr),
		cmocka_unit_test(test_dec_rcpt_verdict),
		cmocka_unit_test(test_dec_qid),
		cmocka_unit_test(test_dec_rcpt),
		cmocka_unit_test(test_dec_commit),
		cmocka_unit_test(test_dec_deliver),
		cmocka_unit_test(test_deliver_done_keys),
		cmocka_unit_test(test_member_keys),
		cmocka_unit_test(test_deliver_progress),
		cmocka_unit_test(test_dec_deliver_result),
		cmocka_unit_test(test_deliver_result_remote),
		cmocka_unit_test(test_dec_failed_members),
		cmocka_unit_test(test_dec_dsn_class_one_digit),
		cmocka_unit_test(test_dec_expand_ok),
		cmocka_unit_test(test_dec_expand_targets),
		cmocka_unit_test(test_dec_runner_open),
		cmocka_unit_test(test_dec_runner_open_chain),
		cmocka_unit_test(test_dec_writer_open),
		cmocka_unit_test(test_dec_forward_data),
		cmocka_unit_test(test_dec_owner),
		cmocka_unit_test(test_dec_forward_read),
		cmocka_unit_test(test_dec_write_mail),
		cmocka_unit_test(test_hdr_unknown_type),
		cmocka_unit_test(test_hdr_directions),
		cmocka_unit_test(test_hdr_fields),
		cmocka_unit_test(test_role_names),
		cmocka_unit_test_setup_teardown(test_chan_valid_request,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_len_mismatch,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_len_mismatch_longer,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_short_header,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_empty_datagram,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_oversize,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_wrong_direction,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_reply_type_from_smtpd,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_unexpected_fd,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_fd_without_flag,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_flag_without_fd,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_two_fds,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_three_fds,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_unsolicited_reply,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_eof,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_stops_after_violation,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_request_ok,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_request_reply,
		    setup_chan_smtpd, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_wrong_reply_type,
		    setup_chan_smtpd, teardown_chan),
		cmocka_unit_test_setup_teardown(test_pair_fd_passing,
		    setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_pair_note,
		    setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_pair_reply_error_long,
		    setup_pair, teardown_pair),
	};

	signal(SIGPIPE, SIG_IGN);
	/* Most tests here encode what no honest sender may, to see the
	   decoders refuse it: the encoders' own check would stop them. */
	ipc_enc_unchecked = 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
