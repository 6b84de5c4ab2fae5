/*
 * auth.h: what the auth compartment's parts share: auth.c (the worker,
 * the file backend, the counts) and auth_dovecot.c (the Dovecot
 * backend's connection).
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

struct dovecot {
	struct bufferevent	*bev;		/* NULL: not connected */
	struct dvc_conn		 conn;
	int			 connecting;	/* master was asked */
	time_t			 last_try;
	uint32_t		 next_id;
	struct dvc_req_list	 waiting;	/* until the handshake is done */
	struct dvc_req_list	 sent;		/* waiting for OK or FAIL */
	size_t			 nreq;
};

struct auth {
	struct worker_env	 we;
	struct pwfile		 pw;
	struct anvil		 anvil;
	struct anvil_limits	 limits;
	struct ipc_chan		*smtpd;
	struct held_list	 held;
	int			 dovecot_type;	/* smtpd_sasl_type = dovecot */
	struct dovecot		 dv;
};

/* auth.c: a backend's answer to request id on c: verdict AUTH_OK (login
   is the name), AUTH_FAIL (counted, held back) or AUTH_TEMPFAIL. */
void	auth_decided(struct auth *, struct ipc_chan *c, uint32_t id,
	    const char *client, const char *user, uint32_t verdict,
	    const char *login);

/* auth_dovecot.c */
void	dovecot_start(struct auth *);
void	dovecot_check(struct auth *, struct ipc_chan *, uint32_t id,
	    const struct msg_auth_check *);
void	dovecot_master_reply(struct auth *, uint32_t type, int fd);
void	dovecot_chan_closed(struct auth *, struct ipc_chan *);

#endif
