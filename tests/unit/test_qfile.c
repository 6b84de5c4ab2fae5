/*
 * test_qfile.c: the queue file envelope and trailer, and queue ids.
 */
#include <sys/types.h>
#include <sys/time.h>

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "privsep/ipc_msgs.h"
#include "queue/qfile.h"
#include "queue/qid.h"

#define QID_A	"0123456789ABCDEF"

/* A valid envelope, one record a line. */
static const char *base_lines[] = {
	"V2", ("I" QID_A), "T1700000000", "Z12345", "Ss@remote.example",
	"Hmx.remote.example", "C192.0.2.1", "Nmx.remote.example",
	"Q0", "F0", "X", "W-",
	"R-- 0000000000000000 00000000 0 alice@test.example", "O",
	"RDN 0000000065536000 00000003 6 bob@test.example",
	"Orfc822;bob@orig.example", "E"
};
/* Line numbers in base_lines. */
#define L_Q	8
#define L_F	9
#define L_X	10
#define L_W	11
#define L_R1	12
#define L_O1	13
#define L_R2	14
#define L_E	16
#define NBASE	(sizeof(base_lines) / sizeof(base_lines[0]))

/* --- helpers --------------------------------------------------------- */

static void
env_fill(struct qenv *env, size_t nrcpt)
{
	char	addr[64];
	size_t	i;

	memset(env, 0, sizeof(*env));
	strlcpy(env->qid, QID_A, sizeof(env->qid));
	env->arrival = 1700000000;
	env->size = 12345;
	strlcpy(env->sender, "s@remote.example", sizeof(env->sender));
	strlcpy(env->helo, "mx.remote.example", sizeof(env->helo));
	strlcpy(env->client_addr, "192.0.2.1", sizeof(env->client_addr));
	strlcpy(env->client_name, "mx.remote.example",
	    sizeof(env->client_name));
	env->warned = QWARN_NONE;
	for (i = 0; i < nrcpt; i++) {
		snprintf(addr, sizeof(addr), "r%zu@test.example", i);
		assert_int_equal(qenv_add_rcpt(env, addr), 0);
	}
}

static void
assert_env_equal(const struct qenv *a, const struct qenv *b)
{
	size_t i;

	assert_string_equal(a->qid, b->qid);
	assert_true(a->arrival == b->arrival);
	assert_true(a->size == b->size);
	assert_string_equal(a->sender, b->sender);
	assert_string_equal(a->helo, b->helo);
	assert_string_equal(a->client_addr, b->client_addr);
	assert_string_equal(a->client_name, b->client_name);
	assert_int_equal(a->ret, b->ret);
	assert_int_equal(a->flags, b->flags);
	assert_string_equal(a->envid, b->envid);
	assert_int_equal(a->warned, b->warned);
	assert_true(a->warn_off == b->warn_off);
	assert_int_equal(a->nrcpt, b->nrcpt);
	for (i = 0; i < a->nrcpt; i++) {
		assert_string_equal(a->rcpt[i].addr, b->rcpt[i].addr);
		assert_string_equal(a->rcpt[i].orcpt, b->rcpt[i].orcpt);
		assert_int_equal(a->rcpt[i].status, b->rcpt[i].status);
		assert_int_equal(a->rcpt[i].notice, b->rcpt[i].notice);
		assert_int_equal(a->rcpt[i].notify, b->rcpt[i].notify);
		assert_true(a->rcpt[i].next_try == b->rcpt[i].next_try);
		assert_int_equal(a->rcpt[i].attempts, b->rcpt[i].attempts);
		assert_true(a->rcpt[i].status_off == b->rcpt[i].status_off);
		assert_int_equal(a->rcpt[i].ndone, b->rcpt[i].ndone);
		if (a->rcpt[i].ndone > 0)
			assert_memory_equal(a->rcpt[i].done, b->rcpt[i].done,
			    a->rcpt[i].ndone * sizeof(a->rcpt[i].done[0]));
	}
}

/* Join lines with '\n' after each, skipping index skip (or none: -1). */
static size_t
join(char *buf, size_t cap, const char **lines, size_t n, ssize_t skip)
{
	size_t	i, len = 0, l;

	for (i = 0; i < n; i++) {
		if ((ssize_t)i == skip)
			continue;
		l = strlen(lines[i]);
		assert_true(len + l + 1 < cap);
		memcpy(buf + len, lines[i], l);
		len += l;
		buf[len++] = '\n';
	}
	buf[len] = '\0';
	return len;
}

/* The base envelope with line i replaced by repl. */
static size_t
with_line(char *buf, size_t cap, size_t i, const char *repl)
{
	const char	*lines[NBASE];

	memcpy(lines, base_lines, sizeof(lines));
	lines[i] = repl;
	return join(buf, cap, lines, NBASE, -1);
}

static int
parse(const char *buf, size_t len, struct qenv *env)
{
	char	err[128] = "";
	int	r;

	r = qfile_parse_envelope(buf, len, env, err, sizeof(err));
	if (r == -1) {
		assert_true(err[0] != '\0');
		/* A failed parse leaves nothing to free. */
		assert_null(env->rcpt);
		assert_int_equal(env->nrcpt, 0);
	}
	return r;
}

