/*
 * smtp_tls.c: STARTTLS in the relay's SMTP client, at the level queue
 * found for the destination (smtp_tls_security_level, or its entry in
 * smtp_tls_policy_maps): none, may (TLS when offered, any certificate),
 * encrypt (TLS required, any certificate), verify (TLS required, a
 * certificate that chains to smtp_tls_CAfile and names the MX host),
 * secure (the same, with the names queue sends: by default the next-hop
 * domain and its subdomains), dane (RFC 7672: the DNSSEC-validated TLSA
 * records queue sends, usages DANE-TA(2) and DANE-EE(3), through
 * OpenSSL's SSL_dane_enable and SSL_dane_tlsa_add; without records it
 * acts as may, with the IPC_TLSA_UNUSABLE mark (validated records, none
 * usable) as encrypt, RFC 7672 2.2).  The CA file is read before the privilege drop
 * (relay_tls_init); OpenSSL is initialised without its atexit cleanup,
 * as smtpd's is.  After the handshake the log says what was verified,
 * in Postfix's words: Verified (chain and name, or a TLSA match),
 * Trusted (chain, not the name), Untrusted (no chain), Anonymous (no
 * certificate).
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>
#include <strings.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "relay/relay.h"

static SSL_CTX	*ctx;

/*
 * The number of TLSA records queue sent for the current hop's host
 * (usable ones, or with unusable set: the IPC_TLSA_UNUSABLE mark).
 */
static size_t
hop_tlsa(const struct rsess *s, int unusable)
{
	const char	*name = s->req.hops[s->hop].name;
	size_t		 i, n = 0;

	for (i = 0; i < s->req.ntlsa; i++)
		if (strcasecmp(s->req.hops[s->req.tlsa[i].hop].name, name)
		    == 0 && (s->req.tlsa[i].usage == IPC_TLSA_UNUSABLE) ==
		    unusable)
			n++;
	return n;
}

/*
 * The level for the current hop: dane without TLSA records is may, and
 * with records that are all unusable encrypt (RFC 7672 2.2).
 */
int
relay_tls_level(const struct rsess *s)
{
	if (s->req.tls_level == TLS_DANE && hop_tlsa(s, 0) == 0)
		return hop_tlsa(s, 1) > 0 ? TLS_ENCRYPT : TLS_MAY;
	return (int)s->req.tls_level;
}

/* TLS for every level a policy may ask for, whatever the default. */
void
relay_tls_init(const struct bh_config *cf)
{
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
	if (SSL_CTX_dane_enable(ctx) <= 0)
		fatalx("relay: cannot enable DANE in OpenSSL");
}

static int
is_ip(const char *name)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, name, a) == 1 ||
	    inet_pton(AF_INET6, name, a) == 1;
}

/* One name the certificate may carry ("hostname": the hop's). */
static int
add_name(SSL *ssl, const char *w, size_t n, const char *host, int *first)
{
	char	name[IPC_HOST_MAX + 2];

	if (n == 8 && strncmp(w, "hostname", 8) == 0)
		xstrlcpy(name, host, sizeof(name));
	else if (n < sizeof(name)) {
		memcpy(name, w, n);
		name[n] = '\0';
	} else
		return -1;
	if (is_ip(name))
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    name) == 1 ? 0 : -1;
	if (*first) {
		*first = 0;
		return SSL_set1_host(ssl, name) == 1 ? 0 : -1;
	}
	return SSL_add1_host(ssl, name) == 1 ? 0 : -1;
}

/* The names the certificate must carry: queue's list, or the hop's. */
static int
expect_names(SSL *ssl, const struct rsess *s)
{
	const char	*host = s->req.hops[s->hop].name, *p;
	const char	*list = s->req.tls_match[0] != '\0' ?
			    s->req.tls_match : "hostname";
	size_t		 n;
	int		 first = 1;

	for (p = list; *p != '\0'; p += n) {
		p += strspn(p, " ");
		if ((n = strcspn(p, " ")) == 0)
			break;
		if (add_name(ssl, p, n, host, &first) == -1)
			return -1;
	}
	return 0;
}

/* DANE: the hop's TLSA records (RFC 7672), names not checked for EE. */
static int
expect_tlsa(SSL *ssl, const struct rsess *s)
{
	const char			*host = s->req.hops[s->hop].name;
	const struct msg_relay_tlsa	*t;
	size_t				 i, usable = 0;

	if (SSL_dane_enable(ssl, host) <= 0)
		return -1;
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (i = 0; i < s->req.ntlsa; i++) {
		t = &s->req.tlsa[i];
		if (strcasecmp(s->req.hops[t->hop].name, host) != 0 ||
		    t->usage == IPC_TLSA_UNUSABLE)
			continue;
		if (SSL_dane_tlsa_add(ssl, (uint8_t)t->usage,
		    (uint8_t)t->selector, (uint8_t)t->mtype, t->data, t->len)
		    > 0)
			usable++;
	}
	return usable > 0 ? 0 : -1;
}

/* SNI and what the certificate must show, by the level. */
static int
expect(SSL *ssl, const struct rsess *s)
{
	const char	*host = s->req.hops[s->hop].name;
	int		 level = relay_tls_level(s);

	if (!is_ip(host) && SSL_set_tlsext_host_name(ssl, host) != 1)
		return -1;
	if (level == TLS_DANE)
		return expect_tlsa(ssl, s);
	return expect_names(ssl, s);
}

/* Start the handshake over the session's connection: 0, or -1. */
int
relay_tls_start(struct rsess *s)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if (ctx == NULL || (ssl = SSL_new(ctx)) == NULL)
		return -1;
	if (expect(ssl, s) == -1) {
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
	if (relay_tls_level(s) >= TLS_VERIFY &&
	    strcmp(trust, "Verified") != 0) {
		snprintf(why, whylen, "Server certificate not verified: %s "
		    "TLS connection to %s", trust, s->hopname);
		return -1;
	}
	return 0;
}
