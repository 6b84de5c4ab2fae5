/*
 * test_local_job.c: local's job machine (delivery/local_*.c, in the
 * library) against fake peers, through local's own handlers: a fake
 * queue hands it a recipient with a queue file, a fake lookup answers
 * from a table, a fake master hands it writers (socket pairs), and fake
 * writers serve ~/.forward files from a table and read the message from
 * the pipe; fake runners serve :include: files and take the message for
 * commands.  local.c is included for its handlers, which are static.
 */
#include "delivery/local.c"

#include <sys/socket.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#define MSG	"Subject: hi\n\nhello\n"
#define QID	"0123456789ABCDEF"

/* privsep/worker.c is not in the library: what local.c calls of it. */
int
worker_main(const struct worker_role *role, struct worker_env *we,
    void *arg, int argc, char **argv)
{
	abort();
}

static int violations;

void
worker_peer_violation(struct worker_env *we, enum bh_role peer,
    const char *why)
{
	violations++;
}

#ifdef BH_TEST_HOOKS
void hostile_load(struct local *lo) { }
void hostile_load_runner(struct local *lo) { }
void hostile_send(struct local *lo) { }
int
hostile_answer(struct local *lo, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd)
{
	return 0;
}
#endif

/* lookup's table: an address, the accounts and targets it reaches, or a
   failure. */
struct fake_addr {
	const char	*addr;
	const char	*users[3];
	const char	*dsn;
	uint32_t	 kinds[2];
	const char	*targets[2];
};

static const struct fake_addr table[] = {
	{ "alice@example.org", { "alice" }, NULL, { 0 }, { NULL } },
	{ "team@example.org", { "alice", "bob" }, NULL, { 0 }, { NULL } },
	{ "bob", { "bob" }, NULL, { 0 }, { NULL } },
	{ "carol", { "carol" }, NULL, { 0 }, { NULL } },
	{ "nobody", { NULL }, "5.1.1", { 0 }, { NULL } },
	{ "nobody@example.org", { NULL }, "5.1.1", { 0 }, { NULL } },
	{ "owners@example.org", { "alice" }, NULL,
	    { RUNNER_INCLUDE, RUNNER_COMMAND },
	    { "/etc/mail/owners.list", "/usr/bin/notify" } },
};

/* The :include: files the fake runners read. */
static const char *include_text = "carol\n|/usr/bin/log\n";

/* A writer (or runner) the fake master handed local. */
struct fwriter {
	struct ipc_chan	*chan;
	char		 user[IPC_USER_MAX + 1];
	int		 runner;
	uint32_t	 kind, depth;
	char		 value[IPC_TEXT_MAX];
	int		 forward_reads;
	int		 mail_fd;		/* the pipe, while it reads */
	uint32_t	 mail_id;
	uint64_t	 want;
	char		 got[256];
	size_t		 ngot;
	char		 delivered_to[IPC_ADDR_MAX];
};

static struct {
	struct event_base		*base;
	struct ipc_chan			*queue, *lookup, *master; /* fakes */
	struct fwriter			 w[8];
	int				 nw;
	const char			*fwd_user[4], *fwd_text[4];
	int				 expands;
	const char			*hang_on;	/* lookup goes away
							   instead */
	int				 hang;
	int				 nresult;
	struct msg_deliver_result	 result;
} W;

static struct local L;

static void
fake_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct fwriter *w = arg;

	assert_int_equal(violation, 0);
	if (w != NULL)
		w->chan = NULL;
	else if (c == W.lookup)
		W.lookup = NULL;
	ipc_chan_free(c);
}

static void
fake_queue_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	assert_int_equal(fd, -1);
	if (h->type == IPC_DELIVER_RESULT) {
		W.result = msg->deliver_result;
		W.nresult++;
	}
}

