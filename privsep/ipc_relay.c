/*
 * ipc_relay.c: the payloads of outbound mail, queue to relay (a
 * transaction and its verdicts) and queue to dns (an MX lookup and its
 * next hops); their validators are in ipc_check.c, beside every other
 * message's (see ipc_msgs.h: a decoder ends with the validator, an
 * encoder starts with it).  SASL credentials, which master answers,
 * are in ipc_master.c.
 */
#include <stdint.h>

#include "privsep/codec.h"
#include "privsep/ipc_codec.h"
#include "privsep/ipc_msgs.h"

/* A next hop, in IPC_RELAY and in IPC_DNS_MX_RESULT. */
static void
enc_hop(struct wbuf *wb, const struct msg_relay_hop *h)
{
	wb_str(wb, h->name);
	wb_str(wb, h->addr);
	wb_u32(wb, h->port);
	wb_u32(wb, h->flags);
}

static void
dec_hop(struct rbuf *rb, struct msg_relay_hop *h)
{
	rb_str(rb, h->name, sizeof(h->name));
	rb_str(rb, h->addr, sizeof(h->addr));
	rb_u32(rb, &h->port);
	rb_u32(rb, &h->flags);
}

void
enc_relay(struct wbuf *wb, const struct msg_relay *m)
{
	uint32_t i;

	ipc_enc_check("enc_relay", ipc_check_relay(m));
	wb_str(wb, m->qid);
	wb_u64(wb, m->content_len);
	wb_str(wb, m->sender);
	wb_u32(wb, m->flags);
	wb_u32(wb, m->ret);
	wb_str(wb, m->envid);
	wb_u32(wb, m->nrcpt);
	for (i = 0; i < m->nrcpt && i < IPC_RELAY_RCPT_MAX; i++) {
		wb_str(wb, m->rcpt[i].addr);
		wb_u32(wb, m->rcpt[i].notify);
		wb_str(wb, m->rcpt[i].orcpt);
	}
	wb_u32(wb, m->nhops);
	for (i = 0; i < m->nhops && i < IPC_RELAY_HOPS_MAX; i++)
		enc_hop(wb, &m->hops[i]);
	wb_u32(wb, m->tls_level);
	wb_str(wb, m->tls_match);
	wb_u32(wb, m->ntlsa);
	for (i = 0; i < m->ntlsa && i < IPC_TLSA_MAX; i++) {
		wb_u32(wb, m->tlsa[i].hop);
		wb_u32(wb, m->tlsa[i].usage);
		wb_u32(wb, m->tlsa[i].selector);
		wb_u32(wb, m->tlsa[i].mtype);
		wb_blob(wb, m->tlsa[i].data, m->tlsa[i].len);
	}
	wb_str(wb, m->sasl_user);
	wb_str(wb, m->sasl_pass);
}

int
dec_relay(struct rbuf *rb, struct msg_relay *m)
{
	uint32_t i;

	rb_str(rb, m->qid, sizeof(m->qid));
	rb_u64(rb, &m->content_len);
	rb_str(rb, m->sender, sizeof(m->sender));
	rb_u32(rb, &m->flags);
	rb_u32(rb, &m->ret);
	rb_str(rb, m->envid, sizeof(m->envid));
	if (rb_u32(rb, &m->nrcpt) == -1 || m->nrcpt > IPC_RELAY_RCPT_MAX)
		return -1;
	for (i = 0; i < m->nrcpt; i++) {
		rb_str(rb, m->rcpt[i].addr, sizeof(m->rcpt[i].addr));
		rb_u32(rb, &m->rcpt[i].notify);
		rb_str(rb, m->rcpt[i].orcpt, sizeof(m->rcpt[i].orcpt));
	}
	if (rb_u32(rb, &m->nhops) == -1 || m->nhops > IPC_RELAY_HOPS_MAX)
		return -1;
	for (i = 0; i < m->nhops; i++)
		dec_hop(rb, &m->hops[i]);
	rb_u32(rb, &m->tls_level);
	rb_str(rb, m->tls_match, sizeof(m->tls_match));
	if (rb_u32(rb, &m->ntlsa) == -1 || m->ntlsa > IPC_TLSA_MAX)
		return -1;
	for (i = 0; i < m->ntlsa; i++) {
		size_t len = 0;

		rb_u32(rb, &m->tlsa[i].hop);
		rb_u32(rb, &m->tlsa[i].usage);
		rb_u32(rb, &m->tlsa[i].selector);
		rb_u32(rb, &m->tlsa[i].mtype);
		if (rb_blob(rb, m->tlsa[i].data, sizeof(m->tlsa[i].data),
		    &len) == -1)
			return -1;
		m->tlsa[i].len = (uint32_t)len;
	}
	rb_str(rb, m->sasl_user, sizeof(m->sasl_user));
	rb_str(rb, m->sasl_pass, sizeof(m->sasl_pass));
	if (rb_end(rb) == -1 || ipc_check_relay(m) != NULL)
		return -1;
	return 0;
}

