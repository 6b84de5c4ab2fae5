/*
 * test_mastercf.c: master.cf services and bulkhead's restrictions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/mastercf.h"

#define FN	"m.cf"
#define ERRMAX	512

/* A copy without a terminating NUL, so that ASan sees any over-read. */
static char *
exact(const char *s, size_t *len)
{
	char	*b;

	*len = strlen(s);
	b = malloc(*len ? *len : 1);
	assert_non_null(b);
	memcpy(b, s, *len);
	return b;
}

static void
parse_ok(struct mcf_table *t, const char *text)
{
	char	 err[ERRMAX] = "", *b;
	size_t	 n;
	int	 rc;

	b = exact(text, &n);
	rc = mcf_parse_buffer(t, b, n, FN, err, sizeof(err));
	free(b);
	if (rc != 0)
		fail_msg("unexpected error: %s", err);
}

static void
assert_error(const char *text, const char *want)
{
	struct mcf_table t;
	char		 err[ERRMAX] = "", *b;
	size_t		 n;

	b = exact(text, &n);
	assert_int_equal(mcf_parse_buffer(&t, b, n, FN, err, sizeof(err)), -1);
	free(b);
	assert_string_equal(err, want);
	assert_null(t.v);
	assert_int_equal(t.n, 0);
}

static void
assert_service(const struct mcf_service *s, const char *name,
    const char *host, const char *port, int line)
{
	assert_string_equal(s->name, name);
	if (host == NULL)
		assert_null(s->host);
	else {
		assert_non_null(s->host);
		assert_string_equal(s->host, host);
	}
	assert_string_equal(s->port, port);
	assert_string_equal(s->command, "smtpd");
	assert_string_equal(s->file, FN);
	assert_int_equal(s->line, line);
}

static void
assert_option(const struct mcf_service *s, size_t i, const char *name,
    const char *value)
{
	assert_true(i < s->nopts);
	assert_string_equal(s->opts[i].name, name);
	assert_string_equal(s->opts[i].value, value);
}

/* One service line with the given service field and default flags. */
static void
service_line(char *buf, size_t len, const char *service)
{
	snprintf(buf, len, "%s inet n - y - - smtpd\n", service);
}

static void
test_standard_services(void **state)
{
	struct mcf_table t;

	parse_ok(&t,
	    "# ==========================================================\n"
	    "# service type  private unpriv  chroot  wakeup  maxproc command\n"
	    "# ==========================================================\n"
	    "smtp       inet  n       -       y       -       -       smtpd\n"
	    "submission inet  n       -       y       -       -       smtpd\n"
	    "  -o smtpd_tls_security_level=encrypt\n"
	    "  -o smtpd_sasl_auth_enable=yes\n"
	    "\n"
	    "smtps      inet  n       -       y       -       -       smtpd\n"
	    "  -o smtpd_tls_wrappermode=yes\n");
	assert_int_equal(t.n, 3);
	assert_service(&t.v[0], "smtp", NULL, "25", 4);
	assert_int_equal(t.v[0].maxproc, -1);
	assert_int_equal(t.v[0].nopts, 0);
	assert_service(&t.v[1], "submission", NULL, "587", 5);
	assert_int_equal(t.v[1].nopts, 2);
	assert_option(&t.v[1], 0, "smtpd_tls_security_level", "encrypt");
	assert_option(&t.v[1], 1, "smtpd_sasl_auth_enable", "yes");
	assert_service(&t.v[2], "smtps", NULL, "465", 9);
	assert_int_equal(t.v[2].nopts, 1);
	assert_option(&t.v[2], 0, "smtpd_tls_wrappermode", "yes");
	mcf_free(&t);
	mcf_free(&t);	/* safe twice */

	parse_ok(&t, "");
	assert_int_equal(t.n, 0);
	mcf_free(&t);
}

static void
test_addresses(void **state)
{
	struct mcf_table t;

	parse_ok(&t,
	    "127.0.0.1:2525 inet n - y - - smtpd\n"
	    "[::1]:2525     inet n - y - - smtpd\n"
	    "2526           inet n - y - - smtpd\n"
	    "127.0.0.1:smtp inet n - y - - smtpd\n"
	    "[2001:DB8::0001]:submissions inet n - y - 10 smtpd\n"
	    "192.0.2.1:00587 inet - y - 0 0 smtpd\n");
	assert_int_equal(t.n, 6);
	assert_service(&t.v[0], "127.0.0.1:2525", "127.0.0.1", "2525", 1);
	assert_service(&t.v[1], "[::1]:2525", "::1", "2525", 2);
	assert_service(&t.v[2], "2526", NULL, "2526", 3);
	assert_service(&t.v[3], "127.0.0.1:smtp", "127.0.0.1", "25", 4);
	/* Hosts are kept in canonical form, for comparison and binding. */
	assert_service(&t.v[4], "[2001:DB8::0001]:submissions", "2001:db8::1",
	    "465", 5);
	assert_int_equal(t.v[4].maxproc, 10);
	assert_service(&t.v[5], "192.0.2.1:00587", "192.0.2.1", "587", 6);
	assert_int_equal(t.v[5].maxproc, 0);
	mcf_free(&t);
}