static void
fake_lookup_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	static struct msg_expand_ok	 x;
	static uint8_t			 buf[IPC_PAYLOAD_MAX];
	const struct fake_addr		*f = NULL;
	const struct msg_addr		*a = &msg->addr;
	struct msg_owner		 o;
	struct wbuf			 wb;
	size_t				 i;

	wb_init(&wb, buf, sizeof(buf));
	if (h->type == IPC_OWNER_QUERY) {
		memset(&o, 0, sizeof(o));
		enc_owner(&wb, &o);
		ipc_reply(c, IPC_OWNER_REPLY, h->id, &wb, -1);
		return;
	}
	assert_int_equal(h->type, IPC_EXPAND);
	W.expands++;
	if (W.hang_on != NULL && strcmp(a->addr, W.hang_on) == 0) {
		W.hang = 1;
		return;
	}
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].addr, a->addr) == 0)
			f = &table[i];
	assert_non_null(f);
	if (f->dsn != NULL) {
		ipc_reply_error(c, h->id, f->dsn, "unknown user");
		return;
	}
	memset(&x, 0, sizeof(x));
	for (i = 0; i < 3 && f->users[i] != NULL; i++)
		strlcpy(x.users[x.n++], f->users[i], sizeof(x.users[0]));
	for (i = 0; i < 2 && f->targets[i] != NULL; i++) {
		x.targets[x.ntargets].kind = f->kinds[i];
		strlcpy(x.targets[x.ntargets].name, "owners",
		    sizeof(x.targets[0].name));
		strlcpy(x.targets[x.ntargets++].value, f->targets[i],
		    sizeof(x.targets[0].value));
	}
	enc_expand_ok(&wb, &x);
	ipc_reply(c, IPC_EXPAND_OK, h->id, &wb, -1);
}

static const char *
forward_text(const char *user)
{
	int i;

	for (i = 0; i < 4 && W.fwd_user[i] != NULL; i++)
		if (strcmp(W.fwd_user[i], user) == 0)
			return W.fwd_text[i];
	return NULL;
}

static void
fake_writer_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	static struct msg_forward_data	 fwd;
	static uint8_t			 buf[IPC_PAYLOAD_MAX];
	struct fwriter			*w = arg;
	const struct msg_write_mail	*m = &msg->write_mail;
	struct wbuf			 wb;
	const char			*text;

	if (h->type == IPC_FORWARD_READ || h->type == IPC_INCLUDE_READ) {
		assert_int_equal(h->type, w->runner ? IPC_INCLUDE_READ :
		    IPC_FORWARD_READ);
		w->forward_reads++;
		memset(&fwd, 0, sizeof(fwd));
		text = w->runner ? include_text : forward_text(w->user);
		if (text != NULL) {
			fwd.status = FORWARD_FOUND;
			strlcpy(fwd.text, text, sizeof(fwd.text));
		} else
			fwd.status = FORWARD_NONE;
		wb_init(&wb, buf, sizeof(buf));
		enc_forward_data(&wb, &fwd);
		ipc_reply(c, w->runner ? IPC_INCLUDE_DATA : IPC_FORWARD_DATA,
		    h->id, &wb, -1);
		return;
	}
	assert_int_equal(h->type, IPC_WRITE_MAIL);
	assert_int_not_equal(fd, -1);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	w->mail_fd = fd;
	w->mail_id = h->id;
	w->want = m->content_len;
	strlcpy(w->delivered_to, m->delivered_to, sizeof(w->delivered_to));
}

/* The fake master: a writer for each WRITER_OPEN, a runner for each
   RUNNER_OPEN. */
