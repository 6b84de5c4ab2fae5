/*
 * ipc_msgs.c: encoders and strict decoders for the payloads between the
 * compartments (those master handles are in ipc_master.c, bulkctl's in
 * ipc_admin.c, outbound mail's in ipc_relay.c, the key oracle's in
 * ipc_keys.c, SASL's in ipc_auth.c; the field validators they share in
 * ipc_fields.c).
 *
 * Besides the framing checks of codec.c, each decoder checks the values it
 * returns: enums in range, queue ids well formed, no control characters in
 * anything that will reach a log line, a file or an SMTP reply.
 */
#include <stdint.h>

#include "privsep/codec.h"
#include "privsep/ipc_codec.h"
#include "privsep/ipc_msgs.h"

void
enc_addr(struct wbuf *wb, const struct msg_addr *m)
{
	ipc_enc_check("enc_addr", ipc_check_addr(m));
	wb_str(wb, m->addr);
}

int
dec_addr(struct rbuf *rb, struct msg_addr *m)
{
	rb_str(rb, m->addr, sizeof(m->addr));
	if (rb_end(rb) == -1 || ipc_check_addr(m) != NULL)
		return -1;
	return 0;
}

void
enc_rcpt_verdict(struct wbuf *wb, const struct msg_rcpt_verdict *m)
{
	ipc_enc_check("enc_rcpt_verdict", ipc_check_rcpt_verdict(m));
	wb_u32(wb, m->verdict);
}

int
dec_rcpt_verdict(struct rbuf *rb, struct msg_rcpt_verdict *m)
{
	rb_u32(rb, &m->verdict);
	if (rb_end(rb) == -1 || ipc_check_rcpt_verdict(m) != NULL)
		return -1;
	return 0;
}

void
enc_qid(struct wbuf *wb, const struct msg_qid *m)
{
	ipc_enc_check("enc_qid", ipc_check_qid(m));
	wb_str(wb, m->qid);
}

int
dec_qid(struct rbuf *rb, struct msg_qid *m)
{
	rb_str(rb, m->qid, sizeof(m->qid));
	if (rb_end(rb) == -1 || ipc_check_qid(m) != NULL)
		return -1;
	return 0;
}

void
enc_rcpt(struct wbuf *wb, const struct msg_rcpt *m)
{
	ipc_enc_check("enc_rcpt", ipc_check_rcpt(m));
	wb_str(wb, m->qid);
	wb_str(wb, m->addr);
	wb_u32(wb, m->notify);
	wb_str(wb, m->orcpt);
}

int
dec_rcpt(struct rbuf *rb, struct msg_rcpt *m)
{
	rb_str(rb, m->qid, sizeof(m->qid));
	rb_str(rb, m->addr, sizeof(m->addr));
	rb_u32(rb, &m->notify);
	rb_str(rb, m->orcpt, sizeof(m->orcpt));
	if (rb_end(rb) == -1 || ipc_check_rcpt(m) != NULL)
		return -1;
	return 0;
}

void
enc_commit(struct wbuf *wb, const struct msg_commit *m)
{
	ipc_enc_check("enc_commit", ipc_check_commit(m));
	wb_str(wb, m->qid);
	wb_u64(wb, m->size);
	wb_str(wb, m->sender);
	wb_str(wb, m->helo);
	wb_str(wb, m->client_addr);
	wb_str(wb, m->client_name);
	wb_u32(wb, m->ret);
	wb_str(wb, m->envid);
	wb_u32(wb, m->flags);
}

int
dec_commit(struct rbuf *rb, struct msg_commit *m)
{
	rb_str(rb, m->qid, sizeof(m->qid));
	rb_u64(rb, &m->size);
	rb_str(rb, m->sender, sizeof(m->sender));
	rb_str(rb, m->helo, sizeof(m->helo));
	rb_str(rb, m->client_addr, sizeof(m->client_addr));
	rb_str(rb, m->client_name, sizeof(m->client_name));
	rb_u32(rb, &m->ret);
	rb_str(rb, m->envid, sizeof(m->envid));
	rb_u32(rb, &m->flags);
	if (rb_end(rb) == -1 || ipc_check_commit(m) != NULL)
		return -1;
	return 0;
}

