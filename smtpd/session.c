/*
 * session.c: one SMTP session, RFC 5321.
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
 * Handlers:
 *   on_read, on_write, on_event	the connection
 *   on_timer				greeting, deadline, error sleep
 *   session_reply			answers from lookup and queue
 *   cmd_helo ... cmd_quit		one per command
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

#include "delivery/resolve.h"
#include "lib/log.h"
#include "smtpd/dsn_param.h"
#include "smtpd/smtp_parse.h"
#include "smtpd/smtpd.h"
#include "smtpd/tls.h"

#define CMD_BUFFER_MAX	2048	/* a command line longer is thrown away */
/*
 * A TLS bufferevent runs SSL_write from inside evbuffer_add (the filter's
 * output callback writes at once): an error there called on_event, which
 * freed the session under reply()'s caller.  Deferred callbacks run from
 * the event loop, never from under a reply.
 */
#define TLS_BEV_OPTS	(BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)
#define DATA_FLUSH	65536
#define DATA_CHUNK_MAX	65536	/* a body "line" longer is split */
#define OUTPUT_HIWAT	65536	/* stop reading commands above this */
#define INPUT_HIWAT	(DATA_CHUNK_MAX * 2)

enum state {
	S_GREET,	/* connected, greeting not sent yet */
	S_INIT,		/* greeted, no HELO yet */
	S_HELO,		/* ready for MAIL */
	S_MAIL,		/* MAIL given, collecting RCPT */
	S_DATA,		/* receiving the message */
	S_BDAT,		/* between BDAT chunks (RFC 3030) */
	S_COMMIT	/* end of data seen, waiting for queue */
};

enum timer_use {
	T_NONE,
	T_GREET,	/* smtpd_greet_wait */
	T_DEADLINE,	/* smtpd_timeout for the next line */
	T_SLEEP,	/* smtpd_error_sleep_time */
	T_CLOSE		/* TLS output flushed: close now */
};

/* How a line of message data ended. */
enum eol {
	EOL_NONE,	/* not at all: a piece of a very long line */
	EOL_CRLF,
	EOL_LF,		/* bare <LF> */
	EOL_CR		/* bare <CR> */
};

struct rcpt {
	char		addr[IPC_ADDR_MAX];
	uint32_t	notify;
	char		orcpt[IPC_ADDR_MAX];
};

struct session {
	struct smtpd		*sd;
	struct bufferevent	*bev;
	struct event		*timer;
	struct client		*client;
	enum state		 state;
	enum timer_use		 timer_use;
	int			 holds;		/* outstanding requests */
	int			 blocked;	/* waiting on an answer */
	int			 sleeping;	/* error sleep */
	int			 closing;	/* close once output is out */
	int			 closed;	/* connection gone */
	int			 errors;
	int			 junk;		/* NOOP, RSET, VRFY, HELP */
	int			 esmtp;
	int			 tls;		/* s->bev is an OpenSSL filter */
	const char		*tls_level;	/* smtpd_tls_security_level */
	int			 starttls;	/* switch after this command */
	int			 flush_cb;	/* watching TLS output drain */
	int			 skip_line;	/* discarding an overlong line */
	char			 client_addr[64];
	char			 helo[256];
	/* the transaction */
	char			 sender[IPC_ADDR_MAX];
	int			 smtputf8;
	int			 body8bit;
	uint32_t		 ret;
	char			 envid[IPC_ENVID_MAX];
	struct rcpt		*pending;	/* RCPT waiting on lookup */
	struct rcpt		*rcpts;
	size_t			 nrcpt;
	char			 qid[IPC_QID_MAX];
	int			 data_fd;
	struct evbuffer		*data;		/* body waiting to be written */
	uint64_t		 data_size;	/* bytes written + buffered */
	int			 data_line_start;
	int			 data_prev_crlf;	/* last line end was CRLF */
	enum eol		 data_bare;	/* reject: first bare end seen */
	int			 data_too_big;
	int			 data_failed;
	int			 in_header;	/* before the first empty line */
	size_t			 header_bytes;
	size_t			 line_bytes;	/* of the current line so far */
	int			 line_kept;	/* part of it was stored */
	int			 header_cut;	/* header_size_limit reached */
	int			 commit_failed;
	/* BDAT: the chunk being read, or skipped after an error reply */
	uint64_t		 chunk_left;
	uint64_t		 chunk_size;	/* of the BDAT waiting for queue */
	int			 chunk_last;
	int			 chunk_first;	/* MSG_CREATE is for a BDAT */
	int			 chunk_skip;
	int			 chunk_cr;	/* a chunk ended in <CR> */
	size_t			 chunk_progress;	/* since the deadline */
	uint64_t		 chunk_octets;	/* of this message so far */
};

static void process_input(struct session *);
static void chunk_start(struct session *, uint64_t, int, int);
static void cmd_bdat(struct session *, const struct smtp_cmd *);

static const struct bh_config *
cf(const struct session *s)
{
	return &s->sd->we.cf;
}

/* smtpd_tls_security_level may or encrypt (wrapper mode alone: none). */
static int
starttls_offered(const struct session *s)
{
	return s->sd->tls != NULL && !s->tls && tls_level_offers(s->tls_level);
}

static int
normalize_bare_newline(const struct session *s)
{
	return strcmp(cf(s)->smtpd_forbid_bare_newline, "reject") != 0;
}

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
static void
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

static void
reply(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
}

