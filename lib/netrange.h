/*
 * netrange.h: numeric addresses and "address/prefix" networks (Postfix's
 * mynetworks syntax), matched as one 16-byte form for both families.
 */
#ifndef BH_NETRANGE_H
#define BH_NETRANGE_H

#include <stddef.h>

/*
 * A numeric address as 16 bytes of IPv6: an IPv4 address (or an
 * IPv4-mapped one, ::ffff:192.0.2.1, the client it stands for) becomes
 * ::ffff:a.b.c.d.  Returns AF_INET for those, AF_INET6 for the rest, -1
 * if s is not an address.
 */
int	netrange_parse_addr(const char *s, unsigned char a[16]);

/*
 * Is a (16 bytes of family af, from netrange_parse_addr) in net
 * ("addr/prefix")?  An IPv4 network never matches an IPv6 client and
 * back; a malformed net matches nothing.
 */
int	netrange_match(const char *net, int af, const unsigned char a[16]);

/* Is the numeric address addr in one of the n networks of nets? */
int	netrange_in_list(char *const *nets, size_t n, const char *addr);

#endif
