/*
 * session_fake_auth.c: the session harness's auth for a relayed
 * (SCRAM-SHA-256) exchange.  It answers IPC_AUTH_STEP by the first octet
 * of the client's response ("f" failure, "r" rate limit, "t" temporary
 * failure, "e" an IPC_ERROR; an empty next response succeeds, anything
 * else gets a challenge) and keeps the exchanges as the real auth does
 * (auth/auth_exchange.c): a second START of one, a step or an abort
 * (IPC_AUTH_ABORT, through smtpd_note, which this file provides) of
 * one auth does not hold, is a bug in smtpd, and the harness aborts;
 * so does one still held once the session is gone (fake_auth_open).
 * Requests are checked against the table and decoded by the harness.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strl.h"
#include "privsep/ipc_msgs.h"
#include "smtpd/smtpd.h"
#include "tests/fuzz/session_harness.h"

#define XCHG_MAX	16	/* relayed exchanges open at the fake auth */

static uint32_t	xchg[XCHG_MAX];	/* the exchanges auth holds */
static size_t	nxchg;

/* The fake auth's relayed exchanges: the index of xid, or -1. */
static int
xchg_find(uint32_t xid)
{
	size_t i;

	for (i = 0; i < nxchg; i++)
		if (xchg[i] == xid)
			return (int)i;
	return -1;
}

static void
xchg_del(int i)
{
	xchg[i] = xchg[--nxchg];
}

void
fake_auth_reset(void)
{
	nxchg = 0;
}

size_t
fake_auth_open(void)
{
	return nxchg;
}

/* auth's channel is gone: so are its exchanges; smtpd's next channel
   is a new one. */
void
fake_auth_gone(struct smtpd *sd)
{
	nxchg = 0;
	sd->auth_gen++;
}

/* A relayed step, with auth's rules for the exchange it belongs to. */
void
fake_step(struct session *s, const struct msg_auth_step *m)
{
	static struct msg_auth_step_reply	r;
	uint8_t					buf[REPLY_MAX];
	struct wbuf				wb;
	int					i = xchg_find(m->xid);

	if (m->op == AUTH_STEP_START) {
		if (i != -1 || nxchg == XCHG_MAX)
			abort();
		i = (int)nxchg;
		xchg[nxchg++] = m->xid;
	} else if (i == -1)
		abort();
	memset(&r, 0, sizeof(r));
	r.verdict = AUTH_CONTINUE;
	if (m->len == 0 && m->op == AUTH_STEP_CONT) {
		r.verdict = AUTH_OK;
		strlcpy(r.user, "fuzz", sizeof(r.user));
	} else if (m->len > 0 && m->data[0] == 'f')
		r.verdict = AUTH_FAIL;
	else if (m->len > 0 && m->data[0] == 'r')
		r.verdict = AUTH_RATE;
	else if (m->len > 0 && m->data[0] == 't')
		r.verdict = AUTH_TEMPFAIL;
	else if (m->len > 0 && m->data[0] == 'e') {
		xchg_del(i);
		answer_error(s, IPC_AUTH_STEP, "4.7.0");
		return;
	} else {
		r.len = 9;
		memcpy(r.data, "r=abc,i=1", 9);
	}
	if (r.verdict != AUTH_CONTINUE)
		xchg_del(i);
	wb_init(&wb, buf, sizeof(buf));
	enc_auth_step_reply(&wb, &r);
	answer(s, IPC_AUTH_STEP, IPC_AUTH_STEP_REPLY, &wb, -1);
}

/* smtpd's notes: an abort of an exchange auth holds, waiting. */
int
smtpd_note(struct smtpd *sd, enum bh_role peer, enum ipc_type type,
    const struct wbuf *wb)
{
	static union ipc_msg		 m;
	const struct ipc_codec		*codec;
	struct ipc_hdr			 hdr;
	struct rbuf			 rb;
	int				 i;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint32_t)wb->len;
	if (wb->err || type != IPC_AUTH_ABORT ||
	    ipc_check_header(&hdr, peer, ROLE_SMTPD, 0) != NULL ||
	    (codec = ipc_type_codec(type)) == NULL)
		abort();
	rb_init(&rb, wb->p, wb->len);
	if (codec->dec(&rb, &m) != 0 ||
	    (i = xchg_find(m.auth_abort.xid)) == -1)
		abort();
	xchg_del(i);
	return 0;
}
