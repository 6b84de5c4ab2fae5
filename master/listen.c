/*
 * listen.c: master opens every listening socket master.cf declares; the
 * smtpd compartment only ever accepts on them.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "master/master.h"

static int
open_one(const char *host, const char *port, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, on = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "listen %s:%s: %s", host ? host : "*",
		    port, gai_strerror(rc));
		return -1;
	}
	/* With no host, prefer the IPv6 wildcard, which takes IPv4 too. */
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (host != NULL || ai->ai_family == AF_INET6)
			break;
	if (ai == NULL)
		ai = res;
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd != -1 && ai->ai_family == AF_INET6 && host == NULL) {
		int off = 0;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	}
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, 1024) == -1) {
		snprintf(err, errlen, "listen %s:%s: %m", host ? host : "*",
		    port);
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * Expand each service over inet_interfaces when it names no host, then
 * open them all.  A failure closes what was opened and reports one error.
 */
int
listeners_open(struct master *m, char *err, size_t errlen)
{
	const struct bh_strlist	*ifs = &m->cf.inet_interfaces;
	size_t			 i, j;
	int			 fd;

	m->nlis = 0;
	for (i = 0; i < m->mcf.n; i++) {
		const struct mcf_service *s = &m->mcf.v[i];
		const char *hosts[BH_LIST_MAX + 2];
		size_t nh = 0;

		if (s->host != NULL)
			hosts[nh++] = s->host;
		else if (ifs->n == 1 && strcmp(ifs->v[0], "loopback-only") == 0) {
			hosts[nh++] = "127.0.0.1";
			hosts[nh++] = "::1";
		} else if (ifs->n == 0 || strcmp(ifs->v[0], "all") == 0)
			hosts[nh++] = NULL;
		else
			for (j = 0; j < ifs->n; j++)
				hosts[nh++] = ifs->v[j];
		for (j = 0; j < nh; j++) {
			if (m->nlis == LISTENER_MAX) {
				snprintf(err, errlen, "more than %d listeners",
				    LISTENER_MAX);
				goto fail;
			}
			if (strlcpy(m->lis[m->nlis].host, hosts[j] ? hosts[j] :
			    "", sizeof(m->lis[m->nlis].host)) >=
			    sizeof(m->lis[m->nlis].host) ||
			    strlcpy(m->lis[m->nlis].port, s->port,
			    sizeof(m->lis[m->nlis].port)) >=
			    sizeof(m->lis[m->nlis].port)) {
				snprintf(err, errlen, "listen address %s "
				    "port %s: too long", hosts[j] ? hosts[j] :
				    "*", s->port);
				goto fail;
			}
			if ((fd = open_one(hosts[j], s->port, err, errlen))
			    == -1)
				goto fail;
			m->lis[m->nlis++].fd = fd;
		}
	}
	return 0;
fail:
	while (m->nlis > 0)
		close(m->lis[--m->nlis].fd);
	return -1;
}
