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

/* A host name, as RFC 5321 writes one (dots, letters, digits, '-'). */
static int
hostname(const char *s, size_t n)
{
	size_t	i, label = 0;

	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if ((!isalnum((unsigned char)s[i]) && s[i] != '-') ||
		    ++label > 63)
			return 0;
	}
	return 1;
}

/* "name" or "name:port", no brackets: the MX hosts of name. */
static int
parse_mx(const char *s, struct nexthop *nh, const char **why)
{
	const char	*colon = strchr(s, ':');
	size_t		 n = colon != NULL ? (size_t)(colon - s) : strlen(s);

	if (!hostname(s, n) || n >= sizeof(nh->addr)) {
		*why = "bad next hop: write a host name, name:port, "
		    "[name]:port or [address]:port";
		return -1;
	}
	memcpy(nh->addr, s, n);
	nh->addr[n] = '\0';
	nh->kind = NEXTHOP_MX;
	if (colon != NULL && port_parse(colon + 1, &nh->port) == -1) {
		*why = "bad port: write name:port, port 1..65535";
		return -1;
	}
	return 0;
}

int
nexthop_parse(const char *s, struct nexthop *nh, const char **why)
{
	const char	*close;
	size_t		 n;

	nh->port = 25;
	nh->kind = NEXTHOP_NUMERIC;
	if (*s != '[')
		return parse_mx(s, nh, why);
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
		if (!hostname(nh->addr, n)) {
			*why = "bad host name or address in brackets";
			return -1;
		}
		nh->kind = NEXTHOP_HOST;
	}
	if (close[1] == '\0')
		return 0;
	if (close[1] != ':' || port_parse(close + 2, &nh->port) == -1) {
		*why = "bad port: write [address]:port, port 1..65535";
		return -1;
	}
	return 0;
}
