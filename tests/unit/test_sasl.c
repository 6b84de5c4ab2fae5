/*
 * test_sasl.c: smtpd's side of an AUTH exchange (smtpd/sasl.c): strict
 * base64, PLAIN and LOGIN with and without an initial response, "*"
 * cancel, and what may not pass: bad base64, a malformed PLAIN
 * response, fields too long, an empty user or password, a control
 * character in a name.  A relayed SCRAM-SHA-256 exchange: offered only
 * when auth says so, each response handed over decoded, "*" and bad
 * base64 end it; the user name of a client-first message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smtpd/sasl.h"

#define CLIENT	"192.0.2.7"

static enum sasl_res
start(struct sasl_exchange *x, const char *arg, char *out, size_t outlen)
{
	return sasl_start(x, CLIENT, arg, strlen(arg), 0, out, outlen);
}

static enum sasl_res
step(struct sasl_exchange *x, const char *line, char *out, size_t outlen)
{
	return sasl_step(x, line, strlen(line), out, outlen);
}

/* "AUTH PLAIN " + base64 of the raw response of n bytes */
static enum sasl_res
plain_initial(struct sasl_exchange *x, const char *raw, size_t n)
{
	char	line[SASL_LINE_MAX * 2], out[64];

	strcpy(line, "PLAIN ");
	assert_true(b64_encode((const unsigned char *)raw, n, line + 6,
	    sizeof(line) - 6) >= 0);
	return start(x, line, out, sizeof(out));
}

