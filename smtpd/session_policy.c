/*
 * session_policy.c: the restriction lists at MAIL and RCPT (see
 * restrictions.h): smtpd_sender_restrictions with
 * reject_sender_login_mismatch against smtpd_sender_login_maps, and
 * smtpd_relay_restrictions and smtpd_recipient_restrictions, where a
 * logged-in client (permit_sasl_authenticated) or one in mynetworks
 * may send to remote recipients, and "reject" refuses the rest.
 *
 * Handlers: none; cmd_mail and cmd_rcpt (session_cmd.c) call in.
 */
#include <string.h>

#include "lib/log.h"
#include "lib/netrange.h"
#include "smtpd/restrictions.h"
#include "smtpd/sender_login.h"
#include "smtpd/smtp_parse.h"
#include "smtpd/smtpd.h"
#include "smtpd/tls.h"
#include "smtpd/session_int.h"

static int
in_mynetworks(const struct session *s)
{
	return netrange_in_list(cf(s)->mynetworks.v, cf(s)->mynetworks.n,
	    s->client_addr);
}

/* MAIL FROM sender: 0, or -1 after a reply. */
int
policy_mail(struct session *s, const char *sender)
{
	const struct sender_logins	*sl = &s->sd->sender_logins;
	const char			*why = NULL;

	if (restr_eval(s->sender_restr, in_mynetworks(s),
	    s->sasl_user != NULL) != RESTR_LOGIN_MISMATCH || *sender == '\0')
		return 0;
	if (s->sasl_user != NULL && !sl_owns(sl, sender, s->sasl_user))
		why = "not owned by user";
	else if (s->sasl_user == NULL && sl_owners(sl, sender) != NULL)
		why = "not logged in";
	if (why == NULL)
		return 0;
	log_info("reject: MAIL from unknown[%s]: 553 5.7.1 <%s>: Sender "
	    "address rejected: %s%s%s", s->client_addr, sender, why,
	    s->sasl_user != NULL ? " " : "",
	    s->sasl_user != NULL ? s->sasl_user : "");
	reply_error(s, "553 5.7.1 <%s>: Sender address rejected: %s%s%s",
	    sender, why, s->sasl_user != NULL ? " " : "",
	    s->sasl_user != NULL ? s->sasl_user : "");
	return -1;
}

/* RCPT TO addr, before lookup is asked: 0, or -1 after a reply. */
int
policy_rcpt(struct session *s, const char *addr)
{
	int			mynet = in_mynetworks(s);
	int			in = s->sasl_user != NULL;
	enum restr_result	relay, rcpt;

	relay = restr_eval(s->relay_restr, mynet, in);
	rcpt = relay == RESTR_REJECT ? RESTR_REJECT :
	    restr_eval(s->rcpt_restr, mynet, in);
	if (relay == RESTR_REJECT || rcpt == RESTR_REJECT) {
		log_info("reject: RCPT from unknown[%s]: 554 5.7.1 <%s>: "
		    "Recipient address rejected: Access denied",
		    s->client_addr, addr);
		reply_error(s, "554 5.7.1 <%s>: Recipient address rejected: "
		    "Access denied", addr);
		return -1;
	}
	/*
	 * A client in mynetworks is lookup's to judge (it trusts them,
	 * and still refuses what nobody may relay to, such as a literal
	 * of another host); a permit counts for the others, which can
	 * only be a login.
	 */
	s->rcpt_permitted = !mynet &&
	    (relay == RESTR_PERMIT || rcpt == RESTR_PERMIT);
	return 0;
}

/*
 * lookup refused a remote recipient although smtpd told it the client
 * is trusted: nothing could relay there (a literal of another host).
 * A permitted client hears 451, as one in mynetworks would.
 */
uint32_t
policy_verdict(const struct session *s, uint32_t verdict)
{
	if (verdict == RCPT_RELAY_DENIED && s->rcpt_permitted)
		return RCPT_RELAY_UNAVAILABLE;
	return verdict;
}
