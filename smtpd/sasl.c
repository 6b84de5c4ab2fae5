/*
 * sasl.c: the server side of an AUTH exchange, PLAIN and LOGIN, and the
 * client's half of a relayed one (see sasl.h).  Everything here comes
 * from the client: lengths are checked before every copy, base64 is
 * decoded strictly, and what decodes is checked with the auth
 * compartment's own validator (ipc_check_auth_check; smtpd checks a
 * relayed step with ipc_check_auth_step) before smtpd may send it
 * there.
 */
#include <string.h>
#include <strings.h>

#include "lib/strl.h"
#include "smtpd/sasl.h"

/* LOGIN's prompts, as every server sends them: "Username:", "Password:" */
#define LOGIN_USER_PROMPT	"VXNlcm5hbWU6"
#define LOGIN_PASS_PROMPT	"UGFzc3dvcmQ6"

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64val(unsigned char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64chars, c)) == NULL)
		return -1;
	return (int)(p - b64chars);
}

long
b64_decode(const char *in, size_t len, unsigned char *out, size_t outlen)
{
	size_t		i, o = 0;
	int		v[4], j, pad;
	unsigned long	w;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		pad = 0;
		for (j = 0; j < 4; j++) {
			/* '=' only at the end: "xx==" or "xxx=" */
			if (in[i + j] == '=' && i + 4 == len && j >= 2 &&
			    (j == 3 || in[i + 3] == '=')) {
				v[j] = 0;
				pad++;
			} else if ((v[j] = b64val((unsigned char)in[i + j]))
			    == -1)
				return -1;
		}
		w = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
		    (unsigned long)v[2] << 6 | (unsigned long)v[3];
		/* the bits padding leaves over must be zero (RFC 4648 3.5) */
		if ((pad == 2 && (w & 0xffff) != 0) ||
		    (pad == 1 && (w & 0xff) != 0))
			return -1;
		if (o + 3 - pad > outlen)
			return -1;
		out[o++] = (w >> 16) & 0xff;
		if (pad < 2)
			out[o++] = (w >> 8) & 0xff;
		if (pad < 1)
			out[o++] = w & 0xff;
	}
	return (long)o;
}

