/*
 * fuzz_sasl.c: smtpd's side of an AUTH exchange (smtpd/sasl.c).
 *
 * Input: lines separated by "\n"; the first is the AUTH argument, each
 * further one a client response.  Whatever the exchange asks auth to
 * verify must pass auth's validator (a refused value would get smtpd
 * killed as compromised), a challenge must be base64 that fits, and
 * base64 must round-trip.  SCRAM-SHA-256 is offered: a response it
 * relays must fit the step auth's validator takes, as START and as
 * CONT, and the user name read from it must be text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd/sasl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static void
check_base64(const uint8_t *data, size_t size)
{
	char		enc[SASL_LINE_MAX * 2];
	unsigned char	dec[SASL_LINE_MAX];
	long		n;

	if (size > SASL_LINE_MAX)
		size = SASL_LINE_MAX;
	n = b64_encode(data, size, enc, sizeof(enc));
	CHECK(n >= 0 && (size_t)n == strlen(enc));
	CHECK(b64_decode(enc, (size_t)n, dec, sizeof(dec)) == (long)size);
	CHECK(memcmp(dec, data, size) == 0);
	/* what decodes, encodes back to the same text */
	if ((n = b64_decode((const char *)data, size, dec, sizeof(dec))) >= 0) {
		CHECK(b64_encode(dec, (size_t)n, enc, sizeof(enc)) >= 0);
		CHECK(strlen(enc) == size && memcmp(enc, data, size) == 0);
	}
}

/* A relayed response, as smtpd's step to auth would carry it. */
static void
check_relay(const struct sasl_exchange *x, int first)
{
	static struct msg_auth_step	m;
	char				user[IPC_AUTH_NAME_MAX];

	CHECK(x->state == SASL_WANT_RELAY && x->step_len <= sizeof(m.data));
	memset(&m, 0, sizeof(m));
	m.xid = 1;
	m.op = first ? AUTH_STEP_START : AUTH_STEP_CONT;
	if (first) {
		m.mech = x->cred.mech;
		strcpy(m.client_addr, "192.0.2.1");
	}
	m.len = (uint32_t)x->step_len;
	memcpy(m.data, x->step, x->step_len);
	CHECK(ipc_check_auth_step(&m) == NULL);
	if (sasl_scram_user(x->step, x->step_len, user, sizeof(user)) == 0)
		CHECK(user[0] != '\0' && strlen(user) < sizeof(user) &&
		    ipc_valid_text(user));
}

static void
check_result(struct sasl_exchange *x, enum sasl_res r, const char *out,
    size_t outlen, int *relayed)
{
	unsigned char dec[64];

	if (r == SASL_VERIFY)
		CHECK(ipc_check_auth_check(&x->cred) == NULL);
	if (r == SASL_RELAY) {
		check_relay(x, !*relayed);
		*relayed = 1;
		return;
	}
	if (r == SASL_CHALLENGE) {
		CHECK(x->state != SASL_IDLE);
		CHECK(strlen(out) < outlen);
		CHECK(b64_decode(out, strlen(out), dec, sizeof(dec)) >= 0);
	} else
		CHECK(x->state == SASL_IDLE);
	if (r != SASL_VERIFY)
		CHECK(x->cred.password[0] == '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sasl_exchange	 x;
	const char		*p = (const char *)data, *end = p + size, *nl;
	char			 out[64];
	enum sasl_res		 r;
	int			 first = 1, relayed = 0;

	check_base64(data, size);
	memset(&x, 0, sizeof(x));
	while (p <= end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (first)
			r = sasl_start(&x, "192.0.2.1", p, (size_t)(nl - p),
			    AUTH_MECHS_ALL, out, sizeof(out));
		else if (x.state == SASL_IDLE)
			break;
		else
			r = sasl_step(&x, p, (size_t)(nl - p), out,
			    sizeof(out));
		check_result(&x, r, out, sizeof(out), &relayed);
		first = 0;
		p = nl + 1;
	}
	sasl_clear(&x);
	return 0;
}
