/*
 * ipc_check.c: one validator per message, shared by sender and receiver
 * (those of master's messages are in ipc_master.c, beside their codecs).
 *
 * Every decoder in ipc_msgs.c ends with the ipc_check_*() of its message,
 * and every encoder starts with it; a sender whose values come from
 * outside (a client, a user's file, a command's output) calls it before
 * encoding and handles a refusal where the value arose: a reply to the
 * client, a bounce, a log line.  So what an honest sender sends, the
 * receiver accepts; a decode failure, which gets the sender killed, is
 * left for what only a compromised process sends.  The field validators
 * (ipc_valid_*) are one per field type; tests/fuzz/fuzz_ipc_roundtrip.c
 * checks that whatever passes here survives encode and decode unchanged.
 *
 * Each returns NULL when the message may be sent, else a static reason.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/rfc5321.h"
#include "privsep/ipc_msgs.h"
#include "relay/tls_level.h"

/* A field of a string type: "" is allowed where nonempty is 0. */
static int
text_ok(const char *s, int nonempty)
{
	return (!nonempty || s[0] != '\0') && ipc_valid_text(s);
}

/* An envelope address as queue and lookup take it: text, no blank. */
static int
mailbox_ok(const char *s)
{
	return text_ok(s, 1) && strchr(s, ' ') == NULL;
}

int
ipc_valid_client_addr(const char *s)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

int
ipc_valid_notify(uint32_t n)
{
	return (n & ~DSN_NOTIFY_MASK) == 0 &&
	    (!(n & DSN_NOTIFY_NEVER) || n == DSN_NOTIFY_NEVER);
}

const char *
ipc_check_addr(const struct msg_addr *m)
{
	return text_ok(m->addr, 1) ? NULL : "empty address or control "
	    "character in it";
}

const char *
ipc_check_rcpt_verdict(const struct msg_rcpt_verdict *m)
{
	return m->verdict >= RCPT_VERDICT_MAX ? "bad verdict" : NULL;
}

const char *
ipc_check_qid(const struct msg_qid *m)
{
	return qid_valid(m->qid) ? NULL : "bad queue id";
}

const char *
ipc_check_rcpt(const struct msg_rcpt *m)
{
	if (!qid_valid(m->qid))
		return "bad queue id";
	if (!text_ok(m->addr, 1))
		return "empty recipient or control character in it";
	if (!ipc_valid_notify(m->notify))
		return "bad NOTIFY";
	return text_ok(m->orcpt, 0) ? NULL : "control character in ORCPT";
}

const char *
ipc_check_commit(const struct msg_commit *m)
{
	if (!qid_valid(m->qid))
		return "bad queue id";
	if (!text_ok(m->sender, 0) || !text_ok(m->helo, 0) ||
	    !text_ok(m->client_addr, 0) || !text_ok(m->client_name, 0) ||
	    !text_ok(m->envid, 0))
		return "control character in the envelope";
	if (m->ret >= DSN_RET_MAX)
		return "bad RET";
	return (m->flags & ~MSG_FLAG_MASK) != 0 ? "unknown flags" : NULL;
}

const char *
ipc_check_deliver(const struct msg_deliver *m)
{
	if (!qid_valid(m->qid))
		return "bad queue id";
	if (!text_ok(m->sender, 0) || !text_ok(m->rcpt, 1))
		return "empty recipient or control character in the envelope";
	return NULL;
}

const char *
ipc_check_failed(uint32_t n, const struct msg_failed *f)
{
	uint32_t i;

	if (n > IPC_FAILED_MAX)
		return "too many failed members";
	for (i = 0; i < n; i++)
		if (!mailbox_ok(f[i].addr) || !ipc_valid_dsn(f[i].dsn) ||
		    f[i].dsn[0] != '5' || !text_ok(f[i].text, 0))
			return "bad failed member";
	return NULL;
}

/* Remote addresses to forward to: mailboxes with a domain. */
const char *
ipc_check_remote(uint32_t n, const char (*remote)[IPC_ADDR_MAX])
{
	uint32_t i;

	if (n > IPC_REMOTE_MAX)
		return "too many remote addresses";
	for (i = 0; i < n; i++)
		if (!mailbox_ok(remote[i]) || strchr(remote[i], '@') == NULL)
			return "bad remote address";
	return NULL;
}