static void
fake_master_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	const struct msg_runner_open	*ro = &msg->runner_open;
	struct fwriter			*w;
	uint8_t				 buf[8];
	struct wbuf			 wb;
	int				 sv[2];

	assert_true(W.nw < 8);
	w = &W.w[W.nw++];
	memset(w, 0, sizeof(*w));
	w->mail_fd = -1;
	if (h->type == IPC_RUNNER_OPEN) {
		assert_null(ipc_check_runner_open(ro));
		w->runner = 1;
		w->kind = ro->kind;
		w->depth = ro->depth;
		strlcpy(w->value, ro->value, sizeof(w->value));
		strlcpy(w->user, ro->name, sizeof(w->user));
	} else {
		assert_int_equal(h->type, IPC_WRITER_OPEN);
		strlcpy(w->user, msg->writer_open.user, sizeof(w->user));
	}
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	w->chan = ipc_chan_new(W.base, sv[0],
	    w->runner ? ROLE_RUNNER : ROLE_WRITER, ROLE_LOCAL,
	    fake_writer_msg, fake_closed, w);
	wb_init(&wb, buf, sizeof(buf));
	ipc_reply(c, w->runner ? IPC_RUNNER_OPEN_OK : IPC_WRITER_OPEN_OK, h->id,
	    &wb, sv[1]);
}

/* local's end of its master channel, as worker.c dispatches it. */
static void
local_master_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	L.we.on_master_reply(&L.we, h, msg, fd);
}

static void
local_master_closed(struct ipc_chan *c, const char *why, int violation,
    void *arg)
{
	fail_msg("master channel closed: %s", why);
}

/* A writer took the whole message from the pipe: it says OK. */
static void
pump_writers(void)
{
	struct fwriter	*w;
	uint8_t		 buf[8];
	struct wbuf	 wb;
	ssize_t		 n;
	int		 i;

	for (i = 0; i < W.nw; i++) {
		w = &W.w[i];
		if (w->mail_fd == -1)
			continue;
		n = read(w->mail_fd, w->got + w->ngot,
		    sizeof(w->got) - 1 - w->ngot);
		if (n > 0)
			w->ngot += n;
		if (w->ngot < w->want)
			continue;
		close(w->mail_fd);
		w->mail_fd = -1;
		wb_init(&wb, buf, sizeof(buf));
		ipc_reply(w->chan, IPC_OK, w->mail_id, &wb, -1);
	}
}

static void
run(void)
{
	int i;

	for (i = 0; i < 3000 && W.nresult == 0; i++) {
		event_base_loop(W.base, EVLOOP_NONBLOCK);
		pump_writers();
		if (W.hang && W.lookup != NULL) {
			ipc_chan_free(W.lookup);
			W.lookup = NULL;
		}
		usleep(500);
	}
	assert_int_equal(W.nresult, 1);
}

static void
deliver(const char *rcpt)
{
	static struct msg_deliver	 d;
	static uint8_t			 buf[IPC_PAYLOAD_MAX];
	char				 path[] = "/tmp/test_local_job.XXXXXX";
	struct wbuf			 wb;
	int				 fd;

	assert_int_not_equal(fd = mkstemp(path), -1);
	unlink(path);
	assert_int_equal(write(fd, MSG, strlen(MSG)), (ssize_t)strlen(MSG));
	memset(&d, 0, sizeof(d));
	strlcpy(d.qid, QID, sizeof(d.qid));
	d.content_len = strlen(MSG);
	strlcpy(d.sender, "sender@example.net", sizeof(d.sender));
	strlcpy(d.rcpt, rcpt, sizeof(d.rcpt));
	wb_init(&wb, buf, sizeof(buf));
	enc_deliver(&wb, &d);
	ipc_request(W.queue, IPC_DELIVER, &wb, fd);
	run();
}

