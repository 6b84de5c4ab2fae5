/*
 * test_ipc_table.c: the message table and the fuzzer cannot drift apart.
 * Every row of IPC_MESSAGE_TABLE names a payload with a decoder (or the
 * empty one) and has a seed in tests/fuzz/corpus/ipc/ named after it
 * ("IPC_MSG_ABORT": msg_abort) that passes the header check for its
 * selector and decodes with the row's decoder; every payload has a
 * template in tests/fuzz/corpus/ipc_roundtrip/.  And the phases the
 * table's last column gives, on real channels.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>
#include <unistd.h>

#include "privsep/codec.h"
#include "privsep/ipc.h"
#include "privsep/ipc_msgs.h"

#define SEED_MAX	(20 + IPC_PAYLOAD_MAX + 1)

static uint8_t seedbuf[SEED_MAX];

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* Read corpus/DIR/NAME under $srcdir/tests/fuzz; -1 if there is none. */
static ssize_t
read_seed(const char *dir, const char *name)
{
	const char	*srcdir = getenv("srcdir");
	char		 path[1024];
	FILE		*f;
	size_t		 n;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/%s/%s",
	    srcdir != NULL ? srcdir : ".", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		print_error("no seed %s\n", path);
		return -1;
	}
	n = fread(seedbuf, 1, sizeof(seedbuf), f);
	fclose(f);
	return n;
}

/* "IPC_MSG_ABORT" -> "msg_abort" */
static void
seed_name(const char *type, char *out, size_t outsz)
{
	size_t i;

	if (strncmp(type, "IPC_", 4) == 0)
		type += 4;
	for (i = 0; type[i] != '\0' && i + 1 < outsz; i++)
		out[i] = tolower((unsigned char)type[i]);
	out[i] = '\0';
}

static void
test_every_row_has_a_decoder(void **state)
{
	const struct ipc_type_info	*ti;
	const struct ipc_codec		*c;
	uint32_t			 t;

	for (t = IPC_NONE + 1; t < IPC_TYPE_COUNT; t++) {
		ti = ipc_type_info(t);
		assert_non_null(ti);
		c = ipc_type_codec(t);
		if (c == NULL)
			fail_msg("%s: no codec for its payload", ti->name);
		if (c->dec == NULL || c->enc == NULL || c->check == NULL)
			fail_msg("%s: payload %s lacks a decoder, encoder or "
			    "validator", ti->name, c->name);
		/* "none" is the declared empty payload, and only it is. */
		assert_int_equal(c->size == 0,
		    ti->payload == IPC_PAYLOAD_none);
	}
	assert_null(ipc_type_codec(IPC_NONE));
	assert_null(ipc_type_codec(IPC_TYPE_COUNT));
	assert_null(ipc_codec(IPC_PAYLOAD_COUNT));
}

/* The seed of one row: its selector and header name the row's type, the
   header passes the table for the selector's roles, the payload decodes. */
static int
check_row_seed(uint32_t t)
{
	const struct ipc_type_info	*ti = ipc_type_info(t);
	const struct ipc_codec		*c = ipc_type_codec(t);
	struct ipc_hdr			 h;
	struct rbuf			 rb;
	char				 name[64];
	const char			*why;
	void				*m;
	ssize_t				 n;
	int				 rc;

	seed_name(ti->name, name, sizeof(name));
	if ((n = read_seed("ipc", name)) == -1)
		return -1;
	if (n < 20 || seedbuf[0] != t || le32(seedbuf + 4) != t) {
		print_error("seed ipc/%s: selector or header is not %s\n",
		    name, ti->name);
		return -1;
	}
	h.type = t;
	h.len = le32(seedbuf + 8);
	h.id = le32(seedbuf + 12);
	h.flags = le32(seedbuf + 16);
	if ((why = ipc_check_header(&h, seedbuf[1], seedbuf[2],
	    seedbuf[3] & 1)) != NULL || h.len != (size_t)n - 20) {
		print_error("seed ipc/%s: header refused: %s\n", name,
		    why ? why : "length");
		return -1;
	}
	if ((m = calloc(1, c->size + 1)) == NULL)
		return -1;
	rb_init(&rb, seedbuf + 20, h.len);
	if ((rc = c->dec(&rb, m)) != 0)
		print_error("seed ipc/%s: payload does not decode as %s\n",
		    name, c->name);
	free(m);
	return rc;
}

