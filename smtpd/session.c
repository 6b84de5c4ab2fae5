/*
 * session.c: one SMTP session, RFC 5321.
 *
 * Input is processed one command at a time.  A command that needs another
 * compartment (RCPT asks lookup, DATA asks queue for a file, end of data
 * asks queue to commit) sends its request and stops the session until the
 * answer comes: pipelined commands wait in the input buffer, in order.
 *
 * Handlers:
 *   on_read, on_event		the connection
 *   session_reply		answers from lookup and queue
 *   cmd_helo ... cmd_quit	one per command
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "lib/log.h"
#include "smtpd/smtp_parse.h"
#include "smtpd/smtpd.h"

#define HARD_ERROR_LIMIT	20
#define DATA_FLUSH		65536
#define DATA_CHUNK_MAX		65536	/* a body "line" longer is split */

enum state {
	S_INIT,		/* greeted, no HELO yet */
	S_HELO,		/* ready for MAIL */
	S_MAIL,		/* MAIL given, collecting RCPT */
	S_DATA,		/* receiving the message */
	S_COMMIT	/* end of data seen, waiting for queue */
};

struct session {
	struct smtpd		*sd;
	struct bufferevent	*bev;
	enum state		 state;
	int			 holds;		/* outstanding requests */
	int			 blocked;	/* waiting on an answer */
	int			 closing;	/* close once output is out */
	int			 closed;	/* connection gone */
	int			 errors;
	int			 esmtp;
	int			 skip_line;	/* discarding an overlong line */
	char			 client_addr[64];
	char			 helo[256];
	char			 sender[IPC_ADDR_MAX];
	char			 pending_rcpt[IPC_ADDR_MAX];
	char			 (*rcpts)[IPC_ADDR_MAX];
	size_t			 nrcpt;
	char			 qid[IPC_QID_MAX];
	int			 data_fd;
	struct evbuffer		*data;		/* body waiting to be written */
	uint64_t		 data_size;	/* bytes written + buffered */
	int			 data_line_start;
	int			 data_too_big;
	int			 data_failed;
	int			 commit_failed;
};

static void process_input(struct session *);

/* ---- output ---- */

static void
reply(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply(struct session *s, const char *fmt, ...)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);
	va_list		 ap;

	if (s->closed)
		return;
	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\r\n", 2);
}

/* A 4xx/5xx for a bad command counts towards the hard error limit. */
static void
reply_error(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply_error(struct session *s, const char *fmt, ...)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);
	va_list		 ap;

	if (s->closed)
		return;
	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\r\n", 2);
	if (++s->errors >= HARD_ERROR_LIMIT) {
		reply(s, "421 4.7.0 %s Error: too many errors",
		    s->sd->we.cf.myhostname);
		log_info("too many errors from [%s]", s->client_addr);
		s->closing = 1;
	}
}

/* ---- life cycle ---- */

static void
transaction_reset(struct session *s)
{
	uint8_t		buf[64];
	struct wbuf	wb;
	struct msg_qid	m;

	if (s->data_fd != -1) {
		close(s->data_fd);
		s->data_fd = -1;
	}
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
	s->qid[0] = '\0';
	evbuffer_drain(s->data, evbuffer_get_length(s->data));
	s->data_size = 0;
	s->data_too_big = s->data_failed = s->commit_failed = 0;
	if (s->state > S_HELO)
		s->state = S_HELO;
}

static void
session_free(struct session *s)
{
	s->sd->nsessions--;
	evbuffer_free(s->data);
	free(s->rcpts);
	free(s);
}

static void
session_close(struct session *s)
{
	if (s->closed)
		return;
	log_info("disconnect from [%s]", s->client_addr);
	transaction_reset(s);
	s->closed = 1;
	bufferevent_free(s->bev);
	s->bev = NULL;
	if (s->holds == 0)
		session_free(s);
}

