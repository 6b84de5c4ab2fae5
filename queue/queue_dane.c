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
#include "queue/queue.h"
#include "queue/route.h"
#include "relay/tls_policy.h"

struct tpending {
	RB_ENTRY(tpending)	 entry;
	uint32_t		 id;		/* DNS_TLSA request id */
	struct qmsg		*msg;
	size_t			 n;
	size_t			 rcpt[IPC_RELAY_RCPT_MAX];
	size_t			 nhops;
	struct msg_relay_hop	 hops[IPC_RELAY_HOPS_MAX];
	uint32_t		 host_of[IPC_RELAY_HOPS_MAX];	/* hop: query
							   index */
	struct msg_dns_tlsa_query tq;
	char			 dest[DEST_KEY_MAX];	/* destconc.c's key */
};

static int
tpending_cmp(struct tpending *a, struct tpending *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}
RB_HEAD(tpending_tree, tpending);
RB_PROTOTYPE_STATIC(tpending_tree, tpending, entry, tpending_cmp);
RB_GENERATE_STATIC(tpending_tree, tpending, entry, tpending_cmp);

static struct tpending_tree	ttree = RB_INITIALIZER(&ttree);
static size_t			ntlsa;

size_t
dane_pending(void)
{
	return ntlsa;
}

int
dane_owns(uint32_t id)
{
	struct tpending key;

	key.id = id;
	return RB_FIND(tpending_tree, &ttree, &key) != NULL;
}

/* The distinct host names of the hops, in order, into p->tq. */
static void
hosts_of(struct tpending *p)
{
	size_t	i;
	uint32_t j;

	for (i = 0; i < p->nhops; i++) {
		for (j = 0; j < p->tq.nhosts; j++)
			if (strcasecmp(p->tq.hosts[j], p->hops[i].name) == 0)
				break;
		if (j == p->tq.nhosts)
			STRLCPY_ARRAY(p->tq.hosts[p->tq.nhosts++],
			    p->hops[i].name);
		p->host_of[i] = j;
	}
}