static void
test_bad_type(void **state)
{
	assert_error("smtp inet n - y - - smtpd\npickup unix n - y 60 1 pickup\n",
	    FN ":2: bad type 'unix': only inet services can be declared; "
	    "bulkhead's internal compartments are fixed");
	assert_error("smtp fifo n - y - - smtpd\n", FN ":1: bad type 'fifo': "
	    "only inet services can be declared; bulkhead's internal "
	    "compartments are fixed");
}

static void
test_bad_flags(void **state)
{
	assert_error("smtp inet n n y - - smtpd\n", FN ":1: bad unpriv field "
	    "'n': bulkhead never runs a network service as root");
	assert_error("smtp inet n x y - - smtpd\n", FN ":1: bad unpriv field "
	    "'x': use y or -");
	assert_error("smtp inet n - n - - smtpd\n", FN ":1: bad chroot field "
	    "'n': bulkhead never runs a network service outside its sandbox");
	assert_error("smtp inet y - y - - smtpd\n", FN ":1: bad private field "
	    "'y': a network service is never private (use n or -)");
	assert_error("smtp inet n - y 60 - smtpd\n", FN ":1: bad wakeup field "
	    "'60': wake-up timers are not supported (use - or 0)");
	assert_error("smtp inet n - y - x smtpd\n", FN ":1: bad maxproc field "
	    "'x': use - or a number from 0 to 100000");
	assert_error("smtp inet n - y - -1 smtpd\n", FN ":1: bad maxproc field "
	    "'-1': use - or a number from 0 to 100000");
	assert_error("smtp inet n - y - 100001 smtpd\n", FN ":1: bad maxproc "
	    "field '100001': use - or a number from 0 to 100000");
}

static void
test_unknown_command(void **state)
{
	assert_error("smtp inet n - y - - qmgr\n", FN ":1: unknown command "
	    "'qmgr': only smtpd can serve a network service");
	assert_error("smtp inet n - y - - smtpd -v\n", FN ":1: bad argument "
	    "'-v': smtpd takes only -o name=value");
	assert_error("smtp inet n - y - - smtpd -o\n", FN ":1: bad argument "
	    "'-o': missing name=value after -o");
	assert_error("smtp inet n - y - - smtpd -o foo\n", FN ":1: bad -o "
	    "option 'foo': expected name=value");
	assert_error("smtp inet n - y - - smtpd -o =x\n", FN ":1: bad -o "
	    "option '=x': expected name=value");
	assert_error("smtp inet n - y - - smtpd -o a-b=x\n", FN ":1: bad -o "
	    "option 'a-b=x': a parameter name has only letters, digits and "
	    "'_'");
}

static void
test_bad_ports(void **state)
{
	static const char *const bad_port[] = {
		"0", "65536", "99999999999999999999", "pop3", "127.0.0.1:",
		"[::1]:0", "-1", "25x",
	};
	char	 line[128], want[ERRMAX];
	size_t	 i;

	for (i = 0; i < sizeof(bad_port) / sizeof(bad_port[0]); i++) {
		service_line(line, sizeof(line), bad_port[i]);
		snprintf(want, sizeof(want), FN ":1: bad service '%s': the port "
		    "must be 1..65535 or one of smtp, submission, smtps, "
		    "submissions", bad_port[i]);
		assert_error(line, want);
	}
	assert_error("mail.example.org:25 inet n - y - - smtpd\n", FN ":1: bad "
	    "service 'mail.example.org:25': the host part must be a numeric "
	    "IPv4 address or [IPv6 address] (host names are not looked up)");
	assert_error(":25 inet n - y - - smtpd\n", FN ":1: bad service ':25': "
	    "the host part must be a numeric IPv4 address or [IPv6 address] "
	    "(host names are not looked up)");
	assert_error("::1:25 inet n - y - - smtpd\n", FN ":1: bad service "
	    "'::1:25': write an IPv6 address in brackets: [address]:port");
	assert_error("[::1]25 inet n - y - - smtpd\n", FN ":1: bad service "
	    "'[::1]25': expected [address]:port");
	assert_error("[::1 inet n - y - - smtpd\n", FN ":1: bad service "
	    "'[::1': expected [address]:port");
	assert_error("[127.0.0.1]:25 inet n - y - - smtpd\n", FN ":1: bad "
	    "service '[127.0.0.1]:25': not a numeric IPv6 address in []");
}

