/*
 * session.c: one SMTP session, RFC 5321: the connection.
 *
 * Input is processed one command at a time.  A command that needs another
 * compartment (RCPT asks lookup, DATA asks queue for a file, end of data
 * asks queue to commit) sends its request and stops the session until the
 * answer comes: pipelined commands wait in the input buffer, in order, and
 * their replies leave in order (RFC 2920).  Input is not read further while
 * a lot of output waits, so a client that pipelines without reading is
 * slowed down, never dropped.
 *
 * One timer per session serves, one at a time: the wait before the
 * greeting (smtpd_greet_wait), the deadline for the next complete line
 * (smtpd_timeout, restarted only when a whole line has arrived, so a
 * client sending a byte a minute is cut off), and the pause after errors
 * beyond smtpd_soft_error_limit.
 *
 * This file holds the I/O: accepting, replies and error counting, the
 * timer, reading command lines, the switch to TLS, closing, and the
 * answers from lookup and queue.  The commands are in session_cmd.c, the
 * message content (DATA, BDAT, the Received header) in session_data.c;
 * what they share is in session_int.h.
 *
 * Handlers:
 *   on_read, on_write, on_event	the connection
 *   on_timer				greeting, deadline, error sleep
 *   session_reply			answers from lookup and queue
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lib/log.h"
#include "lib/netrange.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "smtpd/dsn_param.h"
#include "smtpd/smtp_parse.h"
#include "smtpd/smtpd.h"
#include "smtpd/tls.h"
#include "smtpd/session_int.h"

static void process_input(struct session *);

/* ---- the timer ---- */

static void
timer_set(struct session *s, enum timer_use use, long seconds)
{
	struct timeval tv = { seconds, 0 };

	s->timer_use = use;
	evtimer_add(s->timer, &tv);
}

static void
timer_stop(struct session *s)
{
	s->timer_use = T_NONE;
	evtimer_del(s->timer);
}

/* The next complete line must arrive within smtpd_timeout. */
void
deadline_restart(struct session *s)
{
	timer_set(s, T_DEADLINE, cf(s)->smtpd_timeout);
}

/* ---- output ---- */

static void
vreply(struct session *s, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* One reply line; nothing once the connection is gone. */
static void
vreply(struct session *s, const char *fmt, va_list ap)
{
	struct evbuffer	*out;

	if (s->closed)
		return;
	out = bufferevent_get_output(s->bev);
	evbuffer_add_vprintf(out, fmt, ap);
	evbuffer_add(out, "\r\n", 2);
}

void
reply(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
}

/* Stop reading; close when the output is out. */
void
close_after_output(struct session *s)
{
	s->closing = 1;
	if (s->bev != NULL)
		bufferevent_disable(s->bev, EV_READ);
}

/*
 * Count an error.  At smtpd_hard_error_limit the session ends; beyond
 * smtpd_soft_error_limit every error reply waits smtpd_error_sleep_time.
 */
static void
count_error(struct session *s)
{
	if (++s->errors >= cf(s)->smtpd_hard_error_limit) {
		reply(s, "421 4.7.0 %s Error: too many errors",
		    cf(s)->myhostname);
		log_info("too many errors after %s from unknown[%s]",
		    s->state >= S_DATA ? "DATA" : "command", s->client_addr);
		close_after_output(s);
		return;
	}
	if (s->errors > cf(s)->smtpd_soft_error_limit &&
	    cf(s)->smtpd_error_sleep_time > 0) {
		s->sleeping = 1;
		bufferevent_disable(s->bev, EV_WRITE);
		timer_set(s, T_SLEEP, cf(s)->smtpd_error_sleep_time);
	}
}

/* A 4xx/5xx for a bad command counts towards the error limits. */
void
reply_error(struct session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->closed)
		return;
	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
	count_error(s);
}

/* NOOP, RSET, VRFY, HELP beyond smtpd_junk_command_limit count as errors. */
void
count_junk(struct session *s)
{
	if (++s->junk > cf(s)->smtpd_junk_command_limit)
		count_error(s);
}

/* ---- life cycle ---- */