static void
test_base64(void **state)
{
	unsigned char	buf[64];
	char		enc[64];

	(void)state;
	assert_int_equal(b64_decode("", 0, buf, sizeof(buf)), 0);
	assert_int_equal(b64_decode("YQ==", 4, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'a');
	assert_int_equal(b64_decode("YWI=", 4, buf, sizeof(buf)), 2);
	assert_int_equal(b64_decode("YWJj", 4, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	/* no padding, white space, stray '=', non-zero pad bits, junk */
	assert_int_equal(b64_decode("YQ", 2, buf, sizeof(buf)), -1);
	assert_int_equal(b64_decode("Y Q==", 5, buf, sizeof(buf)), -1);
	assert_int_equal(b64_decode("Y=Q=", 4, buf, sizeof(buf)), -1);
	assert_int_equal(b64_decode("YQ==YQ==", 8, buf, sizeof(buf)), -1);
	assert_int_equal(b64_decode("YR==", 4, buf, sizeof(buf)), -1);
	assert_int_equal(b64_decode("YW!j", 4, buf, sizeof(buf)), -1);
	assert_int_equal(b64_decode("YW\0j", 4, buf, sizeof(buf)), -1);
	/* too small an output */
	assert_int_equal(b64_decode("YWJj", 4, buf, 2), -1);
	assert_int_equal(b64_encode((const unsigned char *)"ab", 2, enc,
	    sizeof(enc)), 4);
	assert_string_equal(enc, "YWI=");
	assert_int_equal(b64_encode((const unsigned char *)"abc", 3, enc, 4),
	    -1);
}

static void
test_plain_initial(void **state)
{
	struct sasl_exchange	x;

	(void)state;
	assert_int_equal(plain_initial(&x, "\0alice\0secret", 13),
	    SASL_VERIFY);
	assert_int_equal(x.cred.mech, AUTH_MECH_PLAIN);
	assert_string_equal(x.cred.user, "alice");
	assert_string_equal(x.cred.password, "secret");
	assert_string_equal(x.cred.authzid, "");
	assert_string_equal(x.cred.client_addr, CLIENT);
	assert_int_equal(plain_initial(&x, "bob\0alice\0pw", 12),
	    SASL_VERIFY);
	assert_string_equal(x.cred.authzid, "bob");
	sasl_clear(&x);
	assert_string_equal(x.cred.password, "");
}

static void
test_plain_challenge(void **state)
{
	struct sasl_exchange	x;
	char			out[64];

	(void)state;
	assert_int_equal(start(&x, "plain", out, sizeof(out)),
	    SASL_CHALLENGE);
	assert_string_equal(out, "");
	/* "\0alice\0secret" */
	assert_int_equal(step(&x, "AGFsaWNlAHNlY3JldA==", out, sizeof(out)),
	    SASL_VERIFY);
	assert_string_equal(x.cred.user, "alice");
	/* the exchange is over: another line is no response */
	assert_int_equal(step(&x, "AGFsaWNlAHNlY3JldA==", out, sizeof(out)),
	    SASL_ERR_SYNTAX);
}

static void
test_plain_bad(void **state)
{
	struct sasl_exchange	x;
	char			out[64], big[600];

	(void)state;
	/* no NUL, one NUL, empty user, empty password, NUL in password */
	assert_int_equal(plain_initial(&x, "alicesecret", 11),
	    SASL_ERR_FORMAT);
	assert_int_equal(plain_initial(&x, "alice\0secret", 12),
	    SASL_ERR_FORMAT);
	assert_int_equal(plain_initial(&x, "\0\0secret", 8), SASL_ERR_FORMAT);
	assert_int_equal(plain_initial(&x, "\0alice\0", 7), SASL_ERR_FORMAT);
	assert_int_equal(plain_initial(&x, "\0alice\0se\0cret", 15),
	    SASL_ERR_FORMAT);
	assert_string_equal(x.cred.password, "");
	assert_int_equal(x.cred.mech, AUTH_MECH_PLAIN);
	/* a control character in the user name would forge log lines */
	assert_int_equal(plain_initial(&x, "\0al\nice\0pw", 10),
	    SASL_ERR_FORMAT);
	/* a user name longer than the auth compartment takes */
	memset(big, 'a', sizeof(big));
	big[0] = '\0';
	big[400] = '\0';
	assert_int_equal(plain_initial(&x, big, 500), SASL_ERR_FORMAT);
	assert_int_equal(start(&x, "PLAIN not-base64", out, sizeof(out)),
	    SASL_ERR_BASE64);
	assert_int_equal(start(&x, "PLAIN *", out, sizeof(out)),
	    SASL_ERR_CANCEL);
	assert_int_equal(start(&x, "PLAIN =", out, sizeof(out)),
	    SASL_ERR_FORMAT);
}

static void
test_login(void **state)
{
	struct sasl_exchange	x;
	char			out[64];

	(void)state;
	assert_int_equal(start(&x, "LOGIN", out, sizeof(out)),
	    SASL_CHALLENGE);
	assert_string_equal(out, "VXNlcm5hbWU6");
	assert_int_equal(step(&x, "YWxpY2U=", out, sizeof(out)),
	    SASL_CHALLENGE);
	assert_string_equal(out, "UGFzc3dvcmQ6");
	assert_int_equal(step(&x, "c2VjcmV0", out, sizeof(out)),
	    SASL_VERIFY);
	assert_int_equal(x.cred.mech, AUTH_MECH_LOGIN);
	assert_string_equal(x.cred.user, "alice");
	assert_string_equal(x.cred.password, "secret");
	/* initial response: the user name */
	assert_int_equal(start(&x, "LOGIN YWxpY2U=", out, sizeof(out)),
	    SASL_CHALLENGE);
	assert_string_equal(out, "UGFzc3dvcmQ6");
	assert_int_equal(step(&x, "*", out, sizeof(out)), SASL_ERR_CANCEL);
	assert_int_equal(x.state, SASL_IDLE);
	/* an empty password */
	assert_int_equal(start(&x, "LOGIN YWxpY2U=", out, sizeof(out)),
	    SASL_CHALLENGE);
	assert_int_equal(step(&x, "", out, sizeof(out)), SASL_ERR_FORMAT);
	assert_int_equal(start(&x, "LOGIN", out, sizeof(out)),
	    SASL_CHALLENGE);
	assert_int_equal(step(&x, "YWxp Y2U=", out, sizeof(out)),
	    SASL_ERR_BASE64);
}

static void
test_start_syntax(void **state)
{
	struct sasl_exchange	x;
	char			out[64];

	(void)state;
	assert_int_equal(start(&x, "CRAM-MD5", out, sizeof(out)),
	    SASL_ERR_MECH);
	assert_int_equal(start(&x, "PLAINX", out, sizeof(out)),
	    SASL_ERR_MECH);
	assert_int_equal(start(&x, "PLAIN ", out, sizeof(out)),
	    SASL_ERR_SYNTAX);
	assert_int_equal(start(&x, " PLAIN", out, sizeof(out)),
	    SASL_ERR_SYNTAX);
	/* a client address auth would refuse: nothing is verified */
	assert_int_equal(sasl_start(&x, "unknown", "PLAIN AGFsaWNlAHB3",
	    18, 0, out, sizeof(out)), SASL_ERR_FORMAT);
	assert_string_equal(sasl_mech_name(AUTH_MECH_LOGIN), "LOGIN");
}

#define SCRAM_ON	AUTH_MECH_BIT(AUTH_MECH_SCRAM_SHA256)

static enum sasl_res
scram_start(struct sasl_exchange *x, const char *arg, char *out,
    size_t outlen)
{
	return sasl_start(x, CLIENT, arg, strlen(arg), SCRAM_ON, out, outlen);
}

static void
test_scram_relayed(void **state)
{
	struct sasl_exchange	x;
	char			out[64];

	(void)state;
	/* not offered unless auth said so */
	assert_int_equal(start(&x, "SCRAM-SHA-256", out, sizeof(out)),
	    SASL_ERR_MECH);
	/* client-first: an empty challenge, then the message, decoded */
	assert_int_equal(scram_start(&x, "scram-sha-256", out, sizeof(out)),
	    SASL_CHALLENGE);
	assert_string_equal(out, "");
	assert_int_equal(x.cred.mech, AUTH_MECH_SCRAM_SHA256);
	/* "n,,n=user,r=abc" */
	assert_int_equal(step(&x, "biwsbj11c2VyLHI9YWJj", out, sizeof(out)),
	    SASL_RELAY);
	assert_int_equal(x.step_len, 15);
	assert_memory_equal(x.step, "n,,n=user,r=abc", 15);
	assert_int_equal(x.state, SASL_WANT_RELAY);
	/* the answer to the server-final message: an empty line */
	assert_int_equal(step(&x, "", out, sizeof(out)), SASL_RELAY);
	assert_int_equal(x.step_len, 0);
	/* "*" cancels, bad base64 ends it */
	assert_int_equal(step(&x, "*", out, sizeof(out)), SASL_ERR_CANCEL);
	assert_int_equal(x.state, SASL_IDLE);
	assert_int_equal(x.cred.mech, AUTH_MECH_SCRAM_SHA256);
	assert_int_equal(scram_start(&x, "SCRAM-SHA-256 biwsbj11c2VyLHI9YWJj",
	    out, sizeof(out)), SASL_RELAY);
	assert_int_equal(x.step_len, 15);
	assert_int_equal(step(&x, "bad!", out, sizeof(out)), SASL_ERR_BASE64);
	assert_int_equal(x.state, SASL_IDLE);
	/* "=": an empty initial response is relayed as such */
	assert_int_equal(scram_start(&x, "SCRAM-SHA-256 =", out,
	    sizeof(out)), SASL_RELAY);
	assert_int_equal(x.step_len, 0);
	assert_string_equal(sasl_mech_name(AUTH_MECH_SCRAM_SHA256),
	    "SCRAM-SHA-256");
}

static void
test_scram_user(void **state)
{
	char	user[16];

	(void)state;
#define U(s)	sasl_scram_user((const uint8_t *)(s), strlen(s), user, \
		    sizeof(user))
	assert_int_equal(U("n,,n=alice,r=abc"), 0);
	assert_string_equal(user, "alice");
	assert_int_equal(U("y,a=bob,n=a=2Cb=3Dc,r=x"), 0);
	assert_string_equal(user, "a,b=c");
	assert_int_equal(U("p=tls-unique,,n=carol,r=x"), 0);
	assert_string_equal(user, "carol");
	/* no gs2 header, no n=, an empty or unterminated name, a bad
	   escape, a control character, too long */
	assert_int_equal(U("n=alice,r=abc"), -1);
	assert_int_equal(U("n,,r=abc"), -1);
	assert_int_equal(U("n,,n=,r=abc"), -1);
	assert_int_equal(U("n,,n=alice"), -1);
	assert_int_equal(U("n,,n=a=2Xb,r=x"), -1);
	assert_int_equal(U("n,,n=a=2"), -1);
	assert_int_equal(U("n,,n=a\tb,r=x"), -1);
	assert_int_equal(U("n,,n=abcdefghijklmnopq,r=x"), -1);
#undef U
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_plain_initial),
		cmocka_unit_test(test_plain_challenge),
		cmocka_unit_test(test_plain_bad),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_start_syntax),
		cmocka_unit_test(test_scram_relayed),
		cmocka_unit_test(test_scram_user),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
