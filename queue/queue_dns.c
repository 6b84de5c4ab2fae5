/*
 * queue_dns.c: MX routing.  A recipient routed to a name (ROUTE_DNS: its
 * domain's MX hosts by default_transport = smtp or a transport_maps
 * "smtp:", a relayhost or transport next hop written as a host name)
 * goes to that name's mail hosts: queue asks the dns compartment
 * (IPC_DNS_MX; DNS_QUERY_NOMX for "[name]") for the next hops, with up to
 * IPC_RELAY_RCPT_MAX due recipients of the message at that domain in
 * flight meanwhile, then hands them to relay with those hops in order
 * (relay falls back to the next on a connection failure).  A domain that
 * does not exist (5.1.2), takes no mail (null MX, 5.1.10), whose hosts
 * have no address (5.4.4) or whose best MX is this host (by myhostname
 * or by address, at port 25: 5.4.6) bounces; a name service failure
 * (4.4.3), or this host as the best MX with an address behind better
 * ones without (4.4.4), defers.
 *
 * Handlers:
 *   on_dns_result	dns's answer (IPC_DNS_MX_RESULT or IPC_ERROR)
 */
#include <sys/tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "privsep/ipc_msgs.h"
#include "queue/pending.h"
#include "queue/queue.h"
#include "queue/route.h"

#define DNS_DOWN_RETRY	5	/* seconds */

/* An MX lookup in flight (pending.h). */
struct dpending {
	struct pending		 p;		/* first: the set's record */
	char			 domain[IPC_HOST_MAX];	/* the name asked */
	unsigned		 port;
};

static struct pending_set	dset = PENDING_SET_INITIALIZER(dset);

/* Lookups in flight: they count against relay's concurrency too. */
size_t
dns_pending(void)
{
	return dset.n + dane_pending() + sasl_pending();
}

void
dns_ask(struct queue *q, struct qmsg *m, size_t i, const struct route *r,
    time_t now, int deferred_scan)
{
	static uint8_t		 buf[IPC_PAYLOAD_MAX];
	struct msg_dns_query	 dq;
	struct dpending		*d;
	struct pending		*p;
	struct wbuf		 wb;
	size_t			 j;

	memset(&dq, 0, sizeof(dq));
	if (r->nh.kind == NEXTHOP_HOST)
		dq.flags = DNS_QUERY_NOMX;
	/* loops to this host (a backup MX): port 25 only, as Postfix */
	if (r->nh.port == 25 && q->we.cf.myhostname != NULL)
		strlcpy(dq.self, q->we.cf.myhostname, sizeof(dq.self));
	if (strlcpy(dq.domain, r->nh.addr, sizeof(dq.domain)) >=
	    sizeof(dq.domain) || ipc_check_dns_query(&dq) != NULL) {
		/* dns's own rule, applied here: an outside value */
		relay_record(q, m, i, DELIVER_BOUNCE, "5.1.2", "bad domain "
		    "name for an MX lookup (no UTF-8 domains yet)");
		return;
	}
	d = xcalloc(1, sizeof(*d));
	p = &d->p;
	STRLCPY_ARRAY(d->domain, dq.domain);
	STRLCPY_ARRAY(p->dest, r->dest);
	d->port = r->nh.port;
	for (j = i; j < m->env.nrcpt && p->n < IPC_RELAY_RCPT_MAX; j++)
		if (j == i || (!m->sched[j].inflight &&
		    sched_rcpt_due(&m->env, j, now, deferred_scan) &&
		    relay_same_route(q, m, j, r)))
			p->rcpt[p->n++] = j;
	wb_init(&wb, buf, sizeof(buf));
	enc_dns_query(&wb, &dq);
	p->id = ipc_request(q->dns, IPC_DNS_MX, &wb, -1);
	if (q->dns == NULL) {
		free(d);
		return;
	}
	p->msg = m;
	pending_add(&dset, p);
	pending_mark(p);
}

/* What a failed lookup does to each recipient, in Postfix's words. */
static void
record_failure(struct queue *q, const struct dpending *d,
    const struct msg_dns_answer *a)
{
	char		text[IPC_TEXT_MAX];
	const char	*dsn;
	uint32_t	status = DELIVER_BOUNCE;
	size_t		k;

	switch (a->status) {
	case DNS_NXDOMAIN:
		dsn = "5.1.2";
		snprintf(text, sizeof(text), "Host or domain name not found. "
		    "Name service error for name=%.200s type=MX: Host not found",
		    d->domain);
		break;
	case DNS_NULLMX:
		dsn = "5.1.10";
		snprintf(text, sizeof(text), "Domain %.200s does not accept mail "
		    "(nullMX)", d->domain);
		break;
	case DNS_LOOP:
		dsn = "5.4.6";
		snprintf(text, sizeof(text), "mail for %.200s loops back to "
		    "myself", d->domain);
		break;
	case DNS_NOPRIMARY:
		status = DELIVER_DEFER;
		dsn = "4.4.4";
		snprintf(text, sizeof(text), "unable to find primary relay for "
		    "%.200s", d->domain);
		break;
	case DNS_NOHOST:
		dsn = "5.4.4";
		snprintf(text, sizeof(text), "Host or domain name not found: "
		    "%.400s", a->text);
		break;
	default:
		status = DELIVER_DEFER;
		dsn = "4.4.3";
		snprintf(text, sizeof(text), "Host or domain name not found. "
		    "Name service error for name=%.200s type=MX: %.200s",
		    d->domain, a->text[0] ? a->text : "try again");
	}
	for (k = 0; k < d->p.n; k++)
		relay_record(q, d->p.msg, d->p.rcpt[k], status, dsn, text);
}

void
on_dns_result(struct queue *q, struct ipc_chan *c, uint32_t id,
    uint32_t type, const union ipc_msg *msg)
{
	struct dpending		*d;
	struct pending		*p;
	struct msg_dns_answer	 a;
	struct qmsg		*m;
	uint32_t		 k;

	if ((p = pending_take(&dset, id)) == NULL)
		return;		/* cannot happen: ipc checked the id */
	d = (struct dpending *)p;
	m = p->msg;
	if (type == IPC_ERROR) {
		memset(&a, 0, sizeof(a));
		a.status = DNS_TEMPFAIL;
		STRLCPY_ARRAY(a.text, msg->error.text);
	} else
		a = msg->dns_answer;
	if (m->deleted) {
		pending_release(p);
	} else if (a.status == DNS_OK) {
		log_info("%s: %s: %u next hop%s, first %s[%s]%s", m->env.qid,
		    d->domain, a.nhops, a.nhops == 1 ? "" : "s",
		    a.hops[0].name, a.hops[0].addr,
		    a.secure ? " (DNSSEC-validated)" : "");
		for (k = 0; k < a.nhops; k++)
			a.hops[k].port = d->port;
		if (!dane_ask(q, m, p->rcpt, p->n, d->domain, &a))
			relay_send(q, m, p->rcpt, p->n, a.hops, a.nhops, 1);
	} else {
		pending_release(p);
		record_failure(q, d, &a);
	}
	free(d);
	if (!qmsg_idle_work(q, m, queue_now()))
		sync_marks(m);
	queue_schedule_soon(q);
}

/* dns went away: its lookups are asked again shortly. */
void
dns_requeue_inflight(struct queue *q)
{
	(void)q;
	pending_requeue_all(&dset, queue_now() + DNS_DOWN_RETRY);
}
