/*
 * config.c: the typed main.cf.
 *
 * One table below describes every parameter: its name, its default, its
 * kind and its check.  config_build expands each value ($name), converts
 * it, checks it, and then checks the parameters that depend on each other.
 * The table is in check order (myhostname before what derives from it);
 * config_print sorts by name.  bulkhead.conf(5) documents the same list.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf/config.h"

#define DEFAULT_ORIGIN	"(default)"
#define WHY_MAX		256

enum kind {
	K_STR,		/* char * */
	K_LIST,		/* struct bh_strlist */
	K_LONG,		/* long, an integer */
	K_LLONG,	/* long long, an integer */
	K_TIME,		/* long, seconds */
	K_SANDBOX	/* enum sandbox_mode */
};

typedef int (*check_fn)(const char *, char *, size_t);
/* Check one list element and return it converted (malloc'd), or NULL. */
typedef char *(*elem_fn)(const char *, size_t, char *, size_t);

struct param {
	const char	*name;
	const char	*def;		/* NULL: computed by config_defaults */
	enum kind	 kind;
	size_t		 off;		/* of the field in struct bh_config */
	check_fn	 check;		/* K_STR */
	elem_fn		 elem;		/* K_LIST */
	long long	 min, max;	/* K_LONG, K_LLONG, K_TIME */
	char		 unit;		/* K_TIME: the unit of a bare number */
};

static int	check_domain(const char *, char *, size_t);
static int	check_abspath(const char *, char *, size_t);
static int	check_optpath(const char *, char *, size_t);
static int	check_user(const char *, char *, size_t);
static int	check_mailbox(const char *, char *, size_t);
static int	check_delimiter(const char *, char *, size_t);
static int	check_privs(const char *, char *, size_t);
static int	check_bare_newline(const char *, char *, size_t);
static char	*elem_network(const char *, size_t, char *, size_t);
static int	check_tls_level(const char *, char *, size_t);
static int	check_yesno(const char *, char *, size_t);
static int	check_syslog_name(const char *, char *, size_t);
static char	*elem_domain(const char *, size_t, char *, size_t);
static char	*elem_interface(const char *, size_t, char *, size_t);
static char	*elem_aliasmap(const char *, size_t, char *, size_t);
static void	format_time(long, char *, size_t);
static char	*elem_mailto(const char *, size_t, char *, size_t);

#define F(f)		offsetof(struct bh_config, f)
#define STR(n, d, c)	{ #n, d, K_STR, F(n), c, NULL, 0, 0, 0 }
#define LIST(n, d, e)	{ #n, d, K_LIST, F(n), NULL, e, 0, 0, 0 }
#define NUM(n, d, k, lo, hi) { #n, d, k, F(n), NULL, NULL, lo, hi, 0 }
#define TIME(n, d, u, lo) { #n, d, K_TIME, F(n), NULL, NULL, lo, INT_MAX, u }

