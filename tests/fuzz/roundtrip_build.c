/*
 * roundtrip_build.c: fuzz_ipc_roundtrip's builders: for each message a
 * valid template whose fields the input overwrites, and the table of them
 * in IPC_PAYLOADS order.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "privsep/codec.h"
#include "privsep/ipc_msgs.h"
#include "smtpd/dsn_param.h"
#include "smtpd/smtp_parse.h"

#include "tests/fuzz/roundtrip_input.h"

/* ---- one builder per message: template, then the input's changes ---- */

static void
b_log(struct src *s, struct msg_log *m)
{
	m->prio = 6;
	strlcpy(m->line, "a line", sizeof(m->line));
	f_u32(s, &m->prio, 7);
	f_str(s, m->line, sizeof(m->line));
}

static void
b_setup_peer(struct src *s, struct msg_setup_peer *m)
{
	m->role = ROLE_LOOKUP;
	f_u32(s, &m->role, ROLE_COUNT);
}

static void
b_peer_violation(struct src *s, struct msg_peer_violation *m)
{
	m->role = ROLE_QUEUE;
	strlcpy(m->reason, "bad payload", sizeof(m->reason));
	f_u32(s, &m->role, ROLE_COUNT);
	f_str(s, m->reason, sizeof(m->reason));
}

static void
b_error(struct src *s, struct msg_error *m)
{
	strlcpy(m->dsn, "4.3.0", sizeof(m->dsn));
	strlcpy(m->text, "temporary failure", sizeof(m->text));
	f_str(s, m->dsn, sizeof(m->dsn));
	f_str(s, m->text, sizeof(m->text));
}

static void
b_addr(struct src *s, struct msg_addr *m)
{
	strlcpy(m->addr, "alice@example.org", sizeof(m->addr));
	f_str(s, m->addr, sizeof(m->addr));
}

static void
b_rcpt_verdict(struct src *s, struct msg_rcpt_verdict *m)
{
	m->verdict = RCPT_OK;
	f_u32(s, &m->verdict, RCPT_VERDICT_MAX);
}

static void
b_qid(struct src *s, struct msg_qid *m)
{
	strlcpy(m->qid, QID, sizeof(m->qid));
	f_str(s, m->qid, sizeof(m->qid));
}

static void
b_rcpt(struct src *s, struct msg_rcpt *m)
{
	strlcpy(m->qid, QID, sizeof(m->qid));
	strlcpy(m->addr, "bob@example.org", sizeof(m->addr));
	strlcpy(m->orcpt, "rfc822;bob@example.org", sizeof(m->orcpt));
	m->notify = DSN_NOTIFY_FAILURE;
	f_str(s, m->qid, sizeof(m->qid));
	f_str(s, m->addr, sizeof(m->addr));
	f_u32(s, &m->notify, DSN_NOTIFY_MASK);
	f_str(s, m->orcpt, sizeof(m->orcpt));
}

static void
b_commit(struct src *s, struct msg_commit *m)
{
	strlcpy(m->qid, QID, sizeof(m->qid));
	strlcpy(m->sender, "a@remote.example", sizeof(m->sender));
	strlcpy(m->helo, "client.example", sizeof(m->helo));
	strlcpy(m->client_addr, "192.0.2.1", sizeof(m->client_addr));
	strlcpy(m->client_name, "unknown", sizeof(m->client_name));
	strlcpy(m->envid, "id-1", sizeof(m->envid));
	m->size = 100;
	f_str(s, m->qid, sizeof(m->qid));
	f_u64(s, &m->size);
	f_str(s, m->sender, sizeof(m->sender));
	f_str(s, m->helo, sizeof(m->helo));
	f_str(s, m->client_addr, sizeof(m->client_addr));
	f_str(s, m->client_name, sizeof(m->client_name));
	f_u32(s, &m->ret, DSN_RET_MAX);
	f_str(s, m->envid, sizeof(m->envid));
	f_u32(s, &m->flags, MSG_FLAG_MASK);
}

static void
b_deliver(struct src *s, struct msg_deliver *m)
{
	strlcpy(m->qid, QID, sizeof(m->qid));
	strlcpy(m->sender, "a@remote.example", sizeof(m->sender));
	strlcpy(m->rcpt, "bob@example.org", sizeof(m->rcpt));
	f_str(s, m->qid, sizeof(m->qid));
	f_u32(s, &m->rcpt_index, 1000);
	f_u64(s, &m->content_len);
	f_str(s, m->sender, sizeof(m->sender));
	f_str(s, m->rcpt, sizeof(m->rcpt));
}

