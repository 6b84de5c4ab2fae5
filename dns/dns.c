/*
 * dns.c: the dns compartment, the only process that talks to name
 * servers.  It answers queue's IPC_DNS_MX: the MX records of a domain
 * (RFC 7505 null MX; no MX: the domain itself, RFC 5321 5.1), ordered by
 * preference with equal ones shuffled, and each host's A and AAAA
 * addresses, as the next hops relay tries in order.  With
 * DNS_QUERY_NOMX (a "[name]" next hop) only the name's addresses; with
 * self (a backup MX) the hosts preferred to self only, self known by
 * its name (myhostname) or by an address of this host (dns_self.h).
 *
 * The resolver library is libunbound (see README: it validates DNSSEC,
 * which DANE will need, and its ub_fd() fits libevent), configured before
 * the privilege drop: the name servers of /etc/resolv.conf, or those of
 * dns_resolvers, as forwarders.  Its caches are bounded
 * (msg-cache-size, rrset-cache-size).  It runs in libunbound's thread
 * mode: a worker thread does the network work, results come back through
 * ub_fd() and ub_process() in the event loop.  What comes back is read
 * with dns_parse.c's strict parsers.
 *
 * Handlers:
 *   queue_msg		queue's IPC_DNS_MX
 *   on_ub		ub_fd() readable: ub_process() calls mx_done/addr_done
 *   queue_closed, on_peer	the channel to queue
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>
#include <unbound.h>

#include "dns/dns_parse.h"
#include "dns/dns_self.h"
#include "dns/dns_tlsa.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"

#define MX_HOSTS_MAX	IPC_RELAY_HOPS_MAX	/* hosts whose addresses we ask */
#define ADDRS_PER_HOST	4
#define RR_MX		15
#define RR_A		1
#define RR_AAAA		28
#define CLASS_IN	1
#define RCODE_NXDOMAIN	3

struct dquery;

struct dhost {
	struct dquery	*q;
	uint32_t	 pref;		/* MX preference */
	char		 name[DNS_NAME_MAX + 1];
	char		 addr[2][ADDRS_PER_HOST][DNS_ADDR_MAX];	/* A, AAAA */
	int		 naddr[2];
};

struct dquery {
	TAILQ_ENTRY(dquery)	 entry;
	struct dns		*d;
	uint32_t		 id;		/* queue's request */
	char			 domain[IPC_HOST_MAX];
	char			 self[IPC_HOST_MAX];	/* "" or myhostname */
	int			 pending;	/* lookups in libunbound */
	int			 dead;		/* queue went away */
	int			 tempfail;
	int			 secure;
	int			 nomx;		/* a "[name]" */
	size_t			 nhosts;
	struct dhost		 hosts[MX_HOSTS_MAX];
};

struct dns {
	struct worker_env	 we;
	struct ipc_chan		*queue;
	struct ub_ctx		*ub;
	struct event		*ub_ev;
	TAILQ_HEAD(, dquery)	 queries;
	struct dns_self		 self;		/* this host's addresses */
};

static uint32_t
rnd(uint32_t n)
{
	return n > 1 ? arc4random_uniform(n) : 0;
}

static void
reply(struct dquery *q, uint32_t status, const char *text)
{
	static uint8_t		 buf[IPC_PAYLOAD_MAX];
	struct msg_dns_answer	 a;
	struct wbuf		 wb;
	size_t			 h, f, k;

	memset(&a, 0, sizeof(a));
	a.status = status;
	a.secure = q->secure;
	strlcpy_text(a.text, text, sizeof(a.text));
	ipc_text_clean(a.text);
	for (h = 0; status == DNS_OK && h < q->nhosts; h++)
		for (f = 0; f < 2; f++)
			for (k = 0; k < (size_t)q->hosts[h].naddr[f] &&
			    a.nhops < IPC_RELAY_HOPS_MAX; k++) {
				struct msg_relay_hop *hp = &a.hops[a.nhops++];

				STRLCPY_ARRAY(hp->name, q->hosts[h].name);
				STRLCPY_ARRAY(hp->addr, q->hosts[h].addr[f][k]);
				hp->port = 25;
				/* hosts[] is in order: [0] has the best */
				if (q->hosts[h].pref == q->hosts[0].pref)
					hp->flags = IPC_HOP_BEST;
			}
	if (status == DNS_OK && a.nhops == 0) {
		a.status = q->tempfail ? DNS_TEMPFAIL : DNS_NOHOST;
		snprintf(a.text, sizeof(a.text), "%s for the mail hosts of %s",
		    q->tempfail ? "name service error" : "no address",
		    q->domain);
	}
	if (!q->dead && q->d->queue != NULL) {
		wb_init(&wb, buf, sizeof(buf));
		enc_dns_answer(&wb, &a);
		ipc_reply(q->d->queue, IPC_DNS_MX_RESULT, q->id, &wb, -1);
	}
}

