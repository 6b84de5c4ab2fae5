/*
 * auth_dovecot.c: the auth compartment's connection to Dovecot
 * (smtpd_sasl_type = dovecot).  Master connects to smtpd_sasl_path and
 * hands the descriptor over (IPC_AUTH_CONNECT); auth speaks the client
 * side of Dovecot's authentication protocol on it (dovecot_proto.c):
 * the handshake, whose MECH lines say whether smtpd may offer
 * SCRAM-SHA-256, then the requests of auth_exchange.c.  A server that
 * breaks the protocol (a line the parser refuses, an answer to no
 * request, a challenge to a PLAIN request) is dropped: whatever waited
 * gets a temporary failure, and the next request asks for a new
 * connection (at most one try a second).
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
	dv->ncancelled = 0;
	dovecot_fail_all(au);
}

int
dovecot_write(struct auth *au, const char *line, size_t len)
{
	if (au->dv.bev == NULL)
		return -1;
	return bufferevent_write(au->dv.bev, line, len);
}

/* The handshake is done: say what the server offers. */
static void
handshake_done(struct auth *au)
{
	struct dovecot *dv = &au->dv;

	log_info("SASL: Dovecot at %s: ready, SCRAM-SHA-256 %s",
	    au->we.cf.smtpd_sasl_path, (dvc_offered(&dv->conn) &
	    AUTH_MECH_BIT(AUTH_MECH_SCRAM_SHA256)) ? "offered" :
	    "not offered");
	auth_tell_mechs(au);
	dovecot_ready(au);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct auth		*au = arg;
	struct dovecot		*dv = &au->dv;
	struct evbuffer		*in = bufferevent_get_input(bev);
	static struct dvc_line	 l;
	enum dvc_state		 was;
	char			*line;
	size_t			 len;
	int			 rc;

	while (dv->bev != NULL && (line = evbuffer_readln(in, &len,
	    EVBUFFER_EOL_LF)) != NULL) {
		was = dv->conn.state;
		rc = dvc_parse(line, len, &l) == -1 ? -1 :
		    dvc_feed(&dv->conn, &l);
		free(line);
		if (rc == -1) {
			drop(au, "protocol error");
			return;
		}
		if (rc == 1)
			dovecot_answered(au, &l);
		else if (was != DVC_READY && dv->conn.state == DVC_READY)
			handshake_done(au);
		explicit_bzero(&l, sizeof(l));
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

/* An answer broke the protocol (auth_exchange.c): drop the server. */
void
dovecot_broken(struct auth *au, const char *why)
{
	drop(au, why);
}

void
dovecot_connect(struct auth *au)
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
		dovecot_fail_all(au);
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
dovecot_start(struct auth *au)
{
	TAILQ_INIT(&au->dv.waiting);
	TAILQ_INIT(&au->dv.sent);
	TAILQ_INIT(&au->dv.parked);
	dovecot_connect(au);
}
