/*
 * tls.h: smtpd's TLS server context (OpenSSL 3) and which listeners
 * speak TLS from the first byte (master.cf -o smtpd_tls_wrappermode=yes).
 */
#ifndef BH_SMTPD_TLS_H
#define BH_SMTPD_TLS_H

#include <stddef.h>

#include "privsep/config.h"

struct ssl_ctx_st;

/*
 * The server context from smtpd_tls_cert_file and smtpd_tls_key_file,
 * TLS 1.2 at least.  Must run before the privilege drop: the key is
 * readable by root only.  NULL with err set on failure.
 */
struct ssl_ctx_st *tls_server_ctx(const struct bh_config *, char *err,
	    size_t errlen);

/*
 * For each of the n listeners at fds 4.., is it a wrapper-mode (implicit
 * TLS) service?  Listeners are matched to master.cf services by their
 * bound port (and address, when the service names one).  Returns 0, or
 * -1 with err set.
 */
int	tls_wrapper_listeners(const struct bh_config *, int first_fd, int n,
	    int *wrapper, char *err, size_t errlen);

#endif
