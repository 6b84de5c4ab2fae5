/*
 * test_ipc_auth.c: the payloads of a relayed SASL exchange between
 * smtpd and auth (privsep/ipc_auth.c): each round-trips through the
 * table's codec, and what the validator refuses the decoder refuses
 * too (a CONT that names a mechanism or a client, exchange 0, a step
 * longer than IPC_AUTH_DATA_MAX, a challenge with a verdict, a login
 * without AUTH_OK, a list without PLAIN and LOGIN); only smtpd steps
 * and aborts, only auth answers and lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "privsep/codec.h"
#include "privsep/ipc.h"
#include "privsep/ipc_msgs.h"

/* Encode m with the table's codec for type, decode into back. */
static int
via_table(uint32_t type, const void *m, void *back)
{
	const struct ipc_codec	*c = ipc_type_codec(type);
	static uint8_t		 buf[IPC_PAYLOAD_MAX];
	struct wbuf		 wb;
	struct rbuf		 rb;

	wb_init(&wb, buf, sizeof(buf));
	c->enc(&wb, m);
	if (wb.err)
		return -2;
	rb_init(&rb, buf, wb.len);
	return c->dec(&rb, back);
}

static void
start_of(struct msg_auth_step *m)
{
	memset(m, 0, sizeof(*m));
	m->xid = 7;
	m->op = AUTH_STEP_START;
	m->mech = AUTH_MECH_SCRAM_SHA256;
	m->flags = AUTH_FLAG_TLS;
	strcpy(m->client_addr, "2001:db8::1");
	memcpy(m->data, "n,,n=u\0ser,r=x", 14);	/* any octets, NUL too */
	m->len = 14;
}

static void
test_step(void **state)
{
	static struct msg_auth_step	m, b;

	(void)state;
	start_of(&m);
	assert_int_equal(via_table(IPC_AUTH_STEP, &m, &b), 0);
	assert_int_equal(b.xid, 7);
	assert_int_equal(b.mech, AUTH_MECH_SCRAM_SHA256);
	assert_string_equal(b.client_addr, "2001:db8::1");
	assert_int_equal(b.len, 14);
	assert_memory_equal(b.data, m.data, 14);
	/* a next step names its exchange only; it may be empty */
	memset(&m, 0, sizeof(m));
	m.xid = 7;
	m.op = AUTH_STEP_CONT;
	assert_int_equal(via_table(IPC_AUTH_STEP, &m, &b), 0);
	assert_int_equal(b.len, 0);
	m.len = IPC_AUTH_DATA_MAX;
	memset(m.data, 0xff, m.len);
	assert_int_equal(via_table(IPC_AUTH_STEP, &m, &b), 0);
	assert_int_equal(b.len, IPC_AUTH_DATA_MAX);

	/* what auth refuses: smtpd's own check says so before it sends */
	m.len = IPC_AUTH_DATA_MAX + 1;
	assert_string_equal(ipc_check_auth_step(&m), "step too long");
	m.len = 0;
	m.mech = AUTH_MECH_SCRAM_SHA256;
	assert_string_equal(ipc_check_auth_step(&m),
	    "a next step names its exchange only");
	m.mech = 0;
	strcpy(m.client_addr, "127.0.0.1");
	assert_non_null(ipc_check_auth_step(&m));
	m.client_addr[0] = '\0';
	m.xid = 0;
	assert_string_equal(ipc_check_auth_step(&m), "exchange 0");
	m.xid = 1;
	m.op = AUTH_STEP_OP_MAX;
	assert_string_equal(ipc_check_auth_step(&m), "bad step");
	start_of(&m);
	m.mech = AUTH_MECH_PLAIN;	/* PLAIN is a check, never a step */
	assert_string_equal(ipc_check_auth_step(&m), "bad mechanism");
	start_of(&m);
	strcpy(m.client_addr, "unknown");
	assert_string_equal(ipc_check_auth_step(&m),
	    "client address not numeric");
	start_of(&m);
	m.flags = 2;
	assert_string_equal(ipc_check_auth_step(&m), "bad flags");
	/* and its decoder, from a compromised sender */
	ipc_enc_unchecked = 1;
	assert_int_equal(via_table(IPC_AUTH_STEP, &m, &b), -1);
	start_of(&m);
	m.xid = 0;
	assert_int_equal(via_table(IPC_AUTH_STEP, &m, &b), -1);
	start_of(&m);
	m.len = IPC_AUTH_DATA_MAX + 1;
	assert_int_equal(via_table(IPC_AUTH_STEP, &m, &b), -2);
	ipc_enc_unchecked = 0;
}

