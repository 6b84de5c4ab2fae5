/*
 * session_cmd.c: the SMTP command state machine of one session.
 *
 * dispatch() hands each command line to its handler: HELO/EHLO, MAIL,
 * RCPT (which asks lookup and waits for rcpt_answer), RSET, NOOP, QUIT,
 * VRFY, HELP, STARTTLS (the switch itself is tls_start() in session.c).
 * DATA and BDAT are in session_data.c.
 *
 * Handlers:
 *   cmd_helo ... cmd_starttls		one per command
 *   rcpt_answer			lookup's answer to RCPT
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "smtpd/dsn_param.h"
#include "smtpd/smtp_parse.h"
#include "smtpd/smtpd.h"
#include "smtpd/tls.h"
#include "smtpd/session_int.h"

/* ---- commands ---- */


static void
cmd_helo(struct session *s, const struct smtp_cmd *c, int esmtp)
{
	if (c->arglen == 0 || c->arglen >= sizeof(s->helo) ||
	    memchr(c->arg, '\0', c->arglen) != NULL) {
		reply_error(s, "501 5.5.4 Syntax: %s hostname",
		    esmtp ? "EHLO" : "HELO");
		return;
	}
	transaction_reset(s);
	memcpy(s->helo, c->arg, c->arglen);
	s->helo[c->arglen] = '\0';
	log_printable(s->helo, c->arglen, s->helo, sizeof(s->helo));
	s->esmtp = esmtp;
	s->state = S_HELO;
	if (!esmtp) {
		reply(s, "250 %s", cf(s)->myhostname);
		return;
	}
	reply(s, "250-%s", cf(s)->myhostname);
	reply(s, "250-PIPELINING");
	reply(s, "250-SIZE %lld", cf(s)->message_size_limit);
	if (starttls_offered(s))
		reply(s, "250-STARTTLS");
	reply(s, "250-ENHANCEDSTATUSCODES");
	reply(s, "250-8BITMIME");
	auth_ehlo(s);
	reply(s, "250-DSN");
	reply(s, "250-SMTPUTF8");
	reply(s, "250 CHUNKING");
}

static int
parse_size(const char *v, unsigned long long *out)
{
	unsigned long long	n = 0;

	if (*v == '\0' || strlen(v) > 20)
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		if (n > (~0ULL - 9) / 10) {
			n = ~0ULL;	/* saturate: too big anyway */
			continue;
		}
		n = n * 10 + (*v - '0');
	}
	*out = n;
	return 0;
}

/* A parameter given twice is a syntax error (RFC 5321 4.1.1.11 spirit). */
static int
param_repeated(const struct smtp_mailrcpt *mr, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (strcmp(mr->params[j].keyword, mr->params[i].keyword) == 0)
			return 1;
	return 0;
}

/* MAIL parameters: SIZE, BODY, SMTPUTF8, RET, ENVID.  -1 after a reply. */
static int
mail_params(struct session *s, const struct smtp_mailrcpt *mr)
{
	size_t			 i;
	unsigned long long	 size;

	for (i = 0; i < mr->nparams; i++) {
		const struct smtp_param *p = &mr->params[i];
		const char		*k = p->keyword;

		if (param_repeated(mr, i)) {
			reply_error(s, "501 5.5.4 Duplicate %s parameter", k);
			return -1;
		}
		if (strcmp(k, "SIZE") == 0 && p->has_value) {
			if (parse_size(p->value, &size) == -1) {
				reply_error(s, "501 5.5.4 Bad SIZE syntax");
				return -1;
			}
			if (size > (unsigned long long)
			    cf(s)->message_size_limit) {
				reply_error(s, "552 5.3.4 Message size exceeds "
				    "fixed limit");
				return -1;
			}
		} else if (strcmp(k, "BODY") == 0 && p->has_value &&
		    (strcasecmp(p->value, "7BIT") == 0 ||
		    strcasecmp(p->value, "8BITMIME") == 0)) {
			s->body8bit = strcasecmp(p->value, "8BITMIME") == 0;
		} else if (strcmp(k, "BODY") == 0) {
			reply_error(s, "501 5.5.4 Bad BODY parameter");
			return -1;
		} else if (strcmp(k, "AUTH") == 0 && p->has_value &&
		    auth_offered(s)) {
			/* RFC 4954 5: taken, and (as Postfix) not trusted */
		} else if (strcmp(k, "SMTPUTF8") == 0 && !p->has_value) {
			s->smtputf8 = 1;
		} else if (strcmp(k, "RET") == 0 && p->has_value) {
			if (dsn_parse_ret(p->value, strlen(p->value),
			    &s->ret) == -1) {
				reply_error(s, "501 5.5.4 Bad RET parameter");
				return -1;
			}
		} else if (strcmp(k, "ENVID") == 0 && p->has_value) {
			if (dsn_parse_envid(p->value, strlen(p->value),
			    s->envid, sizeof(s->envid)) == -1) {
				reply_error(s, "501 5.5.4 Bad ENVID parameter");
				return -1;
			}
		} else {
			reply_error(s, "555 5.5.4 Unsupported option: %s", k);
			return -1;
		}
	}
	return 0;
}