void
enc_relay_result(struct wbuf *wb, const struct msg_relay_result *m)
{
	uint32_t i;

	ipc_enc_check("enc_relay_result", ipc_check_relay_result(m));
	wb_str(wb, m->relay);
	wb_u32(wb, m->conn_ms);
	wb_u32(wb, m->xfer_ms);
	wb_u32(wb, m->nrcpt);
	for (i = 0; i < m->nrcpt && i < IPC_RELAY_RCPT_MAX; i++) {
		wb_u32(wb, m->v[i].status);
		wb_str(wb, m->v[i].dsn);
		wb_str(wb, m->v[i].text);
	}
}

int
dec_relay_result(struct rbuf *rb, struct msg_relay_result *m)
{
	uint32_t i;

	rb_str(rb, m->relay, sizeof(m->relay));
	rb_u32(rb, &m->conn_ms);
	rb_u32(rb, &m->xfer_ms);
	if (rb_u32(rb, &m->nrcpt) == -1 || m->nrcpt > IPC_RELAY_RCPT_MAX)
		return -1;
	for (i = 0; i < m->nrcpt; i++) {
		rb_u32(rb, &m->v[i].status);
		rb_str(rb, m->v[i].dsn, sizeof(m->v[i].dsn));
		rb_str(rb, m->v[i].text, sizeof(m->v[i].text));
	}
	if (rb_end(rb) == -1 || ipc_check_relay_result(m) != NULL)
		return -1;
	return 0;
}

void
enc_dns_query(struct wbuf *wb, const struct msg_dns_query *m)
{
	ipc_enc_check("enc_dns_query", ipc_check_dns_query(m));
	wb_str(wb, m->domain);
	wb_u32(wb, m->flags);
	wb_str(wb, m->self);
}

int
dec_dns_query(struct rbuf *rb, struct msg_dns_query *m)
{
	rb_str(rb, m->domain, sizeof(m->domain));
	rb_u32(rb, &m->flags);
	rb_str(rb, m->self, sizeof(m->self));
	if (rb_end(rb) == -1 || ipc_check_dns_query(m) != NULL)
		return -1;
	return 0;
}

void
enc_dns_answer(struct wbuf *wb, const struct msg_dns_answer *m)
{
	uint32_t i;

	ipc_enc_check("enc_dns_answer", ipc_check_dns_answer(m));
	wb_u32(wb, m->status);
	wb_u32(wb, m->secure);
	wb_str(wb, m->text);
	wb_u32(wb, m->nhops);
	for (i = 0; i < m->nhops && i < IPC_RELAY_HOPS_MAX; i++)
		enc_hop(wb, &m->hops[i]);
}