static const struct param params[] = {
	STR(config_directory, NULL, NULL),
	STR(myhostname, NULL, check_domain),
	STR(mydomain, NULL, check_domain),
	STR(mail_name, "bulkhead", NULL),
	STR(smtpd_banner, "$myhostname ESMTP $mail_name", NULL),
	LIST(mydestination, "$myhostname, localhost.$mydomain, localhost",
	    elem_domain),
	LIST(inet_interfaces, "all", elem_interface),
	STR(queue_directory, "/var/spool/bulkhead", check_abspath),
	STR(empty_directory, "/var/empty", check_abspath),
	STR(pid_file, "/run/bulkhead.pid", check_abspath),
	STR(maillog_file, "", check_optpath),
	STR(syslog_name, "bulkhead", check_syslog_name),
	STR(smtpd_user, "_bhsmtpd", check_user),
	STR(queue_user, "_bhqueue", check_user),
	STR(lookup_user, "_bhlookup", check_user),
	STR(local_user, "_bhlocal", check_user),
	{ "sandbox", "chroot", K_SANDBOX, F(sandbox), NULL, NULL, 0, 0, 0 },
	LIST(alias_maps, "hash:/etc/aliases", elem_aliasmap),
	STR(home_mailbox, "Maildir/", check_mailbox),
	STR(recipient_delimiter, "", check_delimiter),
	NUM(message_size_limit, "10240000", K_LLONG, 1, LLONG_MAX),
	TIME(smtpd_timeout, "300s", 's', 1),
	NUM(smtpd_recipient_limit, "1000", K_LONG, 1, INT_MAX),
	/* uid_t is 32 bits; (uid_t)-1 is "no uid". */
	NUM(local_minimum_uid, "1000", K_LONG, 1, 4294967294LL),
	/* Writers and runners master runs at once; idle ones local keeps. */
	NUM(local_writer_limit, "64", K_LONG, 1, 1000),
	NUM(local_writer_idle_limit, "48", K_LONG, 0, 1000),
	TIME(minimal_backoff_time, "300s", 's', 1),
	TIME(maximal_backoff_time, "4000s", 's', 1),
	/* As in Postfix: a bare number is days; 0 = try once, then bounce. */
	TIME(maximal_queue_lifetime, "5d", 'd', 0),
	TIME(queue_run_delay, "300s", 's', 1),
	/* Postfix: the rights of commands and files for root-owned aliases. */
	STR(default_privs, "nobody", check_privs),
	/* Postfix: mbox files when home_mailbox is empty. */
	STR(mail_spool_directory, "/var/mail", check_abspath),
	/* Postfix's mbox locking knobs, with Postfix's defaults. */
	NUM(deliver_lock_attempts, "20", K_LONG, 1, 1000),
	TIME(deliver_lock_delay, "1s", 's', 1),
	TIME(stale_lock_time, "500s", 's', 1),
	STR(smtpd_forbid_bare_newline, "reject", check_bare_newline),
	TIME(smtpd_greet_wait, "0s", 's', 0),
	NUM(smtpd_hard_error_limit, "20", K_LONG, 1, INT_MAX),
	NUM(smtpd_soft_error_limit, "10", K_LONG, 1, INT_MAX),
	TIME(smtpd_error_sleep_time, "1s", 's', 0),
	NUM(smtpd_junk_command_limit, "100", K_LONG, 1, INT_MAX),
	NUM(smtpd_client_connection_count_limit, "50", K_LONG, 0, INT_MAX),
	NUM(smtpd_session_limit, "10000", K_LONG, 1, 1000000),
	/*
	 * Postfix's mynetworks_style = host lists every address of the
	 * machine; bulkhead lists the loopback addresses and lets the
	 * admin add the others (see bulkhead.conf(5)).
	 */
	LIST(mynetworks, "127.0.0.1/32, [::1]/128", elem_network),
	LIST(relay_domains, "", elem_domain),
	STR(smtpd_tls_cert_file, "", check_optpath),
	STR(smtpd_tls_key_file, "$smtpd_tls_cert_file", check_optpath),
	STR(smtpd_tls_security_level, "", check_tls_level),
	STR(smtpd_tls_wrappermode, "no", check_yesno),
	NUM(header_size_limit, "102400", K_LONG, 1, INT_MAX),
	/* Postfix's units: a bare number is days, and hours. */
	TIME(bounce_queue_lifetime, "5d", 'd', 0),
	TIME(delay_warning_time, "0h", 'h', 0),
	{ "2bounce_notice_recipient", "postmaster", K_STR,
	    F(double_bounce_notice_recipient), NULL, NULL, 0, 0, 0 },
	NUM(bounce_size_limit, "50000", K_LONG, 1, INT_MAX),
	STR(control_socket, "/run/bulkhead/control", check_abspath),
	TIME(control_timeout, "60s", 's', 1),
	/* Postfix's: where |command and /file targets may come from. */
	LIST(allow_mail_to_commands, "alias, forward", elem_mailto),
	LIST(allow_mail_to_files, "alias, forward", elem_mailto),
	TIME(command_time_limit, "1000s", 's', 1),
};

#define NPARAMS	(sizeof(params) / sizeof(params[0]))

static const struct cf_table empty_table = { NULL, 0 };

static const struct param *
param_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NPARAMS; i++)
		if (strcmp(params[i].name, name) == 0)
			return &params[i];
	return NULL;
}

static size_t
param_index(const char *name)
{
	return (size_t)(param_find(name) - params);
}

static void *
field(struct bh_config *cf, const struct param *p)
{
	return (char *)cf + p->off;
}

static const void *
cfield(const struct bh_config *cf, const struct param *p)
{
	return (const char *)cf + p->off;
}

/* Checks of single values.  Each returns 0, or -1 with why set. */

static int
is_digits(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* A plausible domain name: LDH labels, no IP address, no trailing dot. */
static int
valid_domain(const char *s, size_t n)
{
	struct in_addr	 a;
	char		 buf[256];
	size_t		 i, lab = 0, last = 0;
	char		 c;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return 0;
			lab = 0;
			last = i + 1;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && lab == 0)
			return 0;
		if (++lab > 63)
			return 0;
	}
	if (lab == 0 || s[n - 1] == '-')
		return 0;
	/* "192.0.2.1" or "host.123" are addresses or typos, not names. */
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &a) == 1 ||
	    (last > 0 && is_digits(s + last, n - last)))
		return 0;
	return 1;
}

