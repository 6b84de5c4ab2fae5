/*
 * queue_dane.c: DANE (RFC 7672) for MX routing and "[name]" next hops.
 * When the destination's TLS policy is "dane" and its MX answer (for
 * "[name]:port", the name's address answer) was DNSSEC-validated, queue
 * asks the dns compartment (IPC_DNS_TLSA) for the TLSA records of the
 * mail hosts at the next hop's port (_PORT._tcp.HOST) before handing the
 * recipients to relay; hosts whose lookup failed are left out (a forged
 * denial must not turn DANE off), the validated records go to relay with
 * the hops (relay_send_tlsa), a host whose validated records are all
 * unusable goes with the IPC_TLSA_UNUSABLE mark (TLS required, not
 * authenticated: RFC 7672 2.2), and a host without records is tried as
 * at "may".  No host left: deferred.
 *
 * Handlers:
 *   on_tlsa_result	dns's answer (IPC_DNS_TLSA_RESULT or IPC_ERROR)
 */
#include <sys/tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "privsep/ipc_msgs.h"
#include "queue/pending.h"
#include "queue/queue.h"
#include "queue/route.h"
#include "relay/tls_policy.h"

/* A TLSA lookup in flight (pending.h), with the MX answer's hops. */
struct tpending {
	struct pending		 p;		/* first: the set's record */
	size_t			 nhops;
	struct msg_relay_hop	 hops[IPC_RELAY_HOPS_MAX];
	uint32_t		 host_of[IPC_RELAY_HOPS_MAX];	/* hop: query
							   index */
	struct msg_dns_tlsa_query tq;
};

static struct pending_set	tset = PENDING_SET_INITIALIZER(tset);

size_t
dane_pending(void)
{
	return tset.n;
}

int
dane_owns(uint32_t id)
{
	return pending_find(&tset, id) != NULL;
}

/* The distinct host names of the hops, in order, into t->tq. */
static void
hosts_of(struct tpending *t)
{
	size_t	i;
	uint32_t j;

	for (i = 0; i < t->nhops; i++) {
		for (j = 0; j < t->tq.nhosts; j++)
			if (strcasecmp(t->tq.hosts[j], t->hops[i].name) == 0)
				break;
		if (j == t->tq.nhosts)
			STRLCPY_ARRAY(t->tq.hosts[t->tq.nhosts++],
			    t->hops[i].name);
		t->host_of[i] = j;
	}
}