/* Stop reading; close when the output is out. */
static void
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
		log_info("too many errors after %s from [%s]",
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
static void
reply_error(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
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
static void
count_junk(struct session *s)
{
	if (++s->junk > cf(s)->smtpd_junk_command_limit)
		count_error(s);
}

/* ---- life cycle ---- */

static void
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
static int
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

static void
transaction_reset(struct session *s)
{
	uint8_t		buf[64];
	struct wbuf	wb;
	struct msg_qid	m;

	data_fd_close(s);
	if (s->qid[0] != '\0') {
		/* Tell queue the file will never be committed. */
		strlcpy(m.qid, s->qid, sizeof(m.qid));
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
	free(s);
}

static void
session_close(struct session *s)
{
	if (s->closed)
		return;
	log_info("disconnect from [%s]", s->client_addr);
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
		log_info("timeout sending to [%s]", s->client_addr);
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
	log_info("timeout after %s from [%s]",
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
		strlcpy(buf, "unknown", len);
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
	    !resolve_in_networks(&cf(s)->mynetworks, s->client_addr)) {
		/* mynetworks is exempt, as Postfix's default
		   smtpd_client_event_limit_exceptions = $mynetworks */
		log_warnx("too many connections from [%s]", s->client_addr);
		reply(s, "421 4.7.0 %s Error: too many connections from %s",
		    cf(s)->myhostname, s->client_addr);
	} else
		return 0;
	close_after_output(s);
	return 1;
}

/* A session on an implicit-TLS listener: TLS from the first byte. */
static struct bufferevent *
tls_wrapper_bev(struct session *s, int fd)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(s->sd->tls)) == NULL)
		fatalx("SSL_new");
	bev = bufferevent_openssl_socket_new(s->sd->we.base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, TLS_BEV_OPTS);
	if (bev == NULL)
		fatalx("bufferevent_openssl_socket_new");
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	s->tls = 1;
	return bev;
}

void
session_accept(struct smtpd *sd, int fd, const struct sockaddr *sa,
    socklen_t salen, const struct listener_tls *lt)
{
	struct session	*s;
	struct timeval	 tv = { sd->we.cf.smtpd_timeout, 0 };

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->data = evbuffer_new()) == NULL ||
	    (s->timer = evtimer_new(sd->we.base, on_timer, s)) == NULL)
		fatal("session_accept");
	s->sd = sd;
	s->data_fd = -1;
	s->state = S_GREET;
	format_peer(sa, s->client_addr, sizeof(s->client_addr));
	s->tls_level = lt != NULL ? lt->level :
	    sd->we.cf.smtpd_tls_security_level;
	if (lt != NULL && lt->wrapper && sd->tls != NULL)
		s->bev = tls_wrapper_bev(s, fd);
	else
		s->bev = bufferevent_socket_new(sd->we.base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL)
		fatalx("bufferevent_socket_new");
	sd->nsessions++;
	s->client = client_enter(sd, s->client_addr);
	bufferevent_setcb(s->bev, on_read, on_write, on_event, s);
	/* Reads have the per-line deadline instead. */
	bufferevent_set_timeouts(s->bev, NULL, &tv);
	bufferevent_setwatermark(s->bev, EV_READ, 0, INPUT_HIWAT);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	log_info("connect from unknown[%s]", s->client_addr);
	if (refuse_if_full(s))
		return;
	if (sd->we.cf.smtpd_greet_wait > 0)
		timer_set(s, T_GREET, sd->we.cf.smtpd_greet_wait);
	else
		greet(s);
}

/* ---- commands ---- */

static void
cmd_helo(struct session *s, const struct smtp_cmd *c, int esmtp)
{
	if (c->arglen == 0 || c->arglen >= sizeof(s->helo) ||
	    memchr(c->arg, '\0', c->arglen) != NULL) {
		reply_error(s, "501 5.5.4 Syntax: %s hostname",
		    esmtp ? "EHLO" : "HELO");
		return;
	}
	transaction_reset(s);
	memcpy(s->helo, c->arg, c->arglen);
	s->helo[c->arglen] = '\0';
	log_printable(s->helo, c->arglen, s->helo, sizeof(s->helo));
	s->esmtp = esmtp;
	s->state = S_HELO;
	if (!esmtp) {
		reply(s, "250 %s", cf(s)->myhostname);
		return;
	}
	reply(s, "250-%s", cf(s)->myhostname);
	reply(s, "250-PIPELINING");
	reply(s, "250-SIZE %lld", cf(s)->message_size_limit);
	if (starttls_offered(s))
		reply(s, "250-STARTTLS");
	reply(s, "250-ENHANCEDSTATUSCODES");
	reply(s, "250-8BITMIME");
	reply(s, "250-DSN");
	reply(s, "250-SMTPUTF8");
	reply(s, "250 CHUNKING");
}

static int
parse_size(const char *v, unsigned long long *out)
{
	unsigned long long	n = 0;

	if (*v == '\0' || strlen(v) > 20)
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		if (n > (~0ULL - 9) / 10) {
			n = ~0ULL;	/* saturate: too big anyway */
			continue;
		}
		n = n * 10 + (*v - '0');
	}
	*out = n;
	return 0;
}

/* A parameter given twice is a syntax error (RFC 5321 4.1.1.11 spirit). */
static int
param_repeated(const struct smtp_mailrcpt *mr, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (strcmp(mr->params[j].keyword, mr->params[i].keyword) == 0)
			return 1;
	return 0;
}

