/*
 * fuzz_smtp_session.c: the real SMTP session state machine (session.c,
 * session_cmd.c, session_data.c, session_auth.c, session_policy.c,
 * clients.c) driven by arbitrary client bytes, in process: no sockets,
 * no event loop, thousands of sessions a second under ASan.
 *
 * session_accept gets fd -1: its bufferevent is a socket bufferevent
 * without a socket, on which libevent adds no I/O event.  The harness
 * plays the kernel and the event loop on its buffers: it hands the input
 * over a piece at a time (each piece runs the session's read handler),
 * takes away what the session wrote and then runs its write handler,
 * fires the session's timer when that is all that is left (the greeting
 * wait, the error sleep, the deadline), and hangs up at the end.  Only a
 * session that switched to TLS runs the event loop (the OpenSSL filter
 * defers its callbacks to it).
 *
 * Queue, lookup and auth are fakes behind smtpd_request (peers.c is not
 * linked): every request smtpd sends is checked against the IPC table
 * (direction, fd) and decoded and validated by the receiver's own codec,
 * as ipc_chan does in the daemon; the answers are queued, encoded and
 * decoded the same way, and handed to session_reply after the call that
 * asked returns, as the event loop would.
 *
 * Input: two selector bytes, then the client's bytes.
 * First byte:
 *   bit 0	smtpd_forbid_bare_newline = normalize (else reject)
 *   bit 1	queue refuses MSG_CREATE
 *   bit 2	queue fails MSG_COMMIT
 *   bit 3	small limits (message_size_limit 300, 2 recipients,
 *		hard error limit 5, hopcount_limit 3)
 *   bits 4-7	how the input is cut into writes (1 << n bytes at a time;
 *		15: all at once, and the client hangs up before the last
 *		answers from the peers arrive)
 * Second byte:
 *   bit 0	AUTH offered (smtpd_sasl_auth_enable, not TLS only) with
 *		permit_sasl_authenticated and reject_sender_login_mismatch
 *   bit 1	a TLS context: STARTTLS offered
 *   bit 2	every third request's peer goes away before answering
 *   bit 3	every third request finds its peer down
 *   bit 4	smtpd_greet_wait: the input arrives before the greeting
 *   bit 5	smtpd_error_sleep_time after the first error
 *   bit 6	at the end the deadline passes (else the client hangs up)
 *   bit 7	smtpd_tls_security_level = encrypt (with bit 1 and bit 0 of
 *		the first byte: implicit TLS, the 465 wrapper mode)
 * With bits 2 and 3 together no peer fails, but smtpd is short of file
 * descriptors for a message's content (451 4.3.2), and with bit 6 as
 * well it is full (421 too many connections), or with bit 4 the client
 * has another session already, one more than it may (outside
 * mynetworks: 421).  With a TLS context,
 * AUTH is offered only after TLS (smtpd_tls_auth_only).
 * Lookup answers by the first letter of the local part: "u" unknown user,
 * "r" relay denied, "t" temporary failure, "n" relay allowed but not
 * available, anything else OK.  Auth answers by the first letter of the
 * login: "f" failure, "r" rate limit, "t" temporary failure, "e" an
 * IPC_ERROR, anything else success.  With AUTH, auth offers SCRAM-SHA-256
 * too (session_fake_auth.c) and answers a relayed step by the first
 * octet of the client's response the same way, an empty next response
 * with success and anything else with a challenge; it keeps the
 * exchanges as the real auth does, and a step or an abort auth would
 * take for a violation (one of no exchange, a second START), or an
 * exchange left open at auth once the session is gone, is a bug in
 * smtpd.  A peer that goes away or is down takes its exchanges with it
 * (as a new auth channel would).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "conf/config.h"
#include "privsep/ipc_msgs.h"
#include "smtpd/smtp_parse.h"
#include "smtpd/smtpd.h"
#include "smtpd/tls.h"
#include "smtpd/session_int.h"
#include "tests/fuzz/session_harness.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
const char *__asan_default_options(void);

/*
 * ASan's quarantine (256 MB) holds every freed reply and buffer chain of
 * thousands of sessions: new ones then land on fresh pages, and page
 * faults cost more than the sessions (a third of the speed).  16 MB
 * still holds what one session freed many times over; ASAN_OPTIONS in
 * the environment overrides it.
 */
