/*
 * session_data.c: the message content of one SMTP session.
 *
 * DATA asks queue for a file (data_answer), writes the Received header,
 * then stores the content as it arrives: dot-transparency, bare <CR> and
 * <LF> (smtpd_forbid_bare_newline), header_size_limit and
 * message_size_limit.  BDAT (RFC 3030) reads counted chunks into the same
 * store.  The header's Received: fields are counted as they arrive
 * (hopcount_limit): a message that reaches the limit is refused at the
 * end, as Postfix's cleanup refuses it.  At the end the envelope goes to
 * queue and commit_answer gives the client its reply.
 *
 * Handlers:
 *   cmd_data, cmd_bdat			the two commands
 *   data_answer, commit_answer		queue's answers
 *   process_data, process_chunk	input while content is expected
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
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

#include "lib/hopcount.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "smtpd/dsn_param.h"
#include "smtpd/smtp_parse.h"
#include "smtpd/smtpd.h"
#include "smtpd/tls.h"
#include "smtpd/session_int.h"

void
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

static void chunk_start(struct session *, uint64_t, int, int);

/* RFC 3848 and RFC 6531 "with" keywords. */
static const char *
received_protocol(const struct session *s)
{
	static const char *const with[2][2][2] = {	/* utf8, tls, auth */
		{ { "ESMTP", "ESMTPA" }, { "ESMTPS", "ESMTPSA" } },
		{ { "UTF8SMTP", "UTF8SMTPA" }, { "UTF8SMTPS", "UTF8SMTPSA" } }
	};

	if (!s->esmtp)
		return s->tls ? "SMTPS" : "SMTP";
	return with[s->smtputf8 != 0][s->tls != 0][s->sasl_user != NULL];
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

void
data_answer(struct session *s, uint32_t type, const union ipc_msg *msg,
    int fd)
{
	char	sasl_log[IPC_AUTH_NAME_MAX + 64];
	int	bdat = s->chunk_first;

	s->chunk_first = 0;
	if (type != IPC_MSG_CREATE_OK) {
		if (fd != -1)
			close(fd);
		reply(s, "451 4.3.0 Error: queue file write error");
		if (bdat) {
			transaction_reset(s);
			chunk_start(s, s->chunk_size, 0, 1);
		}
		return;
	}
	STRLCPY_ARRAY(s->qid, msg->qid.qid);
	s->data_fd = fd;
	s->sd->ndata_fds++;
	s->data_line_start = 1;
	s->data_prev_crlf = 1;
	s->in_header = 1;
	s->header_bytes = s->line_bytes = 0;
	s->line_kept = s->header_cut = 0;
	s->hops = 1;		/* the Received: field written below */
	s->hops_done = 0;
	s->hop_len = 0;
	log_info("%s: client=unknown[%s]%s", s->qid, s->client_addr,
	    auth_log_suffix(s, sasl_log, sizeof(sasl_log)));
	write_received(s);
	if (bdat) {
		s->state = S_BDAT;
		chunk_start(s, s->chunk_size, s->chunk_last, 0);
		return;
	}
	s->state = S_DATA;
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
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

/*
 * hopcount_limit: the start of each header line (up to its colon, as
 * far as hop_line holds) is kept until the line ends, then judged; a
 * line longer than hop_line is judged by what it holds.
 */
static void
hop_track(struct session *s, const char *p, size_t len, int newline)
{
	size_t	room = sizeof(s->hop_line) - s->hop_len;
	int	cut = len > room;

	if (s->hops_done)
		return;
	if (cut)
		len = room;
	memcpy(s->hop_line + s->hop_len, p, len);
	s->hop_len += len;
	if (!newline)
		return;
	cut |= s->hop_len == sizeof(s->hop_line);
	switch (cut ? hop_prefix_kind(s->hop_line, s->hop_len) :
	    hop_line_kind(s->hop_line, s->hop_len)) {
	case HOP_RECEIVED:
		s->hops++;
		break;
	case HOP_END:
		s->hops_done = 1;
		break;
	default:
		break;
	}
	s->hop_len = 0;
}

static void
data_store(struct session *s, const char *p, size_t len, int newline)
{
	if (s->data_too_big || s->data_failed || s->data_bare != EOL_NONE)
		return;
	if (s->in_header)
		hop_track(s, p, len, newline);
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

#ifdef BH_TEST_HOOKS
/*
 * Test builds only: a sender named tamper-after-commit@... plays a
 * compromised smtpd that keeps its content fd past the commit and, once
 * the client has its 250, writes through it again (write(2): what
 * smtpd's seccomp filter allows), where queue keeps the envelope.
 */
#define TAMPER_SENDER	"tamper-after-commit@"

static void
hook_keep_fd(struct session *s)
{
	if (strncmp(s->sender, TAMPER_SENDER, strlen(TAMPER_SENDER)) == 0 &&
	    s->data_fd != -1)
		s->hook_fd = fcntl(s->data_fd, F_DUPFD_CLOEXEC, 0);
}

static void
hook_tamper(struct session *s)
{
	char	junk[512];
	ssize_t	n;

	if (s->hook_fd <= 0)
		return;
	memset(junk, 'T', sizeof(junk));
	n = write(s->hook_fd, junk, sizeof(junk));
	log_info("%s: test hook: write after commit %s", s->qid,
	    n > 0 ? "succeeded" : strerror(errno));
	close(s->hook_fd);
	s->hook_fd = 0;
}
#endif

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
#ifdef BH_TEST_HOOKS
	hook_keep_fd(s);
#endif
	data_fd_close(s);
	if (s->data_bare != EOL_NONE) {
		/* Postfix's smtpd_forbid_bare_newline = reject. */
		log_reject(s, s->qid, "END-OF-MESSAGE", NULL,
		    s->data_bare == EOL_LF ? "550 5.5.2 Error: bare <LF> "
		    "received" : "550 5.5.2 Error: bare <CR> received");
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
	if (s->hops >= (size_t)cf(s)->hopcount_limit) {
		/* Postfix's cleanup: CLEANUP_STAT_HOPS */
		log_reject(s, s->qid, "END-OF-MESSAGE", NULL,
		    "554 5.4.0 Error: too many hops");
		reply(s, "554 5.4.0 Error: too many hops");
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

void
commit_answer(struct session *s, uint32_t type, const union ipc_msg *msg)
{
	if (type == IPC_MSG_COMMIT_OK && strcmp(msg->qid.qid, s->qid) == 0 &&
	    !s->commit_failed) {
		reply(s, "250 2.0.0 Ok: queued as %s", s->qid);
#ifdef BH_TEST_HOOKS
		hook_tamper(s);
#endif
	} else if (type == IPC_ERROR && strcmp(msg->error.dsn, "4.3.1") == 0)
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
int
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

void
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
int
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