long
b64_encode(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	size_t		i, o = 0;
	unsigned long	w;

	if ((len + 2) / 3 * 4 + 1 > outlen)
		return -1;
	for (i = 0; i < len; i += 3) {
		w = (unsigned long)in[i] << 16;
		if (i + 1 < len)
			w |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < len)
			w |= in[i + 2];
		out[o++] = b64chars[(w >> 18) & 63];
		out[o++] = b64chars[(w >> 12) & 63];
		out[o++] = i + 1 < len ? b64chars[(w >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64chars[w & 63] : '=';
	}
	out[o] = '\0';
	return (long)o;
}

const char *
sasl_mech_name(uint32_t mech)
{
	return mech == AUTH_MECH_PLAIN ? "PLAIN" :
	    mech == AUTH_MECH_LOGIN ? "LOGIN" :
	    mech == AUTH_MECH_SCRAM_SHA256 ? "SCRAM-SHA-256" : "unknown";
}

/*
 * RFC 5802 7: gs2-header ("n," / "y," / "p=cb-name,", then
 * "[a=authzid],"), then "n=saslname," where "=2C" is "," and "=3D" is
 * "=".  Only for logs and failure counts: the backend decides.
 */
int
sasl_scram_user(const uint8_t *msg, size_t len, char *out, size_t outlen)
{
	const uint8_t	*p = msg, *end = msg + len, *c;
	size_t		 o = 0;
	int		 i;

	for (i = 0; i < 2; i++) {		/* the gs2-header's two fields */
		if ((c = memchr(p, ',', (size_t)(end - p))) == NULL)
			return -1;
		p = c + 1;
	}
	if (end - p < 2 || p[0] != 'n' || p[1] != '=')
		return -1;
	for (p += 2; p < end && *p != ','; p++) {
		if (o + 1 >= outlen || *p < 0x20 || *p == 0x7f)
			return -1;
		if (*p != '=') {
			out[o++] = (char)*p;
			continue;
		}
		if (end - p < 3)
			return -1;
		if (memcmp(p, "=2C", 3) == 0)
			out[o++] = ',';
		else if (memcmp(p, "=3D", 3) == 0)
			out[o++] = '=';
		else
			return -1;
		p += 2;
	}
	out[o] = '\0';
	return p < end && o > 0 ? 0 : -1;
}

void
sasl_clear(struct sasl_exchange *x)
{
	explicit_bzero(x, sizeof(*x));
	x->state = SASL_IDLE;
}

/* Copy n bytes as a C string into dst[dstsz]; -1 if too long or NUL. */
static int
take_field(char *dst, size_t dstsz, const unsigned char *p, size_t n)
{
	if (n >= dstsz || memchr(p, '\0', n) != NULL)
		return -1;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

/* The exchange ends here, whatever the result; the password is wiped
   unless auth is to be asked. */
static enum sasl_res
finish(struct sasl_exchange *x, enum sasl_res r)
{
	uint32_t mech = x->cred.mech;

	if (r == SASL_VERIFY && ipc_check_auth_check(&x->cred) != NULL)
		r = SASL_ERR_FORMAT;
	if (r != SASL_VERIFY) {
		sasl_clear(x);
		x->cred.mech = mech;	/* for the log line */
	}
	x->state = SASL_IDLE;
	return r;
}

/* RFC 4616: [authzid] NUL authcid NUL passwd */
static enum sasl_res
plain_response(struct sasl_exchange *x, const unsigned char *p, size_t n)
{
	const unsigned char	*a, *b;

	if ((a = memchr(p, '\0', n)) == NULL ||
	    (b = memchr(a + 1, '\0', n - (size_t)(a + 1 - p))) == NULL)
		return finish(x, SASL_ERR_FORMAT);
	if (take_field(x->cred.authzid, sizeof(x->cred.authzid), p,
	    (size_t)(a - p)) == -1 ||
	    take_field(x->cred.user, sizeof(x->cred.user), a + 1,
	    (size_t)(b - a - 1)) == -1 ||
	    take_field(x->cred.password, sizeof(x->cred.password), b + 1,
	    n - (size_t)(b + 1 - p)) == -1)
		return finish(x, SASL_ERR_FORMAT);
	return finish(x, SASL_VERIFY);
}

/* A response: "*" cancels, "=" is an empty initial response. */
static enum sasl_res
response(struct sasl_exchange *x, const char *line, size_t len,
    int initial, char *out, size_t outlen)
{
	unsigned char	buf[SASL_LINE_MAX];
	long		n;
	enum sasl_res	r;

	if (len == 1 && line[0] == '*')
		return finish(x, SASL_ERR_CANCEL);
	if (initial && len == 1 && line[0] == '=')
		n = 0;
	else if ((n = b64_decode(line, len, buf, sizeof(buf))) == -1)
		return finish(x, SASL_ERR_BASE64);
	switch (x->state) {
	case SASL_WANT_PLAIN:
		r = plain_response(x, buf, (size_t)n);
		break;
	case SASL_WANT_USER:
		if (take_field(x->cred.user, sizeof(x->cred.user), buf,
		    (size_t)n) == -1) {
			r = finish(x, SASL_ERR_FORMAT);
			break;
		}
		x->state = SASL_WANT_PASS;
		xstrlcpy(out, LOGIN_PASS_PROMPT, outlen);
		r = SASL_CHALLENGE;
		break;
	case SASL_WANT_PASS:
		r = finish(x, take_field(x->cred.password,
		    sizeof(x->cred.password), buf, (size_t)n) == -1 ?
		    SASL_ERR_FORMAT : SASL_VERIFY);
		break;
	case SASL_WANT_RELAY:		/* any octets, for auth */
		if ((size_t)n > sizeof(x->step)) {
			r = finish(x, SASL_ERR_FORMAT);
			break;
		}
		memcpy(x->step, buf, (size_t)n);
		x->step_len = (size_t)n;
		r = SASL_RELAY;
		break;
	default:
		r = finish(x, SASL_ERR_SYNTAX);
		break;
	}
	explicit_bzero(buf, sizeof(buf));
	return r;
}

enum sasl_res
sasl_start(struct sasl_exchange *x, const char *client_addr, const char *arg,
    size_t len, uint32_t offered, char *out, size_t outlen)
{
	const char	*sp;
	size_t		 mlen;

	sasl_clear(x);
	out[0] = '\0';
	xstrlcpy(x->cred.client_addr, client_addr, sizeof(x->cred.client_addr));
	sp = memchr(arg, ' ', len);
	mlen = sp != NULL ? (size_t)(sp - arg) : len;
	if (mlen == 0 || (sp != NULL && (size_t)(sp - arg) + 1 == len))
		return SASL_ERR_SYNTAX;
	if (mlen == 5 && strncasecmp(arg, "PLAIN", 5) == 0) {
		x->cred.mech = AUTH_MECH_PLAIN;
		x->state = SASL_WANT_PLAIN;
	} else if (mlen == 5 && strncasecmp(arg, "LOGIN", 5) == 0) {
		x->cred.mech = AUTH_MECH_LOGIN;
		x->state = SASL_WANT_USER;
	} else if (mlen == 13 && strncasecmp(arg, "SCRAM-SHA-256", 13) == 0 &&
	    (offered & AUTH_MECH_BIT(AUTH_MECH_SCRAM_SHA256))) {
		/* client-first: the first challenge is empty */
		x->cred.mech = AUTH_MECH_SCRAM_SHA256;
		x->state = SASL_WANT_RELAY;
	} else
		return SASL_ERR_MECH;
	if (sp != NULL)		/* the initial response (RFC 4954 4) */
		return response(x, sp + 1, len - mlen - 1, 1, out, outlen);
	if (x->state == SASL_WANT_USER)
		xstrlcpy(out, LOGIN_USER_PROMPT, outlen);
	return SASL_CHALLENGE;
}

enum sasl_res
sasl_step(struct sasl_exchange *x, const char *line, size_t len, char *out,
    size_t outlen)
{
	out[0] = '\0';
	if (x->state == SASL_IDLE)
		return SASL_ERR_SYNTAX;
	return response(x, line, len, 0, out, outlen);
}
