/*
 * route.h: where queue sends a recipient (queue_route.c), as Postfix's
 * trivial-rewrite decides it: transport_maps first, then mydestination
 * (local), then relay_domains (their MX hosts, or relayhost: we are a
 * backup MX), then default_transport (default "smtp": the recipient
 * domain's MX hosts, or relayhost when it is set).  default_transport =
 * local is bulkhead's "no outbound mail but what relayhost and
 * transport_maps route" (local cannot deliver a remote address).
 */
#ifndef BH_ROUTE_H
#define BH_ROUTE_H

#include "queue/destconc.h"
#include "relay/nexthop.h"

struct queue;
struct qmsg;

enum route_kind {
	ROUTE_LOCAL = 0,
	ROUTE_SMTP,		/* a numeric next hop */
	ROUTE_DNS,		/* a name the dns compartment resolves */
	ROUTE_ERROR,		/* bounce with text */
	ROUTE_RETRY,		/* defer with text */
	ROUTE_DISCARD
};

struct route {
	enum route_kind	 kind;
	struct nexthop	 nh;		/* ROUTE_SMTP, ROUTE_DNS */
	const char	*dsn;		/* ERROR, RETRY, DISCARD */
	const char	*text;
	char		 dest[DEST_KEY_MAX];	/* SMTP, DNS: the destination */
};

void	route_prepare(struct queue *);
void	route_of(const struct queue *, const struct qmsg *, size_t rcpt,
	    struct route *);
/* Same next hop (and so one transaction, one lookup)? */
int	route_same(const struct route *, const struct route *);

#endif
