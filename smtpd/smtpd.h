/*
 * smtpd.h: the smtpd compartment, shared by smtpd.c (the worker and its
 * listeners), peers.c (requests to lookup and queue), clients.c (sessions
 * per client address) and session.c, session_cmd.c, session_data.c (one
 * SMTP session; session_int.h is what those three share).
 */
#ifndef BH_SMTPD_H
#define BH_SMTPD_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"
#include "smtpd/sender_login.h"

/* fds kept for listeners, channels and the log, besides sessions */
#define SMTPD_FD_RESERVE	64

#define SMTPD_RETIRING_MAX	4

struct session;
struct ssl_ctx_st;
struct listener_tls;

/*
 * A request a session is waiting on, by (channel, request id).  No waiter
 * outlives its channel: when a channel closes, its waiters are answered
 * (IPC_NONE) and removed before it is freed.
 */
struct waiter {
	RB_ENTRY(waiter)	 entry;
	struct ipc_chan		*chan;
	uint32_t		 id;
	enum bh_role		 peer;
	enum ipc_type		 req;		/* what was asked */
	struct session		*s;
};
RB_HEAD(waiter_tree, waiter);

/* Open sessions from one client address. */
struct client {
	RB_ENTRY(client)	 entry;
	char			 addr[64];
	int			 n;
};
RB_HEAD(client_tree, client);

struct smtpd {
	struct worker_env	 we;
	struct ipc_chan		*queue;
	struct ipc_chan		*lookup;
	struct ipc_chan		*auth;		/* SASL verdicts */
	unsigned		 auth_gen;	/* channels to auth so far */
	uint32_t		 auth_mechs;	/* what auth offers (MECHS) */
	uint32_t		 auth_xid;	/* the last relayed exchange */
	/* lookups master replaced, still answering what they were asked */
	struct ipc_chan		*retiring[SMTPD_RETIRING_MAX];
	struct waiter_tree	 waiters;
	struct client_tree	 clients;
	int			 nsessions;
	int			 session_limit;	/* smtpd_session_limit, or less
						   if RLIMIT_NOFILE is short */
	int			 ndata_fds;	/* queue files open */
	long			 nofile;	/* RLIMIT_NOFILE */
	struct ssl_ctx_st	*tls;		/* NULL: no TLS */
	struct listener_tls	*listeners;	/* per listener: TLS options */
	struct sender_logins	 sender_logins;	/* smtpd_sender_login_maps */
};

/* peers.c: send a request on behalf of a session; -1 if the peer is down. */
int	smtpd_request(struct smtpd *, struct session *, enum bh_role peer,
	    enum ipc_type, const struct wbuf *);
/* peers.c: a note to a peer (no answer); -1 if the peer is down. */
int	smtpd_note(struct smtpd *, enum bh_role peer, enum ipc_type,
	    const struct wbuf *);
/* peers.c: master handed us a channel to queue or lookup. */
void	smtpd_on_peer(struct worker_env *, enum bh_role, int fd);

#ifdef BH_TEST_HOOKS
/* hostile_auth.c: test builds play a compromised smtpd against auth */
void	hostile_auth_load(const struct bh_config *);
void	hostile_auth_send(struct ipc_chan **);
/* a reply of auth's that no session waits for: the hook's */
void	hostile_auth_reply(struct ipc_chan *, const struct ipc_hdr *,
	    const union ipc_msg *);
#endif

/* clients.c: count a session from addr in or out; returns the new count. */
struct client *client_enter(struct smtpd *, const char *addr);
void	client_leave(struct smtpd *, struct client *);

/* session.c; lt: the listener's TLS options, NULL for main.cf's */
struct session *session_accept(struct smtpd *, int fd,
	    const struct sockaddr *, socklen_t, const struct listener_tls *lt);
/*
 * The answer to a request of type req.  type is the reply type, or
 * IPC_NONE (msg NULL) when the peer went away before answering; msg is
 * the decoded reply, the session owns fd (or -1).
 */
void	session_reply(struct session *, enum ipc_type req, uint32_t type,
	    const union ipc_msg *msg, int fd);

#endif
