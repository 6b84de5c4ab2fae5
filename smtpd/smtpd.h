/*
 * smtpd.h: the smtpd compartment, shared by smtpd.c (the worker, its
 * listeners and IPC) and session.c (one SMTP session).
 */
#ifndef BH_SMTPD_H
#define BH_SMTPD_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"

#define SMTPD_SESSION_MAX	1000

struct session;

/* A request a session is waiting on, by (peer, request id). */
struct waiter {
	RB_ENTRY(waiter)	 entry;
	enum bh_role		 peer;
	uint32_t		 id;
	enum ipc_type		 req;		/* what was asked */
	struct session		*s;
};
RB_HEAD(waiter_tree, waiter);

struct smtpd {
	struct worker_env	 we;
	struct ipc_chan		*queue;
	struct ipc_chan		*lookup;
	struct waiter_tree	 waiters;
	int			 nsessions;
};

/* smtpd.c: send a request on behalf of a session; -1 if the peer is down. */
int	smtpd_request(struct smtpd *, struct session *, enum bh_role peer,
	    enum ipc_type, const struct wbuf *);

/* session.c */
void	session_accept(struct smtpd *, int fd, const struct sockaddr *,
	    socklen_t);
/*
 * The answer to a request of type req.  type is the reply type, or
 * IPC_NONE (rb NULL) when the peer went away before answering; the
 * session owns fd (or -1).
 */
void	session_reply(struct session *, enum ipc_type req, uint32_t type,
	    struct rbuf *, int fd);
/* Drop one waiter's hold on a session (frees a closed session). */
void	session_unhold(struct session *);

#endif