static int
setup(void **state)
{
	int q[2], l[2], m[2];

	memset(&W, 0, sizeof(W));
	memset(&L, 0, sizeof(L));
	W.base = event_base_new();
	/* as local_main sets it up */
	RB_INIT(&L.waits);
	TAILQ_INIT(&L.jobs);
	TAILQ_INIT(&L.idle);
	L.dups = dup_new(DUP_CLAIMS_MAX);
	TAILQ_INIT(&L.wwait);
	L.we.role = ROLE_LOCAL;
	L.we.base = W.base;
	L.we.on_peer = on_peer;
	L.we.on_master_reply = writer_answer;
	L.we.arg = &L;
	L.we.cf.local_writer_limit = 4;
	L.we.cf.local_writer_idle_limit = 0;
	L.we.cf.recipient_delimiter = "+";
	L.we.cf.myhostname = "mx.example.org";
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, q) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, l) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, m) == -1)
		return -1;
	W.queue = ipc_chan_new(W.base, q[0], ROLE_QUEUE, ROLE_LOCAL,
	    fake_queue_msg, fake_closed, NULL);
	W.lookup = ipc_chan_new(W.base, l[0], ROLE_LOOKUP, ROLE_LOCAL,
	    fake_lookup_msg, fake_closed, NULL);
	W.master = ipc_chan_new(W.base, m[0], ROLE_MASTER, ROLE_LOCAL,
	    fake_master_msg, fake_closed, NULL);
	L.we.master = ipc_chan_new(W.base, m[1], ROLE_LOCAL, ROLE_MASTER,
	    local_master_msg, local_master_closed, NULL);
	on_peer(&L.we, ROLE_QUEUE, q[1]);
	on_peer(&L.we, ROLE_LOOKUP, l[1]);
	violations = 0;
	return 0;
}

static int
teardown(void **state)
{
	int i;

	assert_int_equal(violations, 0);
	assert_true(TAILQ_EMPTY(&L.jobs));
	for (i = 0; i < W.nw; i++)
		if (W.w[i].chan != NULL)
			ipc_chan_free(W.w[i].chan);
	if (L.queue != NULL)
		ipc_chan_free(L.queue);
	if (L.lookup != NULL)
		ipc_chan_free(L.lookup);
	ipc_chan_free(L.we.master);
	ipc_chan_free(W.queue);
	if (W.lookup != NULL)
		ipc_chan_free(W.lookup);
	ipc_chan_free(W.master);
	dup_free(L.dups);
	event_base_free(W.base);
	return 0;
}

static void
test_one_mailbox(void **state)
{
	deliver("alice@example.org");
	assert_int_equal(W.result.status, DELIVER_SENT);
	assert_string_equal(W.result.text, "delivered to mailbox");
	assert_int_equal(W.nw, 1);
	assert_string_equal(W.w[0].user, "alice");
	assert_int_equal(W.w[0].forward_reads, 1);
	assert_string_equal(W.w[0].got, MSG);
	assert_string_equal(W.w[0].delivered_to, "alice@example.org");
}

static void
test_alias_two_mailboxes(void **state)
{
	deliver("team@example.org");
	assert_int_equal(W.result.status, DELIVER_SENT);
	assert_string_equal(W.result.text, "delivered to 2 mailboxes");
	assert_int_equal(W.nw, 2);
	assert_string_equal(W.w[0].user, "alice");
	assert_string_equal(W.w[1].user, "bob");
	assert_string_equal(W.w[1].got, MSG);
	assert_string_equal(W.w[1].delivered_to, "bob@example.org");
}

/* alice forwards to bob; bob's own .forward is not read for it. */
static void
test_forward_not_twice(void **state)
{
	W.fwd_user[0] = "alice";
	W.fwd_text[0] = "bob\n";
	W.fwd_user[1] = "bob";
	W.fwd_text[1] = "carol\n";
	deliver("alice@example.org");
	assert_int_equal(W.result.status, DELIVER_SENT);
	assert_string_equal(W.result.text, "delivered to mailbox");
	assert_int_equal(W.expands, 2);
	assert_int_equal(W.nw, 2);
	assert_string_equal(W.w[0].user, "alice");
	assert_int_equal(W.w[0].ngot, 0);
	assert_string_equal(W.w[1].user, "bob");
	assert_int_equal(W.w[1].forward_reads, 0);
	assert_string_equal(W.w[1].got, MSG);
}