const char *
ipc_check_deliver_result(const struct msg_deliver_result *m)
{
	static const char class_of[DELIVER_STATUS_MAX] = { '2', '4', '5' };
	const char *why;

	if ((why = ipc_check_failed(m->nfailed, m->failed)) != NULL)
		return why;
	if (m->nfailed > 0 && m->status != DELIVER_SENT)
		return "failed members without a delivery";
	if ((why = ipc_check_remote(m->nremote, m->remote)) != NULL)
		return why;
	if (m->nremote > 0 && m->status != DELIVER_SENT)
		return "forwards without a delivery";
	if (m->status >= DELIVER_STATUS_MAX)
		return "bad status";
	if (!ipc_valid_dsn(m->dsn) || m->dsn[0] != class_of[m->status])
		return "status code does not fit the status";
	if (!text_ok(m->text, 0))
		return "control character in text";
	if (!text_ok(m->owner, 0) || strchr(m->owner, ' ') != NULL ||
	    (m->owner[0] != '\0' && strchr(m->owner, '@') == NULL))
		return "bad owner";
	return NULL;
}

const char *
ipc_check_target(const struct msg_target *t)
{
	if (t->map >= IPC_MAPS_MAX || !text_ok(t->name, 1))
		return "bad target source";
	return ipc_valid_target(t->kind, t->value, NULL) ? NULL :
	    "bad target";
}

const char *
ipc_check_expand_ok(const struct msg_expand_ok *m)
{
	const char	*why;
	uint32_t	 i;

	if (m->n > IPC_EXPAND_MAX || m->ntargets > IPC_TARGETS_MAX)
		return "too many users or targets";
	if (m->n + m->ntargets + m->nremote == 0)
		return "an expansion to nothing";
	if ((why = ipc_check_remote(m->nremote, m->remote)) != NULL)
		return why;
	for (i = 0; i < m->n; i++)
		if (!ipc_valid_user(m->users[i]))
			return "bad user name";
		else if (!ipc_valid_suffix(m->ext[i]))
			return "bad address extension";
	for (i = 0; i < m->ntargets; i++)
		if ((why = ipc_check_target(&m->targets[i])) != NULL)
			return why;
	return ipc_check_failed(m->nfailed, m->failed);
}

const char *
ipc_check_write_mail(const struct msg_write_mail *m)
{
	if (!qid_valid(m->qid))
		return "bad queue id";
	if (!text_ok(m->return_path, 0) || !text_ok(m->delivered_to, 1) ||
	    !text_ok(m->orig_rcpt, 0))
		return "empty recipient or control character in the envelope";
	return NULL;
}

const char *
ipc_check_forward_read(const struct msg_forward_read *m)
{
	return ipc_valid_suffix(m->suffix) ? NULL : "bad .forward suffix";
}

const char *
ipc_check_forward_data(const struct msg_forward_data *m)
{
	if (m->status >= FORWARD_STATUS_MAX)
		return "bad status";
	if (!text_ok(m->reason, 0))
		return "control character in reason";
	return m->status != FORWARD_FOUND && m->text[0] != '\0' ?
	    "text without a .forward" : NULL;
}

const char *
ipc_check_owner(const struct msg_owner *m)
{
	if (!text_ok(m->addr, 0))
		return "control character in owner";
	if (m->addr[0] != '\0' && (strncmp(m->addr, "owner-", 6) != 0 ||
	    strchr(m->addr, '@') == NULL))
		return "not an owner- address";
	return NULL;
}

const char *
ipc_check_rcpt_check(const struct msg_rcpt_check *m)
{
	if (!text_ok(m->addr, 1))
		return "empty address or control character in it";
	if (m->trusted > 1)
		return "bad trusted flag";
	return ipc_valid_client_addr(m->client_addr) ? NULL :
	    "client address not numeric";
}

const char *
ipc_check_deliver_progress(const struct msg_deliver_progress *m)
{
	if (m->deliver_id == 0)
		return "no DELIVER request named";
	return member_key_valid(m->key) ? NULL : "bad member key";
}

/* (uid_t)-1 is no uid. */
const char *
ipc_check_uid(const struct msg_uid *m)
{
	return m->uid == UINT32_MAX ? "bad uid" : NULL;
}

const char *
ipc_check_login(const struct msg_login *m)
{
	if (m->uid == UINT32_MAX)
		return "bad uid";
	return ipc_valid_user(m->name) ? NULL : "bad user name";
}

