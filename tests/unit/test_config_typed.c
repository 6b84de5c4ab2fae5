/*
 * test_config_typed.c: typed parameters: defaults, hostnames,
 * mydestination, integers, times, the sandbox, users, paths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/config.h"

#include "tests/unit/config_fixture.h"

/* Typed parameters. */

void
test_defaults(void **state)
{
	struct bh_config cf;
	char		 err[CF_ERR_MAX];

	if (!hostname_tests_possible()) {
		skip();
		return;
	}
	build_ok(&cf, "");
	assert_int_equal(nwarn, 0);
	assert_string_equal(cf.config_directory, "/etc/bh");
	assert_string_equal(cf.myhostname, "Test-Host.example.net");
	assert_string_equal(cf.mydomain, "example.net");
	assert_string_equal(cf.mail_name, "bulkhead");
	assert_string_equal(cf.smtpd_banner,
	    "Test-Host.example.net ESMTP bulkhead");
	assert_int_equal(cf.mydestination.n, 3);
	assert_string_equal(cf.mydestination.v[0], "test-host.example.net");
	assert_string_equal(cf.mydestination.v[1], "localhost.example.net");
	assert_string_equal(cf.mydestination.v[2], "localhost");
	assert_int_equal(cf.inet_interfaces.n, 1);
	assert_string_equal(cf.inet_interfaces.v[0], "all");
	assert_string_equal(cf.queue_directory, "/var/spool/bulkhead");
	assert_string_equal(cf.empty_directory, "/var/empty");
	assert_string_equal(cf.pid_file, "/run/bulkhead.pid");
	assert_string_equal(cf.maillog_file, "");
	assert_string_equal(cf.smtpd_user, "_bhsmtpd");
	assert_string_equal(cf.queue_user, "_bhqueue");
	assert_string_equal(cf.lookup_user, "_bhlookup");
	assert_string_equal(cf.keys_user, "_bhkeys");
	assert_string_equal(cf.local_user, "_bhlocal");
	assert_int_equal(cf.sandbox, SANDBOX_CHROOT);
	assert_int_equal(cf.alias_maps.n, 1);
	assert_string_equal(cf.alias_maps.v[0], "/etc/aliases");
	assert_string_equal(cf.home_mailbox, "Maildir/");
	assert_string_equal(cf.recipient_delimiter, "");
	assert_int_equal(cf.message_size_limit, 10240000);
	assert_int_equal(cf.smtpd_timeout, 300);
	assert_int_equal(cf.smtpd_recipient_limit, 1000);
	assert_int_equal(cf.local_minimum_uid, 1000);
	assert_int_equal(cf.minimal_backoff_time, 300);
	assert_int_equal(cf.maximal_backoff_time, 4000);
	assert_int_equal(cf.maximal_queue_lifetime, 5 * 86400);
	assert_int_equal(cf.queue_run_delay, 300);
	config_free(&cf);
	config_free(&cf);	/* safe twice: the struct is zeroed */

	/* NULL table and NULL config_dir: the built-in directory. */
	assert_int_equal(config_build(&cf, NULL, NULL, NULL, err,
	    sizeof(err)), 0);
	assert_string_equal(cf.config_directory, BH_CONFIG_DIR);
	config_free(&cf);
}

void
test_bad_default_hostname(void **state)
{
	struct bh_config cf;

	if (!hostname_tests_possible()) {
		skip();
		return;
	}
	set_hostname("box");
	build_ok(&cf, "");
	assert_string_equal(cf.mydomain, "localdomain");
	assert_string_equal(cf.mydestination.v[1], "localhost.localdomain");
	config_free(&cf);

	set_hostname("my_box");
	assert_build_error("", "(default): bad value for myhostname: 'my_box': "
	    "not a valid domain name (set it in main.cf)");
	/* Setting myhostname is the cure. */
	build_ok(&cf, "myhostname = box.example\n");
	assert_string_equal(cf.mydomain, "example");
	config_free(&cf);

	set_hostname("Test-Host.example.net");
}