static void
query_done(struct dquery *q)
{
	TAILQ_REMOVE(&q->d->queries, q, entry);
	free(q);
}

/* Has host h an address of this host? */
static int
host_is_self(const struct dns *d, const struct dhost *h)
{
	int f, k;

	for (f = 0; f < 2; f++)
		for (k = 0; k < h->naddr[f]; k++)
			if (dns_self_has(&d->self, h->addr[f][k]))
				return 1;
	return 0;
}

/*
 * This host among the mail hosts by its address (Postfix's
 * smtp_find_self and smtp_truncate_self): the hosts of its preference
 * and worse are left out.  DNS_OK with what remains; DNS_LOOP when it
 * is the best (or the "[name]" is this host); DNS_NOPRIMARY when only
 * better hosts without an address remain.
 */
static uint32_t
drop_self(struct dquery *q)
{
	size_t i, k;

	if (q->self[0] == '\0')
		return DNS_OK;
	for (i = 0; i < q->nhosts; i++)
		if (host_is_self(q->d, &q->hosts[i]))
			break;
	if (i == q->nhosts)
		return DNS_OK;
	if (q->nomx)
		return DNS_LOOP;
	for (k = 0; k < q->nhosts && q->hosts[k].pref < q->hosts[i].pref; k++)
		;
	q->nhosts = k;
	if (k == 0)
		return DNS_LOOP;
	for (i = 0; i < k; i++)
		if (q->hosts[i].naddr[0] + q->hosts[i].naddr[1] > 0)
			return DNS_OK;
	return DNS_NOPRIMARY;
}

/* Every address is in: the answer. */
static void
addresses_done(struct dquery *q)
{
	switch (drop_self(q)) {
	case DNS_LOOP:
		reply(q, DNS_LOOP, "mail for the domain loops back to myself "
		    "(an address of this host)");
		break;
	case DNS_NOPRIMARY:
		reply(q, DNS_NOPRIMARY, "unable to find primary relay");
		break;
	default:
		reply(q, DNS_OK, "");
	}
	query_done(q);
}

static void
addr_done(void *arg, int err, struct ub_result *res)
{
	struct dhost	*h = arg;
	struct dquery	*q = h->q;
	int		 f, i, n;

	if (err != 0 || res == NULL || (res->rcode != 0 &&
	    res->rcode != RCODE_NXDOMAIN))
		q->tempfail = 1;
	else if (res->havedata) {
		f = res->qtype == RR_AAAA;
		q->secure &= res->secure ? 1 : 0;
		for (i = 0, n = 0; res->data[i] != NULL &&
		    n < ADDRS_PER_HOST; i++)
			if ((f ? dns_parse_aaaa : dns_parse_a)(
			    (const uint8_t *)res->data[i], (size_t)res->len[i],
			    h->addr[f][n], DNS_ADDR_MAX) == 0)
				n++;
			else
				log_warnx("dns: %s: malformed %s record",
				    h->name, f ? "AAAA" : "A");
		h->naddr[f] = n;
	}
	if (res != NULL)
		ub_resolve_free(res);
	if (--q->pending > 0)
		return;
	addresses_done(q);
}

static void
ask(struct dquery *q, struct dhost *h, int type)
{
	int rc;

	q->pending++;
	if ((rc = ub_resolve_async(q->d->ub, h->name, type, CLASS_IN, h,
	    addr_done, NULL)) != 0) {
		log_warnx("dns: %s: %s", h->name, ub_strerror(rc));
		q->pending--;
		q->tempfail = 1;
	}
}

/* The A and AAAA questions for every host; answers until the last. */
static void
ask_addresses(struct dquery *q)
{
	size_t i;

	q->pending = 1;		/* until every question is out */
	for (i = 0; i < q->nhosts; i++) {
		ask(q, &q->hosts[i], RR_A);
		ask(q, &q->hosts[i], RR_AAAA);
	}
	if (--q->pending > 0)
		return;
	addresses_done(q);
}

/*
 * A backup MX (Postfix's smtp(8)): when self is one of the MX hosts,
 * leave it out with every host of equal or worse preference.  The
 * hosts that remain (mx[] is in order); 0 if self is among the best.
 */
