/*
 * queue_sasl.c: the credentials of a destination for the relay's AUTH
 * (smtp_sasl_auth_enable).  Before a delivery goes to relay, queue asks
 * master (IPC_SASL_LOOKUP), which alone reads smtp_sasl_password_maps,
 * for the entry of its destination ("[address]:port", "[name]:port" or
 * the recipient domain, relay_destination) and puts it into that
 * IPC_RELAY only;
 * queue keeps no copy and relay never sees the table.  A table that
 * cannot be read defers the recipients, as in Postfix.
 *
 * Handlers:
 *   on_sasl_creds	master's answer (IPC_SASL_CREDS or IPC_ERROR)
 */
#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "privsep/ipc_msgs.h"
#include "queue/queue.h"
#include "queue/route.h"

struct spending {
	RB_ENTRY(spending)	 entry;
	uint32_t		 id;		/* SASL_LOOKUP request id */
	struct qmsg		*msg;
	size_t			 n;
	size_t			 rcpt[IPC_RELAY_RCPT_MAX];
	size_t			 nhops;
	struct msg_relay_hop	 hops[IPC_RELAY_HOPS_MAX];
	size_t			 ntlsa;
	struct msg_relay_tlsa	 tlsa[IPC_TLSA_MAX];
	char			 dest[DEST_KEY_MAX];	/* destconc.c's key */
};

static int
spending_cmp(struct spending *a, struct spending *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}
RB_HEAD(spending_tree, spending);
RB_PROTOTYPE_STATIC(spending_tree, spending, entry, spending_cmp);
RB_GENERATE_STATIC(spending_tree, spending, entry, spending_cmp);

static struct spending_tree	stree = RB_INITIALIZER(&stree);
static size_t			nsasl;

size_t
sasl_pending(void)
{
	return nsasl;
}

int
sasl_ask(struct queue *q, struct qmsg *m, const size_t *rcpt, size_t n,
    const struct msg_relay_hop *hops, size_t nhops, int marked,
    const struct msg_relay_tlsa *tlsa, size_t ntlsa)
{
	static uint8_t		 buf[IPC_PAYLOAD_MAX];
	struct msg_sasl_lookup	 sl;
	struct spending		*p;
	struct route		 r;
	struct wbuf		 wb;
	size_t			 k;

	memset(&sl, 0, sizeof(sl));
	relay_destination(q, m, rcpt[0], sl.dest, sizeof(sl.dest));
	if (q->we.master == NULL || ipc_check_sasl_lookup(&sl) != NULL)
		return 0;
	p = xcalloc(1, sizeof(*p));
	route_of(q, m, rcpt[0], &r);
	xstrlcpy(p->dest, r.dest, sizeof(p->dest));
	p->n = n;
	memcpy(p->rcpt, rcpt, n * sizeof(*rcpt));
	p->nhops = nhops < IPC_RELAY_HOPS_MAX ? nhops : IPC_RELAY_HOPS_MAX;
	memcpy(p->hops, hops, p->nhops * sizeof(*hops));
	p->ntlsa = ntlsa < IPC_TLSA_MAX ? ntlsa : IPC_TLSA_MAX;
	if (p->ntlsa > 0)	/* tlsa may be NULL then */
		memcpy(p->tlsa, tlsa, p->ntlsa * sizeof(*tlsa));
	wb_init(&wb, buf, sizeof(buf));
	enc_sasl_lookup(&wb, &sl);
	p->id = ipc_request(q->we.master, IPC_SASL_LOOKUP, &wb, -1);
	p->msg = m;
	if (RB_INSERT(spending_tree, &stree, p) != NULL)
		fatalx("sasl_ask: request id %u in use", p->id);
	if (!marked) {
		for (k = 0; k < n; k++)
			m->sched[rcpt[k]].inflight = 1;
		m->ninflight += n;
		dest_inc(p->dest);	/* relay_send_creds takes it over */
	}
	nsasl++;
	return 1;
}

int
sasl_owns(uint32_t id)
{
	struct spending key;

	key.id = id;
	return RB_FIND(spending_tree, &stree, &key) != NULL;
}

void
on_sasl_creds(struct queue *q, uint32_t id, uint32_t type,
    const union ipc_msg *msg)
{
	struct spending		 key, *p;
	struct qmsg		*m;
	size_t			 k;

	key.id = id;
	if ((p = RB_FIND(spending_tree, &stree, &key)) == NULL)
		return;
	RB_REMOVE(spending_tree, &stree, p);
	nsasl--;
	m = p->msg;
	if (m->deleted || type != IPC_SASL_CREDS) {
		for (k = 0; k < p->n; k++)
			m->sched[p->rcpt[k]].inflight = 0;
		m->ninflight -= p->n;
		dest_dec(p->dest);
		for (k = 0; !m->deleted && k < p->n; k++)
			relay_record(q, m, p->rcpt[k], DELIVER_DEFER, "4.7.0",
			    "smtp_sasl_password_maps lookup failure");
	} else
		relay_send_creds(q, m, p->rcpt, p->n, p->hops, p->nhops, 1,
		    p->tlsa, p->ntlsa, &msg->sasl_creds);
	free(p);
	if (!qmsg_idle_work(q, m, queue_now()))
		sync_marks(m);
	queue_schedule_soon(q);
}
