/*
 * transport_result.h: one transport(5) result, as a transport_maps entry
 * (transport.h) and main.cf's default_transport write it: "smtp:" (the
 * recipient domain's MX hosts), "smtp:[address]:port", "relay:...",
 * "smtp:name[:port]", "local:", "error:[5.x.x ]text",
 * "retry:[4.x.x ]text", "discard:[text]".
 */
#ifndef BH_TRANSPORT_RESULT_H
#define BH_TRANSPORT_RESULT_H

#include <stddef.h>

#include "relay/nexthop.h"

#define TRANSPORT_TEXT_MAX	256

enum transport_kind {
	TRANSPORT_SMTP = 0,
	TRANSPORT_LOCAL,
	TRANSPORT_ERROR,	/* bounce */
	TRANSPORT_RETRY,	/* defer */
	TRANSPORT_DISCARD
};

struct transport_entry {
	char			*pattern;	/* lower-cased */
	enum transport_kind	 kind;
	struct nexthop		 nh;		/* TRANSPORT_SMTP; addr "": MX */
	char			 dsn[16];	/* ERROR, RETRY, DISCARD */
	char			 text[TRANSPORT_TEXT_MAX];
};

/* One result, as default_transport writes it ("smtp" without a colon
   too): NULL, or why not. */
const char *transport_parse_result(const char *, struct transport_entry *);

/* Has mail for a domain that is not ours, and that no transport_maps
   entry routes, somewhere to go: a relayhost, or a default_transport
   other than local? */
int	transport_default_remote(const char *relayhost,
	    const char *default_transport);

#endif