static size_t
skip_self(const struct dquery *q, const struct dns_mx *mx, size_t n)
{
	size_t i, k;

	if (q->self[0] == '\0')
		return n;
	for (i = 0; i < n; i++)
		if (strcasecmp(mx[i].host, q->self) == 0)
			break;
	if (i == n)
		return n;
	for (k = 0; k < n && mx[k].pref < mx[i].pref; k++)
		;
	return k;
}

/* The MX answer: the hosts, then their addresses. */
static void
mx_done(void *arg, int err, struct ub_result *res)
{
	struct dquery	*q = arg;
	struct dns_mx	 mx[MX_HOSTS_MAX * 2];
	size_t		 n = 0, i;
	int		 bad = 0;

	if (err != 0 || res == NULL) {
		reply(q, DNS_TEMPFAIL, err != 0 ? ub_strerror(err) :
		    "no answer");
		goto out;
	}
	q->secure = res->secure ? 1 : 0;
	if (res->rcode == RCODE_NXDOMAIN || res->nxdomain) {
		reply(q, DNS_NXDOMAIN, "Host or domain name not found");
		goto out;
	}
	if (res->rcode != 0) {
		reply(q, DNS_TEMPFAIL, "name service error");
		goto out;
	}
	for (i = 0; res->havedata && res->data[i] != NULL; i++) {
		if (n == sizeof(mx) / sizeof(mx[0]))
			break;
		if (dns_parse_mx((const uint8_t *)res->data[i],
		    (size_t)res->len[i], &mx[n]) == 0)
			n++;
		else
			bad = 1;
	}
	if (bad && n == 0) {
		log_warnx("dns: %s: malformed MX records", q->domain);
		reply(q, DNS_TEMPFAIL, "malformed MX records");
		goto out;
	}
	if (dns_mx_is_null(mx, n)) {
		reply(q, DNS_NULLMX, "domain does not accept mail (null MX)");
		goto out;
	}
	if (!res->havedata) {		/* no MX: the domain itself */
		mx[0].pref = 0;
		STRLCPY_ARRAY(mx[0].host, q->domain);
		n = 1;
	}
	n = dns_mx_order(mx, n, rnd);
	if ((n = skip_self(q, mx, n)) == 0) {
		reply(q, DNS_LOOP, "mail for the domain loops back to myself");
		goto out;
	}
	for (i = 0; i < n && q->nhosts < MX_HOSTS_MAX; i++) {
		struct dhost *h = &q->hosts[q->nhosts++];

		h->q = q;
		h->pref = mx[i].pref;
		STRLCPY_ARRAY(h->name, mx[i].host);
	}
	ub_resolve_free(res);
	ask_addresses(q);
	return;
out:
	if (res != NULL)
		ub_resolve_free(res);
	query_done(q);
}

static void
on_query(struct dns *d, uint32_t id, const struct msg_dns_query *m)
{
	struct dquery	*q;
	int		 rc;

	q = xcalloc(1, sizeof(*q));
	q->d = d;
	q->id = id;
	STRLCPY_ARRAY(q->domain, m->domain);
	STRLCPY_ARRAY(q->self, m->self);
	TAILQ_INSERT_TAIL(&d->queries, q, entry);
	if (m->flags & DNS_QUERY_NOMX) {	/* [name]: no MX lookup */
		q->secure = 1;		/* until an answer says otherwise */
		q->nomx = 1;
		q->nhosts = 1;
		q->hosts[0].q = q;
		STRLCPY_ARRAY(q->hosts[0].name, q->domain);
		ask_addresses(q);
		return;
	}
	if ((rc = ub_resolve_async(d->ub, q->domain, RR_MX, CLASS_IN, q,
	    mx_done, NULL)) != 0) {
		log_warnx("dns: %s: %s", q->domain, ub_strerror(rc));
		reply(q, DNS_TEMPFAIL, ub_strerror(rc));
		query_done(q);
	}
}

static void
on_ub(evutil_socket_t fd, short ev, void *arg)
{
	struct dns	*d = arg;
	int		 rc;

	if ((rc = ub_process(d->ub)) != 0)
		log_warnx("dns: ub_process: %s", ub_strerror(rc));
}

static void
queue_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct dns *d = arg;

	if (fd != -1)
		close(fd);
	if (h->type == IPC_DNS_TLSA) {
		dns_tlsa_query(d->ub, &d->queue, h->id, &msg->dns_tlsa_query);
		return;
	}
	if (h->type != IPC_DNS_MX) {
		ipc_chan_fail(c, "unexpected message");
		return;
	}
	on_query(d, h->id, &msg->dns_query);
}

