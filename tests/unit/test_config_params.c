/*
 * test_config_params.c: the parameters of each part: alias_maps,
 * home_mailbox, recipient_delimiter, inet_interfaces, list limits,
 * bulkctl's print, |command and /file delivery, smtpd, the relay.
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

void
test_alias_maps(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nalias_maps = hash:/etc/aliases,"
	    " /etc/more btree:/b, lmdb:/l\n  cdb:/c texthash:/t\n");
	assert_int_equal(cf.alias_maps.n, 6);
	assert_string_equal(cf.alias_maps.v[0], "/etc/aliases");
	assert_string_equal(cf.alias_maps.v[1], "/etc/more");
	assert_string_equal(cf.alias_maps.v[2], "/b");
	assert_string_equal(cf.alias_maps.v[3], "/l");
	assert_string_equal(cf.alias_maps.v[4], "/c");
	assert_string_equal(cf.alias_maps.v[5], "/t");
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\nalias_maps =\n");
	assert_int_equal(cf.alias_maps.n, 0);
	config_free(&cf);

	assert_build_error("alias_maps = regexp:/etc/x\n", FN ":1: bad value "
	    "for alias_maps: 'regexp:/etc/x': unsupported table type 'regexp' "
	    "in 'regexp:/etc/x' (use hash:/path or /path)");
	assert_build_error("alias_maps = /a, proxy:hash:/etc/aliases\n",
	    FN ":1: bad value for alias_maps: '/a, proxy:hash:/etc/aliases': "
	    "unsupported table type 'proxy' in 'proxy:hash:/etc/aliases' (use "
	    "hash:/path or /path)");
	assert_build_error("alias_maps = ldap:/etc/x\n", FN ":1: bad value "
	    "for alias_maps: 'ldap:/etc/x': unsupported table type 'ldap' "
	    "in 'ldap:/etc/x' (use hash:/path or /path)");
	assert_build_error("alias_maps = hash:etc/aliases\n", FN ":1: bad value "
	    "for alias_maps: 'hash:etc/aliases': 'hash:etc/aliases' is not an "
	    "absolute path");
	assert_build_error("alias_maps = aliases\n", FN ":1: bad value for "
	    "alias_maps: 'aliases': 'aliases' is not an absolute path");
}

void
test_home_mailbox(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nhome_mailbox = mail/inbox/\n");
	assert_string_equal(cf.home_mailbox, "mail/inbox/");
	config_free(&cf);

	assert_build_error("home_mailbox = /var/mail/\n", FN ":1: bad value for "
	    "home_mailbox: '/var/mail/': must be relative to the home "
	    "directory");
	/* An mbox file in home, and (empty) one in mail_spool_directory. */
	build_ok(&cf, "myhostname = h.example\nhome_mailbox = mail/Mailbox\n");
	assert_string_equal(cf.home_mailbox, "mail/Mailbox");
	assert_string_equal(cf.mail_spool_directory, "/var/mail");
	config_free(&cf);
	build_ok(&cf, "myhostname = h.example\nhome_mailbox =\n"
	    "mail_spool_directory = /var/spool/mail\n");
	assert_string_equal(cf.home_mailbox, "");
	assert_string_equal(cf.mail_spool_directory, "/var/spool/mail");
	config_free(&cf);
	assert_build_error("home_mailbox = mail/..\n", FN ":1: bad value "
	    "for home_mailbox: 'mail/..': must not contain a '..' component");
	assert_build_error("home_mailbox = mail/.\n", FN ":1: bad value "
	    "for home_mailbox: 'mail/.': must not contain empty or '.' "
	    "components");
	assert_build_error("mail_spool_directory = var/mail\n", FN ":1: bad "
	    "value for mail_spool_directory: 'var/mail': not an absolute "
	    "path");
	assert_build_error("home_mailbox = ../Maildir/\n", FN ":1: bad value "
	    "for home_mailbox: '../Maildir/': must not contain a '..' "
	    "component");
	assert_build_error("home_mailbox = a/../b/\n", FN ":1: bad value for "
	    "home_mailbox: 'a/../b/': must not contain a '..' component");
	assert_build_error("home_mailbox = ./\n", FN ":1: bad value for "
	    "home_mailbox: './': must not contain empty or '.' components");
	assert_build_error("home_mailbox = a//\n", FN ":1: bad value for "
	    "home_mailbox: 'a//': must not contain empty or '.' components");
}

