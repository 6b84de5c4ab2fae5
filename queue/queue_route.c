/*
 * queue_route.c: where a recipient goes (see route.h).  The tables are
 * read before the privilege drop (route_prepare): transport_maps and
 * default_transport.  A host name as a next hop (relayhost = name,
 * [name]:port, smtp:name in a table) is resolved by the dns compartment
 * (ROUTE_DNS), never here.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "privsep/ipc_msgs.h"
#include "queue/queue.h"
#include "queue/route.h"
#include "relay/transport.h"

/* transport_maps, read before the privilege drop */
static struct transport_table	transports[BH_LIST_MAX];
static size_t			ntransports;
static char			transport_error[IPC_TEXT_MAX];
static struct transport_entry	default_entry;	/* default_transport */
static struct nexthop		relayhost;	/* kind: addr "" if none */

void
route_prepare(struct queue *q)
{
	const struct bh_config	*cf = &q->we.cf;
	char			 err[IPC_TEXT_MAX - 64];
	const char		*why;
	size_t			 i;

	for (i = 0; i < cf->transport_maps.n; i++) {
		if (transport_parse_file(&transports[i],
		    cf->transport_maps.v[i], err, sizeof(err)) == -1) {
			/* as Postfix: a table that fails defers the mail */
			log_warnx("transport_maps: %s; deliveries are deferred "
			    "until it is fixed", err);
			snprintf(transport_error, sizeof(transport_error),
			    "transport_maps lookup failure: %s", err);
			ipc_text_clean(transport_error);
			break;
		}
		ntransports++;
	}
	/* both checked when the configuration was read */
	if ((why = transport_parse_result(cf->default_transport != NULL ?
	    cf->default_transport : "local", &default_entry)) != NULL)
		fatalx("default_transport: %s", why);
	memset(&relayhost, 0, sizeof(relayhost));
	if (cf->relayhost != NULL && cf->relayhost[0] != '\0' &&
	    nexthop_parse(cf->relayhost, &relayhost, &why) == -1)
		fatalx("relayhost: %s", why);
}

static int
in_list(const struct bh_strlist *l, const char *domain)
{
	size_t k;

	for (k = 0; k < l->n; k++)
		if (strcasecmp(domain, l->v[k]) == 0)
			return 1;
	return 0;
}

/* The destination's name, for the concurrency count. */
static void
name_dest(struct route *r)
{
	const struct nexthop *nh = &r->nh;

	if (nh->kind == NEXTHOP_MX && nh->port == 25)
		snprintf(r->dest, sizeof(r->dest), "%s", nh->addr);
	else if (nh->kind == NEXTHOP_MX)
		snprintf(r->dest, sizeof(r->dest), "%s:%u", nh->addr, nh->port);
	else
		snprintf(r->dest, sizeof(r->dest), "[%s]:%u", nh->addr,
		    nh->port);
}

/*
 * An smtp route to nh; without a next hop (smtp:), relayhost if there
 * is one (use_relayhost), else the MX hosts of the recipient domain.
 */
static void
smtp_route(struct route *r, const struct nexthop *nh, const char *domain,
    int use_relayhost)
{
	if (nh->addr[0] != '\0')
		r->nh = *nh;
	else if (use_relayhost && relayhost.addr[0] != '\0')
		r->nh = relayhost;
	else {
		memset(&r->nh, 0, sizeof(r->nh));
		r->nh.kind = NEXTHOP_MX;
		r->nh.port = 25;
		if (strlcpy(r->nh.addr, domain, sizeof(r->nh.addr)) >=
		    sizeof(r->nh.addr)) {
			r->kind = ROUTE_ERROR;
			r->dsn = "5.1.2";
			r->text = "domain name too long";
			return;
		}
	}
	r->kind = r->nh.kind == NEXTHOP_NUMERIC ? ROUTE_SMTP : ROUTE_DNS;
	name_dest(r);
}

/* A transport(5) result for domain. */
static void
entry_route(struct route *r, const struct transport_entry *e,
    const char *domain, int use_relayhost)
{
	static const enum route_kind kinds[] = {
		[TRANSPORT_SMTP] = ROUTE_SMTP,
		[TRANSPORT_LOCAL] = ROUTE_LOCAL,
		[TRANSPORT_ERROR] = ROUTE_ERROR,
		[TRANSPORT_RETRY] = ROUTE_RETRY,
		[TRANSPORT_DISCARD] = ROUTE_DISCARD,
	};

	r->kind = kinds[e->kind];
	r->dsn = e->dsn;
	r->text = e->text[0] != '\0' ? e->text : domain;
	if (e->kind == TRANSPORT_SMTP)
		smtp_route(r, &e->nh, domain, use_relayhost);
}

/*
 * Where recipient i of m goes.  A "*" entry stands for Postfix's
 * default_transport: it does not take mydestination's domains.  A
 * transport_maps "smtp:" without a next hop means the domain's MX hosts
 * (not relayhost), as in Postfix.  A local submission whose header
 * reached hopcount_limit (pickup's MSG_FLAG_HOPS) bounces, every
 * recipient, as Postfix's cleanup bounces it.
 */
void
route_of(const struct queue *q, const struct qmsg *m, size_t i,
    struct route *r)
{
	const struct bh_config		*cf = &q->we.cf;
	const char			*at = strrchr(m->env.rcpt[i].addr, '@');
	const struct transport_entry	*e;
	struct nexthop			 none;

	memset(r, 0, sizeof(*r));
	if (m->env.flags & MSG_FLAG_HOPS) {
		/* pickup counted hopcount_limit Received: fields */
		r->kind = ROUTE_ERROR;
		r->dsn = "5.4.0";
		r->text = "too many hops";
		return;
	}
	r->kind = ROUTE_LOCAL;
	if (at == NULL || at[1] == '[')
		return;
	if (transport_error[0] != '\0') {
		r->kind = ROUTE_RETRY;
		r->dsn = "4.3.0";
		r->text = transport_error;
		return;
	}
	if ((e = transport_find(transports, ntransports, at + 1)) != NULL &&
	    (strcmp(e->pattern, "*") != 0 ||
	    !in_list(&cf->mydestination, at + 1))) {
		entry_route(r, e, at + 1, 0);
		return;
	}
	if (in_list(&cf->mydestination, at + 1))
		return;
	memset(&none, 0, sizeof(none));
	if (default_entry.kind == TRANSPORT_LOCAL) {
		/* no outbound mail but through a relayhost */
		if (relayhost.addr[0] != '\0')
			smtp_route(r, &none, at + 1, 1);
		return;
	}
	if (in_list(&cf->relay_domains, at + 1)) {
		/* Postfix's relay_transport: relayhost, or the MX hosts */
		smtp_route(r, &none, at + 1, 1);
		return;
	}
	entry_route(r, &default_entry, at + 1, 1);
}

int
route_same(const struct route *a, const struct route *b)
{
	return a->kind == b->kind && a->nh.kind == b->nh.kind &&
	    a->nh.port == b->nh.port && strcasecmp(a->nh.addr, b->nh.addr)
	    == 0;
}
