/*
 * session_int.h: what the three parts of an SMTP session share:
 * session.c (the connection: I/O, timer, replies, TLS start),
 * session_cmd.c (the commands) and session_data.c (DATA, BDAT and the
 * message content).  Private to smtpd/session*.c.
 */
#ifndef BH_SESSION_INT_H
#define BH_SESSION_INT_H

#include <stdarg.h>

struct sasl_exchange;

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
#ifdef BH_TEST_HOOKS
	int			 hook_fd;	/* kept past the commit, or 0 */
#endif
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
	/* hopcount_limit (lib/hopcount.h): Received: fields, ours included */
	size_t			 hops;
	int			 hops_done;	/* past the header */
	char			 hop_line[64];	/* the current header line's start */
	size_t			 hop_len;
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
	/* SMTP AUTH (session_auth.c) */
	int			 auth_enable;	/* smtpd_sasl_auth_enable */
	int			 auth_only;	/* smtpd_tls_auth_only */
	struct sasl_exchange	*sasl;		/* an exchange is running */
	uint32_t		 sasl_mech;	/* being verified, or logged in */
	char			*sasl_user;	/* logged in as */
	uint32_t		 sasl_xid;	/* a relayed exchange auth has */
	unsigned		 sasl_gen;	/* of the channel auth has it on */
	/* restriction lists (session_policy.c): the listener's */
	const char		*relay_restr;
	const char		*rcpt_restr;
	const char		*sender_restr;
	int			 rcpt_permitted;	/* the pending RCPT */
};

static inline const struct bh_config *
cf(const struct session *s)
{
	return &s->sd->we.cf;
}

/* smtpd_tls_security_level may or encrypt (wrapper mode alone: none). */
static inline int
starttls_offered(const struct session *s)
{
	return s->sd->tls != NULL && !s->tls && tls_level_offers(s->tls_level);
}

static inline int
normalize_bare_newline(const struct session *s)
{
	return strcmp(cf(s)->smtpd_forbid_bare_newline, "reject") != 0;
}

/* session.c: replies, error counts, life cycle, timer, input */
void deadline_restart(struct session *s);
void
reply(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void close_after_output(struct session *s);
void
reply_error(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void count_junk(struct session *s);
void log_reject(struct session *s, const char *qid, const char *stage,
    const char *rcpt, const char *text);
void data_fd_close(struct session *s);
int no_fd_for_data(struct session *s);
void transaction_reset(struct session *s);

/* session_cmd.c: commands */
const char *
envelope_fill(const struct session *s, const char *qid, struct msg_commit *m);
const char *
rcpt_fill(const char *qid, const struct rcpt *rc, struct msg_rcpt *r);
void rcpt_answer(struct session *s, uint32_t type, const union ipc_msg *msg);
void dispatch(struct session *s, const char *line, size_t len);

/* session_data.c: DATA, BDAT, the Received header */
void cmd_data(struct session *s, const struct smtp_cmd *c);
void data_answer(struct session *s, uint32_t type, const union ipc_msg *msg,
    int fd);
void commit_answer(struct session *s, uint32_t type,
    const union ipc_msg *msg);
int process_data(struct session *s);
void cmd_bdat(struct session *s, const struct smtp_cmd *c);
int process_chunk(struct session *s);

/* session_auth.c: SMTP AUTH */
int auth_offered(const struct session *s);
void auth_ehlo(struct session *s);
void auth_forget(struct session *s);
void cmd_auth(struct session *s, const struct smtp_cmd *c);
void auth_response(struct session *s, const char *line, size_t len);
void auth_line_too_long(struct session *s);
void auth_answer(struct session *s, uint32_t type, const union ipc_msg *msg);
void auth_step_answer(struct session *s, uint32_t type,
    const union ipc_msg *msg);
const char *auth_log_suffix(const struct session *s, char *buf, size_t len);

/* session_policy.c: restriction lists */
int policy_mail(struct session *s, const char *sender);
int policy_rcpt(struct session *s, const char *addr);
uint32_t policy_verdict(const struct session *s, uint32_t verdict);

#endif
