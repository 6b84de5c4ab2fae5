/*
 * smtp_client.c: one outbound SMTP session per IPC_RELAY request.
 *
 * It tries the request's next hops in order: a failure before the MAIL
 * command (no connection, a refused greeting or EHLO/HELO, a timeout, a
 * dropped connection, a protocol error) moves on to the next hop; from
 * MAIL on, what the server said decides each recipient (2xx sent, 4xx
 * deferred, 5xx bounced) and a failure defers those still undecided.
 * When no hop is left, every recipient is deferred with the last reason
 * (bounced if the last hop refused with a 5xx).  Each state has its
 * deadline (Postfix's smtp_*_timeout), so a silent or trickling server
 * costs a deferral, never a stuck session; every reply goes through the
 * strict parser (smtp_reply.c).
 *
 * What is sent of the message (MAIL, RCPT, the refusals before MAIL,
 * the content) is smtp_mail.c's; STARTTLS is smtp_tls.c's.
 *
 * Handlers: conn_done (non-blocking connect), on_read, on_write,
 * on_event (EOF, error), on_timer (a state's deadline).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "relay/relay.h"


static void	try_hop(struct rsess *);
static void	on_read(struct bufferevent *, void *);
static void	on_write(struct bufferevent *, void *);
static void	on_event(struct bufferevent *, short, void *);

/* ---- helpers ---- */

