/*
 * auth_exchange.c: the requests the auth compartment has at Dovecot,
 * and the server's answers to them.
 *
 * A PLAIN or LOGIN check of smtpd's (IPC_AUTH_CHECK) is one AUTH PLAIN
 * line with the initial response, answered by OK or FAIL.  A relayed
 * exchange (SCRAM-SHA-256; IPC_AUTH_STEP) is one Dovecot request over
 * several lines: AUTH with the client's first message, then a CONT per
 * client response; each server CONT goes back to smtpd as a challenge,
 * and OK or FAIL ends it.  smtpd's exchange number (xid, per channel)
 * names the request, and smtpd gets nothing but a verdict on an
 * exchange it started: a START for an exchange it has, a step of no
 * exchange (never started, or already decided), a step or an abort
 * while the last step waits for the server, are violations that drop
 * its channel.  An exchange waits for smtpd's next step "parked"; the
 * server's end of one (its time-out) makes the next step a temporary
 * failure, and one the client left is CANCELed at the server.
 *
 * Requests live in three lists of struct dovecot: waiting (for the
 * handshake), sent (at the server) and parked.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "smtpd/sasl.h"

#define DVC_WAITING_MAX	256	/* requests waiting for or at the server */
#define DVC_PARKED_MAX	1024	/* relayed exchanges waiting for smtpd */

enum dvc_req_kind {
	REQ_CHECK,		/* IPC_AUTH_CHECK: one AUTH PLAIN */
	REQ_STEP		/* IPC_AUTH_STEP: a relayed exchange */
};

struct dvc_req {
	TAILQ_ENTRY(dvc_req)	 entry;
	struct dvc_req_list	*list;		/* waiting, sent or parked */
	enum dvc_req_kind	 kind;
	uint32_t		 dvc_id;	/* 0 until sent */
	struct auth_asker	 ask;		/* smtpd's request (chan: its
						   channel, also when parked) */
	char			 client[64];
	char			 user[IPC_AUTH_NAME_MAX];	/* counts, logs */
	uint32_t		 xid;		/* REQ_STEP: smtpd's number */
	int			 dead;		/* REQ_STEP: the server ended it */
	union {
		struct msg_auth_check	check;	/* the password until sent */
		struct msg_auth_step	step;	/* START, until sent */
	} u;
};

static size_t *
count_of(struct dovecot *dv, struct dvc_req_list *l)
{
	return l == &dv->parked ? &dv->nparked : &dv->nreq;
}

static struct dvc_req *
req_new(struct dovecot *dv, enum dvc_req_kind kind,
    const struct auth_asker *a, const char *client)
{
	struct dvc_req *r = xcalloc(1, sizeof(*r));

	r->kind = kind;
	r->ask = *a;
	xstrlcpy(r->client, client, sizeof(r->client));
	r->list = &dv->waiting;
	TAILQ_INSERT_TAIL(&dv->waiting, r, entry);
	dv->nreq++;
	return r;
}

static void
req_move(struct dovecot *dv, struct dvc_req *r, struct dvc_req_list *to)
{
	TAILQ_REMOVE(r->list, r, entry);
	(*count_of(dv, r->list))--;
	TAILQ_INSERT_TAIL(to, r, entry);
	(*count_of(dv, to))++;
	r->list = to;
}

static void
req_free(struct dovecot *dv, struct dvc_req *r)
{
	TAILQ_REMOVE(r->list, r, entry);
	(*count_of(dv, r->list))--;
	explicit_bzero(r, sizeof(*r));
	free(r);
}

/* The request's verdict to smtpd, and it is gone. */
static void
decide(struct auth *au, struct dvc_req *r, uint32_t verdict,
    const char *login)
{
	auth_decided(au, &r->ask, r->client, r->user, verdict, login);
	req_free(&au->dv, r);
}

static struct dvc_req *
find_id(struct dvc_req_list *l, uint32_t id)
{
	struct dvc_req *r;

	TAILQ_FOREACH(r, l, entry)
		if (r->dvc_id == id)
			return r;
	return NULL;
}

/* smtpd's exchange xid on channel c, wherever it is. */
static struct dvc_req *
find_xchg(struct dovecot *dv, struct ipc_chan *c, uint32_t xid)
{
	struct dvc_req_list	*lists[] = { &dv->parked, &dv->sent,
	    &dv->waiting };
	struct dvc_req		*r;
	size_t			 i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		TAILQ_FOREACH(r, lists[i], entry)
			if (r->kind == REQ_STEP && r->ask.chan == c &&
			    r->xid == xid)
				return r;
	return NULL;
}

