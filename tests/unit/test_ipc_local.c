/*
 * test_ipc_local.c: decoders of local delivery's messages: expand_ok
 * (targets, failed members), runner_open, writer_open, write_mail.
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
void
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
void
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

void
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
void
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

void
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

void
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

void
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
