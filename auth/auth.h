/*
 * auth.h: what the auth compartment's parts share: auth.c (the worker,
 * the file backend, the counts), auth_dovecot.c (the Dovecot backend's
 * connection) and auth_exchange.c (the requests on it: smtpd's checks
 * and relayed exchanges, the server's answers).
 */
#ifndef BH_AUTH_H
#define BH_AUTH_H

#include <sys/queue.h>

#include "auth/anvil.h"
#include "auth/dovecot_proto.h"
#include "auth/passwd_file.h"
#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"

struct held;
TAILQ_HEAD(held_list, held);
struct dvc_req;
TAILQ_HEAD(dvc_req_list, dvc_req);

#define DVC_CANCELLED_MAX	64

struct dovecot {
	struct bufferevent	*bev;		/* NULL: not connected */
	struct dvc_conn		 conn;
	int			 connecting;	/* master was asked */
	time_t			 last_try;
	uint32_t		 next_id;
	struct dvc_req_list	 waiting;	/* until the handshake is done */
	struct dvc_req_list	 sent;		/* waiting for OK, FAIL, CONT */
	struct dvc_req_list	 parked;	/* relayed: waiting for smtpd */
	size_t			 nreq;		/* waiting and sent */
	size_t			 nparked;
	/* CANCELed ids whose answer may still be on its way */
	uint32_t		 cancelled[DVC_CANCELLED_MAX];
	unsigned		 ncancelled;
};

/* Whom an answer goes to: smtpd's request id on chan (NULL: gone), as
   a reply of type (IPC_AUTH_VERDICT, or IPC_AUTH_STEP_REPLY). */
struct auth_asker {
	struct ipc_chan		*chan;
	uint32_t		 id;
	uint32_t		 type;
};

struct auth {
	struct worker_env	 we;
	struct pwfile		 pw;
	struct anvil		 anvil;
	struct anvil_limits	 limits;
	struct ipc_chan		*smtpd;
	uint32_t		 told_mechs;	/* the last IPC_AUTH_MECHS */
	struct held_list	 held;
	int			 dovecot_type;	/* smtpd_sasl_type = dovecot */
	struct dovecot		 dv;
};

/* auth.c: a backend's answer to a request: verdict AUTH_OK (login is
   the name), AUTH_FAIL (counted, held back) or AUTH_TEMPFAIL. */
void	auth_decided(struct auth *, const struct auth_asker *,
	    const char *client, const char *user, uint32_t verdict,
	    const char *login);
/* auth.c: a relayed exchange goes on: data is the client's challenge. */
void	auth_challenge(const struct auth_asker *, const uint8_t *data,
	    size_t len);
/* auth.c: tell smtpd what to offer, if that changed. */
void	auth_tell_mechs(struct auth *);

/* auth_dovecot.c: the connection */
void	dovecot_start(struct auth *);
void	dovecot_master_reply(struct auth *, uint32_t type, int fd);
/* auth_dovecot.c: a request's line; -1: not connected */
int	dovecot_write(struct auth *, const char *line, size_t len);
/* auth_dovecot.c: ask master for a connection; drop a broken server */
void	dovecot_connect(struct auth *);
void	dovecot_broken(struct auth *, const char *why);

/* auth_exchange.c: smtpd's requests and the server's answers */
void	dovecot_check(struct auth *, struct ipc_chan *, uint32_t id,
	    const struct msg_auth_check *);
void	dovecot_step(struct auth *, struct ipc_chan *, uint32_t id,
	    const struct msg_auth_step *);
void	dovecot_abort(struct auth *, struct ipc_chan *,
	    const struct msg_auth_abort *);
void	dovecot_chan_closed(struct auth *, struct ipc_chan *);
void	dovecot_ready(struct auth *);
void	dovecot_answered(struct auth *, const struct dvc_line *);
void	dovecot_fail_all(struct auth *);

#endif
