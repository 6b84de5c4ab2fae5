/*
 * auth.c: the auth compartment.  It answers smtpd's IPC_AUTH_CHECK (the
 * credentials of one SASL exchange smtpd relayed) with a verdict and,
 * on success, the login name, and relays the steps of a SCRAM exchange
 * (IPC_AUTH_STEP, IPC_AUTH_ABORT) to a backend that offers it, Dovecot
 * (auth_exchange.c), answering each with a challenge or the verdict;
 * nothing else can be asked of it.  It tells smtpd which mechanisms to
 * offer (IPC_AUTH_MECHS).  Only it can read the credentials: the
 * passwd-file backend's file is read here, as root, before the
 * compartment is entered (passwd_file.c); that backend has crypt(3)
 * hashes, with which no SCRAM exchange can be run, so it offers PLAIN
 * and LOGIN only, and a step sent to it is a violation.
 *
 * Brute force: requests and failures are counted per client address
 * and per login (anvil.c); a failure's verdict is held back longer the
 * more failures came, a client over smtpd_sasl_failure_limit or
 * smtpd_client_auth_rate_limit gets AUTH_RATE without a check, and an
 * unknown login costs one hash like a wrong password.
 *
 * The Dovecot backend (smtpd_sasl_type = dovecot) is auth_dovecot.c.
 *
 * Handlers:
 *   on_check		smtpd's IPC_AUTH_CHECK
 *   on_step, on_abort	smtpd's IPC_AUTH_STEP, IPC_AUTH_ABORT
 *   on_delay		a held-back failure is answered
 *   auth_master_reply	master's answer to IPC_AUTH_CONNECT
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "auth/auth.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "privsep/ipc_msgs.h"
#include "privsep/sandbox.h"
#include "privsep/worker.h"

/* A failure whose verdict is held back. */
struct held {
	TAILQ_ENTRY(held)	 entry;
	struct auth		*au;
	struct auth_asker	 ask;
	uint32_t		 verdict;
	struct event		*ev;
};

/* The verdict, as the asker's reply type carries it. */
static void
send_verdict(const struct auth_asker *a, uint32_t verdict, const char *user)
{
	static struct msg_auth_step_reply	r;
	uint8_t					buf[IPC_AUTH_NAME_MAX + 32];
	struct wbuf				wb;
	struct msg_auth_verdict			v;

	wb_init(&wb, buf, sizeof(buf));
	if (a->type == IPC_AUTH_STEP_REPLY) {
		memset(&r, 0, sizeof(r));
		r.verdict = verdict;
		if (verdict == AUTH_OK)
			xstrlcpy(r.user, user, sizeof(r.user));
		enc_auth_step_reply(&wb, &r);
	} else {
		memset(&v, 0, sizeof(v));
		v.verdict = verdict;
		if (verdict == AUTH_OK)
			xstrlcpy(v.user, user, sizeof(v.user));
		enc_auth_verdict(&wb, &v);
	}
	ipc_reply(a->chan, a->type, a->id, &wb, -1);
}

void
auth_challenge(const struct auth_asker *a, const uint8_t *data, size_t len)
{
	static struct msg_auth_step_reply	r;
	uint8_t					buf[sizeof(r) + 32];
	struct wbuf				wb;

	memset(&r, 0, sizeof(r));
	r.verdict = AUTH_CONTINUE;
	r.len = (uint32_t)len;
	memcpy(r.data, data, len);
	wb_init(&wb, buf, sizeof(buf));
	enc_auth_step_reply(&wb, &r);
	ipc_reply(a->chan, IPC_AUTH_STEP_REPLY, a->id, &wb, -1);
}

/* What smtpd may offer: PLAIN and LOGIN, and SCRAM-SHA-256 when the
   Dovecot server said it has it. */
void
auth_tell_mechs(struct auth *au)
{
	uint8_t			buf[16];
	struct wbuf		wb;
	struct msg_auth_mechs	m;

	m.mechs = AUTH_MECHS_BASE;
	if (au->dovecot_type && au->dv.bev != NULL &&
	    au->dv.conn.state == DVC_READY)
		m.mechs = dvc_offered(&au->dv.conn);
	if (au->smtpd == NULL || m.mechs == au->told_mechs)
		return;
	au->told_mechs = m.mechs;
	wb_init(&wb, buf, sizeof(buf));
	enc_auth_mechs(&wb, &m);
	ipc_note(au->smtpd, IPC_AUTH_MECHS, &wb, -1);
}