static int
check_domain(const char *v, char *why, size_t whylen)
{
	if (!valid_domain(v, strlen(v))) {
		snprintf(why, whylen, "not a valid domain name");
		return -1;
	}
	return 0;
}

static int
check_abspath(const char *v, char *why, size_t whylen)
{
	if (v[0] != '/') {
		snprintf(why, whylen, "not an absolute path");
		return -1;
	}
	return 0;
}

static int
check_optpath(const char *v, char *why, size_t whylen)
{
	if (v[0] != '\0' && v[0] != '/') {
		snprintf(why, whylen, "neither empty (syslog) nor an absolute "
		    "path");
		return -1;
	}
	return 0;
}

static int
check_user(const char *v, char *why, size_t whylen)
{
	const char	*s;

	if (v[0] == '\0') {
		snprintf(why, whylen, "empty user name");
		return -1;
	}
	for (s = v; *s != '\0'; s++) {
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == ':') {
			snprintf(why, whylen, "a user name has no white space, "
			    "control characters or ':'");
			return -1;
		}
	}
	if (strcmp(v, "root") == 0) {
		snprintf(why, whylen, "a compartment never runs as root");
		return -1;
	}
	return 0;
}

/* A Maildir below the home directory: "Maildir/", "mail/inbox/". */
static int
check_mailbox(const char *v, char *why, size_t whylen)
{
	const char	*s, *slash;
	size_t		 n, len = strlen(v);

	if (len > 0 && v[0] == '/') {
		snprintf(why, whylen, "must be relative to the home directory");
		return -1;
	}
	if (len == 0)
		return 0;	/* mbox in mail_spool_directory */
	for (s = v; *s != '\0'; s++) {
		if ((unsigned char)*s < ' ' || *s == 0x7f) {
			snprintf(why, whylen, "control character in path");
			return -1;
		}
	}
	/* "Maildir/" is a Maildir, "Mailbox" an mbox file: no '.', '..'. */
	for (s = v; *s != '\0'; s = slash + (*slash != '\0')) {
		if ((slash = strchr(s, '/')) == NULL)
			slash = s + strlen(s);
		n = (size_t)(slash - s);
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			snprintf(why, whylen, "must not contain a '..' "
			    "component");
			return -1;
		}
		if (n == 0 || (n == 1 && s[0] == '.')) {
			snprintf(why, whylen, "must not contain empty or '.' "
			    "components");
			return -1;
		}
	}
	return 0;
}

#define DELIM_MAX	8

static int
check_delimiter(const char *v, char *why, size_t whylen)
{
	const char	*s;

	if (strlen(v) > DELIM_MAX) {
		snprintf(why, whylen, "more than %d delimiter characters",
		    DELIM_MAX);
		return -1;
	}
	for (s = v; *s != '\0'; s++) {
		/* ASCII punctuation: not a letter, digit, space or '@'. */
		if (*s <= ' ' || *s >= 0x7f || *s == '@' ||
		    (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z')) {
			snprintf(why, whylen, "'%c' cannot be a delimiter: use "
			    "punctuation such as + or -", *s >= ' ' &&
			    *s < 0x7f ? *s : '?');
			return -1;
		}
	}
	return 0;
}

/*
 * Postfix 3.9's values, less "no": a bare <LF> that may end a line or the
 * message is what SMTP smuggling (CVE-2023-51764) exploits.
 */
static int
check_bare_newline(const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "reject") == 0 || strcmp(v, "normalize") == 0 ||
	    strcmp(v, "yes") == 0)
		return 0;
	snprintf(why, whylen, "use reject, normalize or yes (= normalize)");
	return -1;
}

/* Postfix's levels for the SMTP server; "" is none, as in Postfix. */
static int
check_tls_level(const char *v, char *why, size_t whylen)
{
	if (*v == '\0' || strcmp(v, "none") == 0 || strcmp(v, "may") == 0 ||
	    strcmp(v, "encrypt") == 0)
		return 0;
	snprintf(why, whylen, "use none, may or encrypt");
	return -1;
}

static int
check_yesno(const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)
		return 0;
	snprintf(why, whylen, "use yes or no");
	return -1;
}

/* The first part of every log tag: "bulkhead" in bulkhead/smtpd[pid]. */
static int
check_syslog_name(const char *v, char *why, size_t whylen)
{
	size_t	n = strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/");

	if (*v != '\0' && v[n] == '\0' && n < 32)
		return 0;
	snprintf(why, whylen, "1 to 31 letters, digits and ._-/");
	return -1;
}

