/*
 * session_harness.h: what the session harness (fuzz_smtp_session.c) shares
 * with its fake auth for relayed exchanges (session_fake_auth.c).
 */
#ifndef BH_SESSION_HARNESS_H
#define BH_SESSION_HARNESS_H

#include "privsep/ipc_msgs.h"

struct session;
struct smtpd;

#define REPLY_MAX	512	/* an encoded answer */

/* fuzz_smtp_session.c: queue an answer to a session's request */
void	answer(struct session *, enum ipc_type req, enum ipc_type type,
	    const struct wbuf *, int fd);
void	answer_error(struct session *, enum ipc_type req, const char *dsn);

/* session_fake_auth.c: auth's exchanges, by auth's rules */
void	fake_auth_reset(void);
size_t	fake_auth_open(void);		/* exchanges auth still holds */
void	fake_auth_gone(struct smtpd *);	/* its channel went away */
void	fake_step(struct session *, const struct msg_auth_step *);

#endif
