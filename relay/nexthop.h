/*
 * nexthop.h: a next hop as main.cf and transport_maps write it, in
 * Postfix's form: "[192.0.2.1]", "[192.0.2.1]:2525", "[2001:db8::1]:25"
 * (brackets: no MX lookup).  Until the dns compartment exists only a
 * numeric address inside the brackets is taken; a name is refused with
 * a clear reason, never looked up by queue or relay.
 */
#ifndef BH_NEXTHOP_H
#define BH_NEXTHOP_H

#include <stddef.h>

#define NEXTHOP_ADDR_MAX	64

struct nexthop {
	char		addr[NEXTHOP_ADDR_MAX];	/* numeric */
	unsigned	port;			/* 25 unless given */
};

/* Parse s; 0, or -1 with why (a static reason). */
int	nexthop_parse(const char *s, struct nexthop *, const char **why);

#endif
