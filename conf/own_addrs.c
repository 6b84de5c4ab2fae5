/*
 * own_addrs.c: see own_addrs.h.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xmalloc.h"
#include "conf/own_addrs.h"

static void
add(char *out, size_t len, const char *addr)
{
	if (strlen(out) + strlen(addr) + 2 > len)
		return;		/* more than one line of them: enough */
	if (out[0] != '\0')
		strlcat(out, ",", len);
	strlcat(out, addr, len);
}

static void
add_interfaces(char *out, size_t len)
{
	struct ifaddrs	*ifa, *i;
	char		 buf[INET6_ADDRSTRLEN];
	const void	*a;

	if (getifaddrs(&ifa) == -1) {
		log_warn("getifaddrs");
		return;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(i->ifa_addr->sa_family, a, buf, sizeof(buf))
		    != NULL)
			add(out, len, buf);
	}
	freeifaddrs(ifa);
}

void
own_addrs_string(const struct bh_config *cf, char *out, size_t len)
{
	size_t k;

	out[0] = '\0';
	for (k = 0; k < cf->inet_interfaces.n; k++) {
		if (strcmp(cf->inet_interfaces.v[k], "all") == 0)
			add_interfaces(out, len);
		else if (strcmp(cf->inet_interfaces.v[k], "loopback-only")
		    == 0) {
			add(out, len, "127.0.0.1");
			add(out, len, "::1");
		} else
			add(out, len, cf->inet_interfaces.v[k]);
	}
	for (k = 0; k < cf->proxy_interfaces.n; k++)
		add(out, len, cf->proxy_interfaces.v[k]);
}

void
own_addrs_parse(const char *s, struct bh_strlist *l)
{
	const char	*p;
	size_t		 n;

	for (p = s; p != NULL && *p != '\0' && l->n < BH_LIST_MAX; ) {
		n = strcspn(p, ",");
		if (n > 0)
			l->v[l->n++] = xstrndup(p, n);
		p += n;
		if (*p == ',')
			p++;
	}
}
