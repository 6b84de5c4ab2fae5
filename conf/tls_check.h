/*
 * tls_check.h: the TLS certificate and key files of main.cf, read and
 * matched as start-up reads them ("bulkhead -n").
 */
#ifndef BH_TLS_CHECK_H
#define BH_TLS_CHECK_H

#include <stddef.h>

#include "conf/config.h"

/*
 * smtpd_tls_cert_file and smtpd_tls_key_file, when set: both readable
 * PEM, the key RSA or EC, and the key the certificate's.  Returns 0, or
 * -1 with err "parameter file: reason".
 */
int	config_check_tls(const struct bh_config *, char *err, size_t errlen);

#endif