static void
b_failed(struct src *s, uint32_t *n, struct msg_failed *f)
{
	uint32_t i;

	f_u32(s, n, IPC_FAILED_MAX);
	for (i = 0; i < IPC_FAILED_MAX; i++) {
		strlcpy(f[i].addr, "nobody@example.org", sizeof(f[i].addr));
		strlcpy(f[i].dsn, "5.1.1", sizeof(f[i].dsn));
		strlcpy(f[i].text, "unknown user", sizeof(f[i].text));
		if (i < *n) {
			f_str(s, f[i].addr, sizeof(f[i].addr));
			f_str(s, f[i].dsn, sizeof(f[i].dsn));
			f_str(s, f[i].text, sizeof(f[i].text));
		}
	}
}

/* Remote addresses to forward to. */
static void
b_remote(struct src *s, uint32_t *n, char (*remote)[IPC_ADDR_MAX])
{
	uint32_t i;

	f_u32(s, n, IPC_REMOTE_MAX);
	for (i = 0; i < *n && i < IPC_REMOTE_MAX; i++) {
		strlcpy(remote[i], "bob@remote.example", IPC_ADDR_MAX);
		f_str(s, remote[i], IPC_ADDR_MAX);
	}
}

static void
b_deliver_result(struct src *s, struct msg_deliver_result *m)
{
	strlcpy(m->dsn, "2.0.0", sizeof(m->dsn));
	strlcpy(m->text, "delivered to mailbox", sizeof(m->text));
	f_u32(s, &m->status, DELIVER_STATUS_MAX);
	f_str(s, m->dsn, sizeof(m->dsn));
	f_str(s, m->text, sizeof(m->text));
	f_str(s, m->owner, sizeof(m->owner));
	b_failed(s, &m->nfailed, m->failed);
	b_remote(s, &m->nremote, m->remote);
}

static void
b_expand_ok(struct src *s, struct msg_expand_ok *m)
{
	uint32_t i;

	m->n = 1;
	f_u32(s, &m->n, 8);
	for (i = 0; i < m->n && i < IPC_EXPAND_MAX; i++) {
		strlcpy(m->users[i], "alice", sizeof(m->users[i]));
		f_str(s, m->users[i], sizeof(m->users[i]));
	}
	f_u32(s, &m->ntargets, IPC_TARGETS_MAX);
	for (i = 0; i < m->ntargets && i < IPC_TARGETS_MAX; i++) {
		m->targets[i].kind = RUNNER_COMMAND;
		strlcpy(m->targets[i].name, "list", sizeof(m->targets[i].name));
		strlcpy(m->targets[i].value, "/usr/bin/true",
		    sizeof(m->targets[i].value));
		f_u32(s, &m->targets[i].kind, RUNNER_KIND_MAX);
		f_u32(s, &m->targets[i].map, IPC_MAPS_MAX);
		f_str(s, m->targets[i].name, sizeof(m->targets[i].name));
		f_str(s, m->targets[i].value, sizeof(m->targets[i].value));
	}
	b_failed(s, &m->nfailed, m->failed);
	b_remote(s, &m->nremote, m->remote);
}

static void
b_writer_open(struct src *s, struct msg_writer_open *m)
{
	strlcpy(m->user, "alice", sizeof(m->user));
	f_str(s, m->user, sizeof(m->user));
}

static void
b_write_mail(struct src *s, struct msg_write_mail *m)
{
	strlcpy(m->qid, QID, sizeof(m->qid));
	strlcpy(m->return_path, "a@remote.example", sizeof(m->return_path));
	strlcpy(m->delivered_to, "alice@example.org",
	    sizeof(m->delivered_to));
	f_str(s, m->qid, sizeof(m->qid));
	f_u64(s, &m->content_len);
	f_str(s, m->return_path, sizeof(m->return_path));
	f_str(s, m->delivered_to, sizeof(m->delivered_to));
}

static void
b_forward_read(struct src *s, struct msg_forward_read *m)
{
	strlcpy(m->suffix, "+news", sizeof(m->suffix));
	f_str(s, m->suffix, sizeof(m->suffix));
}

static void
b_forward_data(struct src *s, struct msg_forward_data *m)
{
	m->status = FORWARD_FOUND;
	strlcpy(m->text, "alice\n|/usr/bin/true\n", sizeof(m->text));
	f_u32(s, &m->status, FORWARD_STATUS_MAX);
	f_str(s, m->reason, sizeof(m->reason));
	f_str(s, m->text, sizeof(m->text));
}

