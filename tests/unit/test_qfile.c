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

#include "tests/unit/qfile_fixture.h"

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
	accept_line(L_F, "F775", &env);	/* 0x307: every flag */
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
	reject_line(L_F, "F8");		/* not a known flag */
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
