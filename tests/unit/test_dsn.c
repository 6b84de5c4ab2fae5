/*
 * test_dsn.c: NOTIFY handling and the shape of the notices dsn_build
 * makes (RFC 3464).  The integration tests parse real bounces with
 * python's email package.
 */
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "queue/dsn.h"

static const char content[] =
    "Received: from x by y\nSubject: hello\nFrom: s@remote.example\n\n"
    "the body\n";

static void
test_wants(void **state)
{
	struct qrcpt r;

	memset(&r, 0, sizeof(r));
	/* Not given: failure and delay notices, no success report. */
	assert_true(dsn_wants(&r, DSN_FAILURE));
	assert_true(dsn_wants(&r, DSN_DELAY));
	assert_false(dsn_wants(&r, DSN_SUCCESS));
	r.notify = DSN_NOTIFY_NEVER;
	assert_false(dsn_wants(&r, DSN_FAILURE));
	assert_false(dsn_wants(&r, DSN_DELAY));
	assert_false(dsn_wants(&r, DSN_SUCCESS));
	r.notify = DSN_NOTIFY_SUCCESS;
	assert_false(dsn_wants(&r, DSN_FAILURE));
	assert_false(dsn_wants(&r, DSN_DELAY));
	assert_true(dsn_wants(&r, DSN_SUCCESS));
	r.notify = DSN_NOTIFY_FAILURE | DSN_NOTIFY_DELAY;
	assert_true(dsn_wants(&r, DSN_FAILURE));
	assert_true(dsn_wants(&r, DSN_DELAY));
	assert_false(dsn_wants(&r, DSN_SUCCESS));
}

static const char *notice_qid;	/* the notice's own id; NULL: env's */

static char *
build(struct qenv *env, enum dsn_kind kind, int hdrs, size_t *len)
{
	struct dsn_entry	e[2];
	struct dsn_report	r;
	char			*msg;

	memset(e, 0, sizeof(e));
	e[0].rcpt = 0;
	strlcpy(e[0].status, "5.1.1", sizeof(e[0].status));
	strlcpy(e[0].text, "unknown user: \"a\"", sizeof(e[0].text));
	e[1].rcpt = 1;
	strlcpy(e[1].status, "5.0.0", sizeof(e[1].status));
	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.hostname = "mx.test.example";
	r.env = env;
	r.entries = e;
	r.nentries = 2;
	r.content = content;
	r.content_len = sizeof(content) - 1;
	r.headers_only = hdrs;
	r.notice_qid = notice_qid != NULL ? notice_qid : env->qid;
	r.to = env->sender;
	r.now = 1700000000;
	r.retry_until = 1700000000 + 5 * 86400;
	msg = dsn_build(&r, len);
	assert_non_null(msg);
	assert_int_equal(strlen(msg), *len);
	return msg;
}

static void
env_new(struct qenv *env)
{
	memset(env, 0, sizeof(*env));
	strlcpy(env->qid, "0123456789ABCDEF", sizeof(env->qid));
	strlcpy(env->sender, "s@remote.example", sizeof(env->sender));
	env->arrival = 1699990000;
	assert_int_equal(qenv_add_rcpt_dsn(env, "a@test.example", 0,
	    "rfc822;orig-a@test.example"), 0);
	assert_int_equal(qenv_add_rcpt(env, "b@test.example"), 0);
}

static void
test_failure_full(void **state)
{
	struct qenv	 env;
	char		*m;
	size_t		 len;

	env_new(&env);
	strlcpy(env.envid, "ENV-42", sizeof(env.envid));
	m = build(&env, DSN_FAILURE, 0, &len);
	assert_non_null(strstr(m, "\nTo: <s@remote.example>\n"));
	assert_non_null(strstr(m, "Content-Type: multipart/report; "
	    "report-type=delivery-status;"));
	assert_non_null(strstr(m, "\nContent-Type: message/delivery-status\n"
	    "\nReporting-MTA: dns; mx.test.example\n"));
	assert_non_null(strstr(m, "\nOriginal-Envelope-Id: ENV-42\n"));
	assert_non_null(strstr(m, "\n\nFinal-Recipient: rfc822; "
	    "a@test.example\nOriginal-Recipient: rfc822;orig-a@test.example\n"
	    "Action: failed\nStatus: 5.1.1\n"));
	assert_non_null(strstr(m, "\n\nFinal-Recipient: rfc822; "
	    "b@test.example\nAction: failed\nStatus: 5.0.0\n"));
	assert_non_null(strstr(m, "Content-Type: message/rfc822\n\n"));
	assert_non_null(strstr(m, "\n\nthe body\n"));
	assert_null(strstr(m, "Will-Retry-Until"));
	free(m);
	qenv_free(&env);
}