static void
b_owner(struct src *s, struct msg_owner *m)
{
	strlcpy(m->addr, "owner-list@example.org", sizeof(m->addr));
	f_str(s, m->addr, sizeof(m->addr));
}

static void
b_rcpt_check(struct src *s, struct msg_rcpt_check *m)
{
	strlcpy(m->addr, "alice@example.org", sizeof(m->addr));
	strlcpy(m->client_addr, "2001:db8::1", sizeof(m->client_addr));
	f_str(s, m->addr, sizeof(m->addr));
	f_str(s, m->client_addr, sizeof(m->client_addr));
	f_u32(s, &m->trusted, 2);
}

static void
b_runner_open(struct src *s, struct msg_runner_open *m)
{
	uint32_t i;

	m->source = RUNNER_ALIAS;
	m->kind = RUNNER_COMMAND;
	strlcpy(m->name, "list", sizeof(m->name));
	strlcpy(m->value, "/usr/bin/true", sizeof(m->value));
	f_u32(s, &m->source, RUNNER_SOURCE_MAX);
	f_u32(s, &m->kind, RUNNER_KIND_MAX);
	f_u32(s, &m->map, IPC_MAPS_MAX);
	f_str(s, m->name, sizeof(m->name));
	f_str(s, m->suffix, sizeof(m->suffix));
	f_str(s, m->value, sizeof(m->value));
	f_u32(s, &m->depth, IPC_INCLUDE_DEPTH);
	for (i = 0; i < m->depth && i < IPC_INCLUDE_DEPTH; i++) {
		strlcpy(m->chain[i], "/etc/mail/list", sizeof(m->chain[i]));
		f_str(s, m->chain[i], sizeof(m->chain[i]));
	}
}

static void
b_deliver_progress(struct src *s, struct msg_deliver_progress *m)
{
	m->deliver_id = 1;
	strlcpy(m->key, "0123456789abcdef0123456789abcdef", sizeof(m->key));
	f_u32(s, &m->deliver_id, 8);
	f_str(s, m->key, sizeof(m->key));
}

static void
b_admin_entry(struct src *s, struct msg_admin_entry *m)
{
	m->queue = ADMIN_Q_DEFERRED;
	strlcpy(m->qid, QID, sizeof(m->qid));
	m->arrival = 1764720000;
	m->size = 4096;
	strlcpy(m->sender, "s@remote.example", sizeof(m->sender));
	f_u32(s, &m->queue, ADMIN_Q_MAX);
	f_str(s, m->qid, sizeof(m->qid));
	f_u64(s, &m->arrival);
	f_u64(s, &m->size);
	f_str(s, m->sender, sizeof(m->sender));
}

static void
b_admin_rcpt(struct src *s, struct msg_admin_rcpt *m)
{
	strlcpy(m->addr, "alice@example.org", sizeof(m->addr));
	strlcpy(m->reason, "connection refused", sizeof(m->reason));
	f_str(s, m->addr, sizeof(m->addr));
	f_str(s, m->reason, sizeof(m->reason));
}

static void
b_admin_change(struct src *s, struct msg_admin_change *m)
{
	m->op = ADMIN_HOLD;
	strlcpy(m->id, QID, sizeof(m->id));
	f_u32(s, &m->op, ADMIN_OP_MAX);
	f_str(s, m->id, sizeof(m->id));
}

static void
b_admin_done(struct src *s, struct msg_admin_done *m)
{
	m->n = 1;
	f_u32(s, &m->n, 1000);
}

/* Raw octets, NUL too: the contents of a queue file. */
static void
b_admin_text(struct src *s, struct msg_admin_text *m)
{
	m->len = 6;
	memcpy(m->data, "line\r\n", 6);
	f_u32(s, &m->len, IPC_ADMIN_TEXT_MAX);
	if (m->len <= IPC_ADMIN_TEXT_MAX && s->n > 0) {
		size_t n = s->n < m->len ? s->n : m->len;

		memcpy(m->data, s->p, n);
		s->p += n;
		s->n -= n;
	}
}

static void
b_uid(struct src *s, struct msg_uid *m)
{
	m->uid = 1000;
	f_u32(s, &m->uid, 70000);
}

static void
b_login(struct src *s, struct msg_login *m)
{
	m->uid = 1000;
	strlcpy(m->name, "alice", sizeof(m->name));
	f_u32(s, &m->uid, 70000);
	f_str(s, m->name, sizeof(m->name));
}

