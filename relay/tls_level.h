/*
 * tls_level.h: smtp_tls_security_level's levels and the certificate
 * match lists (smtp_tls_secure_cert_match, smtp_tls_verify_cert_match,
 * a policy entry's match=), shared by main.cf's checks and the policy
 * table (tls_policy.h).
 */
#ifndef BH_TLS_LEVEL_H
#define BH_TLS_LEVEL_H

/* smtp_tls_security_level, in rising order of demands */
enum tls_level {
	TLS_NONE = 0,
	TLS_MAY,
	TLS_ENCRYPT,
	TLS_VERIFY,
	TLS_SECURE,
	TLS_DANE,
	TLS_LEVEL_MAX
};

#define TLS_MATCH_MAX		256	/* the match list, as written */

/* "none" ... "dane": the level, or -1. */
int	tls_level_parse(const char *);
const char *tls_level_name(enum tls_level);

/* A match list (":", "," or blanks between names): 1 if it is good. */
int	tls_match_list_ok(const char *);

#endif