void
data_fd_close(struct session *s)
{
	if (s->data_fd == -1)
		return;
	close(s->data_fd);
	s->data_fd = -1;
	s->sd->ndata_fds--;
}

/*
 * An idle session holds one fd, a message in progress a second (its queue
 * file).  Sessions are limited so that each has its socket; queue files
 * are limited here, so that a full house of sessions all sending at once
 * gets a temporary error rather than a failed descriptor passing.
 */
int
no_fd_for_data(struct session *s)
{
	if (s->sd->nsessions + s->sd->ndata_fds + SMTPD_FD_RESERVE <
	    s->sd->nofile)
		return 0;
	log_warnx("out of file descriptors for queue files: deferring a "
	    "message from [%s]", s->client_addr);
	reply(s, "451 4.3.2 Error: too many messages in progress, try again "
	    "later");
	return 1;
}

void
transaction_reset(struct session *s)
{
	uint8_t		buf[64];
	struct wbuf	wb;
	struct msg_qid	m;

	data_fd_close(s);
	if (s->qid[0] != '\0') {
		/* Tell queue the file will never be committed. */
		STRLCPY_ARRAY(m.qid, s->qid);
		wb_init(&wb, buf, sizeof(buf));
		enc_qid(&wb, &m);
		if (smtpd_request(s->sd, s, ROLE_QUEUE, IPC_MSG_ABORT, &wb)
		    == 0)
			s->holds++;
	}
	free(s->rcpts);
	s->rcpts = NULL;
	s->nrcpt = 0;
	s->sender[0] = '\0';
	s->smtputf8 = s->body8bit = 0;
	s->ret = DSN_RET_NONE;
	s->envid[0] = '\0';
	s->qid[0] = '\0';
	evbuffer_drain(s->data, evbuffer_get_length(s->data));
	s->data_size = 0;
	s->data_too_big = s->data_failed = s->commit_failed = 0;
	s->data_bare = EOL_NONE;
	s->chunk_cr = 0;
	if (s->chunk_left > 0)
		s->chunk_skip = 1;	/* the rest of this chunk is dropped */
	if (s->state > S_HELO)
		s->state = S_HELO;
}

static void
session_free(struct session *s)
{
	s->sd->nsessions--;
	client_leave(s->sd, s->client);
	event_free(s->timer);
	evbuffer_free(s->data);
	free(s->rcpts);
	free(s->pending);
	auth_forget(s);
	free(s);
}

static void
session_close(struct session *s)
{
	if (s->closed)
		return;
	log_info("disconnect from unknown[%s]", s->client_addr);
	transaction_reset(s);
	timer_stop(s);
	s->closed = 1;
	bufferevent_free(s->bev);
	s->bev = NULL;
	if (s->holds == 0)
		session_free(s);
}

static void
session_unhold(struct session *s)
{
	if (--s->holds == 0 && s->closed)
		session_free(s);
}

/* The socket under a STARTTLS filter has sent its last octet. */
static void
on_flushed(struct evbuffer *b, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct session	*s = arg;
	struct timeval	 now = { 0, 0 };

	/* Not from inside libevent's write path: on the next loop turn. */
	if (evbuffer_get_length(b) == 0 && s->timer_use != T_CLOSE) {
		s->timer_use = T_CLOSE;
		evtimer_add(s->timer, &now);
	}
}

/*
 * Close now if closing and nothing is left to send.  Under a STARTTLS
 * filter the encrypted octets wait in the socket's own buffer, after
 * the filter's buffer is empty: wait for those too.
 */
static void
close_if_done(struct session *s)
{
	struct bufferevent	*u;
	struct evbuffer		*uo;

	if (!s->closing || s->closed || s->sleeping ||
	    evbuffer_get_length(bufferevent_get_output(s->bev)) > 0)
		return;
	if ((u = bufferevent_get_underlying(s->bev)) != NULL &&
	    evbuffer_get_length(uo = bufferevent_get_output(u)) > 0) {
		if (!s->flush_cb && evbuffer_add_cb(uo, on_flushed, s) != NULL)
			s->flush_cb = 1;
		return;
	}
	session_close(s);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;

	if (s->closing)
		close_if_done(s);
	else if (!s->blocked && !s->sleeping)
		process_input(s);	/* output drained below the mark */
}