static void	f_octets(struct src *, uint32_t *, uint8_t *, uint32_t);

/* A TLSA record of relay's (DANE-EE, SPKI, SHA-256) for host hop. */
static void
b_tlsa(struct src *s, struct msg_relay_tlsa *t, uint32_t hop)
{
	t->hop = hop;
	t->usage = 3;
	t->selector = 1;
	t->mtype = 1;
	t->len = 32;
	memset(t->data, 0x5a, 32);
	f_u32(s, &t->hop, IPC_RELAY_HOPS_MAX);
	f_u32(s, &t->usage, 4);
	f_u32(s, &t->selector, 2);
	f_u32(s, &t->mtype, 3);
	f_octets(s, &t->len, t->data, IPC_TLSA_DATA_MAX);
}

/* The TLS policy, DANE's records and the SASL credentials. */
static void
b_relay_tls(struct src *s, struct msg_relay *m)
{
	uint32_t i;

	m->tls_level = 5;
	strlcpy(m->tls_match, "example.org .example.org",
	    sizeof(m->tls_match));
	m->ntlsa = 1;
	strlcpy(m->sasl_user, "alice", sizeof(m->sasl_user));
	strlcpy(m->sasl_pass, "pass word", sizeof(m->sasl_pass));
	f_u32(s, &m->tls_level, 7);
	f_str(s, m->tls_match, sizeof(m->tls_match));
	f_u32(s, &m->ntlsa, IPC_TLSA_MAX);
	for (i = 0; i < m->ntlsa && i < IPC_TLSA_MAX; i++)
		b_tlsa(s, &m->tlsa[i], 0);
	f_str(s, m->sasl_user, sizeof(m->sasl_user));
	f_str(s, m->sasl_pass, sizeof(m->sasl_pass));
}

static void
b_relay(struct src *s, struct msg_relay *m)
{
	uint32_t i;

	strlcpy(m->qid, QID, sizeof(m->qid));
	m->content_len = 1234;
	strlcpy(m->sender, "alice@test.example", sizeof(m->sender));
	m->flags = MSG_FLAG_8BITMIME;
	m->ret = DSN_RET_HDRS;
	strlcpy(m->envid, "env1", sizeof(m->envid));
	m->nrcpt = 2;
	m->nhops = 1;
	f_str(s, m->qid, sizeof(m->qid));
	f_u64(s, &m->content_len);
	f_str(s, m->sender, sizeof(m->sender));
	f_u32(s, &m->flags, MSG_FLAG_RELAY);
	f_u32(s, &m->ret, DSN_RET_MAX);
	f_str(s, m->envid, sizeof(m->envid));
	f_u32(s, &m->nrcpt, IPC_RELAY_RCPT_MAX);
	for (i = 0; i < m->nrcpt && i < IPC_RELAY_RCPT_MAX; i++) {
		strlcpy(m->rcpt[i].addr, "bob@remote.example",
		    sizeof(m->rcpt[i].addr));
		m->rcpt[i].notify = DSN_NOTIFY_FAILURE;
		strlcpy(m->rcpt[i].orcpt, "rfc822;bob@remote.example",
		    sizeof(m->rcpt[i].orcpt));
		f_str(s, m->rcpt[i].addr, sizeof(m->rcpt[i].addr));
		f_u32(s, &m->rcpt[i].notify, DSN_NOTIFY_MASK);
		f_str(s, m->rcpt[i].orcpt, sizeof(m->rcpt[i].orcpt));
	}
	f_u32(s, &m->nhops, IPC_RELAY_HOPS_MAX);
	for (i = 0; i < m->nhops && i < IPC_RELAY_HOPS_MAX; i++) {
		strlcpy(m->hops[i].name, "mx.remote.example",
		    sizeof(m->hops[i].name));
		strlcpy(m->hops[i].addr, "192.0.2.25",
		    sizeof(m->hops[i].addr));
		m->hops[i].port = 25;
		f_str(s, m->hops[i].name, sizeof(m->hops[i].name));
		f_str(s, m->hops[i].addr, sizeof(m->hops[i].addr));
		f_u32(s, &m->hops[i].port, 65536);
		f_u32(s, &m->hops[i].flags, 4);
	}
	b_relay_tls(s, m);
}

