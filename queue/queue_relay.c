/*
 * queue_relay.c: deliveries through the relay compartment.
 *
 * A recipient whose domain is not one of mydestination goes to relay
 * (queue_route.c says where: transport_maps, relayhost, the MX hosts by
 * default_transport, asked of dns in queue_dns.c).  queue hands relay up to
 * IPC_RELAY_RCPT_MAX due recipients of one message in one request (one
 * SMTP transaction), with a read-only fd of the queue file; relay's
 * verdict for each is recorded as local's are: a final status mark, or
 * the next try by the same backoff, expiry and notices (whose text
 * quotes the remote server's reply).  The log line is Postfix's:
 * relay=host[addr]:port, delay, delays=a/b/c/d, dsn, status.
 *
 * Handlers:
 *   on_relay_result	relay's verdicts (IPC_RELAY_RESULT or IPC_ERROR)
 */
#include <sys/tree.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "privsep/ipc_msgs.h"
#include "queue/queue.h"
#include "queue/spool.h"
#include "queue/route.h"

#define RELAY_DOWN_RETRY	5	/* seconds */

struct rinflight {
	RB_ENTRY(rinflight)	 entry;
	uint32_t		 id;		/* RELAY request id */
	struct qmsg		*msg;
	size_t			 n;
	size_t			 rcpt[IPC_RELAY_RCPT_MAX];
	struct timespec		 handed;	/* for delays=a/b/c/d */
	char			 dest[DEST_KEY_MAX];
};

static int
rinflight_cmp(struct rinflight *a, struct rinflight *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}
RB_HEAD(rinflight_tree, rinflight);
RB_PROTOTYPE_STATIC(rinflight_tree, rinflight, entry, rinflight_cmp);
RB_GENERATE_STATIC(rinflight_tree, rinflight, entry, rinflight_cmp);

static struct rinflight_tree	rtree = RB_INITIALIZER(&rtree);
static size_t			nrelay;

void
relay_prepare(struct queue *q)
{
	route_prepare(q);	/* queue_route.c */
	tls_policy_prepare(q);	/* smtp_tls_policy_maps */
}

/*
 * Can a relay request for route r go out now: a session under
 * default_process_limit, one for its destination under
 * default_destination_concurrency_limit (an MX lookup counts too)?
 */
static int
relay_can_send(const struct queue *q, const struct route *r)
{
	const struct bh_config *cf = &q->we.cf;

	return q->relay != NULL && nrelay + dns_pending() <
	    (size_t)cf->default_process_limit && dest_count(r->dest) <
	    (size_t)cf->default_destination_concurrency_limit;
}

/* Is recipient i of m for the relay (or error, retry, discard)? */
int
relay_wanted(const struct queue *q, const struct qmsg *m, size_t i)
{
	struct route r;

	route_of(q, m, i, &r);
	return r.kind != ROUTE_LOCAL;
}

/* Does recipient j of m go the same way as r? */
int
relay_same_route(const struct queue *q, const struct qmsg *m, size_t j,
    const struct route *r)
{
	struct route rj;

	route_of(q, m, j, &rj);
	return route_same(&rj, r);
}

static void
fill_request(struct qmsg *m, struct rinflight *f,
    const struct msg_relay_hop *hops, size_t nhops, struct msg_relay *req)
{
	size_t		 k;

	memset(req, 0, sizeof(*req));
	STRLCPY_ARRAY(req->qid, m->env.qid);
	req->content_len = m->env.size;
	STRLCPY_ARRAY(req->sender, m->env.sender);
	req->flags = m->env.flags & MSG_FLAG_RELAY;
	req->ret = m->env.ret;
	STRLCPY_ARRAY(req->envid, m->env.envid);
	req->nrcpt = f->n;
	for (k = 0; k < f->n; k++) {
		const struct qrcpt *rc = &m->env.rcpt[f->rcpt[k]];

		STRLCPY_ARRAY(req->rcpt[k].addr, rc->addr);
		req->rcpt[k].notify = rc->notify;
		STRLCPY_ARRAY(req->rcpt[k].orcpt, rc->orcpt);
	}
	req->nhops = nhops;
	for (k = 0; k < nhops && k < IPC_RELAY_HOPS_MAX; k++)
		req->hops[k] = hops[k];
}

/*
 * The destination of recipient i of m, as smtp_tls_policy_maps and
 * smtp_sasl_password_maps are keyed: its domain for MX routing, else
 * the next hop "[address]:port" or "[name]:port".
 */