static void
test_every_row_has_a_seed(void **state)
{
	uint32_t	t;
	int		bad = 0;

	for (t = IPC_NONE + 1; t < IPC_TYPE_COUNT; t++)
		if (check_row_seed(t) != 0)
			bad++;
	assert_int_equal(bad, 0);
}

static void
test_every_payload_has_a_template(void **state)
{
	char		name[64];
	uint32_t	p;
	ssize_t		n;
	int		bad = 0;

	for (p = IPC_PAYLOAD_none + 1; p < IPC_PAYLOAD_COUNT; p++) {
		snprintf(name, sizeof(name), "template_%s", ipc_codec(p)->name);
		if ((n = read_seed("ipc_roundtrip", name)) == -1)
			bad++;
		else if (n < 1 || seedbuf[0] != p - 1) {
			print_error("seed ipc_roundtrip/%s: selector %u, "
			    "not %u\n", name, n ? seedbuf[0] : 0, p - 1);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/*
 * smtpd can ask auth for one thing, a verdict on an exchange (in one
 * request, or step by step for a relayed mechanism, which it may
 * abort), and auth can tell smtpd only a verdict, a challenge of the
 * exchange, or which mechanisms to offer: no row carries a password
 * database, a hash or a list of logins between them.
 */
static void
test_smtpd_asks_auth_only_for_a_verdict(void **state)
{
	const struct ipc_type_info	*ti;
	uint32_t			 t;

	for (t = IPC_NONE + 1; t < IPC_TYPE_COUNT; t++) {
		ti = ipc_type_info(t);
		if ((ti->senders & RB_(SMTPD)) && (ti->receivers & RB_(AUTH)) &&
		    ti->kind != IPC_REPLY)
			assert_true(t == IPC_AUTH_CHECK ||
			    t == IPC_AUTH_STEP || t == IPC_AUTH_ABORT);
		if ((ti->senders & RB_(AUTH)) && (ti->receivers & RB_(SMTPD)))
			assert_true(t == IPC_AUTH_VERDICT || t == IPC_OK ||
			    t == IPC_ERROR || t == IPC_AUTH_STEP_REPLY ||
			    t == IPC_AUTH_MECHS);
	}
	ti = ipc_type_info(IPC_AUTH_CHECK);
	assert_int_equal(ti->reply, IPC_AUTH_VERDICT);
	assert_int_equal(ti->fd, IPC_FD_NONE);
	assert_int_equal(ipc_type_info(IPC_AUTH_VERDICT)->payload,
	    IPC_PAYLOAD_auth_verdict);
	/* a step gets a step's answer; an abort and the list: notes */
	ti = ipc_type_info(IPC_AUTH_STEP);
	assert_int_equal(ti->kind, IPC_REQ);
	assert_int_equal(ti->reply, IPC_AUTH_STEP_REPLY);
	assert_int_equal(ti->fd, IPC_FD_NONE);
	assert_int_equal(ipc_type_info(IPC_AUTH_ABORT)->kind, IPC_NOTE);
	assert_int_equal(ipc_type_info(IPC_AUTH_MECHS)->kind, IPC_NOTE);
	assert_int_equal(ipc_type_info(IPC_AUTH_MECHS)->senders, RB_(AUTH));
	/* only master connects auth to Dovecot, and only auth asks */
	assert_int_equal(ipc_type_info(IPC_AUTH_CONNECT)->senders, RB_(AUTH));
	assert_int_equal(ipc_type_info(IPC_AUTH_CONNECT_OK)->receivers,
	    RB_(AUTH));
}

/* ---- the control socket's payloads ---- */

/* Encode m with the table's codec for type, decode into back: 0 if so. */
static int
via_table(uint32_t type, const void *m, void *back)
{
	const struct ipc_codec	*c = ipc_type_codec(type);
	uint8_t			 buf[IPC_PAYLOAD_MAX];
	struct wbuf		 wb;
	struct rbuf		 rb;

	wb_init(&wb, buf, sizeof(buf));
	c->enc(&wb, m);
	assert_false(wb.err);
	rb_init(&rb, buf, wb.len);
	return c->dec(&rb, back);
}

static void
test_admin_payloads(void **state)
{
	static struct msg_admin_text	 t, tb;
	struct msg_admin_entry		 e = { ADMIN_Q_HOLD, "0000065A1B2C3D4E",
	    1764720000, 4096, "" }, eb;
	struct msg_admin_rcpt		 r = { "alice@example.org", "" }, rb_;
	struct msg_admin_change		 ch = { ADMIN_DELETE, ADMIN_ALL }, chb;
	struct msg_admin_done		 d = { 7 }, db;

	memset(&eb, 0, sizeof(eb));
	assert_int_equal(via_table(IPC_ADMIN_ENTRY, &e, &eb), 0);
	assert_memory_equal(&e, &eb, sizeof(e));
	memset(&rb_, 0, sizeof(rb_));
	assert_int_equal(via_table(IPC_ADMIN_RCPT, &r, &rb_), 0);
	assert_string_equal(rb_.addr, r.addr);
	assert_int_equal(via_table(IPC_ADMIN_CHANGE, &ch, &chb), 0);
	assert_int_equal(chb.op, ADMIN_DELETE);
	assert_string_equal(chb.id, ADMIN_ALL);
	assert_int_equal(via_table(IPC_ADMIN_DONE, &d, &db), 0);
	assert_int_equal(db.n, 7);
	/* text: any octets, NUL too */
	t.len = 5;
	memcpy(t.data, "a\0b\r\n", 5);
	assert_int_equal(via_table(IPC_ADMIN_TEXT, &t, &tb), 0);
	assert_int_equal(tb.len, 5);
	assert_memory_equal(tb.data, t.data, 5);

	/* what the validators refuse, a decoder refuses */
	ipc_enc_unchecked = 1;
	e.queue = ADMIN_Q_MAX;
	assert_int_equal(via_table(IPC_ADMIN_ENTRY, &e, &eb), -1);
	e.queue = ADMIN_Q_ACTIVE;
	strcpy(e.qid, "../etc/passwd");
	assert_int_equal(via_table(IPC_ADMIN_ENTRY, &e, &eb), -1);
	strcpy(e.qid, "0000065A1B2C3D4E");
	strcpy(e.sender, "a\tb@example.org");
	assert_int_equal(via_table(IPC_ADMIN_ENTRY, &e, &eb), -1);
	r.addr[0] = '\0';
	assert_int_equal(via_table(IPC_ADMIN_RCPT, &r, &rb_), -1);
	ch.op = ADMIN_OP_MAX;
	assert_int_equal(via_table(IPC_ADMIN_CHANGE, &ch, &chb), -1);
	ch.op = ADMIN_HOLD;
	strcpy(ch.id, "all");
	assert_int_equal(via_table(IPC_ADMIN_CHANGE, &ch, &chb), -1);
	t.len = 0;
	assert_int_equal(via_table(IPC_ADMIN_TEXT, &t, &tb), -1);
	ipc_enc_unchecked = 0;
	assert_string_equal(ipc_check_admin_change(&ch), "bad request");
}

/* The key oracle's payloads: bounded, and only smtpd and keys. */
static void
test_key_payloads(void **state)
{
	static struct msg_key_sign	 m, mb;
	static struct msg_key_sig	 sg, sgb;

	m.key = 0;
	m.op = KEY_OP_RSA_RAW;
	m.len = 256;
	memset(m.data, 0, 256);		/* NUL bytes are data */
	m.data[255] = 7;
	assert_int_equal(via_table(IPC_KEY_SIGN, &m, &mb), 0);
	assert_int_equal(mb.op, KEY_OP_RSA_RAW);
	assert_int_equal(mb.len, 256);
	assert_memory_equal(mb.data, m.data, 256);
	sg.len = IPC_KEY_DATA_MAX;
	memset(sg.data, 0xff, sg.len);
	assert_int_equal(via_table(IPC_KEY_SIGN_OK, &sg, &sgb), 0);
	assert_int_equal(sgb.len, IPC_KEY_DATA_MAX);

	/* what keys refuses to decode, smtpd refuses to send */
	assert_null(ipc_check_key_sign(&m));
	m.op = KEY_OP_ECDSA;		/* a digest is at most 64 bytes */
	assert_string_equal(ipc_check_key_sign(&m), "digest too long");
	m.len = 64;
	assert_null(ipc_check_key_sign(&m));
	m.key = IPC_KEYS_MAX;
	assert_string_equal(ipc_check_key_sign(&m), "bad key number");
	m.key = 0;
	m.op = KEY_OP_MAX;
	assert_string_equal(ipc_check_key_sign(&m), "bad key operation");
	m.op = KEY_OP_RSA_PKCS1;
	m.len = 0;
	assert_string_equal(ipc_check_key_sign(&m), "bad data length");
	ipc_enc_unchecked = 1;
	assert_int_equal(via_table(IPC_KEY_SIGN, &m, &mb), -1);
	m.len = 32;
	m.key = 9;
	assert_int_equal(via_table(IPC_KEY_SIGN, &m, &mb), -1);
	sg.len = 0;
	assert_int_equal(via_table(IPC_KEY_SIGN_OK, &sg, &sgb), -1);
	ipc_enc_unchecked = 0;

	/* smtpd asks keys; nobody else asks it, it answers only smtpd */
	assert_null(ipc_check_header(&(struct ipc_hdr){ IPC_KEY_SIGN, 0, 1,
	    0 }, ROLE_KEYS, ROLE_SMTPD, 0));
	assert_non_null(ipc_check_header(&(struct ipc_hdr){ IPC_KEY_SIGN, 0,
	    1, 0 }, ROLE_KEYS, ROLE_QUEUE, 0));
	assert_non_null(ipc_check_header(&(struct ipc_hdr){ IPC_KEY_SIGN, 0,
	    1, 0 }, ROLE_SMTPD, ROLE_KEYS, 0));
	assert_null(ipc_check_header(&(struct ipc_hdr){ IPC_KEY_SIGN_OK, 0,
	    1, 0 }, ROLE_SMTPD, ROLE_KEYS, 0));
	assert_non_null(ipc_check_header(&(struct ipc_hdr){ IPC_KEY_SIGN_OK,
	    0, 1, 0 }, ROLE_QUEUE, ROLE_KEYS, 0));
	assert_string_equal(ipc_role_name(ROLE_KEYS), "keys");
}

/* bulkctl is a role on the wire only: no compartment, no worker. */
static void
test_control_role(void **state)
{
	enum bh_role r;

	assert_string_equal(ipc_role_name(ROLE_CONTROL), "bulkctl");
	assert_int_equal(ipc_role_from_name("bulkctl", &r), 0);
	assert_int_equal(r, ROLE_CONTROL);
	assert_null(ipc_check_header(&(struct ipc_hdr){ IPC_ADMIN_LIST, 0,
	    1, 0 }, ROLE_QUEUE, ROLE_CONTROL, 0));
	/* nobody else may ask queue, nor bulkctl ask anyone else */
	assert_non_null(ipc_check_header(&(struct ipc_hdr){ IPC_ADMIN_LIST,
	    0, 1, 0 }, ROLE_QUEUE, ROLE_SMTPD, 0));
	assert_non_null(ipc_check_header(&(struct ipc_hdr){ IPC_MSG_CREATE,
	    0, 1, 0 }, ROLE_QUEUE, ROLE_CONTROL, 0));
	assert_non_null(ipc_check_header(&(struct ipc_hdr){ IPC_LOG, 4, 0,
	    0 }, ROLE_MASTER, ROLE_CONTROL, 0));
}

/* ---- phases ---- */

static void
test_phase_column(void **state)
{
	const struct ipc_type_info	*ti;
	uint32_t			 t;
	int				 nready = 0;

	for (t = IPC_NONE + 1; t < IPC_TYPE_COUNT; t++) {
		ti = ipc_type_info(t);
		assert_true(ti->phases != 0 && (ti->phases & ~IPC_PH_ANY) == 0);
		if (ti->phases == IPC_PH_READY)
			nready++;
		/* Only what a worker says while it sets up may come early. */
		if (t != IPC_LOG && t != IPC_READY)
			assert_int_equal(ti->phases, IPC_PH_RUN);
	}
	assert_int_equal(nready, 1);
	assert_int_equal(ipc_type_info(IPC_READY)->phases, IPC_PH_READY);
	assert_null(ipc_check_phase(IPC_LOG, IPC_PHASE_START));
	assert_null(ipc_check_phase(IPC_LOG, IPC_PHASE_RUN));
	assert_string_equal(ipc_check_phase(IPC_READY, IPC_PHASE_RUN),
	    "after READY");
	assert_string_equal(ipc_check_phase(IPC_WRITER_OPEN,
	    IPC_PHASE_START), "before READY");
}

struct phfix {
	struct event_base	*base;
	struct ipc_chan		*chan;
	int			 raw;
	int			 nmsg;
	int			 nclose;
	int			 violation;
	char			 why[128];
	char			 line[1024];	/* the last LOG's */
};

static void
ph_msg(struct ipc_chan *c, const struct ipc_hdr *h, const union ipc_msg *msg,
    int fd, void *arg)
{
	struct phfix *f = arg;

	f->nmsg++;
	if (h->type == IPC_LOG)
		snprintf(f->line, sizeof(f->line), "%s", msg->log.line);
	if (fd != -1)
		close(fd);
}

static void
ph_close(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct phfix *f = arg;

	f->nclose++;
	f->violation = violation;
	snprintf(f->why, sizeof(f->why), "%s", why);
}

/* self's end of a channel to peer, and the peer's raw end */
static struct phfix *
phfix_roles(enum bh_role self, enum bh_role peer)
{
	struct phfix	*f;
	int		 sv[2];

	assert_non_null(f = calloc(1, sizeof(*f)));
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_non_null(f->base = event_base_new());
	f->chan = ipc_chan_new(f->base, sv[0], self, peer, ph_msg, ph_close,
	    f);
	f->raw = sv[1];
	return f;
}

/* master's end of a channel to a spawned smtpd, and smtpd's raw end */
static struct phfix *
phfix_new(int await)
{
	struct phfix	*f = phfix_roles(ROLE_MASTER, ROLE_SMTPD);

	if (await)
		ipc_chan_await_ready(f->chan);
	return f;
}

static void
phfix_free(struct phfix *f)
{
	ipc_chan_free(f->chan);
	close(f->raw);
	event_base_free(f->base);
	free(f);
}

/* A note from smtpd's raw end, then let the channel read it. */
static void
ph_send(struct phfix *f, uint32_t type, const struct wbuf *wb)
{
	uint8_t		buf[sizeof(struct ipc_hdr) + 1200];
	struct ipc_hdr	h = { type, wb ? wb->len : 0, 0, 0 };
	int		i;

	memcpy(buf, &h, sizeof(h));
	if (wb != NULL)
		memcpy(buf + sizeof(h), wb->p, wb->len);
	assert_int_equal(send(f->raw, buf, sizeof(h) + h.len, 0),
	    (ssize_t)(sizeof(h) + h.len));
	for (i = 0; i < 5; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
}

static void
ph_send_log(struct phfix *f)
{
	uint8_t		buf[1100];
	struct wbuf	wb;
	struct msg_log	m = { 6, "setting up" };

	wb_init(&wb, buf, sizeof(buf));
	enc_log(&wb, &m);
	ph_send(f, IPC_LOG, &wb);
}

static void
test_phase_ready_once(void **state)
{
	struct phfix *f = phfix_new(1);

	assert_int_equal(ipc_chan_phase(f->chan), IPC_PHASE_START);
	ph_send_log(f);
	ph_send(f, IPC_READY, NULL);
	assert_int_equal(ipc_chan_phase(f->chan), IPC_PHASE_RUN);
	ph_send_log(f);
	assert_int_equal(f->nmsg, 3);
	assert_int_equal(f->nclose, 0);
	ph_send(f, IPC_READY, NULL);
	assert_int_equal(f->nmsg, 3);
	assert_int_equal(f->nclose, 1);
	assert_int_equal(f->violation, 1);
	assert_string_equal(f->why, "IPC_READY after READY");
	phfix_free(f);
}

static void
test_phase_nothing_privileged_before_ready(void **state)
{
	uint8_t				 buf[600];
	struct wbuf			 wb;
	struct msg_peer_violation	 pv = { ROLE_QUEUE, "early" };
	struct phfix			*f = phfix_new(1);

	wb_init(&wb, buf, sizeof(buf));
	enc_peer_violation(&wb, &pv);
	ph_send(f, IPC_PEER_VIOLATION, &wb);
	assert_int_equal(f->nmsg, 0);
	assert_int_equal(f->nclose, 1);
	assert_int_equal(f->violation, 1);
	assert_string_equal(f->why, "IPC_PEER_VIOLATION before READY");
	phfix_free(f);

	/* After READY it is handed on. */
	f = phfix_new(1);
	ph_send(f, IPC_READY, NULL);
	ph_send(f, IPC_PEER_VIOLATION, &wb);
	assert_int_equal(f->nmsg, 2);
	assert_int_equal(f->nclose, 0);
	phfix_free(f);
}

/* A channel that awaits no READY (a peer's, a writer's) is running. */
static void
test_phase_default_run(void **state)
{
	struct phfix *f = phfix_new(0);

	assert_int_equal(ipc_chan_phase(f->chan), IPC_PHASE_RUN);
	ph_send(f, IPC_READY, NULL);
	assert_int_equal(f->nmsg, 0);
	assert_int_equal(f->nclose, 1);
	assert_string_equal(f->why, "IPC_READY after READY");
	phfix_free(f);
}

/*
 * The channel decodes the payload with the row's codec before the
 * handler runs: the handler gets the struct; a payload that does not
 * decode, or that its validator refuses, never reaches it and closes the
 * channel as a violation.
 */
static void
test_chan_decodes_before_handler(void **state)
{
	uint8_t				 buf[600];
	struct wbuf			 wb;
	struct msg_peer_violation	 pv = { ROLE_COUNT + 3, "who?" };
	struct phfix			*f = phfix_new(0);

	ph_send_log(f);
	assert_int_equal(f->nmsg, 1);
	assert_string_equal(f->line, "setting up");
	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, 6);			/* a priority, then no line */
	ph_send(f, IPC_LOG, &wb);
	assert_int_equal(f->nmsg, 1);
	assert_int_equal(f->nclose, 1);
	assert_int_equal(f->violation, 1);
	assert_string_equal(f->why, "bad LOG payload");
	phfix_free(f);

	/* It decodes, but names no role: the validator refuses it. */
	f = phfix_new(0);
	ipc_enc_unchecked = 1;
	wb_init(&wb, buf, sizeof(buf));
	enc_peer_violation(&wb, &pv);
	ipc_enc_unchecked = 0;
	ph_send(f, IPC_PEER_VIOLATION, &wb);
	assert_int_equal(f->nmsg, 0);
	assert_int_equal(f->nclose, 1);
	assert_string_equal(f->why, "bad PEER_VIOLATION payload");
	phfix_free(f);

	/* An empty payload has no bytes. */
	f = phfix_new(1);
	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, 0);
	ph_send(f, IPC_READY, &wb);
	assert_int_equal(f->nmsg, 0);
	assert_int_equal(f->nclose, 1);
	assert_string_equal(f->why, "bad READY payload");
	phfix_free(f);
}

/*
 * A runner speaks as a runner, a writer as a writer: the :include: read
 * is the runner's, the ~/.forward read the writer's, and a mail to write
 * goes to either.
 */
static void
test_runner_role(void **state)
{
	struct ipc_hdr	 h = { 0, 0, 1, 0 };
	const char	*wrong = "message type not allowed in this direction";

	h.type = IPC_FORWARD_READ;
	assert_null(ipc_check_header(&h, ROLE_WRITER, ROLE_LOCAL, 0));
	assert_string_equal(ipc_check_header(&h, ROLE_RUNNER, ROLE_LOCAL, 0),
	    wrong);
	h.type = IPC_FORWARD_DATA;
	assert_null(ipc_check_header(&h, ROLE_LOCAL, ROLE_WRITER, 0));
	assert_string_equal(ipc_check_header(&h, ROLE_LOCAL, ROLE_RUNNER, 0),
	    wrong);
	h.type = IPC_INCLUDE_READ;
	assert_null(ipc_check_header(&h, ROLE_RUNNER, ROLE_LOCAL, 0));
	assert_string_equal(ipc_check_header(&h, ROLE_WRITER, ROLE_LOCAL, 0),
	    wrong);
	h.type = IPC_INCLUDE_DATA;
	assert_null(ipc_check_header(&h, ROLE_LOCAL, ROLE_RUNNER, 0));
	assert_string_equal(ipc_check_header(&h, ROLE_LOCAL, ROLE_WRITER, 0),
	    wrong);
	h.type = IPC_WRITE_MAIL;
	h.flags = IPC_HDR_FD;
	assert_null(ipc_check_header(&h, ROLE_WRITER, ROLE_LOCAL, 1));
	assert_null(ipc_check_header(&h, ROLE_RUNNER, ROLE_LOCAL, 1));
	/* Only local talks to them. */
	assert_non_null(ipc_check_header(&h, ROLE_RUNNER, ROLE_MASTER, 1));
}

/*
 * On a channel: local's end of a channel to a runner drops a writer's
 * note of ~/.forward, and its end of a channel to a writer drops a
 * runner's :include: bytes (with no request outstanding either, the
 * direction is checked first).
 */
static void
test_runner_channel(void **state)
{
	static struct msg_forward_data	 fd;
	static uint8_t			 buf[IPC_PAYLOAD_MAX];
	struct wbuf			 wb;
	struct phfix			*f;
	uint8_t				 dg[sizeof(struct ipc_hdr) + 64];
	struct ipc_hdr			 h = { IPC_FORWARD_DATA, 0, 1, 0 };

	fd.status = FORWARD_NONE;
	wb_init(&wb, buf, sizeof(buf));
	enc_forward_data(&wb, &fd);
	assert_true(wb.len <= sizeof(dg) - sizeof(h));
	h.len = wb.len;

	f = phfix_roles(ROLE_LOCAL, ROLE_RUNNER);
	memcpy(dg, &h, sizeof(h));
	memcpy(dg + sizeof(h), buf, wb.len);
	assert_int_equal(send(f->raw, dg, sizeof(h) + wb.len, 0),
	    (ssize_t)(sizeof(h) + wb.len));
	event_base_loop(f->base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	assert_int_equal(f->nmsg, 0);
	assert_int_equal(f->nclose, 1);
	assert_int_equal(f->violation, 1);
	assert_string_equal(f->why,
	    "message type not allowed in this direction");
	phfix_free(f);

	f = phfix_roles(ROLE_LOCAL, ROLE_WRITER);
	h.type = IPC_INCLUDE_DATA;
	memcpy(dg, &h, sizeof(h));
	assert_int_equal(send(f->raw, dg, sizeof(h) + wb.len, 0),
	    (ssize_t)(sizeof(h) + wb.len));
	event_base_loop(f->base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	assert_int_equal(f->nmsg, 0);
	assert_int_equal(f->nclose, 1);
	assert_string_equal(f->why,
	    "message type not allowed in this direction");
	phfix_free(f);
}

/*
 * Master's channels decode with ipc_codecs_master: for every row master
 * may receive, the same codec object as the full table's (the same
 * decoder and validator); and nothing else, so that master links no
 * other codec (scripts/master-lines.sh).
 */
static void
test_master_codecs(void **state)
{
	const struct ipc_type_info	*ti;
	uint32_t			 t, p;
	int				 used[IPC_PAYLOAD_COUNT] = { 0 };

	for (t = IPC_NONE + 1; t < IPC_TYPE_COUNT; t++) {
		ti = ipc_type_info(t);
		if (!(ti->receivers & RB_(MASTER)))
			continue;
		used[ti->payload] = 1;
		if (ipc_codecs_master[ti->payload] == NULL)
			fail_msg("%s: master receives it but has no codec "
			    "for %s", ti->name, ipc_codec(ti->payload)->name);
		assert_ptr_equal(ipc_codecs_master[ti->payload],
		    ipc_codecs_all[ti->payload]);
	}
	for (p = 0; p < IPC_PAYLOAD_COUNT; p++)
		if (ipc_codecs_master[p] != NULL && !used[p])
			fail_msg("master decodes %s, which it never receives",
			    ipc_codecs_master[p]->name);
}

/* A datagram of type from the raw end, with request id id. */
static void
ph_send_id(struct phfix *f, uint32_t type, uint32_t id, const struct wbuf *wb)
{
	uint8_t		buf[sizeof(struct ipc_hdr) + 1200];
	struct ipc_hdr	h = { type, wb->len, id, 0 };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), wb->p, wb->len);
	assert_int_equal(send(f->raw, buf, sizeof(h) + h.len, 0),
	    (ssize_t)(sizeof(h) + h.len));
	event_base_loop(f->base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
}

/*
 * A channel decodes with the table its process chose: master's takes
 * local's IPC_WRITER_OPEN and refuses a bad one as any receiver would;
 * a payload the chosen table has no codec for closes the channel as a
 * violation instead of reaching the handler.
 */
static void
test_chan_decodes_with_chosen_table(void **state)
{
	static const struct ipc_codec	*nolog[IPC_PAYLOAD_COUNT];
	uint8_t				 buf[600];
	struct wbuf			 wb;
	struct msg_writer_open		 wo = { "alice" };
	struct phfix			*f;

	ipc_codecs_use(ipc_codecs_master);
	f = phfix_roles(ROLE_MASTER, ROLE_LOCAL);
	wb_init(&wb, buf, sizeof(buf));
	enc_writer_open(&wb, &wo);
	ph_send_id(f, IPC_WRITER_OPEN, 1, &wb);
	assert_int_equal(f->nmsg, 1);
	assert_int_equal(f->nclose, 0);
	snprintf(wo.user, sizeof(wo.user), "../root");
	ipc_enc_unchecked = 1;
	wb_init(&wb, buf, sizeof(buf));
	enc_writer_open(&wb, &wo);
	ipc_enc_unchecked = 0;
	ph_send_id(f, IPC_WRITER_OPEN, 2, &wb);
	assert_int_equal(f->nmsg, 1);
	assert_int_equal(f->nclose, 1);
	assert_int_equal(f->violation, 1);
	assert_string_equal(f->why, "bad WRITER_OPEN payload");
	phfix_free(f);

	memcpy(nolog, ipc_codecs_master, sizeof(nolog));
	nolog[IPC_PAYLOAD_log] = NULL;
	ipc_codecs_use(nolog);
	f = phfix_new(0);
	ph_send_log(f);
	assert_int_equal(f->nmsg, 0);
	assert_int_equal(f->nclose, 1);
	assert_int_equal(f->violation, 1);
	assert_string_equal(f->why, "bad LOG payload");
	phfix_free(f);
	ipc_codecs_use(ipc_codecs_all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_has_a_decoder),
		cmocka_unit_test(test_every_row_has_a_seed),
		cmocka_unit_test(test_every_payload_has_a_template),
		cmocka_unit_test(test_smtpd_asks_auth_only_for_a_verdict),
		cmocka_unit_test(test_admin_payloads),
		cmocka_unit_test(test_key_payloads),
		cmocka_unit_test(test_control_role),
		cmocka_unit_test(test_phase_column),
		cmocka_unit_test(test_phase_ready_once),
		cmocka_unit_test(test_phase_nothing_privileged_before_ready),
		cmocka_unit_test(test_phase_default_run),
		cmocka_unit_test(test_chan_decodes_before_handler),
		cmocka_unit_test(test_runner_role),
		cmocka_unit_test(test_runner_channel),
		cmocka_unit_test(test_master_codecs),
		cmocka_unit_test(test_chan_decodes_with_chosen_table),
	};

	ipc_codecs_use(ipc_codecs_all);

	return cmocka_run_group_tests(tests, NULL, NULL);
}