static void
reply_addr_error(struct session *s, enum smtp_parse_err err,
    const char *what, const char *dsn)
{
	if (err == SMTP_PARSE_UTF8)
		reply_error(s, "553 5.6.7 Must declare SMTPUTF8 to send "
		    "Unicode address");
	else if (err == SMTP_PARSE_PARAM)
		reply_error(s, "501 5.5.4 Bad parameter syntax");
	else
		reply_error(s, "501 %s Bad %s address syntax", dsn, what);
}

/*
 * The envelope and a recipient as queue will get them.  smtpd checks
 * them with queue's own validators when it takes them (MAIL, RCPT), so
 * that what it accepts from a client, queue accepts from smtpd; a value
 * queue refused would get smtpd killed as compromised.
 */
#define QID_PLACEHOLDER	"0000000000000000"

const char *
envelope_fill(const struct session *s, const char *qid, struct msg_commit *m)
{
	memset(m, 0, sizeof(*m));
	xstrlcpy(m->qid, qid, sizeof(m->qid));
	m->size = s->data_size;
	STRLCPY_ARRAY(m->sender, s->sender);
	STRLCPY_ARRAY(m->helo, s->helo);
	STRLCPY_ARRAY(m->client_addr, s->client_addr);
	xstrlcpy(m->client_name, "unknown", sizeof(m->client_name));
	m->ret = s->ret;
	STRLCPY_ARRAY(m->envid, s->envid);
	m->flags = (s->body8bit ? MSG_FLAG_8BITMIME : 0) |
	    (s->smtputf8 ? MSG_FLAG_SMTPUTF8 : 0);
	return ipc_check_commit(m);
}

const char *
rcpt_fill(const char *qid, const struct rcpt *rc, struct msg_rcpt *r)
{
	memset(r, 0, sizeof(*r));
	xstrlcpy(r->qid, qid, sizeof(r->qid));
	STRLCPY_ARRAY(r->addr, rc->addr);
	r->notify = rc->notify;
	STRLCPY_ARRAY(r->orcpt, rc->orcpt);
	return ipc_check_rcpt(r);
}