void
relay_destination(const struct queue *q, const struct qmsg *m, size_t i,
    char *out, size_t outlen)
{
	struct route	 r;
	const char	*at = strrchr(m->env.rcpt[i].addr, '@');

	route_of(q, m, i, &r);
	if (r.kind == ROUTE_SMTP || (r.kind == ROUTE_DNS &&
	    r.nh.kind == NEXTHOP_HOST))
		snprintf(out, outlen, "[%s]:%u", r.nh.addr, r.nh.port);
	else
		strlcpy(out, at != NULL ? at + 1 : "", outlen);
}

/* The recipients' TLS policy into req; 0, or -1: they are deferred. */
static int
fill_policy(struct queue *q, struct qmsg *m, struct rinflight *f,
    struct msg_relay *req, int marked)
{
	char		 dest[IPC_HOST_MAX + 16];
	const char	*why;
	size_t		 k;

	relay_destination(q, m, f->rcpt[0], dest, sizeof(dest));
	if (tls_policy_fill(q, dest, req, &why) == 0)
		return 0;
	for (k = 0; k < f->n; k++) {
		if (marked) {
			m->sched[f->rcpt[k]].inflight = 0;
			m->ninflight--;
		}
		relay_record(q, m, f->rcpt[k], DELIVER_DEFER, "4.3.0", why);
	}
	if (marked)
		dest_dec(f->dest);	/* counted at the lookup */
	return -1;
}

/*
 * Hand relay the recipients rcpt[0 .. n) of m (one transaction) and the
 * next hops to try.  marked: they are in flight already (a DNS answer
 * came for them).  On failure they are retried shortly.
 */
void
relay_send(struct queue *q, struct qmsg *m, const size_t *rcpt, size_t n,
    const struct msg_relay_hop *hops, size_t nhops, int marked)
{
	relay_send_tlsa(q, m, rcpt, n, hops, nhops, marked, NULL, 0);
}

/* relay_send, with the validated TLSA records of the hops (DANE). */
void
relay_send_tlsa(struct queue *q, struct qmsg *m, const size_t *rcpt,
    size_t n, const struct msg_relay_hop *hops, size_t nhops, int marked,
    const struct msg_relay_tlsa *tlsa, size_t ntlsa)
{
	/* AUTH: master's entry for the destination first (queue_sasl.c) */
	if (strcmp(q->we.cf.smtp_sasl_auth_enable, "yes") == 0 &&
	    sasl_ask(q, m, rcpt, n, hops, nhops, marked, tlsa, ntlsa))
		return;
	relay_send_creds(q, m, rcpt, n, hops, nhops, marked, tlsa, ntlsa,
	    NULL);
}