static void
reject(const char *buf, size_t len, const char *what)
{
	struct qenv env;

	if (parse(buf, len, &env) != -1) {
		qenv_free(&env);
		fail_msg("accepted %s", what);
	}
}

static void
reject_line(size_t i, const char *repl)
{
	char	buf[4096];
	size_t	len;

	len = with_line(buf, sizeof(buf), i, repl);
	reject(buf, len, repl);
}

static void
accept_line(size_t i, const char *repl, struct qenv *env)
{
	char	buf[4096];
	size_t	len;

	len = with_line(buf, sizeof(buf), i, repl);
	if (parse(buf, len, env) != 0)
		fail_msg("rejected %s", repl);
}

/* --- format and parse ------------------------------------------------ */

static void
roundtrip(size_t nrcpt)
{
	struct qenv	 in, out;
	char		*buf, trailer[QFILE_TRAILER_LEN + 1], err[128];
	size_t		 len, i;

	env_fill(&in, nrcpt);
	if (nrcpt > 2) {
		in.rcpt[1].status = QRCPT_DELIVERED;
		in.rcpt[2].status = QRCPT_BOUNCED;
		in.rcpt[2].notice = QNOTICE_QUEUED;
		in.rcpt[2].notify = DSN_NOTIFY_FAILURE | DSN_NOTIFY_DELAY;
		in.rcpt[2].next_try = 0x123456789abcdefULL;
		in.rcpt[2].attempts = 0xfffffffe;
		strlcpy(in.rcpt[2].orcpt, "rfc822;orig@example.org",
		    sizeof(in.rcpt[2].orcpt));
		in.ret = DSN_RET_HDRS;
		in.flags = MSG_FLAG_8BITMIME | QFLAG_BOUNCE;
		strlcpy(in.envid, "env id+2B", sizeof(in.envid));
		in.warned = QWARN_SENT;
	}
	buf = qfile_format(&in, &len);
	assert_non_null(buf);
	assert_true(len > QFILE_TRAILER_LEN);

	/* Trailer: the envelope starts right after env.size content bytes. */
	snprintf(trailer, sizeof(trailer), "BHQ2 %016" PRIx64 "\n", in.size);
	assert_memory_equal(buf + len - QFILE_TRAILER_LEN, trailer,
	    QFILE_TRAILER_LEN);
	assert_int_equal(qfile_parse_trailer(buf + len - QFILE_TRAILER_LEN,
	    QFILE_TRAILER_LEN, in.size + len), (int64_t)in.size);

	assert_int_equal(qfile_parse_envelope(buf, len - QFILE_TRAILER_LEN,
	    &out, err, sizeof(err)), 0);
	assert_env_equal(&in, &out);
	for (i = 0; i < nrcpt; i++) {
		assert_true(out.rcpt[i].status_off < len);
		assert_int_equal(buf[out.rcpt[i].status_off],
		    in.rcpt[i].status);
		assert_int_equal(buf[out.rcpt[i].status_off - 1], 'R');
	}

	/* Rewrite a status byte in place, as queue does with pwrite. */
	buf[out.rcpt[nrcpt - 1].status_off] = QRCPT_DELIVERED;
	qenv_free(&out);
	assert_int_equal(qfile_parse_envelope(buf, len - QFILE_TRAILER_LEN,
	    &out, err, sizeof(err)), 0);
	assert_int_equal(out.rcpt[nrcpt - 1].status, QRCPT_DELIVERED);
	for (i = 0; i + 1 < nrcpt; i++)
		assert_int_equal(out.rcpt[i].status, in.rcpt[i].status);
	qenv_free(&out);
	qenv_free(&in);
	free(buf);
}

static void
test_roundtrip_1(void **state)
{
	roundtrip(1);
}

static void
test_roundtrip_1000(void **state)
{
	roundtrip(1000);
}

static void
test_roundtrip_edges(void **state)
{
	struct qenv	 in, out;
	char		*buf, err[128];
	size_t		 len;

	/* Null sender, empty client, extreme numbers, longest fields. */
	env_fill(&in, 0);
	in.sender[0] = in.client_addr[0] = in.client_name[0] = '\0';
	in.arrival = UINT64_MAX;
	in.size = 0;
	memset(in.helo, 'h', sizeof(in.helo) - 1);
	in.helo[sizeof(in.helo) - 1] = '\0';
	{
		char a[IPC_ADDR_MAX];

		memset(a, 'a', sizeof(a) - 1);
		a[sizeof(a) - 1] = '\0';
		assert_int_equal(qenv_add_rcpt(&in, a), 0);
		assert_int_equal(qenv_add_rcpt(&in, "x y\"z\"@[192.0.2.1]"),
		    0);
	}
	buf = qfile_format(&in, &len);
	assert_non_null(buf);
	assert_int_equal(qfile_parse_trailer(buf + len - QFILE_TRAILER_LEN,
	    QFILE_TRAILER_LEN, len), 0);
	assert_int_equal(qfile_parse_envelope(buf, len - QFILE_TRAILER_LEN,
	    &out, err, sizeof(err)), 0);
	assert_env_equal(&in, &out);
	assert_true(out.arrival == UINT64_MAX);
	assert_true(out.size == 0);
	qenv_free(&out);
	qenv_free(&in);
	free(buf);
}