/* A next hop: a name for the log, a numeric address, a port, flags. */
static int
hop_ok(const struct msg_relay_hop *h)
{
	return text_ok(h->name, 1) && strchr(h->name, ' ') == NULL &&
	    ipc_valid_client_addr(h->addr) && h->port >= 1 &&
	    h->port <= 65535 && (h->flags & ~(uint32_t)IPC_HOP_BEST) == 0;
}

/* An RFC 7672 TLSA record relay can use, for one of nhops hosts. */
static int
tlsa_ok(uint32_t nhops, const struct msg_relay_tlsa *t)
{
	static const uint32_t	 mlen[] = { 0, 32, 64 };

	if (t->hop >= nhops || (t->usage != 2 && t->usage != 3) ||
	    t->selector > 1 || t->mtype > 2 || t->len == 0 ||
	    t->len > IPC_TLSA_DATA_MAX)
		return 0;
	return t->mtype == 0 || t->len == mlen[t->mtype];
}

/* The "every record unusable" mark of a host (IPC_TLSA_UNUSABLE). */
static int
tlsa_unusable_mark(uint32_t nhops, const struct msg_relay_tlsa *t)
{
	return t->hop < nhops && t->usage == IPC_TLSA_UNUSABLE &&
	    t->selector == 0 && t->mtype == 0 && t->len == 0;
}

/* A host's mark and another record of the same host? */
static int
tlsa_mark_alone(const struct msg_relay *m, uint32_t k)
{
	const char	*host = m->hops[m->tlsa[k].hop].name;
	uint32_t	 i;

	for (i = 0; i < m->ntlsa; i++)
		if (i != k && m->tlsa[i].hop < m->nhops &&
		    strcasecmp(m->hops[m->tlsa[i].hop].name, host) == 0)
			return 0;
	return 1;
}

/* The TLS policy and the SASL credentials of a relay request. */
static const char *
relay_tls_check(const struct msg_relay *m)
{
	uint32_t i;

	if (m->tls_level >= TLS_LEVEL_MAX || !text_ok(m->tls_match, 0))
		return "bad TLS policy";
	if (m->ntlsa > IPC_TLSA_MAX)
		return "bad TLSA count";
	for (i = 0; i < m->ntlsa; i++)
		if (tlsa_unusable_mark(m->nhops, &m->tlsa[i])) {
			if (!tlsa_mark_alone(m, i))
				return "a host with records and the unusable "
				    "mark";
		} else if (!tlsa_ok(m->nhops, &m->tlsa[i]))
			return "bad TLSA record";
	if (!text_ok(m->sasl_user, 0) || !text_ok(m->sasl_pass, 0) ||
	    (m->sasl_user[0] == '\0') != (m->sasl_pass[0] == '\0'))
		return "bad SASL credentials";
	return NULL;
}

const char *
ipc_check_relay(const struct msg_relay *m)
{
	uint32_t i;

	if (!qid_valid(m->qid))
		return "bad queue id";
	if (!text_ok(m->sender, 0) || strchr(m->sender, ' ') != NULL ||
	    !text_ok(m->envid, 0))
		return "control character in the envelope";
	if ((m->flags & ~MSG_FLAG_RELAY) != 0)
		return "unknown flags";
	if (m->ret >= DSN_RET_MAX)
		return "bad RET";
	if (m->nrcpt == 0 || m->nrcpt > IPC_RELAY_RCPT_MAX)
		return "bad recipient count";
	for (i = 0; i < m->nrcpt; i++)
		if (!mailbox_ok(m->rcpt[i].addr) ||
		    !ipc_valid_notify(m->rcpt[i].notify) ||
		    !text_ok(m->rcpt[i].orcpt, 0))
			return "bad recipient";
	if (m->nhops == 0 || m->nhops > IPC_RELAY_HOPS_MAX)
		return "bad next-hop count";
	for (i = 0; i < m->nhops; i++)
		if (!hop_ok(&m->hops[i]))
			return "bad next hop";
	return relay_tls_check(m);
}

const char *
ipc_check_relay_result(const struct msg_relay_result *m)
{
	static const char class_of[DELIVER_STATUS_MAX] = { '2', '4', '5' };
	uint32_t i;

	if (!text_ok(m->relay, 1) || strchr(m->relay, ' ') != NULL)
		return "bad relay";
	if (m->nrcpt == 0 || m->nrcpt > IPC_RELAY_RCPT_MAX)
		return "bad recipient count";
	for (i = 0; i < m->nrcpt; i++) {
		if (m->v[i].status >= DELIVER_STATUS_MAX)
			return "bad status";
		if (!ipc_valid_dsn(m->v[i].dsn) ||
		    m->v[i].dsn[0] != class_of[m->v[i].status])
			return "status code does not fit the status";
		if (!text_ok(m->v[i].text, 0))
			return "control character in text";
	}
	return NULL;
}

