/*
 * smtp_cache.c: connection reuse, as Postfix's
 * smtp_connection_cache_on_demand.  A session whose transaction is over
 * (every verdict answered) stays connected, idle, for
 * smtp_connection_cache_time_limit; a request whose next hops include
 * that host (name, address and port) takes it: RSET (a dead connection
 * then costs a fresh connect, not a deferral), then MAIL.  Idle
 * sessions end with QUIT when their time is up; a server that closes one
 * only ends it.  queue's per-destination concurrency limit counts the
 * transactions in flight, and a cached session is taken before a new
 * one is opened, so a destination sees no more connections than that.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "relay/relay.h"

/* Keep s for the next message to its hop?  1: parked. */
int
cache_park(struct rsess *s)
{
	const struct bh_config *cf = cf_of(s);

	if (strcmp(cf->smtp_connection_cache_on_demand, "yes") != 0 ||
	    !s->connected || s->dead || s->tls_pending || s->req_id != 0)
		return 0;
	if (s->msgfd != -1)
		close(s->msgfd);
	s->msgfd = -1;
	s->state = RS_IDLE;
	arm(s, cf->smtp_connection_cache_time_limit);
	return 1;
}

static int
same_hop(const struct msg_relay_hop *a, const struct msg_relay_hop *b)
{
	return a->port == b->port && strcmp(a->addr, b->addr) == 0 &&
	    strcasecmp(a->name, b->name) == 0;
}

/*
 * May a connection made for a do b's transaction?  Only under the same
 * TLS policy (level, names, TLSA records), and never one that logged
 * in: credentials are handed for one destination, and another that
 * shares its MX host must not send under that login.
 */
static int
same_security(const struct msg_relay *a, const struct msg_relay *b)
{
	return a->sasl_user[0] == '\0' && b->sasl_user[0] == '\0' &&
	    a->tls_level == b->tls_level &&
	    strcmp(a->tls_match, b->tls_match) == 0 &&
	    a->ntlsa == b->ntlsa && a->ntlsa <= IPC_TLSA_MAX &&
	    memcmp(a->tlsa, b->tlsa, a->ntlsa * sizeof(a->tlsa[0])) == 0;
}

static struct rsess *
find_idle(struct relay *r, const struct msg_relay *req, uint32_t *hop)
{
	struct rsess	*s;
	uint32_t	 k;

	for (k = 0; k < req->nhops; k++)
		TAILQ_FOREACH(s, &r->sessions, entry)
			if (s->state == RS_IDLE && !s->dead &&
			    same_security(&s->req, req) &&
			    same_hop(&s->req.hops[s->hop], &req->hops[k])) {
				*hop = k;
				return s;
			}
	return NULL;
}

/* A cached session for queue's request: 1 if taken (it owns fd now). */
int
cache_take(struct relay *r, uint32_t id, const struct msg_relay *req,
    int fd)
{
	struct rsess	*s;
	uint32_t	 hop;

	if ((s = find_idle(r, req, &hop)) == NULL)
		return 0;
	evtimer_del(s->ev_timer);
	s->req_id = id;
	s->req = *req;
	s->msgfd = fd;
	s->hop = hop;
	s->sent = s->answered = s->accepted = 0;
	s->mail_failed = 0;
	memset(s->rcpt_ok, 0, sizeof(s->rcpt_ok));
	memset(s->decided, 0, sizeof(s->decided));
	memset(&s->res, 0, sizeof(s->res));
	s->body_off = 0;
	s->body_bol = 1;
	s->last_err[0] = '\0';
	s->last_err_perm = 0;
	clock_gettime(CLOCK_MONOTONIC, &s->t_start);
	s->t_conn = s->t_start;
	set_hopname(s);
	log_debug("%s: reusing the connection to %s", req->qid, s->hopname);
	send_line(s, "RSET\r\n");
	s->state = RS_RSET;
	arm(s, cf_of(s)->smtp_rset_timeout);
	return 1;
}