void
test_mydestination(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = Mail.Example.ORG\n");
	assert_string_equal(cf.mydomain, "Example.ORG");
	assert_int_equal(cf.mydestination.n, 3);
	assert_string_equal(cf.mydestination.v[0], "mail.example.org");
	assert_string_equal(cf.mydestination.v[1], "localhost.example.org");
	assert_string_equal(cf.mydestination.v[2], "localhost");
	config_free(&cf);

	build_ok(&cf, "myhostname = box\n");
	assert_string_equal(cf.mydomain, "localdomain");
	assert_string_equal(cf.mydestination.v[1], "localhost.localdomain");
	config_free(&cf);

	build_ok(&cf, "myhostname = mx.example.net\nmydomain = example.com\n"
	    "mydestination = $myhostname,,  $mydomain\n\tb.example\n");
	assert_int_equal(cf.mydestination.n, 3);
	assert_string_equal(cf.mydestination.v[0], "mx.example.net");
	assert_string_equal(cf.mydestination.v[1], "example.com");
	assert_string_equal(cf.mydestination.v[2], "b.example");
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\nmydestination =\n");
	assert_int_equal(cf.mydestination.n, 0);
	config_free(&cf);

	assert_build_error("myhostname = h.example\n"
	    "mydestination = hash:/etc/x\n", FN ":2: bad value for "
	    "mydestination: 'hash:/etc/x': 'hash:/etc/x' is not a domain name "
	    "(lookup tables are not supported here)");
}

void
test_expansion_in_build(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nlimit = 5\n"
	    "smtpd_recipient_limit = $limit\nsmtpd_banner = $$myhostname "
	    "${mail_name?is $mail_name}\n");
	assert_int_equal(cf.smtpd_recipient_limit, 5);
	assert_string_equal(cf.smtpd_banner, "$myhostname is bulkhead");
	assert_int_equal(nwarn, 1);
	assert_string_equal(warnings[0], FN ":2: unknown parameter limit");
	config_free(&cf);

	assert_build_error("myhostname = h.example\n"
	    "smtpd_banner = ${myhostname\n", FN ":2: bad value for "
	    "smtpd_banner: '${myhostname': unterminated '${'");
	assert_build_error("myhostname = h.example\nsmtpd_banner = $a\n"
	    "a = $b\nb = $a\n", FN ":2: bad value for smtpd_banner: '$a': "
	    "$name expansion nested deeper than 10 levels (a loop through $a?)");
}

void
test_unknown_parameters(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nzzz = 1\nfoo_bar = 2\n"
	    "config_directory = /elsewhere\n");
	assert_int_equal(nwarn, 3);
	/* In file order, not in name order. */
	assert_string_equal(warnings[0], FN ":2: unknown parameter zzz");
	assert_string_equal(warnings[1], FN ":3: unknown parameter foo_bar");
	assert_string_equal(warnings[2], FN ":4: config_directory cannot be "
	    "set in main.cf; it is /etc/bh");
	assert_string_equal(cf.config_directory, "/etc/bh");
	config_free(&cf);
}

void
test_myhostname(void **state)
{
	assert_build_error("myhostname = -bad.example\n", FN ":1: bad value "
	    "for myhostname: '-bad.example': not a valid domain name");
	assert_build_error("\nmyhostname = a..example\n", FN ":2: bad value "
	    "for myhostname: 'a..example': not a valid domain name");
	assert_build_error("myhostname = 192.0.2.1\n", FN ":1: bad value "
	    "for myhostname: '192.0.2.1': not a valid domain name");
	assert_build_error("myhostname = host.123\n", FN ":1: bad value "
	    "for myhostname: 'host.123': not a valid domain name");
	assert_build_error("myhostname = h_x.example\n", FN ":1: bad value "
	    "for myhostname: 'h_x.example': not a valid domain name");
	assert_build_error("myhostname = h.example.\n", FN ":1: bad value "
	    "for myhostname: 'h.example.': not a valid domain name");
}