static void
test_parse_base(void **state)
{
	struct qenv	 env;
	char		 buf[4096];
	size_t		 len;

	len = join(buf, sizeof(buf), base_lines, NBASE, -1);
	assert_int_equal(parse(buf, len, &env), 0);
	assert_string_equal(env.qid, QID_A);
	assert_true(env.arrival == 1700000000);
	assert_true(env.size == 12345);
	assert_string_equal(env.sender, "s@remote.example");
	assert_string_equal(env.helo, "mx.remote.example");
	assert_string_equal(env.client_addr, "192.0.2.1");
	assert_string_equal(env.client_name, "mx.remote.example");
	assert_int_equal(env.nrcpt, 2);
	assert_string_equal(env.rcpt[0].addr, "alice@test.example");
	assert_int_equal(env.rcpt[0].status, '-');
	assert_int_equal(env.rcpt[0].notice, '-');
	assert_int_equal(env.rcpt[0].notify, 0);
	assert_string_equal(env.rcpt[0].orcpt, "");
	assert_string_equal(env.rcpt[1].addr, "bob@test.example");
	assert_int_equal(env.rcpt[1].status, 'D');
	assert_int_equal(env.rcpt[1].notice, 'N');
	assert_true(env.rcpt[1].next_try == 0x65536000);
	assert_int_equal(env.rcpt[1].attempts, 3);
	assert_int_equal(env.rcpt[1].notify,
	    DSN_NOTIFY_SUCCESS | DSN_NOTIFY_FAILURE);
	assert_string_equal(env.rcpt[1].orcpt, "rfc822;bob@orig.example");
	assert_int_equal(env.ret, DSN_RET_NONE);
	assert_int_equal(env.flags, 0);
	assert_string_equal(env.envid, "");
	assert_int_equal(env.warned, QWARN_NONE);
	assert_int_equal(buf[env.warn_off], '-');
	assert_int_equal(buf[env.warn_off - 1], 'W');
	assert_int_equal(buf[env.rcpt[0].status_off], '-');
	assert_int_equal(buf[env.rcpt[1].status_off], 'D');
	assert_memory_equal(buf + env.rcpt[1].status_off + QRCPT_SCHED_OFF,
	    "0000000065536000 00000003", QRCPT_SCHED_LEN);
	qenv_free(&env);

	accept_line(L_Q, "Q2", &env);
	assert_int_equal(env.ret, DSN_RET_HDRS);
	qenv_free(&env);
	accept_line(L_F, "F771", &env);	/* 0x303: every flag */
	assert_int_equal(env.flags, QFLAG_MASK);
	qenv_free(&env);
	accept_line(L_X, "Xabc+20def", &env);
	assert_string_equal(env.envid, "abc+20def");
	qenv_free(&env);
	accept_line(L_W, "WW", &env);
	assert_int_equal(env.warned, QWARN_SENT);
	qenv_free(&env);

	accept_line(3, "Z0", &env);
	assert_true(env.size == 0);
	qenv_free(&env);
	accept_line(2, "T18446744073709551615", &env);
	assert_true(env.arrival == UINT64_MAX);
	qenv_free(&env);
	accept_line(4, "S", &env);		/* null sender */
	assert_string_equal(env.sender, "");
	qenv_free(&env);
	accept_line(L_R2, "RB- 0000000000000000 00000000 f bob@test.example",
	    &env);
	assert_int_equal(env.rcpt[1].status, 'B');
	qenv_free(&env);
}

static void
test_parse_missing_record(void **state)
{
	char	buf[4096];
	size_t	i, len;

	for (i = 0; i < NBASE; i++) {
		if (i == L_R1 || i == L_O1)
			continue;	/* one of two recipients may go */
		len = join(buf, sizeof(buf), base_lines, NBASE, i);
		reject(buf, len, base_lines[i]);
	}
}

static void
test_parse_out_of_order(void **state)
{
	const char	*lines[NBASE], *t;
	char		 buf[4096];
	size_t		 i, len;

	for (i = 0; i + 1 < NBASE; i++) {
		if (strcmp(base_lines[i], base_lines[i + 1]) == 0)
			continue;
		memcpy(lines, base_lines, sizeof(lines));
		t = lines[i];
		lines[i] = lines[i + 1];
		lines[i + 1] = t;
		len = join(buf, sizeof(buf), lines, NBASE, -1);
		reject(buf, len, lines[i]);
	}
	/* A record repeated. */
	memcpy(lines, base_lines, sizeof(lines));
	lines[3] = "T1700000000";
	len = join(buf, sizeof(buf), lines, NBASE, -1);
	reject(buf, len, "a second T");
}

