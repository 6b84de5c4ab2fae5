/*
 * test_auth_backend.c: the auth compartment's password file parser and
 * checks (auth/passwd_file.c) and its failure counts (auth/anvil.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <crypt.h>

#include "auth/anvil.h"
#include "auth/dovecot_proto.h"
#include "auth/passwd_file.h"

static char hashes[3][CRYPT_OUTPUT_SIZE];

static const char *
hash_of(int i, const char *pw, const char *prefix)
{
	struct crypt_data	cd;
	char			setting[CRYPT_GENSALT_OUTPUT_SIZE];

	assert_non_null(crypt_gensalt_rn(prefix, 0, NULL, 0, setting,
	    sizeof(setting)));
	assert_non_null(crypt_rn(pw, setting, &cd, sizeof(cd)));
	memcpy(hashes[i], cd.output, sizeof(hashes[i]));
	return hashes[i];
}

static void
test_parse(void **state)
{
	struct pwfile	pw;
	char		err[128], text[1024];

	(void)state;
	snprintf(text, sizeof(text), "# comment\n\nalice:%s\nbob:%s:extra\n"
	    "carol:%s\nlocked:!\n", hash_of(0, "a-pw", "$y$"),
	    hash_of(1, "b-pw", "$6$"), hash_of(2, "c-pw", "$2b$"));
	assert_int_equal(pwfile_parse(&pw, text, strlen(text), err,
	    sizeof(err)), 0);
	assert_int_equal(pw.n, 4);
	assert_non_null(pwfile_hash(&pw, "bob"));
	assert_null(pwfile_hash(&pw, "dave"));
	assert_int_equal(pwfile_verify(&pw, "alice", "a-pw"), 1);
	assert_int_equal(pwfile_verify(&pw, "bob", "b-pw"), 1);
	assert_int_equal(pwfile_verify(&pw, "carol", "c-pw"), 1);
	assert_int_equal(pwfile_verify(&pw, "alice", "b-pw"), 0);
	assert_int_equal(pwfile_verify(&pw, "dave", "a-pw"), 0);
	assert_int_equal(pwfile_verify(&pw, "locked", "!"), 0);
	pwfile_free(&pw);
}

static void
test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"alice\n",			/* no colon */
		":$6$x$y\n",			/* no name */
		"al ice:$6$x$y\n",		/* blank in the name */
		"alice:\n",			/* no hash */
		"alice:$6$ x\n",		/* blank in the hash */
		"alice:x\nalice:y\n",		/* twice */
	};
	struct pwfile	pw;
	char		err[128];
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pwfile_parse(&pw, bad[i], strlen(bad[i]), err,
		    sizeof(err)), -1);
	assert_int_equal(pwfile_parse(&pw, "a:x\0", 4, err, sizeof(err)), -1);
	assert_int_equal(pwfile_user_valid("alice@example.org"), 1);
	assert_int_equal(pwfile_user_valid("a:b"), 0);
	assert_int_equal(pwfile_user_valid(""), 0);
}

/* An unknown user costs a hash too: load() makes the dummy. */
static void
test_load_makes_a_dummy(void **state)
{
	struct pwfile	pw;
	char		err[128];

	(void)state;
	assert_int_equal(pwfile_load(&pw, "/nonexistent/sasl_passwd", err,
	    sizeof(err)), 0);
	assert_int_equal(pw.n, 0);
	assert_non_null(pw.dummy);
	assert_int_equal(pw.dummy[0], '$');
	assert_int_equal(pwfile_verify(&pw, "alice", "x"), 0);
	pwfile_free(&pw);
}

static void
test_anvil(void **state)
{
	struct anvil		a;
	struct anvil_limits	l = { 60, 0, 3, 2 };
	time_t			t = 1000;

	(void)state;
	anvil_init(&a, 60);
	assert_int_equal(anvil_request(&a, &l, "192.0.2.1", t), 0);
	/* the delay grows with the failures of the client or the user */
	assert_int_equal(anvil_failure(&a, &l, "192.0.2.1", "alice", t), 2);
	assert_int_equal(anvil_failure(&a, &l, "192.0.2.2", "alice", t), 4);
	assert_int_equal(anvil_failure(&a, &l, "192.0.2.1", "bob", t), 4);
	assert_int_equal(anvil_failures(&a, "c:192.0.2.1", t), 2);
	assert_int_equal(anvil_failures(&a, "u:alice", t), 2);
	assert_int_equal(anvil_request(&a, &l, "192.0.2.1", t), 0);
	assert_int_equal(anvil_failure(&a, &l, "192.0.2.1", "carol", t), 6);
	/* over the failure limit, until the window ends */
	assert_int_equal(anvil_request(&a, &l, "192.0.2.1", t + 59), -1);
	assert_int_equal(anvil_request(&a, &l, "192.0.2.3", t + 59), 0);
	assert_int_equal(anvil_request(&a, &l, "192.0.2.1", t + 60), 0);
	/* the request rate */
	l.rate_limit = 2;
	assert_int_equal(anvil_request(&a, &l, "192.0.2.9", t), 0);
	assert_int_equal(anvil_request(&a, &l, "192.0.2.9", t), 0);
	assert_int_equal(anvil_request(&a, &l, "192.0.2.9", t), -1);
	anvil_free(&a);
}

