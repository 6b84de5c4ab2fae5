/*
 * session_auth.c: SMTP AUTH (RFC 4954) in a session.
 *
 * smtpd runs the exchange (smtpd/sasl.c) and relays the credentials to
 * the auth compartment, which alone can read a password database; smtpd
 * gets back a verdict and, on success, the login name.  AUTH is offered
 * where smtpd_sasl_auth_enable says (main.cf, or -o on a master.cf
 * service), and with smtpd_tls_auth_only only once TLS is on.
 *
 * SCRAM-SHA-256, offered when auth says its backend has it
 * (IPC_AUTH_MECHS), is relayed step by step: each client response goes
 * to auth (IPC_AUTH_STEP), each challenge comes back as "334 base64",
 * the server-final message too, and the client's answer to that (an
 * empty line) gets the verdict.  An exchange the client leaves while
 * auth holds it (a "*", a bad line, a hang-up) is ended there with
 * IPC_AUTH_ABORT.
 *
 * Log lines are Postfix's, so that fail2ban's postfix-sasl filter and
 * log tools read them: "warning: unknown[ADDR]: SASL PLAIN
 * authentication failed: authentication failure", and
 * "QID: client=unknown[ADDR], sasl_method=PLAIN, sasl_username=alice".
 *
 * Handlers:
 *   cmd_auth		the AUTH command
 *   auth_response	a client line while an exchange runs
 *   auth_answer	auth's verdict
 *   auth_step_answer	auth's challenge or verdict on a relayed step
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "smtpd/sasl.h"
#include "smtpd/smtp_parse.h"
#include "smtpd/smtpd.h"
#include "smtpd/tls.h"
#include "smtpd/session_int.h"

int
auth_offered(const struct session *s)
{
	return s->auth_enable && (s->tls || !s->auth_only);
}

void
auth_ehlo(struct session *s)
{
	if (auth_offered(s))
		reply(s, "250-AUTH PLAIN LOGIN%s", (s->sd->auth_mechs &
		    AUTH_MECH_BIT(AUTH_MECH_SCRAM_SHA256)) ?
		    " SCRAM-SHA-256" : "");
}

/* auth holds the relayed exchange, waiting for a step that will not
   come: tell it, if it is still the auth that has it. */
static void
abort_at_auth(struct session *s)
{
	uint8_t			buf[64];
	struct wbuf		wb;
	struct msg_auth_abort	m;

	m.xid = s->sasl_xid;
	s->sasl_xid = 0;
	if (s->sasl_gen != s->sd->auth_gen)
		return;
	wb_init(&wb, buf, sizeof(buf));
	enc_auth_abort(&wb, &m);
	(void)smtpd_note(s->sd, ROLE_AUTH, IPC_AUTH_ABORT, &wb);
}

/* Never while a step is in flight: the session waits for its answer. */
static void
exchange_end(struct session *s)
{
	if (s->sasl_xid != 0)
		abort_at_auth(s);
	if (s->sasl == NULL)
		return;
	sasl_clear(s->sasl);
	free(s->sasl);
	s->sasl = NULL;
}

void
auth_forget(struct session *s)
{
	exchange_end(s);
	free(s->sasl_user);
	s->sasl_user = NULL;
	s->sasl_mech = 0;
}

static void
log_failure(struct session *s, uint32_t mech, const char *why)
{
	log_warnx("unknown[%s]: SASL %s authentication failed: %s",
	    s->client_addr, sasl_mech_name(mech), why);
}

/* Relay the complete credentials to auth. */
static void
ask_auth(struct session *s)
{
	uint8_t		buf[sizeof(struct msg_auth_check) + 64];
	struct wbuf	wb;
	uint32_t	mech = s->sasl->cred.mech;
	int		rc;

	wb_init(&wb, buf, sizeof(buf));
	s->sasl->cred.flags = s->tls ? AUTH_FLAG_TLS : 0;
	enc_auth_check(&wb, &s->sasl->cred);
	rc = smtpd_request(s->sd, s, ROLE_AUTH, IPC_AUTH_CHECK, &wb);
	explicit_bzero(buf, sizeof(buf));
	exchange_end(s);
	if (rc == -1) {
		/* fail2ban's filter leaves this one out on purpose */
		log_failure(s, mech, "Connection lost to authentication "
		    "server");
		reply(s, "454 4.7.0 Temporary authentication failure");
		return;
	}
	s->sasl_mech = mech;	/* the mechanism being verified */
	s->holds++;
	s->blocked = 1;
}

