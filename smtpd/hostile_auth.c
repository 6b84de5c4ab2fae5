/*
 * hostile_auth.c: test builds only (--enable-test-hooks).  smtpd plays
 * a compromised smtpd against the auth compartment, to show that it can
 * ask auth for nothing but a verdict on an exchange: a file
 * "test-hook-hostile-auth" in the configuration directory, read before
 * the privilege drop, names what smtpd sends auth once it has its
 * channel:
 *   type	IPC_EXPAND, a request of local's to lookup (no row lets
 *		smtpd send auth anything but IPC_AUTH_CHECK)
 *   reply	IPC_AUTH_VERDICT, a verdict of its own making
 *   forged	IPC_AUTH_CHECK whose payload auth's validator refuses (an
 *		empty password, a control character in the user name)
 *   dump	IPC_AUTH_CHECK asking for the user "*" with the password
 *		"*": an honest question, which gets a verdict and nothing
 *		more
 * and a relayed (SCRAM) exchange's steps out of turn:
 *   step-unstarted	IPC_AUTH_STEP CONT of an exchange never started
 *   step-twice		START, then CONT before START was answered
 *   step-after		START with a client-first message the server
 *			refuses, then, once the verdict came, CONT of it
 *   abort-unstarted	IPC_AUTH_ABORT of an exchange never started
 * (with the passwd-file backend any step is refused: it has no SCRAM).
 */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "smtpd/smtpd.h"

static char hostile[32];

#define HOSTILE_XID	7

void
hostile_auth_load(const struct bh_config *cf)
{
	char	 path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/test-hook-hostile-auth",
	    cf->config_directory);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(hostile, sizeof(hostile), f) == NULL)
		hostile[0] = '\0';
	hostile[strcspn(hostile, "\n")] = '\0';
	fclose(f);
}

/* A step of exchange HOSTILE_XID; START: a client-first message no
   server takes (no gs2 header). */
static void
send_step(struct ipc_chan *c, uint32_t op)
{
	static struct msg_auth_step	m;
	uint8_t				buf[sizeof(m) + 64];
	struct wbuf			wb;

	memset(&m, 0, sizeof(m));
	m.xid = HOSTILE_XID;
	m.op = op;
	if (op == AUTH_STEP_START) {
		m.mech = AUTH_MECH_SCRAM_SHA256;
		xstrlcpy(m.client_addr, "127.0.0.1", sizeof(m.client_addr));
		memcpy(m.data, "garbage", 7);
		m.len = 7;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_auth_step(&wb, &m);
	ipc_request(c, IPC_AUTH_STEP, &wb, -1);
}

/*
 * slot is smtpd's auth channel: a send that fails closes and frees the
 * channel at once (peer_closed clears the slot), so each further send
 * looks at the slot again.
 */
void
hostile_auth_send(struct ipc_chan **slot)
{
	struct ipc_chan		*c = *slot;
	uint8_t			buf[2048];
	struct wbuf		wb;
	struct msg_addr		a;
	struct msg_auth_check	m;
	struct msg_auth_verdict	v;
	struct msg_auth_abort	ab;

	if (hostile[0] == '\0')
		return;
	log_warnx("test hook: hostile smtpd sends auth '%s'", hostile);
	wb_init(&wb, buf, sizeof(buf));
	memset(&m, 0, sizeof(m));
	m.mech = AUTH_MECH_PLAIN;
	xstrlcpy(m.client_addr, "127.0.0.1", sizeof(m.client_addr));
	if (strcmp(hostile, "type") == 0) {
		xstrlcpy(a.addr, "root@localhost", sizeof(a.addr));
		enc_addr(&wb, &a);
		ipc_request(c, IPC_EXPAND, &wb, -1);
	} else if (strcmp(hostile, "reply") == 0) {
		memset(&v, 0, sizeof(v));
		v.verdict = AUTH_OK;
		xstrlcpy(v.user, "root", sizeof(v.user));
		enc_auth_verdict(&wb, &v);
		ipc_reply(c, IPC_AUTH_VERDICT, 1, &wb, -1);
	} else if (strcmp(hostile, "forged") == 0) {
		xstrlcpy(m.user, "al\nice", sizeof(m.user));
		ipc_enc_unchecked = 1;
		enc_auth_check(&wb, &m);
		ipc_enc_unchecked = 0;
		ipc_request(c, IPC_AUTH_CHECK, &wb, -1);
	} else if (strcmp(hostile, "dump") == 0) {
		xstrlcpy(m.user, "*", sizeof(m.user));
		xstrlcpy(m.password, "*", sizeof(m.password));
		enc_auth_check(&wb, &m);
		ipc_request(c, IPC_AUTH_CHECK, &wb, -1);
	} else if (strncmp(hostile, "step-", 5) == 0) {
		if (strcmp(hostile, "step-unstarted") != 0)
			send_step(c, AUTH_STEP_START);
		if (*slot == c && strcmp(hostile, "step-after") != 0)
			send_step(c, AUTH_STEP_CONT);
	} else if (strcmp(hostile, "abort-unstarted") == 0) {
		ab.xid = HOSTILE_XID;
		enc_auth_abort(&wb, &ab);
		ipc_note(c, IPC_AUTH_ABORT, &wb, -1);
	}
}

/* step-after: the verdict on the exchange came; step it again. */
void
hostile_auth_reply(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg)
{
	if (strcmp(hostile, "step-after") != 0 ||
	    h->type != IPC_AUTH_STEP_REPLY ||
	    msg->auth_step_reply.verdict == AUTH_CONTINUE)
		return;
	log_warnx("test hook: hostile smtpd steps a decided exchange");
	send_step(c, AUTH_STEP_CONT);
}