/* alice forwards to herself and bob: both mailboxes. */
static void
test_forward_self_and_other(void **state)
{
	W.fwd_user[0] = "alice";
	W.fwd_text[0] = "\\alice\nbob\n";
	deliver("alice@example.org");
	assert_int_equal(W.result.status, DELIVER_SENT);
	assert_string_equal(W.result.text, "delivered to 2 mailboxes");
	assert_int_equal(W.nw, 2);
	assert_string_equal(W.w[0].got, MSG);
	assert_string_equal(W.w[1].user, "bob");
	assert_string_equal(W.w[1].got, MSG);
}

/* One target of the .forward fails: none of it counts, no copy goes. */
static void
test_forward_fails_whole(void **state)
{
	W.fwd_user[0] = "alice";
	W.fwd_text[0] = "\\alice\nbob\nnobody\n";
	deliver("alice@example.org");
	assert_int_equal(W.result.status, DELIVER_BOUNCE);
	assert_string_equal(W.result.dsn, "5.1.1");
	assert_int_equal(W.nw, 1);
	assert_int_equal(W.w[0].ngot, 0);
}

/*
 * An alias with a mailbox, an :include: file and a command: the mailbox,
 * then the file, whose account comes before the command after it, then
 * the commands; the file's own command carries the file as its chain.
 */
static void
test_include_order(void **state)
{
	deliver("owners@example.org");
	assert_int_equal(W.result.status, DELIVER_SENT);
	assert_string_equal(W.result.text,
	    "delivered to 2 mailboxes and 2 commands or files");
	assert_int_equal(W.nw, 5);
	assert_string_equal(W.w[0].user, "alice");
	assert_string_equal(W.w[0].got, MSG);
	assert_true(W.w[1].runner);
	assert_int_equal(W.w[1].kind, RUNNER_INCLUDE);
	assert_int_equal(W.w[1].ngot, 0);
	/* an :include: member: its own ~/.forward is read */
	assert_string_equal(W.w[2].user, "carol");
	assert_int_equal(W.w[2].forward_reads, 1);
	assert_string_equal(W.w[2].got, MSG);
	assert_string_equal(W.w[3].value, "/usr/bin/notify");
	assert_int_equal(W.w[3].depth, 0);
	assert_string_equal(W.w[3].got, MSG);
	assert_string_equal(W.w[4].value, "/usr/bin/log");
	assert_int_equal(W.w[4].depth, 1);
	assert_string_equal(W.w[4].got, MSG);
}

/* lookup goes away while it owes the answer for a .forward's address. */
static void
test_lookup_dies_during_forward(void **state)
{
	W.fwd_user[0] = "alice";
	W.fwd_text[0] = "\\alice\nbob\n";
	W.hang_on = "bob";
	deliver("alice@example.org");
	assert_int_equal(W.result.status, DELIVER_DEFER);
	assert_string_equal(W.result.dsn, "4.3.0");
	assert_string_equal(W.result.text, "lookup unavailable");
	assert_int_equal(W.nw, 1);
	assert_int_equal(W.w[0].ngot, 0);
	assert_null(L.lookup);
}

static void
test_unknown_recipient(void **state)
{
	deliver("nobody@example.org");
	assert_int_equal(W.result.status, DELIVER_BOUNCE);
	assert_string_equal(W.result.dsn, "5.1.1");
	assert_int_equal(W.nw, 0);
}

static void
test_lookup_down(void **state)
{
	int i;

	ipc_chan_free(W.lookup);
	W.lookup = NULL;
	for (i = 0; i < 100 && L.lookup != NULL; i++) {
		event_base_loop(W.base, EVLOOP_NONBLOCK);
		usleep(500);
	}
	assert_null(L.lookup);
	deliver("alice@example.org");
	assert_int_equal(W.result.status, DELIVER_DEFER);
	assert_string_equal(W.result.dsn, "4.3.0");
	assert_string_equal(W.result.text, "lookup unavailable");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_mailbox, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_alias_two_mailboxes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_not_twice, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forward_self_and_other,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_fails_whole,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_include_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup_dies_during_forward,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_recipient, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup_down, setup,
		    teardown),
	};

	log_init("test_local_job", 1);
	ipc_codecs_use(ipc_codecs_all);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
