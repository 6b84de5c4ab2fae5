/*
 * dns_tlsa.c: the dns compartment's TLSA lookups for DANE (RFC 7672):
 * queue's IPC_DNS_TLSA names mail hosts and a port; for each,
 * _PORT._tcp.HOST TLSA is asked of libunbound, and only a
 * DNSSEC-validated answer counts (res->secure, which needs
 * dns_trust_anchor_file).  A bogus answer or a server failure makes the
 * host unusable (TLSA_FAILED: a forged denial must not turn DANE off);
 * no records or an insecure answer leaves the host to "may"
 * (TLSA_NONE); validated records relay can use (dns_parse_tlsa: usages
 * 2 and 3) go back with the host's index (TLSA_FOUND); validated
 * records of which none is usable make TLS mandatory without
 * authentication (TLSA_UNUSABLE, RFC 7672 2.2).
 *
 * Handlers:
 *   tlsa_done		libunbound's answer for one host
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unbound.h>

#include "dns/dns_parse.h"
#include "dns/dns_tlsa.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"

#define RR_TLSA		52
#define CLASS_IN	1
#define RCODE_NXDOMAIN	3

struct tquery;

struct thost {
	struct tquery	*q;
	uint32_t	 idx;
	char		 name[IPC_HOST_MAX + 16];	/* _PORT._tcp.HOST */
};

struct tquery {
	TAILQ_ENTRY(tquery)	 entry;
	struct ipc_chan		**queue;	/* dns's, NULL when gone */
	uint32_t		 id;
	int			 pending;
	int			 dead;
	struct thost		 hosts[IPC_RELAY_HOPS_MAX];
	struct msg_dns_tlsa_answer a;
};

static TAILQ_HEAD(, tquery)	tqueries = TAILQ_HEAD_INITIALIZER(tqueries);

static void
finish(struct tquery *q)
{
	static uint8_t	buf[IPC_PAYLOAD_MAX];
	struct wbuf	wb;

	if (!q->dead && *q->queue != NULL) {
		wb_init(&wb, buf, sizeof(buf));
		enc_dns_tlsa_answer(&wb, &q->a);
		ipc_reply(*q->queue, IPC_DNS_TLSA_RESULT, q->id, &wb, -1);
	}
	TAILQ_REMOVE(&tqueries, q, entry);
	free(q);
}

/*
 * The usable records of a validated answer: TLSA_FOUND; none usable (a
 * malformed record is unusable too): TLSA_UNUSABLE; usable ones that
 * found no room in the answer: TLSA_FAILED (the host is not tried
 * rather than tried without them).
 */
static uint32_t
take_records(struct thost *h, struct ub_result *res)
{
	struct msg_dns_tlsa_answer	*a = &h->q->a;
	struct dns_tlsa			 t;
	size_t				 i, n = 0, usable = 0;
	uint32_t			 first = a->nrec;
	int				 rc;

	for (i = 0; res->data[i] != NULL; i++) {
		rc = dns_parse_tlsa((const uint8_t *)res->data[i],
		    (size_t)res->len[i], &t);
		if (rc == -1)
			log_warnx("dns: %s: malformed TLSA record", h->name);
		if (rc != 0)
			continue;
		usable++;
		if (a->nrec == IPC_TLSA_MAX)
			continue;
		a->rec[a->nrec].hop = h->idx;
		a->rec[a->nrec].usage = t.usage;
		a->rec[a->nrec].selector = t.selector;
		a->rec[a->nrec].mtype = t.mtype;
		a->rec[a->nrec].len = (uint32_t)t.len;
		memcpy(a->rec[a->nrec].data, t.data, t.len);
		a->nrec++;
		n++;
	}
	if (usable == 0) {
		log_info("dns: %s: every TLSA record is unusable: TLS without "
		    "authentication (RFC 7672 2.2)", h->name);
		return TLSA_UNUSABLE;
	}
	if (n < usable) {
		log_warnx("dns: %s: more TLSA records than one answer carries",
		    h->name);
		a->nrec = first;	/* a failed host has none */
		return TLSA_FAILED;
	}
	return TLSA_FOUND;
}

static void
tlsa_done(void *arg, int err, struct ub_result *res)
{
	struct thost	*h = arg;
	struct tquery	*q = h->q;
	uint32_t	*st = &q->a.state[h->idx];

	if (err != 0 || res == NULL || res->bogus || (res->rcode != 0 &&
	    res->rcode != RCODE_NXDOMAIN)) {
		*st = TLSA_FAILED;
		log_warnx("dns: %s: TLSA lookup failed: %s", h->name,
		    err != 0 ? ub_strerror(err) : res == NULL ? "no answer" :
		    res->bogus ? (res->why_bogus ? res->why_bogus : "bogus") :
		    "server failure");
	} else if (!res->secure || !res->havedata || res->nxdomain)
		*st = TLSA_NONE;
	else
		*st = take_records(h, res);
	if (res != NULL)
		ub_resolve_free(res);
	if (--q->pending == 0)
		finish(q);
}

void
dns_tlsa_query(struct ub_ctx *ub, struct ipc_chan **queue, uint32_t id,
    const struct msg_dns_tlsa_query *m)
{
	struct tquery	*q;
	struct thost	*h;
	uint32_t	 i;
	int		 rc;

	q = xcalloc(1, sizeof(*q));
	q->queue = queue;
	q->id = id;
	q->a.nhosts = m->nhosts;
	TAILQ_INSERT_TAIL(&tqueries, q, entry);
	q->pending = 1;		/* until every question is out */
	for (i = 0; i < m->nhosts; i++) {
		h = &q->hosts[i];
		h->q = q;
		h->idx = i;
		snprintf(h->name, sizeof(h->name), "_%u._tcp.%s", m->port,
		    m->hosts[i]);
		q->pending++;
		if ((rc = ub_resolve_async(ub, h->name, RR_TLSA, CLASS_IN, h,
		    tlsa_done, NULL)) != 0) {
			log_warnx("dns: %s: %s", h->name, ub_strerror(rc));
			q->a.state[i] = TLSA_FAILED;
			q->pending--;
		}
	}
	if (--q->pending == 0)
		finish(q);
}

void
dns_tlsa_queue_gone(void)
{
	struct tquery *q;

	TAILQ_FOREACH(q, &tqueries, entry)
		q->dead = 1;
}
