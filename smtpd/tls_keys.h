/*
 * tls_keys.h: smtpd's side of the key oracle.  smtpd loads only the
 * certificate chain; the private key's operations go to the keys
 * compartment, synchronously, inside the handshake.
 */
#ifndef BH_SMTPD_TLS_KEYS_H
#define BH_SMTPD_TLS_KEYS_H

#include <stddef.h>

#include "conf/config.h"

struct ssl_ctx_st;

/*
 * Load smtpd_tls_cert_file's chain into ctx (only its certificates: a
 * private key in the same file is skipped and the read buffer wiped) and
 * a key whose private operations ask keys for key number 0.  Returns 0,
 * or -1 with err set.
 */
int	tls_keys_use(struct ssl_ctx_st *, const struct bh_config *,
	    char *err, size_t errlen);

/*
 * The channel to keys that master handed over (or -1): smtpd's event
 * loop never reads it; tls_keys.c owns and closes it.  violation is
 * called when keys broke the protocol (smtpd reports it to master).
 */
void	tls_keys_set_fd(int fd, void (*violation)(const char *why, void *arg),
	    void *arg);

#endif
