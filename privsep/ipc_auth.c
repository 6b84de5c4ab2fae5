/*
 * ipc_auth.c: the payloads of a relayed SASL exchange between smtpd and
 * auth (see ipc_auth.h), with their validators; as for every message, a
 * decoder ends with the validator and an encoder starts with it.  The
 * same rules bound a step in both directions: at most IPC_AUTH_DATA_MAX
 * octets (any octets: auth base64-encodes them for the backend, smtpd
 * for the client), START alone names a mechanism and a client, the
 * exchange number is never 0, a challenge carries no login and a
 * verdict no challenge.
 */
#include <stdint.h>
#include <string.h>

#include "privsep/codec.h"
#include "privsep/ipc_codec.h"
#include "privsep/ipc_msgs.h"

int
auth_mech_relayed(uint32_t mech)
{
	return mech == AUTH_MECH_SCRAM_SHA256;
}

const char *
ipc_check_auth_mechs(const struct msg_auth_mechs *m)
{
	if ((m->mechs & ~AUTH_MECHS_ALL) != 0)
		return "unknown mechanism";
	return (m->mechs & AUTH_MECHS_BASE) == AUTH_MECHS_BASE ? NULL :
	    "PLAIN or LOGIN missing";
}

const char *
ipc_check_auth_step(const struct msg_auth_step *m)
{
	if (m->xid == 0)
		return "exchange 0";
	if (m->len > IPC_AUTH_DATA_MAX)
		return "step too long";
	switch (m->op) {
	case AUTH_STEP_START:
		if (!auth_mech_relayed(m->mech))
			return "bad mechanism";
		if ((m->flags & ~AUTH_FLAG_MASK) != 0)
			return "bad flags";
		return ipc_valid_client_addr(m->client_addr) ? NULL :
		    "client address not numeric";
	case AUTH_STEP_CONT:
		return m->mech == 0 && m->flags == 0 &&
		    m->client_addr[0] == '\0' ? NULL :
		    "a next step names its exchange only";
	default:
		return "bad step";
	}
}

const char *
ipc_check_auth_step_reply(const struct msg_auth_step_reply *m)
{
	if (m->verdict > AUTH_CONTINUE)
		return "bad verdict";
	if (m->len > IPC_AUTH_DATA_MAX)
		return "challenge too long";
	if (m->verdict != AUTH_CONTINUE && m->len != 0)
		return "a challenge with a verdict";
	if (m->verdict == AUTH_OK)
		return ipc_valid_text(m->user) && m->user[0] != '\0' ? NULL :
		    "bad login name";
	return m->user[0] == '\0' ? NULL : "a login name without AUTH_OK";
}

const char *
ipc_check_auth_abort(const struct msg_auth_abort *m)
{
	return m->xid != 0 ? NULL : "exchange 0";
}

void
enc_auth_mechs(struct wbuf *wb, const struct msg_auth_mechs *m)
{
	ipc_enc_check("enc_auth_mechs", ipc_check_auth_mechs(m));
	wb_u32(wb, m->mechs);
}

int
dec_auth_mechs(struct rbuf *rb, struct msg_auth_mechs *m)
{
	rb_u32(rb, &m->mechs);
	if (rb_end(rb) == -1 || ipc_check_auth_mechs(m) != NULL)
		return -1;
	return 0;
}

void
enc_auth_step(struct wbuf *wb, const struct msg_auth_step *m)
{
	ipc_enc_check("enc_auth_step", ipc_check_auth_step(m));
	if (m->len > IPC_AUTH_DATA_MAX) {	/* a test's broken sender */
		wb->err = 1;
		return;
	}
	wb_u32(wb, m->xid);
	wb_u32(wb, m->op);
	wb_u32(wb, m->mech);
	wb_u32(wb, m->flags);
	wb_str(wb, m->client_addr);
	wb_blob(wb, m->data, m->len);
}

int
dec_auth_step(struct rbuf *rb, struct msg_auth_step *m)
{
	size_t n = 0;

	rb_u32(rb, &m->xid);
	rb_u32(rb, &m->op);
	rb_u32(rb, &m->mech);
	rb_u32(rb, &m->flags);
	rb_str(rb, m->client_addr, sizeof(m->client_addr));
	rb_blob(rb, m->data, sizeof(m->data), &n);
	m->len = (uint32_t)n;
	if (rb_end(rb) == -1 || ipc_check_auth_step(m) != NULL)
		return -1;
	return 0;
}

void
enc_auth_step_reply(struct wbuf *wb, const struct msg_auth_step_reply *m)
{
	ipc_enc_check("enc_auth_step_reply", ipc_check_auth_step_reply(m));
	if (m->len > IPC_AUTH_DATA_MAX) {
		wb->err = 1;
		return;
	}
	wb_u32(wb, m->verdict);
	wb_str(wb, m->user);
	wb_blob(wb, m->data, m->len);
}

int
dec_auth_step_reply(struct rbuf *rb, struct msg_auth_step_reply *m)
{
	size_t n = 0;

	rb_u32(rb, &m->verdict);
	rb_str(rb, m->user, sizeof(m->user));
	rb_blob(rb, m->data, sizeof(m->data), &n);
	m->len = (uint32_t)n;
	if (rb_end(rb) == -1 || ipc_check_auth_step_reply(m) != NULL)
		return -1;
	return 0;
}

void
enc_auth_abort(struct wbuf *wb, const struct msg_auth_abort *m)
{
	ipc_enc_check("enc_auth_abort", ipc_check_auth_abort(m));
	wb_u32(wb, m->xid);
}

int
dec_auth_abort(struct rbuf *rb, struct msg_auth_abort *m)
{
	rb_u32(rb, &m->xid);
	if (rb_end(rb) == -1 || ipc_check_auth_abort(m) != NULL)
		return -1;
	return 0;
}

/* This file's rows of the codec table (ipc_codec.h). */
IPC_CODEC_DEFINE(auth_mechs)
IPC_CODEC_DEFINE(auth_step)
IPC_CODEC_DEFINE(auth_step_reply)
IPC_CODEC_DEFINE(auth_abort)