/* MAIL parameters: SIZE, BODY, SMTPUTF8, RET, ENVID.  -1 after a reply. */
static int
mail_params(struct session *s, const struct smtp_mailrcpt *mr)
{
	size_t			 i;
	unsigned long long	 size;

	for (i = 0; i < mr->nparams; i++) {
		const struct smtp_param *p = &mr->params[i];
		const char		*k = p->keyword;

		if (param_repeated(mr, i)) {
			reply_error(s, "501 5.5.4 Duplicate %s parameter", k);
			return -1;
		}
		if (strcmp(k, "SIZE") == 0 && p->has_value) {
			if (parse_size(p->value, &size) == -1) {
				reply_error(s, "501 5.5.4 Bad SIZE syntax");
				return -1;
			}
			if (size > (unsigned long long)
			    cf(s)->message_size_limit) {
				reply_error(s, "552 5.3.4 Message size exceeds "
				    "fixed limit");
				return -1;
			}
		} else if (strcmp(k, "BODY") == 0 && p->has_value &&
		    (strcasecmp(p->value, "7BIT") == 0 ||
		    strcasecmp(p->value, "8BITMIME") == 0)) {
			s->body8bit = strcasecmp(p->value, "8BITMIME") == 0;
		} else if (strcmp(k, "BODY") == 0) {
			reply_error(s, "501 5.5.4 Bad BODY parameter");
			return -1;
		} else if (strcmp(k, "SMTPUTF8") == 0 && !p->has_value) {
			s->smtputf8 = 1;
		} else if (strcmp(k, "RET") == 0 && p->has_value) {
			if (dsn_parse_ret(p->value, strlen(p->value),
			    &s->ret) == -1) {
				reply_error(s, "501 5.5.4 Bad RET parameter");
				return -1;
			}
		} else if (strcmp(k, "ENVID") == 0 && p->has_value) {
			if (dsn_parse_envid(p->value, strlen(p->value),
			    s->envid, sizeof(s->envid)) == -1) {
				reply_error(s, "501 5.5.4 Bad ENVID parameter");
				return -1;
			}
		} else {
			reply_error(s, "555 5.5.4 Unsupported option: %s", k);
			return -1;
		}
	}
	return 0;
}

static void
reply_addr_error(struct session *s, enum smtp_parse_err err,
    const char *what, const char *dsn)
{
	if (err == SMTP_PARSE_UTF8)
		reply_error(s, "553 5.6.7 Must declare SMTPUTF8 to send "
		    "Unicode address");
	else if (err == SMTP_PARSE_PARAM)
		reply_error(s, "501 5.5.4 Bad parameter syntax");
	else
		reply_error(s, "501 %s Bad %s address syntax", dsn, what);
}

/*
 * The envelope and a recipient as queue will get them.  smtpd checks
 * them with queue's own validators when it takes them (MAIL, RCPT), so
 * that what it accepts from a client, queue accepts from smtpd; a value
 * queue refused would get smtpd killed as compromised.
 */
#define QID_PLACEHOLDER	"0000000000000000"

static const char *
envelope_fill(const struct session *s, const char *qid, struct msg_commit *m)
{
	memset(m, 0, sizeof(*m));
	strlcpy(m->qid, qid, sizeof(m->qid));
	m->size = s->data_size;
	strlcpy(m->sender, s->sender, sizeof(m->sender));
	strlcpy(m->helo, s->helo, sizeof(m->helo));
	strlcpy(m->client_addr, s->client_addr, sizeof(m->client_addr));
	strlcpy(m->client_name, "unknown", sizeof(m->client_name));
	m->ret = s->ret;
	strlcpy(m->envid, s->envid, sizeof(m->envid));
	m->flags = (s->body8bit ? MSG_FLAG_8BITMIME : 0) |
	    (s->smtputf8 ? MSG_FLAG_SMTPUTF8 : 0);
	return ipc_check_commit(m);
}

static const char *
rcpt_fill(const char *qid, const struct rcpt *rc, struct msg_rcpt *r)
{
	memset(r, 0, sizeof(*r));
	strlcpy(r->qid, qid, sizeof(r->qid));
	strlcpy(r->addr, rc->addr, sizeof(r->addr));
	r->notify = rc->notify;
	strlcpy(r->orcpt, rc->orcpt, sizeof(r->orcpt));
	return ipc_check_rcpt(r);
}