static void
test_step_reply(void **state)
{
	static struct msg_auth_step_reply	r, b;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.verdict = AUTH_CONTINUE;
	r.len = 3;
	memcpy(r.data, "v=x", 3);
	assert_int_equal(via_table(IPC_AUTH_STEP_REPLY, &r, &b), 0);
	assert_int_equal(b.verdict, AUTH_CONTINUE);
	assert_memory_equal(b.data, "v=x", 3);
	r.len = 0;			/* an empty challenge */
	assert_int_equal(via_table(IPC_AUTH_STEP_REPLY, &r, &b), 0);
	r.verdict = AUTH_OK;
	strcpy(r.user, "dora");
	assert_int_equal(via_table(IPC_AUTH_STEP_REPLY, &r, &b), 0);
	assert_string_equal(b.user, "dora");
	r.verdict = AUTH_FAIL;
	r.user[0] = '\0';
	assert_int_equal(via_table(IPC_AUTH_STEP_REPLY, &r, &b), 0);

	r.user[0] = 'x';
	assert_string_equal(ipc_check_auth_step_reply(&r),
	    "a login name without AUTH_OK");
	r.user[0] = '\0';
	r.len = 1;
	assert_string_equal(ipc_check_auth_step_reply(&r),
	    "a challenge with a verdict");
	r.verdict = AUTH_OK;
	r.len = 0;
	assert_string_equal(ipc_check_auth_step_reply(&r), "bad login name");
	strcpy(r.user, "do\nra");
	assert_string_equal(ipc_check_auth_step_reply(&r), "bad login name");
	r.verdict = AUTH_CONTINUE + 1;
	assert_string_equal(ipc_check_auth_step_reply(&r), "bad verdict");
	ipc_enc_unchecked = 1;
	assert_int_equal(via_table(IPC_AUTH_STEP_REPLY, &r, &b), -1);
	ipc_enc_unchecked = 0;
	/* a plain check's verdict is never a challenge */
	assert_string_equal(ipc_check_auth_verdict(&(struct msg_auth_verdict){
	    AUTH_CONTINUE, "" }), "bad verdict");
}

static void
test_mechs_and_abort(void **state)
{
	struct msg_auth_mechs	m = { AUTH_MECHS_ALL }, mb;
	struct msg_auth_abort	a = { 7 }, ab;
	struct msg_auth_check	c;

	(void)state;
	assert_int_equal(via_table(IPC_AUTH_MECHS, &m, &mb), 0);
	assert_int_equal(mb.mechs, AUTH_MECHS_ALL);
	m.mechs = AUTH_MECHS_BASE;
	assert_int_equal(via_table(IPC_AUTH_MECHS, &m, &mb), 0);
	m.mechs = AUTH_MECH_BIT(AUTH_MECH_SCRAM_SHA256);
	assert_string_equal(ipc_check_auth_mechs(&m),
	    "PLAIN or LOGIN missing");
	m.mechs = AUTH_MECHS_ALL | AUTH_MECH_BIT(AUTH_MECH_MAX);
	assert_string_equal(ipc_check_auth_mechs(&m), "unknown mechanism");
	assert_int_equal(via_table(IPC_AUTH_ABORT, &a, &ab), 0);
	assert_int_equal(ab.xid, 7);
	a.xid = 0;
	assert_string_equal(ipc_check_auth_abort(&a), "exchange 0");
	/* a check is PLAIN or LOGIN: SCRAM never sends a password */
	memset(&c, 0, sizeof(c));
	c.mech = AUTH_MECH_SCRAM_SHA256;
	strcpy(c.client_addr, "192.0.2.1");
	strcpy(c.user, "alice");
	strcpy(c.password, "pw");
	assert_string_equal(ipc_check_auth_check(&c), "bad mechanism");
	c.mech = AUTH_MECH_LOGIN;
	assert_null(ipc_check_auth_check(&c));
}

/* smtpd steps and aborts, auth answers and lists: nobody else. */
static void
test_directions(void **state)
{
	struct ipc_hdr h = { IPC_AUTH_STEP, 0, 1, 0 };

	(void)state;
	assert_null(ipc_check_header(&h, ROLE_AUTH, ROLE_SMTPD, 0));
	assert_non_null(ipc_check_header(&h, ROLE_SMTPD, ROLE_AUTH, 0));
	assert_non_null(ipc_check_header(&h, ROLE_AUTH, ROLE_QUEUE, 0));
	h.type = IPC_AUTH_ABORT;
	assert_non_null(ipc_check_header(&h, ROLE_AUTH, ROLE_SMTPD, 0));
	h.id = 0;			/* a note has no id */
	assert_null(ipc_check_header(&h, ROLE_AUTH, ROLE_SMTPD, 0));
	h.type = IPC_AUTH_MECHS;
	assert_null(ipc_check_header(&h, ROLE_SMTPD, ROLE_AUTH, 0));
	assert_non_null(ipc_check_header(&h, ROLE_AUTH, ROLE_SMTPD, 0));
	assert_non_null(ipc_check_header(&h, ROLE_SMTPD, ROLE_MASTER, 0));
	h.type = IPC_AUTH_STEP_REPLY;
	h.id = 1;
	assert_null(ipc_check_header(&h, ROLE_SMTPD, ROLE_AUTH, 0));
	assert_non_null(ipc_check_header(&h, ROLE_AUTH, ROLE_SMTPD, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_step_reply),
		cmocka_unit_test(test_mechs_and_abort),
		cmocka_unit_test(test_directions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