static void
test_parse_version_qid(void **state)
{
	struct qenv env;

	reject_line(0, "V1");
	reject_line(0, "V4");	/* was V3, which is now the format */
	accept_line(0, "V3", &env);
	qenv_free(&env);
	reject_line(0, "V");
	reject_line(0, "V01");
	reject_line(0, "V10");
	reject_line(0, "V2 ");
	reject_line(0, "v2");
	reject_line(1, "I");
	reject_line(1, "I0123456789abcdef");
	reject_line(1, "I0123456789ABCDE");
	reject_line(1, "I0123456789ABCDEF0");
	reject_line(1, "I../../etc/passwd");
	reject_line(1, "I0123456789ABCDEF ");
}

/* --- version 3: alias members delivered (M records) ------------------ */

#define KEY_A	"0123456789abcdef0123456789abcdef"
#define KEY_B	"fedcba9876543210fedcba9876543210"

/* The base envelope as version 3 with extra lines after line L_O1. */
static size_t
with_members(char *buf, size_t cap, const char **extra, size_t n)
{
	const char	*lines[NBASE + 8];
	size_t		 i, k = 0;

	assert_true(n <= 8);
	for (i = 0; i < NBASE; i++) {
		lines[k++] = i == 0 ? "V3" : base_lines[i];
		if (i == L_O1) {
			memcpy(lines + k, extra, n * sizeof(*extra));
			k += n;
		}
	}
	return join(buf, cap, lines, k, -1);
}

static void
test_members_parse(void **state)
{
	static const char *two[] = { ("M" KEY_A), ("M" KEY_B) };
	static const char *bad[][1] = {
		{ "M" }, { ("M" KEY_A "0") }, { "M0123456789ABCDEF0123456789abcdef" },
		{ "Mxyz" }, { ("M " KEY_A) }
	};
	static const char *dup[] = { ("M" KEY_A), ("M" KEY_A) };
	struct qenv	 env, again;
	char		 buf[4096], v2[4096], *out, err[128];
	size_t		 len, olen, i;

	len = with_members(buf, sizeof(buf), two, 2);
	assert_int_equal(parse(buf, len, &env), 0);
	assert_int_equal(env.rcpt[0].ndone, 2);
	assert_string_equal(env.rcpt[0].done[0], KEY_A);
	assert_string_equal(env.rcpt[0].done[1], KEY_B);
	assert_int_equal(env.rcpt[1].ndone, 0);
	/* canonical: written back byte for byte */
	assert_non_null(out = qfile_format(&env, &olen));
	assert_int_equal(olen - QFILE_TRAILER_LEN, len);
	assert_memory_equal(out, buf, len);
	assert_int_equal(qfile_parse_envelope(out, len, &again, err,
	    sizeof(err)), 0);
	assert_env_equal(&env, &again);
	qenv_free(&again);
	free(out);
	qenv_free(&env);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = with_members(buf, sizeof(buf), bad[i], 1);
		reject(buf, len, bad[i][0]);
	}
	len = with_members(buf, sizeof(buf), dup, 2);
	reject(buf, len, "a key twice");
	/* version 2 has no M records */
	len = with_members(buf, sizeof(buf), two, 2);
	memcpy(v2, buf, len);
	v2[1] = '2';
	reject(v2, len, "M in version 2");
}

/* A version 2 file is read, and written back as version 3. */
static void
test_members_v2_upgrade(void **state)
{
	struct qenv	 env;
	char		 buf[4096], *out;
	size_t		 len, olen;

	len = join(buf, sizeof(buf), base_lines, NBASE, -1);
	assert_int_equal(parse(buf, len, &env), 0);
	assert_int_equal(env.rcpt[0].ndone, 0);
	assert_int_equal(qrcpt_done_add(&env.rcpt[1], KEY_B), 1);
	assert_non_null(out = qfile_format(&env, &olen));
	assert_memory_equal(out, "V3\n", 3);
	assert_non_null(strstr(out, "\nM" KEY_B "\nE\n"));
	free(out);
	qenv_free(&env);
}

static void
test_members_add(void **state)
{
	struct qenv	 env;
	char		 key[IPC_MEMBER_KEY_LEN + 1], *buf;
	size_t		 i, len;
	int64_t		 off;

	env_fill(&env, 1);
	assert_int_equal(qrcpt_done_add(&env.rcpt[0], KEY_A), 1);
	assert_int_equal(qrcpt_done_add(&env.rcpt[0], KEY_A), 0);
	assert_int_equal(qrcpt_done_add(&env.rcpt[0], "nothex"), -1);
	assert_int_equal(qrcpt_done_add(&env.rcpt[0], KEY_A "00"), -1);
	for (i = 1; i < QRCPT_DONE_MAX; i++) {
		snprintf(key, sizeof(key), "%032zx", i);
		assert_int_equal(qrcpt_done_add(&env.rcpt[0], key), 1);
	}
	assert_int_equal(qrcpt_done_add(&env.rcpt[0], KEY_B), -1);
	assert_int_equal(env.rcpt[0].ndone, QRCPT_DONE_MAX);
	/* an envelope appended after the first: its trailer says where */
	assert_non_null(buf = qfile_format_at(&env, 99999, &len));
	off = qfile_parse_trailer(buf + len - QFILE_TRAILER_LEN,
	    QFILE_TRAILER_LEN, 99999 + len);
	assert_int_equal(off, 99999);
	free(buf);
	qenv_free(&env);
}

