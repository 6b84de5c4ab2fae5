/*
 * nexthop.h: a next hop as main.cf and transport_maps write it, in
 * Postfix's form: "[192.0.2.1]", "[192.0.2.1]:2525", "[2001:db8::1]:25"
 * (a numeric address), "[mail.example]:2525" (a host name in brackets:
 * its A/AAAA addresses, no MX lookup), "mail.example" or
 * "mail.example:2525" (the MX hosts of that name, as a domain's).  Names
 * are resolved by the dns compartment only, never by queue or relay.
 */
#ifndef BH_NEXTHOP_H
#define BH_NEXTHOP_H

#include <stddef.h>

#define NEXTHOP_ADDR_MAX	256	/* a domain name, 255 octets */

enum nexthop_kind {
	NEXTHOP_NUMERIC = 0,	/* [address] */
	NEXTHOP_HOST,		/* [name]: A/AAAA only */
	NEXTHOP_MX		/* name: MX lookup (implicit MX: A/AAAA) */
};

struct nexthop {
	enum nexthop_kind kind;
	char		addr[NEXTHOP_ADDR_MAX];	/* address or name */
	unsigned	port;			/* 25 unless given */
};

/* Parse s; 0, or -1 with why (a static reason). */
int	nexthop_parse(const char *s, struct nexthop *, const char **why);

#endif