/* The client left an exchange the server holds: CANCEL it there. */
static void
cancel_at_server(struct auth *au, struct dvc_req *r)
{
	struct dovecot	*dv = &au->dv;
	char		 line[64];
	int		 n;

	if (r->dead || r->dvc_id == 0 ||
	    (n = dvc_cancel_line(line, sizeof(line), r->dvc_id)) < 0 ||
	    dovecot_write(au, line, (size_t)n) == -1)
		return;
	dv->cancelled[dv->ncancelled++ % DVC_CANCELLED_MAX] = r->dvc_id;
}

static int
was_cancelled(const struct dovecot *dv, uint32_t id)
{
	unsigned i, n = dv->ncancelled < DVC_CANCELLED_MAX ?
	    dv->ncancelled : DVC_CANCELLED_MAX;

	for (i = 0; i < n; i++)
		if (dv->cancelled[i] == id)
			return 1;
	return 0;
}

/* The request's first line: AUTH PLAIN, or AUTH of a relayed one. */
static void
send_req(struct auth *au, struct dvc_req *r)
{
	struct dovecot	*dv = &au->dv;
	char		 line[DVC_REQ_MAX];
	int		 n = -1;

	r->dvc_id = ++dv->next_id == 0 ? ++dv->next_id : dv->next_id;
	if (r->kind == REQ_CHECK)
		n = dvc_auth_line(line, sizeof(line), r->dvc_id, &r->u.check);
	else if (dvc_offered(&dv->conn) & AUTH_MECH_BIT(r->u.step.mech))
		n = dvc_step_line(line, sizeof(line), r->dvc_id, &r->u.step);
	else
		log_warnx("SASL: Dovecot at %s does not offer %s",
		    au->we.cf.smtpd_sasl_path, sasl_mech_name(r->u.step.mech));
	explicit_bzero(&r->u, sizeof(r->u));
	if (n < 0 || dovecot_write(au, line, (size_t)n) == -1) {
		r->dvc_id = 0;
		decide(au, r, AUTH_TEMPFAIL, NULL);
	} else
		req_move(dv, r, &dv->sent);
	explicit_bzero(line, sizeof(line));
}

/* The handshake is done: what waited for it goes. */
void
dovecot_ready(struct auth *au)
{
	struct dvc_req *r;

	while (au->dv.bev != NULL &&
	    (r = TAILQ_FIRST(&au->dv.waiting)) != NULL)
		send_req(au, r);
}

/* The connection is gone (or never came): nothing it had is answered
   there.  A parked exchange fails at its next step. */
void
dovecot_fail_all(struct auth *au)
{
	struct dovecot	*dv = &au->dv;
	struct dvc_req	*r;

	while ((r = TAILQ_FIRST(&dv->sent)) != NULL)
		decide(au, r, AUTH_TEMPFAIL, NULL);
	while ((r = TAILQ_FIRST(&dv->waiting)) != NULL)
		decide(au, r, AUTH_TEMPFAIL, NULL);
	TAILQ_FOREACH(r, &dv->parked, entry)
		r->dead = 1;
}

/* A new request may be queued: 0, or -1 when auth must say 454 now. */
static int
can_ask(struct auth *au)
{
	struct dovecot *dv = &au->dv;

	if (dv->bev == NULL && !dv->connecting &&
	    time(NULL) - dv->last_try < 1)
		return -1;		/* it was down a moment ago */
	return dv->nreq < DVC_WAITING_MAX ? 0 : -1;
}

static void
send_or_connect(struct auth *au, struct dvc_req *r)
{
	struct dovecot *dv = &au->dv;

	if (dv->bev != NULL && dv->conn.state == DVC_READY)
		send_req(au, r);
	else if (dv->bev == NULL && !dv->connecting)
		dovecot_connect(au);
}

void
dovecot_check(struct auth *au, struct ipc_chan *c, uint32_t id,
    const struct msg_auth_check *m)
{
	struct auth_asker	 a = { c, id, IPC_AUTH_VERDICT };
	struct dvc_req		*r;

	if (can_ask(au) == -1) {
		auth_decided(au, &a, m->client_addr, m->user, AUTH_TEMPFAIL,
		    NULL);
		return;
	}
	r = req_new(&au->dv, REQ_CHECK, &a, m->client_addr);
	xstrlcpy(r->user, m->user, sizeof(r->user));
	r->u.check = *m;
	send_or_connect(au, r);
}

static void
step_start(struct auth *au, const struct auth_asker *a, struct dvc_req *r,
    const struct msg_auth_step *m)
{
	if (r != NULL) {
		ipc_chan_fail(a->chan, "a SASL exchange started twice");
		return;
	}
	if (can_ask(au) == -1 || au->dv.nparked >= DVC_PARKED_MAX) {
		auth_decided(au, a, m->client_addr, "", AUTH_TEMPFAIL, NULL);
		return;
	}
	r = req_new(&au->dv, REQ_STEP, a, m->client_addr);
	r->xid = m->xid;
	if (sasl_scram_user(m->data, m->len, r->user, sizeof(r->user)) == -1 ||
	    !ipc_valid_text(r->user))
		xstrlcpy(r->user, "unknown", sizeof(r->user));
	r->u.step = *m;
	send_or_connect(au, r);
}

