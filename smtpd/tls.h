/*
 * tls.h: smtpd's TLS server context (OpenSSL 3) and the TLS parameters
 * of each listener (master.cf -o smtpd_tls_wrappermode=yes,
 * -o smtpd_tls_security_level=...).
 */
#ifndef BH_SMTPD_TLS_H
#define BH_SMTPD_TLS_H

#include <stddef.h>

#include "conf/config.h"

struct ssl_ctx_st;

/*
 * The server context from smtpd_tls_cert_file, TLS 1.2 at least; the
 * private key (smtpd_tls_key_file) is read by keys, never by smtpd,
 * which asks keys to sign (tls_keys.h).  Runs before the privilege
 * drop.  NULL with err set on failure.
 */
struct ssl_ctx_st *tls_server_ctx(const struct bh_config *, char *err,
	    size_t errlen);

/* The TLS parameters a master.cf service may set with -o. */
struct listener_tls {
	int	wrapper;	/* smtpd_tls_wrappermode = yes */
	char	level[8];	/* smtpd_tls_security_level: "", none, ... */
	int	sasl_auth_enable;	/* smtpd_sasl_auth_enable = yes */
	int	tls_auth_only;		/* smtpd_tls_auth_only = yes */
	/* and the restriction lists (restrictions.h) */
	char	relay_restr[256];	/* smtpd_relay_restrictions */
	char	rcpt_restr[256];	/* smtpd_recipient_restrictions */
	char	sender_restr[256];	/* smtpd_sender_restrictions */
};

/*
 * The TLS parameters of each of the n listeners at fds first_fd..: main.cf
 * overridden by the -o options of its master.cf service.  Listeners are
 * matched to services by their bound port (and address, when the service
 * names one).  Returns 0, or -1 with err = "file:line: ...".
 */
int	tls_listeners(const struct bh_config *, int first_fd, int n,
	    struct listener_tls *out, char *err, size_t errlen);

/* Does this level offer STARTTLS (may, encrypt)? */
int	tls_level_offers(const char *level);

#endif
