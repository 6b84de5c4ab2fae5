/*
 * sasl.h: the server side of an SMTP AUTH exchange (RFC 4954) for the
 * mechanisms PLAIN (RFC 4616) and LOGIN, as a state machine of its own,
 * and the client's half of a relayed mechanism (SCRAM-SHA-256, RFC
 * 5802/7677, when the backend offers it).
 *
 * smtpd feeds it the AUTH argument and then each client response line;
 * it answers with a challenge to send, an error to reply, "verify": the
 * credentials are complete, and smtpd relays them to the auth
 * compartment, which alone decides, or "relay": a relayed mechanism's
 * response, decoded, for auth (whose answer is the next challenge or
 * the verdict).  It never looks anything up and does not log; it is
 * fuzzed (tests/fuzz/fuzz_sasl.c).
 */
#ifndef BH_SASL_H
#define BH_SASL_H

#include <stddef.h>

#include "privsep/ipc_msgs.h"

/* An AUTH line or a response longer is refused (RFC 4954 4: 12288 is
   the least a server must take; Postfix takes line_length_limit). */
#define SASL_LINE_MAX	2048

enum sasl_state {
	SASL_IDLE = 0,		/* no exchange */
	SASL_WANT_PLAIN,	/* sent "334 ", waiting for the PLAIN response */
	SASL_WANT_USER,		/* LOGIN: sent "334 VXNlcm5hbWU6" */
	SASL_WANT_PASS,		/* LOGIN: sent "334 UGFzc3dvcmQ6" */
	SASL_WANT_RELAY		/* relayed: sent "334 ...", the next response */
};

struct sasl_exchange {
	enum sasl_state		state;
	struct msg_auth_check	cred;	/* mech, authzid, user, password */
	size_t			step_len;	/* SASL_RELAY: the response */
	uint8_t			step[IPC_AUTH_DATA_MAX];
};

enum sasl_res {
	SASL_CHALLENGE,		/* send "334 " + out */
	SASL_VERIFY,		/* cred is complete: ask auth */
	SASL_RELAY,		/* step[step_len]: relay it to auth */
	SASL_ERR_SYNTAX,	/* 501 5.5.4 Syntax: AUTH mechanism */
	SASL_ERR_MECH,		/* 504 5.5.4 unsupported mechanism */
	SASL_ERR_CANCEL,	/* 501 5.7.0 Authentication aborted */
	SASL_ERR_BASE64,	/* 501 5.5.2 Cannot decode response */
	SASL_ERR_FORMAT		/* 535 5.7.8: decodes, but no valid credentials */
};

/* Start from the AUTH argument ("PLAIN", "LOGIN dXNlcg==", ...) of a
   client (its numeric address); offered: the AUTH_MECH_BIT()s of the
   relayed mechanisms auth offers (others get SASL_ERR_MECH); out gets
   a challenge (base64, maybe empty) of at most outlen - 1 chars. */
enum sasl_res	sasl_start(struct sasl_exchange *, const char *client_addr,
		    const char *arg, size_t len, uint32_t offered, char *out,
		    size_t outlen);
/* The client's response line to the last challenge (without CRLF). */
enum sasl_res	sasl_step(struct sasl_exchange *, const char *line,
		    size_t len, char *out, size_t outlen);
/* Forget the exchange, the password wiped. */
void		sasl_clear(struct sasl_exchange *);
/* "PLAIN", "LOGIN", "SCRAM-SHA-256" */
const char	*sasl_mech_name(uint32_t mech);
/* The authentication identity of a SCRAM client-first message (RFC
   5802 7: "n,,n=user,r=..." with =2C and =3D undone) into out: 0, or
   -1 if there is none that fits. */
int		sasl_scram_user(const uint8_t *msg, size_t len, char *out,
		    size_t outlen);

/* Strict base64 (RFC 4648 4, padding required, no white space).
   Returns the decoded length, or -1. */
long		b64_decode(const char *in, size_t len, unsigned char *out,
		    size_t outlen);
/* Returns the encoded length, or -1 if out is too small. */
long		b64_encode(const unsigned char *in, size_t len, char *out,
		    size_t outlen);

#endif
