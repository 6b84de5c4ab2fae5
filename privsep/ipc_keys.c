/*
 * ipc_keys.c: the payloads between smtpd and the key oracle (keys), with
 * their validators (see ipc_msgs.h; as for every message: a decoder ends
 * with the validator, an encoder starts with it).  What the validator
 * refuses here is what no honest smtpd asks: the sizes OpenSSL hands to
 * a private-key operation are bounded by the key, and the key's number
 * is smtpd's own configuration.
 */
#include <stdint.h>

#include "privsep/codec.h"
#include "privsep/ipc_codec.h"
#include "privsep/ipc_msgs.h"

const char *
ipc_check_key_sign(const struct msg_key_sign *m)
{
	if (m->key >= IPC_KEYS_MAX)
		return "bad key number";
	if (m->op >= KEY_OP_MAX)
		return "bad key operation";
	if (m->len == 0 || m->len > IPC_KEY_DATA_MAX)
		return "bad data length";
	if (m->op == KEY_OP_ECDSA && m->len > IPC_KEY_DIGEST_MAX)
		return "digest too long";
	return NULL;
}

const char *
ipc_check_key_sig(const struct msg_key_sig *m)
{
	return m->len == 0 || m->len > IPC_KEY_DATA_MAX ?
	    "bad signature length" : NULL;
}

void
enc_key_sign(struct wbuf *wb, const struct msg_key_sign *m)
{
	ipc_enc_check("enc_key_sign", ipc_check_key_sign(m));
	if (m->len > IPC_KEY_DATA_MAX) {	/* a test's broken sender */
		wb->err = 1;
		return;
	}
	wb_u32(wb, m->key);
	wb_u32(wb, m->op);
	wb_blob(wb, m->data, m->len);
}

int
dec_key_sign(struct rbuf *rb, struct msg_key_sign *m)
{
	size_t n = 0;

	rb_u32(rb, &m->key);
	rb_u32(rb, &m->op);
	rb_blob(rb, m->data, sizeof(m->data), &n);
	m->len = n;
	if (rb_end(rb) == -1 || ipc_check_key_sign(m) != NULL)
		return -1;
	return 0;
}

void
enc_key_sig(struct wbuf *wb, const struct msg_key_sig *m)
{
	ipc_enc_check("enc_key_sig", ipc_check_key_sig(m));
	if (m->len > IPC_KEY_DATA_MAX) {
		wb->err = 1;
		return;
	}
	wb_blob(wb, m->data, m->len);
}

int
dec_key_sig(struct rbuf *rb, struct msg_key_sig *m)
{
	size_t n = 0;

	rb_blob(rb, m->data, sizeof(m->data), &n);
	m->len = n;
	if (rb_end(rb) == -1 || ipc_check_key_sig(m) != NULL)
		return -1;
	return 0;
}

/* This file's rows of the codec table (ipc_codec.h). */
IPC_CODEC_DEFINE(key_sign)
IPC_CODEC_DEFINE(key_sig)