/* Raw octets into data[len], len up to max (the key oracle's). */
static void
f_octets(struct src *s, uint32_t *len, uint8_t *data, uint32_t max)
{
	f_u32(s, len, max);
	if (*len <= max && s->n > 0) {
		size_t n = s->n < *len ? s->n : *len;

		memcpy(data, s->p, n);
		s->p += n;
		s->n -= n;
	}
}

static void
b_relay_result(struct src *s, struct msg_relay_result *m)
{
	static const char *const dsn[] = { "2.0.0", "4.4.1", "5.1.1" };
	uint32_t i;

	strlcpy(m->relay, "mx.remote.example[192.0.2.25]:25",
	    sizeof(m->relay));
	m->conn_ms = 3;
	m->xfer_ms = 7;
	m->nrcpt = 1;
	f_str(s, m->relay, sizeof(m->relay));
	f_u32(s, &m->conn_ms, 1000);
	f_u32(s, &m->xfer_ms, 1000);
	f_u32(s, &m->nrcpt, IPC_RELAY_RCPT_MAX);
	for (i = 0; i < m->nrcpt && i < IPC_RELAY_RCPT_MAX; i++) {
		m->v[i].status = i % DELIVER_STATUS_MAX;
		strlcpy(m->v[i].dsn, dsn[m->v[i].status],
		    sizeof(m->v[i].dsn));
		strlcpy(m->v[i].text, "250 2.0.0 Ok", sizeof(m->v[i].text));
		f_u32(s, &m->v[i].status, DELIVER_STATUS_MAX);
		f_str(s, m->v[i].dsn, sizeof(m->v[i].dsn));
		f_str(s, m->v[i].text, sizeof(m->v[i].text));
	}
}

static void
b_auth_check(struct src *s, struct msg_auth_check *m)
{
	m->mech = AUTH_MECH_PLAIN;
	strlcpy(m->client_addr, "192.0.2.1", sizeof(m->client_addr));
	strlcpy(m->user, "alice", sizeof(m->user));
	strlcpy(m->password, "secret", sizeof(m->password));
	f_u32(s, &m->mech, AUTH_MECH_MAX);
	f_u32(s, &m->flags, AUTH_FLAG_MASK + 1);
	f_str(s, m->client_addr, sizeof(m->client_addr));
	f_str(s, m->authzid, sizeof(m->authzid));
	f_str(s, m->user, sizeof(m->user));
	f_str(s, m->password, sizeof(m->password));
}

static void
b_auth_verdict(struct src *s, struct msg_auth_verdict *m)
{
	m->verdict = AUTH_OK;
	strlcpy(m->user, "alice", sizeof(m->user));
	f_u32(s, &m->verdict, AUTH_VERDICT_MAX);
	f_str(s, m->user, sizeof(m->user));
}

static void
b_key_sign(struct src *s, struct msg_key_sign *m)
{
	m->key = 0;
	m->op = KEY_OP_ECDSA;
	m->len = 32;
	memset(m->data, 0xa5, 32);
	f_u32(s, &m->key, IPC_KEYS_MAX);
	f_u32(s, &m->op, KEY_OP_MAX);
	f_octets(s, &m->len, m->data, IPC_KEY_DATA_MAX);
}

static void
b_key_sig(struct src *s, struct msg_key_sig *m)
{
	m->len = 70;
	memset(m->data, 0x30, 70);
	f_octets(s, &m->len, m->data, IPC_KEY_DATA_MAX);
}

static void
b_dns_query(struct src *s, struct msg_dns_query *m)
{
	strlcpy(m->domain, "remote.example", sizeof(m->domain));
	f_str(s, m->domain, sizeof(m->domain));
	f_u32(s, &m->flags, DNS_QUERY_NOMX + 1);
	strlcpy(m->self, "mx.example", sizeof(m->self));
	f_str(s, m->self, sizeof(m->self));
}

static void
b_dns_answer(struct src *s, struct msg_dns_answer *m)
{
	uint32_t i;

	m->status = DNS_OK;
	m->nhops = 1;
	f_u32(s, &m->status, DNS_STATUS_MAX);
	f_u32(s, &m->secure, 2);
	f_str(s, m->text, sizeof(m->text));
	f_u32(s, &m->nhops, IPC_RELAY_HOPS_MAX);
	for (i = 0; i < m->nhops && i < IPC_RELAY_HOPS_MAX; i++) {
		strlcpy(m->hops[i].name, "mx.remote.example",
		    sizeof(m->hops[i].name));
		strlcpy(m->hops[i].addr, "127.0.0.2",
		    sizeof(m->hops[i].addr));
		m->hops[i].port = 25;
		f_str(s, m->hops[i].name, sizeof(m->hops[i].name));
		f_str(s, m->hops[i].addr, sizeof(m->hops[i].addr));
		f_u32(s, &m->hops[i].port, 65536);
		f_u32(s, &m->hops[i].flags, 4);
	}
}