/* A relayed exchange's step, to the auth that holds it (START: to the
   current one). */
static void
ask_step(struct session *s)
{
	uint8_t			buf[sizeof(struct msg_auth_step) + 64];
	struct wbuf		wb;
	struct msg_auth_step	m;
	uint32_t		mech = s->sasl->cred.mech, xid;
	int			rc = -1;

	memset(&m, 0, sizeof(m));
	if ((m.xid = s->sasl_xid) == 0) {
		m.xid = ++s->sd->auth_xid == 0 ? ++s->sd->auth_xid :
		    s->sd->auth_xid;
		m.op = AUTH_STEP_START;
		m.mech = mech;
		m.flags = s->tls ? AUTH_FLAG_TLS : 0;
		xstrlcpy(m.client_addr, s->client_addr, sizeof(m.client_addr));
	} else
		m.op = AUTH_STEP_CONT;
	m.len = (uint32_t)s->sasl->step_len;
	memcpy(m.data, s->sasl->step, s->sasl->step_len);
	explicit_bzero(s->sasl->step, sizeof(s->sasl->step));
	/* auth's own rules first: what it refuses is never sent */
	if (ipc_check_auth_step(&m) == NULL && (m.op == AUTH_STEP_START ||
	    s->sasl_gen == s->sd->auth_gen)) {
		wb_init(&wb, buf, sizeof(buf));
		enc_auth_step(&wb, &m);
		rc = smtpd_request(s->sd, s, ROLE_AUTH, IPC_AUTH_STEP, &wb);
		explicit_bzero(buf, sizeof(buf));
	}
	xid = m.xid;
	explicit_bzero(&m, sizeof(m));
	if (rc == -1) {
		s->sasl_xid = 0;	/* no auth has it (any more) */
		exchange_end(s);
		log_failure(s, mech, "Connection lost to authentication "
		    "server");
		reply(s, "454 4.7.0 Temporary authentication failure");
		return;
	}
	s->sasl_xid = xid;
	s->sasl_gen = s->sd->auth_gen;
	s->holds++;
	s->blocked = 1;
}

/* What sasl_start or sasl_step said. */
static void
exchange_result(struct session *s, enum sasl_res r, const char *challenge)
{
	uint32_t mech = s->sasl->cred.mech;

	/* the exchange goes on */
	switch (r) {
	case SASL_CHALLENGE:
		reply(s, "334 %s", challenge);
		return;
	case SASL_VERIFY:
		ask_auth(s);
		return;
	case SASL_RELAY:
		ask_step(s);
		return;
	default:
		break;
	}
	/* or it has failed */
	exchange_end(s);
	switch (r) {
	case SASL_CHALLENGE:
	case SASL_VERIFY:
	case SASL_RELAY:
		break;		/* above */
	case SASL_ERR_SYNTAX:
		reply_error(s, "501 5.5.4 Syntax: AUTH mechanism");
		break;
	case SASL_ERR_MECH:
		reply_error(s, "504 5.5.4 Unsupported authentication "
		    "mechanism");
		break;
	case SASL_ERR_CANCEL:
		reply_error(s, "501 5.7.0 Authentication aborted");
		break;
	case SASL_ERR_BASE64:
		reply_error(s, "501 5.5.2 Cannot decode response");
		break;
	case SASL_ERR_FORMAT:
		log_failure(s, mech, "authentication failure");
		reply_error(s, "535 5.7.8 Error: authentication failed: "
		    "authentication failure");
		break;
	}
}

void
cmd_auth(struct session *s, const struct smtp_cmd *c)
{
	char challenge[64];

	if (!s->auth_enable) {
		reply_error(s, "503 5.5.1 Error: authentication not enabled");
		return;
	}
	if (!auth_offered(s)) {
		reply_error(s, "530 5.7.0 Must issue a STARTTLS command first");
		return;
	}
	if (s->state == S_INIT || !s->esmtp) {
		reply_error(s, "503 5.5.1 Error: send EHLO first");
		return;
	}
	if (s->sasl_user != NULL) {
		reply_error(s, "503 5.5.1 Error: already authenticated");
		return;
	}
	if (s->state != S_HELO) {
		reply_error(s, "503 5.5.1 Error: MAIL transaction in progress");
		return;
	}
	if (c->arglen == 0) {
		reply_error(s, "501 5.5.4 Syntax: AUTH mechanism");
		return;
	}
	s->sasl = xcalloc(1, sizeof(*s->sasl));
	exchange_result(s, sasl_start(s->sasl, s->client_addr, c->arg,
	    c->arglen, s->sd->auth_mechs, challenge, sizeof(challenge)),
	    challenge);
}