static void
test_headers_only(void **state)
{
	struct qenv	 env;
	char		*m;
	size_t		 len;

	env_new(&env);
	m = build(&env, DSN_FAILURE, 1, &len);
	assert_non_null(strstr(m, "Content-Type: text/rfc822-headers\n\n"
	    "Received: from x by y\nSubject: hello\n"));
	assert_null(strstr(m, "the body"));
	assert_null(strstr(m, "Original-Envelope-Id"));
	free(m);
	qenv_free(&env);
}

static void
test_delay_and_success(void **state)
{
	struct qenv	 env;
	char		*m;
	size_t		 len;

	env_new(&env);
	m = build(&env, DSN_DELAY, 0, &len);
	assert_non_null(strstr(m, "Subject: Delayed Mail"));
	assert_non_null(strstr(m, "\nAction: delayed\n"));
	assert_non_null(strstr(m, "\nWill-Retry-Until: "));
	free(m);
	/* A success report without RET returns no content. */
	m = build(&env, DSN_SUCCESS, 0, &len);
	assert_non_null(strstr(m, "\nAction: delivered\n"));
	assert_null(strstr(m, "the body"));
	free(m);
	qenv_free(&env);
}

/* local may only route notices to the recipient's own owner-NAME. */
static void
test_owner_fits(void **state)
{
	(void)state;
	assert_true(dsn_owner_fits("team@ex.org", "owner-team@ex.org", "+",
	    "mx.ex.org"));
	assert_true(dsn_owner_fits("Team+x@EX.org", "owner-team@ex.org", "+",
	    "mx.ex.org"));
	assert_true(dsn_owner_fits("team", "owner-team@mx.ex.org", "+",
	    "mx.ex.org"));
	assert_false(dsn_owner_fits("team@ex.org", "owner-team@evil.example",
	    "+", "mx.ex.org"));
	assert_false(dsn_owner_fits("team@ex.org", "owner-tea@ex.org", "+",
	    "mx.ex.org"));
	assert_false(dsn_owner_fits("team-x@ex.org", "owner-team@ex.org", "+",
	    "mx.ex.org"));
	assert_false(dsn_owner_fits("team+x@ex.org", "owner-team@ex.org", "",
	    "mx.ex.org"));
	assert_false(dsn_owner_fits("team@ex.org", "owner-teams@ex.org", "+",
	    "mx.ex.org"));
	assert_false(dsn_owner_fits("team@ex.org", "someone@ex.org", "+",
	    "mx.ex.org"));
	assert_false(dsn_owner_fits("team@ex.org", "owner-@ex.org", "+",
	    "mx.ex.org"));
	assert_false(dsn_owner_fits("team@ex.org", "owner-team", "+",
	    "mx.ex.org"));
	assert_false(dsn_owner_fits("@ex.org", "owner-@ex.org", "+",
	    "mx.ex.org"));
}

static char *
message_id(const char *m)
{
	const char	*p = strstr(m, "\nMessage-Id: ");
	size_t		 n;

	assert_non_null(p);
	p += strlen("\nMessage-Id: ");
	n = strcspn(p, "\n");
	return strndup(p, n);
}

/*
 * Two notices about one message (a failure, then a success report) are
 * two messages: each Message-Id names its own notice, not the original.
 */
static void
test_distinct_message_ids(void **state)
{
	struct qenv	 env;
	char		*m1, *m2, *id1, *id2;
	size_t		 len;

	env_new(&env);
	notice_qid = "1111111111111111";
	m1 = build(&env, DSN_FAILURE, 0, &len);
	notice_qid = "2222222222222222";
	m2 = build(&env, DSN_SUCCESS, 0, &len);
	notice_qid = NULL;
	id1 = message_id(m1);
	id2 = message_id(m2);
	assert_string_not_equal(id1, id2);
	assert_non_null(strstr(id1, "1111111111111111"));
	assert_null(strstr(id1, env.qid));
	assert_null(strstr(id2, env.qid));
	free(id1);
	free(id2);
	free(m1);
	free(m2);
	qenv_free(&env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wants),
		cmocka_unit_test(test_failure_full),
		cmocka_unit_test(test_headers_only),
		cmocka_unit_test(test_delay_and_success),
		cmocka_unit_test(test_owner_fits),
		cmocka_unit_test(test_distinct_message_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
