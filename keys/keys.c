/*
 * keys.c: the key oracle (OpenSMTPD's ca.c idea).  It reads the TLS
 * private keys before the privilege drop, as root, and from then on only
 * signs what smtpd asks: an RSA private encryption (PKCS#1 type 1
 * padding, or none for the PSS padding OpenSSL applied in smtpd) or an
 * ECDSA signature of a digest.  It never decrypts (smtpd offers no RSA
 * key exchange), never hands a key out, and has no network and no file
 * system (an empty root, a seccomp list of the base calls).  smtpd holds
 * only the certificate (smtpd/tls_keys.c).
 *
 * A request it cannot honour (no such key, the wrong kind of key, a
 * length the key does not take) gets IPC_ERROR; a malformed one never
 * decodes, and the channel closes as a violation.
 *
 * Handlers:
 *   on_sign	smtpd's IPC_KEY_SIGN
 *
 * The legacy RSA and EC_KEY calls are deprecated in OpenSSL 3 but are
 * the ones that take a raw, already padded block; smtpd's side needs
 * the same API (RSA_METHOD, EC_KEY_METHOD), so both files use it.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <sys/resource.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <event2/event.h>

#include "lib/log.h"
#include "privsep/ipc_msgs.h"
#include "privsep/sandbox.h"
#include "privsep/worker.h"

/* One key: the legacy object the signing calls take. */
struct key {
	RSA			*rsa;
	EC_KEY			*ec;
};

struct keys {
	struct worker_env	 we;
	struct key		 key[IPC_KEYS_MAX];
	size_t			 nkeys;
	struct ipc_chan		*smtpd;
};

static const char *
ssl_why(void)
{
	static char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

/* RSA: the modulus' size out, PKCS#1 (room for 11 bytes of padding) or
   raw (exactly the modulus' size) in. */
static int
sign_rsa(const struct key *key, const struct msg_key_sign *m,
    struct msg_key_sig *out, const char **why)
{
	RSA	*rsa = key->rsa;
	int	 size, pad, n;

	if (rsa == NULL || (m->op != KEY_OP_RSA_PKCS1 &&
	    m->op != KEY_OP_RSA_RAW)) {
		*why = "not an RSA key";
		return -1;
	}
	size = RSA_size(rsa);
	pad = m->op == KEY_OP_RSA_RAW ? RSA_NO_PADDING : RSA_PKCS1_PADDING;
	if (size > IPC_KEY_DATA_MAX || (pad == RSA_NO_PADDING ?
	    (int)m->len != size : (int)m->len > size - 11)) {
		*why = "length does not fit the key";
		return -1;
	}
	if ((n = RSA_private_encrypt(m->len, m->data, out->data, rsa,
	    pad)) <= 0) {
		*why = ssl_why();
		return -1;
	}
	out->len = n;
	return 0;
}

static int
sign_ecdsa(const struct key *key, const struct msg_key_sign *m,
    struct msg_key_sig *out, const char **why)
{
	EC_KEY		*ec = key->ec;
	unsigned int	 n = 0;

	if (ec == NULL || m->op != KEY_OP_ECDSA) {
		*why = "not an EC key";
		return -1;
	}
	if ((size_t)ECDSA_size(ec) > sizeof(out->data)) {
		*why = "signature too long";
		return -1;
	}
	if (ECDSA_sign(0, m->data, m->len, out->data, &n, ec) != 1 ||
	    n == 0) {
		*why = ssl_why();
		return -1;
	}
	out->len = n;
	return 0;
}

static void
on_sign(struct keys *k, struct ipc_chan *c, uint32_t id,
    const struct msg_key_sign *m)
{
	static struct msg_key_sig	 sig;
	static uint8_t			 buf[IPC_PAYLOAD_MAX];
	struct wbuf			 wb;
	const char			*why = NULL;
	const struct key		*key;
	int				 rc;

	if (m->key >= k->nkeys) {
		ipc_reply_error(c, id, "4.7.0", "no such key");
		return;
	}
	key = &k->key[m->key];
	if (m->op == KEY_OP_ECDSA)
		rc = sign_ecdsa(key, m, &sig, &why);
	else
		rc = sign_rsa(key, m, &sig, &why);
	if (rc == -1) {
		log_warnx("key %u: cannot sign: %s", m->key, why);
		ipc_reply_error(c, id, "4.7.0", why);
		return;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_key_sig(&wb, &sig);
	ipc_reply(c, IPC_KEY_SIGN_OK, id, &wb, -1);
	OPENSSL_cleanse(&sig, sizeof(sig));
}

static void
peer_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	if (fd != -1)
		close(fd);	/* the table allows none here; never reached */
	if (h->type == IPC_KEY_SIGN)
		on_sign(arg, c, h->id, &msg->key_sign);
	else
		ipc_chan_fail(c, "unexpected message type");
}

static void
peer_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct keys *k = arg;

	if (violation)
		worker_peer_violation(&k->we, ROLE_SMTPD, why);
	if (k->smtpd == c)
		k->smtpd = NULL;
	ipc_chan_free(c);
}