/*
 * A mynetworks element: "192.0.2.0/24", "[2001:db8::]/32", "::1/128" or
 * a bare address (a host).  The result is "address/prefix" with the
 * address in its canonical form and no brackets.  As in Postfix, the
 * address must not have bits set beyond the prefix.
 */
static char *
elem_network(const char *s, size_t n, char *why, size_t whylen)
{
	unsigned char	 a[sizeof(struct in6_addr)];
	char		 buf[INET6_ADDRSTRLEN + 8], *addr, *len, *end;
	char		 out[INET6_ADDRSTRLEN + 8];
	long		 prefix, max;
	int		 af;
	size_t		 i;
	char		*r;

	if (n == 0 || n >= sizeof(buf))
		goto bad;
	memcpy(buf, s, n);
	buf[n] = '\0';
	addr = buf;
	if ((len = strchr(buf, '/')) != NULL)
		*len++ = '\0';
	/* "[::1]" is accepted as Postfix does; the [] are dropped. */
	if (addr[0] == '[') {
		if ((end = strchr(addr, ']')) == NULL || end[1] != '\0')
			goto bad;
		*end = '\0';
		addr++;
	}
	if (inet_pton(AF_INET, addr, a) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, addr, a) == 1)
		af = AF_INET6;
	else
		goto bad;
	max = af == AF_INET ? 32 : 128;
	prefix = max;
	if (len != NULL) {
		if (strlen(len) > 3 || !is_digits(len, strlen(len)))
			goto bad;
		if ((prefix = strtol(len, NULL, 10)) > max)
			goto bad;
	}
	for (i = prefix; i < (size_t)max; i++)
		if (a[i / 8] & (0x80 >> (i % 8))) {
			snprintf(why, whylen, "bits set beyond the prefix");
			return NULL;
		}
	inet_ntop(af, a, out, INET6_ADDRSTRLEN);
	snprintf(out + strlen(out), sizeof(out) - strlen(out), "/%d",
	    (int)prefix);
	if ((r = strdup(out)) == NULL)
		snprintf(why, whylen, "out of memory");
	return r;
bad:
	snprintf(why, whylen, "not a network address/prefix (host names "
	    "and tables are not supported here)");
	return NULL;
}

/* List elements. */

static char *
elem_domain(const char *s, size_t n, char *why, size_t whylen)
{
	char	*r;
	size_t	 i;

	if (!valid_domain(s, n)) {
		snprintf(why, whylen, "'%.*s' is not a domain name (lookup "
		    "tables are not supported here)", (int)n, s);
		return NULL;
	}
	if ((r = strndup(s, n)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (r[i] >= 'A' && r[i] <= 'Z')
			r[i] += 'a' - 'A';
	return r;
}

static char *
elem_interface(const char *s, size_t n, char *why, size_t whylen)
{
	unsigned char	 a[sizeof(struct in6_addr)];
	char		 buf[INET6_ADDRSTRLEN + 2];
	char		*r;

	if ((n == 3 && strncasecmp(s, "all", 3) == 0) ||
	    (n == 13 && strncasecmp(s, "loopback-only", 13) == 0))
		r = strndup(n == 3 ? "all" : "loopback-only", n);
	else {
		/* "[::1]" is accepted as Postfix does; the [] are dropped. */
		if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
			s++;
			n -= 2;
		}
		if (n >= sizeof(buf))
			goto bad;
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET, buf, a) != 1 &&
		    inet_pton(AF_INET6, buf, a) != 1)
			goto bad;
		r = strdup(buf);
	}
	if (r == NULL)
		snprintf(why, whylen, "out of memory");
	return r;
bad:
	snprintf(why, whylen, "'%.*s' is not all, loopback-only or a numeric "
	    "IPv4/IPv6 address (host names are not looked up)", (int)n, s);
	return NULL;
}

/*
 * "hash:/etc/aliases" or "/etc/aliases".  bulkhead reads the aliases(5)
 * source text itself, so the Postfix database types that are built from
 * such a file are accepted and the type is dropped.
 */
static char *
elem_aliasmap(const char *s, size_t n, char *why, size_t whylen)
{
	static const char *const types[] = {
		"hash", "btree", "lmdb", "cdb", "texthash"
	};
	const char	*colon, *path = s;
	size_t		 i, tlen;
	char		*r;

	if (n > 0 && s[0] != '/' && (colon = memchr(s, ':', n)) != NULL) {
		tlen = (size_t)(colon - s);
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strlen(types[i]) == tlen &&
			    strncmp(types[i], s, tlen) == 0)
				break;
		if (i == sizeof(types) / sizeof(types[0])) {
			snprintf(why, whylen, "unsupported table type '%.*s' "
			    "in '%.*s' (use hash:/path or /path)", (int)tlen,
			    s, (int)n, s);
			return NULL;
		}
		path = colon + 1;
	}
	if (path == s + n || path[0] != '/') {
		snprintf(why, whylen, "'%.*s' is not an absolute path", (int)n,
		    s);
		return NULL;
	}
	if ((r = strndup(path, (size_t)(s + n - path))) == NULL)
		snprintf(why, whylen, "out of memory");
	return r;
}