void
test_recipient_delimiter(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nrecipient_delimiter = +-\n");
	assert_string_equal(cf.recipient_delimiter, "+-");
	config_free(&cf);

	assert_build_error("recipient_delimiter = a\n", FN ":1: bad value for "
	    "recipient_delimiter: 'a': 'a' cannot be a delimiter: use "
	    "punctuation such as + or -");
	assert_build_error("recipient_delimiter = +@\n", FN ":1: bad value for "
	    "recipient_delimiter: '+@': '@' cannot be a delimiter: use "
	    "punctuation such as + or -");
	assert_build_error("recipient_delimiter = + -\n", FN ":1: bad value "
	    "for recipient_delimiter: '+ -': ' ' cannot be a delimiter: use "
	    "punctuation such as + or -");
	assert_build_error("recipient_delimiter = +++++++++\n", FN ":1: bad "
	    "value for recipient_delimiter: '+++++++++': more than 8 "
	    "delimiter characters");
}

void
test_inet_interfaces(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\n"
	    "inet_interfaces = 127.0.0.1, [::1] 2001:db8::25\n");
	assert_int_equal(cf.inet_interfaces.n, 3);
	assert_string_equal(cf.inet_interfaces.v[0], "127.0.0.1");
	assert_string_equal(cf.inet_interfaces.v[1], "::1");
	assert_string_equal(cf.inet_interfaces.v[2], "2001:db8::25");
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\ninet_interfaces = Loopback-Only\n");
	assert_string_equal(cf.inet_interfaces.v[0], "loopback-only");
	config_free(&cf);

	assert_build_error("inet_interfaces = localhost\n", FN ":1: bad value "
	    "for inet_interfaces: 'localhost': 'localhost' is not all, "
	    "loopback-only or a numeric IPv4/IPv6 address (host names are not "
	    "looked up)");
	assert_build_error("inet_interfaces = 127.0.0.1, all\n", FN ":1: bad "
	    "value for inet_interfaces: '127.0.0.1, all': all and "
	    "loopback-only cannot be combined with anything else");
	assert_build_error("inet_interfaces = ::1 loopback-only\n", FN ":1: "
	    "bad value for inet_interfaces: '::1 loopback-only': all and "
	    "loopback-only cannot be combined with anything else");
	assert_build_error("inet_interfaces =\n", FN ":1: bad value for "
	    "inet_interfaces: '': no interface given");
}

void
test_list_limit(void **state)
{
	struct bh_config cf;
	char		 text[1024], err[2048];
	const char	*prefix = FN ":1: bad value for mydestination: "
	    "'a.example a.example ";
	size_t		 i;

	snprintf(text, sizeof(text), "mydestination =");
	for (i = 0; i <= BH_LIST_MAX; i++)
		strlcat(text, " a.example", sizeof(text));
	strlcat(text, "\n", sizeof(text));
	assert_int_equal(build(&cf, text, err, sizeof(err)), -1);
	assert_int_equal(strncmp(err, prefix, strlen(prefix)), 0);
	assert_non_null(strstr(err, " a.example': more than 64 elements"));
	config_free(&cf);
}

