/*
 * restrictions.h: the part of Postfix's access restriction lists that
 * bulkhead has, for smtpd_relay_restrictions, smtpd_recipient_restrictions
 * (RCPT) and smtpd_sender_restrictions (MAIL), main.cf or per master.cf
 * service (-o).  Whether a remote domain is ours to relay to is lookup's
 * (resolve.c); these lists say what a client may do besides:
 *   permit_mynetworks		the client is in mynetworks: permitted
 *   permit_sasl_authenticated	the client logged in (AUTH): permitted
 *   reject_unauth_destination,
 *   defer_unauth_destination	stop here: lookup decides, as without a list
 *   reject			refused
 *   reject_sender_login_mismatch
 *				(sender restrictions) the MAIL FROM address
 *				must be one smtpd_sender_login_maps gives
 *				the login; without a login, one it gives
 *				nobody
 * "Permitted" at RCPT means a remote recipient is taken like one from
 * a client in mynetworks.
 */
#ifndef BH_RESTRICTIONS_H
#define BH_RESTRICTIONS_H

#include <stddef.h>

#define RESTR_LIST_MAX	256	/* a list's text */

enum restr_result {
	RESTR_DEFAULT = 0,	/* none applied: lookup's verdict stands */
	RESTR_PERMIT,
	RESTR_REJECT,
	RESTR_LOGIN_MISMATCH	/* reject_sender_login_mismatch applies */
};

/* -1 with why for an element bulkhead does not have. */
int	restr_check(const char *list, char *why, size_t whylen);
/* The first element of list that applies to this client. */
enum restr_result restr_eval(const char *list, int in_mynetworks,
	    int logged_in);

#endif
