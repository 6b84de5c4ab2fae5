/*
 * dovecot_proto.h: the client side of Dovecot's authentication protocol
 * (doc.dovecot.org, "Dovecot Authentication Protocol", version 1.2),
 * as the auth compartment speaks it on smtpd_sasl_path: a strict parser
 * of the server's lines and the handshake state, no I/O.  Fuzzed
 * (tests/fuzz/fuzz_dovecot.c).
 *
 *   C: VERSION 1 2, CPID pid
 *   S: VERSION 1 x, MECH name [flags]..., SPID, CUID, COOKIE, DONE
 *   C: AUTH id PLAIN service=smtp nologin rip=ADDR [secured] resp=BASE64
 *      ("secured": the client's exchange ran over TLS)
 *   S: OK id [user=NAME]... | FAIL id [reason=..] [temp]... | CONT id data
 * (fields separated by TAB, lines by LF).
 */
#ifndef BH_DOVECOT_PROTO_H
#define BH_DOVECOT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "privsep/ipc_msgs.h"

#define DVC_LINE_MAX	8192	/* a longer line is garbage */
#define DVC_REQ_MAX	2048	/* an AUTH line we send */

enum dvc_kind {
	DVC_VERSION = 1, DVC_MECH, DVC_SPID, DVC_CUID, DVC_COOKIE, DVC_DONE,
	DVC_OK, DVC_FAIL, DVC_CONT
};

struct dvc_line {
	enum dvc_kind	kind;
	uint32_t	id;		/* OK, FAIL, CONT */
	unsigned	major;		/* VERSION */
	int		plain;		/* MECH PLAIN */
	int		temp;		/* FAIL ... temp */
	char		user[IPC_AUTH_NAME_MAX];	/* OK/FAIL user=, or "" */
};

enum dvc_state {
	DVC_HANDSHAKE = 0,	/* VERSION sent, waiting for DONE */
	DVC_READY,		/* DONE seen: requests may go */
	DVC_BROKEN		/* the server broke the protocol */
};

struct dvc_conn {
	enum dvc_state	state;
	int		version_seen;
	int		plain;		/* the server offers PLAIN */
};

/* Parse one line (without its LF).  0, or -1 for anything unexpected. */
int	dvc_parse(const char *line, size_t len, struct dvc_line *);
/*
 * Feed a parsed line to the connection: during the handshake the
 * server's lines, after it only OK, FAIL (and CONT, which PLAIN with an
 * initial response never gets: broken).  Returns 1 when the line
 * answers a request (OK, FAIL), 0 when it was handshake, -1 when the
 * connection is broken.
 */
int	dvc_feed(struct dvc_conn *, const struct dvc_line *);
/* "VERSION\t1\t2\nCPID\t<pid>\n" */
int	dvc_handshake(char *buf, size_t len, long pid);
/* The AUTH line for a request: -1 if it does not fit. */
int	dvc_auth_line(char *buf, size_t len, uint32_t id,
	    const struct msg_auth_check *);

#endif
