/*
 * auth_dovecot.c: the auth compartment's Dovecot backend
 * (smtpd_sasl_type = dovecot).  Master connects to smtpd_sasl_path and
 * hands the descriptor over (IPC_AUTH_CONNECT); auth speaks the client
 * side of Dovecot's authentication protocol on it (dovecot_proto.c):
 * the handshake, then one AUTH PLAIN line with the initial response per
 * request, answered by OK or FAIL.  A server that breaks the protocol
 * (a line the parser refuses, an answer to no request, a CONT) is
 * dropped: whatever waited gets a temporary failure, and the next
 * request asks for a new connection (at most one try a second).
 *
 * Handlers:
 *   dovecot_master_reply	master's IPC_AUTH_CONNECT_OK or ERROR
 *   on_read, on_event		the server's lines, the connection's end
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "auth/auth.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"

#define DVC_WAITING_MAX	256

/* A request of smtpd's, waiting for the handshake or for the answer. */
struct dvc_req {
	TAILQ_ENTRY(dvc_req)	 entry;
	uint32_t		 dvc_id;
	struct ipc_chan		*chan;
	uint32_t		 ipc_id;
	struct msg_auth_check	 m;	/* the password only until sent */
};

static void
req_free(struct dovecot *dv, struct dvc_req_list *l, struct dvc_req *r)
{
	TAILQ_REMOVE(l, r, entry);
	explicit_bzero(r, sizeof(*r));
	free(r);
	dv->nreq--;
}

static void
fail_all(struct auth *au, uint32_t verdict)
{
	struct dovecot	*dv = &au->dv;
	struct dvc_req	*r;

	while ((r = TAILQ_FIRST(&dv->sent)) != NULL) {
		auth_decided(au, r->chan, r->ipc_id, r->m.client_addr,
		    r->m.user, verdict, NULL);
		req_free(dv, &dv->sent, r);
	}
	while ((r = TAILQ_FIRST(&dv->waiting)) != NULL) {
		auth_decided(au, r->chan, r->ipc_id, r->m.client_addr,
		    r->m.user, verdict, NULL);
		req_free(dv, &dv->waiting, r);
	}
}

static void
drop(struct auth *au, const char *why)
{
	struct dovecot *dv = &au->dv;

	log_warnx("SASL: Dovecot at %s: %s: connection dropped",
	    au->we.cf.smtpd_sasl_path, why);
	if (dv->bev != NULL)
		bufferevent_free(dv->bev);
	dv->bev = NULL;
	memset(&dv->conn, 0, sizeof(dv->conn));
	fail_all(au, AUTH_TEMPFAIL);
}

static void
send_req(struct auth *au, struct dvc_req *r)
{
	struct dovecot	*dv = &au->dv;
	char		 line[DVC_REQ_MAX];
	int		 n;

	r->dvc_id = ++dv->next_id == 0 ? ++dv->next_id : dv->next_id;
	n = dvc_auth_line(line, sizeof(line), r->dvc_id, &r->m);
	explicit_bzero(r->m.password, sizeof(r->m.password));
	if (n < 0) {
		auth_decided(au, r->chan, r->ipc_id, r->m.client_addr,
		    r->m.user, AUTH_TEMPFAIL, NULL);
		req_free(dv, &dv->waiting, r);
		return;
	}
	bufferevent_write(dv->bev, line, (size_t)n);
	explicit_bzero(line, sizeof(line));
	TAILQ_REMOVE(&dv->waiting, r, entry);
	TAILQ_INSERT_TAIL(&dv->sent, r, entry);
}

