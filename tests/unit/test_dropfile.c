/*
 * test_dropfile.c: the drop file's envelope parser (pickup's hostile
 * input) and its header scan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pickup/dropfile.h"
#include "pickup/pickup.h"
#include "privsep/ipc_msgs.h"

static int
parse(const char *s, struct drop_env *e, char *err, size_t errlen)
{
	return drop_parse_env(s, strlen(s), e, err, errlen);
}

static void
test_good(void **state)
{
	struct drop_env	e;
	char		err[200];
	const char	*s = "bulkdrop 1\nsender <>\nfullname Cron Daemon\n"
	    "notify success,failure\nret hdrs\nenvid abc.1\nbody 8bitmime\n"
	    "rcpt root\nrcpt a@b.example\n\nSubject: x\n";

	(void)state;
	assert_int_equal(parse(s, &e, err, sizeof(err)), 0);
	assert_true(e.have_sender);
	assert_string_equal(e.sender, "");
	assert_string_equal(e.fullname, "Cron Daemon");
	assert_int_equal(e.notify, DSN_NOTIFY_SUCCESS | DSN_NOTIFY_FAILURE);
	assert_int_equal(e.ret, DSN_RET_HDRS);
	assert_string_equal(e.envid, "abc.1");
	assert_true(e.body8);
	assert_int_equal(e.nrcpt, 2);
	assert_string_equal(e.rcpt[0], "root");
	assert_string_equal(e.rcpt[1], "a@b.example");
	assert_string_equal(s + e.env_len, "Subject: x\n");
	drop_env_free(&e);
}

static void
test_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"bulkdrop 2\nrcpt a\n\n",
		"bulkdrop 1\n\n",				/* no rcpt */
		"bulkdrop 1\nrcpt a\n",				/* no end */
		"bulkdrop 1\nrcpt a b\n\n",
		"bulkdrop 1\nrcpt <a@b>\n\n",
		"bulkdrop 1\nrcpt a@\n\n",
		"bulkdrop 1\nrcpt a\nsender x\nsender y\n\n",	/* twice */
		"bulkdrop 1\nrcpt a\nuid 0\n\n",		/* unknown */
		"bulkdrop 1\nrcpt a\nrcpt\n\n",
		"bulkdrop 1\nrcpt a\nfullname a\tb\n\n",
		"bulkdrop 1\nrcpt a\nfullname \xff\n\n",
		"bulkdrop 1\nrcpt a\nnotify never,success\n\n",
		"bulkdrop 1\nrcpt a\nnotify sometimes\n\n",
		"bulkdrop 1\nrcpt a\nret all\n\n",
		"bulkdrop 1\nrcpt a\nenvid a+b\n\n",
		"bulkdrop 1\nrcpt a\nbody binarymime\n\n",
		"bulkdrop 1\nrcpt a\r\n\n",
	};
	struct drop_env	e;
	char		err[200];
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(bad[i], &e, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		assert_null(e.rcpt);
	}
	/* a NUL inside the envelope */
	assert_int_equal(drop_parse_env("bulkdrop 1\nrcpt a\0b\n\n", 21, &e,
	    err, sizeof(err)), -1);
}

static void
test_limits(void **state)
{
	struct drop_env	e;
	char		err[200], *s;
	size_t		i, off;

	(void)state;
	s = malloc(DROP_ENVELOPE_MAX + 100);
	assert_non_null(s);
	off = (size_t)sprintf(s, "bulkdrop 1\n");
	for (i = 0; i <= DROP_RCPT_MAX; i++)
		off += (size_t)sprintf(s + off, "rcpt u%zu\n", i);
	off += (size_t)sprintf(s + off, "\n");
	assert_int_equal(drop_parse_env(s, off, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many"));
	/* an envelope that does not end within the bound */
	off = (size_t)sprintf(s, "bulkdrop 1\nrcpt a\nfullname ");
	memset(s + off, 'x', DROP_ENVELOPE_MAX + 50 - off);
	assert_int_equal(drop_parse_env(s, DROP_ENVELOPE_MAX + 50, &e, err,
	    sizeof(err)), -1);
	free(s);
}

static void
test_scan_headers(void **state)
{
	const char *m = "date: x\nMessage-ID: <a@b>\n\tfolded\nFrom: me\n\n"
	    "Subject: body\n";

	(void)state;
	assert_int_equal(drop_scan_headers(m, strlen(m)),
	    DROP_HAVE_DATE | DROP_HAVE_MSGID | DROP_HAVE_FROM);
	assert_int_equal(drop_scan_headers("Subject: x\n\nFrom: y\n", 20), 0);
	assert_int_equal(drop_scan_headers("hello world\nFrom: y\n", 20), 0);
	assert_int_equal(drop_scan_headers("From:", 5), DROP_HAVE_FROM);
	assert_int_equal(drop_scan_headers("Fromage: x\n", 11), 0);
	assert_true(drop_name_valid("0123456789ABCDEF"));
	assert_false(drop_name_valid("0123456789abcdef"));
	assert_false(drop_name_valid("0123456789ABCDE"));
	assert_false(drop_name_valid("corrupt"));
}

static void
test_added_headers(void **state)
{
	struct pickup_hdr_in	in = { "mx.example", "bulkhead",
	    "0123456789ABCDEF", 1000, "alice@mx.example", "Alice \"A.\" B",
	    0, 0 };
	char			buf[1024];
	size_t			n;

	(void)state;
	setenv("TZ", "UTC", 1);
	n = pickup_headers(&in, buf, sizeof(buf));
	assert_true(n > 0 && n == strlen(buf));
	assert_string_equal(buf,
	    "Received: by mx.example (bulkhead, from userid 1000)\n"
	    "\tid 0123456789ABCDEF; Thu, 01 Jan 1970 00:00:00 +0000 (UTC)\n"
	    "Date: Thu, 01 Jan 1970 00:00:00 +0000 (UTC)\n"
	    "Message-ID: <19700101000000.0123456789ABCDEF@mx.example>\n"
	    "From: \"Alice \\\"A.\\\" B\" <alice@mx.example>\n");
	/* what the message has is not added; a plain name stays plain */
	in.have = DROP_HAVE_DATE | DROP_HAVE_MSGID;
	in.fullname = "Cron Daemon";
	n = pickup_headers(&in, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nFrom: Cron Daemon <alice@mx.example>\n"));
	assert_null(strstr(buf, "Date:"));
	assert_null(strstr(buf, "Message-ID:"));
	in.have = DROP_HAVE_FROM;
	n = pickup_headers(&in, buf, sizeof(buf));
	assert_null(strstr(buf, "From:"));
	/* too small: nothing */
	assert_int_equal(pickup_headers(&in, buf, 40), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_scan_headers),
		cmocka_unit_test(test_added_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
