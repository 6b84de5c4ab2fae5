/*
 * ipc_auth.h: the payloads between smtpd and the auth compartment
 * (included by ipc_msgs.h; codecs in ipc_msgs.c and ipc_auth.c).
 *
 * IPC_AUTH_CHECK (smtpd to auth): the credentials of one PLAIN or LOGIN
 * exchange smtpd ran (smtpd/sasl.c decoded them; it checks them with
 * this validator first), and the client it came from.
 * IPC_AUTH_VERDICT: the decision, and on AUTH_OK the login name.
 *
 * A mechanism whose exchange smtpd cannot finish alone (SCRAM-SHA-256,
 * RFC 5802/7677: the server's messages need the stored keys) is
 * relayed step by step: IPC_AUTH_STEP carries one client response
 * (decoded) of exchange xid, START for the first, CONT for each next;
 * IPC_AUTH_STEP_REPLY answers each with a challenge for the client
 * (AUTH_CONTINUE) or the verdict, which ends the exchange.  One step of
 * an exchange is in flight at a time; IPC_AUTH_ABORT (a note) ends an
 * exchange the client left while auth waited for its next step.  auth
 * tells smtpd which mechanisms to offer with IPC_AUTH_MECHS (a note,
 * when smtpd's channel comes and when the backend's list changes).
 *
 * Nothing else may be asked: no message returns a password, a hash or
 * a list of logins.
 */
#ifndef BH_IPC_AUTH_H
#define BH_IPC_AUTH_H

#include <stdint.h>

#include "privsep/codec.h"

#define IPC_AUTH_NAME_MAX	256
#define IPC_AUTH_PASS_MAX	256
/* One step's data, decoded: what a response line of SASL_LINE_MAX
   (2048) octets of base64 holds. */
#define IPC_AUTH_DATA_MAX	1536

enum auth_mech {
	AUTH_MECH_PLAIN = 1,
	AUTH_MECH_LOGIN,
	AUTH_MECH_SCRAM_SHA256,		/* relayed step by step */
	AUTH_MECH_MAX
};

#define AUTH_MECH_BIT(m)	(1u << (m))
/* Offered whatever the backend: smtpd runs these exchanges itself. */
#define AUTH_MECHS_BASE		(AUTH_MECH_BIT(AUTH_MECH_PLAIN) | \
				    AUTH_MECH_BIT(AUTH_MECH_LOGIN))
#define AUTH_MECHS_ALL		(AUTH_MECHS_BASE | \
				    AUTH_MECH_BIT(AUTH_MECH_SCRAM_SHA256))

#define AUTH_FLAG_TLS	0x1	/* the exchange ran over TLS */
#define AUTH_FLAG_MASK	0x1

struct msg_auth_check {
	uint32_t	mech;			/* PLAIN or LOGIN */
	uint32_t	flags;			/* AUTH_FLAG_* */
	char		client_addr[64];
	char		authzid[IPC_AUTH_NAME_MAX];	/* "" = none */
	char		user[IPC_AUTH_NAME_MAX];
	char		password[IPC_AUTH_PASS_MAX];	/* any byte but NUL */
};

enum auth_verdict {
	AUTH_OK = 0,
	AUTH_FAIL,		/* 535 5.7.8 */
	AUTH_TEMPFAIL,		/* backend down: 454 4.7.0 */
	AUTH_RATE,		/* too many failures: 450 4.7.1 */
	AUTH_VERDICT_MAX
};
/* IPC_AUTH_STEP_REPLY only: not a verdict, a challenge ("334 ...") */
#define AUTH_CONTINUE	AUTH_VERDICT_MAX

struct msg_auth_verdict {
	uint32_t	verdict;
	char		user[IPC_AUTH_NAME_MAX];	/* AUTH_OK: the login */
};

struct msg_auth_mechs {
	uint32_t	mechs;		/* AUTH_MECH_BIT()s: BASE, and more */
};

enum auth_step_op {
	AUTH_STEP_START = 0,	/* the client's first response */
	AUTH_STEP_CONT,		/* its response to a challenge */
	AUTH_STEP_OP_MAX
};

struct msg_auth_step {
	uint32_t	xid;		/* the exchange (smtpd's number), not 0 */
	uint32_t	op;		/* enum auth_step_op */
	uint32_t	mech;		/* START: a relayed mechanism; CONT: 0 */
	uint32_t	flags;		/* START: AUTH_FLAG_*; CONT: 0 */
	char		client_addr[64];	/* START; CONT: "" */
	uint32_t	len;		/* 0 .. IPC_AUTH_DATA_MAX */
	uint8_t		data[IPC_AUTH_DATA_MAX];
};

struct msg_auth_step_reply {
	uint32_t	verdict;	/* enum auth_verdict, or AUTH_CONTINUE */
	char		user[IPC_AUTH_NAME_MAX];	/* AUTH_OK: the login */
	uint32_t	len;		/* AUTH_CONTINUE: the challenge */
	uint8_t		data[IPC_AUTH_DATA_MAX];
};

struct msg_auth_abort {
	uint32_t	xid;
};

void	enc_auth_check(struct wbuf *, const struct msg_auth_check *);
int	dec_auth_check(struct rbuf *, struct msg_auth_check *);
void	enc_auth_verdict(struct wbuf *, const struct msg_auth_verdict *);
int	dec_auth_verdict(struct rbuf *, struct msg_auth_verdict *);
const char *ipc_check_auth_check(const struct msg_auth_check *);
const char *ipc_check_auth_verdict(const struct msg_auth_verdict *);

void	enc_auth_mechs(struct wbuf *, const struct msg_auth_mechs *);
int	dec_auth_mechs(struct rbuf *, struct msg_auth_mechs *);
void	enc_auth_step(struct wbuf *, const struct msg_auth_step *);
int	dec_auth_step(struct rbuf *, struct msg_auth_step *);
void	enc_auth_step_reply(struct wbuf *, const struct msg_auth_step_reply *);
int	dec_auth_step_reply(struct rbuf *, struct msg_auth_step_reply *);
void	enc_auth_abort(struct wbuf *, const struct msg_auth_abort *);
int	dec_auth_abort(struct rbuf *, struct msg_auth_abort *);
const char *ipc_check_auth_mechs(const struct msg_auth_mechs *);
const char *ipc_check_auth_step(const struct msg_auth_step *);
const char *ipc_check_auth_step_reply(const struct msg_auth_step_reply *);
const char *ipc_check_auth_abort(const struct msg_auth_abort *);

/* A mechanism relayed step by step (not run by smtpd itself). */
int	auth_mech_relayed(uint32_t mech);

#endif