int
dane_ask(struct queue *q, struct qmsg *m, const size_t *rcpt, size_t n,
    const char *domain, const struct msg_dns_answer *a)
{
	static uint8_t		 buf[IPC_PAYLOAD_MAX];
	struct tpending		*t;
	struct route		 r;
	struct wbuf		 wb;
	char			 dest[IPC_HOST_MAX + 16];

	/* the policy's key: the domain, or "[name]:port" */
	relay_destination(q, m, rcpt[0], dest, sizeof(dest));
	if (tls_policy_level(q, dest) != TLS_DANE || q->dns == NULL)
		return 0;
	if (!a->secure) {
		log_info("%s: %s: DNS lookup not DNSSEC-validated: no DANE, TLS "
		    "as at may", m->env.qid, domain);
		return 0;
	}
	t = xcalloc(1, sizeof(*t));
	route_of(q, m, rcpt[0], &r);
	xstrlcpy(t->p.dest, r.dest, sizeof(t->p.dest));
	t->p.n = n;
	memcpy(t->p.rcpt, rcpt, n * sizeof(*rcpt));
	t->nhops = a->nhops;
	memcpy(t->hops, a->hops, a->nhops * sizeof(*a->hops));
	t->tq.port = a->hops[0].port;	/* one port for every hop */
	hosts_of(t);
	if (ipc_check_dns_tlsa_query(&t->tq) != NULL) {
		free(t);
		return 0;	/* cannot happen: dns's names */
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_dns_tlsa_query(&wb, &t->tq);
	t->p.id = ipc_request(q->dns, IPC_DNS_TLSA, &wb, -1);
	if (q->dns == NULL) {
		free(t);
		return 0;
	}
	t->p.msg = m;
	pending_add(&tset, &t->p);	/* marked at the MX lookup */
	return 1;
}

/* The first of nh hops whose host is tq.hosts[host]; nh if none. */
static size_t
first_hop(const struct tpending *t, const struct msg_relay_hop *hops,
    size_t nh, uint32_t host)
{
	size_t k;

	for (k = 0; k < nh; k++)
		if (strcasecmp(hops[k].name, t->tq.hosts[host]) == 0)
			break;
	return k;
}

/*
 * The hops relay may try: not those of a host whose lookup failed, nor
 * those of a host whose records are all unusable when its mark would
 * find no room beside the records (never tried without TLS).
 */
static size_t
usable_hops(const struct tpending *t, const struct msg_dns_tlsa_answer *a,
    struct msg_relay_hop *hops)
{
	size_t		i, nh = 0, room = IPC_TLSA_MAX - a->nrec;
	uint32_t	st, host;
	int		marked[IPC_RELAY_HOPS_MAX] = { 0 };

	for (i = 0; i < t->nhops; i++) {
		host = t->host_of[i];
		if ((st = a->state[host]) == TLSA_FAILED)
			continue;
		if (st == TLSA_UNUSABLE && !marked[host]) {
			if (room == 0)
				continue;
			room--;
			marked[host] = 1;
		}
		hops[nh++] = t->hops[i];
	}
	return nh;
}

/*
 * The records of the kept hops, by their index there, and the unusable
 * mark (IPC_TLSA_UNUSABLE) of each host whose records are all unusable.
 */
static size_t
hop_records(const struct tpending *t, const struct msg_dns_tlsa_answer *a,
    const struct msg_relay_hop *hops, size_t nh,
    struct msg_relay_tlsa *recs)
{
	size_t		nr = 0, k;
	uint32_t	r, host;

	for (r = 0; r < a->nrec; r++) {
		if ((k = first_hop(t, hops, nh, a->rec[r].hop)) == nh)
			continue;
		recs[nr] = a->rec[r];
		recs[nr++].hop = (uint32_t)k;
	}
	for (host = 0; host < t->tq.nhosts && nr < IPC_TLSA_MAX; host++) {
		if (a->state[host] != TLSA_UNUSABLE ||
		    (k = first_hop(t, hops, nh, host)) == nh)
			continue;
		memset(&recs[nr], 0, sizeof(recs[nr]));
		recs[nr].hop = (uint32_t)k;
		recs[nr++].usage = IPC_TLSA_UNUSABLE;
		log_info("%s: DANE: every TLSA record of %s is unusable: TLS "
		    "required, without authentication", t->p.msg->env.qid,
		    t->tq.hosts[host]);
	}
	return nr;
}

/* The usable hops and their records; relay gets them, or a deferral. */
static void
hand_on(struct queue *q, struct tpending *t,
    const struct msg_dns_tlsa_answer *a)
{
	struct msg_relay_hop	 hops[IPC_RELAY_HOPS_MAX];
	struct msg_relay_tlsa	 recs[IPC_TLSA_MAX];
	size_t			 nh, nr = 0, k;

	if ((nh = usable_hops(t, a, hops)) > 0)
		nr = hop_records(t, a, hops, nh, recs);
	if (nh == 0) {
		pending_release(&t->p);	/* counted at the MX lookup */
		for (k = 0; k < t->p.n; k++)
			relay_record(q, t->p.msg, t->p.rcpt[k], DELIVER_DEFER,
			    "4.7.5", "TLSA lookup error for the mail hosts");
		return;
	}
	log_info("%s: DANE: %zu TLSA record%s for %s", t->p.msg->env.qid, nr,
	    nr == 1 ? "" : "s", hops[0].name);
	relay_send_tlsa(q, t->p.msg, t->p.rcpt, t->p.n, hops, nh, 1, recs, nr);
}

void
on_tlsa_result(struct queue *q, struct ipc_chan *c, uint32_t id,
    uint32_t type, const union ipc_msg *msg)
{
	struct tpending			*t;
	struct msg_dns_tlsa_answer	 a;
	struct qmsg			*m;
	uint32_t			 i;

	if ((t = (struct tpending *)pending_find(&tset, id)) == NULL)
		return;		/* cannot happen: ipc checked the id */
	if (type != IPC_ERROR && msg->dns_tlsa_answer.nhosts != t->tq.nhosts) {
		ipc_chan_fail(c, "TLSA answer does not match the query");
		return;
	}
	(void)pending_take(&tset, id);
	m = t->p.msg;
	if (type == IPC_ERROR) {
		memset(&a, 0, sizeof(a));
		a.nhosts = t->tq.nhosts;
		for (i = 0; i < a.nhosts; i++)
			a.state[i] = TLSA_FAILED;
	} else
		a = msg->dns_tlsa_answer;
	if (m->deleted)
		pending_release(&t->p);
	else
		hand_on(q, t, &a);
	free(t);
	if (!qmsg_idle_work(q, m, queue_now()))
		sync_marks(m);
	queue_schedule_soon(q);
}

/* dns went away: the recipients are asked for again shortly. */
void
dane_requeue_inflight(struct queue *q)
{
	(void)q;
	pending_requeue_all(&tset, queue_now() + 5);
}