const char *
__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

#define ROUNDS_MAX	20000	/* rounds per input */

#define SEL_NORMALIZE	0x01
#define SEL_CREATE_FAIL	0x02
#define SEL_COMMIT_FAIL	0x04
#define SEL_SMALL	0x08

#define SEL2_AUTH	0x01
#define SEL2_TLS	0x02
#define SEL2_LOST	0x04
#define SEL2_DOWN	0x08
#define SEL2_GREET	0x10
#define SEL2_SLEEP	0x20
#define SEL2_DEADLINE	0x40
#define SEL2_ENCRYPT	0x80
/* both: short of fds (see above) */
#define SEL2_PINCH	(SEL2_LOST | SEL2_DOWN)
/* the second byte's bits that change main.cf */
#define SEL2_CONF	(SEL2_GREET | SEL2_SLEEP)


/* An answer on its way back to a session. */
struct answer {
	struct session	*s;
	enum ipc_type	 req;
	uint32_t	 type;		/* IPC_NONE: the peer went away */
	int		 fd;
	size_t		 len;
	uint8_t		 buf[REPLY_MAX];
};

struct harness {
	struct smtpd		 sd;
	uint8_t			 sel, sel2;
	unsigned int		 nreq;
	int			 other;		/* client has a session */
	int			 devnull;
	SSL_CTX			*tls;
	struct listener_tls	 lt;
	struct answer		*answers;	/* a FIFO */
	size_t			 nanswers, first, cap;
	struct bh_config	 cf[64];
	int			 built[64];
};

static struct harness	*h;

static void
discard_log(int prio, const char *line)
{
}

/* Nothing reports a peer here: smtpd's peers are the fakes below. */
void
worker_peer_violation(struct worker_env *we, enum bh_role peer,
    const char *why)
{
	abort();
}

/* ---- the fake peers ---- */

static void
answer_push(struct session *s, enum ipc_type req, uint32_t type,
    const struct wbuf *wb, int fd)
{
	struct answer	*a;

	if (h->first + h->nanswers == h->cap) {
		if (h->first > 0) {
			memmove(h->answers, h->answers + h->first,
			    h->nanswers * sizeof(*a));
			h->first = 0;
		} else {
			h->cap = h->cap ? h->cap * 2 : 16;
			h->answers = realloc(h->answers,
			    h->cap * sizeof(*a));
			if (h->answers == NULL)
				abort();
		}
	}
	a = &h->answers[h->first + h->nanswers++];
	a->s = s;
	a->req = req;
	a->type = type;
	a->fd = fd;
	a->len = 0;
	if (wb != NULL) {
		if (wb->err || wb->len > sizeof(a->buf))
			abort();
		memcpy(a->buf, wb->p, wb->len);
		a->len = wb->len;
	}
}

void
answer(struct session *s, enum ipc_type req, enum ipc_type type,
    const struct wbuf *wb, int fd)
{
	/* Every third request: the peer went away before answering. */
	if ((h->sel2 & SEL2_LOST) && h->nreq % 3 == 0) {
		if (fd != -1)
			close(fd);
		answer_push(s, req, IPC_NONE, NULL, -1);
		return;
	}
	answer_push(s, req, type, wb, fd);
}

void
answer_error(struct session *s, enum ipc_type req, const char *dsn)
{
	struct msg_error	e;
	uint8_t			buf[REPLY_MAX];
	struct wbuf		wb;

	strlcpy(e.dsn, dsn, sizeof(e.dsn));
	strlcpy(e.text, "fake", sizeof(e.text));
	wb_init(&wb, buf, sizeof(buf));
	enc_error(&wb, &e);
	answer(s, req, IPC_ERROR, &wb, -1);
}