/* Text for a log line or a verdict: cut at the end of buf, as intended. */
void __attribute__((format(printf, 3, 4)))
textf(char *buf, size_t size, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static long
ms_since(const struct timespec *t)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

const struct bh_config *
cf_of(struct rsess *s)
{
	return &s->r->we.cf;
}

void
arm(struct rsess *s, long secs)
{
	struct timeval	tv = { secs, 0 };

	evtimer_add(s->ev_timer, &tv);
}

static void
conn_close(struct rsess *s)
{
	if (s->ev_conn != NULL) {
		event_free(s->ev_conn);
		s->ev_conn = NULL;
	}
	if (s->bev != NULL) {
		bufferevent_free(s->bev);	/* closes sock */
		s->bev = NULL;
	} else if (s->sock != -1)
		close(s->sock);
	s->sock = -1;
	evtimer_del(s->ev_timer);
}

static void
reap(evutil_socket_t fd, short ev, void *arg)
{
	struct rsess *s = arg;

	event_free(s->ev_timer);
	TAILQ_REMOVE(&s->r->sessions, s, entry);
	free(s);
}

/*
 * Done: the connection and the file are closed now, the memory at the
 * next turn of the loop, so that a handler up the stack may still look
 * at s->dead.
 */
void
rsess_free(struct rsess *s)
{
	struct timeval	zero = { 0, 0 };

	if (s->dead)
		return;
	s->dead = 1;
	explicit_bzero(s->req.sasl_pass, sizeof(s->req.sasl_pass));
	conn_close(s);
	if (s->msgfd != -1)
		close(s->msgfd);
	s->msgfd = -1;
	if (event_base_once(s->r->we.base, -1, EV_TIMEOUT, reap, s, &zero)
	    == -1)
		fatalx("event_base_once");
}

/* ---- verdicts ---- */

static void
decide(struct rsess *s, uint32_t i, uint32_t status, const char *dsn,
    const char *text)
{
	struct msg_relay_verdict *v = &s->res.v[i];

	if (s->decided[i])
		return;
	s->decided[i] = 1;
	v->status = status;
	xstrlcpy(v->dsn, dsn, sizeof(v->dsn));
	strlcpy_text(v->text, text, sizeof(v->text));
	ipc_text_clean(v->text);
}

/* The verdict a reply gives, Postfix's words around it. */
static void
decide_reply(struct rsess *s, uint32_t i, const char *in_reply_to)
{
	const struct smtp_reply	*rp = &s->reply;
	char			 text[IPC_TEXT_MAX], dsn[IPC_DSN_MAX];
	int			 cls = rp->code / 100;
	uint32_t		 st;

	st = cls == 2 ? DELIVER_SENT : cls == 4 ? DELIVER_DEFER :
	    DELIVER_BOUNCE;
	if (rp->dsn[0] != '\0' && strlen(rp->dsn) < sizeof(dsn))
		xstrlcpy(dsn, rp->dsn, sizeof(dsn));
	else
		snprintf(dsn, sizeof(dsn), "%d.0.0", cls);
	if (st == DELIVER_SENT)
		textf(text, sizeof(text), "%d %s %s", rp->code, dsn,
		    rp->text);
	else
		textf(text, sizeof(text), "host %s said: %d %s %s (in "
		    "reply to %s command)", s->hopname, rp->code, dsn,
		    rp->text, in_reply_to);
	decide(s, i, st, dsn, text);
}

/* Every recipient not decided yet. */
void
decide_rest(struct rsess *s, uint32_t status, const char *dsn,
    const char *text, int accepted_only)
{
	uint32_t i;

	for (i = 0; i < s->req.nrcpt; i++)
		if (!accepted_only || s->rcpt_ok[i])
			decide(s, i, status, dsn, text);
}

/* The reply decides every accepted recipient (DATA, end of DATA). */
static void
decide_rest_reply(struct rsess *s, const char *in_reply_to)
{
	uint32_t i;

	for (i = 0; i < s->req.nrcpt; i++)
		if (s->rcpt_ok[i])
			decide_reply(s, i, in_reply_to);
}

/* Answer queue: every recipient has its verdict now. */
void
answer(struct rsess *s)
{
	static uint8_t	buf[IPC_PAYLOAD_MAX];
	struct wbuf	wb;
	long		ms;

	if (s->req_id == 0)
		return;
	decide_rest(s, DELIVER_DEFER, "4.3.0", "no verdict", 0);
	s->res.nrcpt = s->req.nrcpt;
	if (s->connected)
		STRLCPY_ARRAY(s->res.relay, s->hopname);
	else
		xstrlcpy(s->res.relay, "none", sizeof(s->res.relay));
	ms = s->t_conn.tv_sec ? ms_since(&s->t_start) - ms_since(&s->t_conn)
	    : ms_since(&s->t_start);
	s->res.conn_ms = ms < 0 ? 0 : (uint32_t)ms;
	ms = s->t_conn.tv_sec ? ms_since(&s->t_conn) : 0;
	s->res.xfer_ms = ms < 0 ? 0 : (uint32_t)ms;
	if (s->r->queue != NULL) {
		wb_init(&wb, buf, sizeof(buf));
		enc_relay_result(&wb, &s->res);
		ipc_reply(s->r->queue, IPC_RELAY_RESULT, s->req_id, &wb, -1);
	}
	s->req_id = 0;
}

/*
 * All decided: answer, then keep the connection for the next message to
 * this hop (smtp_cache.c), or say QUIT and wait a little for the server.
 */
static void
finish(struct rsess *s)
{
	answer(s);
	if (s->bev == NULL) {
		rsess_free(s);
		return;
	}
	if (cache_park(s))
		return;
	s->state = RS_QUIT;
	evbuffer_add_printf(bufferevent_get_output(s->bev), "QUIT\r\n");
	arm(s, cf_of(s)->smtp_quit_timeout);
}

/*
 * This hop failed (why; perm: a 5xx).  Before MAIL the next hop is
 * tried; from MAIL on the undecided recipients are deferred.
 */
void
hop_failed(struct rsess *s, const char *why, int perm)
{
	if (s->state == RS_IDLE) {	/* a cached connection went away */
		rsess_free(s);
		return;
	}
	if (s->state == RS_RSET) {	/* taken again, but dead: connect */
		log_info("%s: cached connection failed (%s), connecting again",
		    s->req.qid, why);
		conn_close(s);
		s->hop = 0;
		try_hop(s);
		return;
	}
	log_info("%s: %s", s->req.qid, why);
	strlcpy_text(s->last_err, why, sizeof(s->last_err));
	ipc_text_clean(s->last_err);
	s->last_err_perm = perm;
	if (s->state == RS_QUIT) {
		rsess_free(s);
		return;
	}
	conn_close(s);
	if (s->state >= RS_MAIL) {
		decide_rest(s, DELIVER_DEFER, "4.4.2", s->last_err, 0);
		answer(s);
		rsess_free(s);
		return;
	}
	if (s->hop + 1 < s->req.nhops) {
		s->hop++;
		try_hop(s);
		return;
	}
	decide_rest(s, perm ? DELIVER_BOUNCE : DELIVER_DEFER,
	    perm ? "5.4.0" : "4.4.1", s->last_err, 0);
	answer(s);
	rsess_free(s);
}

/* ---- the dialogue ---- */

void __attribute__((format(printf, 2, 3)))
send_line(struct rsess *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(bufferevent_get_output(s->bev), fmt, ap);
	va_end(ap);
}

void
start_mail(struct rsess *s)
{
	uint32_t i;

	if (s->state != RS_AUTH && relay_auth_start(s) != 0)
		return;			/* AUTH sent, or the hop failed */
	if (refuse_early(s)) {
		finish(s);
		return;
	}
	s->state = RS_MAIL;
	s->answered = 0;
	send_mail(s);
	if (s->ext.flags & SMTP_EXT_PIPELINING)
		for (i = 0; i < s->req.nrcpt; i++)
			send_rcpt(s, i);
	arm(s, cf_of(s)->smtp_mail_timeout);
}

static void
ext_line(void *arg, const char *text)
{
	struct rsess *s = arg;

	if (s->reply.nlines > 0)	/* the first line is the greeting */
		smtp_ext_line(&s->ext, text);
}

static void
on_ehlo_sent(struct rsess *s, const char *verb, enum rs_state st)
{
	send_line(s, "%s %s\r\n", verb, cf_of(s)->smtp_helo_name);
	s->state = st;
	arm(s, cf_of(s)->smtp_helo_timeout);
}

/* EHLO answered: STARTTLS first if the level asks for it, then MAIL. */
static void
after_ehlo(struct rsess *s)
{
	char	why[IPC_TEXT_MAX];
	int	level = relay_tls_level(s);

	if (s->tls || level == TLS_NONE) {
		start_mail(s);
		return;
	}
	if (s->ext.flags & SMTP_EXT_STARTTLS) {
		send_line(s, "STARTTLS\r\n");
		s->state = RS_STARTTLS;
		arm(s, cf_of(s)->smtp_helo_timeout);
		return;
	}
	if (level >= TLS_ENCRYPT) {
		textf(why, sizeof(why), "TLS is required, but was not offered "
		    "by host %s", s->hopname);
		hop_failed(s, why, 0);
		return;
	}
	start_mail(s);
}

/* A reply to MAIL or RCPT (answered: 0 is MAIL's). */
static void
mail_rcpt_reply(struct rsess *s)
{
	int	mail_failed;

	if (s->answered == 0) {
		if (s->reply.code / 100 != 2) {
			uint32_t i;

			for (i = 0; i < s->req.nrcpt; i++)
				decide_reply(s, i, "MAIL FROM");
		}
	} else if (s->reply.code / 100 == 2) {
		s->rcpt_ok[s->answered - 1] = 1;
		s->accepted++;
	} else
		decide_reply(s, s->answered - 1, "RCPT TO");
	mail_failed = s->answered == 0 ? s->reply.code / 100 != 2 :
	    s->mail_failed;
	s->mail_failed = mail_failed;
	s->answered++;
	if (!mail_failed && s->sent < 1 + s->req.nrcpt &&
	    s->answered == s->sent) {
		send_rcpt(s, s->sent - 1);
		arm(s, cf_of(s)->smtp_rcpt_timeout);
		return;
	}
	if (s->answered < s->sent) {
		arm(s, cf_of(s)->smtp_rcpt_timeout);
		return;
	}
	if (mail_failed || s->accepted == 0) {
		finish(s);
		return;
	}
	send_line(s, "DATA\r\n");
	s->state = RS_DATA;
	arm(s, cf_of(s)->smtp_data_init_timeout);
}

/* A whole reply in the state the session is in. */
static void
on_reply(struct rsess *s)
{
	char	why[IPC_TEXT_MAX];
	int	cls = s->reply.code / 100;

	evtimer_del(s->ev_timer);
	switch (s->state) {
	case RS_GREETING:
	case RS_HELO:
		if (cls == 2 && s->state == RS_GREETING)
			on_ehlo_sent(s, "EHLO", RS_EHLO);
		else if (cls == 2)
			start_mail(s);
		else
			break;
		return;
	case RS_EHLO:
		if (cls == 2) {
			if (!relay_loops_back(s))
				after_ehlo(s);
		} else if (cls == 5)
			on_ehlo_sent(s, "HELO", RS_HELO);
		else
			break;
		return;
	case RS_STARTTLS:
		if (s->reply.code == 220 && relay_tls_start(s) == 0) {
			bufferevent_setcb(s->bev, on_read, on_write, on_event,
			    s);
			bufferevent_enable(s->bev, EV_READ | EV_WRITE);
			s->tls_pending = 1;
			arm(s, cf_of(s)->smtp_helo_timeout);
			return;
		}
		if (relay_tls_level(s) >= TLS_ENCRYPT) {
			textf(why, sizeof(why), "TLS is required, but host %s "
			    "refused to start TLS: %d %s", s->hopname,
			    s->reply.code, s->reply.text);
			hop_failed(s, why, 0);
			return;
		}
		start_mail(s);		/* may: on without TLS */
		return;
	case RS_MAIL:
		mail_rcpt_reply(s);
		return;
	case RS_DATA:
		if (s->reply.code == 354) {
			s->state = RS_BODY;
			s->body_off = 0;
			s->body_bol = 1;
			pump_body(s);
			return;
		}
		decide_rest_reply(s, "DATA");
		finish(s);
		return;
	case RS_BODY:
	case RS_DOT:
		decide_rest_reply(s, "end of DATA");
		finish(s);
		return;
	case RS_QUIT:
	case RS_IDLE:		/* nothing was asked */
		rsess_free(s);
		return;
	case RS_RSET:
		if (cls == 2) {
			start_mail(s);
			return;
		}
		textf(why, sizeof(why), "RSET: %d", s->reply.code);
		hop_failed(s, why, 0);
		return;
	case RS_AUTH:
		relay_auth_reply(s);
		return;
	case RS_CONNECT:
		break;
	}
	/* a refused greeting, EHLO or HELO: try the next hop */
	textf(why, sizeof(why), "host %s refused to talk to me: %d %s%s%s",
	    s->hopname, s->reply.code, s->reply.dsn,
	    s->reply.dsn[0] ? " " : "", s->reply.text);
	hop_failed(s, why, cls == 5);
}

/* ---- events ---- */

static const char *
state_doing(enum rs_state st)
{
	static const char *const doing[] = {
		"connecting", "receiving the initial server greeting",
		"sending EHLO", "sending HELO", "sending STARTTLS",
		"sending MAIL FROM/RCPT TO",
		"sending DATA", "sending message body", "sending end of data",
		"sending QUIT", "sending RSET", "idle", "sending AUTH"
	};

	return doing[st];
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct rsess		*s = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	enum smtp_reply_rc	 rc;
	size_t			 len, used;
	char			 why[IPC_TEXT_MAX];
	const char		*p;

	while ((len = evbuffer_get_length(in)) > 0) {
		if (len > 2 * SMTP_REPLY_LINE_MAX)
			len = 2 * SMTP_REPLY_LINE_MAX;
		if ((p = (const char *)evbuffer_pullup(in, (ssize_t)len))
		    == NULL)
			fatalx("evbuffer_pullup");
		rc = smtp_reply_parse(&s->reply, p, len, &used);
		evbuffer_drain(in, used);
		if (rc == SMTP_REPLY_MORE)
			return;
		if (rc == SMTP_REPLY_BAD) {
			textf(why, sizeof(why), "host %s: %s while %s",
			    s->hopname, s->reply.error, state_doing(s->state));
			hop_failed(s, why, 0);
			return;
		}
		on_reply(s);
		/* done, or another hop's connection now */
		if (s->dead || s->bev != bev)
			return;
		smtp_reply_init(&s->reply);
		if (s->state == RS_EHLO) {
			s->reply.line_fn = ext_line;
			s->reply.line_arg = s;
		}
	}
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct rsess *s = arg;

	if (s->state == RS_BODY)
		pump_body(s);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct rsess	*s = arg;
	char		 why[IPC_TEXT_MAX];

	if ((what & BEV_EVENT_CONNECTED) && s->tls_pending) {
		s->tls_pending = 0;
		if (relay_tls_done(s, why, sizeof(why)) == -1) {
			hop_failed(s, why, 0);
			return;
		}
		/* RFC 3207: forget what was said before, say EHLO again */
		memset(&s->ext, 0, sizeof(s->ext));
		smtp_reply_init(&s->reply);
		s->reply.line_fn = ext_line;
		s->reply.line_arg = s;
		on_ehlo_sent(s, "EHLO", RS_EHLO);
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	if (s->tls_pending) {
		textf(why, sizeof(why), "TLS handshake with host %s failed",
		    s->hopname);
		hop_failed(s, why, 0);
		return;
	}
	if (s->state == RS_QUIT) {
		rsess_free(s);
		return;
	}
	textf(why, sizeof(why), "lost connection with host %s while %s",
	    s->hopname, state_doing(s->state));
	hop_failed(s, why, 0);
}

static void
on_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct rsess	*s = arg;
	char		 why[IPC_TEXT_MAX];

	if (s->state == RS_QUIT) {
		rsess_free(s);
		return;
	}
	if (s->state == RS_IDLE) {	/* smtp_connection_cache_time_limit */
		send_line(s, "QUIT\r\n");
		s->state = RS_QUIT;
		arm(s, cf_of(s)->smtp_quit_timeout);
		return;
	}
	if (s->state == RS_CONNECT)
		textf(why, sizeof(why), "connect to %s: Connection timed "
		    "out", s->hopname);
	else
		textf(why, sizeof(why), "conversation with host %s timed "
		    "out while %s", s->hopname, state_doing(s->state));
	hop_failed(s, why, 0);
}

/* The connection is up: talk SMTP over it. */
static void
connected(struct rsess *s)
{
	if ((s->bev = bufferevent_socket_new(s->r->we.base, s->sock,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("bufferevent_socket_new");
	clock_gettime(CLOCK_MONOTONIC, &s->t_conn);
	s->connected = 1;
	bufferevent_setcb(s->bev, on_read, on_write, on_event, s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	smtp_reply_init(&s->reply);
	memset(&s->ext, 0, sizeof(s->ext));
	s->state = RS_GREETING;
	arm(s, cf_of(s)->smtp_helo_timeout);
}

static void
conn_done(evutil_socket_t fd, short ev, void *arg)
{
	struct rsess	*s = arg;
	char		 why[IPC_TEXT_MAX];
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	event_free(s->ev_conn);
	s->ev_conn = NULL;
	if (ev & EV_TIMEOUT)
		err = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		textf(why, sizeof(why), "connect to %s: %s", s->hopname,
		    err == ETIMEDOUT ? "Connection timed out" :
		    strerror(err));
		hop_failed(s, why, 0);
		return;
	}
	connected(s);
}

/* "name[addr]:port" of req.hops[hop], for the log and the verdicts. */
void
set_hopname(struct rsess *s)
{
	const struct msg_relay_hop *h = &s->req.hops[s->hop];

	snprintf(s->hopname, sizeof(s->hopname), "%s[%s]:%u", h->name,
	    h->addr, h->port);
}

/* Connect to req.hops[hop], without blocking. */
static void
try_hop(struct rsess *s)
{
	const struct msg_relay_hop	*h = &s->req.hops[s->hop];
	struct sockaddr_storage		 ss;
	struct sockaddr_in		*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6		*sin6 = (struct sockaddr_in6 *)&ss;
	struct timeval			 tv;
	char				 why[IPC_TEXT_MAX];
	socklen_t			 sl;

	set_hopname(s);
	s->state = RS_CONNECT;
	s->connected = 0;
	s->tls = s->tls_pending = 0;
	s->sent = s->answered = s->accepted = 0;
	s->mail_failed = 0;
	memset(s->rcpt_ok, 0, sizeof(s->rcpt_ok));
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, h->addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(h->port);
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, h->addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(h->port);
		sl = sizeof(*sin6);
	} else
		fatalx("try_hop: %s is not numeric", h->addr);	/* checked */
	if ((s->sock = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		textf(why, sizeof(why), "connect to %s: %s", s->hopname,
		    strerror(errno));
		hop_failed(s, why, 0);
		return;
	}
	if (connect(s->sock, (struct sockaddr *)&ss, sl) == 0) {
		connected(s);
		return;
	}
	if (errno != EINPROGRESS) {
		textf(why, sizeof(why), "connect to %s: %s", s->hopname,
		    strerror(errno));
		hop_failed(s, why, 0);
		return;
	}
	if ((s->ev_conn = event_new(s->r->we.base, s->sock, EV_WRITE,
	    conn_done, s)) == NULL)
		fatalx("event_new");
	tv.tv_sec = cf_of(s)->smtp_connect_timeout;
	tv.tv_usec = 0;
	event_add(s->ev_conn, &tv);
}

void
rsess_start(struct relay *r, uint32_t id, const struct msg_relay *req,
    int fd)
{
	struct rsess	*s;

	if (cache_take(r, id, req, fd))		/* smtp_cache.c */
		return;
	s = xcalloc(1, sizeof(*s));
	s->r = r;
	s->req_id = id;
	s->req = *req;
	s->msgfd = fd;
	s->sock = -1;
	clock_gettime(CLOCK_MONOTONIC, &s->t_start);
	if ((s->ev_timer = evtimer_new(r->we.base, on_timer, s)) == NULL)
		fatalx("evtimer_new");
	TAILQ_INSERT_TAIL(&r->sessions, s, entry);
	try_hop(s);
}

void
rsess_abort_all(struct relay *r)
{
	struct rsess	*s;

	TAILQ_FOREACH(s, &r->sessions, entry) {
		s->req_id = 0;		/* nobody to answer */
		rsess_free(s);
	}
}