void
test_config_print(void **state)
{
	struct bh_config cf;
	FILE		*fp;
	char		 out[8192], *line, *save, prev[128] = "";
	size_t		 n, lines = 0;

	build_ok(&cf, "myhostname = h.example\nalias_maps = /a, /b\n"
	    "sandbox = jail\n");
	assert_non_null(fp = tmpfile());
	config_print(&cf, fileno(fp));
	rewind(fp);
	n = fread(out, 1, sizeof(out) - 1, fp);
	out[n] = '\0';
	fclose(fp);
	config_free(&cf);

	assert_non_null(strstr(out, "alias_maps = /a, /b\n"));
	assert_non_null(strstr(out, "\nconfig_directory = /etc/bh\n"));
	assert_non_null(strstr(out, "\nmaximal_queue_lifetime = 5d\n"));
	assert_non_null(strstr(out, "\nmaximal_backoff_time = 4000s\n"));
	assert_non_null(strstr(out, "\nmessage_size_limit = 10240000\n"));
	assert_non_null(strstr(out, "\nmaillog_file =\n"));	/* as postconf */
	assert_non_null(strstr(out, "\nmydestination = h.example, "
	    "localhost.example, localhost\n"));
	assert_non_null(strstr(out, "\nsandbox = jail\n"));
	assert_non_null(strstr(out, "\nsmtpd_banner = h.example ESMTP "
	    "bulkhead\n"));
	assert_non_null(strstr(out, "\nsmtpd_timeout = 5m\n"));
	assert_non_null(strstr(out, "\ndefault_privs = nobody\n"));
	assert_non_null(strstr(out, "\ndeliver_lock_attempts = 20\n"));
	assert_non_null(strstr(out, "\nstale_lock_time = 500s\n"));
	assert_non_null(strstr(out, "\nlocal_writer_limit = 64\n"));
	assert_non_null(strstr(out, "\nlocal_writer_idle_limit = 48\n"));
	assert_non_null(strstr(out, "\nlocal_time_limit = 1000s\n"));
	assert_non_null(strstr(out,
	    "\nlocal_destination_concurrency_limit = 20\n"));
	assert_non_null(strstr(out, "\nbounce_queue_lifetime = 5d\n"));
	assert_non_null(strstr(out, "\nbounce_size_limit = 50000\n"));
	assert_non_null(strstr(out, "\ndelay_warning_time = 0s\n"));
	assert_non_null(strstr(out, "2bounce_notice_recipient = postmaster\n"));
	assert_non_null(strstr(out, "\ncontrol_timeout = 1m\n"));
	assert_non_null(strstr(out, "\nsyslog_name = bulkhead\n"));
	assert_non_null(strstr(out, "\npickup_user = _bhpickup\n"));
	assert_non_null(strstr(out, "\ntrusted_users = root\n"));
	assert_non_null(strstr(out, "\nrelay_user = _bhrelay\n"));
	assert_non_null(strstr(out, "\nrelayhost =\n"));
	assert_non_null(strstr(out, "\nsmtp_connect_timeout = 30s\n"));
	assert_non_null(strstr(out, "\nsmtp_data_done_timeout = 10m\n"));
	assert_non_null(strstr(out, "\nkeys_user = _bhkeys\n"));
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		assert_true(strcmp(prev, line) < 0);
		assert_non_null(strstr(line, " ="));
		snprintf(prev, sizeof(prev), "%s", line);
		lines++;
	}
	assert_int_equal(lines, 109);	/* every parameter */
}

/* |command and /file delivery: Postfix's names and defaults. */
void
test_command_parameters(void **state)
{
	struct bh_config	 cf;

	memset(&cf, 0, sizeof(cf));
	build_ok(&cf, "myhostname = h.example\n");
	assert_int_equal(cf.allow_mail_to_commands.n, 2);
	assert_string_equal(cf.allow_mail_to_commands.v[0], "alias");
	assert_string_equal(cf.allow_mail_to_commands.v[1], "forward");
	assert_int_equal(cf.allow_mail_to_files.n, 2);
	assert_int_equal(cf.command_time_limit, 1000);
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\n"
	    "allow_mail_to_commands = Forward, include\n"
	    "allow_mail_to_files =\n"
	    "command_time_limit = 2m\n");
	assert_int_equal(cf.allow_mail_to_commands.n, 2);
	assert_string_equal(cf.allow_mail_to_commands.v[0], "forward");
	assert_string_equal(cf.allow_mail_to_commands.v[1], "include");
	assert_int_equal(cf.allow_mail_to_files.n, 0);
	assert_int_equal(cf.command_time_limit, 120);
	config_free(&cf);

	assert_build_error("myhostname = h.example\n"
	    "allow_mail_to_files = alias, pipe\n",
	    "t.cf:2: bad value for allow_mail_to_files: 'alias, pipe': "
	    "'pipe' is not one of alias, forward, include");
	assert_build_error("myhostname = h.example\n"
	    "command_time_limit = 0\n",
	    "t.cf:2: bad value for command_time_limit: '0': must be at "
	    "least 1");
}

