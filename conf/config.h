/*
 * config.h: main.cf, Postfix style.
 *
 * Two layers.  cf_table is the raw file: logical lines "name = value" with
 * the file and line each came from.  bh_config is the typed result: every
 * parameter bulkhead knows, with its default, expanded ($name, ${name})
 * and checked.  Errors are "file:line: what is wrong" in the caller's
 * buffer; the parser never logs and never exits.
 */
#ifndef BH_CONFIG_H
#define BH_CONFIG_H

#include <stddef.h>

#define CF_ERR_MAX	512
#define CF_FILE_MAX	(1024 * 1024)	/* bytes in main.cf or master.cf */
#define CF_LINES_MAX	100000		/* physical lines in one file */
#define CF_VALUE_MAX	65536		/* bytes of one value after expansion */
#define CF_EXPAND_DEPTH	10		/* $a -> $b -> ... nesting */

struct cf_param {
	char	*name;
	char	*value;		/* raw, unexpanded; whitespace trimmed */
	char	*file;
	int	 line;		/* line of the first physical line */
};

/* v is sorted by name and names are unique (the last definition won). */
struct cf_table {
	struct cf_param	*v;
	size_t		 n;
};

/*
 * Parse main.cf text.  '#' lines and blank lines are skipped, a line that
 * starts with white space continues the previous logical line; the last
 * definition of a name wins.  Returns 0, or -1 with err set.
 */
int	 cf_parse_buffer(struct cf_table *, const char *buf, size_t len,
	    const char *fname, char *err, size_t errlen);
int	 cf_parse_file(struct cf_table *, const char *path, char *err,
	    size_t errlen);
const struct cf_param *cf_lookup(const struct cf_table *, const char *name);
void	 cf_free(struct cf_table *);

/* Set (or replace) one entry, keeping the table sorted.  -1 on ENOMEM. */
int	 cf_set(struct cf_table *, const char *name, const char *value,
	    const char *file, int line);

enum sandbox_mode {
	SANDBOX_CHROOT = 0,
	SANDBOX_JAIL
};

#define BH_LIST_MAX	64

struct bh_strlist {
	char	*v[BH_LIST_MAX];
	size_t	 n;
};

