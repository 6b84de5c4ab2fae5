/*
 * transport.h: transport_maps, Postfix's transport(5) table in its text
 * form ("hash:/path" names the text file; there is no database to
 * build).  One entry a logical line:
 *
 *	pattern		result
 *
 * pattern: a domain (that domain only), ".domain" (its subdomains) or
 * "*" (everything else); result: "smtp:" (the recipient domain's MX
 * hosts, looked up by the dns compartment), "smtp:[address]:port" or
 * "relay:[address]:port" (a numeric next hop, no MX lookup),
 * "smtp:[name]:port" (name's addresses, no MX lookup), "smtp:name" or
 * "smtp:name:port" (name's MX hosts),
 * "local:" (local delivery), "error:[5.x.x ]text" (bounce),
 * "retry:[4.x.x ]text" (defer), "discard:[text]".  The first file
 * that matches wins; within a file, a domain before its parents, then
 * "*".  Parsed by queue (before its privilege drop) and by the checker
 * master starts (check/alias_checker.c), so a bad line is found before
 * anything runs.  One result's syntax: transport_result.h.
 */
#ifndef BH_TRANSPORT_H
#define BH_TRANSPORT_H

#include <stddef.h>

#include "relay/transport_result.h"

#define TRANSPORT_SIZE_MAX	(1 << 20)	/* bytes of one file */

struct transport_table {
	struct transport_entry	*e;
	size_t			 n;
};

/* Parse a file (or a buffer, named fname in errors): 0, or -1 with err
   "fname:line: ...". */
int	transport_parse_file(struct transport_table *, const char *path,
	    char *err, size_t errlen);
int	transport_parse_buffer(struct transport_table *, const char *buf,
	    size_t len, const char *fname, char *err, size_t errlen);
void	transport_free(struct transport_table *);

/* The entry for a recipient domain in tables t[0 .. n), or NULL. */
const struct transport_entry *transport_find(const struct transport_table *t,
	    size_t n, const char *domain);

#endif