void
session_unhold(struct session *s)
{
	if (--s->holds == 0 && s->closed)
		session_free(s);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;

	if (s->closing)
		session_close(s);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;

	if (what & BEV_EVENT_TIMEOUT) {
		log_info("timeout after %s from [%s]",
		    s->state == S_DATA ? "DATA" : "command", s->client_addr);
		reply(s, "421 4.4.2 %s Error: timeout exceeded",
		    s->sd->we.cf.myhostname);
		s->closing = 1;
		bufferevent_disable(bev, EV_READ);
		bufferevent_enable(bev, EV_WRITE);
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			session_close(s);
		return;
	}
	session_close(s);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	process_input(arg);
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

void
session_accept(struct smtpd *sd, int fd, const struct sockaddr *sa,
    socklen_t salen)
{
	struct session	*s;
	struct timeval	 tv = { sd->we.cf.smtpd_timeout, 0 };

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->data = evbuffer_new()) == NULL)
		fatal("session_accept");
	s->sd = sd;
	s->data_fd = -1;
	format_peer(sa, s->client_addr, sizeof(s->client_addr));
	s->bev = bufferevent_socket_new(sd->we.base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL)
		fatalx("bufferevent_socket_new");
	sd->nsessions++;
	bufferevent_setcb(s->bev, on_read, on_write, on_event, s);
	bufferevent_set_timeouts(s->bev, &tv, &tv);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	log_info("connect from unknown[%s]", s->client_addr);
	if (sd->nsessions > SMTPD_SESSION_MAX) {
		reply(s, "421 4.7.0 %s Error: too many connections",
		    sd->we.cf.myhostname);
		s->closing = 1;
		return;
	}
	reply(s, "220 %s", sd->we.cf.smtpd_banner);
}

/* ---- commands ---- */

static void
cmd_helo(struct session *s, const struct smtp_cmd *c, int esmtp)
{
	const struct bh_config *cf = &s->sd->we.cf;

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
		reply(s, "250 %s", cf->myhostname);
		return;
	}
	reply(s, "250-%s", cf->myhostname);
	reply(s, "250-PIPELINING");
	reply(s, "250-SIZE %lld", cf->message_size_limit);
	reply(s, "250-ENHANCEDSTATUSCODES");
	reply(s, "250 8BITMIME");
}

/* MAIL parameters this slice understands: SIZE and BODY. */
static int
check_mail_params(struct session *s, const struct smtp_mailrcpt *mr)
{
	size_t	 i;
	char	*end;

	for (i = 0; i < mr->nparams; i++) {
		const struct smtp_param *p = &mr->params[i];

		if (strcmp(p->keyword, "SIZE") == 0 && p->has_value) {
			unsigned long long v;

			errno = 0;
			v = strtoull(p->value, &end, 10);
			if (*end != '\0' || !isdigit((unsigned char)p->value[0])) {
				reply_error(s, "501 5.5.4 Bad SIZE syntax");
				return -1;
			}
			if (errno == ERANGE ||
			    v > (unsigned long long)s->sd->we.cf.message_size_limit) {
				reply_error(s, "552 5.3.4 Message size exceeds "
				    "fixed limit");
				return -1;
			}
		} else if (strcmp(p->keyword, "BODY") == 0 && p->has_value &&
		    (strcasecmp(p->value, "7BIT") == 0 ||
		    strcasecmp(p->value, "8BITMIME") == 0)) {
			continue;
		} else {
			reply_error(s, "555 5.5.4 Unsupported option: %s",
			    p->keyword);
			return -1;
		}
	}
	return 0;
}

