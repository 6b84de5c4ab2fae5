/*
 * netrange.c: "address/prefix" network matching.  See netrange.h.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lib/netrange.h"

int
netrange_parse_addr(const char *s, unsigned char a[16])
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0xff, 0xff };
	unsigned char	v4[4];

	if (inet_pton(AF_INET, s, v4) == 1) {
		memcpy(a, v4mapped, sizeof(v4mapped));
		memcpy(a + 12, v4, sizeof(v4));
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, a) != 1)
		return -1;
	return memcmp(a, v4mapped, sizeof(v4mapped)) == 0 ? AF_INET : AF_INET6;
}

int
netrange_match(const char *net, int af, const unsigned char a[16])
{
	unsigned char	 n[sizeof(struct in6_addr)];
	char		 buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long		 prefix, i;

	/* Longer than any address/prefix: not a network, never a match. */
	if (strlcpy(buf, net, sizeof(buf)) >= sizeof(buf) ||
	    (slash = strchr(buf, '/')) == NULL)
		return 0;
	*slash = '\0';
	prefix = strtol(slash + 1, &end, 10);
	if (netrange_parse_addr(buf, n) != af || *end != '\0' ||
	    prefix < 0 || prefix > (strchr(buf, ':') ? 128 : 32))
		return 0;
	/* An IPv4 prefix counts from the start of its mapped form. */
	if (strchr(buf, ':') == NULL)
		prefix += 96;
	for (i = 0; i < prefix; i++)
		if ((a[i / 8] ^ n[i / 8]) & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

int
netrange_in_list(char *const *nets, size_t n, const char *addr)
{
	unsigned char	a[sizeof(struct in6_addr)];
	int		af;
	size_t		i;

	if ((af = netrange_parse_addr(addr, a)) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (netrange_match(nets[i], af, a))
			return 1;
	return 0;
}