static void
log_tls(struct session *s)
{
	SSL			*ssl = bufferevent_openssl_get_ssl(s->bev);
	const SSL_CIPHER	*c = ssl ? SSL_get_current_cipher(ssl) : NULL;
	int			 alg = 0, bits;

	if (c == NULL)
		return;
	bits = SSL_CIPHER_get_bits(c, &alg);
	log_info("TLS connection established from unknown[%s]: %s with "
	    "cipher %s (%d/%d bits)", s->client_addr, SSL_get_version(ssl),
	    SSL_CIPHER_get_name(c), bits, alg);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;
	unsigned long	 e;
	char		 buf[256];

	if (what & BEV_EVENT_CONNECTED) {
		log_tls(s);	/* the TLS handshake is done */
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		log_info("timeout sending to unknown[%s]", s->client_addr);
	if (s->tls && (what & BEV_EVENT_ERROR) &&
	    (e = bufferevent_get_openssl_error(bev)) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_info("TLS error from [%s]: %s", s->client_addr, buf);
	}
	session_close(s);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	process_input(arg);
}

static void
log_pregreet(struct session *s)
{
	struct evbuffer	*in = bufferevent_get_input(s->bev);
	char		 peek[64], shown[256];
	ssize_t		 n;
	size_t		 len;

	if ((len = evbuffer_get_length(in)) > 0)
		n = evbuffer_copyout(in, peek, sizeof(peek));
	else
		n = recv(bufferevent_getfd(s->bev), peek, sizeof(peek),
		    MSG_PEEK | MSG_DONTWAIT);
	if (n < 0)
		n = 0;
	log_printable(peek, n, shown, sizeof(shown));
	log_info("PREGREET %zd from [%s]: %s", len > 0 ? (ssize_t)len : n,
	    s->client_addr, shown);
}

/* Did the client send anything before our greeting? */
static int
talked_first(struct session *s)
{
	char	c;

	if (evbuffer_get_length(bufferevent_get_input(s->bev)) > 0)
		return 1;
	return recv(bufferevent_getfd(s->bev), &c, 1,
	    MSG_PEEK | MSG_DONTWAIT) == 1;
}

/*
 * Postscreen's pregreet test: a real client waits for the 220; bots
 * often talk at once.  Such a client gets 554 in place of the greeting
 * (RFC 5321 3.1) and is disconnected.
 */
static void
greet(struct session *s)
{
	/* With implicit TLS the client speaks first: its ClientHello. */
	if (!s->tls && talked_first(s)) {
		log_pregreet(s);
		reply(s, "554 5.5.1 %s Error: SMTP protocol synchronization: "
		    "client talked before the greeting", cf(s)->myhostname);
		close_after_output(s);
		close_if_done(s);
		return;
	}
	s->state = S_INIT;
	reply(s, "220 %s", cf(s)->smtpd_banner);
	deadline_restart(s);
}

static void
on_deadline(struct session *s)
{
	log_info("timeout after %s from unknown[%s]",
	    s->state == S_DATA ? "DATA" : "command", s->client_addr);
	reply(s, "421 4.4.2 %s Error: timeout exceeded", cf(s)->myhostname);
	close_after_output(s);
	close_if_done(s);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	enum timer_use	 use = s->timer_use;

	s->timer_use = T_NONE;
	switch (use) {
	case T_GREET:
		greet(s);
		break;
	case T_DEADLINE:
		on_deadline(s);
		break;
	case T_SLEEP:
		s->sleeping = 0;
		bufferevent_enable(s->bev, EV_WRITE);
		if (s->closing) {
			close_if_done(s);
			break;
		}
		deadline_restart(s);
		process_input(s);
		break;
	case T_CLOSE:
		close_if_done(s);
		break;
	case T_NONE:
		break;
	}
}

static void
format_peer(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const struct sockaddr_in  *s4 = (const struct sockaddr_in *)sa;

	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, len);
	else if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &s4->sin_addr, buf, len);
	else
		xstrlcpy(buf, "unknown", len);
}

