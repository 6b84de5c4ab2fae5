/*
 * tls_policy.h: smtp_tls_policy_maps, Postfix's TLS policy table in its
 * text form ("hash:/path" names the text file).  One entry a logical
 * line:
 *
 *	destination	level [match=name:name...]
 *
 * destination: a domain (that domain only), ".domain" (its
 * subdomains), or a next hop as relayhost and transport_maps write it,
 * "[host]" or "[host]:port"; level: none, may, encrypt, verify, secure
 * or dane; match= (verify and secure only): the names the server
 * certificate may carry, "nexthop" (the destination domain),
 * "dot-nexthop" (its subdomains), "hostname" (the MX host) or a name.
 * Parsed by queue before its privilege drop and by the checker master
 * starts (check/alias_checker.c), so a bad line stops the start with
 * file:line.  The levels and match lists: tls_level.h.
 */
#ifndef BH_TLS_POLICY_H
#define BH_TLS_POLICY_H

#include <stddef.h>

#include "relay/tls_level.h"

#define TLS_POLICY_SIZE_MAX	(1 << 20)

struct tls_policy_entry {
	char		*dest;			/* lower-cased */
	enum tls_level	 level;
	char		 match[TLS_MATCH_MAX];	/* "" = the level's default */
};

struct tls_policy_table {
	struct tls_policy_entry	*e;
	size_t			 n;
};

/* Parse a file (or a buffer, named fname in errors): 0, or -1 with err
   "fname:line: ...". */
int	tls_policy_parse_file(struct tls_policy_table *, const char *path,
	    char *err, size_t errlen);
int	tls_policy_parse_buffer(struct tls_policy_table *, const char *buf,
	    size_t len, const char *fname, char *err, size_t errlen);
void	tls_policy_free(struct tls_policy_table *);

/*
 * The entry for a destination (a domain, or "[host]:port") in tables
 * t[0 .. n), or NULL: the destination verbatim, then for a domain its
 * ".parent" entries.  The first table that has one wins.
 */
const struct tls_policy_entry *tls_policy_find(
	    const struct tls_policy_table *t, size_t n, const char *dest);

/*
 * The names a certificate must carry at verify or secure, for the
 * destination dest (a domain, or "[host]:port"): match (or the level's
 * default: smtp_tls_secure_cert_match "nexthop, dot-nexthop",
 * smtp_tls_verify_cert_match "hostname") with nexthop and dot-nexthop
 * made names; "hostname" stays, relay puts the MX host's name there.
 * Written space-separated into out: 0, or -1 if it does not fit.
 */
int	tls_match_names(enum tls_level, const char *match, const char *dest,
	    char *out, size_t outlen);

#endif