void
test_integers(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nmessage_size_limit = "
	    "52428800\nsmtpd_recipient_limit = 1\nlocal_minimum_uid = 500\n");
	assert_int_equal(cf.message_size_limit, 52428800);
	assert_int_equal(cf.smtpd_recipient_limit, 1);
	assert_int_equal(cf.local_minimum_uid, 500);
	config_free(&cf);

	assert_build_error("message_size_limit = 10k\n", FN ":1: bad value "
	    "for message_size_limit: '10k': not a decimal number");
	assert_build_error("message_size_limit =\n", FN ":1: bad value "
	    "for message_size_limit: '': not a decimal number");
	assert_build_error("message_size_limit = 0x10\n", FN ":1: bad value "
	    "for message_size_limit: '0x10': not a decimal number");
	assert_build_error("message_size_limit = 99999999999999999999\n",
	    FN ":1: bad value for message_size_limit: '99999999999999999999': "
	    "number out of range");
	assert_build_error("message_size_limit = 0\n", FN ":1: bad value "
	    "for message_size_limit: '0': must be at least 1");
	assert_build_error("smtpd_recipient_limit = -5\n", FN ":1: bad value "
	    "for smtpd_recipient_limit: '-5': must be at least 1");
	assert_build_error("smtpd_recipient_limit = +5\n", FN ":1: bad value "
	    "for smtpd_recipient_limit: '+5': not a decimal number");
	assert_build_error("smtpd_recipient_limit = 1 000\n", FN ":1: bad "
	    "value for smtpd_recipient_limit: '1 000': not a decimal number");
	assert_build_error("local_minimum_uid = 0\n", FN ":1: bad value for "
	    "local_minimum_uid: '0': must be at least 1");
	assert_build_error("local_minimum_uid = 4294967295\n", FN ":1: bad "
	    "value for local_minimum_uid: '4294967295': must be at most "
	    "4294967294");
}

void
test_times(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nsmtpd_timeout = 5m\n"
	    "minimal_backoff_time = 10\nmaximal_backoff_time = 2h\n"
	    "maximal_queue_lifetime = 1w\nqueue_run_delay = 30s\n");
	assert_int_equal(cf.smtpd_timeout, 300);
	assert_int_equal(cf.minimal_backoff_time, 10);
	assert_int_equal(cf.maximal_backoff_time, 7200);
	assert_int_equal(cf.maximal_queue_lifetime, 604800);
	assert_int_equal(cf.queue_run_delay, 30);
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\nmaximal_queue_lifetime = 0\n");
	assert_int_equal(cf.maximal_queue_lifetime, 0);
	config_free(&cf);

	/* A bare number is days for maximal_queue_lifetime, as in Postfix. */
	build_ok(&cf, "myhostname = h.example\nmaximal_queue_lifetime = 2\n"
	    "smtpd_timeout = 2\n");
	assert_int_equal(cf.maximal_queue_lifetime, 2 * 86400);
	assert_int_equal(cf.smtpd_timeout, 2);
	config_free(&cf);

	assert_build_error("smtpd_timeout = 10x\n", FN ":1: bad value for "
	    "smtpd_timeout: '10x': bad time unit 'x' (use s, m, h, d or w)");
	assert_build_error("smtpd_timeout = 10ms\n", FN ":1: bad value for "
	    "smtpd_timeout: '10ms': bad time unit 'ms' (use s, m, h, d or w)");
	assert_build_error("smtpd_timeout = 10S\n", FN ":1: bad value for "
	    "smtpd_timeout: '10S': bad time unit 'S' (use s, m, h, d or w)");
	assert_build_error("smtpd_timeout = s\n", FN ":1: bad value for "
	    "smtpd_timeout: 's': not a decimal number");
	assert_build_error("smtpd_timeout = 0s\n", FN ":1: bad value for "
	    "smtpd_timeout: '0s': must be at least 1");
	assert_build_error("queue_run_delay = 99999999999w\n", FN ":1: bad "
	    "value for queue_run_delay: '99999999999w': must be at most "
	    "2147483647");
	assert_build_error("queue_run_delay = 9999999999999999999w\n", FN ":1: "
	    "bad value for queue_run_delay: '9999999999999999999w': number "
	    "out of range");
	assert_build_error("maximal_backoff_time = 100s\n", FN ":1: bad value "
	    "for maximal_backoff_time: '100s': less than minimal_backoff_time "
	    "(default)");
	assert_build_error("\nminimal_backoff_time = 2h\n", FN ":2: bad value "
	    "for minimal_backoff_time: '2h': greater than maximal_backoff_time "
	    "(default)");
	assert_build_error("minimal_backoff_time = 1h\nmaximal_backoff_time = "
	    "59m\n", FN ":2: bad value for maximal_backoff_time: '59m': less "
	    "than minimal_backoff_time (" FN ":1)");
}