static void
answered(struct auth *au, const struct dvc_line *l)
{
	struct dovecot	*dv = &au->dv;
	struct dvc_req	*r;
	const char	*login;

	TAILQ_FOREACH(r, &dv->sent, entry)
		if (r->dvc_id == l->id)
			break;
	if (r == NULL) {
		drop(au, "an answer to no request");
		return;
	}
	login = l->user[0] != '\0' ? l->user : r->m.user;
	if (l->kind == DVC_OK)
		auth_decided(au, r->chan, r->ipc_id, r->m.client_addr,
		    r->m.user, AUTH_OK, login);
	else
		auth_decided(au, r->chan, r->ipc_id, r->m.client_addr,
		    r->m.user, l->temp ? AUTH_TEMPFAIL : AUTH_FAIL, NULL);
	req_free(dv, &dv->sent, r);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct auth		*au = arg;
	struct dovecot		*dv = &au->dv;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct dvc_line		 l;
	struct dvc_req		*r;
	char			*line;
	size_t			 len;
	int			 rc;

	while (dv->bev != NULL && (line = evbuffer_readln(in, &len,
	    EVBUFFER_EOL_LF)) != NULL) {
		rc = dvc_parse(line, len, &l) == -1 ? -1 :
		    dvc_feed(&dv->conn, &l);
		free(line);
		if (rc == -1) {
			drop(au, "protocol error");
			return;
		}
		if (rc == 1)
			answered(au, &l);
		else if (dv->conn.state == DVC_READY)
			while ((r = TAILQ_FIRST(&dv->waiting)) != NULL)
				send_req(au, r);
	}
	if (dv->bev != NULL && evbuffer_get_length(in) > DVC_LINE_MAX)
		drop(au, "line too long");
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	drop(arg, (what & BEV_EVENT_EOF) ? "closed by the server" :
	    "read error");
}

static void
ask_master(struct auth *au)
{
	struct dovecot *dv = &au->dv;

	dv->connecting = 1;
	dv->last_try = time(NULL);
	ipc_request(au->we.master, IPC_AUTH_CONNECT, NULL, -1);
}

void
dovecot_master_reply(struct auth *au, uint32_t type, int fd)
{
	struct dovecot	*dv = &au->dv;
	char		 hs[64];
	int		 n;

	dv->connecting = 0;
	if (type != IPC_AUTH_CONNECT_OK || fd == -1) {
		if (fd != -1)
			close(fd);
		log_warnx("SASL: cannot connect to Dovecot at %s",
		    au->we.cf.smtpd_sasl_path);
		fail_all(au, AUTH_TEMPFAIL);
		return;
	}
	if ((dv->bev = bufferevent_socket_new(au->we.base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("bufferevent_socket_new");
	memset(&dv->conn, 0, sizeof(dv->conn));
	bufferevent_setcb(dv->bev, on_read, NULL, on_event, au);
	bufferevent_enable(dv->bev, EV_READ | EV_WRITE);
	n = dvc_handshake(hs, sizeof(hs), (long)getpid());
	bufferevent_write(dv->bev, hs, (size_t)n);
}

void
dovecot_check(struct auth *au, struct ipc_chan *c, uint32_t id,
    const struct msg_auth_check *m)
{
	struct dovecot	*dv = &au->dv;
	struct dvc_req	*r;

	if (dv->bev == NULL && !dv->connecting &&
	    time(NULL) - dv->last_try < 1) {
		auth_decided(au, c, id, m->client_addr, m->user, AUTH_TEMPFAIL,
		    NULL);
		return;
	}
	if (dv->nreq >= DVC_WAITING_MAX) {
		auth_decided(au, c, id, m->client_addr, m->user, AUTH_TEMPFAIL,
		    NULL);
		return;
	}
	r = xcalloc(1, sizeof(*r));
	r->chan = c;
	r->ipc_id = id;
	r->m = *m;
	TAILQ_INSERT_TAIL(&dv->waiting, r, entry);
	dv->nreq++;
	if (dv->bev != NULL && dv->conn.state == DVC_READY)
		send_req(au, r);
	else if (dv->bev == NULL && !dv->connecting)
		ask_master(au);
}

/* smtpd's channel went away: its requests are answered nowhere. */
void
dovecot_chan_closed(struct auth *au, struct ipc_chan *c)
{
	struct dovecot	*dv = &au->dv;
	struct dvc_req	*r, *t;

	TAILQ_FOREACH_SAFE(r, &dv->waiting, entry, t)
		if (r->chan == c)
			req_free(dv, &dv->waiting, r);
	/* an answer for a sent one finds no request: keep it, orphaned */
	TAILQ_FOREACH(r, &dv->sent, entry)
		if (r->chan == c)
			r->chan = NULL;
}

void
dovecot_start(struct auth *au)
{
	TAILQ_INIT(&au->dv.waiting);
	TAILQ_INIT(&au->dv.sent);
	ask_master(au);
}