/* Conversions. */

static int
is_list_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\f' || c == '\v';
}

static int
set_list(struct bh_strlist *l, elem_fn elem, const char *v, char *why,
    size_t whylen)
{
	const char	*s = v, *e;

	for (;;) {
		while (*s != '\0' && is_list_sep(*s))
			s++;
		if (*s == '\0')
			return 0;
		for (e = s; *e != '\0' && !is_list_sep(*e); e++)
			;
		if (l->n == BH_LIST_MAX) {
			snprintf(why, whylen, "more than %d elements",
			    BH_LIST_MAX);
			return -1;
		}
		if ((l->v[l->n] = elem(s, (size_t)(e - s), why, whylen)) == NULL)
			return -1;
		l->n++;
		s = e;
	}
}

/* A decimal integer, optionally negative, with a suffix left in *end. */
static int
parse_integer(const char *v, long long *out, const char **end, char *why,
    size_t whylen)
{
	const char	*s = v;
	long long	 n = 0;
	int		 neg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (*s < '0' || *s > '9') {
		snprintf(why, whylen, "not a decimal number");
		return -1;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		if (__builtin_mul_overflow(n, 10, &n) ||
		    __builtin_add_overflow(n, neg ? -(*s - '0') : *s - '0',
		    &n)) {
			snprintf(why, whylen, "number out of range");
			return -1;
		}
	}
	*out = n;
	*end = s;
	return 0;
}

static int
check_range(long long n, const struct param *p, char *why, size_t whylen)
{
	if (n < p->min) {
		snprintf(why, whylen, "must be at least %lld", p->min);
		return -1;
	}
	if (n > p->max) {
		snprintf(why, whylen, "must be at most %lld", p->max);
		return -1;
	}
	return 0;
}

static int
parse_count(const char *v, const struct param *p, long long *out, char *why,
    size_t whylen)
{
	const char	*end;

	if (parse_integer(v, out, &end, why, whylen) == -1)
		return -1;
	if (*end != '\0') {
		snprintf(why, whylen, "not a decimal number");
		return -1;
	}
	return check_range(*out, p, why, whylen);
}

/* "300s", "5m", "2h", "5d", "1w" -> seconds; "300" is in p->unit. */
static int
parse_time(const char *v, const struct param *p, long long *out, char *why,
    size_t whylen)
{
	const char	*end;
	long long	 n, unit;

	if (parse_integer(v, &n, &end, why, whylen) == -1)
		return -1;
	switch (end[0] == '\0' ? p->unit : end[1] == '\0' ? end[0] : '?') {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'w':
		unit = 604800;
		break;
	default:
		snprintf(why, whylen, "bad time unit '%s' (use s, m, h, d or "
		    "w)", end);
		return -1;
	}
	if (__builtin_mul_overflow(n, unit, out)) {
		snprintf(why, whylen, "number out of range");
		return -1;
	}
	return check_range(*out, p, why, whylen);
}

static int
set_value(struct bh_config *cf, const struct param *p, const char *v,
    char *why, size_t whylen)
{
	long long	 n = 0;
	char		**sp;

	switch (p->kind) {
	case K_STR:
		if (p->check != NULL && p->check(v, why, whylen) == -1)
			return -1;
		sp = field(cf, p);
		if ((*sp = strdup(v)) == NULL) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		return 0;
	case K_LIST:
		return set_list(field(cf, p), p->elem, v, why, whylen);
	case K_LONG:
	case K_LLONG:
		if (parse_count(v, p, &n, why, whylen) == -1)
			return -1;
		break;
	case K_TIME:
		if (parse_time(v, p, &n, why, whylen) == -1)
			return -1;
		break;
	case K_SANDBOX:
		if (strcmp(v, "chroot") == 0)
			cf->sandbox = SANDBOX_CHROOT;
		else if (strcmp(v, "jail") == 0)
			cf->sandbox = SANDBOX_JAIL;
		else {
			snprintf(why, whylen, "must be chroot or jail");
			return -1;
		}
		return 0;
	}
	if (p->kind == K_LLONG)
		*(long long *)field(cf, p) = n;
	else
		*(long *)field(cf, p) = (long)n;
	return 0;
}

/* Building. */