static void
test_duplicates(void **state)
{
	struct mcf_table t;

	assert_error("smtp inet n - y - - smtpd\n# comment\n"
	    "25 inet n - y - - smtpd\n", FN ":3: duplicate service '25': same "
	    "address and port as 'smtp' at line 1");
	assert_error("smtps inet n - y - - smtpd\nsubmissions inet n - y - - "
	    "smtpd\n", FN ":2: duplicate service 'submissions': same address "
	    "and port as 'smtps' at line 1");
	assert_error("[::1]:25 inet n - y - - smtpd\n[0::0001]:smtp inet n - y "
	    "- - smtpd\n", FN ":2: duplicate service '[0::0001]:smtp': same "
	    "address and port as '[::1]:25' at line 1");

	/* Same port, different addresses: not a duplicate here. */
	parse_ok(&t, "smtp inet n - y - - smtpd\n"
	    "127.0.0.1:25 inet n - y - - smtpd\n[::1]:25 inet n - y - - smtpd\n");
	assert_int_equal(t.n, 3);
	mcf_free(&t);
}

static void
test_continuation_options(void **state)
{
	struct mcf_table t;

	parse_ok(&t, "submission inet n - y\n"
	    "    - - smtpd\n"
	    "# a comment inside the service does not end it\n"
	    "    -o smtpd_tls_security_level=encrypt -osmtpd_a=1\n"
	    "\t-o\n\t  smtpd_b=x=y\n"
	    "    -o smtpd_empty=\n"
	    "    -o smtpd_a=2\n"
	    "smtp inet n - y - - smtpd\n");
	assert_int_equal(t.n, 2);
	assert_service(&t.v[0], "submission", NULL, "587", 1);
	assert_int_equal(t.v[0].nopts, 4);
	assert_option(&t.v[0], 0, "smtpd_tls_security_level", "encrypt");
	assert_option(&t.v[0], 1, "smtpd_a", "2");	/* the last one wins */
	assert_option(&t.v[0], 2, "smtpd_b", "x=y");
	assert_option(&t.v[0], 3, "smtpd_empty", "");
	assert_service(&t.v[1], "smtp", NULL, "25", 9);
	mcf_free(&t);

	assert_error("   smtp inet n - y - - smtpd\n", FN ":1: continuation "
	    "line (starts with white space) without a line before it");
}

static void
test_too_few_fields(void **state)
{
	assert_error("smtp inet n - y\n", FN ":1: 5 fields, expected at least "
	    "8: service type private unpriv chroot wakeup maxproc command");
	assert_error("smtp inet n - y - - smtpd\nsmtps\n", FN ":2: 1 field, "
	    "expected at least 8: service type private unpriv chroot wakeup "
	    "maxproc command");
}

static void
test_option_limit(void **state)
{
	struct mcf_table t;
	char		 text[4096], opt[32];
	int		 i;

	snprintf(text, sizeof(text), "smtp inet n - y - - smtpd\n");
	for (i = 0; i < MCF_OPT_MAX; i++) {
		snprintf(opt, sizeof(opt), " -o p%d=%d\n", i, i);
		strlcat(text, opt, sizeof(text));
	}
	parse_ok(&t, text);
	assert_int_equal(t.v[0].nopts, MCF_OPT_MAX);
	mcf_free(&t);
	strlcat(text, " -o p0=again\n", sizeof(text));	/* replaces p0 */
	parse_ok(&t, text);
	assert_option(&t.v[0], 0, "p0", "again");
	mcf_free(&t);
	strlcat(text, " -o one_more=1\n", sizeof(text));
	assert_error(text, FN ":1: bad -o option 'one_more=1': too many -o "
	    "options (at most 32)");
}

static void
test_nul_and_length(void **state)
{
	static const char text[] = "smtp inet n - y - - smtpd\n\0\n";
	struct mcf_table t;
	char		 err[ERRMAX];

	assert_int_equal(mcf_parse_buffer(&t, text, sizeof(text) - 1, FN, err,
	    sizeof(err)), -1);
	assert_string_equal(err, FN ":2: NUL byte in line");
	/* Only len bytes count: the line is cut before "smtpd". */
	assert_int_equal(mcf_parse_buffer(&t, text, 19, FN, err,
	    sizeof(err)), -1);
	assert_string_equal(err, FN ":1: 7 fields, expected at least 8: "
	    "service type private unpriv chroot wakeup maxproc command");
}

static void
test_parse_file(void **state)
{
	struct mcf_table t;
	char		 path[] = "/tmp/test_mastercf.XXXXXX", err[ERRMAX];
	char		 want[ERRMAX];
	const char	*text = "smtp inet n - y - - smtpd\n";
	int		 fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(mcf_parse_file(&t, path, err, sizeof(err)), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.v[0].file, path);
	mcf_free(&t);
	unlink(path);
	assert_int_equal(mcf_parse_file(&t, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot open: %s", path,
	    strerror(ENOENT));
	assert_string_equal(err, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standard_services),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_bad_type),
		cmocka_unit_test(test_bad_flags),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_bad_ports),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_continuation_options),
		cmocka_unit_test(test_too_few_fields),
		cmocka_unit_test(test_option_limit),
		cmocka_unit_test(test_nul_and_length),
		cmocka_unit_test(test_parse_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