void
test_sandbox(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nsandbox = jail\n");
	assert_int_equal(cf.sandbox, SANDBOX_JAIL);
	config_free(&cf);
	assert_build_error("myhostname = h.example\nsandbox = docker\n",
	    FN ":2: bad value for sandbox: 'docker': must be chroot or jail");
	assert_build_error("sandbox = Chroot\n", FN ":1: bad value for "
	    "sandbox: 'Chroot': must be chroot or jail");
}

void
test_users(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nsmtpd_user = s\nqueue_user = q\n"
	    "lookup_user = l\nlocal_user = d\n");
	assert_string_equal(cf.smtpd_user, "s");
	assert_string_equal(cf.local_user, "d");
	config_free(&cf);

	assert_build_error("myhostname = h.example\nqueue_user = _bhsmtpd\n",
	    FN ":2: bad value for queue_user: '_bhsmtpd': same user as "
	    "smtpd_user (default): each compartment needs its own uid");
	assert_build_error("smtpd_user = _bhqueue\n", FN ":1: bad value for "
	    "smtpd_user: '_bhqueue': same user as queue_user (default): each "
	    "compartment needs its own uid");
	assert_build_error("smtpd_user = a\nqueue_user = b\nlocal_user = a\n",
	    FN ":3: bad value for local_user: 'a': same user as smtpd_user "
	    "(" FN ":1): each compartment needs its own uid");
	assert_build_error("local_user = root\n", FN ":1: bad value for "
	    "local_user: 'root': a compartment never runs as root");
	assert_build_error("\ndefault_privs = root\n", FN ":2: bad value for "
	    "default_privs: 'root': default_privs may not be root");
	assert_build_error("default_privs = no body\n", FN ":1: bad value for "
	    "default_privs: 'no body': a user name has no white space, "
	    "control characters or ':'");
	assert_build_error("lookup_user =\n", FN ":1: bad value for "
	    "lookup_user: '': empty user name");
	assert_build_error("smtpd_user = a b\n", FN ":1: bad value for "
	    "smtpd_user: 'a b': a user name has no white space, control "
	    "characters or ':'");
}

void
test_paths(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nmaillog_file = /var/log/bh\n"
	    "queue_directory = /q\nempty_directory = /e\npid_file = /p\n");
	assert_string_equal(cf.maillog_file, "/var/log/bh");
	assert_string_equal(cf.queue_directory, "/q");
	config_free(&cf);

	assert_build_error("queue_directory = spool\n", FN ":1: bad value for "
	    "queue_directory: 'spool': not an absolute path");
	assert_build_error("pid_file = run/x.pid\n", FN ":1: bad value for "
	    "pid_file: 'run/x.pid': not an absolute path");
	assert_build_error("maillog_file = log\n", FN ":1: bad value for "
	    "maillog_file: 'log': neither empty (syslog) nor an absolute path");
	assert_build_error("empty_directory = /var/spool/bulkhead/\n",
	    FN ":1: bad value for empty_directory: '/var/spool/bulkhead/': "
	    "same directory as queue_directory (default)");
	assert_build_error("queue_directory = /var/empty\n", FN ":1: bad value "
	    "for queue_directory: '/var/empty': same directory as "
	    "empty_directory (default)");
}