/* Over smtpd_session_limit or the per-client limit: 421 and close. */
static int
refuse_if_full(struct session *s)
{
	long	per_client = cf(s)->smtpd_client_connection_count_limit;

	if (s->sd->nsessions > s->sd->session_limit) {
		log_warnx("too many sessions (%d): refusing [%s]",
		    s->sd->nsessions - 1, s->client_addr);
		reply(s, "421 4.7.0 %s Error: too many connections",
		    cf(s)->myhostname);
	} else if (per_client > 0 && s->client->n > per_client &&
	    !netrange_in_list(cf(s)->mynetworks.v, cf(s)->mynetworks.n,
	    s->client_addr)) {
		/* mynetworks is exempt, as Postfix's default
		   smtpd_client_event_limit_exceptions = $mynetworks */
		log_warnx("too many connections from unknown[%s]",
		    s->client_addr);
		reply(s, "421 4.7.0 %s Error: too many connections from %s",
		    cf(s)->myhostname, s->client_addr);
	} else
		return 0;
	close_after_output(s);
	return 1;
}

/* A session on an implicit-TLS listener: TLS from the first byte. */
static struct bufferevent *
tls_wrapper_bev(struct smtpd *sd, int fd)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(sd->tls)) == NULL)
		fatalx("SSL_new");
	bev = bufferevent_openssl_socket_new(sd->we.base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, TLS_BEV_OPTS);
	if (bev == NULL)
		fatalx("bufferevent_openssl_socket_new");
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* A session on a connection in bev, which it owns from now on. */
static struct session *
session_start(struct smtpd *sd, struct bufferevent *bev, int tls,
    const struct sockaddr *sa, const struct listener_tls *lt)
{
	struct session	*s;
	struct timeval	 tv = { sd->we.cf.smtpd_timeout, 0 };

	s = xcalloc(1, sizeof(*s));
	if ((s->data = evbuffer_new()) == NULL ||
	    (s->timer = evtimer_new(sd->we.base, on_timer, s)) == NULL)
		fatal("session_start");
	s->sd = sd;
	s->bev = bev;
	s->tls = tls;
	s->data_fd = -1;
	s->state = S_GREET;
	format_peer(sa, s->client_addr, sizeof(s->client_addr));
	s->tls_level = lt != NULL ? lt->level :
	    sd->we.cf.smtpd_tls_security_level;
	s->auth_enable = lt != NULL ? lt->sasl_auth_enable :
	    strcmp(sd->we.cf.smtpd_sasl_auth_enable, "yes") == 0;
	s->auth_only = lt != NULL ? lt->tls_auth_only :
	    strcmp(sd->we.cf.smtpd_tls_auth_only, "yes") == 0;
	s->relay_restr = lt != NULL ? lt->relay_restr :
	    sd->we.cf.smtpd_relay_restrictions;
	s->rcpt_restr = lt != NULL ? lt->rcpt_restr :
	    sd->we.cf.smtpd_recipient_restrictions;
	s->sender_restr = lt != NULL ? lt->sender_restr :
	    sd->we.cf.smtpd_sender_restrictions;
	sd->nsessions++;
	s->client = client_enter(sd, s->client_addr);
	bufferevent_setcb(s->bev, on_read, on_write, on_event, s);
	/* Reads have the per-line deadline instead. */
	bufferevent_set_timeouts(s->bev, NULL, &tv);
	bufferevent_setwatermark(s->bev, EV_READ, 0, INPUT_HIWAT);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	log_info("connect from unknown[%s]", s->client_addr);
	if (refuse_if_full(s))
		return s;
	if (sd->we.cf.smtpd_greet_wait > 0)
		timer_set(s, T_GREET, sd->we.cf.smtpd_greet_wait);
	else
		greet(s);
	return s;
}

/*
 * A session on a new connection (fd -1: a socket bufferevent without a
 * socket, whose buffers the session fuzz harness fills and empties).
 * Returns the session, which may be gone again once the caller's next
 * call into it returns.
 */