static void
test_parse_numbers(void **state)
{
	static const char *bad[] = {
		"", "01", "00", "+1", "-1", " 1", "1 ", "1a", "0x10", "1e3",
		"\xef\xbc\x91", "123456789012345678901234"
	};
	char	rec[64];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(rec, sizeof(rec), "T%s", bad[i]);
		reject_line(2, rec);
		snprintf(rec, sizeof(rec), "Z%s", bad[i]);
		reject_line(3, rec);
	}
}

/* Numbers beyond UINT64_MAX are bad, not saturated. */
static void
test_parse_number_overflow(void **state)
{
	reject_line(2, "T18446744073709551616");
	reject_line(2, "T99999999999999999999");
	reject_line(3, "Z18446744073709551616");
}

static void
test_parse_status(void **state)
{
	reject_line(L_R1, "RX- 0000000000000000 00000000 0 alice@test.example");
	reject_line(L_R1, "Rd- 0000000000000000 00000000 0 alice@test.example");
	reject_line(L_R1, "R - 0000000000000000 00000000 0 alice@test.example");
	reject_line(L_R1, "R-n 0000000000000000 00000000 0 alice@test.example");
	reject_line(L_R1, "R-X 0000000000000000 00000000 0 alice@test.example");
	reject_line(L_R1, "R-- 0000000000000000 00000000 0 ");	/* no address */
	reject_line(L_R1, "R-- 0000000000000000 00000000 0");
	reject_line(L_R1, "R--");
	reject_line(L_R1, "R");
	reject_line(L_R1, "R-alice@test.example");		/* version 1 */
}

/* The fixed-width fields: exact widths, lower-case hex only. */
static void
test_parse_rcpt_fields(void **state)
{
	reject_line(L_R1, "R-- 000000000000000A 00000000 0 alice@test.example");
	reject_line(L_R1, "R-- 000000000000000 00000000 0 alice@test.example");
	reject_line(L_R1, "R-- 00000000000000000 0000000 0 alice@test.example");
	reject_line(L_R1, "R-- 0000000000000000 0000000g 0 alice@test.example");
	reject_line(L_R1, "R-- 0000000000000000 00000000 00 alice@test.example");
	reject_line(L_R1, "R-- 0000000000000000 00000000 F alice@test.example");
	reject_line(L_R1, "R-- 0000000000000000 00000000  alice@test.example");
	reject_line(L_R1, "R-- 0000000000000000\t00000000 0 alice@test.example");
	reject_line(L_R1, "R-- 0000000000000000 -0000000 0 alice@test.example");
	reject_line(L_Q, "Q3");
	reject_line(L_Q, "Q");
	reject_line(L_Q, "Q01");
	reject_line(L_F, "F4");		/* not a known flag */
	reject_line(L_F, "F1024");
	reject_line(L_F, "F");
	reject_line(L_W, "W");
	reject_line(L_W, "Ww");
	reject_line(L_W, "W--");
	reject_line(L_X, "Xa\tb");
	reject_line(L_O1, "Orfc822;a\rb");
}

/*
 * A torn in-place update mixes old and new bytes: any mix of hex digits
 * must still parse, so a crash during an update never makes a file
 * corrupt.
 */
static void
test_parse_torn_sched(void **state)
{
	static const char old[] = "0000000065536000 00000003";
	static const char new[] = "ffffffff9abcdef1 fedcba98";
	char		 rec[128], buf[4096];
	struct qenv	 env;
	size_t		 i, cut, len;

	for (cut = 0; cut <= QRCPT_SCHED_LEN; cut++) {
		snprintf(rec, sizeof(rec), "RDN %.*s%s 6 bob@test.example",
		    (int)cut, new, old + cut);
		len = with_line(buf, sizeof(buf), L_R2, rec);
		if (parse(buf, len, &env) != 0)
			fail_msg("torn at %zu rejected: %s", cut, rec);
		for (i = 0; i < QRCPT_SCHED_LEN; i++)
			assert_int_equal(buf[env.rcpt[1].status_off +
			    QRCPT_SCHED_OFF + i], i < cut ? new[i] : old[i]);
		qenv_free(&env);
	}
}

