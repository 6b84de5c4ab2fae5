/*
 * tls.c: smtpd's TLS server context, and per-listener wrapper mode.
 * smtpd holds the certificate only: the private key is in the keys
 * compartment, which signs for it (tls_keys.c).
 *
 * The sessions themselves use libevent's OpenSSL filter (session.c).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "conf/mastercf.h"
#include "lib/strl.h"
#include "smtpd/restrictions.h"
#include "smtpd/tls.h"
#include "smtpd/tls_keys.h"

static void
ssl_error(char *err, size_t errlen, const char *what, const char *file)
{
	char	buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	snprintf(err, errlen, "%s %s: %s", what, file, buf);
	ERR_clear_error();
}

SSL_CTX *
tls_server_ctx(const struct bh_config *cf, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if (cf->smtpd_tls_cert_file[0] == '\0') {
		snprintf(err, errlen, "smtpd_tls_security_level = %s needs "
		    "smtpd_tls_cert_file", cf->smtpd_tls_security_level);
		return NULL;
	}
	/*
	 * Initialise now, with everything reachable, and without the
	 * atexit cleanup: it takes locks with futex(2), which is not on
	 * smtpd's seccomp list, and the process is ending anyway.
	 */
	if (OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT |
	    OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS,
	    NULL) != 1) {
		ssl_error(err, errlen, "OPENSSL_init_ssl", "");
		return NULL;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		ssl_error(err, errlen, "SSL_CTX_new", "");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* No renegotiation, no compression, no session tickets to keep. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/*
	 * The key oracle only signs: no RSA key exchange (TLS 1.2's kRSA
	 * ciphers would need it to decrypt for us).
	 */
	if (SSL_CTX_set_cipher_list(ctx, "DEFAULT:!kRSA") != 1) {
		ssl_error(err, errlen, "SSL_CTX_set_cipher_list", "");
		goto fail;
	}
	/* The certificate; its private key stays in keys (tls_keys.c). */
	if (tls_keys_use(ctx, cf, err, errlen) == -1)
		goto fail;
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int
tls_level_offers(const char *level)
{
	return strcmp(level, "may") == 0 || strcmp(level, "encrypt") == 0;
}

/* The restriction list a -o option names, or NULL. */
static char *
listener_restr(struct listener_tls *lt, const char *name)
{
	if (strcmp(name, "smtpd_relay_restrictions") == 0)
		return lt->relay_restr;
	if (strcmp(name, "smtpd_recipient_restrictions") == 0)
		return lt->rcpt_restr;
	if (strcmp(name, "smtpd_sender_restrictions") == 0)
		return lt->sender_restr;
	return NULL;
}

/* Apply the service's -o options over main.cf's values. */
static int
service_tls(const struct mcf_service *svc, struct listener_tls *lt,
    char *err, size_t errlen)
{
	size_t		 i;
	const char	*n, *v;
	char		 why[256];

	for (i = 0; i < svc->nopts; i++) {
		n = svc->opts[i].name;
		v = svc->opts[i].value;
		if (strcmp(n, "smtpd_tls_wrappermode") == 0) {
			if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
				goto bad;
			lt->wrapper = strcmp(v, "yes") == 0;
		} else if (strcmp(n, "smtpd_sasl_auth_enable") == 0 ||
		    strcmp(n, "smtpd_tls_auth_only") == 0) {
			if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
				goto bad;
			*(n[6] == 's' ? &lt->sasl_auth_enable :
			    &lt->tls_auth_only) = strcmp(v, "yes") == 0;
		} else if (listener_restr(lt, n) != NULL) {
			if (restr_check(v, why, sizeof(why)) == -1)
				goto bad;
			xstrlcpy(listener_restr(lt, n), v, RESTR_LIST_MAX);
		} else if (strcmp(n, "smtpd_tls_security_level") == 0) {
			if (*v != '\0' && strcmp(v, "none") != 0 &&
			    !tls_level_offers(v))
				goto bad;
			xstrlcpy(lt->level, v, sizeof(lt->level));
		}
	}
	return 0;
bad:
	snprintf(err, errlen, "%s:%d: bad value for %s: '%s'", svc->file,
	    svc->line, n, v);
	return -1;
}

/* The listener's address and port, as the strings master.cf uses. */
static int
listener_name(int fd, char *host, size_t hostlen, char *port, size_t portlen)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, host, hostlen);
		snprintf(port, portlen, "%u", ntohs(s4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, host, hostlen);
		snprintf(port, portlen, "%u", ntohs(s6->sin6_port));
	} else
		return -1;
	return 0;
}

/* Same address?  Compares numerically, so "::1" and "0:0::1" match. */
static int
same_host(const char *a, const char *b)
{
	unsigned char	x[sizeof(struct in6_addr)], y[sizeof(x)];
	int		af = strchr(a, ':') ? AF_INET6 : AF_INET;

	if (strchr(b, ':') ? af != AF_INET6 : af != AF_INET)
		return 0;
	return inet_pton(af, a, x) == 1 && inet_pton(af, b, y) == 1 &&
	    memcmp(x, y, af == AF_INET ? 4 : 16) == 0;
}

int
tls_listeners(const struct bh_config *cf, int first_fd, int n,
    struct listener_tls *out, char *err, size_t errlen)
{
	struct mcf_table	 mcf;
	char			 path[4096], host[INET6_ADDRSTRLEN], port[8];
	int			 i, rc = 0;
	size_t			 j;

	memset(&mcf, 0, sizeof(mcf));
	snprintf(path, sizeof(path), "%s/master.cf", cf->config_directory);
	if (mcf_parse_file(&mcf, path, err, errlen) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		out[i].wrapper = strcmp(cf->smtpd_tls_wrappermode, "yes") == 0;
		out[i].sasl_auth_enable =
		    strcmp(cf->smtpd_sasl_auth_enable, "yes") == 0;
		out[i].tls_auth_only =
		    strcmp(cf->smtpd_tls_auth_only, "yes") == 0;
		xstrlcpy(out[i].relay_restr, cf->smtpd_relay_restrictions,
		    sizeof(out[i].relay_restr));
		xstrlcpy(out[i].rcpt_restr, cf->smtpd_recipient_restrictions,
		    sizeof(out[i].rcpt_restr));
		xstrlcpy(out[i].sender_restr, cf->smtpd_sender_restrictions,
		    sizeof(out[i].sender_restr));
		/* one of "", none, may, encrypt: config_check made sure */
		xstrlcpy(out[i].level, cf->smtpd_tls_security_level,
		    sizeof(out[i].level));
		if (listener_name(first_fd + i, host, sizeof(host), port,
		    sizeof(port)) == -1)
			continue;
		for (j = 0; j < mcf.n; j++) {
			const struct mcf_service *svc = &mcf.v[j];
			const char *h = svc->host;

			/* mastercf.c stores a numeric host, no brackets */
			if (strcmp(svc->port, port) != 0 ||
			    (h != NULL && !same_host(h, host)))
				continue;
			rc = service_tls(svc, &out[i], err, errlen);
			break;
		}
	}
	mcf_free(&mcf);
	return rc;
}
