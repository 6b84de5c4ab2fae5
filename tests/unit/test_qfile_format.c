/*
 * test_qfile_format.c: the queue file's trailer, formatting and queue
 * ids (their main is test_qfile.c's).
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

/* --- trailer --------------------------------------------------------- */

static int64_t
trailer(const char *t, uint64_t file_size)
{
	return qfile_parse_trailer(t, strlen(t), file_size);
}

void
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

void
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

void
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

void
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

void
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

void
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