/* smtpd parameters: bare-newline policy, mynetworks, relay_domains. */
void
test_smtpd_parameters(void **state)
{
	struct bh_config	 cf;

	memset(&cf, 0, sizeof(cf));
	build_ok(&cf, "myhostname = h.example\n");
	assert_string_equal(cf.smtpd_forbid_bare_newline, "reject");
	assert_int_equal(cf.mynetworks.n, 2);
	assert_string_equal(cf.mynetworks.v[0], "127.0.0.1/32");
	assert_string_equal(cf.mynetworks.v[1], "::1/128");
	assert_int_equal(cf.relay_domains.n, 0);
	assert_int_equal(cf.smtpd_hard_error_limit, 20);
	assert_int_equal(cf.smtpd_client_connection_count_limit, 50);
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\n"
	    "mynetworks = 192.0.2.0/24 [2001:DB8::]/32, 10.1.2.3 [::1]\n"
	    "relay_domains = Relay.Example\n"
	    "smtpd_forbid_bare_newline = normalize\n");
	assert_int_equal(cf.mynetworks.n, 4);
	assert_string_equal(cf.mynetworks.v[0], "192.0.2.0/24");
	assert_string_equal(cf.mynetworks.v[1], "2001:db8::/32");
	assert_string_equal(cf.mynetworks.v[2], "10.1.2.3/32");
	assert_string_equal(cf.mynetworks.v[3], "::1/128");
	assert_string_equal(cf.relay_domains.v[0], "relay.example");
	config_free(&cf);

	assert_build_error("mynetworks = 192.0.2.1/24\n", FN ":1: bad value for "
	    "mynetworks: '192.0.2.1/24': bits set beyond the prefix");
	assert_build_error("mynetworks = 192.0.2.0/33\n", FN ":1: bad value for "
	    "mynetworks: '192.0.2.0/33': not a network address/prefix "
	    "(host names and tables are not supported here)");
	assert_build_error("mynetworks = hash:/etc/nets\n", FN ":1: bad value for "
	    "mynetworks: 'hash:/etc/nets': not a network address/prefix "
	    "(host names and tables are not supported here)");
	assert_build_error("smtpd_forbid_bare_newline = no\n", FN ":1: bad value for "
	    "smtpd_forbid_bare_newline: 'no': use reject, normalize or yes "
	    "(= normalize)");
}

