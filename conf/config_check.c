/*
 * config_check.c: checks and conversions of single main.cf values: the
 * check_* functions of string parameters, the elem_* functions of list
 * elements, numbers and times, and set_value() which stores a checked
 * value in its field of struct bh_config.
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

#include "lib/rfc5321.h"
#include "smtpd/restrictions.h"
#include "conf/config.h"
#include "conf/config_int.h"
#include "relay/nexthop.h"
#include "relay/transport_result.h"
#include "relay/tls_level.h"

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
	return rfc5321_check_domain(s, n, RFC5321_NAME_ONLY, NULL) ==
	    RFC5321_OK;
}

int
check_domain(const char *v, char *why, size_t whylen)
{
	if (!valid_domain(v, strlen(v))) {
		snprintf(why, whylen, "not a valid domain name");
		return -1;
	}
	return 0;
}

int
check_abspath(const char *v, char *why, size_t whylen)
{
	if (v[0] != '/') {
		snprintf(why, whylen, "not an absolute path");
		return -1;
	}
	return 0;
}

int
check_optpath(const char *v, char *why, size_t whylen)
{
	if (v[0] != '\0' && v[0] != '/') {
		snprintf(why, whylen, "neither empty (syslog) nor an absolute "
		    "path");
		return -1;
	}
	return 0;
}

int
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
int
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

int
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
int
check_bare_newline(const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "reject") == 0 || strcmp(v, "normalize") == 0 ||
	    strcmp(v, "yes") == 0)
		return 0;
	snprintf(why, whylen, "use reject, normalize or yes (= normalize)");
	return -1;
}

/* Postfix's levels for the SMTP server; "" is none, as in Postfix. */
int
check_tls_level(const char *v, char *why, size_t whylen)
{
	if (*v == '\0' || strcmp(v, "none") == 0 || strcmp(v, "may") == 0 ||
	    strcmp(v, "encrypt") == 0)
		return 0;
	snprintf(why, whylen, "use none, may or encrypt");
	return -1;
}

int
check_yesno(const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)
		return 0;
	snprintf(why, whylen, "use yes or no");
	return -1;
}

/* The auth compartment's backends. */
int
check_sasl_type(const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "passwd-file") == 0 || strcmp(v, "dovecot") == 0)
		return 0;
	snprintf(why, whylen, "use passwd-file or dovecot");
	return -1;
}

/* smtpd_*_restrictions: the elements smtpd/restrictions.c has. */
int
check_restrictions(const char *v, char *why, size_t whylen)
{
	return restr_check(v, why, whylen);
}

/* The first part of every log tag: "bulkhead" in bulkhead/smtpd[pid]. */
int
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
char *
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

char *
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

char *
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

/* A numeric IPv4/IPv6 address only (proxy_interfaces). */
char *
elem_address(const char *s, size_t n, char *why, size_t whylen)
{
	char *r;

	if ((r = elem_interface(s, n, why, whylen)) == NULL)
		return NULL;
	if (strcmp(r, "all") == 0 || strcmp(r, "loopback-only") == 0) {
		free(r);
		snprintf(why, whylen, "'%.*s' is not a numeric IPv4/IPv6 "
		    "address (host names are not looked up)", (int)n, s);
		return NULL;
	}
	return r;
}

/*
 * "hash:/etc/aliases" or "/etc/aliases".  bulkhead reads the aliases(5)
 * source text itself, so the Postfix database types that are built from
 * such a file are accepted and the type is dropped.
 */
char *
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

int
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
int
check_privs(const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "root") == 0) {
		snprintf(why, whylen, "default_privs may not be root");
		return -1;
	}
	return check_user(v, why, whylen);
}

/* allow_mail_to_commands, allow_mail_to_files: alias, forward, include. */
char *
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

/* trusted_users: login names (root may be one). */
char *
elem_login(const char *s, size_t n, char *why, size_t whylen)
{
	char	*r;
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == ':' ||
		    s[i] == '@') {
			snprintf(why, whylen, "'%.*s' is not a login name",
			    (int)n, s);
			return NULL;
		}
	if ((r = strndup(s, n)) == NULL)
		snprintf(why, whylen, "out of memory");
	return r;
}

/*
 * relayhost: "" (deliver directly, as default_transport says) or a next
 * hop: [address]:port, [name]:port (no MX lookup), name or name:port.
 */
int
check_relayhost(const char *v, char *why, size_t whylen)
{
	struct nexthop	 nh;
	const char	*reason;

	if (*v == '\0' || nexthop_parse(v, &nh, &reason) == 0)
		return 0;
	snprintf(why, whylen, "%s", reason);
	return -1;
}

/* default_transport: transport[:nexthop], as a transport(5) result. */
int
check_default_transport(const char *v, char *why, size_t whylen)
{
	struct transport_entry	 e;
	const char		*reason;

	if ((reason = transport_parse_result(v, &e)) == NULL)
		return 0;
	snprintf(why, whylen, "%s", reason);
	return -1;
}

/* A dns_resolvers element: [address] or [address]:port, as "addr@port". */
char *
elem_resolver(const char *s, size_t n, char *why, size_t whylen)
{
	struct nexthop	 nh;
	const char	*reason;
	char		 v[128], *r;

	if (n >= sizeof(v)) {
		snprintf(why, whylen, "'%.*s' is too long", (int)n, s);
		return NULL;
	}
	memcpy(v, s, n);
	v[n] = '\0';
	if (nexthop_parse(v, &nh, &reason) == -1) {
		snprintf(why, whylen, "'%s': %s", v, reason);
		return NULL;
	}
	if (nh.kind != NEXTHOP_NUMERIC) {
		snprintf(why, whylen, "write [address] or [address]:port");
		return NULL;
	}
	if (nh.port == 25 && strchr(strrchr(v, ']'), ':') == NULL)
		nh.port = 53;
	if ((r = malloc(sizeof(nh.addr) + 8)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	snprintf(r, sizeof(nh.addr) + 8, "%s@%u", nh.addr, nh.port);
	return r;
}

/* Postfix's levels for the SMTP client that bulkhead has. */
int
check_smtp_tls_level(const char *v, char *why, size_t whylen)
{
	if (*v == '\0' || tls_level_parse(v) != -1)
		return 0;
	snprintf(why, whylen, "use none, may, encrypt, verify, secure or dane");
	return -1;
}

/* smtp_sasl_security_options: Postfix's words that bulkhead knows */
int
check_sasl_options(const char *v, char *why, size_t whylen)
{
	size_t n;

	for (; *v != '\0'; v += n) {
		v += strspn(v, ", \t");
		if ((n = strcspn(v, ", \t")) == 0)
			break;
		if ((n != 11 || strncmp(v, "noplaintext", 11) != 0) &&
		    (n != 11 || strncmp(v, "noanonymous", 11) != 0)) {
			snprintf(why, whylen, "use noplaintext and noanonymous "
			    "(the mechanisms are PLAIN and LOGIN)");
			return -1;
		}
	}
	return 0;
}

/* smtp_tls_secure_cert_match: nexthop, dot-nexthop, hostname, names */
int
check_tls_cert_match(const char *v, char *why, size_t whylen)
{
	if (tls_match_list_ok(v))
		return 0;
	snprintf(why, whylen, "a list of nexthop, dot-nexthop, hostname or "
	    "host names");
	return -1;
}
