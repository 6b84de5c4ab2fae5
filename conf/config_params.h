/*
 * config_params.h: every main.cf parameter bulkhead knows, one row each,
 * in check order (myhostname before what derives from it).  No include
 * guard: the includer defines the row macros first and gets one
 * expansion per row.  Two tables are made from it:
 *
 *   config_layout.c  name, kind, field, min/max: all master links (it
 *		      decodes what "bulkhead -x config-parse" sends it);
 *   config_table.c   the same rows with their defaults and checks, for
 *		      the parser and the tools.
 *
 * STR(name, default, check)		char *
 * STR_AS("name", field, default, check)	char *, the name no C name
 * LIST(name, default, element)		struct bh_strlist
 * NUM(name, default, K_LONG|K_LLONG, min, max)
 * TIME(name, default, unit of a bare number, min)	long seconds
 * SANDBOX(name, default)		enum sandbox_mode
 *
 * A default of NULL is computed by config_defaults.  bulkhead.conf(5)
 * documents the same list.
 */
	STR(config_directory, NULL, NULL)
	STR(myhostname, NULL, check_domain)
	STR(mydomain, NULL, check_domain)
	STR(mail_name, "bulkhead", NULL)
	STR(smtpd_banner, "$myhostname ESMTP $mail_name", NULL)
	LIST(mydestination, "$myhostname, localhost.$mydomain, localhost",
	    elem_domain)
	LIST(inet_interfaces, "all", elem_interface)
	/* Postfix's: addresses a proxy or NAT receives this host's mail on */
	LIST(proxy_interfaces, "", elem_address)
	STR(queue_directory, "/var/spool/bulkhead", check_abspath)
	STR(empty_directory, "/var/empty", check_abspath)
	STR(pid_file, "/run/bulkhead.pid", check_abspath)
	STR(maillog_file, "", check_optpath)
	STR(syslog_name, "bulkhead", check_syslog_name)
	STR(smtpd_user, "_bhsmtpd", check_user)
	STR(queue_user, "_bhqueue", check_user)
	STR(lookup_user, "_bhlookup", check_user)
	STR(local_user, "_bhlocal", check_user)
	STR(keys_user, "_bhkeys", check_user)
	SANDBOX(sandbox, "chroot")
	LIST(alias_maps, "hash:/etc/aliases", elem_aliasmap)
	STR(home_mailbox, "Maildir/", check_mailbox)
	STR(recipient_delimiter, "", check_delimiter)
	NUM(message_size_limit, "10240000", K_LLONG, 1, LLONG_MAX)
	TIME(smtpd_timeout, "300s", 's', 1)
	NUM(smtpd_recipient_limit, "1000", K_LONG, 1, INT_MAX)
	/* uid_t is 32 bits; (uid_t)-1 is "no uid". */
	NUM(local_minimum_uid, "1000", K_LONG, 1, 4294967294LL)
	/* Writers and runners master runs at once; idle ones local keeps. */
	NUM(local_writer_limit, "64", K_LONG, 1, 1000)
	NUM(local_writer_idle_limit, "48", K_LONG, 0, 1000)
	/* Postfix's transport_time_limit for "local" (default as
	   command_time_limit's) and the per-recipient concurrency. */
	TIME(local_time_limit, "1000s", 's', 1)
	NUM(local_destination_concurrency_limit, "20", K_LONG, 1, 1000)
	TIME(minimal_backoff_time, "300s", 's', 1)
	TIME(maximal_backoff_time, "4000s", 's', 1)
	/* As in Postfix: a bare number is days; 0 = try once, then bounce. */
	TIME(maximal_queue_lifetime, "5d", 'd', 0)
	TIME(queue_run_delay, "300s", 's', 1)
	/* Postfix: the rights of commands and files for root-owned aliases. */
	STR(default_privs, "nobody", check_privs)
	/* Postfix: mbox files when home_mailbox is empty. */
	STR(mail_spool_directory, "/var/mail", check_abspath)
	/* Postfix's mbox locking knobs, with Postfix's defaults. */
	NUM(deliver_lock_attempts, "20", K_LONG, 1, 1000)
	TIME(deliver_lock_delay, "1s", 's', 1)
	TIME(stale_lock_time, "500s", 's', 1)
	STR(smtpd_forbid_bare_newline, "reject", check_bare_newline)
	TIME(smtpd_greet_wait, "0s", 's', 0)
	NUM(smtpd_hard_error_limit, "20", K_LONG, 1, INT_MAX)
	NUM(smtpd_soft_error_limit, "10", K_LONG, 1, INT_MAX)
	TIME(smtpd_error_sleep_time, "1s", 's', 0)
	NUM(smtpd_junk_command_limit, "100", K_LONG, 1, INT_MAX)
	NUM(smtpd_client_connection_count_limit, "50", K_LONG, 0, INT_MAX)
	NUM(smtpd_session_limit, "10000", K_LONG, 1, 1000000)
	/*
	 * Postfix's mynetworks_style = host lists every address of the
	 * machine; bulkhead lists the loopback addresses and lets the
	 * admin add the others (see bulkhead.conf(5)).
	 */
	LIST(mynetworks, "127.0.0.1/32, [::1]/128", elem_network)
	LIST(relay_domains, "", elem_domain)
	STR(smtpd_tls_cert_file, "", check_optpath)
	STR(smtpd_tls_key_file, "$smtpd_tls_cert_file", check_optpath)
	STR(smtpd_tls_security_level, "", check_tls_level)
	STR(smtpd_tls_wrappermode, "no", check_yesno)
	NUM(header_size_limit, "102400", K_LONG, 1, INT_MAX)
	/* Postfix's: Received: fields a message may carry (lib/hopcount.h) */
	NUM(hopcount_limit, "50", K_LONG, 1, INT_MAX)
	/* Postfix's units: a bare number is days, and hours. */
	TIME(bounce_queue_lifetime, "5d", 'd', 0)
	TIME(delay_warning_time, "0h", 'h', 0)
	STR_AS("2bounce_notice_recipient", double_bounce_notice_recipient,
	    "postmaster", NULL)
	NUM(bounce_size_limit, "50000", K_LONG, 1, INT_MAX)
	STR(control_socket, "/run/bulkhead/control", check_abspath)
	TIME(control_timeout, "60s", 's', 1)
	/* Postfix's: where |command and /file targets may come from. */
	LIST(allow_mail_to_commands, "alias, forward", elem_mailto)
	LIST(allow_mail_to_files, "alias, forward", elem_mailto)
	TIME(command_time_limit, "1000s", 's', 1)
	/* Local submission (sendmail, bulkdrop, pickup). */
	STR(pickup_user, "_bhpickup", check_user)
	/* Sendmail's trusted users: who may name another sender (-f). */
	LIST(trusted_users, "root", elem_login)
	/* the relay compartment: outbound SMTP, Postfix's smtp(8) names */
	STR(relay_user, "_bhrelay", check_user)
	STR(relayhost, "", check_relayhost)
	STR(smtp_helo_name, "$myhostname", check_domain)
	TIME(smtp_connect_timeout, "30s", 's', 1)
	TIME(smtp_helo_timeout, "300s", 's', 1)
	TIME(smtp_mail_timeout, "300s", 's', 1)
	TIME(smtp_rcpt_timeout, "300s", 's', 1)
	TIME(smtp_data_init_timeout, "120s", 's', 1)
	TIME(smtp_data_xfer_timeout, "180s", 's', 1)
	TIME(smtp_data_done_timeout, "600s", 's', 1)
	TIME(smtp_quit_timeout, "300s", 's', 1)
	LIST(transport_maps, "", elem_aliasmap)
	STR(default_transport, "smtp", check_default_transport)
	NUM(default_destination_concurrency_limit, "20", K_LONG, 1, 1000)
	NUM(default_process_limit, "100", K_LONG, 1, 1000)
	STR(smtp_connection_cache_on_demand, "yes", check_yesno)
	TIME(smtp_connection_cache_time_limit, "2s", 's', 1)
	TIME(smtp_rset_timeout, "20s", 's', 1)
	/* SMTP AUTH (smtpd relays, the auth compartment decides) */
	STR(smtpd_sasl_auth_enable, "no", check_yesno)
	/* Postfix's default is no; bulkhead sends no password in clear. */
	STR(smtpd_tls_auth_only, "yes", check_yesno)
	STR(auth_user, "_bhauth", check_user)
	STR(smtpd_sasl_type, "passwd-file", check_sasl_type)
	STR(smtpd_sasl_path, "$config_directory/sasl_passwd", check_abspath)
	NUM(smtpd_client_auth_rate_limit, "0", K_LONG, 0, INT_MAX)
	TIME(anvil_rate_time_unit, "60s", 's', 1)
	TIME(smtpd_sasl_failure_delay, "1s", 's', 0)
	NUM(smtpd_sasl_failure_limit, "10", K_LONG, 0, INT_MAX)
	/* the dns compartment */
	STR(dns_user, "_bhdns", check_user)
	LIST(dns_resolvers, "", elem_resolver)
	STR(dns_trust_anchor_file, "", check_optpath)
	/* the relay's STARTTLS */
	STR(smtp_tls_security_level, "", check_smtp_tls_level)
	STR(smtp_tls_CAfile, "", check_optpath)
	LIST(smtp_tls_policy_maps, "", elem_aliasmap)
	STR(smtp_tls_secure_cert_match, "nexthop, dot-nexthop",
	    check_tls_cert_match)
	STR(smtp_tls_verify_cert_match, "hostname", check_tls_cert_match)
	/* the relay's AUTH to a smarthost */
	STR(smtp_sasl_auth_enable, "no", check_yesno)
	LIST(smtp_sasl_password_maps, "", elem_aliasmap)
	STR(smtp_sasl_security_options, "noplaintext, noanonymous",
	    check_sasl_options)
	/* Postfix's default is $smtp_sasl_security_options: bulkhead has
	   only plaintext mechanisms, which are fine over TLS */
	STR(smtp_sasl_tls_security_options, "noanonymous", check_sasl_options)
	/* Postfix's defaults; the elements bulkhead has: restrictions.h */
	STR(smtpd_relay_restrictions, "permit_mynetworks, "
	    "permit_sasl_authenticated, defer_unauth_destination",
	    check_restrictions)
	STR(smtpd_recipient_restrictions, "", check_restrictions)
	STR(smtpd_sender_restrictions, "", check_restrictions)
	STR(smtpd_sender_login_maps, "", NULL)