int
dec_dns_answer(struct rbuf *rb, struct msg_dns_answer *m)
{
	uint32_t i;

	rb_u32(rb, &m->status);
	rb_u32(rb, &m->secure);
	rb_str(rb, m->text, sizeof(m->text));
	if (rb_u32(rb, &m->nhops) == -1 || m->nhops > IPC_RELAY_HOPS_MAX)
		return -1;
	for (i = 0; i < m->nhops; i++)
		dec_hop(rb, &m->hops[i]);
	if (rb_end(rb) == -1 || ipc_check_dns_answer(m) != NULL)
		return -1;
	return 0;
}

void
enc_dns_tlsa_query(struct wbuf *wb, const struct msg_dns_tlsa_query *m)
{
	uint32_t i;

	ipc_enc_check("enc_dns_tlsa_query", ipc_check_dns_tlsa_query(m));
	wb_u32(wb, m->port);
	wb_u32(wb, m->nhosts);
	for (i = 0; i < m->nhosts && i < IPC_RELAY_HOPS_MAX; i++)
		wb_str(wb, m->hosts[i]);
}

int
dec_dns_tlsa_query(struct rbuf *rb, struct msg_dns_tlsa_query *m)
{
	uint32_t i;

	if (rb_u32(rb, &m->port) == -1 || rb_u32(rb, &m->nhosts) == -1 ||
	    m->nhosts > IPC_RELAY_HOPS_MAX)
		return -1;
	for (i = 0; i < m->nhosts; i++)
		rb_str(rb, m->hosts[i], sizeof(m->hosts[i]));
	if (rb_end(rb) == -1 || ipc_check_dns_tlsa_query(m) != NULL)
		return -1;
	return 0;
}

void
enc_dns_tlsa_answer(struct wbuf *wb, const struct msg_dns_tlsa_answer *m)
{
	uint32_t i;

	ipc_enc_check("enc_dns_tlsa_answer", ipc_check_dns_tlsa_answer(m));
	wb_u32(wb, m->nhosts);
	for (i = 0; i < m->nhosts && i < IPC_RELAY_HOPS_MAX; i++)
		wb_u32(wb, m->state[i]);
	wb_u32(wb, m->nrec);
	for (i = 0; i < m->nrec && i < IPC_TLSA_MAX; i++) {
		wb_u32(wb, m->rec[i].hop);
		wb_u32(wb, m->rec[i].usage);
		wb_u32(wb, m->rec[i].selector);
		wb_u32(wb, m->rec[i].mtype);
		wb_blob(wb, m->rec[i].data, m->rec[i].len);
	}
}

int
dec_dns_tlsa_answer(struct rbuf *rb, struct msg_dns_tlsa_answer *m)
{
	uint32_t	i;
	size_t		len;

	if (rb_u32(rb, &m->nhosts) == -1 || m->nhosts > IPC_RELAY_HOPS_MAX)
		return -1;
	for (i = 0; i < m->nhosts; i++)
		rb_u32(rb, &m->state[i]);
	if (rb_u32(rb, &m->nrec) == -1 || m->nrec > IPC_TLSA_MAX)
		return -1;
	for (i = 0; i < m->nrec; i++) {
		rb_u32(rb, &m->rec[i].hop);
		rb_u32(rb, &m->rec[i].usage);
		rb_u32(rb, &m->rec[i].selector);
		rb_u32(rb, &m->rec[i].mtype);
		if (rb_blob(rb, m->rec[i].data, sizeof(m->rec[i].data),
		    &len) == -1)
			return -1;
		m->rec[i].len = (uint32_t)len;
	}
	if (rb_end(rb) == -1 || ipc_check_dns_tlsa_answer(m) != NULL)
		return -1;
	return 0;
}

/* This file's rows of the codec table (ipc_codec.h). */
IPC_CODEC_DEFINE(relay)
IPC_CODEC_DEFINE(relay_result)
IPC_CODEC_DEFINE(dns_query)
IPC_CODEC_DEFINE(dns_answer)
IPC_CODEC_DEFINE(dns_tlsa_query)
IPC_CODEC_DEFINE(dns_tlsa_answer)
