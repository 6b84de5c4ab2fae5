/*
 * tls_keys.c: a private key smtpd does not have.  The EVP_PKEY smtpd's
 * TLS context uses is the certificate's public key with an RSA_METHOD
 * (private encryption) or an EC_KEY_METHOD (ECDSA signature) whose
 * private operation asks the keys compartment (keys/keys.c), as
 * OpenSMTPD's rsae_* and ecdsae_* do.  OpenSSL calls them inside the
 * handshake and wants the answer there, so the request is synchronous:
 * the channel to keys is not on the event loop; each call sends one
 * IPC_KEY_SIGN and waits (poll, KEYS_TIMEOUT_MS) for its reply, which
 * the message table's header check and decoder vet as the channel
 * machinery would.  Any failure fails that handshake, nothing more.
 * While smtpd waits, its other sessions wait too: hence the short
 * timeouts below.
 *
 * RSA_METHOD and EC_KEY_METHOD are deprecated in OpenSSL 3 (their
 * replacement is a provider of our own); they are still there and still
 * the way to an external key for a legacy EVP_PKEY, which OpenSSL 3
 * keeps on its legacy path ("foreign" keys).  Hence
 * OPENSSL_SUPPRESS_DEPRECATED in this file (and keys.c) only.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lib/log.h"
#include "privsep/ipc_msgs.h"
#include "smtpd/tls_keys.h"

/*
 * smtpd waits for keys with every session stopped, so not long: a
 * signature takes well under a millisecond.  After a wait that timed
 * out, keys is taken for stuck (stopped, or starved of CPU) and the
 * next handshakes wait KEYS_STUCK_MS only, until a reply comes again.
 */
#define KEYS_TIMEOUT_MS	2000
#define KEYS_STUCK_MS	200
#define CERT_FILE_MAX	(1024 * 1024)

static int	  keys_fd = -1;
static uint32_t	  keys_id;		/* the last request's id */
static int	  keys_stuck;		/* the last wait timed out */
static void	(*keys_violation)(const char *, void *);
static void	 *keys_violation_arg;
static RSA_METHOD	*rsa_meth;
static EC_KEY_METHOD	*ec_meth;

void
tls_keys_set_fd(int fd, void (*violation)(const char *, void *), void *arg)
{
	if (keys_fd != -1)
		close(keys_fd);
	keys_fd = fd;
	keys_violation = violation;
	keys_violation_arg = arg;
	keys_stuck = 0;
}

static void
keys_lost(const char *why, int violation)
{
	log_warnx("key oracle: %s", why);
	if (keys_fd != -1)
		close(keys_fd);
	keys_fd = -1;
	if (violation && keys_violation != NULL)
		keys_violation(why, keys_violation_arg);
}

static int
ms_left(const struct timespec *deadline)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > KEYS_TIMEOUT_MS ? KEYS_TIMEOUT_MS : (int)ms;
}

static int
wait_fd(short events, const struct timespec *deadline)
{
	struct pollfd	pfd = { .fd = keys_fd, .events = events };
	int		r;

	do
		r = poll(&pfd, 1, ms_left(deadline));
	while (r == -1 && errno == EINTR);
	return r == 1 ? 0 : -1;
}