static void
b_dns_tlsa_query(struct src *s, struct msg_dns_tlsa_query *m)
{
	uint32_t i;

	m->port = 25;
	m->nhosts = 2;
	f_u32(s, &m->port, 65536);
	f_u32(s, &m->nhosts, IPC_RELAY_HOPS_MAX);
	for (i = 0; i < m->nhosts && i < IPC_RELAY_HOPS_MAX; i++) {
		strlcpy(m->hosts[i], "mx.remote.example",
		    sizeof(m->hosts[i]));
		f_str(s, m->hosts[i], sizeof(m->hosts[i]));
	}
}

static void
b_dns_tlsa_answer(struct src *s, struct msg_dns_tlsa_answer *m)
{
	uint32_t i;

	m->nhosts = 2;
	m->state[0] = TLSA_FOUND;
	m->state[1] = TLSA_FAILED;
	m->nrec = 1;
	f_u32(s, &m->nhosts, IPC_RELAY_HOPS_MAX);
	for (i = 0; i < m->nhosts && i < IPC_RELAY_HOPS_MAX; i++)
		f_u32(s, &m->state[i], TLSA_STATE_MAX);
	f_u32(s, &m->nrec, IPC_TLSA_MAX);
	for (i = 0; i < m->nrec && i < IPC_TLSA_MAX; i++)
		b_tlsa(s, &m->rec[i], 0);
}

static void
b_sasl_lookup(struct src *s, struct msg_sasl_lookup *m)
{
	strlcpy(m->dest, "[192.0.2.25]:587", sizeof(m->dest));
	f_str(s, m->dest, sizeof(m->dest));
}

static void
b_sasl_creds(struct src *s, struct msg_sasl_creds *m)
{
	m->found = 1;
	strlcpy(m->user, "alice", sizeof(m->user));
	strlcpy(m->pass, "pass word", sizeof(m->pass));
	f_u32(s, &m->found, 2);
	f_str(s, m->user, sizeof(m->user));
	f_str(s, m->pass, sizeof(m->pass));
}

static void
b_auth_mechs(struct src *s, struct msg_auth_mechs *m)
{
	m->mechs = AUTH_MECHS_ALL;
	f_u32(s, &m->mechs, AUTH_MECHS_ALL + 1);
}

static void
b_auth_step(struct src *s, struct msg_auth_step *m)
{
	m->xid = 7;
	m->op = AUTH_STEP_START;
	m->mech = AUTH_MECH_SCRAM_SHA256;
	strlcpy(m->client_addr, "192.0.2.1", sizeof(m->client_addr));
	m->len = 15;
	memcpy(m->data, "n,,n=user,r=abc", 15);
	f_u32(s, &m->xid, 8);
	f_u32(s, &m->op, AUTH_STEP_OP_MAX);
	f_u32(s, &m->mech, AUTH_MECH_MAX);
	f_u32(s, &m->flags, AUTH_FLAG_MASK + 1);
	f_str(s, m->client_addr, sizeof(m->client_addr));
	f_octets(s, &m->len, m->data, IPC_AUTH_DATA_MAX);
}

static void
b_auth_step_reply(struct src *s, struct msg_auth_step_reply *m)
{
	m->verdict = AUTH_CONTINUE;
	m->len = 9;
	memcpy(m->data, "r=abc,i=1", 9);
	f_u32(s, &m->verdict, AUTH_CONTINUE);
	f_str(s, m->user, sizeof(m->user));
	f_octets(s, &m->len, m->data, IPC_AUTH_DATA_MAX);
}

static void
b_auth_abort(struct src *s, struct msg_auth_abort *m)
{
	m->xid = 7;
	f_u32(s, &m->xid, 8);
}

#define DEF(name)							\
static void								\
B_##name(struct src *s, void *m)					\
{									\
	b_##name(s, (struct msg_##name *)m);				\
}
IPC_PAYLOADS(DEF)
#undef DEF

const struct msgdef msgs[IPC_PAYLOAD_COUNT] = {
#define M(name)	[IPC_PAYLOAD_##name] = { B_##name },
	IPC_PAYLOADS(M)
#undef M
};
