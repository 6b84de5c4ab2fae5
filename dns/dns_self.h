/*
 * dns_self.h: this host's own addresses as the dns compartment knows
 * them (master's -A: inet_interfaces and proxy_interfaces, own_addrs.h),
 * to recognise an MX host or a "[name]" next hop that is this host by
 * its address, as Postfix's smtp(8) does (smtp_find_self).
 */
#ifndef BH_DNS_SELF_H
#define BH_DNS_SELF_H

#include <stddef.h>

#define DNS_SELF_MAX	64

struct dns_self {
	size_t		n;
	unsigned char	a[DNS_SELF_MAX][16];	/* netrange_parse_addr's form */
};

/* The comma-separated numeric addresses of s (NULL: none) into self. */
void	dns_self_init(struct dns_self *, const char *s);
/* Is the numeric address addr one of them? */
int	dns_self_has(const struct dns_self *, const char *addr);

#endif