/* The in-place update bytes are what the writer puts in the file. */
static void
test_format_sched(void **state)
{
	struct qenv	 in, out;
	char		*buf, sched[QRCPT_SCHED_LEN + 1], err[128];
	size_t		 len;

	env_fill(&in, 2);
	buf = qfile_format(&in, &len);
	assert_non_null(buf);
	in.rcpt[1].next_try = 1800000000;
	in.rcpt[1].attempts = 17;
	qfile_format_sched(&in.rcpt[1], sched);
	assert_int_equal(strlen(sched), QRCPT_SCHED_LEN);
	memcpy(buf + in.rcpt[1].status_off + QRCPT_SCHED_OFF, sched,
	    QRCPT_SCHED_LEN);
	buf[in.rcpt[1].status_off] = QRCPT_BOUNCED;
	buf[in.rcpt[1].status_off + QRCPT_NOTICE_OFF] = QNOTICE_QUEUED;
	buf[in.warn_off] = QWARN_SENT;
	assert_int_equal(qfile_parse_envelope(buf, len - QFILE_TRAILER_LEN,
	    &out, err, sizeof(err)), 0);
	assert_true(out.rcpt[1].next_try == 1800000000);
	assert_int_equal(out.rcpt[1].attempts, 17);
	assert_int_equal(out.rcpt[1].status, QRCPT_BOUNCED);
	assert_int_equal(out.rcpt[1].notice, QNOTICE_QUEUED);
	assert_int_equal(out.warned, QWARN_SENT);
	assert_int_equal(out.rcpt[0].status, QRCPT_PENDING);
	assert_true(out.rcpt[0].next_try == 0);
	qenv_free(&out);
	qenv_free(&in);
	free(buf);
}

static void
test_parse_controls(void **state)
{
	char	buf[4096];
	size_t	len;

	reject_line(4, "Ss@re\tmote.example");
	reject_line(5, "Hmx\r");
	reject_line(6, "C\x01");
	reject_line(7, "Nx\x7f");
	reject_line(L_R1, "R-- 0000000000000000 00000000 0 alice\x1b@test.example");
	reject_line(L_E, "E\r");

	/* An embedded NUL in a field. */
	len = with_line(buf, sizeof(buf), 5, "Hmx#remote.example");
	*strchr(buf, '#') = '\0';
	reject(buf, len, "NUL in H");
}

static void
test_parse_field_length(void **state)
{
	char	rec[1024];

	memset(rec, 'h', sizeof(rec));
	rec[0] = 'H';
	rec[256] = '\0';			/* 255 bytes: fits */
	{
		struct qenv env;

		accept_line(5, rec, &env);
		assert_int_equal(strlen(env.helo), 255);
		qenv_free(&env);
	}
	rec[256] = 'h';
	rec[257] = '\0';			/* 256: does not */
	reject_line(5, rec);

	memset(rec, 'a', sizeof(rec));
	memcpy(rec, "R-- 0000000000000000 00000000 0 ", 32);
	rec[32 + IPC_ADDR_MAX - 1] = '\0';	/* 511-byte address: fits */
	{
		struct qenv env;

		accept_line(L_R1, rec, &env);
		assert_int_equal(strlen(env.rcpt[0].addr), IPC_ADDR_MAX - 1);
		qenv_free(&env);
	}
	rec[32 + IPC_ADDR_MAX - 1] = 'a';
	rec[32 + IPC_ADDR_MAX] = '\0';		/* 512 bytes: does not */
	reject_line(L_R1, rec);
}

static void
test_parse_structure(void **state)
{
	const char	*lines[NBASE + 1];
	char		 buf[4096];
	size_t		 len;

	/* No recipients at all. */
	memcpy(lines, base_lines, L_R1 * sizeof(lines[0]));
	lines[L_R1] = "E";
	len = join(buf, sizeof(buf), lines, L_R1 + 1, -1);
	reject(buf, len, "no recipients");

	/* No E. */
	len = join(buf, sizeof(buf), base_lines, NBASE - 1, -1);
	reject(buf, len, "missing E");

	/* Bytes after E. */
	len = join(buf, sizeof(buf), base_lines, NBASE, -1);
	buf[len] = 'X';
	reject(buf, len + 1, "byte after E");
	buf[len] = '\n';
	reject(buf, len + 1, "empty line after E");
	memcpy(lines, base_lines, sizeof(base_lines));
	lines[NBASE] = "R-- 0000000000000000 00000000 0 carol@test.example";
	len = join(buf, sizeof(buf), lines, NBASE + 1, -1);
	reject(buf, len, "R after E");

	/* Without its final newline. */
	len = join(buf, sizeof(buf), base_lines, NBASE, -1);
	reject(buf, len - 1, "no final newline");

	/* Cut anywhere before the end. */
	for (; len > 0; len--)
		reject(buf, len - 1, "truncated envelope");
}

/* The E record is exactly "E": nothing may follow the tag. */
static void
test_parse_end_record(void **state)
{
	reject_line(L_E, "EX");
	reject_line(L_E, "E1");
}

/* --- trailer --------------------------------------------------------- */

static int64_t
trailer(const char *t, uint64_t file_size)
{
	return qfile_parse_trailer(t, strlen(t), file_size);
}