static void
cmd_mail(struct session *s, const struct smtp_cmd *c)
{
	struct msg_commit	m;
	const char		*why;
	struct smtp_mailrcpt	mr;
	enum smtp_parse_err	err;
	int			flags = SMTP_ADDR_ALLOW_NULL;

	if (s->state == S_INIT) {
		reply_error(s, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (s->state != S_HELO) {
		reply_error(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (c->arglen < 5 || strncasecmp(c->arg, "FROM:", 5) != 0) {
		reply_error(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	if (!s->tls && strcmp(s->tls_level, "encrypt") == 0) {
		reply_error(s, "530 5.7.0 Must issue a STARTTLS command first");
		return;
	}
	/* SMTPUTF8 comes after the address: allow, then check. */
	if (s->esmtp)
		flags |= SMTP_ADDR_ALLOW_UTF8;
	if ((err = smtp_parse_mailrcpt(c->arg, c->arglen, "FROM:", flags,
	    &mr)) != SMTP_PARSE_OK) {
		reply_addr_error(s, err, "sender", "5.1.7");
		return;
	}
	if (mr.nparams > 0 && !s->esmtp) {
		reply_error(s, "555 5.5.4 Unsupported option: %s",
		    mr.params[0].keyword);
		return;
	}
	if (mail_params(s, &mr) == -1 ||
	    (mr.addr.is_utf8 && !s->smtputf8)) {
		if (mr.addr.is_utf8 && !s->smtputf8)
			reply_addr_error(s, SMTP_PARSE_UTF8, "", "");
		transaction_reset(s);
		return;
	}
	if (smtp_addr_format(&mr.addr, s->sender, sizeof(s->sender)) == -1) {
		reply_error(s, "501 5.1.7 Bad sender address syntax");
		transaction_reset(s);
		return;
	}
	if ((why = envelope_fill(s, QID_PLACEHOLDER, &m)) != NULL) {
		log_info("reject: MAIL from [%s]: 501 5.5.4 %s",
		    s->client_addr, why);
		reply_error(s, "501 5.5.4 Bad sender or parameters");
		transaction_reset(s);
		return;
	}
	s->state = S_MAIL;
	reply(s, "250 2.1.0 Ok");
}

/* RCPT parameters: NOTIFY, ORCPT.  -1 after a reply. */
static int
rcpt_params(struct session *s, const struct smtp_mailrcpt *mr,
    struct rcpt *r)
{
	size_t	i;

	for (i = 0; i < mr->nparams; i++) {
		const struct smtp_param *p = &mr->params[i];
		const char		*k = p->keyword;

		if (param_repeated(mr, i)) {
			reply_error(s, "501 5.5.4 Duplicate %s parameter", k);
			return -1;
		}
		if (strcmp(k, "NOTIFY") == 0 && p->has_value) {
			if (dsn_parse_notify(p->value, strlen(p->value),
			    &r->notify) == -1) {
				reply_error(s, "501 5.5.4 Bad NOTIFY "
				    "parameter");
				return -1;
			}
		} else if (strcmp(k, "ORCPT") == 0 && p->has_value) {
			if (dsn_parse_orcpt(p->value, strlen(p->value),
			    r->orcpt, sizeof(r->orcpt)) == -1) {
				reply_error(s, "501 5.5.4 Bad ORCPT parameter");
				return -1;
			}
		} else {
			reply_error(s, "555 5.5.4 Unsupported option: %s", k);
			return -1;
		}
	}
	return 0;
}

/*
 * Ask lookup about a recipient, with the client's address so that it can
 * apply mynetworks; -1 if lookup is down.
 */
static int
ask_lookup(struct session *s, const char *addr)
{
	struct msg_rcpt_check	m;
	struct msg_addr		plain;
	uint8_t			buf[IPC_ADDR_MAX + 96];
	struct wbuf		wb;

	wb_init(&wb, buf, sizeof(buf));
	strlcpy(m.addr, addr, sizeof(m.addr));
	strlcpy(m.client_addr, s->client_addr, sizeof(m.client_addr));
	if (ipc_check_rcpt_check(&m) != NULL) {
		/* not a numeric client ("unknown"): never inside mynetworks */
		strlcpy(plain.addr, addr, sizeof(plain.addr));
		enc_addr(&wb, &plain);
		return smtpd_request(s->sd, s, ROLE_LOOKUP, IPC_RCPT_CHECK,
		    &wb);
	}
	enc_rcpt_check(&wb, &m);
	return smtpd_request(s->sd, s, ROLE_LOOKUP, IPC_RCPT_CHECK_CLIENT,
	    &wb);
}

static void
cmd_rcpt(struct session *s, const struct smtp_cmd *c)
{
	struct smtp_mailrcpt	mr;
	struct msg_addr		m;
	struct msg_rcpt		q;
	struct rcpt		r;
	enum smtp_parse_err	err;
	const char		*why;
	int			flags = SMTP_ADDR_POSTMASTER | SMTP_PARAM_LONG;

	if (s->state == S_BDAT) {
		reply_error(s, "503 5.5.1 Error: RCPT after BDAT");
		return;
	}
	if (s->state != S_MAIL) {
		reply_error(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (c->arglen < 3 || strncasecmp(c->arg, "TO:", 3) != 0) {
		reply_error(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		return;
	}
	if (s->smtputf8)
		flags |= SMTP_ADDR_ALLOW_UTF8;
	if ((err = smtp_parse_mailrcpt(c->arg, c->arglen, "TO:", flags, &mr))
	    != SMTP_PARSE_OK || mr.addr.is_null ||
	    smtp_addr_format(&mr.addr, m.addr, sizeof(m.addr)) == -1) {
		reply_addr_error(s, err == SMTP_PARSE_OK ? SMTP_PARSE_SYNTAX :
		    err, "recipient", "5.1.3");
		return;
	}
	memset(&r, 0, sizeof(r));
	if (rcpt_params(s, &mr, &r) == -1)
		return;
	if (s->nrcpt >= (size_t)cf(s)->smtpd_recipient_limit) {
		reply_error(s, "452 4.5.3 Error: too many recipients");
		return;
	}
	strlcpy(r.addr, m.addr, sizeof(r.addr));
	if ((why = rcpt_fill(QID_PLACEHOLDER, &r, &q)) != NULL) {
		log_info("reject: RCPT from [%s]: 501 5.5.4 %s",
		    s->client_addr, why);
		reply_error(s, "501 5.5.4 Bad recipient or parameters");
		return;
	}
	if (ask_lookup(s, m.addr) == -1) {
		reply(s, "451 4.3.0 <%s>: Temporary lookup failure", m.addr);
		return;
	}
	if (s->pending == NULL && (s->pending = malloc(sizeof(r))) == NULL)
		fatal("rcpt");
	*s->pending = r;
	s->holds++;
	s->blocked = 1;
}

static void
rcpt_answer(struct session *s, uint32_t type, struct rbuf *rb)
{
	struct msg_rcpt_verdict	 v;
	const char		*a = s->pending->addr;
	struct rcpt		*nr;

	if (type != IPC_RCPT_CHECK_REPLY || dec_rcpt_verdict(rb, &v) == -1)
		v.verdict = RCPT_TEMPFAIL;
	switch (v.verdict) {
	case RCPT_OK:
		if ((nr = reallocarray(s->rcpts, s->nrcpt + 1,
		    sizeof(*nr))) == NULL)
			fatal("rcpt");
		s->rcpts = nr;
		s->rcpts[s->nrcpt++] = *s->pending;
		reply(s, "250 2.1.5 Ok");
		break;
	case RCPT_UNKNOWN_USER:
		log_info("reject: RCPT from [%s]: 550 5.1.1 <%s>: User unknown",
		    s->client_addr, a);
		reply_error(s, "550 5.1.1 <%s>: Recipient address rejected: "
		    "User unknown in local recipient table", a);
		break;
	case RCPT_RELAY_DENIED:
		log_info("reject: RCPT from [%s]: 554 5.7.1 <%s>: Relay access "
		    "denied", s->client_addr, a);
		reply_error(s, "554 5.7.1 <%s>: Relay access denied", a);
		break;
	case RCPT_RELAY_UNAVAILABLE:
		/* Relaying is allowed, but there is no relay agent yet. */
		log_info("defer: RCPT from [%s]: 451 4.4.0 <%s>: relaying is "
		    "allowed for this client, but this release has no relay "
		    "agent", s->client_addr, a);
		reply(s, "451 4.4.0 <%s>: Recipient address rejected: this "
		    "server cannot relay mail to other hosts yet", a);
		break;
	default:
		reply(s, "451 4.3.0 <%s>: Temporary lookup failure", a);
		break;
	}
	/* The pending recipient is only needed between RCPT and answer. */
	free(s->pending);
	s->pending = NULL;
}

static void
cmd_data(struct session *s, const struct smtp_cmd *c)
{
	if (s->state == S_BDAT) {
		reply_error(s, "503 5.5.1 Error: DATA after BDAT");
		return;
	}
	if (s->state != S_MAIL || s->nrcpt == 0) {
		reply_error(s, "503 5.5.1 Error: need %s command",
		    s->state == S_MAIL ? "RCPT" : "MAIL");
		return;
	}
	if (c->arglen != 0) {
		reply_error(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (no_fd_for_data(s))
		return;
	if (smtpd_request(s->sd, s, ROLE_QUEUE, IPC_MSG_CREATE, NULL) == -1) {
		reply(s, "451 4.3.0 Error: queue unavailable");
		return;
	}
	s->holds++;
	s->blocked = 1;
}

/* RFC 3848 and RFC 6531 "with" keywords. */
static const char *
received_protocol(const struct session *s)
{
	if (!s->esmtp)
		return s->tls ? "SMTPS" : "SMTP";
	if (s->smtputf8)
		return s->tls ? "UTF8SMTPS" : "UTF8SMTP";
	return s->tls ? "ESMTPS" : "ESMTP";
}

/* "\n\t(using TLSv1.3 with cipher ... (256/256 bits))", as Postfix. */
static void
received_tls(struct session *s)
{
	SSL			*ssl;
	const SSL_CIPHER	*c;
	int			 alg = 0, bits;

	if (!s->tls || (ssl = bufferevent_openssl_get_ssl(s->bev)) == NULL ||
	    (c = SSL_get_current_cipher(ssl)) == NULL)
		return;
	bits = SSL_CIPHER_get_bits(c, &alg);
	evbuffer_add_printf(s->data, "\n\t(using %s with cipher %s (%d/%d "
	    "bits))", SSL_get_version(ssl), SSL_CIPHER_get_name(c), bits, alg);
}

static void
write_received(struct session *s)
{
	char		 date[64];
	time_t		 now = time(NULL);
	struct tm	 tm;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z (%Z)", &tm);
	evbuffer_add_printf(s->data, "Received: from %s (unknown [%s])",
	    s->helo, s->client_addr);
	received_tls(s);
	evbuffer_add_printf(s->data, "\n\tby %s (%s) with %s id %s",
	    cf(s)->myhostname, cf(s)->mail_name, received_protocol(s),
	    s->qid);
	if (s->nrcpt == 1)
		evbuffer_add_printf(s->data, "\n\tfor <%s>", s->rcpts[0].addr);
	evbuffer_add_printf(s->data, "; %s\n", date);
	s->data_size = evbuffer_get_length(s->data);
}

static void
data_answer(struct session *s, uint32_t type, struct rbuf *rb, int fd)
{
	struct msg_qid	m;
	int		bdat = s->chunk_first;

	s->chunk_first = 0;
	if (type != IPC_MSG_CREATE_OK || dec_qid(rb, &m) == -1) {
		if (fd != -1)
			close(fd);
		reply(s, "451 4.3.0 Error: queue file write error");
		if (bdat) {
			transaction_reset(s);
			chunk_start(s, s->chunk_size, 0, 1);
		}
		return;
	}
	strlcpy(s->qid, m.qid, sizeof(s->qid));
	s->data_fd = fd;
	s->sd->ndata_fds++;
	s->data_line_start = 1;
	s->data_prev_crlf = 1;
	s->in_header = 1;
	s->header_bytes = s->line_bytes = 0;
	s->line_kept = s->header_cut = 0;
	log_info("%s: client=unknown[%s]", s->qid, s->client_addr);
	write_received(s);
	if (bdat) {
		s->state = S_BDAT;
		chunk_start(s, s->chunk_size, s->chunk_last, 0);
		return;
	}
	s->state = S_DATA;
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

static void
cmd_rset(struct session *s, const struct smtp_cmd *c)
{
	if (c->arglen != 0) {
		reply_error(s, "501 5.5.4 Syntax: RSET");
		return;
	}
	count_junk(s);
	transaction_reset(s);
	reply(s, "250 2.0.0 Ok");
}

static void
cmd_quit(struct session *s)
{
	reply(s, "221 2.0.0 Bye");
	close_after_output(s);
}

static void
cmd_vrfy(struct session *s, const struct smtp_cmd *c)
{
	if (c->arglen == 0) {
		reply_error(s, "501 5.5.4 Syntax: VRFY address");
		return;
	}
	count_junk(s);
	/* RFC 5321 3.5.3: 252 when we will not say who exists. */
	reply(s, "252 2.0.0 Cannot VRFY user, but will accept message and "
	    "attempt delivery");
}

static void
cmd_starttls(struct session *s, const struct smtp_cmd *c)
{
	if (s->tls) {
		reply_error(s, "554 5.5.1 Error: TLS already active");
		return;
	}
	if (!starttls_offered(s)) {
		reply_error(s, "502 5.5.1 Error: command not implemented");
		return;
	}
	if (c->arglen != 0) {
		reply_error(s, "501 5.5.4 Syntax: STARTTLS");
		return;
	}
	if (s->state > S_HELO) {
		reply_error(s, "503 5.5.1 Error: MAIL transaction in progress");
		return;
	}
	reply(s, "220 2.0.0 Ready to start TLS");
	s->starttls = 1;	/* process_command switches after this line */
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
	s->helo[0] = '\0';
	s->esmtp = 0;
	s->state = S_INIT;
}

static void
dispatch(struct session *s, const char *line, size_t len)
{
	struct smtp_cmd c;

	smtp_cmd_parse(line, len, &c);
	switch (c.verb) {
	case SMTP_HELO:
		cmd_helo(s, &c, 0);
		break;
	case SMTP_EHLO:
		cmd_helo(s, &c, 1);
		break;
	case SMTP_MAIL:
		cmd_mail(s, &c);
		break;
	case SMTP_RCPT:
		cmd_rcpt(s, &c);
		break;
	case SMTP_DATA:
		cmd_data(s, &c);
		break;
	case SMTP_RSET:
		cmd_rset(s, &c);
		break;
	case SMTP_NOOP:
		count_junk(s);
		reply(s, "250 2.0.0 Ok");
		break;
	case SMTP_QUIT:
		cmd_quit(s);
		break;
	case SMTP_VRFY:
		cmd_vrfy(s, &c);
		break;
	case SMTP_HELP:
		count_junk(s);
		reply(s, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT "
		    "RSET NOOP QUIT VRFY HELP%s", starttls_offered(s) ?
		    " STARTTLS" : "");
		break;
	case SMTP_EXPN:
		reply_error(s, "502 5.5.1 Error: EXPN is not supported");
		break;
	case SMTP_AUTH:
		reply_error(s, "503 5.5.1 Error: authentication not enabled");
		break;
	case SMTP_BDAT:
		cmd_bdat(s, &c);
		break;
	case SMTP_STARTTLS:
		cmd_starttls(s, &c);
		break;
	default:
		reply_error(s, "502 5.5.2 Error: command not recognized");
		break;
	}
}

/* ---- message data ---- */

static void
data_flush(struct session *s)
{
	size_t	len;
	ssize_t	n;

	while ((len = evbuffer_get_length(s->data)) > 0 && !s->data_failed) {
		const void *p = evbuffer_pullup(s->data, len > DATA_FLUSH ?
		    DATA_FLUSH : len);

		n = write(s->data_fd, p, len > DATA_FLUSH ? DATA_FLUSH : len);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			log_warn("%s: writing the queue file", s->qid);
			s->data_failed = errno == EFBIG ? EFBIG :
			    (errno == ENOSPC || errno == EDQUOT) ? ENOSPC :
			    EIO;
			break;
		}
		evbuffer_drain(s->data, n);
	}
	evbuffer_drain(s->data, evbuffer_get_length(s->data));
}

/*
 * header_size_limit, as Postfix: header octets beyond it are dropped
 * (logged once); the body is kept.  Returns 1 to drop this piece.  A
 * header line cut short still ends in a newline, so that the empty line
 * between header and body stays where it was.
 */
static int
header_excess(struct session *s, size_t len, int newline)
{
	size_t	line = s->line_bytes;

	s->line_bytes = newline ? 0 : line + len;
	if (!s->in_header)
		return 0;
	if (newline && len == 0 && line == 0) {
		s->in_header = 0;	/* the empty line ends the header */
		return 0;
	}
	s->header_bytes += len + (newline ? 1 : 0);
	if (s->header_bytes <= (size_t)cf(s)->header_size_limit) {
		s->line_kept = newline ? 0 : 1;
		return 0;
	}
	if (!s->header_cut) {
		s->header_cut = 1;
		log_info("%s: header_size_limit %ld exceeded: dropping the "
		    "rest of the header", s->qid, cf(s)->header_size_limit);
	}
	if (newline && s->line_kept) {
		s->line_kept = 0;
		evbuffer_add(s->data, "\n", 1);
		s->data_size++;
	}
	return 1;
}

static void
data_store(struct session *s, const char *p, size_t len, int newline)
{
	if (s->data_too_big || s->data_failed || s->data_bare != EOL_NONE)
		return;
	if (header_excess(s, len, newline))
		return;
	s->data_size += len + (newline ? 1 : 0);
	if (s->data_size > (uint64_t)cf(s)->message_size_limit) {
		s->data_too_big = 1;
		return;
	}
	evbuffer_add(s->data, p, len);
	if (newline)
		evbuffer_add(s->data, "\n", 1);
	if (evbuffer_get_length(s->data) >= DATA_FLUSH)
		data_flush(s);
}

static void
data_end(struct session *s)
{
	uint8_t			 buf[2 * IPC_ADDR_MAX + 700];
	struct wbuf		 wb;
	struct msg_rcpt		 r;
	struct msg_commit	 m;
	const char		*why;
	size_t			 i;

	data_flush(s);
	data_fd_close(s);
	if (s->data_bare != EOL_NONE) {
		/* Postfix's smtpd_forbid_bare_newline = reject. */
		log_info("%s: reject: bare <%s> received from [%s]", s->qid,
		    s->data_bare == EOL_LF ? "LF" : "CR", s->client_addr);
		reply(s, "550 5.5.2 Error: bare <%s> received",
		    s->data_bare == EOL_LF ? "LF" : "CR");
		transaction_reset(s);
		close_after_output(s);
		return;
	}
	if (s->data_too_big || s->data_failed) {
		if (s->data_too_big || s->data_failed == EFBIG)
			reply(s, "552 5.3.4 Error: message file too big");
		else if (s->data_failed == ENOSPC)	/* RFC 3463 */
			reply(s, "452 4.3.1 Insufficient system storage");
		else
			reply(s, "451 4.3.0 Error: queue file write error");
		transaction_reset(s);
		return;
	}
	/* Checked at MAIL and RCPT: a failure here is a bug, not a client. */
	why = envelope_fill(s, s->qid, &m);
	for (i = 0; i < s->nrcpt && why == NULL; i++)
		why = rcpt_fill(s->qid, &s->rcpts[i], &r);
	if (why != NULL) {
		log_warnx("%s: envelope refused: %s", s->qid, why);
		reply(s, "554 5.3.0 Error: transaction failed");
		transaction_reset(s);
		return;
	}
	for (i = 0; i < s->nrcpt; i++) {
		(void)rcpt_fill(s->qid, &s->rcpts[i], &r);
		wb_init(&wb, buf, sizeof(buf));
		enc_rcpt(&wb, &r);
		if (smtpd_request(s->sd, s, ROLE_QUEUE, IPC_MSG_RCPT, &wb) == 0)
			s->holds++;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_commit(&wb, &m);
	if (smtpd_request(s->sd, s, ROLE_QUEUE, IPC_MSG_COMMIT, &wb) == -1) {
		reply(s, "451 4.3.0 Error: queue unavailable");
		transaction_reset(s);
		return;
	}
	s->holds++;
	s->blocked = 1;
	s->state = S_COMMIT;
}

static void
commit_answer(struct session *s, uint32_t type, struct rbuf *rb)
{
	struct msg_qid	 ok;
	struct msg_error e;

	if (type == IPC_MSG_COMMIT_OK && dec_qid(rb, &ok) == 0 &&
	    strcmp(ok.qid, s->qid) == 0 && !s->commit_failed) {
		reply(s, "250 2.0.0 Ok: queued as %s", s->qid);
	} else if (type == IPC_ERROR && dec_error(rb, &e) == 0 &&
	    strcmp(e.dsn, "4.3.1") == 0)
		reply(s, "452 4.3.1 Insufficient system storage");
	else
		reply(s, "451 4.3.0 Error: queue file write error");
	s->qid[0] = '\0';
	transaction_reset(s);
}

/*
 * One piece of message data and how it ended.  Only <CRLF>.<CRLF> ends
 * the message.  A bare <LF> or <CR> is a line end with
 * smtpd_forbid_bare_newline = normalize; with reject it dooms the
 * message, and then any lone dot ends it so the client hears the 550.
 */
static void
data_piece(struct session *s, const char *p, size_t len, enum eol eol)
{
	int	at_start = s->data_line_start;

	if (at_start && len == 1 && p[0] == '.' &&
	    ((eol == EOL_CRLF && s->data_prev_crlf) ||
	    (eol != EOL_NONE && s->data_bare != EOL_NONE))) {
		data_end(s);
		return;
	}
	if ((eol == EOL_LF || eol == EOL_CR) && !normalize_bare_newline(s) &&
	    s->data_bare == EOL_NONE)
		s->data_bare = eol;
	/* RFC 5321 4.5.2: remove the transparency dot. */
	if (at_start && len > 0 && p[0] == '.') {
		p++;
		len--;
	}
	s->data_line_start = eol != EOL_NONE;
	if (eol != EOL_NONE)
		s->data_prev_crlf = eol == EOL_CRLF;
	data_store(s, p, len, eol != EOL_NONE);
}

/* Message data up to the next line end; returns 0 when input ran out. */
static int
process_data(struct session *s)
{
	struct evbuffer	*in = bufferevent_get_input(s->bev);
	size_t		 len = evbuffer_get_length(in), n, i;
	const char	*p;
	enum eol	 eol;
	size_t		 used;

	if (len == 0)
		return 0;
	n = len < DATA_CHUNK_MAX + 2 ? len : DATA_CHUNK_MAX + 2;
	p = (const char *)evbuffer_pullup(in, n);
	for (i = 0; i < n && p[i] != '\r' && p[i] != '\n'; i++)
		;
	if (i >= DATA_CHUNK_MAX) {
		/* A very long line: pass it on in pieces. */
		data_piece(s, p, DATA_CHUNK_MAX, EOL_NONE);
		evbuffer_drain(in, DATA_CHUNK_MAX);
		return 1;
	}
	if (i == n)
		return 0;
	if (p[i] == '\n') {
		eol = EOL_LF;
		used = i + 1;
	} else if (i + 1 == n)
		return 0;	/* a CR; is an LF next? */
	else if (p[i + 1] == '\n') {
		eol = EOL_CRLF;
		used = i + 2;
	} else {
		eol = EOL_CR;
		used = i + 1;
	}
	data_piece(s, p, i, eol);
	evbuffer_drain(in, used);
	if (!s->blocked && !s->closing)
		deadline_restart(s);
	return 1;
}

/* ---- BDAT (RFC 3030) ---- */

/* "BDAT" SP chunk-size [SP "LAST"]; -1 if malformed. */
static int
parse_bdat(const struct smtp_cmd *c, uint64_t *size, int *last)
{
	size_t		i = 0;
	uint64_t	n = 0;

	while (i < c->arglen && c->arg[i] >= '0' && c->arg[i] <= '9') {
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (c->arg[i++] - '0');
	}
	if (i == 0)
		return -1;
	*size = n;
	*last = 0;
	if (i == c->arglen)
		return 0;
	if (c->arg[i] != ' ' || c->arglen - i - 1 != 4 ||
	    strncasecmp(c->arg + i + 1, "LAST", 4) != 0)
		return -1;
	*last = 1;
	return 0;
}

/*
 * Read the next size octets as message content, or skip them after an
 * error reply: whatever we answered, the chunk's octets are data, never
 * commands.
 */
static void chunk_done(struct session *);

static void
chunk_start(struct session *s, uint64_t size, int last, int skip)
{
	s->chunk_left = size;
	s->chunk_last = last;
	s->chunk_skip = skip;
	s->chunk_size = 0;
	s->chunk_progress = 0;
	if (size > 0)
		return;
	s->chunk_skip = 0;
	if (!skip)
		chunk_done(s);
}

static void
cmd_bdat(struct session *s, const struct smtp_cmd *c)
{
	uint64_t	size;
	int		last;

	if (parse_bdat(c, &size, &last) == -1) {
		reply_error(s, "501 5.5.4 Syntax: BDAT count [LAST]");
		return;
	}
	if (s->state != S_MAIL && s->state != S_BDAT) {
		reply_error(s, "503 5.5.1 Error: need %s command",
		    s->state == S_INIT ? "HELO/EHLO" : "MAIL");
		chunk_start(s, size, 0, 1);
		return;
	}
	if (s->nrcpt == 0) {
		reply_error(s, "554 5.5.1 Error: no valid recipients");
		transaction_reset(s);
		chunk_start(s, size, 0, 1);
		return;
	}
	if (s->state == S_BDAT) {
		chunk_start(s, size, last, 0);
		return;
	}
	/* The first chunk: ask queue for a file, then read. */
	if (no_fd_for_data(s)) {
		transaction_reset(s);
		chunk_start(s, size, 0, 1);
		return;
	}
	if (smtpd_request(s->sd, s, ROLE_QUEUE, IPC_MSG_CREATE, NULL) == -1) {
		reply(s, "451 4.3.0 Error: queue unavailable");
		transaction_reset(s);
		chunk_start(s, size, 0, 1);
		return;
	}
	s->chunk_octets = 0;
	s->chunk_first = 1;
	s->chunk_size = size;
	s->chunk_last = last;
	s->holds++;
	s->blocked = 1;
}

/*
 * Chunk content: <CRLF> is stored as <LF>.  A bare <LF> or <CR> is a
 * line end with smtpd_forbid_bare_newline = normalize and dooms the
 * message with reject, as in DATA.  There is no dot-stuffing.
 */
static void
chunk_bare(struct session *s, enum eol eol)
{
	if (normalize_bare_newline(s))
		data_store(s, "", 0, 1);
	else if (s->data_bare == EOL_NONE)
		s->data_bare = eol;
}

static void
chunk_content(struct session *s, const char *p, size_t len)
{
	size_t	i, start = 0;

	for (i = 0; i < len; i++) {
		if (s->chunk_cr) {
			s->chunk_cr = 0;
			if (p[i] == '\n') {
				data_store(s, "", 0, 1);
				start = i + 1;
				continue;
			}
			chunk_bare(s, EOL_CR);
		}
		if (p[i] != '\r' && p[i] != '\n')
			continue;
		data_store(s, p + start, i - start, 0);
		start = i + 1;
		if (p[i] == '\r')
			s->chunk_cr = 1;
		else
			chunk_bare(s, EOL_LF);
	}
	data_store(s, p + start, len - start, 0);
}

static void
chunk_done(struct session *s)
{
	if (s->chunk_skip) {
		s->chunk_skip = 0;
		return;
	}
	if (s->state != S_BDAT)
		return;
	if (s->chunk_last) {
		if (s->chunk_cr) {
			s->chunk_cr = 0;
			chunk_bare(s, EOL_CR);
		}
		data_end(s);
		return;
	}
	if (s->data_too_big || s->data_failed) {
		/* RFC 3030 4.2: the error ends the transaction now. */
		if (s->data_too_big || s->data_failed == EFBIG)
			reply_error(s, "552 5.3.4 Error: message file too big");
		else
			reply(s, "451 4.3.0 Error: queue file write error");
		transaction_reset(s);
		return;
	}
	reply(s, "250 2.0.0 Ok: %llu octets received",
	    (unsigned long long)s->chunk_octets);
}

/* Octets of the current chunk; returns 0 when input ran out. */
static int
process_chunk(struct session *s)
{
	struct evbuffer	*in = bufferevent_get_input(s->bev);
	size_t		 len = evbuffer_get_length(in);
	const char	*p;

	if (len == 0)
		return 0;
	if ((uint64_t)len > s->chunk_left)
		len = s->chunk_left;
	if (len > DATA_CHUNK_MAX)
		len = DATA_CHUNK_MAX;
	if (!s->chunk_skip && s->state == S_BDAT) {
		p = (const char *)evbuffer_pullup(in, len);
		chunk_content(s, p, len);
		s->chunk_octets += len;
	}
	evbuffer_drain(in, len);
	s->chunk_left -= len;
	if ((s->chunk_progress += len) >= DATA_CHUNK_MAX ||
	    s->chunk_left == 0) {
		s->chunk_progress = 0;
		deadline_restart(s);
	}
	if (s->chunk_left == 0)
		chunk_done(s);
	return 1;
}

/* A command line ended in a bare <LF> and the policy is reject. */
static void
reject_bare_lf_command(struct session *s)
{
	log_info("reject: bare <LF> received from [%s]", s->client_addr);
	reply(s, "550 5.5.2 Error: bare <LF> received");
	close_after_output(s);
}

/* MAIL and RCPT may be longer than other commands (smtp_parse.h). */
static size_t
line_max(const char *line, size_t len)
{
	if (len > 5 && (strncasecmp(line, "MAIL ", 5) == 0 ||
	    strncasecmp(line, "RCPT ", 5) == 0))
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
			if (!s->skip_line)
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
    struct rbuf *rb, int fd)
{
	if (s->closed) {
		if (fd != -1)
			close(fd);
		session_unhold(s);
		return;
	}
	switch (req) {
	case IPC_RCPT_CHECK:
	case IPC_RCPT_CHECK_CLIENT:
		s->blocked = 0;
		rcpt_answer(s, type, rb);
		break;
	case IPC_MSG_CREATE:
		s->blocked = 0;
		data_answer(s, type, rb, fd);
		fd = -1;
		break;
	case IPC_MSG_RCPT:
		if (type != IPC_OK)
			s->commit_failed = 1;
		break;
	case IPC_MSG_COMMIT:
		s->blocked = 0;
		commit_answer(s, type, rb);
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