/* relay_send_tlsa, with the destination's credentials (or NULL). */
void
relay_send_creds(struct queue *q, struct qmsg *m, const size_t *rcpt,
    size_t n, const struct msg_relay_hop *hops, size_t nhops, int marked,
    const struct msg_relay_tlsa *tlsa, size_t ntlsa,
    const struct msg_sasl_creds *creds)
{
	static struct msg_relay	 req;
	static uint8_t		 buf[IPC_PAYLOAD_MAX];
	struct rinflight	*f;
	struct route		 r;
	struct wbuf		 wb;
	size_t			 k;
	int			 fd = -1;

	if (n == 0 || n > IPC_RELAY_RCPT_MAX)
		return;		/* cannot happen: callers batch 1 .. max */
	f = xcalloc(1, sizeof(*f));
	/* the concurrency key: the same route_of the lookup counted */
	route_of(q, m, rcpt[0], &r);
	xstrlcpy(f->dest, r.dest, sizeof(f->dest));
	f->n = n;
	memcpy(f->rcpt, rcpt, n * sizeof(*rcpt));
	fill_request(m, f, hops, nhops, &req);
	if (fill_policy(q, m, f, &req, marked) == -1) {
		free(f);
		return;
	}
	for (k = 0; k < ntlsa && k < IPC_TLSA_MAX; k++)
		req.tlsa[req.ntlsa++] = tlsa[k];
	if (creds != NULL && creds->found) {
		STRLCPY_ARRAY(req.sasl_user, creds->user);
		STRLCPY_ARRAY(req.sasl_pass, creds->pass);
	}
	if (ipc_check_relay(&req) != NULL) {
		/* cannot happen: queue took these from its own checks */
		log_warnx("%s: cannot hand to relay: %s", m->env.qid,
		    ipc_check_relay(&req));
		goto retry;
	}
	if ((fd = spool_open(m->env.qid, O_RDONLY)) == -1) {
		log_warn("%s: cannot open queue file", m->env.qid);
		goto retry;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_relay(&wb, &req);
	explicit_bzero(req.sasl_pass, sizeof(req.sasl_pass));
	if (q->relay == NULL) {
		close(fd);
		goto retry;
	}
	f->id = ipc_request(q->relay, IPC_RELAY, &wb, fd);
	explicit_bzero(buf, wb.len);
	if (q->relay == NULL)
		goto retry;	/* closed: the recipients wait their turn */
	f->msg = m;
	clock_gettime(CLOCK_REALTIME, &f->handed);
	if (RB_INSERT(rinflight_tree, &rtree, f) != NULL)
		fatalx("relay_send: request id %u in use", f->id);
	if (!marked) {
		for (k = 0; k < f->n; k++)
			m->sched[f->rcpt[k]].inflight = 1;
		m->ninflight += f->n;
		dest_inc(f->dest);	/* marked: counted at the lookup */
	}
	nrelay++;
	return;
retry:
	explicit_bzero(req.sasl_pass, sizeof(req.sasl_pass));
	for (k = 0; k < f->n; k++) {
		m->env.rcpt[f->rcpt[k]].next_try = queue_now() +
		    RELAY_DOWN_RETRY;
		if (marked)
			m->sched[f->rcpt[k]].inflight = 0;
	}
	if (marked) {
		m->ninflight -= f->n;
		dest_dec(f->dest);
	}
	free(f);
}

/*
 * Hand relay recipient i of m and the other due recipients of m after
 * it for the same next hop, up to IPC_RELAY_RCPT_MAX: one transaction.
 */
static void
relay_batch(struct queue *q, struct qmsg *m, size_t i, const struct route *r,
    time_t now, int deferred_scan)
{
	struct msg_relay_hop	 hop;
	size_t			 rcpt[IPC_RELAY_RCPT_MAX], n = 0, j;

	for (j = i; j < m->env.nrcpt && n < IPC_RELAY_RCPT_MAX; j++)
		if (j == i || (!m->sched[j].inflight &&
		    sched_rcpt_due(&m->env, j, now, deferred_scan) &&
		    relay_same_route(q, m, j, r)))
			rcpt[n++] = j;
	memset(&hop, 0, sizeof(hop));
	STRLCPY_ARRAY(hop.name, r->nh.addr);
	xstrlcpy(hop.addr, r->nh.addr, sizeof(hop.addr));	/* numeric */
	hop.port = r->nh.port;
	hop.flags = IPC_HOP_BEST;	/* no MX lookup: the only host */
	relay_send(q, m, rcpt, n, &hop, 1, 0);
}

/* Postfix's delay figures: "0" or "0.12". */
static void
secs(char *out, size_t outsz, double v)
{
	if (v < 0.005)
		snprintf(out, outsz, "0");
	else
		snprintf(out, outsz, "%.2f", v);
}

/* Postfix's line: relay, delay, delays=a/b/c/d, dsn, status (text). */
static void
log_relay(const struct qmsg *m, size_t i, const struct timespec *handed,
    const struct msg_relay_result *r, const struct msg_relay_verdict *v,
    const char *status)
{
	struct timespec		 now;
	double			 total, a, c, d;
	char			 sa[32], sc[32], sd[32], st[32];

	clock_gettime(CLOCK_REALTIME, &now);
	total = (double)now.tv_sec - (double)m->env.arrival +
	    now.tv_nsec / 1e9;
	a = (double)handed->tv_sec - (double)m->env.arrival +
	    handed->tv_nsec / 1e9;
	c = r->conn_ms / 1000.0;
	d = r->xfer_ms / 1000.0;
	secs(st, sizeof(st), total);
	secs(sa, sizeof(sa), a);
	secs(sc, sizeof(sc), c);
	secs(sd, sizeof(sd), d);
	log_info("%s: to=<%s>, relay=%s, delay=%s, delays=%s/0/%s/%s, dsn=%s, "
	    "status=%s (%s)", m->env.qid, m->env.rcpt[i].addr, r->relay, st,
	    sa, sc, sd, v->dsn, status, v->text);
}

/* A temporary failure: back off, or bounce once the message expired. */
static void
relay_defer(struct queue *q, struct qmsg *m, size_t i,
    const struct msg_deliver_result *dr)
{
	struct qrcpt	*rc = &m->env.rcpt[i];
	char		 sched[QRCPT_SCHED_LEN + 1];
	time_t		 now = queue_now();

	rc->attempts++;
	rc->next_try = sched_next_try(&q->sp, &m->env, now);
	STRLCPY_ARRAY(m->sched[i].dsn, dr->dsn);
	STRLCPY_ARRAY(m->sched[i].text, dr->text);
	qfile_format_sched(rc, sched);
	if (spool_patch(m->fd, m->env_off + rc->status_off + QRCPT_SCHED_OFF,
	    sched, QRCPT_SCHED_LEN) == -1)
		log_warn("%s: cannot record the next try of <%s>", m->env.qid,
		    rc->addr);
}

/* One recipient's verdict, recorded as local's are. */
static void
record_one(struct queue *q, struct qmsg *m, size_t i,
    const struct timespec *handed, const struct msg_relay_result *r,
    const struct msg_relay_verdict *v)
{
	struct msg_deliver_result	 dr;

	memset(&dr, 0, sizeof(dr));
	dr.status = v->status;
	STRLCPY_ARRAY(dr.dsn, v->dsn);
	STRLCPY_ARRAY(dr.text, v->text);
	switch (v->status) {
	case DELIVER_SENT:
		log_relay(m, i, handed, r, v, "sent");
		record_final(m, i, QRCPT_DELIVERED, &dr);
		break;
	case DELIVER_BOUNCE:
		log_relay(m, i, handed, r, v, "bounced");
		record_final(m, i, QRCPT_BOUNCED, &dr);
		break;
	default:
		if (sched_expired(&q->sp, &m->env, queue_now())) {
			log_relay(m, i, handed, r, v, "expired");
			record_final(m, i, QRCPT_BOUNCED, &dr);
		} else {
			log_relay(m, i, handed, r, v, "deferred");
			relay_defer(q, m, i, &dr);
		}
	}
}

/* error:, retry: and discard: need no process: recorded at once. */
static void
record_now(struct queue *q, struct qmsg *m, size_t i, const struct route *rt)
{
	static const uint32_t	 status[] = {
		[ROUTE_ERROR] = DELIVER_BOUNCE,
		[ROUTE_RETRY] = DELIVER_DEFER,
		[ROUTE_DISCARD] = DELIVER_SENT,
	};
	struct msg_relay_result	 r;
	struct timespec		 now;

	memset(&r, 0, sizeof(r));
	xstrlcpy(r.relay, "none", sizeof(r.relay));
	r.nrcpt = 1;
	r.v[0].status = status[rt->kind];
	xstrlcpy(r.v[0].dsn, rt->dsn, sizeof(r.v[0].dsn));
	strlcpy_text(r.v[0].text, rt->text, sizeof(r.v[0].text));
	clock_gettime(CLOCK_REALTIME, &now);
	record_one(q, m, i, &now, &r, &r.v[0]);
	queue_schedule_soon(q);
}

/* A verdict without relay (queue_dns.c): bounce, defer or sent. */
void
relay_record(struct queue *q, struct qmsg *m, size_t i, uint32_t status,
    const char *dsn, const char *text)
{
	struct route r;

	memset(&r, 0, sizeof(r));
	r.kind = status == DELIVER_BOUNCE ? ROUTE_ERROR : status ==
	    DELIVER_DEFER ? ROUTE_RETRY : ROUTE_DISCARD;
	r.dsn = dsn;
	r.text = text;
	record_now(q, m, i, &r);
}

/*
 * Recipient i of m is due and not local's (relay_wanted).  1: not now,
 * its destination (or the relay) has all its slots.
 */
int
relay_dispatch(struct queue *q, struct qmsg *m, size_t i, time_t now,
    int deferred_scan)
{
	struct route	r;

	route_of(q, m, i, &r);
	switch (r.kind) {
	case ROUTE_LOCAL:
		fatalx("relay_dispatch: a local recipient");
	case ROUTE_SMTP:
		if (!relay_can_send(q, &r))
			return 1;
		relay_batch(q, m, i, &r, now, deferred_scan);
		return 0;
	case ROUTE_DNS:
		if (!relay_can_send(q, &r) || q->dns == NULL)
			return 1;
		dns_ask(q, m, i, &r, now, deferred_scan);	/* queue_dns.c */
		return 0;
	default:
		record_now(q, m, i, &r);
		return 0;
	}
}

void
on_relay_result(struct queue *q, struct ipc_chan *c, uint32_t id,
    uint32_t type, const union ipc_msg *msg)
{
	struct rinflight		 key, *f;
	struct msg_relay_result		 r;
	struct qmsg			*m;
	size_t				 k;

	key.id = id;
	if ((f = RB_FIND(rinflight_tree, &rtree, &key)) == NULL)
		return;		/* cannot happen: ipc checked the id */
	if (type == IPC_ERROR) {
		memset(&r, 0, sizeof(r));
		xstrlcpy(r.relay, "none", sizeof(r.relay));
		r.nrcpt = f->n;
		for (k = 0; k < f->n; k++) {
			r.v[k].status = DELIVER_DEFER;
			xstrlcpy(r.v[k].dsn, "4.3.0", sizeof(r.v[k].dsn));
			STRLCPY_ARRAY(r.v[k].text, msg->error.text);
		}
	} else if (msg->relay_result.nrcpt != f->n) {
		ipc_chan_fail(c, "verdicts do not match the recipients");
		return;
	} else
		r = msg->relay_result;
	RB_REMOVE(rinflight_tree, &rtree, f);
	nrelay--;
	dest_dec(f->dest);
	m = f->msg;
	for (k = 0; k < f->n; k++)
		m->sched[f->rcpt[k]].inflight = 0;
	m->ninflight -= f->n;
	if (!m->deleted)
		for (k = 0; k < f->n; k++)
			record_one(q, m, f->rcpt[k], &f->handed, &r, &r.v[k]);
	free(f);
	if (!qmsg_idle_work(q, m, queue_now()))
		sync_marks(m);
	queue_schedule_soon(q);
}

/* relay went away: what it had in hand is retried shortly. */
void
relay_requeue_inflight(struct queue *q)
{
	struct rinflight	*f, *tmp;
	size_t			 k;

	RB_FOREACH_SAFE(f, rinflight_tree, &rtree, tmp) {
		RB_REMOVE(rinflight_tree, &rtree, f);
		for (k = 0; k < f->n; k++) {
			f->msg->sched[f->rcpt[k]].inflight = 0;
			f->msg->env.rcpt[f->rcpt[k]].next_try = queue_now() +
			    RELAY_DOWN_RETRY;
		}
		f->msg->ninflight -= f->n;
		dest_dec(f->dest);
		free(f);
	}
	nrelay = 0;
}

/*
 * local delivered recipient i through an alias that forwards to remote
 * addresses: they become recipients of m (for the relay), with the
 * original's NOTIFY and, as ORCPT, the original's (or its address), and
 * the envelope is appended and synced before the original is marked
 * delivered.  0, or -1 if they could not be kept (the original is then
 * deferred: a repeat rather than a loss).
 */
int
relay_add_forwards(struct queue *q, struct qmsg *m, size_t i,
    const struct msg_deliver_result *r)
{
	char		 orcpt[IPC_ADDR_MAX], from[IPC_ADDR_MAX];
	uint32_t	 notify = m->env.rcpt[i].notify, k;
	size_t		 old = m->env.nrcpt, j, added = 0;
	int		 n;

	STRLCPY_ARRAY(from, m->env.rcpt[i].addr);
	if (m->env.rcpt[i].orcpt[0] != '\0')
		STRLCPY_ARRAY(orcpt, m->env.rcpt[i].orcpt);
	else if ((n = snprintf(orcpt, sizeof(orcpt), "rfc822;%s", from)) < 0 ||
	    (size_t)n >= sizeof(orcpt))
		orcpt[0] = '\0';
	for (k = 0; k < r->nremote; k++) {
		for (j = 0; j < m->env.nrcpt; j++)
			if (strcasecmp(m->env.rcpt[j].addr, r->remote[k]) == 0)
				break;
		if (j < m->env.nrcpt)
			continue;	/* already a recipient */
		if (qenv_add_rcpt_dsn(&m->env, r->remote[k], notify, orcpt)
		    == -1)
			goto fail;
		added++;
	}
	if (added == 0)
		return 0;
	if (spool_append_envelope(m->fd, &m->env, &m->env_off) == -1)
		goto fail;
	m->sched = xreallocarray(m->sched, m->env.nrcpt, sizeof(*m->sched));
	memset(m->sched + old, 0, added * sizeof(*m->sched));
	m->unfinished += added;
	for (j = old; j < m->env.nrcpt; j++)
		log_info("%s: to=<%s>: forwarded to <%s>", m->env.qid, from,
		    m->env.rcpt[j].addr);
	queue_schedule_soon(q);
	return 0;
fail:
	log_warnx("%s: to=<%s>: cannot add the remote addresses it forwards "
	    "to", m->env.qid, from);
	m->env.nrcpt = old;
	return -1;
}