/* Where a value came from: "main.cf:12" or "(default)". */
static void
origin_str(const struct cf_param *cp, char *buf, size_t len)
{
	if (cp->line > 0)
		snprintf(buf, len, "%s:%d", cp->file, cp->line);
	else
		snprintf(buf, len, "%s", cp->file);
}

static int
bad_value(char *err, size_t errlen, const struct cf_param *cp,
    const char *value, const char *why)
{
	char	 where[CF_ERR_MAX];

	origin_str(cp, where, sizeof(where));
	snprintf(err, errlen, "%s: bad value for %s: '%s': %s%s", where,
	    cp->name, value, why, cp->line > 0 ? "" :
	    " (set it in main.cf)");
	return -1;
}

static int
line_cmp(const void *a, const void *b)
{
	const struct cf_param *const *pa = a, *const *pb = b;

	return ((*pa)->line > (*pb)->line) - ((*pa)->line < (*pb)->line);
}

/* Warn about names bulkhead does not know, in file order. */
static void
warn_unknown(const struct cf_table *tab, const char *config_dir,
    cf_warn_fn warn)
{
	const struct cf_param	**v;
	char			  msg[CF_ERR_MAX];
	size_t			  i;

	if (warn == NULL || tab->n == 0)
		return;
	if ((v = reallocarray(NULL, tab->n, sizeof(*v))) == NULL) {
		warn("out of memory: cannot check for unknown parameters");
		return;
	}
	for (i = 0; i < tab->n; i++)
		v[i] = &tab->v[i];
	qsort(v, tab->n, sizeof(*v), line_cmp);
	for (i = 0; i < tab->n; i++) {
		if (strcmp(v[i]->name, "config_directory") == 0)
			snprintf(msg, sizeof(msg), "%s:%d: config_directory "
			    "cannot be set in main.cf; it is %s", v[i]->file,
			    v[i]->line, config_dir);
		else if (param_find(v[i]->name) == NULL)
			snprintf(msg, sizeof(msg), "%s:%d: unknown parameter %s",
			    v[i]->file, v[i]->line, v[i]->name);
		else
			continue;
		warn(msg);
	}
	free(v);
}

static const char *
default_hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) == -1)
		buf[0] = '\0';
	buf[len - 1] = '\0';
	return buf;
}

/* "mail.example.org" -> "example.org"; no dot -> "localdomain". */
static const char *
domain_of(const char *host)
{
	const char	*dot = strchr(host, '.');

	return dot != NULL && dot[1] != '\0' ? dot + 1 : "localdomain";
}

