/*
 * relay.h: the relay compartment, the outbound SMTP client.  queue
 * hands it one transaction at a time (IPC_RELAY: a read-only fd of the
 * queue file, the envelope of up to IPC_RELAY_RCPT_MAX recipients and
 * the numeric next hops); a session (smtp_client.c) tries the hops in
 * order and answers IPC_RELAY_RESULT with one verdict per recipient.
 * Many sessions run at once in the one event loop.
 */
#ifndef BH_RELAY_H
#define BH_RELAY_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"
#include "relay/smtp_reply.h"
#include "relay/tls_policy.h"

struct bufferevent;
struct event;

struct relay {
	struct worker_env	 we;
	struct ipc_chan		*queue;
	TAILQ_HEAD(, rsess)	 sessions;
};

enum rs_state {
	RS_CONNECT = 0,
	RS_GREETING,
	RS_EHLO,
	RS_HELO,
	RS_STARTTLS,
	RS_MAIL,	/* MAIL, RCPT ... (pipelined when offered) */
	RS_DATA,
	RS_BODY,
	RS_DOT,
	RS_QUIT,
	RS_RSET,	/* a cached connection taken again: is it alive? */
	RS_IDLE,	/* cached: waiting for the next transaction */
	RS_AUTH		/* AUTH PLAIN or LOGIN (smtp_auth.c) */
};

struct rsess {
	TAILQ_ENTRY(rsess)	 entry;
	struct relay		*r;
	uint32_t		 req_id;	/* queue's IPC_RELAY */
	struct msg_relay	 req;
	int			 msgfd;
	size_t			 hop;		/* req.hops[hop] */
	char			 hopname[IPC_HOST_MAX + IPC_NUMADDR_MAX +
				    16];	/* "name[addr]:port" */
	int			 sock;
	struct event		*ev_conn;	/* connect in progress */
	struct event		*ev_timer;	/* the deadline of a state */
	struct bufferevent	*bev;
	enum rs_state		 state;
	struct smtp_reply	 reply;
	struct smtp_ext		 ext;
	uint32_t		 sent;		/* MAIL/RCPT sent: 1 + rcpts */
	uint32_t		 answered;	/* their replies read */
	uint32_t		 accepted;	/* recipients a 2xx RCPT took */
	int			 mail_failed;	/* MAIL was refused */
	int			 dead;		/* freed at the next turn */
	int			 connected;	/* to req.hops[hop] */
	int			 tls;		/* STARTTLS done or under way */
	int			 tls_pending;	/* the handshake */
	int			 auth_step;	/* LOGIN: 334s answered */
	int			 rcpt_ok[IPC_RELAY_RCPT_MAX];
	int			 decided[IPC_RELAY_RCPT_MAX];
	uint64_t		 body_off;	/* bytes of content sent */
	int			 body_bol;	/* at the start of a line */
	char			 last_err[IPC_TEXT_MAX];
	int			 last_err_perm;	/* 5xx from the last hop */
	struct timespec		 t_start, t_conn;
	struct msg_relay_result	 res;
};

/* smtp_tls.c: the level queue found (enum tls_level, tls_policy.h) */
int	relay_tls_level(const struct rsess *);
void	relay_tls_init(const struct bh_config *);
int	relay_tls_start(struct rsess *);
int	relay_tls_done(struct rsess *, char *why, size_t whylen);

/* smtp_client.c, shared with smtp_mail.c */
void	textf(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	send_line(struct rsess *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
const struct bh_config *cf_of(struct rsess *);
void	arm(struct rsess *, long secs);
void	rsess_free(struct rsess *);
void	answer(struct rsess *);
void	decide_rest(struct rsess *, uint32_t status, const char *dsn,
	    const char *text, int accepted_only);
void	set_hopname(struct rsess *);

/* smtp_cache.c: connection reuse (smtp_connection_cache_on_demand) */
int	cache_park(struct rsess *);
int	cache_take(struct relay *, uint32_t id, const struct msg_relay *,
	    int fd);

/* smtp_client.c, for smtp_auth.c */
void	start_mail(struct rsess *);
void	hop_failed(struct rsess *, const char *why, int perm);

/* smtp_loop.c: EHLO answered with our own myhostname; 1: handled */
int	relay_loops_back(struct rsess *);

/* smtp_auth.c: AUTH to a server, with the credentials queue sent */
int	relay_auth_start(struct rsess *);	/* 1 sent, 0 not needed,
						   -1 the hop failed */
void	relay_auth_reply(struct rsess *);

/* smtp_mail.c: MAIL, RCPT, the early refusals, the content */
void	send_mail(struct rsess *);
void	send_rcpt(struct rsess *, uint32_t i);
int	refuse_early(struct rsess *);
void	pump_body(struct rsess *);

/* smtp_client.c: start a session for queue's request (owns fd). */
void	rsess_start(struct relay *, uint32_t id, const struct msg_relay *,
	    int fd);
/* queue went away: drop every session without an answer. */
void	rsess_abort_all(struct relay *);

#endif
