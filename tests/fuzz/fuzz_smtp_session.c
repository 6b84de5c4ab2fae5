/*
 * fuzz_smtp_session.c: the real SMTP session state machine (session.c,
 * session_cmd.c, session_data.c, peers.c, clients.c) driven by arbitrary
 * client bytes, without network.
 *
 * The client is one end of a socketpair handed to session_accept(); queue
 * and lookup are fakes on SOCK_SEQPACKET socketpairs speaking the real IPC
 * protocol, so every request smtpd sends is checked by ipc_chan on the way
 * in, exactly as in the daemon.  The event loop runs non-blocking, feeding
 * input and draining replies, for a bounded number of rounds; at the end
 * the client hangs up, and every session, waiter and fd must be gone:
 * smtpd and its fakes live on for the next input.
 *
 * Input: one selector byte, then the client's bytes.
 *   bit 0	smtpd_forbid_bare_newline = normalize (else reject)
 *   bit 1	queue refuses MSG_CREATE
 *   bit 2	queue fails MSG_COMMIT
 *   bit 3	small limits (message_size_limit 300, 2 recipients,
 *		hard error limit 5)
 *   bits 4-7	how the input is cut into writes (1 << n bytes at a time)
 * Lookup answers by the first letter of the local part: "u" unknown user,
 * "r" relay denied, "t" temporary failure, "n" relay allowed but not
 * available, anything else OK.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "conf/config.h"
#include "privsep/ipc_msgs.h"
#include "smtpd/smtpd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ROUNDS_MAX	20000	/* event loop rounds per input */
#define IDLE_ROUNDS	8	/* rounds without progress = idle */

#define SEL_NORMALIZE	0x01
#define SEL_CREATE_FAIL	0x02
#define SEL_COMMIT_FAIL	0x04
#define SEL_SMALL	0x08

struct fake {
	uint8_t		 sel;
	struct ipc_chan	*queue;		/* the fake's end */
	struct ipc_chan	*lookup;
	int		 progress;
};

/* peers.c reports a peer that broke the protocol; the fakes never do. */
void
worker_peer_violation(struct worker_env *we, enum bh_role peer,
    const char *why)
{
	abort();
}

static void
discard_log(int prio, const char *line)
{
}

static void
fake_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	/* smtpd sent something the IPC table does not allow: a bug. */
	if (violation)
		abort();
}

static void
fake_lookup_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct fake		*f = arg;
	const char		*addr;
	struct msg_rcpt_verdict	 v = { RCPT_OK };
	uint8_t			 buf[16];
	struct wbuf		 wb;

	f->progress = 1;
	if (fd != -1)
		close(fd);
	/* A payload that did not decode closed the channel (fake_closed). */
	if (h->type == IPC_RCPT_CHECK)
		addr = msg->addr.addr;
	else if (h->type == IPC_RCPT_CHECK_CLIENT)
		addr = msg->rcpt_check.addr;
	else
		abort();
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
	ipc_reply(c, IPC_RCPT_CHECK_REPLY, h->id, &wb, -1);
}

static void
reply_qid(struct ipc_chan *c, enum ipc_type type, uint32_t id, int fd)
{
	struct msg_qid	 q;
	uint8_t		 buf[64];
	struct wbuf	 wb;

	strlcpy(q.qid, "0123456789ABCDEF", sizeof(q.qid));
	wb_init(&wb, buf, sizeof(buf));
	enc_qid(&wb, &q);
	ipc_reply(c, type, id, &wb, fd);
}

static void
fake_queue_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct fake		*f = arg;
	int			 out;

	f->progress = 1;
	if (fd != -1)
		close(fd);
	switch (h->type) {
	case IPC_MSG_CREATE:
		if ((f->sel & SEL_CREATE_FAIL) ||
		    (out = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1) {
			ipc_reply_error(c, h->id, "4.3.0", "no");
			break;
		}
		reply_qid(c, IPC_MSG_CREATE_OK, h->id, out);
		break;
	case IPC_MSG_RCPT:
		ipc_reply(c, IPC_OK, h->id, NULL, -1);
		break;
	case IPC_MSG_COMMIT:
		if (f->sel & SEL_COMMIT_FAIL)
			ipc_reply_error(c, h->id, "4.3.1", "full");
		else
			reply_qid(c, IPC_MSG_COMMIT_OK, h->id, -1);
		break;
	case IPC_MSG_ABORT:
		ipc_reply(c, IPC_OK, h->id, NULL, -1);
		break;
	default:
		abort();
	}
}

static void
config_for(struct bh_config *cf, uint8_t sel)
{
	struct cf_table	 tab = { NULL, 0 };
	char		 err[CF_ERR_MAX];

	cf_set(&tab, "myhostname", "mx.fuzz.example", "fuzz", 1);
	cf_set(&tab, "smtpd_error_sleep_time", "0", "fuzz", 2);
	cf_set(&tab, "smtpd_forbid_bare_newline",
	    (sel & SEL_NORMALIZE) ? "normalize" : "reject", "fuzz", 3);
	if (sel & SEL_SMALL) {
		cf_set(&tab, "message_size_limit", "300", "fuzz", 4);
		cf_set(&tab, "smtpd_recipient_limit", "2", "fuzz", 5);
		cf_set(&tab, "smtpd_hard_error_limit", "5", "fuzz", 6);
	}
	if (config_build(cf, &tab, BH_CONFIG_DIR, NULL, err, sizeof(err))
	    == -1)
		abort();
	cf_free(&tab);
}

