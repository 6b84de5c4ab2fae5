/*
 * smtp_auth.c: AUTH in the relay's SMTP client (smtp_sasl_auth_enable),
 * with the one pair of credentials queue sent for this destination
 * (master looked it up in smtp_sasl_password_maps; relay never sees
 * the table).  After EHLO (and STARTTLS), when the server offers AUTH:
 * PLAIN (with the initial response) or else LOGIN.  Both send the
 * password in clear, so they are used only where the security options
 * allow plaintext: smtp_sasl_tls_security_options over TLS (bulkhead's
 * default: noanonymous), smtp_sasl_security_options without it
 * (Postfix's default: noplaintext, noanonymous).  A server that does not
 * offer AUTH gets the mail without it, as Postfix does; a refusal is a
 * failure of that hop ("SASL authentication failed; server ... said"),
 * so the mail is deferred, as with Postfix's smtp_sasl_auth_soft_bounce.
 */
#include <string.h>

#include <openssl/evp.h>

#include "lib/log.h"
#include "relay/relay.h"

#define B64_MAX	(((IPC_SASL_MAX * 2 + 2) / 3) * 4 + 4)

static int
has_word(const char *list, const char *w)
{
	size_t n, wl = strlen(w);

	for (; *list != '\0'; list += n) {
		list += strspn(list, ", \t");
		n = strcspn(list, ", \t");
		if (n == wl && strncmp(list, w, n) == 0)
			return 1;
	}
	return 0;
}

/* Send "VERB base64(data)" (VERB may be ""); data is wiped after. */
static void
send_b64(struct rsess *s, const char *verb, const unsigned char *data,
    size_t len)
{
	unsigned char out[B64_MAX];

	if (len == 0)
		out[0] = '\0';
	else
		EVP_EncodeBlock(out, data, (int)len);
	send_line(s, "%s%s\r\n", verb, (char *)out);
	explicit_bzero(out, sizeof(out));
}

int
relay_auth_start(struct rsess *s)
{
	const struct bh_config	*cf = cf_of(s);
	unsigned char		 plain[IPC_SASL_MAX * 2 + 2];
	size_t			 ul = strlen(s->req.sasl_user);
	size_t			 pl = strlen(s->req.sasl_pass);
	char			 why[IPC_TEXT_MAX];

	if (s->req.sasl_user[0] == '\0' || !(s->ext.flags & SMTP_EXT_AUTH))
		return 0;
	if (has_word(s->tls ? cf->smtp_sasl_tls_security_options :
	    cf->smtp_sasl_security_options, "noplaintext") ||
	    !(s->ext.flags & (SMTP_EXT_AUTH_PLAIN | SMTP_EXT_AUTH_LOGIN))) {
		textf(why, sizeof(why), "SASL authentication failed; cannot "
		    "authenticate to server %s: no mechanism available%s",
		    s->hopname, s->tls ? "" : " without TLS");
		hop_failed(s, why, 0);
		return -1;
	}
	s->state = RS_AUTH;
	s->auth_step = 0;
	if (s->ext.flags & SMTP_EXT_AUTH_PLAIN) {
		/* authzid "", authcid, password (RFC 4616) */
		plain[0] = '\0';
		memcpy(plain + 1, s->req.sasl_user, ul);
		plain[1 + ul] = '\0';
		memcpy(plain + 2 + ul, s->req.sasl_pass, pl);
		send_b64(s, "AUTH PLAIN ", plain, 2 + ul + pl);
		explicit_bzero(plain, sizeof(plain));
		s->auth_step = 2;
	} else
		send_line(s, "AUTH LOGIN\r\n");
	arm(s, cf->smtp_helo_timeout);
	return 1;
}

void
relay_auth_reply(struct rsess *s)
{
	char why[IPC_TEXT_MAX];

	if (s->reply.code == 235) {
		start_mail(s);
		return;
	}
	if (s->reply.code == 334 && s->auth_step < 2) {
		/* LOGIN: "Username:", then "Password:" */
		if (s->auth_step++ == 0)
			send_b64(s, "", (const unsigned char *)s->req.sasl_user,
			    strlen(s->req.sasl_user));
		else
			send_b64(s, "", (const unsigned char *)s->req.sasl_pass,
			    strlen(s->req.sasl_pass));
		arm(s, cf_of(s)->smtp_helo_timeout);
		return;
	}
	if (s->reply.code == 334)
		send_line(s, "*\r\n");	/* a challenge we did not expect */
	textf(why, sizeof(why), "SASL authentication failed; server %s said: "
	    "%d %s%s%s", s->hopname, s->reply.code, s->reply.dsn,
	    s->reply.dsn[0] ? " " : "", s->reply.text);
	hop_failed(s, why, 0);
}