/* The relay's parameters: Postfix's names and defaults; relayhost. */
void
test_relay_parameters(void **state)
{
	struct bh_config	 cf;

	memset(&cf, 0, sizeof(cf));
	build_ok(&cf, "myhostname = h.example\n");
	assert_string_equal(cf.relay_user, "_bhrelay");
	assert_string_equal(cf.relayhost, "");
	assert_string_equal(cf.smtp_helo_name, "h.example");
	assert_int_equal(cf.smtp_connect_timeout, 30);
	assert_int_equal(cf.smtp_helo_timeout, 300);
	assert_int_equal(cf.smtp_data_init_timeout, 120);
	assert_int_equal(cf.smtp_data_xfer_timeout, 180);
	assert_int_equal(cf.smtp_data_done_timeout, 600);
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\n"
	    "relayhost = [192.0.2.1]:2525\nsmtp_connect_timeout = 5\n");
	assert_string_equal(cf.relayhost, "[192.0.2.1]:2525");
	assert_int_equal(cf.smtp_connect_timeout, 5);
	config_free(&cf);
	build_ok(&cf, "myhostname = h.example\nrelayhost = [2001:db8::1]\n");
	config_free(&cf);
	/* dns: its own account, resolvers as [address]:port */
	build_ok(&cf, "myhostname = h.example\n"
	    "dns_resolvers = [127.0.0.1]:5353, [::1]\n");
	assert_string_equal(cf.dns_user, "_bhdns");
	assert_int_equal(cf.dns_resolvers.n, 2);
	assert_string_equal(cf.dns_resolvers.v[0], "127.0.0.1@5353");
	assert_string_equal(cf.dns_resolvers.v[1], "::1@53");
	config_free(&cf);

	assert_build_error("relayhost = [192.0.2.1]:0\n", FN ":1: bad value "
	    "for relayhost: '[192.0.2.1]:0': bad port: write [address]:port, "
	    "port 1..65535");
	assert_build_error("relayhost = [192.0.2.1\n", FN ":1: bad value "
	    "for relayhost: '[192.0.2.1': no closing ]");
	assert_build_error("relayhost = [smart_x.example]\n", FN ":1: bad "
	    "value for relayhost: '[smart_x.example]': bad host name or "
	    "address in brackets");
	/* host names: the dns compartment resolves them */
	build_ok(&cf, "myhostname = h.example\n"
	    "relayhost = [smart.example]:2525\n");
	config_free(&cf);
	build_ok(&cf, "myhostname = h.example\nrelayhost = smart.example\n");
	/* Postfix's defaults */
	assert_string_equal(cf.default_transport, "smtp");
	assert_int_equal(cf.default_destination_concurrency_limit, 20);
	assert_int_equal(cf.default_process_limit, 100);
	assert_string_equal(cf.smtp_connection_cache_on_demand, "yes");
	assert_int_equal(cf.smtp_connection_cache_time_limit, 2);
	assert_int_equal(cf.smtp_rset_timeout, 20);
	config_free(&cf);
	build_ok(&cf, "myhostname = h.example\n"
	    "default_transport = error:5.7.1 no mail out\n");
	config_free(&cf);
	assert_build_error("default_transport = uucp\n", FN ":1: bad value "
	    "for default_transport: 'uucp': unknown transport (use smtp, "
	    "relay, local, error, retry or discard)");
	assert_build_error("dns_resolvers = [ns.example]\n", FN ":1: bad value "
	    "for dns_resolvers: '[ns.example]': write [address] or "
	    "[address]:port");
	build_ok(&cf, "myhostname = h.example\n"
	    "smtp_tls_security_level = verify\n");
	assert_string_equal(cf.smtp_tls_security_level, "verify");
	assert_string_equal(cf.smtp_tls_CAfile, "");
	assert_string_equal(cf.smtp_tls_secure_cert_match,
	    "nexthop, dot-nexthop");
	assert_string_equal(cf.smtp_tls_verify_cert_match, "hostname");
	assert_int_equal(cf.smtp_tls_policy_maps.n, 0);
	config_free(&cf);
	build_ok(&cf, "myhostname = h.example\n"
	    "smtp_tls_security_level = dane\n"
	    "smtp_tls_policy_maps = hash:/etc/bulkhead/tls_policy\n"
	    "smtp_tls_secure_cert_match = nexthop, .example.net\n");
	assert_string_equal(cf.smtp_tls_security_level, "dane");
	assert_string_equal(cf.smtp_tls_policy_maps.v[0],
	    "/etc/bulkhead/tls_policy");
	config_free(&cf);
	assert_build_error("smtp_tls_security_level = fingerprint\n", FN ":1: "
	    "bad value for smtp_tls_security_level: 'fingerprint': use none, "
	    "may, encrypt, verify, secure or dane");
	assert_build_error("smtp_tls_secure_cert_match = [x]\n", FN ":1: bad "
	    "value for smtp_tls_secure_cert_match: '[x]': a list of nexthop, "
	    "dot-nexthop, hostname or host names");
	assert_build_error("relay_user = _bhlocal\n", FN ":1: bad value for "
	    "relay_user: '_bhlocal': same user as local_user (default): each compartment needs its "
	    "own uid");
}