/* A fake peer on one end of a socketpair, smtpd's channel on the other. */
static struct ipc_chan *
fake_peer(struct smtpd *sd, enum bh_role role, ipc_msg_fn fn,
    struct fake *f)
{
	int	sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	smtpd_on_peer(&sd->we, role, sv[0]);
	return ipc_chan_new(sd->we.base, sv[1], role, ROLE_SMTPD, fn,
	    fake_closed, f);
}

/*
 * Read and drop whatever smtpd sent the client (shown on stderr when
 * FUZZ_SHOW is set, to triage a case); 1 if there was any.  smtpd's
 * hang-up is news once: counted as progress every round, it kept each
 * input in the loop for all ROUNDS_MAX rounds (a few executions a
 * second instead of thousands).
 */
static int
drain_client(int fd, int show, int *eof)
{
	char	buf[65536];
	ssize_t	n;
	int	got = 0;

	if (*eof)
		return 0;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		got = 1;
		if (show)
			fwrite(buf, 1, n, stderr);
	}
	if (n == 0) {
		*eof = 1;
		got = 1;
	}
	return got;
}

/*
 * One smtpd with its fake peers for the whole run, and the 16
 * configurations the selector's low bits choose, built on first use:
 * setting them up for every input cost more than the session itself.
 * Each input must leave smtpd as it found it (checked at the end).
 */
struct harness {
	struct smtpd		 sd;
	struct fake		 f;
	struct bh_config	 cf[16];
	int			 built[16];
};

static struct harness *
harness(uint8_t sel)
{
	static struct harness	*h;
	unsigned int		 k = sel & 0x0f;

	if (h == NULL) {
		if ((h = calloc(1, sizeof(*h))) == NULL)
			abort();
		log_set_sink(discard_log);
		RB_INIT(&h->sd.waiters);
		RB_INIT(&h->sd.clients);
		if ((h->sd.we.base = event_base_new()) == NULL)
			abort();
		h->sd.we.arg = &h->sd;
		h->sd.nofile = 1024;
		h->f.queue = fake_peer(&h->sd, ROLE_QUEUE, fake_queue_msg,
		    &h->f);
		h->f.lookup = fake_peer(&h->sd, ROLE_LOOKUP, fake_lookup_msg,
		    &h->f);
	}
	if (!h->built[k]) {
		config_for(&h->cf[k], (uint8_t)k);
		h->built[k] = 1;
	}
	/* A copy that shares the cached one's strings, never freed. */
	h->sd.we.cf = h->cf[k];
	h->sd.session_limit = h->sd.we.cf.smtpd_session_limit;
	h->f.sel = sel;
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct harness		*h;
	struct smtpd		*sd;
	struct fake		*f;
	struct sockaddr_in	 sin;
	const uint8_t		*in;
	size_t			 left, piece;
	ssize_t			 n;
	int			 sv[2], rounds, idle = 0, shut = 0, eof = 0;
	int			 show = getenv("FUZZ_SHOW") != NULL;

	if (size < 1)
		return 0;
	h = harness(data[0]);
	sd = &h->sd;
	f = &h->f;
	in = data + 1;
	left = size - 1;
	piece = (size_t)1 << (data[0] >> 4);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	evutil_make_socket_nonblocking(sv[0]);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	session_accept(sd, sv[0], (struct sockaddr *)&sin, sizeof(sin), NULL);

	for (rounds = 0; rounds < ROUNDS_MAX; rounds++) {
		f->progress = 0;
		if (left > 0) {
			n = send(sv[1], in, left < piece ? left : piece,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) {
				in += n;
				left -= n;
				f->progress = 1;
			} else if (n == -1 && errno != EAGAIN) {
				left = 0;	/* smtpd hung up */
			}
		}
		event_base_loop(sd->we.base, EVLOOP_NONBLOCK);
		if (drain_client(sv[1], show, &eof))
			f->progress = 1;
		if (f->progress) {
			idle = 0;
			continue;
		}
		if (++idle < IDLE_ROUNDS)
			continue;
		/* Idle with all input sent: the client hangs up. */
		if (left == 0 && !shut) {
			shutdown(sv[1], SHUT_WR);
			shut = 1;
			idle = 0;
			continue;
		}
		if (shut && sd->nsessions == 0 && RB_EMPTY(&sd->waiters))
			break;
		if (left > 0 && idle > 1000)
			left = 0;	/* smtpd stopped reading for good */
	}
	/* A session still open after the hang-up is a bug. */
	if (sd->nsessions != 0 || sd->ndata_fds != 0 ||
	    !RB_EMPTY(&sd->waiters) || !RB_EMPTY(&sd->clients))
		abort();
	/* Nor may a fake's channel have been closed on the way. */
	if (sd->queue == NULL || sd->lookup == NULL)
		abort();
	close(sv[1]);
	return 0;
}