static void
held_free(struct held *h)
{
	TAILQ_REMOVE(&h->au->held, h, entry);
	event_free(h->ev);
	free(h);
}

static void
on_delay(evutil_socket_t fd, short what, void *arg)
{
	struct held *h = arg;

	send_verdict(&h->ask, h->verdict, NULL);
	held_free(h);
}

static void
hold_back(struct auth *au, const struct auth_asker *a, uint32_t verdict,
    long seconds)
{
	struct timeval	 tv = { seconds, 0 };
	struct held	*h;

	if (seconds <= 0) {
		send_verdict(a, verdict, NULL);
		return;
	}
	h = xcalloc(1, sizeof(*h));
	h->au = au;
	h->ask = *a;
	h->verdict = verdict;
	if ((h->ev = evtimer_new(au->we.base, on_delay, h)) == NULL ||
	    evtimer_add(h->ev, &tv) == -1)
		fatalx("evtimer_new");
	TAILQ_INSERT_TAIL(&au->held, h, entry);
}

/* 1: the password is the user's.  An authorization identity other
   than the login itself is not granted (no proxy logins). */
static int
verify(struct auth *au, const struct msg_auth_check *m)
{
	int ok = pwfile_verify(&au->pw, m->user, m->password);

	return ok && (m->authzid[0] == '\0' ||
	    strcmp(m->authzid, m->user) == 0);
}

/*
 * A backend decided.  a->chan is NULL when smtpd's channel went away
 * before (a failure still counts).  A login name the backend gave that
 * smtpd would refuse is a temporary failure, never a violation of ours.
 */
void
auth_decided(struct auth *au, const struct auth_asker *a, const char *client,
    const char *user, uint32_t verdict, const char *login)
{
	struct ipc_chan		*c = a->chan;
	struct msg_auth_verdict	v;
	long			delay;

	memset(&v, 0, sizeof(v));
	v.verdict = verdict;
	if (verdict == AUTH_OK && (strlen(login) >= sizeof(v.user) ||
	    (xstrlcpy(v.user, login, sizeof(v.user)),
	    ipc_check_auth_verdict(&v) != NULL))) {
		log_warnx("login name from the backend refused");
		verdict = AUTH_TEMPFAIL;
	}
	switch (verdict) {
	case AUTH_OK:
		log_info("login %s from [%s]", login, client);
		if (c != NULL)
			send_verdict(a, AUTH_OK, login);
		break;
	case AUTH_FAIL:
		delay = anvil_failure(&au->anvil, &au->limits, client, user,
		    time(NULL));
		log_warnx("authentication failed for %s from [%s]: answer "
		    "held back %lds", user, client, delay);
		if (c != NULL)
			hold_back(au, a, AUTH_FAIL, delay);
		break;
	default:
		if (c != NULL)
			send_verdict(a, AUTH_TEMPFAIL, NULL);
		break;
	}
}

/* A new exchange of client's: -1 (answered AUTH_RATE) if over a limit. */
static int
rate_ok(struct auth *au, const struct auth_asker *a, const char *client)
{
	if (anvil_request(&au->anvil, &au->limits, client, time(NULL)) == 0)
		return 0;
	log_warnx("client [%s]: too many AUTH requests or failures in %lds: "
	    "refused without a check", client, au->limits.unit);
	send_verdict(a, AUTH_RATE, NULL);
	return -1;
}

static void
on_check(struct auth *au, struct ipc_chan *c, uint32_t id,
    const struct msg_auth_check *m)
{
	struct auth_asker a = { c, id, IPC_AUTH_VERDICT };

	if (rate_ok(au, &a, m->client_addr) == -1)
		return;
	if (au->dovecot_type) {
		dovecot_check(au, c, id, m);
		return;
	}
	auth_decided(au, &a, m->client_addr, m->user, verify(au, m) ?
	    AUTH_OK : AUTH_FAIL, m->user);
}

/* A relayed exchange's step: only a backend that offered one has it. */
static void
on_step(struct auth *au, struct ipc_chan *c, uint32_t id,
    const struct msg_auth_step *m)
{
	struct auth_asker a = { c, id, IPC_AUTH_STEP_REPLY };

	if (!au->dovecot_type) {
		ipc_chan_fail(c, "a SASL step for a backend without SCRAM");
		return;
	}
	if (m->op == AUTH_STEP_START && rate_ok(au, &a, m->client_addr) == -1)
		return;
	dovecot_step(au, c, id, m);
}

