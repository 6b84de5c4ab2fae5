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
#include "queue/pending.h"
#include "queue/queue.h"
#include "queue/route.h"

/* A credentials lookup in flight (pending.h), with what relay gets. */
struct spending {
	struct pending		 p;		/* first: the set's record */
	size_t			 nhops;
	struct msg_relay_hop	 hops[IPC_RELAY_HOPS_MAX];
	size_t			 ntlsa;
	struct msg_relay_tlsa	 tlsa[IPC_TLSA_MAX];
};

static struct pending_set	sset = PENDING_SET_INITIALIZER(sset);

size_t
sasl_pending(void)
{
	return sset.n;
}

int
sasl_ask(struct queue *q, struct qmsg *m, const size_t *rcpt, size_t n,
    const struct msg_relay_hop *hops, size_t nhops, int marked,
    const struct msg_relay_tlsa *tlsa, size_t ntlsa)
{
	static uint8_t		 buf[IPC_PAYLOAD_MAX];
	struct msg_sasl_lookup	 sl;
	struct spending		*sp;
	struct pending		*p;
	struct route		 r;
	struct wbuf		 wb;

	memset(&sl, 0, sizeof(sl));
	relay_destination(q, m, rcpt[0], sl.dest, sizeof(sl.dest));
	if (q->we.master == NULL || ipc_check_sasl_lookup(&sl) != NULL)
		return 0;
	sp = xcalloc(1, sizeof(*sp));
	p = &sp->p;
	route_of(q, m, rcpt[0], &r);
	xstrlcpy(p->dest, r.dest, sizeof(p->dest));
	p->n = n;
	memcpy(p->rcpt, rcpt, n * sizeof(*rcpt));
	sp->nhops = nhops < IPC_RELAY_HOPS_MAX ? nhops : IPC_RELAY_HOPS_MAX;
	memcpy(sp->hops, hops, sp->nhops * sizeof(*hops));
	sp->ntlsa = ntlsa < IPC_TLSA_MAX ? ntlsa : IPC_TLSA_MAX;
	if (sp->ntlsa > 0)	/* tlsa may be NULL then */
		memcpy(sp->tlsa, tlsa, sp->ntlsa * sizeof(*tlsa));
	wb_init(&wb, buf, sizeof(buf));
	enc_sasl_lookup(&wb, &sl);
	p->id = ipc_request(q->we.master, IPC_SASL_LOOKUP, &wb, -1);
	p->msg = m;
	pending_add(&sset, p);
	if (!marked)
		pending_mark(p);	/* relay_send_creds takes it over */
	return 1;
}

int
sasl_owns(uint32_t id)
{
	return pending_find(&sset, id) != NULL;
}

void
on_sasl_creds(struct queue *q, uint32_t id, uint32_t type,
    const union ipc_msg *msg)
{
	struct spending		*sp;
	struct pending		*p;
	struct qmsg		*m;
	size_t			 k;

	if ((p = pending_take(&sset, id)) == NULL)
		return;
	sp = (struct spending *)p;
	m = p->msg;
	if (m->deleted || type != IPC_SASL_CREDS) {
		pending_release(p);
		for (k = 0; !m->deleted && k < p->n; k++)
			relay_record(q, m, p->rcpt[k], DELIVER_DEFER, "4.7.0",
			    "smtp_sasl_password_maps lookup failure");
	} else
		relay_send_creds(q, m, p->rcpt, p->n, sp->hops, sp->nhops, 1,
		    sp->tlsa, sp->ntlsa, &msg->sasl_creds);
	free(sp);
	if (!qmsg_idle_work(q, m, queue_now()))
		sync_marks(m);
	queue_schedule_soon(q);
}