static void
test_anvil_bounded(void **state)
{
	struct anvil		a;
	struct anvil_limits	l = { 60, 0, 0, 1 };
	char			addr[64];
	long			i, d;

	(void)state;
	anvil_init(&a, 60);
	for (i = 0; i < ANVIL_ENTRIES_MAX + 10; i++) {
		snprintf(addr, sizeof(addr), "10.%ld.%ld.%ld", i >> 16,
		    (i >> 8) & 255, i & 255);
		d = anvil_failure(&a, &l, addr, "alice", 1000);
		assert_true(d >= 1 && d <= ANVIL_DELAY_STEPS);
	}
	assert_true(a.n <= ANVIL_ENTRIES_MAX);
	anvil_free(&a);
}

static int
feed(struct dvc_conn *c, const char *line)
{
	struct dvc_line l;

	if (dvc_parse(line, strlen(line), &l) == -1)
		return -2;
	return dvc_feed(c, &l);
}

static void
test_dovecot_protocol(void **state)
{
	struct dvc_conn		c;
	struct dvc_line		l;
	struct msg_auth_check	m;
	char			buf[DVC_REQ_MAX];

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(feed(&c, "VERSION\t1\t2"), 0);
	assert_int_equal(feed(&c, "MECH\tPLAIN\tplaintext"), 0);
	assert_int_equal(feed(&c, "SPID\t42"), 0);
	assert_int_equal(feed(&c, "COOKIE\t0123abcd"), 0);
	assert_int_equal(c.state, DVC_HANDSHAKE);
	assert_int_equal(feed(&c, "DONE"), 0);
	assert_int_equal(c.state, DVC_READY);
	assert_int_equal(dvc_parse("OK\t7\tuser=alice", 15, &l), 0);
	assert_int_equal(l.id, 7);
	assert_string_equal(l.user, "alice");
	assert_int_equal(dvc_feed(&c, &l), 1);
	assert_int_equal(dvc_parse("FAIL\t8\tcode=temp_fail", 21, &l), 0);
	assert_int_equal(l.temp, 1);
	/* garbage: unknown, bad ids, control characters, CONT */
	assert_int_equal(feed(&c, "HELLO"), -2);
	assert_int_equal(feed(&c, "OK\t0"), -2);
	assert_int_equal(feed(&c, "OK\t99999999999"), -2);
	assert_int_equal(feed(&c, "OK\t1\tuser=a\001b"), -2);
	/* a challenge is strict base64 (a CONT is no longer garbage: it
	   answers a relayed exchange; the caller refuses one to PLAIN) */
	assert_int_equal(feed(&c, "CONT\t1\tabc"), -2);
	assert_int_equal(feed(&c, "CONT\t1\tYWJj"), 1);
	assert_int_equal(feed(&c, "VERSION\t1\t2"), -1);
	assert_int_equal(c.state, DVC_BROKEN);
	assert_int_equal(feed(&c, "OK\t1"), -1);
	/* the handshake must start with VERSION 1 and offer PLAIN */
	memset(&c, 0, sizeof(c));
	assert_int_equal(feed(&c, "VERSION\t2\t0"), -1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(feed(&c, "VERSION\t1\t1"), 0);
	assert_int_equal(feed(&c, "DONE"), -1);
	memset(&m, 0, sizeof(m));
	m.mech = AUTH_MECH_PLAIN;
	strcpy(m.client_addr, "192.0.2.1");
	strcpy(m.user, "alice");
	strcpy(m.password, "secret");
	assert_true(dvc_auth_line(buf, sizeof(buf), 3, &m) > 0);
	assert_string_equal(buf, "AUTH\t3\tPLAIN\tservice=smtp\tnologin\t"
	    "rip=192.0.2.1\tresp=AGFsaWNlAHNlY3JldA==\n");
	m.flags = AUTH_FLAG_TLS;
	assert_true(dvc_auth_line(buf, sizeof(buf), 3, &m) > 0);
	assert_string_equal(buf, "AUTH\t3\tPLAIN\tservice=smtp\tnologin\t"
	    "rip=192.0.2.1\tsecured\tresp=AGFsaWNlAHNlY3JldA==\n");
}

/* MECH lines and CONT rows for a relayed exchange (SCRAM-SHA-256). */
static void
test_dovecot_relayed(void **state)
{
	static struct dvc_line		l;
	static struct msg_auth_step	m;
	struct dvc_conn			c;
	char				buf[DVC_REQ_MAX];

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(feed(&c, "VERSION\t1\t2"), 0);
	assert_int_equal(feed(&c, "MECH\tPLAIN\tplaintext"), 0);
	assert_int_equal(feed(&c, "MECH\tCRAM-MD5\tdictionary\tactive"), 0);
	assert_int_equal(dvc_offered(&c), AUTH_MECHS_BASE);
	assert_int_equal(feed(&c, "MECH\tSCRAM-SHA-256\tmutual-auth"), 0);
	assert_int_equal(feed(&c, "DONE"), 0);
	assert_int_equal(dvc_offered(&c), AUTH_MECHS_ALL);
	/* a challenge, decoded; an empty one */
	assert_int_equal(dvc_parse("CONT\t5\tcj1hYmM=", 15, &l), 0);
	assert_int_equal(l.kind, DVC_CONT);
	assert_int_equal(l.id, 5);
	assert_int_equal(l.len, 5);
	assert_memory_equal(l.data, "r=abc", 5);
	assert_int_equal(dvc_feed(&c, &l), 1);
	assert_int_equal(dvc_parse("CONT\t5\t", 7, &l), 0);
	assert_int_equal(l.len, 0);
	/* refused: no data field, id 0, padding in the middle, too long */
	assert_int_equal(dvc_parse("CONT\t5", 6, &l), -1);
	assert_int_equal(dvc_parse("CONT\t0\tYWJj", 11, &l), -1);
	assert_int_equal(dvc_parse("CONT\t5\tYQ==YQ==", 15, &l), -1);
	memset(buf, 'A', sizeof(buf));
	memcpy(buf, "CONT\t5\t", 7);
	assert_int_equal(dvc_parse(buf, 7 + (IPC_AUTH_DATA_MAX / 3 + 1) * 4,
	    &l), -1);
	assert_int_equal(dvc_parse(buf, 7 + IPC_AUTH_DATA_MAX / 3 * 4, &l),
	    0);
	assert_int_equal(l.len, IPC_AUTH_DATA_MAX);
	/* the lines a relayed exchange sends */
	m.xid = 9;
	m.op = AUTH_STEP_START;
	m.mech = AUTH_MECH_SCRAM_SHA256;
	m.flags = AUTH_FLAG_TLS;
	strcpy(m.client_addr, "192.0.2.1");
	memcpy(m.data, "n,,n=user,r=abc", 15);
	m.len = 15;
	assert_true(dvc_step_line(buf, sizeof(buf), 4, &m) > 0);
	assert_string_equal(buf, "AUTH\t4\tSCRAM-SHA-256\tservice=smtp\t"
	    "nologin\trip=192.0.2.1\tsecured\tresp=biwsbj11c2VyLHI9YWJj\n");
	m.op = AUTH_STEP_CONT;
	assert_int_equal(dvc_step_line(buf, sizeof(buf), 4, &m), -1);
	assert_true(dvc_cont_line(buf, sizeof(buf), 4, m.data, 3) > 0);
	assert_string_equal(buf, "CONT\t4\tbiws\n");
	assert_true(dvc_cont_line(buf, sizeof(buf), 4, m.data, 0) > 0);
	assert_string_equal(buf, "CONT\t4\t\n");
	assert_int_equal(dvc_cont_line(buf, sizeof(buf), 4, m.data,
	    IPC_AUTH_DATA_MAX + 1), -1);
	assert_true(dvc_cancel_line(buf, sizeof(buf), 4) > 0);
	assert_string_equal(buf, "CANCEL\t4\n");
	/* a line that does not fit is not sent at all */
	assert_int_equal(dvc_cont_line(buf, 8, 4, m.data, 3), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_load_makes_a_dummy),
		cmocka_unit_test(test_anvil),
		cmocka_unit_test(test_anvil_bounded),
		cmocka_unit_test(test_dovecot_protocol),
		cmocka_unit_test(test_dovecot_relayed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