void
auth_response(struct session *s, const char *line, size_t len)
{
	char challenge[64];

	if (len + 2 > SASL_LINE_MAX) {
		exchange_end(s);
		reply_error(s, "500 5.5.6 Authentication exchange line is "
		    "too long");
		return;
	}
	exchange_result(s, sasl_step(s->sasl, line, len, challenge,
	    sizeof(challenge)), challenge);
}

/* The rest of an over-long response line is being thrown away. */
void
auth_line_too_long(struct session *s)
{
	exchange_end(s);
	reply_error(s, "500 5.5.6 Authentication exchange line is too long");
}

/* The verdict on an exchange of mechanism mech; user: the login. */
static void
verdict_reply(struct session *s, uint32_t mech, uint32_t verdict,
    const char *user)
{
	s->sasl_mech = 0;
	switch (verdict) {
	case AUTH_OK:
		s->sasl_mech = mech;
		s->sasl_user = xstrdup(user);
		log_info("unknown[%s]: sasl_method=%s, sasl_username=%s",
		    s->client_addr, sasl_mech_name(mech), s->sasl_user);
		reply(s, "235 2.7.0 Authentication successful");
		break;
	case AUTH_FAIL:
		log_failure(s, mech, "authentication failure");
		reply_error(s, "535 5.7.8 Error: authentication failed: "
		    "authentication failure");
		break;
	case AUTH_RATE:
		log_failure(s, mech, "too many authentication failures");
		reply_error(s, "450 4.7.1 Error: too many authentication "
		    "failures from %s, try again later", s->client_addr);
		break;
	default:
		log_failure(s, mech, "Connection lost to authentication "
		    "server");
		reply(s, "454 4.7.0 Temporary authentication failure");
		break;
	}
}

void
auth_answer(struct session *s, uint32_t type, const union ipc_msg *msg)
{
	if (type == IPC_AUTH_VERDICT)
		verdict_reply(s, s->sasl_mech, msg->auth_verdict.verdict,
		    msg->auth_verdict.user);
	else
		verdict_reply(s, s->sasl_mech, AUTH_TEMPFAIL, NULL);
}

/*
 * auth's answer to a relayed step: a challenge for the client (the
 * exchange goes on), or the verdict, which ended it at auth.  Also for
 * a closed session, whose end then aborts what auth still holds.
 */
void
auth_step_answer(struct session *s, uint32_t type, const union ipc_msg *msg)
{
	const struct msg_auth_step_reply	*r = NULL;
	char					 b64[IPC_AUTH_DATA_MAX / 3 * 4 + 8];
	uint32_t				 mech = AUTH_MECH_SCRAM_SHA256;

	if (type == IPC_AUTH_STEP_REPLY)
		r = &msg->auth_step_reply;
	if (s->sasl != NULL)
		mech = s->sasl->cred.mech;
	if (r != NULL && r->verdict == AUTH_CONTINUE) {
		if (s->closed)
			return;
		if (b64_encode(r->data, r->len, b64, sizeof(b64)) < 0)
			fatalx("auth_step_answer: challenge too long");
		reply(s, "334 %s", b64);
		return;
	}
	s->sasl_xid = 0;	/* ended at auth, or auth is gone */
	exchange_end(s);
	if (s->closed)
		return;
	if (r != NULL)
		verdict_reply(s, mech, r->verdict, r->user);
	else
		verdict_reply(s, mech, AUTH_TEMPFAIL, NULL);
}

/* ", sasl_method=PLAIN, sasl_username=alice" for the client= line. */
const char *
auth_log_suffix(const struct session *s, char *buf, size_t len)
{
	if (s->sasl_user == NULL)
		return "";
	snprintf(buf, len, ", sasl_method=%s, sasl_username=%s",
	    sasl_mech_name(s->sasl_mech), s->sasl_user);
	return buf;
}