/* A restarted smtpd gets a new channel; the old one is gone. */
static void
on_peer(struct worker_env *we, enum bh_role peer, int fd)
{
	struct keys *k = we->arg;

	if (peer != ROLE_SMTPD) {
		close(fd);
		fatalx("master handed keys a channel to %s",
		    ipc_role_name(peer));
	}
	if (k->smtpd != NULL)
		ipc_chan_free(k->smtpd);
	k->smtpd = ipc_chan_new(we->base, fd, ROLE_KEYS, ROLE_SMTPD,
	    peer_msg, peer_closed, k);
}

/*
 * Key 0: smtpd_tls_key_file, which must match smtpd_tls_cert_file (the
 * check smtpd made while it read both).  The key file may hold the
 * certificates too (the default key file is the certificate file).
 */
static void
load_key(const struct bh_config *cf, struct key *key)
{
	EVP_PKEY	*pk;
	X509		*x;
	FILE		*f;

	if ((f = fopen(cf->smtpd_tls_key_file, "re")) == NULL)
		fatal("smtpd_tls_key_file %s", cf->smtpd_tls_key_file);
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (pk == NULL)
		fatalx("smtpd_tls_key_file %s: %s", cf->smtpd_tls_key_file,
		    ssl_why());
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA &&
	    EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC)
		fatalx("smtpd_tls_key_file %s: neither RSA nor EC",
		    cf->smtpd_tls_key_file);
	if ((f = fopen(cf->smtpd_tls_cert_file, "re")) == NULL)
		fatal("smtpd_tls_cert_file %s", cf->smtpd_tls_cert_file);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		fatalx("smtpd_tls_cert_file %s: %s", cf->smtpd_tls_cert_file,
		    ssl_why());
	if (X509_check_private_key(x, pk) != 1)
		fatalx("smtpd_tls_key_file %s does not match %s",
		    cf->smtpd_tls_key_file, cf->smtpd_tls_cert_file);
	X509_free(x);
	/* The legacy copy the signing calls use. */
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA)
		key->rsa = EVP_PKEY_get1_RSA(pk);
	else
		key->ec = EVP_PKEY_get1_EC_KEY(pk);
	if (key->rsa == NULL && key->ec == NULL)
		fatalx("smtpd_tls_key_file %s: %s", cf->smtpd_tls_key_file,
		    ssl_why());
	EVP_PKEY_free(pk);
}

/* Before the privilege drop: the key files are root's. */
static void
keys_prepare(struct worker_env *we, struct sandbox_spec *sb)
{
	struct keys *k = we->arg;

	/* No atexit cleanup: it takes locks with futex(2). */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT |
	    OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL) != 1)
		fatalx("OPENSSL_init_crypto");
	/* smtpd's sessions all wait while keys signs: let it run first. */
	if (setpriority(PRIO_PROCESS, 0, -5) == -1)
		log_warn("setpriority");
	if (we->cf.smtpd_tls_cert_file[0] == '\0' ||
	    we->cf.smtpd_tls_key_file[0] == '\0')
		return;
	load_key(&we->cf, &k->key[k->nkeys++]);
}

static void
keys_ready(struct worker_env *we)
{
	struct keys *k = we->arg;

	log_info("ready: %zu key%s", k->nkeys, k->nkeys == 1 ? "" : "s");
}

int
keys_main(int argc, char **argv)
{
	static struct keys		k;
	static const struct worker_role	role = {
		.role = ROLE_KEYS,
		.prepare = keys_prepare,
		.ready = keys_ready,
		.on_peer = on_peer,
	};

	return worker_main(&role, &k.we, &k, argc, argv);
}