int
dane_ask(struct queue *q, struct qmsg *m, const size_t *rcpt, size_t n,
    const char *domain, const struct msg_dns_answer *a)
{
	static uint8_t		 buf[IPC_PAYLOAD_MAX];
	struct tpending		*p;
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
	p = xcalloc(1, sizeof(*p));
	route_of(q, m, rcpt[0], &r);
	xstrlcpy(p->dest, r.dest, sizeof(p->dest));
	p->n = n;
	memcpy(p->rcpt, rcpt, n * sizeof(*rcpt));
	p->nhops = a->nhops;
	memcpy(p->hops, a->hops, a->nhops * sizeof(*a->hops));
	p->tq.port = a->hops[0].port;	/* one port for every hop */
	hosts_of(p);
	if (ipc_check_dns_tlsa_query(&p->tq) != NULL) {
		free(p);
		return 0;	/* cannot happen: dns's names */
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_dns_tlsa_query(&wb, &p->tq);
	p->id = ipc_request(q->dns, IPC_DNS_TLSA, &wb, -1);
	if (q->dns == NULL) {
		free(p);
		return 0;
	}
	p->msg = m;
	if (RB_INSERT(tpending_tree, &ttree, p) != NULL)
		fatalx("dane_ask: request id %u in use", p->id);
	ntlsa++;
	return 1;
}

static void
release(struct tpending *p)
{
	size_t k;

	for (k = 0; k < p->n; k++)
		p->msg->sched[p->rcpt[k]].inflight = 0;
	p->msg->ninflight -= p->n;
	dest_dec(p->dest);	/* counted at the MX lookup */
}

/* The first of nh hops whose host is tq.hosts[host]; nh if none. */
static size_t
first_hop(const struct tpending *p, const struct msg_relay_hop *hops,
    size_t nh, uint32_t host)
{
	size_t k;

	for (k = 0; k < nh; k++)
		if (strcasecmp(hops[k].name, p->tq.hosts[host]) == 0)
			break;
	return k;
}

/*
 * The hops relay may try: not those of a host whose lookup failed, nor
 * those of a host whose records are all unusable when its mark would
 * find no room beside the records (never tried without TLS).
 */
static size_t
usable_hops(const struct tpending *p, const struct msg_dns_tlsa_answer *a,
    struct msg_relay_hop *hops)
{
	size_t		i, nh = 0, room = IPC_TLSA_MAX - a->nrec;
	uint32_t	st, host;
	int		marked[IPC_RELAY_HOPS_MAX] = { 0 };

	for (i = 0; i < p->nhops; i++) {
		host = p->host_of[i];
		if ((st = a->state[host]) == TLSA_FAILED)
			continue;
		if (st == TLSA_UNUSABLE && !marked[host]) {
			if (room == 0)
				continue;
			room--;
			marked[host] = 1;
		}
		hops[nh++] = p->hops[i];
	}
	return nh;
}

/*
 * The records of the kept hops, by their index there, and the unusable
 * mark (IPC_TLSA_UNUSABLE) of each host whose records are all unusable.
 */
static size_t
hop_records(const struct tpending *p, const struct msg_dns_tlsa_answer *a,
    const struct msg_relay_hop *hops, size_t nh,
    struct msg_relay_tlsa *recs)
{
	size_t		nr = 0, k;
	uint32_t	r, host;

	for (r = 0; r < a->nrec; r++) {
		if ((k = first_hop(p, hops, nh, a->rec[r].hop)) == nh)
			continue;
		recs[nr] = a->rec[r];
		recs[nr++].hop = (uint32_t)k;
	}
	for (host = 0; host < p->tq.nhosts && nr < IPC_TLSA_MAX; host++) {
		if (a->state[host] != TLSA_UNUSABLE ||
		    (k = first_hop(p, hops, nh, host)) == nh)
			continue;
		memset(&recs[nr], 0, sizeof(recs[nr]));
		recs[nr].hop = (uint32_t)k;
		recs[nr++].usage = IPC_TLSA_UNUSABLE;
		log_info("%s: DANE: every TLSA record of %s is unusable: TLS "
		    "required, without authentication", p->msg->env.qid,
		    p->tq.hosts[host]);
	}
	return nr;
}

/* The usable hops and their records; relay gets them, or a deferral. */
static void
hand_on(struct queue *q, struct tpending *p,
    const struct msg_dns_tlsa_answer *a)
{
	struct msg_relay_hop	 hops[IPC_RELAY_HOPS_MAX];
	struct msg_relay_tlsa	 recs[IPC_TLSA_MAX];
	size_t			 nh, nr = 0, k;

	if ((nh = usable_hops(p, a, hops)) > 0)
		nr = hop_records(p, a, hops, nh, recs);
	if (nh == 0) {
		release(p);
		for (k = 0; k < p->n; k++)
			relay_record(q, p->msg, p->rcpt[k], DELIVER_DEFER,
			    "4.7.5", "TLSA lookup error for the mail hosts");
		return;
	}
	log_info("%s: DANE: %zu TLSA record%s for %s", p->msg->env.qid, nr,
	    nr == 1 ? "" : "s", hops[0].name);
	relay_send_tlsa(q, p->msg, p->rcpt, p->n, hops, nh, 1, recs, nr);
}

void
on_tlsa_result(struct queue *q, struct ipc_chan *c, uint32_t id,
    uint32_t type, const union ipc_msg *msg)
{
	struct tpending			 key, *p;
	struct msg_dns_tlsa_answer	 a;
	struct qmsg			*m;
	uint32_t			 i;

	key.id = id;
	if ((p = RB_FIND(tpending_tree, &ttree, &key)) == NULL)
		return;		/* cannot happen: ipc checked the id */
	if (type != IPC_ERROR && msg->dns_tlsa_answer.nhosts != p->tq.nhosts) {
		ipc_chan_fail(c, "TLSA answer does not match the query");
		return;
	}
	RB_REMOVE(tpending_tree, &ttree, p);
	ntlsa--;
	m = p->msg;
	if (type == IPC_ERROR) {
		memset(&a, 0, sizeof(a));
		a.nhosts = p->tq.nhosts;
		for (i = 0; i < a.nhosts; i++)
			a.state[i] = TLSA_FAILED;
	} else
		a = msg->dns_tlsa_answer;
	if (m->deleted)
		release(p);
	else
		hand_on(q, p, &a);
	free(p);
	if (!qmsg_idle_work(q, m, queue_now()))
		sync_marks(m);
	queue_schedule_soon(q);
}

/* dns went away: the recipients are asked for again shortly. */
void
dane_requeue_inflight(struct queue *q)
{
	struct tpending	*p, *tmp;
	size_t		 k;

	RB_FOREACH_SAFE(p, tpending_tree, &ttree, tmp) {
		RB_REMOVE(tpending_tree, &ttree, p);
		release(p);
		for (k = 0; k < p->n; k++)
			p->msg->env.rcpt[p->rcpt[k]].next_try = queue_now() + 5;
		free(p);
	}
	ntlsa = 0;
}