static int
send_request(const struct msg_key_sign *m, const struct timespec *deadline)
{
	static uint8_t	 payload[IPC_PAYLOAD_MAX];
	struct ipc_hdr	 h;
	struct iovec	 iov[2];
	struct msghdr	 mh;
	struct wbuf	 wb;

	wb_init(&wb, payload, sizeof(payload));
	enc_key_sign(&wb, m);
	if (wb.err)
		return -1;
	h.type = IPC_KEY_SIGN;
	h.len = wb.len;
	h.id = ++keys_id == 0 ? ++keys_id : keys_id;
	h.flags = 0;
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = payload;
	iov[1].iov_len = wb.len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	if (wait_fd(POLLOUT, deadline) == -1 ||
	    sendmsg(keys_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)(sizeof(h) + wb.len)) {
		log_warnx("key oracle: cannot send: %s", errno == 0 ?
		    "timeout" : strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * One reply: 1 = ours, in *out; 0 = a late answer to an earlier request
 * that timed out (skipped); -1 = failure (the oracle said no, or is gone).
 */
static int
recv_reply(struct msg_key_sig *out)
{
	static uint8_t		 payload[IPC_PAYLOAD_MAX];
	static union ipc_msg	 msg;
	const struct ipc_codec	*codec;
	struct ipc_hdr		 h;
	struct iovec		 iov[2];
	struct msghdr		 mh;
	struct rbuf		 rb;
	const char		*why;
	ssize_t			 n;

	memset(&h, 0, sizeof(h));
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = payload;
	iov[1].iov_len = sizeof(payload);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	/* No control buffer: an fd keys might attach is discarded (and
	   the header check below refuses the message). */
	if ((n = recvmsg(keys_fd, &mh, MSG_DONTWAIT)) <= 0) {
		keys_lost(n == 0 ? "connection closed" : strerror(errno), 0);
		return -1;
	}
	if ((size_t)n < sizeof(h) || h.len != (size_t)n - sizeof(h) ||
	    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		why = "length in header does not match the datagram";
	else if ((why = ipc_check_header(&h, ROLE_SMTPD, ROLE_KEYS, 0)) ==
	    NULL && (h.id > keys_id || ipc_type_info(h.type)->kind !=
	    IPC_REPLY))
		why = "reply to no request";
	if (why == NULL) {
		codec = ipc_type_codec(h.type);
		rb_init(&rb, payload, h.len);
		if (codec->dec(&rb, &msg) != 0)
			why = "bad payload";
	}
	if (why != NULL) {
		keys_lost(why, 1);
		return -1;
	}
	keys_stuck = 0;
	if (h.id != keys_id)
		return 0;
	if (h.type == IPC_ERROR) {
		log_warnx("key oracle: %s", msg.error.text);
		return -1;
	}
	*out = msg.key_sig;
	OPENSSL_cleanse(&msg, sizeof(msg.key_sig));
	return 1;
}

/* Ask keys; the signature's length, or -1. */
static int
keys_sign(uint32_t op, const unsigned char *in, size_t inlen,
    unsigned char *out, size_t outmax)
{
	static struct msg_key_sign	m;
	static struct msg_key_sig	sig;
	struct timespec			deadline;
	int				r, ms;

	if (keys_fd == -1) {
		log_warnx("key oracle: no channel to keys");
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.key = 0;
	m.op = op;
	m.len = inlen;
	/* What OpenSSL asks is bounded by the key; check as keys will. */
	if (inlen > sizeof(m.data) || ipc_check_key_sign(&m) != NULL) {
		log_warnx("key oracle: cannot ask for %zu bytes", inlen);
		return -1;
	}
	memcpy(m.data, in, inlen);
	ms = keys_stuck ? KEYS_STUCK_MS : KEYS_TIMEOUT_MS;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	errno = 0;
	if (send_request(&m, &deadline) == -1)
		return -1;
	do {
		if (wait_fd(POLLIN, &deadline) == -1) {
			log_warnx("key oracle: no answer in %d ms", ms);
			keys_stuck = 1;
			return -1;
		}
	} while ((r = recv_reply(&sig)) == 0);
	if (r == -1)
		return -1;
	if (sig.len > outmax) {
		keys_lost("signature longer than the key's", 1);
		return -1;
	}
	memcpy(out, sig.data, sig.len);
	return sig.len;
}

static int
rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	if (padding != RSA_PKCS1_PADDING && padding != RSA_NO_PADDING) {
		log_warnx("key oracle: RSA padding %d is not offered",
		    padding);
		return -1;
	}
	return keys_sign(padding == RSA_NO_PADDING ? KEY_OP_RSA_RAW :
	    KEY_OP_RSA_PKCS1, from, flen, to, RSA_size(rsa));
}

/* The oracle only signs: no RSA key exchange (the ciphers say so). */
static int
rsa_priv_dec(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	log_warnx("key oracle: RSA decryption is not offered");
	return -1;
}

static ECDSA_SIG *
ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	unsigned char		 der[IPC_KEY_DATA_MAX];
	const unsigned char	*p = der;
	ECDSA_SIG		*sig;
	int			 n;

	if (dlen <= 0 || (n = keys_sign(KEY_OP_ECDSA, dgst, dlen, der,
	    sizeof(der))) <= 0)
		return NULL;
	if ((sig = d2i_ECDSA_SIG(NULL, &p, n)) == NULL || p != der + n) {
		ECDSA_SIG_free(sig);
		log_warnx("key oracle: malformed ECDSA signature");
		return NULL;
	}
	return sig;
}

static int
make_methods(void)
{
	int (*sign)(int, const unsigned char *, int, unsigned char *,
	    unsigned int *, const BIGNUM *, const BIGNUM *, EC_KEY *);
	int (*setup)(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **);

	if (rsa_meth != NULL)
		return 0;
	if ((rsa_meth = RSA_meth_dup(RSA_get_default_method())) == NULL ||
	    RSA_meth_set1_name(rsa_meth, "bulkhead key oracle") != 1 ||
	    RSA_meth_set_priv_enc(rsa_meth, rsa_priv_enc) != 1 ||
	    RSA_meth_set_priv_dec(rsa_meth, rsa_priv_dec) != 1)
		return -1;
	if ((ec_meth = EC_KEY_METHOD_new(EC_KEY_get_default_method())) ==
	    NULL)
		return -1;
	EC_KEY_METHOD_get_sign(ec_meth, &sign, &setup, NULL);
	EC_KEY_METHOD_set_sign(ec_meth, sign, setup, ec_sign_sig);
	return 0;
}

/* The certificate's public key, its private half at keys. */
static EVP_PKEY *
oracle_key(X509 *x)
{
	EVP_PKEY	*pub = X509_get0_pubkey(x), *pk;
	RSA		*rsa;
	EC_KEY		*ec;

	if (pub == NULL || make_methods() == -1 || (pk = EVP_PKEY_new()) ==
	    NULL)
		return NULL;
	if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA &&
	    (rsa = EVP_PKEY_get1_RSA(pub)) != NULL) {
		if (RSA_set_method(rsa, rsa_meth) == 1 &&
		    EVP_PKEY_assign_RSA(pk, rsa) == 1)
			return pk;
		RSA_free(rsa);
	} else if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC &&
	    (ec = EVP_PKEY_get1_EC_KEY(pub)) != NULL) {
		if (EC_KEY_set_method(ec, ec_meth) == 1 &&
		    EVP_PKEY_assign_EC_KEY(pk, ec) == 1)
			return pk;
		EC_KEY_free(ec);
	}
	EVP_PKEY_free(pk);
	return NULL;
}

/*
 * The file's CERTIFICATE blocks, in order, in a memory BIO.  The file
 * may hold the private key too (smtpd_tls_key_file defaults to the
 * certificate file): those bytes pass through buf only, which is wiped.
 */
static BIO *
read_certs(const char *path, char *err, size_t errlen)
{
	static const char	 begin[] = "-----BEGIN CERTIFICATE-----";
	static const char	 end[] = "-----END CERTIFICATE-----";
	struct stat		 st;
	char			*buf = NULL, *p, *q;
	BIO			*bio = NULL;
	int			 fd;

	errno = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || st.st_size > CERT_FILE_MAX ||
	    (buf = calloc(1, st.st_size + 1)) == NULL ||
	    read(fd, buf, st.st_size) != st.st_size) {
		snprintf(err, errlen, "smtpd_tls_cert_file %s: %s", path,
		    errno != 0 ? strerror(errno) : "too large, or changed "
		    "while read");
		goto done;
	}
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		goto done;
	for (p = buf; (p = strstr(p, begin)) != NULL; p = q) {
		if ((q = strstr(p, end)) == NULL)
			break;
		q += sizeof(end) - 1;
		if (BIO_write(bio, p, q - p) != q - p ||
		    BIO_write(bio, "\n", 1) != 1) {
			BIO_free(bio);
			bio = NULL;
			break;
		}
	}
	if (bio == NULL)
		snprintf(err, errlen, "smtpd_tls_cert_file %s: out of memory",
		    path);
done:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, st.st_size);
		free(buf);
	}
	if (fd != -1)
		close(fd);
	return bio;
}