static void
answer_qid(struct session *s, enum ipc_type req, enum ipc_type type,
    int fd)
{
	struct msg_qid	q;
	uint8_t		buf[64];
	struct wbuf	wb;

	strlcpy(q.qid, "0123456789ABCDEF", sizeof(q.qid));
	wb_init(&wb, buf, sizeof(buf));
	enc_qid(&wb, &q);
	answer(s, req, type, &wb, fd);
}

static void
fake_lookup(struct session *s, enum ipc_type type, const union ipc_msg *m)
{
	struct msg_rcpt_verdict	 v = { RCPT_OK };
	const char		*addr;
	uint8_t			 buf[16];
	struct wbuf		 wb;

	addr = type == IPC_RCPT_CHECK ? m->addr.addr : m->rcpt_check.addr;
	switch (addr[0]) {
	case 'u':
		v.verdict = RCPT_UNKNOWN_USER;
		break;
	case 'r':
		v.verdict = RCPT_RELAY_DENIED;
		break;
	case 't':
		v.verdict = RCPT_TEMPFAIL;
		break;
	case 'n':
		v.verdict = RCPT_RELAY_UNAVAILABLE;
		break;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_rcpt_verdict(&wb, &v);
	answer(s, type, IPC_RCPT_CHECK_REPLY, &wb, -1);
}

static void
fake_queue(struct session *s, enum ipc_type type)
{
	int	fd;

	switch (type) {
	case IPC_MSG_CREATE:
		if ((h->sel & SEL_CREATE_FAIL) ||
		    (fd = fcntl(h->devnull, F_DUPFD_CLOEXEC, 3)) == -1)
			answer_error(s, type, "4.3.0");
		else
			answer_qid(s, type, IPC_MSG_CREATE_OK, fd);
		break;
	case IPC_MSG_COMMIT:
		if (h->sel & SEL_COMMIT_FAIL)
			answer_error(s, type, "4.3.1");
		else
			answer_qid(s, type, IPC_MSG_COMMIT_OK, -1);
		break;
	default:	/* MSG_RCPT, MSG_ABORT */
		answer(s, type, IPC_OK, NULL, -1);
		break;
	}
}

static void
fake_auth(struct session *s, const struct msg_auth_check *m)
{
	struct msg_auth_verdict	v;
	uint8_t			buf[REPLY_MAX];
	struct wbuf		wb;

	memset(&v, 0, sizeof(v));
	switch (m->user[0]) {
	case 'f':
		v.verdict = AUTH_FAIL;
		break;
	case 'r':
		v.verdict = AUTH_RATE;
		break;
	case 't':
		v.verdict = AUTH_TEMPFAIL;
		break;
	case 'e':
		answer_error(s, IPC_AUTH_CHECK, "4.7.0");
		return;
	default:
		v.verdict = AUTH_OK;
		strlcpy(v.user, m->user, sizeof(v.user));
		break;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_auth_verdict(&wb, &v);
	answer(s, IPC_AUTH_CHECK, IPC_AUTH_VERDICT, &wb, -1);
}

/*
 * smtpd's requests, checked as the receiving ipc_chan checks them: the
 * table must allow the type from smtpd to that peer, and the payload
 * must decode and pass the receiver's validator.  A request that does
 * not is a bug in smtpd (the real peer would drop the channel).
 */
int
smtpd_request(struct smtpd *sd, struct session *s, enum bh_role peer,
    enum ipc_type type, const struct wbuf *wb)
{
	static union ipc_msg		 m;
	const struct ipc_codec		*codec;
	struct ipc_hdr			 hdr;
	struct rbuf			 rb;

	if (wb != NULL && wb->err)
		abort();
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = wb != NULL ? (uint32_t)wb->len : 0;
	hdr.id = 1;
	if (ipc_check_header(&hdr, peer, ROLE_SMTPD, 0) != NULL ||
	    (codec = ipc_type_codec(type)) == NULL)
		abort();
	rb_init(&rb, wb != NULL ? wb->p : NULL, wb != NULL ? wb->len : 0);
	if (codec->dec(&rb, &m) != 0 || codec->check(&m) != NULL)
		abort();
	/* Every third request: the peer is down (the channel is gone). */
	if ((h->sel2 & SEL2_DOWN) && ++h->nreq % 3 == 0) {
		if (peer == ROLE_AUTH)
			fake_auth_gone(&h->sd);
		return -1;
	}
	h->nreq++;
	switch (peer) {
	case ROLE_LOOKUP:
		fake_lookup(s, type, &m);
		break;
	case ROLE_QUEUE:
		fake_queue(s, type);
		break;
	case ROLE_AUTH:
		if (type == IPC_AUTH_STEP)
			fake_step(s, &m.auth_step);
		else
			fake_auth(s, &m.auth_check);
		break;
	default:
		abort();
	}
	return 0;
}

/* The oldest answer to its session, decoded as ipc_chan decodes it. */
static void
answer_deliver(void)
{
	static union ipc_msg		 m;
	struct answer			 a = h->answers[h->first];
	const struct ipc_type_info	*ti;
	const struct ipc_codec		*codec;
	struct rbuf			 rb;

	h->first++;
	if (--h->nanswers == 0)
		h->first = 0;
	if (a.type == IPC_NONE) {
		if (a.req == IPC_AUTH_STEP || a.req == IPC_AUTH_CHECK)
			fake_auth_gone(&h->sd);
		session_reply(a.s, a.req, IPC_NONE, NULL, -1);
		return;
	}
	ti = ipc_type_info(a.req);
	if (ti == NULL || (a.type != ti->reply && a.type != IPC_ERROR) ||
	    (codec = ipc_type_codec(a.type)) == NULL)
		abort();
	rb_init(&rb, a.buf, a.len);
	if (codec->dec(&rb, &m) != 0 || codec->check(&m) != NULL)
		abort();
	session_reply(a.s, a.req, a.type, &m, a.fd);
}

/* ---- set-up, once per run ---- */

/* A throw-away self-signed P-256 certificate, made in memory. */
static SSL_CTX *
tls_context(void)
{
	SSL_CTX		*ctx;
	EVP_PKEY	*key;
	X509		*x;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    (key = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL)
		abort();
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"mx.fuzz.example", -1, -1,
	    0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (X509_set_pubkey(x, key) != 1 ||
	    X509_sign(x, key, EVP_sha256()) == 0 ||
	    SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1)
		abort();
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

static void
config_for(struct bh_config *cf, unsigned int k)
{
	struct cf_table	 tab = { NULL, 0 };
	char		 err[CF_ERR_MAX];
	int		 n = 1;

	cf_set(&tab, "myhostname", "mx.fuzz.example", "fuzz", n++);
	cf_set(&tab, "smtpd_error_sleep_time", (k & SEL2_SLEEP) ?
	    "1" : "0", "fuzz", n++);
	if (k & SEL2_SLEEP)
		cf_set(&tab, "smtpd_soft_error_limit", "1", "fuzz", n++);
	if (k & SEL2_GREET)
		cf_set(&tab, "smtpd_greet_wait", "1", "fuzz", n++);
	cf_set(&tab, "smtpd_forbid_bare_newline",
	    (k & SEL_NORMALIZE) ? "normalize" : "reject", "fuzz", n++);
	if (k & SEL_SMALL) {
		cf_set(&tab, "message_size_limit", "300", "fuzz", n++);
		cf_set(&tab, "smtpd_recipient_limit", "2", "fuzz", n++);
		cf_set(&tab, "smtpd_hard_error_limit", "5", "fuzz", n++);
		cf_set(&tab, "hopcount_limit", "3", "fuzz", n++);
	}
	if (config_build(cf, &tab, BH_CONFIG_DIR, NULL, err, sizeof(err))
	    == -1)
		abort();
	cf_free(&tab);
}

#define SENDER_LOGINS	"alice@mx.fuzz.example alice\n" \
			"@shared.example alice, bob\n"

static void
harness_init(void)
{
	char	err[256];

	if ((h = calloc(1, sizeof(*h))) == NULL)
		abort();
	log_set_sink(discard_log);
	RB_INIT(&h->sd.waiters);
	RB_INIT(&h->sd.clients);
	if ((h->sd.we.base = event_base_new()) == NULL ||
	    (h->devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		abort();
	h->sd.we.arg = &h->sd;
	h->tls = tls_context();
	/* smtpd_sender_login_maps: who may send as whom after AUTH */
	if (sl_parse(&h->sd.sender_logins, SENDER_LOGINS,
	    strlen(SENDER_LOGINS), "sender_logins", err, sizeof(err)) == -1)
		abort();
}

/*
 * The configuration and the listener's options for this input.  The 64
 * main.cf variants are built on first use and kept: building one costs
 * more than a session.
 */
static void
harness_select(uint8_t sel, uint8_t sel2)
{
	unsigned int		 k = (sel & 0x0f) | (sel2 & SEL2_CONF);
	struct listener_tls	*lt = &h->lt;

	if (!h->built[k]) {
		config_for(&h->cf[k], k);
		h->built[k] = 1;
	}
	/* A copy that shares the cached one's strings, never freed. */
	h->sd.we.cf = h->cf[k];
	h->sd.session_limit = h->sd.we.cf.smtpd_session_limit;
	h->sd.nofile = 1024;
	h->other = 0;
	if ((sel2 & SEL2_PINCH) == SEL2_PINCH) {
		/* one session's socket fits, no message content */
		h->sd.nofile = 1 + SMTPD_FD_RESERVE;
		if (sel2 & SEL2_DEADLINE)
			h->sd.session_limit = 0;
		/* and one more session from this client than it may have */
		if (sel2 & SEL2_GREET) {
			h->sd.we.cf.smtpd_client_connection_count_limit = 1;
			h->other = 1;
		}
		sel2 &= ~SEL2_PINCH;
	}
	h->sd.tls = (sel2 & SEL2_TLS) ? h->tls : NULL;
	h->sel = sel;
	h->sel2 = sel2;
	h->nreq = 0;
	fake_auth_reset();
	h->sd.auth_mechs = (sel2 & SEL2_AUTH) ? AUTH_MECHS_ALL :
	    AUTH_MECHS_BASE;
	memset(lt, 0, sizeof(*lt));
	lt->wrapper = (sel2 & SEL2_TLS) && (sel2 & SEL2_ENCRYPT) &&
	    (sel & SEL_NORMALIZE);
	strlcpy(lt->level, lt->wrapper ? "none" : (sel2 & SEL2_ENCRYPT) ?
	    "encrypt" : "may", sizeof(lt->level));
	lt->sasl_auth_enable = (sel2 & SEL2_AUTH) != 0;
	lt->tls_auth_only = (sel2 & SEL2_TLS) != 0;
	if (sel2 & SEL2_AUTH) {
		strlcpy(lt->relay_restr, "permit_mynetworks, "
		    "permit_sasl_authenticated, reject_unauth_destination",
		    sizeof(lt->relay_restr));
		strlcpy(lt->sender_restr, "reject_sender_login_mismatch",
		    sizeof(lt->sender_restr));
	} else
		strlcpy(lt->relay_restr, h->sd.we.cf.smtpd_relay_restrictions,
		    sizeof(lt->relay_restr));
	strlcpy(lt->rcpt_restr, h->sd.we.cf.smtpd_recipient_restrictions,
	    sizeof(lt->rcpt_restr));
}

/* ---- one input ---- */

/*
 * The connection as the harness sees it: the session's bufferevent is a
 * socket bufferevent without a socket (fd -1: libevent adds no I/O
 * event for it), whose buffers the harness fills and empties itself.
 */
struct conn {
	struct session		*s;	/* valid while nsessions is 1 */
	struct bufferevent	*server;	/* under TLS: the socket's */
	struct client		*other;		/* its other session */
	int			 show;
};

static int
alive(const struct conn *c)
{
	return h->sd.nsessions == 1;
}

/* The session's socket end, until the session closes it. */
static int
connected(const struct conn *c)
{
	return alive(c) && !c->s->closed;
}

/*
 * Up to piece bytes arrive, as libevent reads them: only while reading
 * is enabled and below the high-water mark; then the read handler runs.
 * Returns how many.
 */
static size_t
give_input(struct conn *c, const uint8_t *in, size_t left, size_t piece)
{
	struct evbuffer	*b;
	size_t		 have, n;

	if (!connected(c) || !(bufferevent_get_enabled(c->server) & EV_READ))
		return 0;
	b = bufferevent_get_input(c->server);
	if ((have = evbuffer_get_length(b)) >= INPUT_HIWAT)
		return 0;
	n = left < piece ? left : piece;
	if (n > INPUT_HIWAT - have)
		n = INPUT_HIWAT - have;
	/* libevent freezes the end of an input buffer for its owner. */
	evbuffer_unfreeze(b, 0);
	evbuffer_add(b, in, n);
	evbuffer_freeze(b, 0);
	bufferevent_trigger(c->server, EV_READ, 0);
	return n;
}

/*
 * What the session sent is taken off its socket end, as the kernel
 * would while writing is enabled; then its write handler runs, as
 * libevent runs it once the output has drained.  1 if there was any.
 */
static int
take_output(struct conn *c)
{
	struct evbuffer	*out;
	size_t		 len;

	if (!connected(c) || !(bufferevent_get_enabled(c->server) & EV_WRITE))
		return 0;
	out = bufferevent_get_output(c->server);
	if ((len = evbuffer_get_length(out)) == 0)
		return 0;
	if (c->show)
		fwrite(evbuffer_pullup(out, -1), 1, len, stderr);
	/* ... and the front of an output buffer. */
	evbuffer_unfreeze(out, 1);
	evbuffer_drain(out, len);
	evbuffer_freeze(out, 1);
	bufferevent_trigger(c->server, EV_WRITE, 0);
	return 1;
}

/* The session's timer goes off now. */
static void
fire_timer(struct conn *c)
{
	event_active(c->s->timer, EV_TIMEOUT, 1);
	event_base_loop(h->sd.we.base, EVLOOP_NONBLOCK);
}

/* The client is done: a hang-up, or (SEL2_DEADLINE) the line deadline. */
static void
finish(struct conn *c)
{
	if (!connected(c))
		return;
	if ((h->sel2 & SEL2_DEADLINE) && c->s->timer_use == T_DEADLINE)
		fire_timer(c);
	else
		bufferevent_trigger_event(c->server,
		    BEV_EVENT_EOF | BEV_EVENT_READING, 0);
}

static void
connect_session(struct conn *c)
{
	struct sockaddr_in6	 sin6;
	struct sockaddr_in	 sin;
	struct sockaddr		*sa = (struct sockaddr *)&sin;
	socklen_t		 salen = sizeof(sin);
	int			 outside = (h->sel2 & SEL2_AUTH) != 0;

	/* With AUTH on, a client outside mynetworks: relay needs a login. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(outside ? 0xc0000201 : 0x7f000001);
	if (h->sel & SEL_SMALL) {
		/* IPv6: 2001:db8::1, or ::ffff:127.0.0.1 */
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		if (outside) {
			sin6.sin6_addr.s6_addr[0] = 0x20;
			sin6.sin6_addr.s6_addr[1] = 0x01;
			sin6.sin6_addr.s6_addr[2] = 0x0d;
			sin6.sin6_addr.s6_addr[3] = 0xb8;
			sin6.sin6_addr.s6_addr[15] = 1;
		} else {
			sin6.sin6_addr.s6_addr[10] = 0xff;
			sin6.sin6_addr.s6_addr[11] = 0xff;
			memcpy(&sin6.sin6_addr.s6_addr[12],
			    &sin.sin_addr.s_addr, 4);
		}
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	}
	/*
	 * No socket: session_accept's bufferevent has fd -1, and the
	 * harness plays the kernel on its buffers.  In wrapper mode that
	 * is the OpenSSL bufferevent, whose input is what TLS would have
	 * decrypted: the session as after a handshake.
	 */
	if (h->other)
		c->other = client_enter(&h->sd, !outside ? "127.0.0.1" :
		    (h->sel & SEL_SMALL) ? "2001:db8::1" : "192.0.2.1");
	c->s = session_accept(&h->sd, -1, sa, salen, &h->lt);
	if (h->sd.nsessions == 1)
		c->server = c->s->bev;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn	 c;
	const uint8_t	*in;
	size_t		 left, piece, n;
	int		 rounds, progress, ended = 0, early;

	if (size < 2)
		return 0;
	if (h == NULL)
		harness_init();
	harness_select(data[0], data[1]);
	in = data + 2;
	left = size - 2;
	piece = (size_t)1 << (data[0] >> 4);
	/*
	 * At most half the rounds feed input, so that the hang-up and the
	 * session's end always have rounds left (an input fed a byte at a
	 * time would otherwise end the loop with the session still open).
	 */
	if (left / piece > ROUNDS_MAX / 2)
		left = piece * (ROUNDS_MAX / 2);
	early = (data[0] >> 4) == 15;
	memset(&c, 0, sizeof(c));
	c.show = getenv("FUZZ_SHOW") != NULL;
	connect_session(&c);
	if (alive(&c) && c.s->timer_use == T_GREET) {
		/* The client talks first: postscreen's pregreet test. */
		n = give_input(&c, in, left, piece);
		in += n;
		left -= n;
		fire_timer(&c);
	}

	for (rounds = 0; rounds < ROUNDS_MAX && alive(&c); rounds++) {
		progress = 0;
		if (left > 0 && (n = give_input(&c, in, left, piece)) > 0) {
			in += n;
			left -= n;
			progress = 1;
		}
		if (early && left == 0 && h->nanswers > 0 && !ended++)
			finish(&c);
		while (h->nanswers > 0) {
			answer_deliver();
			progress = 1;
		}
		/* The OpenSSL filter's deferred callbacks. */
		if (connected(&c) && c.s->tls)
			event_base_loop(h->sd.we.base, EVLOOP_NONBLOCK);
		if (take_output(&c))
			progress = 1;
		if (progress || !alive(&c))
			continue;
		if (connected(&c) && (c.s->sleeping ||
		    c.s->timer_use == T_CLOSE)) {
			fire_timer(&c);
			continue;
		}
		left = 0;	/* the session stopped reading */
		if (ended++ == 0)
			finish(&c);
		else if (ended == 4 && connected(&c))
			/* Output that cannot leave (a TLS handshake never
			   done): the write timeout (smtpd_timeout). */
			bufferevent_trigger_event(c.s->bev,
			    BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING, 0);
		else if (ended < 8)	/* a TLS session's deferred close */
			event_base_loop(h->sd.we.base, EVLOOP_NONBLOCK);
		else
			break;
	}
	if (c.other != NULL)
		client_leave(&h->sd, c.other);
	/* A session still open after the hang-up is a bug. */
	if (h->sd.nsessions != 0 || h->sd.ndata_fds != 0 ||
	    h->nanswers != 0 || !RB_EMPTY(&h->sd.clients) ||
	    fake_auth_open() != 0)
		abort();
	/* libevent frees bufferevents in finalizers the loop runs. */
	event_base_loop(h->sd.we.base, EVLOOP_NONBLOCK);
	return 0;
}