int
member_key_valid(const char *s)
{
	size_t i;

	for (i = 0; i < IPC_MEMBER_KEY_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

/* Member keys: count, then each; one bad key fails the whole list. */
static void
enc_done(struct wbuf *wb, uint32_t n,
    const char (*done)[IPC_MEMBER_KEY_LEN + 1])
{
	uint32_t i;

	if (n > IPC_DONE_MAX) {
		wb->err = 1;
		return;
	}
	wb_u32(wb, n);
	for (i = 0; i < n; i++) {
		if (!member_key_valid(done[i]))
			wb->err = 1;
		wb_str(wb, done[i]);
	}
}

static int
dec_done(struct rbuf *rb, uint32_t *n,
    char (*done)[IPC_MEMBER_KEY_LEN + 1])
{
	uint32_t i;

	if (rb_u32(rb, n) == -1 || *n > IPC_DONE_MAX)
		return -1;
	for (i = 0; i < *n; i++)
		if (rb_str(rb, done[i], IPC_MEMBER_KEY_LEN + 1) == -1 ||
		    !member_key_valid(done[i]))
			return -1;
	return 0;
}

void
enc_deliver_progress(struct wbuf *wb, const struct msg_deliver_progress *m)
{
	wb_u32(wb, m->deliver_id);
	if (!member_key_valid(m->key))
		wb->err = 1;
	wb_str(wb, m->key);
}

int
dec_deliver_progress(struct rbuf *rb, struct msg_deliver_progress *m)
{
	rb_u32(rb, &m->deliver_id);
	rb_str(rb, m->key, sizeof(m->key));
	if (rb_end(rb) == -1 || ipc_check_deliver_progress(m) != NULL)
		return -1;
	return 0;
}

void
enc_deliver(struct wbuf *wb, const struct msg_deliver *m)
{
	ipc_enc_check("enc_deliver", ipc_check_deliver(m));
	wb_str(wb, m->qid);
	wb_u32(wb, m->rcpt_index);
	wb_u64(wb, m->content_len);
	wb_str(wb, m->sender);
	wb_str(wb, m->rcpt);
	enc_done(wb, m->ndone, m->done);
}

int
dec_deliver(struct rbuf *rb, struct msg_deliver *m)
{
	rb_str(rb, m->qid, sizeof(m->qid));
	rb_u32(rb, &m->rcpt_index);
	rb_u64(rb, &m->content_len);
	rb_str(rb, m->sender, sizeof(m->sender));
	rb_str(rb, m->rcpt, sizeof(m->rcpt));
	if (dec_done(rb, &m->ndone, m->done) == -1 ||
	    rb_end(rb) == -1 || ipc_check_deliver(m) != NULL)
		return -1;
	return 0;
}

/* Remote addresses to forward to: count, then each. */
static void
enc_remote(struct wbuf *wb, uint32_t n, const char (*remote)[IPC_ADDR_MAX])
{
	uint32_t i;

	wb_u32(wb, n);
	for (i = 0; i < n && i < IPC_REMOTE_MAX; i++)
		wb_str(wb, remote[i]);
}

static int
dec_remote(struct rbuf *rb, uint32_t *n, char (*remote)[IPC_ADDR_MAX])
{
	uint32_t i;

	if (rb_u32(rb, n) == -1 || *n > IPC_REMOTE_MAX)
		return -1;
	for (i = 0; i < *n; i++)
		if (rb_str(rb, remote[i], IPC_ADDR_MAX) == -1)
			return -1;
	return 0;
}

/* The members of an alias that failed for good: count, then each. */
static void
enc_failed(struct wbuf *wb, uint32_t n, const struct msg_failed *f)
{
	uint32_t i;

	wb_u32(wb, n);
	for (i = 0; i < n && i < IPC_FAILED_MAX; i++) {
		wb_str(wb, f[i].addr);
		wb_str(wb, f[i].dsn);
		wb_str(wb, f[i].text);
	}
}

static int
dec_failed(struct rbuf *rb, uint32_t *n, struct msg_failed *f)
{
	uint32_t i;

	if (rb_u32(rb, n) == -1 || *n > IPC_FAILED_MAX)
		return -1;
	for (i = 0; i < *n; i++)
		if (rb_str(rb, f[i].addr, sizeof(f[i].addr)) == -1 ||
		    rb_str(rb, f[i].dsn, sizeof(f[i].dsn)) == -1 ||
		    rb_str(rb, f[i].text, sizeof(f[i].text)) == -1)
			return -1;
	return ipc_check_failed(*n, f) == NULL ? 0 : -1;
}

void
enc_deliver_result(struct wbuf *wb, const struct msg_deliver_result *m)
{
	ipc_enc_check("enc_deliver_result", ipc_check_deliver_result(m));
	wb_u32(wb, m->status);
	wb_str(wb, m->dsn);
	wb_str(wb, m->text);
	wb_str(wb, m->owner);
	enc_failed(wb, m->nfailed, m->failed);
	enc_done(wb, m->ndone, m->done);
	enc_remote(wb, m->nremote, m->remote);
}

int
dec_deliver_result(struct rbuf *rb, struct msg_deliver_result *m)
{
	rb_u32(rb, &m->status);
	rb_str(rb, m->dsn, sizeof(m->dsn));
	rb_str(rb, m->text, sizeof(m->text));
	rb_str(rb, m->owner, sizeof(m->owner));
	if (dec_failed(rb, &m->nfailed, m->failed) == -1 ||
	    dec_done(rb, &m->ndone, m->done) == -1 ||
	    dec_remote(rb, &m->nremote, m->remote) == -1 ||
	    rb_end(rb) == -1 || ipc_check_deliver_result(m) != NULL)
		return -1;
	return 0;
}

void
enc_expand_ok(struct wbuf *wb, const struct msg_expand_ok *m)
{
	uint32_t i;

	ipc_enc_check("enc_expand_ok", ipc_check_expand_ok(m));
	wb_u32(wb, m->n);
	for (i = 0; i < m->n && i < IPC_EXPAND_MAX; i++) {
		wb_str(wb, m->users[i]);
		wb_str(wb, m->ext[i]);
	}
	wb_u32(wb, m->ntargets);
	for (i = 0; i < m->ntargets && i < IPC_TARGETS_MAX; i++) {
		wb_u32(wb, m->targets[i].kind);
		wb_u32(wb, m->targets[i].map);
		wb_str(wb, m->targets[i].name);
		wb_str(wb, m->targets[i].value);
	}
	enc_failed(wb, m->nfailed, m->failed);
	enc_remote(wb, m->nremote, m->remote);
}

int
dec_expand_ok(struct rbuf *rb, struct msg_expand_ok *m)
{
	uint32_t i;

	if (rb_u32(rb, &m->n) == -1 || m->n > IPC_EXPAND_MAX)
		return -1;
	for (i = 0; i < m->n; i++)
		if (rb_str(rb, m->users[i], sizeof(m->users[i])) == -1 ||
		    rb_str(rb, m->ext[i], sizeof(m->ext[i])) == -1)
			return -1;
	if (rb_u32(rb, &m->ntargets) == -1 ||
	    m->ntargets > IPC_TARGETS_MAX)
		return -1;
	for (i = 0; i < m->ntargets; i++) {
		struct msg_target *t = &m->targets[i];

		if (rb_u32(rb, &t->kind) == -1 || rb_u32(rb, &t->map) == -1 ||
		    rb_str(rb, t->name, sizeof(t->name)) == -1 ||
		    rb_str(rb, t->value, sizeof(t->value)) == -1)
			return -1;
	}
	if (dec_failed(rb, &m->nfailed, m->failed) == -1 ||
	    dec_remote(rb, &m->nremote, m->remote) == -1 ||
	    rb_end(rb) == -1 || ipc_check_expand_ok(m) != NULL)
		return -1;
	return 0;
}

void
enc_write_mail(struct wbuf *wb, const struct msg_write_mail *m)
{
	ipc_enc_check("enc_write_mail", ipc_check_write_mail(m));
	wb_str(wb, m->qid);
	wb_u64(wb, m->content_len);
	wb_str(wb, m->return_path);
	wb_str(wb, m->delivered_to);
	wb_str(wb, m->orig_rcpt);
	wb_u32(wb, m->rcpt_index);
}

int
dec_write_mail(struct rbuf *rb, struct msg_write_mail *m)
{
	rb_str(rb, m->qid, sizeof(m->qid));
	rb_u64(rb, &m->content_len);
	rb_str(rb, m->return_path, sizeof(m->return_path));
	rb_str(rb, m->delivered_to, sizeof(m->delivered_to));
	rb_str(rb, m->orig_rcpt, sizeof(m->orig_rcpt));
	rb_u32(rb, &m->rcpt_index);
	if (rb_end(rb) == -1 || ipc_check_write_mail(m) != NULL)
		return -1;
	return 0;
}

void
enc_forward_read(struct wbuf *wb, const struct msg_forward_read *m)
{
	ipc_enc_check("enc_forward_read", ipc_check_forward_read(m));
	wb_str(wb, m->suffix);
}

int
dec_forward_read(struct rbuf *rb, struct msg_forward_read *m)
{
	rb_str(rb, m->suffix, sizeof(m->suffix));
	if (rb_end(rb) == -1 || ipc_check_forward_read(m) != NULL)
		return -1;
	return 0;
}

void
enc_forward_data(struct wbuf *wb, const struct msg_forward_data *m)
{
	ipc_enc_check("enc_forward_data", ipc_check_forward_data(m));
	wb_u32(wb, m->status);
	wb_str(wb, m->reason);
	wb_str(wb, m->text);
}

int
dec_forward_data(struct rbuf *rb, struct msg_forward_data *m)
{
	rb_u32(rb, &m->status);
	rb_str(rb, m->reason, sizeof(m->reason));
	rb_str(rb, m->text, sizeof(m->text));
	if (rb_end(rb) == -1 || ipc_check_forward_data(m) != NULL)
		return -1;
	return 0;
}

void
enc_owner(struct wbuf *wb, const struct msg_owner *m)
{
	ipc_enc_check("enc_owner", ipc_check_owner(m));
	wb_str(wb, m->addr);
}

int
dec_owner(struct rbuf *rb, struct msg_owner *m)
{
	rb_str(rb, m->addr, sizeof(m->addr));
	if (rb_end(rb) == -1 || ipc_check_owner(m) != NULL)
		return -1;
	return 0;
}

void
enc_rcpt_check(struct wbuf *wb, const struct msg_rcpt_check *m)
{
	ipc_enc_check("enc_rcpt_check", ipc_check_rcpt_check(m));
	wb_str(wb, m->addr);
	wb_str(wb, m->client_addr);
	wb_u32(wb, m->trusted);
}

int
dec_rcpt_check(struct rbuf *rb, struct msg_rcpt_check *m)
{
	rb_str(rb, m->addr, sizeof(m->addr));
	rb_str(rb, m->client_addr, sizeof(m->client_addr));
	rb_u32(rb, &m->trusted);
	if (rb_end(rb) == -1 || ipc_check_rcpt_check(m) != NULL)
		return -1;
	return 0;
}

void
enc_uid(struct wbuf *wb, const struct msg_uid *m)
{
	ipc_enc_check("enc_uid", ipc_check_uid(m));
	wb_u32(wb, m->uid);
}

int
dec_uid(struct rbuf *rb, struct msg_uid *m)
{
	rb_u32(rb, &m->uid);
	if (rb_end(rb) == -1 || ipc_check_uid(m) != NULL)
		return -1;
	return 0;
}

void
enc_auth_check(struct wbuf *wb, const struct msg_auth_check *m)
{
	ipc_enc_check("enc_auth_check", ipc_check_auth_check(m));
	wb_u32(wb, m->mech);
	wb_u32(wb, m->flags);
	wb_str(wb, m->client_addr);
	wb_str(wb, m->authzid);
	wb_str(wb, m->user);
	wb_str(wb, m->password);
}

int
dec_auth_check(struct rbuf *rb, struct msg_auth_check *m)
{
	rb_u32(rb, &m->mech);
	rb_u32(rb, &m->flags);
	rb_str(rb, m->client_addr, sizeof(m->client_addr));
	rb_str(rb, m->authzid, sizeof(m->authzid));
	rb_str(rb, m->user, sizeof(m->user));
	rb_str(rb, m->password, sizeof(m->password));
	if (rb_end(rb) == -1 || ipc_check_auth_check(m) != NULL)
		return -1;
	return 0;
}

void
enc_login(struct wbuf *wb, const struct msg_login *m)
{
	ipc_enc_check("enc_login", ipc_check_login(m));
	wb_u32(wb, m->uid);
	wb_str(wb, m->name);
}

int
dec_login(struct rbuf *rb, struct msg_login *m)
{
	rb_u32(rb, &m->uid);
	rb_str(rb, m->name, sizeof(m->name));
	if (rb_end(rb) == -1 || ipc_check_login(m) != NULL)
		return -1;
	return 0;
}

void
enc_auth_verdict(struct wbuf *wb, const struct msg_auth_verdict *m)
{
	ipc_enc_check("enc_auth_verdict", ipc_check_auth_verdict(m));
	wb_u32(wb, m->verdict);
	wb_str(wb, m->user);
}

int
dec_auth_verdict(struct rbuf *rb, struct msg_auth_verdict *m)
{
	rb_u32(rb, &m->verdict);
	rb_str(rb, m->user, sizeof(m->user));
	if (rb_end(rb) == -1 || ipc_check_auth_verdict(m) != NULL)
		return -1;
	return 0;
}

/* This file's rows of the codec table (ipc_codec.h). */
IPC_CODEC_DEFINE(addr)
IPC_CODEC_DEFINE(rcpt_verdict)
IPC_CODEC_DEFINE(qid)
IPC_CODEC_DEFINE(rcpt)
IPC_CODEC_DEFINE(commit)
IPC_CODEC_DEFINE(deliver)
IPC_CODEC_DEFINE(deliver_result)
IPC_CODEC_DEFINE(expand_ok)
IPC_CODEC_DEFINE(write_mail)
IPC_CODEC_DEFINE(forward_read)
IPC_CODEC_DEFINE(forward_data)
IPC_CODEC_DEFINE(owner)
IPC_CODEC_DEFINE(rcpt_check)
IPC_CODEC_DEFINE(deliver_progress)
IPC_CODEC_DEFINE(uid)
IPC_CODEC_DEFINE(login)
IPC_CODEC_DEFINE(auth_check)
IPC_CODEC_DEFINE(auth_verdict)
