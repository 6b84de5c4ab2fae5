/*
 * smtp_tls.c: STARTTLS in the relay's SMTP client, as Postfix's
 * smtp_tls_security_level has it: none, may (TLS when offered, any
 * certificate), encrypt (TLS required, any certificate), verify (TLS
 * required, a certificate that chains to smtp_tls_CAfile and names the
 * next hop).  The CA file is read before the privilege drop
 * (relay_tls_init); OpenSSL is initialised without its atexit cleanup,
 * as smtpd's is.  After the handshake the log says what was verified,
 * in Postfix's words: Verified (chain and name), Trusted (chain, not
 * the name), Untrusted (no chain), Anonymous (no certificate).
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "lib/log.h"
#include "relay/relay.h"

static SSL_CTX	*ctx;

int
relay_tls_level(const struct bh_config *cf)
{
	const char *l = cf->smtp_tls_security_level;

	if (strcmp(l, "verify") == 0)
		return TLS_VERIFY;
	if (strcmp(l, "encrypt") == 0)
		return TLS_ENCRYPT;
	if (strcmp(l, "may") == 0)
		return TLS_MAY;
	return TLS_NONE;
}

void
relay_tls_init(const struct bh_config *cf)
{
	if (relay_tls_level(cf) == TLS_NONE)
		return;
	if (OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT |
	    OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS,
	    NULL) != 1 || (ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		fatalx("relay: cannot initialise TLS");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	/* the result is judged after the handshake (tls_done) */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (cf->smtp_tls_CAfile[0] != '\0' &&
	    SSL_CTX_load_verify_locations(ctx, cf->smtp_tls_CAfile, NULL)
	    != 1)
		fatalx("relay: smtp_tls_CAfile %s: cannot load it",
		    cf->smtp_tls_CAfile);
}

/* The name the certificate must carry: the hop's name, or its address. */
static int
expect_name(SSL *ssl, const struct msg_relay_hop *h)
{
	X509_VERIFY_PARAM	*vp = SSL_get0_param(ssl);
	unsigned char		 a[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, h->name, a) == 1 ||
	    inet_pton(AF_INET6, h->name, a) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(vp, h->name) == 1 ? 0 : -1;
	if (SSL_set_tlsext_host_name(ssl, h->name) != 1)
		return -1;
	return SSL_set1_host(ssl, h->name) == 1 ? 0 : -1;
}

/* Start the handshake over the session's connection: 0, or -1. */
int
relay_tls_start(struct rsess *s)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if (ctx == NULL || (ssl = SSL_new(ctx)) == NULL)
		return -1;
	if (expect_name(ssl, &s->req.hops[s->hop]) == -1) {
		SSL_free(ssl);
		return -1;
	}
	if ((bev = bufferevent_openssl_filter_new(s->r->we.base, s->bev, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		SSL_free(ssl);
		return -1;
	}
	s->bev = bev;
	s->tls = 1;
	return 0;
}

/*
 * The handshake is done: log what was verified, in Postfix's words.
 * Returns 0, or -1 (with why) if the security level refuses it.
 */
int
relay_tls_done(struct rsess *s, char *why, size_t whylen)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(s->bev);
	X509		*cert;
	const char	*trust;
	long		 vr;
	int		 bits, alg;

	if (ssl == NULL)
		return -1;
	if ((cert = SSL_get1_peer_certificate(ssl)) == NULL)
		trust = "Anonymous";
	else {
		vr = SSL_get_verify_result(ssl);
		trust = vr == X509_V_OK ? "Verified" :
		    vr == X509_V_ERR_HOSTNAME_MISMATCH ||
		    vr == X509_V_ERR_IP_ADDRESS_MISMATCH ? "Trusted" :
		    "Untrusted";
		X509_free(cert);
	}
	bits = SSL_get_cipher_bits(ssl, &alg);
	log_info("%s: %s TLS connection established to %s: %s with cipher %s "
	    "(%d/%d bits)", s->req.qid, trust, s->hopname,
	    SSL_get_version(ssl), SSL_get_cipher_name(ssl), bits, alg);
	if (relay_tls_level(&s->r->we.cf) == TLS_VERIFY &&
	    strcmp(trust, "Verified") != 0) {
		snprintf(why, whylen, "Server certificate not verified: %s "
		    "TLS connection to %s", trust, s->hopname);
		return -1;
	}
	return 0;
}
