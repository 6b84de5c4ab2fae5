/*
 * nexthop.c: "[address]:port" next hops (see nexthop.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <string.h>

#include "relay/nexthop.h"

static int
numeric(const char *s)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static int
port_parse(const char *s, unsigned *port)
{
	unsigned long	v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s) || (v = v * 10 + (unsigned)
		    (*s - '0')) > 65535)
			return -1;
	}
	if (v == 0)
		return -1;
	*port = (unsigned)v;
	return 0;
}

int
nexthop_parse(const char *s, struct nexthop *nh, const char **why)
{
	const char	*close;
	size_t		 n;

	nh->port = 25;
	if (*s != '[') {
		*why = "a host name needs MX and address lookups, which are "
		    "not built yet: write [address] or [address]:port";
		return -1;
	}
	if ((close = strchr(s, ']')) == NULL) {
		*why = "no closing ]";
		return -1;
	}
	n = (size_t)(close - s - 1);
	if (n == 0 || n >= sizeof(nh->addr)) {
		*why = "bad address in brackets";
		return -1;
	}
	memcpy(nh->addr, s + 1, n);
	nh->addr[n] = '\0';
	if (!numeric(nh->addr)) {
		*why = "a host name in brackets needs address lookups, which "
		    "are not built yet: write a numeric address";
		return -1;
	}
	if (close[1] == '\0')
		return 0;
	if (close[1] != ':' || port_parse(close + 2, &nh->port) == -1) {
		*why = "bad port: write [address]:port, port 1..65535";
		return -1;
	}
	return 0;
}
