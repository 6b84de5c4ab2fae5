/*
 * tls_check.c: "bulkhead -n" reads the TLS certificate and private key
 * as start-up does (the keys compartment reads the key, smtpd the
 * certificate), so that a missing, unreadable or mismatched file is
 * found before the daemon starts, with the file and the reason.
 * Only the check tool calls it: the daemon's master never parses them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf/tls_check.h"

static void
ssl_why(char *err, size_t errlen, const char *what, const char *path)
{
	unsigned long	e = ERR_get_error();
	char		buf[256];

	if (e == 0)
		strlcpy(buf, "no PEM data found", sizeof(buf));
	else
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	snprintf(err, errlen, "%s %s: %s", what, path, buf);
}

static EVP_PKEY *
read_key(const char *path, char *err, size_t errlen)
{
	EVP_PKEY	*pk;
	FILE		*f;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "smtpd_tls_key_file %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (pk == NULL) {
		ssl_why(err, errlen, "smtpd_tls_key_file", path);
		return NULL;
	}
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA &&
	    EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC) {
		snprintf(err, errlen, "smtpd_tls_key_file %s: neither an RSA "
		    "nor an EC key", path);
		EVP_PKEY_free(pk);
		return NULL;
	}
	return pk;
}

static X509 *
read_cert(const char *path, char *err, size_t errlen)
{
	X509	*x;
	FILE	*f;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "smtpd_tls_cert_file %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		ssl_why(err, errlen, "smtpd_tls_cert_file", path);
	return x;
}

int
config_check_tls(const struct bh_config *cf, char *err, size_t errlen)
{
	EVP_PKEY	*pk = NULL;
	X509		*x = NULL;
	int		 rc = -1;

	if (cf->smtpd_tls_cert_file[0] == '\0' &&
	    cf->smtpd_tls_key_file[0] == '\0')
		return 0;
	if (cf->smtpd_tls_cert_file[0] == '\0') {
		snprintf(err, errlen, "smtpd_tls_key_file %s is set but "
		    "smtpd_tls_cert_file is empty", cf->smtpd_tls_key_file);
		return -1;
	}
	if (cf->smtpd_tls_key_file[0] == '\0') {
		snprintf(err, errlen, "smtpd_tls_cert_file %s is set but "
		    "smtpd_tls_key_file is empty", cf->smtpd_tls_cert_file);
		return -1;
	}
	if ((x = read_cert(cf->smtpd_tls_cert_file, err, errlen)) == NULL ||
	    (pk = read_key(cf->smtpd_tls_key_file, err, errlen)) == NULL)
		goto done;
	if (X509_check_private_key(x, pk) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "smtpd_tls_key_file %s does not match "
		    "the certificate in smtpd_tls_cert_file %s",
		    cf->smtpd_tls_key_file, cf->smtpd_tls_cert_file);
		goto done;
	}
	rc = 0;
done:
	EVP_PKEY_free(pk);
	X509_free(x);
	return rc;
}