static void
test_trailer(void **state)
{
	char t[64];

	assert_int_equal(trailer("BHQ2 0000000000003039\n", 20000), 12345);
	assert_int_equal(trailer("BHQ2 00000000000000ff\n", 300), 255);
	assert_int_equal(trailer("BHQ2 0000000000000000\n", 22), 0);

	/* Magic, case, form. */
	assert_int_equal(trailer("BHQ1 0000000000003039\n", 20000), -1);
	assert_int_equal(trailer("BHQ3 0000000000003039\n", 20000), -1);
	assert_int_equal(trailer("bhq2 0000000000003039\n", 20000), -1);
	assert_int_equal(trailer("BHQ2_0000000000003039\n", 20000), -1);
	assert_int_equal(trailer("BHQ2 00000000000000FF\n", 20000), -1);
	assert_int_equal(trailer("BHQ2 00000000000000fg\n", 20000), -1);
	assert_int_equal(trailer("BHQ2  000000000003039\n", 20000), -1);
	assert_int_equal(trailer("BHQ2 -000000000003039\n", 20000), -1);
	assert_int_equal(trailer("BHQ2 0000000000003039\r", 20000), -1);
	assert_int_equal(trailer("BHQ2 000000000003039\n", 20000), -1);
	assert_int_equal(trailer("BHQ2 00000000000003039\n", 20000), -1);

	/* Offset beyond the file: the envelope must fit before the trailer. */
	assert_int_equal(trailer("BHQ2 0000000000000064\n", 122), 100);
	assert_int_equal(trailer("BHQ2 0000000000000065\n", 122), -1);
	assert_int_equal(trailer("BHQ2 ffffffffffffffff\n", 122), -1);
	assert_int_equal(trailer("BHQ2 ffffffffffffffff\n", UINT64_MAX), -1);

	/* Envelope larger than QFILE_ENVELOPE_MAX. */
	snprintf(t, sizeof(t), "BHQ2 %016x\n", 1000);
	assert_int_equal(trailer(t, 1000 + QFILE_ENVELOPE_MAX +
	    QFILE_TRAILER_LEN), 1000);
	assert_int_equal(trailer(t, 1000 + QFILE_ENVELOPE_MAX +
	    QFILE_TRAILER_LEN + 1), -1);
	assert_int_equal(trailer("BHQ2 0000000000000000\n",
	    UINT64_MAX), -1);

	/* File smaller than a trailer. */
	assert_int_equal(trailer("BHQ2 0000000000000000\n", 21), -1);
	assert_int_equal(trailer("BHQ2 0000000000000000\n", 0), -1);
}

/* --- format refuses what it cannot store ----------------------------- */

/* qfile_format must refuse env; env is freed either way. */
static void
format_fails(struct qenv *env, const char *what)
{
	size_t	 len = 0;
	char	*buf;

	buf = qfile_format(env, &len);
	qenv_free(env);
	if (buf != NULL) {
		free(buf);
		fail_msg("formatted %s", what);
	}
}

static void
test_format_refuses(void **state)
{
	struct qenv	env;

	env_fill(&env, 1);
	strlcpy(env.sender, "a\nRDevil@x", sizeof(env.sender));
	format_fails(&env, "newline in sender");

	env_fill(&env, 1);
	strlcpy(env.helo, "h\n", sizeof(env.helo));
	format_fails(&env, "newline in helo");

	env_fill(&env, 1);
	strlcpy(env.client_addr, "\n", sizeof(env.client_addr));
	format_fails(&env, "newline in client address");

	env_fill(&env, 1);
	strlcpy(env.client_name, "n\r", sizeof(env.client_name));
	format_fails(&env, "CR in client name");

	env_fill(&env, 2);
	strlcpy(env.rcpt[1].addr, "b\nE", sizeof(env.rcpt[1].addr));
	format_fails(&env, "newline in recipient");

	env_fill(&env, 1);
	strlcpy(env.qid, "0123\n", sizeof(env.qid));
	format_fails(&env, "newline in qid");

	env_fill(&env, 1);
	strlcpy(env.envid, "e\n", sizeof(env.envid));
	format_fails(&env, "newline in envid");

	env_fill(&env, 1);
	strlcpy(env.rcpt[0].orcpt, "rfc822;a\nE", sizeof(env.rcpt[0].orcpt));
	format_fails(&env, "newline in orcpt");

	env_fill(&env, 1);
	env.ret = DSN_RET_MAX;
	format_fails(&env, "unknown RET");

	env_fill(&env, 1);
	env.flags = 0x1000;
	format_fails(&env, "unknown flag");

	env_fill(&env, 1);
	env.warned = 'x';
	format_fails(&env, "bad warned byte");

	env_fill(&env, 1);
	env.rcpt[0].notice = 'x';
	format_fails(&env, "bad notice byte");

	env_fill(&env, 1);
	env.rcpt[0].notify = 0x10;
	format_fails(&env, "NOTIFY out of range");

	env_fill(&env, 0);
	format_fails(&env, "no recipients");
}

/*
 * The one writer never writes what the one reader rejects: a recipient
 * with an empty address or a status outside "-DB" cannot be stored.
 */
static int
format_refused(struct qenv *env)
{
	size_t	 len = 0;
	char	*buf;

	buf = qfile_format(env, &len);
	qenv_free(env);
	free(buf);
	return buf == NULL;
}

static void
test_format_output_parses(void **state)
{
	struct qenv	env;
	char		bad[128] = "";

	env_fill(&env, 1);
	env.rcpt[0].status = 'X';
	if (!format_refused(&env))
		strlcat(bad, " status-X", sizeof(bad));
	env_fill(&env, 1);
	env.rcpt[0].status = '\0';
	if (!format_refused(&env))
		strlcat(bad, " status-NUL", sizeof(bad));
	env_fill(&env, 0);
	assert_int_equal(qenv_add_rcpt(&env, ""), 0);
	if (!format_refused(&env))
		strlcat(bad, " empty-address", sizeof(bad));
	if (bad[0] != '\0')
		fail_msg("formatted unparsable envelopes:%s", bad);
}