static void
cmd_mail(struct session *s, const struct smtp_cmd *c)
{
	struct smtp_mailrcpt	mr;

	if (s->state == S_INIT) {
		reply_error(s, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (s->state != S_HELO) {
		reply_error(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (smtp_parse_mailrcpt(c->arg, c->arglen, "FROM:",
	    SMTP_ADDR_ALLOW_NULL, &mr) != SMTP_PARSE_OK) {
		reply_error(s, "501 5.1.7 Bad sender address syntax");
		return;
	}
	if (mr.nparams > 0 && !s->esmtp) {
		reply_error(s, "555 5.5.4 Unsupported option: %s",
		    mr.params[0].keyword);
		return;
	}
	if (check_mail_params(s, &mr) == -1)
		return;
	if (smtp_addr_format(&mr.addr, s->sender, sizeof(s->sender)) == -1) {
		reply_error(s, "501 5.1.7 Bad sender address syntax");
		return;
	}
	s->state = S_MAIL;
	reply(s, "250 2.1.0 Ok");
}

static void
cmd_rcpt(struct session *s, const struct smtp_cmd *c)
{
	struct smtp_mailrcpt	mr;
	struct msg_addr		m;
	uint8_t			buf[IPC_ADDR_MAX + 8];
	struct wbuf		wb;

	if (s->state != S_MAIL) {
		reply_error(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (smtp_parse_mailrcpt(c->arg, c->arglen, "TO:",
	    SMTP_ADDR_POSTMASTER, &mr) != SMTP_PARSE_OK ||
	    smtp_addr_format(&mr.addr, m.addr, sizeof(m.addr)) == -1) {
		reply_error(s, "501 5.1.3 Bad recipient address syntax");
		return;
	}
	if (mr.nparams > 0) {
		reply_error(s, "555 5.5.4 Unsupported option: %s",
		    mr.params[0].keyword);
		return;
	}
	if (s->nrcpt >= (size_t)s->sd->we.cf.smtpd_recipient_limit) {
		reply_error(s, "452 4.5.3 Error: too many recipients");
		return;
	}
	strlcpy(s->pending_rcpt, m.addr, sizeof(s->pending_rcpt));
	wb_init(&wb, buf, sizeof(buf));
	enc_addr(&wb, &m);
	if (smtpd_request(s->sd, s, ROLE_LOOKUP, IPC_RCPT_CHECK, &wb) == -1) {
		reply(s, "451 4.3.0 <%s>: Temporary lookup failure", m.addr);
		return;
	}
	s->holds++;
	s->blocked = 1;
}

static void
rcpt_answer(struct session *s, uint32_t type, struct rbuf *rb)
{
	struct msg_rcpt_verdict	 v;
	const char		*a = s->pending_rcpt;
	char			(*nr)[IPC_ADDR_MAX];

	if (type != IPC_RCPT_CHECK_REPLY || dec_rcpt_verdict(rb, &v) == -1)
		v.verdict = RCPT_TEMPFAIL;
	switch (v.verdict) {
	case RCPT_OK:
		if ((nr = reallocarray(s->rcpts, s->nrcpt + 1,
		    sizeof(*nr))) == NULL)
			fatal("rcpt");
		s->rcpts = nr;
		strlcpy(s->rcpts[s->nrcpt++], a, IPC_ADDR_MAX);
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
	default:
		reply(s, "451 4.3.0 <%s>: Temporary lookup failure", a);
		break;
	}
}

static void
cmd_data(struct session *s, const struct smtp_cmd *c)
{
	if (s->state != S_MAIL || s->nrcpt == 0) {
		reply_error(s, "503 5.5.1 Error: need %s command",
		    s->state == S_MAIL ? "RCPT" : "MAIL");
		return;
	}
	if (c->arglen != 0) {
		reply_error(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (smtpd_request(s->sd, s, ROLE_QUEUE, IPC_MSG_CREATE, NULL) == -1) {
		reply(s, "451 4.3.0 Error: queue unavailable");
		return;
	}
	s->holds++;
	s->blocked = 1;
}

static void
write_received(struct session *s)
{
	const struct bh_config	*cf = &s->sd->we.cf;
	char			 date[64];
	time_t			 now = time(NULL);
	struct tm		 tm;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z (%Z)", &tm);
	evbuffer_add_printf(s->data, "Received: from %s (unknown [%s])\n"
	    "\tby %s (%s) with %s id %s", s->helo, s->client_addr,
	    cf->myhostname, cf->mail_name, s->esmtp ? "ESMTP" : "SMTP",
	    s->qid);
	if (s->nrcpt == 1)
		evbuffer_add_printf(s->data, "\n\tfor <%s>", s->rcpts[0]);
	evbuffer_add_printf(s->data, "; %s\n", date);
	s->data_size = evbuffer_get_length(s->data);
}

static void
data_answer(struct session *s, uint32_t type, struct rbuf *rb, int fd)
{
	struct msg_qid m;

	if (type != IPC_MSG_CREATE_OK || dec_qid(rb, &m) == -1) {
		if (fd != -1)
			close(fd);
		reply(s, "451 4.3.0 Error: queue file write error");
		return;
	}
	strlcpy(s->qid, m.qid, sizeof(s->qid));
	s->data_fd = fd;
	s->state = S_DATA;
	s->data_line_start = 1;
	log_info("%s: client=unknown[%s]", s->qid, s->client_addr);
	write_received(s);
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

static void
cmd_rset(struct session *s)
{
	transaction_reset(s);
	reply(s, "250 2.0.0 Ok");
}

static void
cmd_quit(struct session *s)
{
	reply(s, "221 2.0.0 Bye");
	s->closing = 1;
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
		cmd_rset(s);
		break;
	case SMTP_NOOP:
		reply(s, "250 2.0.0 Ok");
		break;
	case SMTP_QUIT:
		cmd_quit(s);
		break;
	case SMTP_VRFY:
		reply(s, "252 2.0.0 Cannot VRFY user, but will accept "
		    "message and attempt delivery");
		break;
	case SMTP_HELP:
		reply(s, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET "
		    "NOOP QUIT VRFY");
		break;
	case SMTP_EXPN:
	case SMTP_STARTTLS:
	case SMTP_BDAT:
	case SMTP_AUTH:
		reply_error(s, "502 5.5.1 Error: command not implemented");
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

/* Append one body line (without its end) in LF form. */
static void
data_line(struct session *s, const char *p, size_t len, int complete)
{
	/* RFC 5321 4.5.2: remove the transparency dot. */
	if (s->data_line_start && len > 0 && p[0] == '.') {
		p++;
		len--;
	}
	s->data_line_start = complete;
	if (s->data_too_big || s->data_failed)
		return;
	s->data_size += len + (complete ? 1 : 0);
	if (s->data_size > (uint64_t)s->sd->we.cf.message_size_limit) {
		s->data_too_big = 1;
		return;
	}
	evbuffer_add(s->data, p, len);
	if (complete)
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
	size_t			 i;

	data_flush(s);
	close(s->data_fd);
	s->data_fd = -1;
	if (s->data_too_big || s->data_failed) {
		if (s->data_too_big || s->data_failed == EFBIG)
			reply(s, "552 5.3.4 Error: message file too big");
		else if (s->data_failed == ENOSPC)	/* RFC 3463 */
			reply(s, "452 4.3.1 Insufficient system storage");
		else
			reply(s, "451 4.3.0 Error: queue file write error");
		s->state = S_HELO;
		transaction_reset(s);
		return;
	}
	memset(&m, 0, sizeof(m));
	strlcpy(m.qid, s->qid, sizeof(m.qid));
	m.size = s->data_size;
	strlcpy(m.sender, s->sender, sizeof(m.sender));
	strlcpy(m.helo, s->helo, sizeof(m.helo));
	strlcpy(m.client_addr, s->client_addr, sizeof(m.client_addr));
	strlcpy(m.client_name, "unknown", sizeof(m.client_name));
	memset(&r, 0, sizeof(r));
	strlcpy(r.qid, s->qid, sizeof(r.qid));
	for (i = 0; i < s->nrcpt; i++) {
		strlcpy(r.addr, s->rcpts[i], sizeof(r.addr));
		wb_init(&wb, buf, sizeof(buf));
		enc_rcpt(&wb, &r);
		if (smtpd_request(s->sd, s, ROLE_QUEUE, IPC_MSG_RCPT, &wb) == 0)
			s->holds++;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_commit(&wb, &m);
	if (smtpd_request(s->sd, s, ROLE_QUEUE, IPC_MSG_COMMIT, &wb) == -1) {
		reply(s, "451 4.3.0 Error: queue unavailable");
		s->state = S_HELO;
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
	s->state = S_HELO;
	transaction_reset(s);
}

/* Body lines until the lone dot; returns 0 when input ran out. */
static int
process_data(struct session *s)
{
	struct evbuffer		*in = bufferevent_get_input(s->bev);
	struct evbuffer_ptr	 eol;
	size_t			 eol_len, len;
	char			*line;

	eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
	if (eol.pos == -1) {
		len = evbuffer_get_length(in);
		if (len < DATA_CHUNK_MAX)
			return 0;
		/* A very long line: pass it on in pieces. */
		line = (char *)evbuffer_pullup(in, DATA_CHUNK_MAX);
		data_line(s, line, DATA_CHUNK_MAX, 0);
		evbuffer_drain(in, DATA_CHUNK_MAX);
		return 1;
	}
	len = eol.pos;
	line = (char *)evbuffer_pullup(in, len + eol_len);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (s->data_line_start && len == 1 && line[0] == '.') {
		evbuffer_drain(in, eol.pos + eol_len);
		data_end(s);
		return 1;
	}
	data_line(s, line, len, 1);
	evbuffer_drain(in, eol.pos + eol_len);
	return 1;
}

/* One command line; returns 0 when input ran out. */
static int
process_command(struct session *s)
{
	struct evbuffer		*in = bufferevent_get_input(s->bev);
	struct evbuffer_ptr	 eol;
	size_t			 eol_len, len;
	char			*line;

	eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_CRLF);
	if (eol.pos == -1) {
		if ((len = evbuffer_get_length(in)) > SMTP_LINE_MAX * 4) {
			evbuffer_drain(in, len);
			if (!s->skip_line)
				reply_error(s, "500 5.5.2 Error: line too long");
			s->skip_line = 1;
		}
		return 0;
	}
	len = eol.pos;
	line = (char *)evbuffer_pullup(in, len + eol_len);
	if (s->skip_line) {
		s->skip_line = 0;
	} else if (len + 2 > SMTP_LINE_MAX)
		reply_error(s, "500 5.5.2 Error: line too long");
	else
		dispatch(s, line, len);
	evbuffer_drain(in, eol.pos + eol_len);
	return 1;
}

static void
process_input(struct session *s)
{
	while (!s->closed && !s->closing && !s->blocked) {
		if (s->state == S_DATA ? !process_data(s) :
		    !process_command(s))
			break;
	}
	if (s->closing && !s->closed) {
		bufferevent_disable(s->bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
			session_close(s);
	}
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
	session_unhold(s);
	if (!s->closed && !s->blocked)
		process_input(s);
}