/* Every parameter bulkhead reads; the man page bulkhead.conf(5) lists them. */
struct bh_config {
	char		*config_directory;
	char		*myhostname;
	char		*mydomain;
	char		*mail_name;
	char		*smtpd_banner;
	struct bh_strlist mydestination;	/* lower-cased domains */
	struct bh_strlist inet_interfaces;	/* "all", "loopback-only" or
						   numeric addresses */
	struct bh_strlist proxy_interfaces;	/* numeric addresses */
	char		*queue_directory;
	char		*empty_directory;
	char		*pid_file;
	char		*maillog_file;		/* "" = syslog */
	char		*syslog_name;		/* log tag: NAME/role[pid] */
	char		*smtpd_user;
	char		*queue_user;
	char		*lookup_user;
	char		*local_user;
	char		*keys_user;		/* the TLS key oracle */
	enum sandbox_mode sandbox;
	struct bh_strlist alias_maps;		/* file paths, type: prefix removed */
	char		*home_mailbox;
	char		*recipient_delimiter;
	long long	 message_size_limit;	/* bytes */
	long		 smtpd_timeout;		/* seconds */
	long		 smtpd_recipient_limit;
	long		 local_minimum_uid;
	long		 local_writer_limit;	/* writers + runners at once */
	long		 local_writer_idle_limit;	/* idle writers kept */
	long		 local_time_limit;	/* seconds per local delivery */
	long		 local_destination_concurrency_limit; /* per user */
	long		 minimal_backoff_time;	/* seconds */
	long		 maximal_backoff_time;
	long		 maximal_queue_lifetime;
	long		 queue_run_delay;
	char		*default_privs;		/* never root (checked) */
	char		*mail_spool_directory;	/* mbox when home_mailbox = "" */
	long		 deliver_lock_attempts;
	long		 deliver_lock_delay;	/* seconds */
	long		 stale_lock_time;	/* seconds */
	/* smtpd: protocol and limits */
	char		*smtpd_forbid_bare_newline;	/* "reject", "normalize" */
	long		 smtpd_greet_wait;	/* seconds; 0 = no wait */
	long		 smtpd_hard_error_limit;
	long		 smtpd_soft_error_limit;
	long		 smtpd_error_sleep_time;	/* seconds */
	long		 smtpd_junk_command_limit;
	long		 smtpd_client_connection_count_limit;	/* 0 = none */
	long		 smtpd_session_limit;
	/* relay control */
	struct bh_strlist mynetworks;		/* "address/prefix", numeric */
	struct bh_strlist relay_domains;	/* lower-cased domains */
	/* smtpd TLS */
	char		*smtpd_tls_cert_file;	/* "" = none */
	char		*smtpd_tls_key_file;
	char		*smtpd_tls_security_level;	/* "", none, may, encrypt */
	char		*smtpd_tls_wrappermode;		/* yes, no */
	long		 header_size_limit;	/* bytes of message header */
	long		 hopcount_limit;	/* Received: fields: too many hops */
	long		 bounce_queue_lifetime;
	long		 delay_warning_time;	/* 0: no warnings */
	char		*double_bounce_notice_recipient; /* 2bounce_... */
	long		 bounce_size_limit;	/* bytes of original returned */
	char		*control_socket;	/* bulkctl <-> queue */
	long		 control_timeout;	/* bulkctl's wait, seconds */
	struct bh_strlist allow_mail_to_commands;	/* alias, forward,
							   include */
	struct bh_strlist allow_mail_to_files;
	long		 command_time_limit;	/* seconds */
	char		*pickup_user;
	struct bh_strlist trusted_users;	/* login names: sendmail -f */
	/* relay: the outbound SMTP client */
	char		*relay_user;
	char		*relayhost;		/* "" or a next hop */
	char		*smtp_helo_name;
	long		 smtp_connect_timeout;	/* seconds, as all below */
	long		 smtp_helo_timeout;
	long		 smtp_mail_timeout;
	long		 smtp_rcpt_timeout;
	long		 smtp_data_init_timeout;
	long		 smtp_data_xfer_timeout;
	long		 smtp_data_done_timeout;
	long		 smtp_quit_timeout;
	struct bh_strlist transport_maps;	/* file paths, type: removed */
	char		*default_transport;	/* transport[:nexthop] */
	long		 default_destination_concurrency_limit;
	long		 default_process_limit;	/* relay sessions in flight */
	char		*smtp_connection_cache_on_demand;	/* yes, no */
	long		 smtp_connection_cache_time_limit;	/* seconds */
	long		 smtp_rset_timeout;			/* seconds */
	/* SMTP AUTH: smtpd and the auth compartment */
	char		*smtpd_sasl_auth_enable;	/* yes, no */
	char		*smtpd_tls_auth_only;		/* yes, no */
	char		*auth_user;
	char		*smtpd_sasl_type;	/* passwd-file, dovecot */
	char		*smtpd_sasl_path;	/* the file, or dovecot's socket */
	long		 smtpd_client_auth_rate_limit;	/* per time unit; 0 */
	long		 anvil_rate_time_unit;		/* seconds */
	long		 smtpd_sasl_failure_delay;	/* seconds */
	long		 smtpd_sasl_failure_limit;	/* per client, time unit */
	/* dns: the only process that talks to name servers */
	char		*dns_user;
	struct bh_strlist dns_resolvers;	/* "address@port"; empty:
						   /etc/resolv.conf */
	char		*dns_trust_anchor_file;	/* "" = no DNSSEC validation */
	char		*smtp_tls_security_level;	/* "", none, may,
						   encrypt, verify, secure, dane */
	char		*smtp_tls_CAfile;	/* "" = none */
	struct bh_strlist smtp_tls_policy_maps;	/* file paths, type: removed */
	char		*smtp_tls_secure_cert_match;	/* nexthop, ... */
	char		*smtp_tls_verify_cert_match;	/* hostname, ... */
	char		*smtp_sasl_auth_enable;		/* yes, no */
	struct bh_strlist smtp_sasl_password_maps;	/* master reads them */
	char		*smtp_sasl_security_options;	/* noplaintext, ... */
	char		*smtp_sasl_tls_security_options;
	/* restriction lists (smtpd/restrictions.h) */
	char		*smtpd_relay_restrictions;
	char		*smtpd_recipient_restrictions;
	char		*smtpd_sender_restrictions;
	char		*smtpd_sender_login_maps;	/* map specs */
};

/*
 * Build the typed configuration from a parsed table: defaults for what is
 * not set, expansion, type checks.  Unknown names are reported through
 * warn (may be NULL) as "file:line: unknown parameter NAME" and otherwise
 * ignored.  A bad value returns -1 with err = "file:line: ...".
 */
typedef void (*cf_warn_fn)(const char *msg);
int	 config_build(struct bh_config *, const struct cf_table *,
	    const char *config_dir, cf_warn_fn warn, char *err, size_t errlen);
void	 config_free(struct bh_config *);

/*
 * Expand $name and ${name} in value against the table and the built-in
 * defaults.  "$$" is a literal '$'.  Returns a malloc'd string, or NULL with
 * err set (unterminated ${, recursion deeper than 10).
 */
char	*cf_expand(const struct cf_table *, const char *value, char *err,
	    size_t errlen);

/*
 * The same, with the tables to search given in order (the first that has
 * a name wins).  config_build uses { config_directory, main.cf, defaults }.
 * Errors carry no file:line; the caller knows which parameter it expanded.
 */
char	*cf_expand_scoped(const struct cf_table *const *scope, size_t nscope,
	    const char *value, char *err, size_t errlen);

/*
 * The built-in defaults as a table (file "(default)", line 0).  The
 * defaults of myhostname and mydomain depend on the host name and on
 * myhostname as set in tab (may be NULL); config_dir may be NULL.
 */
int	 config_defaults(struct cf_table *defs, const struct cf_table *tab,
	    const char *config_dir, char *err, size_t errlen);

/* Print every parameter and its value, as "postconf" does. */
void	 config_print(const struct bh_config *, int fd);

#endif
