/*
 * ipc_admin.c: the payloads of bulkctl's requests to queue and of
 * queue's answers on the control socket, with their validators (see
 * ipc_msgs.h; the same rules as every other message: a decoder ends
 * with the validator, an encoder starts with it).
 */
#include <stdint.h>
#include <string.h>

#include "privsep/codec.h"
#include "privsep/ipc_codec.h"
#include "privsep/ipc_msgs.h"

static int
text_ok(const char *s, int nonempty)
{
	return (!nonempty || s[0] != '\0') && ipc_valid_text(s);
}

const char *
ipc_check_admin_entry(const struct msg_admin_entry *m)
{
	if (m->queue >= ADMIN_Q_MAX)
		return "bad queue name";
	if (!qid_valid(m->qid))
		return "bad queue id";
	return text_ok(m->sender, 0) ? NULL : "control character in sender";
}

const char *
ipc_check_admin_rcpt(const struct msg_admin_rcpt *m)
{
	if (!text_ok(m->addr, 1))
		return "empty recipient or control character in it";
	return text_ok(m->reason, 0) ? NULL : "control character in reason";
}

const char *
ipc_check_admin_change(const struct msg_admin_change *m)
{
	if (m->op >= ADMIN_OP_MAX)
		return "bad operation";
	return qid_valid(m->id) || strcmp(m->id, ADMIN_ALL) == 0 ? NULL :
	    "bad request";
}

const char *
ipc_check_admin_done(const struct msg_admin_done *m)
{
	return NULL;
}

const char *
ipc_check_admin_text(const struct msg_admin_text *m)
{
	return m->len == 0 || m->len > IPC_ADMIN_TEXT_MAX ?
	    "bad text length" : NULL;
}

void
enc_admin_entry(struct wbuf *wb, const struct msg_admin_entry *m)
{
	ipc_enc_check("enc_admin_entry", ipc_check_admin_entry(m));
	wb_u32(wb, m->queue);
	wb_str(wb, m->qid);
	wb_u64(wb, m->arrival);
	wb_u64(wb, m->size);
	wb_str(wb, m->sender);
}

int
dec_admin_entry(struct rbuf *rb, struct msg_admin_entry *m)
{
	rb_u32(rb, &m->queue);
	rb_str(rb, m->qid, sizeof(m->qid));
	rb_u64(rb, &m->arrival);
	rb_u64(rb, &m->size);
	rb_str(rb, m->sender, sizeof(m->sender));
	if (rb_end(rb) == -1 || ipc_check_admin_entry(m) != NULL)
		return -1;
	return 0;
}

void
enc_admin_rcpt(struct wbuf *wb, const struct msg_admin_rcpt *m)
{
	ipc_enc_check("enc_admin_rcpt", ipc_check_admin_rcpt(m));
	wb_str(wb, m->addr);
	wb_str(wb, m->reason);
}

int
dec_admin_rcpt(struct rbuf *rb, struct msg_admin_rcpt *m)
{
	rb_str(rb, m->addr, sizeof(m->addr));
	rb_str(rb, m->reason, sizeof(m->reason));
	if (rb_end(rb) == -1 || ipc_check_admin_rcpt(m) != NULL)
		return -1;
	return 0;
}

void
enc_admin_change(struct wbuf *wb, const struct msg_admin_change *m)
{
	ipc_enc_check("enc_admin_change", ipc_check_admin_change(m));
	wb_u32(wb, m->op);
	wb_str(wb, m->id);
}

int
dec_admin_change(struct rbuf *rb, struct msg_admin_change *m)
{
	rb_u32(rb, &m->op);
	rb_str(rb, m->id, sizeof(m->id));
	if (rb_end(rb) == -1 || ipc_check_admin_change(m) != NULL)
		return -1;
	return 0;
}

void
enc_admin_done(struct wbuf *wb, const struct msg_admin_done *m)
{
	wb_u32(wb, m->n);
}

int
dec_admin_done(struct rbuf *rb, struct msg_admin_done *m)
{
	rb_u32(rb, &m->n);
	return rb_end(rb);
}

void
enc_admin_text(struct wbuf *wb, const struct msg_admin_text *m)
{
	ipc_enc_check("enc_admin_text", ipc_check_admin_text(m));
	if (m->len > IPC_ADMIN_TEXT_MAX) {	/* a test's broken sender */
		wb->err = 1;
		return;
	}
	wb_blob(wb, m->data, m->len);
}

int
dec_admin_text(struct rbuf *rb, struct msg_admin_text *m)
{
	size_t n;

	rb_blob(rb, m->data, sizeof(m->data), &n);
	m->len = n;
	if (rb_end(rb) == -1 || ipc_check_admin_text(m) != NULL)
		return -1;
	return 0;
}

/* This file's rows of the codec table (ipc_codec.h). */
IPC_CODEC_DEFINE(admin_entry)
IPC_CODEC_DEFINE(admin_rcpt)
IPC_CODEC_DEFINE(admin_change)
IPC_CODEC_DEFINE(admin_done)
IPC_CODEC_DEFINE(admin_text)