static void
queue_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct dns	*d = arg;
	struct dquery	*q;

	if (violation)
		worker_peer_violation(&d->we, ROLE_QUEUE, why);
	if (c == d->queue) {
		/* answers still in libunbound find nobody to answer */
		TAILQ_FOREACH(q, &d->queries, entry)
			q->dead = 1;
		dns_tlsa_queue_gone();
		d->queue = NULL;
	}
	ipc_chan_free(c);
}

static void
on_peer(struct worker_env *we, enum bh_role peer, int fd)
{
	struct dns *d = we->arg;

	if (peer != ROLE_QUEUE) {
		close(fd);
		fatalx("master handed dns a channel to %s",
		    ipc_role_name(peer));
	}
	if (d->queue != NULL)
		queue_closed(d->queue, "replaced", 0, d);
	d->queue = ipc_chan_new(we->base, fd, ROLE_DNS, ROLE_QUEUE, queue_msg,
	    queue_closed, d);
}

static void
ub_option(struct dns *d, const char *opt, const char *val)
{
	int rc;

	if ((rc = ub_ctx_set_option(d->ub, opt, val)) != 0)
		fatalx("dns: %s %s: %s", opt, val, ub_strerror(rc));
}

/*
 * dns_trust_anchor_file: DS or DNSKEY records in zone-file form (as
 * /usr/share/dns/root.key), read now (libunbound would read a file
 * only when the first query goes out, inside the empty root).
 */
static void
trust_anchors(struct dns *d, const char *path)
{
	FILE	*f;
	char	 line[4096];
	size_t	 n, lineno = 0, added = 0;
	int	 rc;

	if (path[0] == '\0')
		return;
	if ((f = fopen(path, "r")) == NULL)
		fatal("dns: dns_trust_anchor_file %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		n = strspn(line, " \t");
		if (line[n] == '\0' || line[n] == ';' || line[n] == '#')
			continue;
		if ((rc = ub_ctx_add_ta(d->ub, line + n)) != 0)
			fatalx("dns: %s:%zu: %s", path, lineno, ub_strerror(rc));
		added++;
	}
	fclose(f);
	if (added == 0)
		fatalx("dns: %s: no trust anchor in it", path);
}

/*
 * Before the privilege drop: the resolvers (resolv.conf is read now),
 * bounded caches, thread mode, and the descriptor results come back on.
 */
static void
dns_prepare(struct worker_env *we, struct sandbox_spec *sb)
{
	struct dns	*d = we->arg;
	size_t		 i;
	int		 rc;

	if ((d->ub = ub_ctx_create()) == NULL)
		fatalx("dns: ub_ctx_create");
	ub_option(d, "msg-cache-size:", "1m");
	ub_option(d, "rrset-cache-size:", "2m");
	ub_option(d, "key-cache-size:", "1m");
	ub_option(d, "neg-cache-size:", "512k");
	ub_option(d, "do-not-query-localhost:", "no");
	for (i = 0; i < we->cf.dns_resolvers.n; i++)
		if ((rc = ub_ctx_set_fwd(d->ub, we->cf.dns_resolvers.v[i]))
		    != 0)
			fatalx("dns: resolver %s: %s",
			    we->cf.dns_resolvers.v[i], ub_strerror(rc));
	if (we->cf.dns_resolvers.n == 0 &&
	    (rc = ub_ctx_resolvconf(d->ub, "/etc/resolv.conf")) != 0)
		fatalx("dns: /etc/resolv.conf: %s", ub_strerror(rc));
	trust_anchors(d, we->cf.dns_trust_anchor_file);
	dns_self_init(&d->self, we->own_addrs);	/* master's -A */
	if ((rc = ub_ctx_async(d->ub, 1)) != 0)
		fatalx("dns: ub_ctx_async: %s", ub_strerror(rc));
	if ((d->ub_ev = event_new(we->base, ub_fd(d->ub), EV_READ |
	    EV_PERSIST, on_ub, d)) == NULL || event_add(d->ub_ev, NULL) == -1)
		fatalx("dns: cannot watch the resolver");
}

static void
dns_ready(struct worker_env *we)
{
	log_info("ready: resolvers %s", we->cf.dns_resolvers.n > 0 ?
	    "from dns_resolvers" : "from /etc/resolv.conf");
}

int
dns_main(int argc, char **argv)
{
	static struct dns		d;
	static const struct worker_role	role = {
		.role = ROLE_DNS,
		.prepare = dns_prepare,
		.ready = dns_ready,
		.on_peer = on_peer,
	};

	TAILQ_INIT(&d.queries);
	return worker_main(&role, &d.we, &d, argc, argv);
}