static void
peer_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct auth *au = arg;

	if (fd != -1)
		close(fd);	/* the table allows none here; never reached */
	if (h->type == IPC_AUTH_CHECK)
		on_check(au, c, h->id, &msg->auth_check);
	else if (h->type == IPC_AUTH_STEP)
		on_step(au, c, h->id, &msg->auth_step);
	else if (h->type == IPC_AUTH_ABORT && au->dovecot_type)
		dovecot_abort(au, c, &msg->auth_abort);
	else if (h->type == IPC_AUTH_ABORT)
		ipc_chan_fail(c, "a SASL step for a backend without SCRAM");
	else
		ipc_chan_fail(c, "unexpected message type");
}

/* Nothing held back outlives its channel. */
static void
drop_held(struct auth *au, struct ipc_chan *c)
{
	struct held *h, *t;

	TAILQ_FOREACH_SAFE(h, &au->held, entry, t)
		if (h->ask.chan == c)
			held_free(h);
}

static void
peer_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct auth *au = arg;

	if (violation)
		worker_peer_violation(&au->we, ipc_chan_peer(c), why);
	drop_held(au, c);
	if (au->dovecot_type)
		dovecot_chan_closed(au, c);
	if (au->smtpd == c)
		au->smtpd = NULL;
	ipc_chan_free(c);
}

static void
on_peer(struct worker_env *we, enum bh_role peer, int fd)
{
	struct auth *au = we->arg;

	if (peer != ROLE_SMTPD) {
		close(fd);
		fatalx("master handed auth a channel to %s",
		    ipc_role_name(peer));
	}
	if (au->smtpd != NULL)
		peer_closed(au->smtpd, "replaced", 0, au);
	au->smtpd = ipc_chan_new(we->base, fd, ROLE_AUTH, peer, peer_msg,
	    peer_closed, au);
	au->told_mechs = AUTH_MECHS_BASE;	/* smtpd's own start */
	auth_tell_mechs(au);
}

/* Before the privilege drop: the credentials, read as root. */
static void
auth_prepare(struct worker_env *we, struct sandbox_spec *sb)
{
	struct auth		*au = we->arg;
	const struct bh_config	*cf = &we->cf;
	char			 err[512];

	TAILQ_INIT(&au->held);
	au->limits.unit = cf->anvil_rate_time_unit;
	au->limits.rate_limit = cf->smtpd_client_auth_rate_limit;
	au->limits.failure_limit = cf->smtpd_sasl_failure_limit;
	au->limits.failure_delay = cf->smtpd_sasl_failure_delay;
	anvil_init(&au->anvil, cf->anvil_rate_time_unit);
	au->dovecot_type = strcmp(cf->smtpd_sasl_type, "dovecot") == 0;
	if (!au->dovecot_type && pwfile_load(&au->pw, cf->smtpd_sasl_path,
	    err, sizeof(err)) == -1)
		fatalx("smtpd_sasl_path: %s", err);
}

static void
auth_ready(struct worker_env *we)
{
	struct auth *au = we->arg;

	if (au->dovecot_type) {
		log_info("ready: Dovecot at %s", we->cf.smtpd_sasl_path);
		dovecot_start(au);
		return;
	}
	log_info("ready: %zu logins in %s", au->pw.n,
	    we->cf.smtpd_sasl_path);
}

/* Master's answer to IPC_AUTH_CONNECT. */
static void
auth_master_reply(struct worker_env *we, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd)
{
	struct auth *au = we->arg;

	if (!au->dovecot_type) {
		if (fd != -1)
			close(fd);
		fatalx("unexpected %s from master", ipc_type_name(h->type));
	}
	dovecot_master_reply(au, h->type, fd);
}

int
auth_main(int argc, char **argv)
{
	static struct auth		au;
	static const struct worker_role	role = {
		.role = ROLE_AUTH,
		.prepare = auth_prepare,
		.ready = auth_ready,
		.on_peer = on_peer,
		.on_master_reply = auth_master_reply,
	};

	return worker_main(&role, &au.we, &au, argc, argv);
}