static void
test_add_rcpt_limits(void **state)
{
	struct qenv	env;
	char		a[IPC_ADDR_MAX + 1];
	size_t		i;

	env_fill(&env, 0);
	memset(a, 'a', sizeof(a));
	a[IPC_ADDR_MAX] = '\0';
	assert_int_equal(qenv_add_rcpt(&env, a), -1);
	a[IPC_ADDR_MAX - 1] = '\0';
	assert_int_equal(qenv_add_rcpt(&env, a), 0);
	for (i = 1; i < QFILE_RCPT_MAX; i++)
		assert_int_equal(qenv_add_rcpt(&env, "x@y"), 0);
	assert_int_equal(env.nrcpt, QFILE_RCPT_MAX);
	assert_int_equal(qenv_add_rcpt(&env, "x@y"), -1);
	assert_int_equal(env.nrcpt, QFILE_RCPT_MAX);
	qenv_free(&env);
	assert_null(env.rcpt);
	assert_int_equal(qenv_add_rcpt_dsn(&env, "x@y", DSN_NOTIFY_MASK + 1,
	    ""), -1);
	memset(a, 'o', sizeof(a));
	a[IPC_ADDR_MAX] = '\0';
	assert_int_equal(qenv_add_rcpt_dsn(&env, "x@y", 0, a), -1);
	assert_int_equal(qenv_add_rcpt_dsn(&env, "x@y", DSN_NOTIFY_NEVER,
	    "rfc822;z@w"), 0);
	assert_int_equal(env.rcpt[0].notify, DSN_NOTIFY_NEVER);
	assert_string_equal(env.rcpt[0].orcpt, "rfc822;z@w");
	assert_int_equal(env.rcpt[0].notice, QNOTICE_NONE);
	qenv_free(&env);
	assert_int_equal(env.nrcpt, 0);
}

/* --- queue ids ------------------------------------------------------- */

static void
test_qid_increasing(void **state)
{
	struct qid_gen	 g = { 0, 0 };
	char		 prev[QID_LEN + 1], cur[QID_LEN + 1];
	int		 i;

	qid_new(&g, prev);
	assert_int_equal(strlen(prev), QID_LEN);
	assert_true(qid_valid(prev));
	for (i = 1; i < 10000; i++) {
		qid_new(&g, cur);
		assert_int_equal(strlen(cur), QID_LEN);
		if (!qid_valid(cur))
			fail_msg("invalid id %s", cur);
		if (strcmp(prev, cur) >= 0)
			fail_msg("%s then %s", prev, cur);
		memcpy(prev, cur, sizeof(prev));
	}
}

static void
test_qid_clock_back(void **state)
{
	struct qid_gen	 g = { 0, 0 };
	struct timeval	 tv;
	char		 prev[QID_LEN + 1], cur[QID_LEN + 1];
	char		 want[16];
	int		 i;

	qid_new(&g, prev);
	/* The last id came from an hour in the future: the clock went back. */
	gettimeofday(&tv, NULL);
	g.last_sec = (uint64_t)tv.tv_sec + 3600;
	g.last_usec = 999998;
	for (i = 0; i < 1000; i++) {
		qid_new(&g, cur);
		assert_true(qid_valid(cur));
		if (strcmp(prev, cur) >= 0)
			fail_msg("%s then %s", prev, cur);
		memcpy(prev, cur, sizeof(prev));
	}
	/* It borrowed from the future and carried into the next second. */
	snprintf(want, sizeof(want), "%09llX",
	    (unsigned long long)tv.tv_sec + 3601);
	assert_memory_equal(cur, want, 9);
	assert_true(g.last_sec == (uint64_t)tv.tv_sec + 3601);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_1),
		cmocka_unit_test(test_roundtrip_1000),
		cmocka_unit_test(test_roundtrip_edges),
		cmocka_unit_test(test_parse_base),
		cmocka_unit_test(test_parse_missing_record),
		cmocka_unit_test(test_parse_out_of_order),
		cmocka_unit_test(test_parse_version_qid),
		cmocka_unit_test(test_members_parse),
		cmocka_unit_test(test_members_v2_upgrade),
		cmocka_unit_test(test_members_add),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_parse_number_overflow),
		cmocka_unit_test(test_parse_status),
		cmocka_unit_test(test_parse_rcpt_fields),
		cmocka_unit_test(test_parse_torn_sched),
		cmocka_unit_test(test_format_sched),
		cmocka_unit_test(test_parse_controls),
		cmocka_unit_test(test_parse_field_length),
		cmocka_unit_test(test_parse_structure),
		cmocka_unit_test(test_parse_end_record),
		cmocka_unit_test(test_trailer),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_format_output_parses),
		cmocka_unit_test(test_add_rcpt_limits),
		cmocka_unit_test(test_qid_increasing),
		cmocka_unit_test(test_qid_clock_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
