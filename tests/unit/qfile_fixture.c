/*
 * qfile_fixture.c: the envelope and helpers of qfile_fixture.h.
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

/* A valid envelope, one record a line. */
const char *base_lines[NBASE] = {
	"V2", ("I" QID_A), "T1700000000", "Z12345", "Ss@remote.example",
	"Hmx.remote.example", "C192.0.2.1", "Nmx.remote.example",
	"Q0", "F0", "X", "W-",
	"R-- 0000000000000000 00000000 0 alice@test.example", "O",
	"RDN 0000000065536000 00000003 6 bob@test.example",
	"Orfc822;bob@orig.example", "E"
};

/* --- helpers --------------------------------------------------------- */

void
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

void
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
size_t
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
size_t
with_line(char *buf, size_t cap, size_t i, const char *repl)
{
	const char	*lines[NBASE];

	memcpy(lines, base_lines, sizeof(lines));
	lines[i] = repl;
	return join(buf, cap, lines, NBASE, -1);
}

int
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

void
reject(const char *buf, size_t len, const char *what)
{
	struct qenv env;

	if (parse(buf, len, &env) != -1) {
		qenv_free(&env);
		fail_msg("accepted %s", what);
	}
}

void
reject_line(size_t i, const char *repl)
{
	char	buf[4096];
	size_t	len;

	len = with_line(buf, sizeof(buf), i, repl);
	reject(buf, len, repl);
}

void
accept_line(size_t i, const char *repl, struct qenv *env)
{
	char	buf[4096];
	size_t	len;

	len = with_line(buf, sizeof(buf), i, repl);
	if (parse(buf, len, env) != 0)
		fail_msg("rejected %s", repl);
}

/* --- format and parse ------------------------------------------------ */