/*
 * A login name as auth takes it: text (no control character, which
 * would forge log lines), not empty; an authorization identity may be
 * empty.  The password is any bytes but NUL (RFC 4616), which the codec
 * already refuses; it may not be empty.
 */
const char *
ipc_check_auth_check(const struct msg_auth_check *m)
{
	if (m->mech != AUTH_MECH_PLAIN && m->mech != AUTH_MECH_LOGIN)
		return "bad mechanism";
	if ((m->flags & ~AUTH_FLAG_MASK) != 0)
		return "bad flags";
	if (!ipc_valid_client_addr(m->client_addr))
		return "client address not numeric";
	if (!text_ok(m->user, 1) || !text_ok(m->authzid, 0))
		return "empty user or control character in a name";
	return m->password[0] != '\0' ? NULL : "empty password";
}

const char *
ipc_check_auth_verdict(const struct msg_auth_verdict *m)
{
	if (m->verdict >= AUTH_VERDICT_MAX)
		return "bad verdict";
	if (m->verdict == AUTH_OK)
		return text_ok(m->user, 1) ? NULL : "bad login name";
	return m->user[0] == '\0' ? NULL : "a login name without AUTH_OK";
}

/* A domain to look up: a host name (no literal, no UTF-8). */
const char *
ipc_check_dns_query(const struct msg_dns_query *m)
{
	size_t n = strlen(m->domain);

	if (n == 0 || rfc5321_check_domain(m->domain, n, RFC5321_NAME_ONLY,
	    NULL) != 0)
		return "bad domain";
	if ((m->flags & ~(uint32_t)DNS_QUERY_NOMX) != 0)
		return "bad flags";
	if ((n = strlen(m->self)) != 0 && rfc5321_check_domain(m->self, n,
	    RFC5321_NAME_ONLY, NULL) != 0)
		return "bad self name";
	return NULL;
}

const char *
ipc_check_dns_answer(const struct msg_dns_answer *m)
{
	uint32_t i;

	if (m->status >= DNS_STATUS_MAX || m->secure > 1)
		return "bad status";
	if (!text_ok(m->text, 0))
		return "control character in text";
	if ((m->status == DNS_OK) != (m->nhops > 0) ||
	    m->nhops > IPC_RELAY_HOPS_MAX)
		return "next hops do not fit the status";
	for (i = 0; i < m->nhops; i++)
		if (!hop_ok(&m->hops[i]))
			return "bad next hop";
	return NULL;
}

const char *
ipc_check_dns_tlsa_query(const struct msg_dns_tlsa_query *m)
{
	char		pre[16];
	uint32_t	i;
	size_t		n, np;

	if (m->port == 0 || m->port > 65535)
		return "bad port";
	if (m->nhosts == 0 || m->nhosts > IPC_RELAY_HOPS_MAX)
		return "bad host count";
	/* _PORT._tcp.HOST must be a name of at most 254 octets */
	np = (size_t)snprintf(pre, sizeof(pre), "_%u._tcp.", m->port);
	for (i = 0; i < m->nhosts; i++)
		if ((n = strlen(m->hosts[i])) == 0 || n + np > 254 ||
		    rfc5321_check_domain(m->hosts[i], n, RFC5321_NAME_ONLY,
		    NULL) != 0)
			return "bad host";
	return NULL;
}

const char *
ipc_check_dns_tlsa_answer(const struct msg_dns_tlsa_answer *m)
{
	uint32_t i;

	if (m->nhosts == 0 || m->nhosts > IPC_RELAY_HOPS_MAX ||
	    m->nrec > IPC_TLSA_MAX)
		return "bad count";
	for (i = 0; i < m->nhosts; i++)
		if (m->state[i] >= TLSA_STATE_MAX)
			return "bad state";
	for (i = 0; i < m->nrec; i++)
		if (!tlsa_ok(m->nhosts, &m->rec[i]) ||
		    m->state[m->rec[i].hop] != TLSA_FOUND)
			return "bad TLSA record";
	return NULL;
}