static void
cmd_mail(struct session *s, const struct smtp_cmd *c)
{
	struct msg_commit	m;
	const char		*why;
	char			text[BH_LOG_LINE_MAX];
	struct smtp_mailrcpt	mr;
	enum smtp_parse_err	err;
	int			flags = SMTP_ADDR_ALLOW_NULL;

	if (s->state == S_INIT) {
		reply_error(s, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (s->state != S_HELO) {
		reply_error(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (c->arglen < 5 || strncasecmp(c->arg, "FROM:", 5) != 0) {
		reply_error(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	if (!s->tls && strcmp(s->tls_level, "encrypt") == 0) {
		reply_error(s, "530 5.7.0 Must issue a STARTTLS command first");
		return;
	}
	/* SMTPUTF8 comes after the address: allow, then check. */
	if (s->esmtp)
		flags |= SMTP_ADDR_ALLOW_UTF8;
	if ((err = smtp_parse_mailrcpt(c->arg, c->arglen, "FROM:", flags,
	    &mr)) != SMTP_PARSE_OK) {
		reply_addr_error(s, err, "sender", "5.1.7");
		return;
	}
	if (mr.nparams > 0 && !s->esmtp) {
		reply_error(s, "555 5.5.4 Unsupported option: %s",
		    mr.params[0].keyword);
		return;
	}
	if (mail_params(s, &mr) == -1 ||
	    (mr.addr.is_utf8 && !s->smtputf8)) {
		if (mr.addr.is_utf8 && !s->smtputf8)
			reply_addr_error(s, SMTP_PARSE_UTF8, "", "");
		transaction_reset(s);
		return;
	}
	if (smtp_addr_format(&mr.addr, s->sender, sizeof(s->sender)) == -1) {
		reply_error(s, "501 5.1.7 Bad sender address syntax");
		transaction_reset(s);
		return;
	}
	if ((why = envelope_fill(s, QID_PLACEHOLDER, &m)) != NULL) {
		snprintf(text, sizeof(text), "501 5.5.4 Bad sender or "
		    "parameters (%s)", why);
		log_reject(s, NULL, "MAIL", NULL, text);
		reply_error(s, "501 5.5.4 Bad sender or parameters");
		transaction_reset(s);
		return;
	}
	if (policy_mail(s, s->sender) == -1) {
		transaction_reset(s);
		return;
	}
	s->state = S_MAIL;
	reply(s, "250 2.1.0 Ok");
}

/* RCPT parameters: NOTIFY, ORCPT.  -1 after a reply. */
static int
rcpt_params(struct session *s, const struct smtp_mailrcpt *mr,
    struct rcpt *r)
{
	size_t	i;

	for (i = 0; i < mr->nparams; i++) {
		const struct smtp_param *p = &mr->params[i];
		const char		*k = p->keyword;

		if (param_repeated(mr, i)) {
			reply_error(s, "501 5.5.4 Duplicate %s parameter", k);
			return -1;
		}
		if (strcmp(k, "NOTIFY") == 0 && p->has_value) {
			if (dsn_parse_notify(p->value, strlen(p->value),
			    &r->notify) == -1) {
				reply_error(s, "501 5.5.4 Bad NOTIFY "
				    "parameter");
				return -1;
			}
		} else if (strcmp(k, "ORCPT") == 0 && p->has_value) {
			if (dsn_parse_orcpt(p->value, strlen(p->value),
			    r->orcpt, sizeof(r->orcpt)) == -1) {
				reply_error(s, "501 5.5.4 Bad ORCPT parameter");
				return -1;
			}
		} else {
			reply_error(s, "555 5.5.4 Unsupported option: %s", k);
			return -1;
		}
	}
	return 0;
}

/*
 * Ask lookup about a recipient, with the client's address so that it can
 * apply mynetworks; -1 if lookup is down.
 */
static int
ask_lookup(struct session *s, const char *addr)
{
	struct msg_rcpt_check	m;
	struct msg_addr		plain;
	uint8_t			buf[IPC_ADDR_MAX + 96];
	struct wbuf		wb;

	wb_init(&wb, buf, sizeof(buf));
	memset(&m, 0, sizeof(m));
	xstrlcpy(m.addr, addr, sizeof(m.addr));
	STRLCPY_ARRAY(m.client_addr, s->client_addr);
	/* A login smtpd's restrictions permit relays as mynetworks does. */
	m.trusted = s->rcpt_permitted ? 1 : 0;
	if (ipc_check_rcpt_check(&m) != NULL) {
		/* not a numeric client ("unknown"): never inside mynetworks */
		xstrlcpy(plain.addr, addr, sizeof(plain.addr));
		enc_addr(&wb, &plain);
		return smtpd_request(s->sd, s, ROLE_LOOKUP, IPC_RCPT_CHECK,
		    &wb);
	}
	enc_rcpt_check(&wb, &m);
	return smtpd_request(s->sd, s, ROLE_LOOKUP, IPC_RCPT_CHECK_CLIENT,
	    &wb);
}

static void
cmd_rcpt(struct session *s, const struct smtp_cmd *c)
{
	struct smtp_mailrcpt	mr;
	struct msg_addr		m;
	struct msg_rcpt		q;
	struct rcpt		r;
	enum smtp_parse_err	err;
	const char		*why;
	char			text[BH_LOG_LINE_MAX];
	int			flags = SMTP_ADDR_POSTMASTER | SMTP_PARAM_LONG;

	if (s->state == S_BDAT) {
		reply_error(s, "503 5.5.1 Error: RCPT after BDAT");
		return;
	}
	if (s->state != S_MAIL) {
		reply_error(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (c->arglen < 3 || strncasecmp(c->arg, "TO:", 3) != 0) {
		reply_error(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		return;
	}
	if (s->smtputf8)
		flags |= SMTP_ADDR_ALLOW_UTF8;
	if ((err = smtp_parse_mailrcpt(c->arg, c->arglen, "TO:", flags, &mr))
	    != SMTP_PARSE_OK || mr.addr.is_null ||
	    smtp_addr_format(&mr.addr, m.addr, sizeof(m.addr)) == -1) {
		reply_addr_error(s, err == SMTP_PARSE_OK ? SMTP_PARSE_SYNTAX :
		    err, "recipient", "5.1.3");
		return;
	}
	memset(&r, 0, sizeof(r));
	if (rcpt_params(s, &mr, &r) == -1)
		return;
	if (s->nrcpt >= (size_t)cf(s)->smtpd_recipient_limit) {
		reply_error(s, "452 4.5.3 Error: too many recipients");
		return;
	}
	STRLCPY_ARRAY(r.addr, m.addr);
	if ((why = rcpt_fill(QID_PLACEHOLDER, &r, &q)) != NULL) {
		snprintf(text, sizeof(text), "501 5.5.4 Bad recipient or "
		    "parameters (%s)", why);
		log_reject(s, NULL, "RCPT", m.addr, text);
		reply_error(s, "501 5.5.4 Bad recipient or parameters");
		return;
	}
	if (policy_rcpt(s, m.addr) == -1)
		return;
	if (ask_lookup(s, m.addr) == -1) {
		reply(s, "451 4.3.0 <%s>: Temporary lookup failure", m.addr);
		return;
	}
	if (s->pending == NULL)
		s->pending = xmalloc(sizeof(r));
	*s->pending = r;
	s->holds++;
	s->blocked = 1;
}

void
rcpt_answer(struct session *s, uint32_t type, const union ipc_msg *msg)
{
	const char		*a = s->pending->addr;
	struct rcpt		*nr;
	uint32_t		 verdict = RCPT_TEMPFAIL;
	char			text[BH_LOG_LINE_MAX];

	if (type == IPC_RCPT_CHECK_REPLY)
		verdict = policy_verdict(s, msg->rcpt_verdict.verdict);
	switch (verdict) {
	case RCPT_OK:
		nr = xreallocarray(s->rcpts, s->nrcpt + 1,
		    sizeof(*nr));
		s->rcpts = nr;
		s->rcpts[s->nrcpt++] = *s->pending;
		reply(s, "250 2.1.5 Ok");
		break;
	case RCPT_UNKNOWN_USER:
		snprintf(text, sizeof(text), "550 5.1.1 <%s>: Recipient "
		    "address rejected: User unknown in local recipient table",
		    a);
		log_reject(s, NULL, "RCPT", a, text);
		reply_error(s, "%s", text);
		break;
	case RCPT_RELAY_DENIED:
		snprintf(text, sizeof(text), "554 5.7.1 <%s>: Relay access "
		    "denied", a);
		log_reject(s, NULL, "RCPT", a, text);
		reply_error(s, "%s", text);
		break;
	case RCPT_RELAY_UNAVAILABLE:
		/*
		 * Relaying is allowed, but no route leads there:
		 * default_transport = local (or a transport_maps local:
		 * entry) without a relayhost, or another host's literal.
		 */
		log_info("defer: RCPT from unknown[%s]: 451 4.4.0 <%s>: "
		    "relaying is allowed for this client, but no transport "
		    "sends mail to that destination (default_transport = "
		    "local without relayhost or transport_maps entry)",
		    s->client_addr, a);
		reply(s, "451 4.4.0 <%s>: Recipient address rejected: this "
		    "server has no route to that destination", a);
		break;
	default:
		reply(s, "451 4.3.0 <%s>: Temporary lookup failure", a);
		break;
	}
	/* The pending recipient is only needed between RCPT and answer. */
	free(s->pending);
	s->pending = NULL;
}

static void
cmd_rset(struct session *s, const struct smtp_cmd *c)
{
	if (c->arglen != 0) {
		reply_error(s, "501 5.5.4 Syntax: RSET");
		return;
	}
	count_junk(s);
	transaction_reset(s);
	reply(s, "250 2.0.0 Ok");
}

static void
cmd_quit(struct session *s)
{
	reply(s, "221 2.0.0 Bye");
	close_after_output(s);
}

static void
cmd_vrfy(struct session *s, const struct smtp_cmd *c)
{
	if (c->arglen == 0) {
		reply_error(s, "501 5.5.4 Syntax: VRFY address");
		return;
	}
	count_junk(s);
	/* RFC 5321 3.5.3: 252 when we will not say who exists. */
	reply(s, "252 2.0.0 Cannot VRFY user, but will accept message and "
	    "attempt delivery");
}

static void
cmd_starttls(struct session *s, const struct smtp_cmd *c)
{
	if (s->tls) {
		reply_error(s, "554 5.5.1 Error: TLS already active");
		return;
	}
	if (!starttls_offered(s)) {
		reply_error(s, "502 5.5.1 Error: command not implemented");
		return;
	}
	if (c->arglen != 0) {
		reply_error(s, "501 5.5.4 Syntax: STARTTLS");
		return;
	}
	if (s->state > S_HELO) {
		reply_error(s, "503 5.5.1 Error: MAIL transaction in progress");
		return;
	}
	reply(s, "220 2.0.0 Ready to start TLS");
	s->starttls = 1;	/* process_command switches after this line */
}
void
dispatch(struct session *s, const char *line, size_t len)
{
	struct smtp_cmd c;

	smtp_cmd_parse(line, len, &c);
	switch (c.verb) {
	case SMTP_HELO:
		cmd_helo(s, &c, 0);
		break;
	case SMTP_EHLO:
		cmd_helo(s, &c, 1);
		break;
	case SMTP_MAIL:
		cmd_mail(s, &c);
		break;
	case SMTP_RCPT:
		cmd_rcpt(s, &c);
		break;
	case SMTP_DATA:
		cmd_data(s, &c);
		break;
	case SMTP_RSET:
		cmd_rset(s, &c);
		break;
	case SMTP_NOOP:
		count_junk(s);
		reply(s, "250 2.0.0 Ok");
		break;
	case SMTP_QUIT:
		cmd_quit(s);
		break;
	case SMTP_VRFY:
		cmd_vrfy(s, &c);
		break;
	case SMTP_HELP:
		count_junk(s);
		reply(s, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT "
		    "RSET NOOP QUIT VRFY HELP%s", starttls_offered(s) ?
		    " STARTTLS" : "");
		break;
	case SMTP_EXPN:
		reply_error(s, "502 5.5.1 Error: EXPN is not supported");
		break;
	case SMTP_AUTH:
		cmd_auth(s, &c);
		break;
	case SMTP_BDAT:
		cmd_bdat(s, &c);
		break;
	case SMTP_STARTTLS:
		cmd_starttls(s, &c);
		break;
	default:
		reply_error(s, "502 5.5.2 Error: command not recognized");
		break;
	}
}