struct session *
session_accept(struct smtpd *sd, int fd, const struct sockaddr *sa,
    socklen_t salen, const struct listener_tls *lt)
{
	struct bufferevent	*bev;
	int			 tls = lt != NULL && lt->wrapper &&
				    sd->tls != NULL;

	if (tls)
		bev = tls_wrapper_bev(sd, fd);
	else if ((bev = bufferevent_socket_new(sd->we.base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("bufferevent_socket_new");
	return session_start(sd, bev, tls, sa, lt);
}

/*
 * RFC 3207 4.2: forget everything from before TLS.  Whatever the client
 * sent after STARTTLS in plaintext is thrown away, never read as a
 * command (CVE-2011-0411); the session starts over from EHLO.
 */
static void
tls_start(struct session *s)
{
	struct evbuffer		*in = bufferevent_get_input(s->bev);
	struct bufferevent	*fb;
	struct timeval		 tv = { cf(s)->smtpd_timeout, 0 };
	size_t			 junk;
	SSL			*ssl;

	s->starttls = 0;
	if ((junk = evbuffer_get_length(in)) > 0) {
		log_info("discarding %zu octets sent after STARTTLS by [%s]",
		    junk, s->client_addr);
		evbuffer_drain(in, junk);
	}
	if ((ssl = SSL_new(s->sd->tls)) == NULL)
		fatalx("SSL_new");
	fb = bufferevent_openssl_filter_new(s->sd->we.base, s->bev, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, TLS_BEV_OPTS);
	if (fb == NULL)
		fatalx("bufferevent_openssl_filter_new");
	bufferevent_openssl_set_allow_dirty_shutdown(fb, 1);
	s->bev = fb;
	s->tls = 1;
	bufferevent_setcb(fb, on_read, on_write, on_event, s);
	bufferevent_set_timeouts(fb, NULL, &tv);
	bufferevent_setwatermark(fb, EV_READ, 0, INPUT_HIWAT);
	bufferevent_enable(fb, EV_READ | EV_WRITE);
	transaction_reset(s);
	auth_forget(s);
	s->helo[0] = '\0';
	s->esmtp = 0;
	s->state = S_INIT;
}

/*
 * A refusal in Postfix's shape, which pflogsumm and fail2ban's postfix
 * filter read: "NOQUEUE: reject: RCPT from unknown[addr]: <the reply
 * sent>; from=<s> to=<r> proto=ESMTP helo=<h>" (qid NULL: NOQUEUE, as
 * before DATA; rcpt NULL: no to=; no from= before MAIL, no helo= before
 * HELO/EHLO).
 */
void
log_reject(struct session *s, const char *qid, const char *stage,
    const char *rcpt, const char *text)
{
	int	 mail = s->state >= S_MAIL || strcmp(stage, "MAIL") == 0;

	log_info("%s: reject: %s from unknown[%s]: %s;%s%s%s%s%s%s proto=%s"
	    "%s%s%s", qid != NULL ? qid : "NOQUEUE", stage, s->client_addr,
	    text, mail || rcpt != NULL ? " from=<" : "", s->sender,
	    mail || rcpt != NULL ? ">" : "", rcpt != NULL ? " to=<" : "",
	    rcpt != NULL ? rcpt : "", rcpt != NULL ? ">" : "",
	    s->esmtp ? "ESMTP" : "SMTP", s->helo[0] != '\0' ? " helo=<" : "",
	    s->helo, s->helo[0] != '\0' ? ">" : "");
}

static void
reject_bare_lf_command(struct session *s)
{
	log_reject(s, NULL, "COMMAND", NULL,
	    "550 5.5.2 Error: bare <LF> received");
	reply(s, "550 5.5.2 Error: bare <LF> received");
	close_after_output(s);
}

/* MAIL and RCPT may be longer than other commands (smtp_parse.h). */
static size_t
line_max(const char *line, size_t len)
{
	if (len > 5 && (strncasecmp(line, "MAIL ", 5) == 0 ||
	    strncasecmp(line, "RCPT ", 5) == 0 ||
	    strncasecmp(line, "AUTH ", 5) == 0))
		return SMTP_PARAM_LINE_MAX;
	return SMTP_LINE_MAX;
}

/* One command line; returns 0 when input ran out. */
static int
process_command(struct session *s)
{
	struct evbuffer		*in = bufferevent_get_input(s->bev);
	struct evbuffer_ptr	 eol;
	size_t			 len, used;
	char			*line;
	int			 crlf;

	eol = evbuffer_search(in, "\n", 1, NULL);
	if (eol.pos == -1) {
		if ((len = evbuffer_get_length(in)) > CMD_BUFFER_MAX) {
			evbuffer_drain(in, len);
			if (s->sasl != NULL && !s->skip_line)
				auth_line_too_long(s);
			else if (!s->skip_line)
				reply_error(s, "500 5.5.2 Error: line too long");
			s->skip_line = 1;
		}
		return 0;
	}
	used = eol.pos + 1;
	line = (char *)evbuffer_pullup(in, used);
	len = eol.pos;
	crlf = len > 0 && line[len - 1] == '\r';
	if (crlf)
		len--;
	if (s->skip_line)
		s->skip_line = 0;
	else if (!crlf && !normalize_bare_newline(s))
		reject_bare_lf_command(s);
	else if (s->sasl != NULL)
		auth_response(s, line, len);
	else if (len + 2 > line_max(line, len))
		reply_error(s, "500 5.5.2 Error: line too long");
	else if (memchr(line, '\0', len) != NULL)
		reply_error(s, "500 5.5.2 Error: NUL character in command");
	else
		dispatch(s, line, len);
	evbuffer_drain(in, used);
	if (s->starttls)
		tls_start(s);
	if (!s->blocked && !s->closing && !s->sleeping && !s->closed)
		deadline_restart(s);
	return 1;
}

static void
process_input(struct session *s)
{
	while (!s->closed && !s->closing && !s->blocked && !s->sleeping &&
	    s->state != S_GREET) {
		/* RFC 2920: keep order, but do not pile up replies. */
		if (s->state != S_DATA && s->chunk_left == 0 &&
		    evbuffer_get_length(
		    bufferevent_get_output(s->bev)) > OUTPUT_HIWAT)
			break;
		if (s->chunk_left > 0 ? !process_chunk(s) :
		    s->state == S_DATA ? !process_data(s) :
		    !process_command(s))
			break;
	}
	if (s->blocked && !s->closed && s->timer_use == T_DEADLINE)
		timer_stop(s);	/* waiting on us, not on the client */
	if (!s->closed)
		close_if_done(s);
}

void
session_reply(struct session *s, enum ipc_type req, uint32_t type,
    const union ipc_msg *msg, int fd)
{
	if (s->closed) {
		if (fd != -1)
			close(fd);
		if (req == IPC_AUTH_STEP)	/* what auth still holds */
			auth_step_answer(s, type, msg);
		session_unhold(s);
		return;
	}
	switch (req) {
	case IPC_RCPT_CHECK:
	case IPC_RCPT_CHECK_CLIENT:
		s->blocked = 0;
		rcpt_answer(s, type, msg);
		break;
	case IPC_MSG_CREATE:
		s->blocked = 0;
		data_answer(s, type, msg, fd);
		fd = -1;
		break;
	case IPC_MSG_RCPT:
		if (type != IPC_OK)
			s->commit_failed = 1;
		break;
	case IPC_MSG_COMMIT:
		s->blocked = 0;
		commit_answer(s, type, msg);
		break;
	case IPC_AUTH_CHECK:
		s->blocked = 0;
		auth_answer(s, type, msg);
		break;
	case IPC_AUTH_STEP:
		s->blocked = 0;
		auth_step_answer(s, type, msg);
		break;
	default:	/* IPC_MSG_ABORT: nothing waits for it */
		break;
	}
	if (fd != -1)
		close(fd);
	/* An answer may have closed the session: then unhold frees it. */
	if (s->closed) {
		session_unhold(s);
		return;
	}
	s->holds--;	/* an open session is never freed by letting go */
	if (s->blocked)
		return;
	if (!s->sleeping && !s->closing)
		deadline_restart(s);
	process_input(s);
}