int
config_defaults(struct cf_table *defs, const struct cf_table *tab,
    const char *config_dir, char *err, size_t errlen)
{
	const struct cf_table	*scope[2];
	char			 host[256], *h = NULL;
	size_t			 i;

	memset(defs, 0, sizeof(*defs));
	for (i = 0; i < NPARAMS; i++)
		if (params[i].def != NULL && cf_set(defs, params[i].name,
		    params[i].def, DEFAULT_ORIGIN, 0) == -1)
			goto nomem;
	default_hostname(host, sizeof(host));
	if (cf_set(defs, "config_directory", config_dir != NULL ? config_dir :
	    BH_CONFIG_DIR, DEFAULT_ORIGIN, 0) == -1 ||
	    cf_set(defs, "myhostname", host, DEFAULT_ORIGIN, 0) == -1 ||
	    cf_set(defs, "mydomain", domain_of(host), DEFAULT_ORIGIN, 0) == -1)
		goto nomem;

	/*
	 * mydomain follows myhostname as set in main.cf.  A bad myhostname
	 * is left for config_build to report with its file and line.
	 */
	if (tab != NULL && cf_lookup(tab, "myhostname") != NULL) {
		scope[0] = tab;
		scope[1] = defs;
		h = cf_expand_scoped(scope, 2, cf_lookup(tab,
		    "myhostname")->value, err, errlen);
		if (h != NULL && cf_set(defs, "mydomain", domain_of(h),
		    DEFAULT_ORIGIN, 0) == -1)
			goto nomem;
		free(h);
		if (errlen > 0)
			err[0] = '\0';
	}
	return 0;
nomem:
	free(h);
	cf_free(defs);
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Expand, convert and check one parameter; remember where it came from. */
static int
build_param(struct bh_config *cf, const struct param *p,
    const struct cf_table *const scope[3], const struct cf_param **from,
    char *err, size_t errlen)
{
	const struct cf_param	*cp = NULL;
	char			 why[WHY_MAX], *v;
	size_t			 i;

	/* scope[0] holds config_directory, which main.cf cannot change. */
	for (i = 0; i < 3 && cp == NULL; i++)
		cp = cf_lookup(scope[i], p->name);
	if (cp == NULL) {
		snprintf(err, errlen, "%s: no default for %s", DEFAULT_ORIGIN,
		    p->name);
		return -1;
	}
	*from = cp;
	if ((v = cf_expand_scoped(scope, 3, cp->value, why,
	    sizeof(why))) == NULL)
		return bad_value(err, errlen, cp, cp->value, why);
	if (set_value(cf, p, v, why, sizeof(why)) == -1) {
		bad_value(err, errlen, cp, v, why);
		free(v);
		return -1;
	}
	free(v);
	return 0;
}

/*
 * Two parameters that conflict: report at b unless b is a default and a
 * is not, so that the line shown is one the administrator wrote.  The
 * reason reads "<pre> <other name> (<where>)<post>", with pre_a
 * instead of pre when the report is made at a.
 */
static int
conflict(const struct bh_config *cf, const struct cf_param *const *from,
    size_t a, size_t b, const char *pre, const char *pre_a,
    const char *post, char *err, size_t errlen)
{
	char	 where[CF_ERR_MAX], why[WHY_MAX + CF_ERR_MAX], value[64];
	size_t	 t;

	if (from[b]->line == 0 && from[a]->line > 0) {
		t = a;
		a = b;
		b = t;
		pre = pre_a;
	}
	if (from[a]->line > 0)
		snprintf(where, sizeof(where), "(%s:%d)", from[a]->file,
		    from[a]->line);
	else
		snprintf(where, sizeof(where), DEFAULT_ORIGIN);
	snprintf(why, sizeof(why), "%s %s %s%s", pre, params[a].name, where,
	    post);
	if (params[b].kind == K_TIME)
		format_time(*(const long *)cfield(cf, &params[b]), value,
		    sizeof(value));
	else
		snprintf(value, sizeof(value), "%s",
		    *(char *const *)cfield(cf, &params[b]));
	return bad_value(err, errlen, from[b], value, why);
}

static int
same_path(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	return la == lb && strncmp(a, b, la) == 0;
}

static int
is_interface_keyword(const char *s)
{
	return strcmp(s, "all") == 0 || strcmp(s, "loopback-only") == 0;
}

static int
check_relations(const struct bh_config *cf, const struct cf_param **from,
    char *err, size_t errlen)
{
	static const char *const users[] = {
		"smtpd_user", "queue_user", "lookup_user", "local_user"
	};
	size_t	 i, j, a, b;
	size_t	 nusers = sizeof(users) / sizeof(users[0]);

	for (i = 0; i < nusers; i++) {
		for (j = i + 1; j < nusers; j++) {
			a = param_index(users[i]);
			b = param_index(users[j]);
			if (strcmp(*(char *const *)cfield(cf, &params[a]),
			    *(char *const *)cfield(cf, &params[b])) == 0)
				return conflict(cf, from, a, b, "same user as",
				    "same user as", ": each compartment needs its own uid",
				    err, errlen);
		}
	}
	if (same_path(cf->queue_directory, cf->empty_directory))
		return conflict(cf, from, param_index("queue_directory"),
		    param_index("empty_directory"), "same directory as",
		    "same directory as", "",
		    err, errlen);
	if (cf->maximal_backoff_time < cf->minimal_backoff_time)
		return conflict(cf, from, param_index("minimal_backoff_time"),
		    param_index("maximal_backoff_time"), "less than", "greater than", "", err,
		    errlen);
	/* "all" and "loopback-only" say everything: nothing goes beside. */
	if (cf->inet_interfaces.n == 0)
		goto bad_interfaces;
	for (i = 0; i < cf->inet_interfaces.n && cf->inet_interfaces.n > 1; i++)
		if (is_interface_keyword(cf->inet_interfaces.v[i]))
			goto bad_interfaces;
	return 0;
bad_interfaces:
	a = param_index("inet_interfaces");
	return bad_value(err, errlen, from[a], from[a]->value,
	    cf->inet_interfaces.n == 0 ? "no interface given" :
	    "all and loopback-only cannot be combined with anything else");
}

int
config_build(struct bh_config *cf, const struct cf_table *tab,
    const char *config_dir, cf_warn_fn warn, char *err, size_t errlen)
{
	struct cf_table		 defs, fixed;
	const struct cf_table	*scope[3];
	const struct cf_param	*from[NPARAMS];
	size_t			 i;

	memset(cf, 0, sizeof(*cf));
	memset(&fixed, 0, sizeof(fixed));
	if (tab == NULL)
		tab = &empty_table;
	if (config_dir == NULL)
		config_dir = BH_CONFIG_DIR;
	warn_unknown(tab, config_dir, warn);
	if (config_defaults(&defs, tab, config_dir, err, errlen) == -1)
		return -1;
	if (cf_set(&fixed, "config_directory", config_dir, "(-c)", 0) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	scope[0] = &fixed;
	scope[1] = tab;
	scope[2] = &defs;
	for (i = 0; i < NPARAMS; i++)
		if (build_param(cf, &params[i], scope, &from[i], err,
		    errlen) == -1)
			goto fail;
	if (check_relations(cf, from, err, errlen) == -1)
		goto fail;
	cf_free(&fixed);
	cf_free(&defs);
	return 0;
fail:
	cf_free(&fixed);
	cf_free(&defs);
	config_free(cf);
	return -1;
}

void
config_free(struct bh_config *cf)
{
	struct bh_strlist	*l;
	size_t			 i, j;

	if (cf == NULL)
		return;
	for (i = 0; i < NPARAMS; i++) {
		if (params[i].kind == K_STR)
			free(*(char **)field(cf, &params[i]));
		else if (params[i].kind == K_LIST) {
			l = field(cf, &params[i]);
			for (j = 0; j < l->n && j < BH_LIST_MAX; j++)
				free(l->v[j]);
		}
	}
	memset(cf, 0, sizeof(*cf));
}

/* Printing. */

/* Seconds in the largest unit that divides them: 432000 -> "5d". */
static void
format_time(long secs, char *buf, size_t len)
{
	static const struct {
		long	 n;
		char	 unit;
	} units[] = {
		{ 604800, 'w' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }
	};
	size_t	 i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (secs > 0 && secs % units[i].n == 0) {
			snprintf(buf, len, "%ld%c", secs / units[i].n,
			    units[i].unit);
			return;
		}
	}
	snprintf(buf, len, "%lds", secs);
}

static int
print_param(const struct bh_config *cf, const struct param *p, int fd)
{
	const struct bh_strlist	*l;
	const char		*s;
	char			 num[32];
	size_t			 i;

	switch (p->kind) {
	case K_STR:
		s = *(char *const *)cfield(cf, p);
		if (s == NULL || *s == '\0')
			return dprintf(fd, "%s =\n", p->name);
		return dprintf(fd, "%s = %s\n", p->name, s);
	case K_LIST:
		l = cfield(cf, p);
		if (dprintf(fd, "%s =", p->name) < 0)
			return -1;
		for (i = 0; i < l->n && i < BH_LIST_MAX; i++)
			if (dprintf(fd, "%s%s", i > 0 ? ", " : " ", l->v[i]) < 0)
				return -1;
		return dprintf(fd, "\n");
	case K_LONG:
		return dprintf(fd, "%s = %ld\n", p->name,
		    *(const long *)cfield(cf, p));
	case K_LLONG:
		return dprintf(fd, "%s = %lld\n", p->name,
		    *(const long long *)cfield(cf, p));
	case K_TIME:
		format_time(*(const long *)cfield(cf, p), num, sizeof(num));
		return dprintf(fd, "%s = %s\n", p->name, num);
	case K_SANDBOX:
		return dprintf(fd, "%s = %s\n", p->name,
		    cf->sandbox == SANDBOX_JAIL ? "jail" : "chroot");
	}
	return -1;
}

static int
param_name_cmp(const void *a, const void *b)
{
	const struct param *const *pa = a, *const *pb = b;

	return strcmp((*pa)->name, (*pb)->name);
}

void
config_print(const struct bh_config *cf, int fd)
{
	const struct param	*sorted[NPARAMS];
	size_t			 i;

	for (i = 0; i < NPARAMS; i++)
		sorted[i] = &params[i];
	qsort(sorted, NPARAMS, sizeof(sorted[0]), param_name_cmp);
	for (i = 0; i < NPARAMS; i++)
		if (print_param(cf, sorted[i], fd) < 0)
			return;
}

/* default_privs: a user name, and never root (Postfix refuses it too). */
static int
check_privs(const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "root") == 0) {
		snprintf(why, whylen, "default_privs may not be root");
		return -1;
	}
	return check_user(v, why, whylen);
}

/* allow_mail_to_commands, allow_mail_to_files: alias, forward, include. */
static char *
elem_mailto(const char *s, size_t n, char *why, size_t whylen)
{
	static const char *const sources[] = { "alias", "forward", "include" };
	char	*r;
	size_t	 i;

	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (strlen(sources[i]) == n && strncasecmp(sources[i], s, n) == 0)
			break;
	if (i == sizeof(sources) / sizeof(sources[0])) {
		snprintf(why, whylen, "'%.*s' is not one of alias, forward, "
		    "include", (int)n, s);
		return NULL;
	}
	if ((r = strdup(sources[i])) == NULL)
		snprintf(why, whylen, "out of memory");
	return r;
}