void
dovecot_step(struct auth *au, struct ipc_chan *c, uint32_t id,
    const struct msg_auth_step *m)
{
	struct dovecot		*dv = &au->dv;
	struct auth_asker	 a = { c, id, IPC_AUTH_STEP_REPLY };
	struct dvc_req		*r = find_xchg(dv, c, m->xid);
	char			 line[DVC_REQ_MAX];
	int			 n;

	if (m->op == AUTH_STEP_START) {
		step_start(au, &a, r, m);
		return;
	}
	if (r == NULL) {
		ipc_chan_fail(c, "a SASL step of no exchange");
		return;
	}
	if (r->list != &dv->parked) {
		ipc_chan_fail(c, "a SASL step before the last was answered");
		return;
	}
	r->ask = a;
	if (r->dead) {
		decide(au, r, AUTH_TEMPFAIL, NULL);
		return;
	}
	if ((n = dvc_cont_line(line, sizeof(line), r->dvc_id, m->data,
	    m->len)) < 0 || dovecot_write(au, line, (size_t)n) == -1) {
		cancel_at_server(au, r);
		decide(au, r, AUTH_TEMPFAIL, NULL);
	} else
		req_move(dv, r, &dv->sent);
	explicit_bzero(line, sizeof(line));
}

void
dovecot_abort(struct auth *au, struct ipc_chan *c,
    const struct msg_auth_abort *m)
{
	struct dovecot	*dv = &au->dv;
	struct dvc_req	*r = find_xchg(dv, c, m->xid);

	if (r == NULL) {
		ipc_chan_fail(c, "a SASL abort of no exchange");
		return;
	}
	if (r->list != &dv->parked) {
		ipc_chan_fail(c, "a SASL abort before the last step was "
		    "answered");
		return;
	}
	cancel_at_server(au, r);
	req_free(dv, r);
}

/* smtpd's channel went away: its requests are answered nowhere. */
void
dovecot_chan_closed(struct auth *au, struct ipc_chan *c)
{
	struct dovecot	*dv = &au->dv;
	struct dvc_req	*r, *t;

	TAILQ_FOREACH_SAFE(r, &dv->waiting, entry, t)
		if (r->ask.chan == c)
			req_free(dv, r);
	TAILQ_FOREACH_SAFE(r, &dv->parked, entry, t)
		if (r->ask.chan == c) {
			cancel_at_server(au, r);
			req_free(dv, r);
		}
	/* an answer for a sent one finds no asker: keep it, orphaned */
	TAILQ_FOREACH(r, &dv->sent, entry)
		if (r->ask.chan == c)
			r->ask.chan = NULL;
}

/* A CONT: the next challenge of a relayed exchange. */
static void
challenge(struct auth *au, struct dvc_req *r, const struct dvc_line *l)
{
	if (r->kind != REQ_STEP) {
		dovecot_broken(au, "a challenge to a PLAIN request");
		return;
	}
	req_move(&au->dv, r, &au->dv.parked);
	if (r->ask.chan == NULL) {	/* smtpd went away meanwhile */
		cancel_at_server(au, r);
		req_free(&au->dv, r);
		return;
	}
	auth_challenge(&r->ask, l->data, l->len);
}

/* An answer for no request at the server: a parked exchange the server
   ended, one that was cancelled, or garbage. */
static void
unasked(struct auth *au, const struct dvc_line *l)
{
	struct dvc_req *r = find_id(&au->dv.parked, l->id);

	if (r != NULL && l->kind != DVC_CONT) {
		r->dead = 1;
		return;
	}
	if (r == NULL && was_cancelled(&au->dv, l->id))
		return;
	dovecot_broken(au, "an answer to no request");
}

void
dovecot_answered(struct auth *au, const struct dvc_line *l)
{
	struct dvc_req	*r = find_id(&au->dv.sent, l->id);
	const char	*login;

	if (r == NULL) {
		unasked(au, l);
		return;
	}
	if (l->kind == DVC_CONT) {
		challenge(au, r, l);
		return;
	}
	/* a relayed exchange's login is the server's only (SCRAM's n= is
	   what the client claimed) */
	login = l->user[0] != '\0' || r->kind == REQ_STEP ? l->user :
	    r->user;
	if (l->kind == DVC_OK)
		decide(au, r, AUTH_OK, login);
	else
		decide(au, r, l->temp ? AUTH_TEMPFAIL : AUTH_FAIL, NULL);
}
