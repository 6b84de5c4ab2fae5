/*
 * dovecot_proto.h: the client side of Dovecot's authentication protocol
 * (doc.dovecot.org, "Dovecot Authentication Protocol", version 1.2),
 * as the auth compartment speaks it on smtpd_sasl_path: a strict parser
 * of the server's lines and the handshake state, no I/O.  Fuzzed
 * (tests/fuzz/fuzz_dovecot.c).
 *
 *   C: VERSION 1 2, CPID pid
 *   S: VERSION 1 x, MECH name [flags]..., SPID, CUID, COOKIE, DONE
 *   C: AUTH id MECH service=smtp nologin rip=ADDR [secured] resp=BASE64
 *      ("secured": the client's exchange ran over TLS; MECH is PLAIN,
 *      whatever the client's mechanism, or a relayed one: SCRAM-SHA-256)
 *   S: OK id [user=NAME]... | FAIL id [reason=..] [temp]... | CONT id BASE64
 *   C: CONT id BASE64 (the client's next response) | CANCEL id
 * (fields separated by TAB, lines by LF).  Without the AUTH parameter
 * final-resp-ok (Postfix does not send it either) the server sends a
 * mechanism's last data, SCRAM's server-final message, in a CONT; the
 * client's answer to it (RFC 4954: an empty line) gets the OK.
 */
#ifndef BH_DOVECOT_PROTO_H
#define BH_DOVECOT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "privsep/ipc_msgs.h"

#define DVC_LINE_MAX	8192	/* a longer line is garbage */
#define DVC_REQ_MAX	4096	/* an AUTH or CONT line we send */

enum dvc_kind {
	DVC_VERSION = 1, DVC_MECH, DVC_SPID, DVC_CUID, DVC_COOKIE, DVC_DONE,
	DVC_OK, DVC_FAIL, DVC_CONT
};

struct dvc_line {
	enum dvc_kind	kind;
	uint32_t	id;		/* OK, FAIL, CONT */
	unsigned	major;		/* VERSION */
	uint32_t	mech;		/* MECH: PLAIN, SCRAM-SHA-256, else 0 */
	int		temp;		/* FAIL ... temp */
	char		user[IPC_AUTH_NAME_MAX];	/* OK/FAIL user=, or "" */
	size_t		len;		/* CONT: the challenge, decoded */
	uint8_t		data[IPC_AUTH_DATA_MAX];
};

enum dvc_state {
	DVC_HANDSHAKE = 0,	/* VERSION sent, waiting for DONE */
	DVC_READY,		/* DONE seen: requests may go */
	DVC_BROKEN		/* the server broke the protocol */
};

struct dvc_conn {
	enum dvc_state	state;
	int		version_seen;
	uint32_t	mechs;		/* AUTH_MECH_BIT()s the server offers */
};

/*
 * Parse one line (without its LF).  0, or -1 for anything unexpected
 * (a CONT whose data is not strict base64 of at most IPC_AUTH_DATA_MAX
 * octets too).
 */
int	dvc_parse(const char *line, size_t len, struct dvc_line *);
/*
 * Feed a parsed line to the connection: during the handshake the
 * server's lines (it must offer PLAIN), after it only OK, FAIL and
 * CONT.  Returns 1 when the line answers a request (OK, FAIL, CONT), 0
 * when it was handshake, -1 when the connection is broken.  Whether a
 * CONT fits its request (PLAIN never gets one) is the caller's check.
 */
int	dvc_feed(struct dvc_conn *, const struct dvc_line *);
/* The mechanisms smtpd may offer with this server: AUTH_MECHS_BASE and
   the relayed ones it offers. */
uint32_t dvc_offered(const struct dvc_conn *);
/* "VERSION\t1\t2\nCPID\t<pid>\n" */
int	dvc_handshake(char *buf, size_t len, long pid);
/* The AUTH line for a request: -1 if it does not fit. */
int	dvc_auth_line(char *buf, size_t len, uint32_t id,
	    const struct msg_auth_check *);
/* The AUTH line that starts a relayed exchange (m->op START). */
int	dvc_step_line(char *buf, size_t len, uint32_t id,
	    const struct msg_auth_step *m);
/* "CONT\tid\tBASE64\n": the client's next response. */
int	dvc_cont_line(char *buf, size_t len, uint32_t id,
	    const uint8_t *data, size_t dlen);
/* "CANCEL\tid\n": the client left a relayed exchange. */
int	dvc_cancel_line(char *buf, size_t len, uint32_t id);

#endif