static void
ssl_err(char *err, size_t errlen, const char *what, const char *path)
{
	char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	ERR_clear_error();
	snprintf(err, errlen, "%s %s: %s", what, path, buf);
}

int
tls_keys_use(SSL_CTX *ctx, const struct bh_config *cf, char *err,
    size_t errlen)
{
	const char	*path = cf->smtpd_tls_cert_file;
	BIO		*bio;
	X509		*x, *ca;
	EVP_PKEY	*pk;
	int		 rc = -1;

	if ((bio = read_certs(path, err, errlen)) == NULL)
		return -1;
	if ((x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL)) == NULL) {
		ssl_err(err, errlen, "smtpd_tls_cert_file", path);
		goto done;
	}
	if (SSL_CTX_use_certificate(ctx, x) != 1) {
		ssl_err(err, errlen, "smtpd_tls_cert_file", path);
		goto done;
	}
	while ((ca = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
			X509_free(ca);
			ssl_err(err, errlen, "smtpd_tls_cert_file", path);
			goto done;
		}
	ERR_clear_error();		/* the end of the chain */
	if ((pk = oracle_key(x)) == NULL) {
		snprintf(err, errlen, "smtpd_tls_cert_file %s: not an RSA or "
		    "EC key", path);
		goto done;
	}
	if (SSL_CTX_use_PrivateKey(ctx, pk) != 1)
		ssl_err(err, errlen, "smtpd_tls_cert_file", path);
	else
		rc = 0;
	EVP_PKEY_free(pk);
done:
	X509_free(x);
	BIO_free(bio);
	return rc;
}
