/*
 * ipc.h: the one request/response protocol between bulkhead processes.
 *
 * Channels are SOCK_SEQPACKET socketpairs created by master: one datagram is
 * one message (header + payload), so a frame can never be split or merged,
 * and an fd (at most one, SCM_RIGHTS) belongs to exactly one message.
 *
 * Every message type is declared once, in IPC_MESSAGE_TABLE below, with who
 * may send it, who may receive it, whether an fd rides along, and (for a
 * request) the type of its successful reply, its payload and the phases
 * it may arrive in.  The receiving channel checks all of that, then
 * decodes and validates the payload with the row's codec, before any
 * handler runs; a reply must answer a request id that is outstanding on
 * that channel, with the declared reply type or IPC_ERROR.  Any violation
 * closes the channel (see ipc_close_fn).
 */
#ifndef BH_IPC_H
#define BH_IPC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "privsep/codec.h"

struct event_base;

enum bh_role {
	ROLE_MASTER = 0,
	ROLE_SMTPD,
	ROLE_QUEUE,
	ROLE_LOOKUP,
	ROLE_LOCAL,
	ROLE_WRITER,
	ROLE_RUNNER,	/* a |command or /file delivery, forked by master */
	ROLE_CONTROL,	/* bulkctl on the control socket: not a compartment */
	ROLE_PICKUP,	/* local submissions from the drop directory */
	ROLE_RELAY,	/* the outbound SMTP client */
	ROLE_AUTH,	/* SASL verdicts; it alone reads the credentials */
	ROLE_KEYS,	/* the TLS private keys: answers signing requests */
	ROLE_DNS,	/* the only process that talks to name servers */
	ROLE_COUNT
};

#define RB_(r)		(1u << ROLE_##r)
#define R_WORKERS	(RB_(SMTPD) | RB_(QUEUE) | RB_(LOOKUP) | RB_(LOCAL) | \
			    RB_(PICKUP) | RB_(RELAY) | RB_(AUTH) | \
			    RB_(KEYS) | RB_(DNS))
/* Who hands queue new messages: smtpd, and pickup the same way. */
#define R_SUBMITTERS	(RB_(SMTPD) | RB_(PICKUP))
#define R_ALL		((1u << ROLE_COUNT) - 1)
/*
 * Who writes a message for local: a writer (mailbox, ~/.forward, as the
 * user) or a runner (|command, /file, :include:, as the alias owner or
 * the user).  Each speaks as itself: FORWARD_READ/DATA are the writer's,
 * INCLUDE_READ/DATA the runner's; WRITE_MAIL goes to either.
 */
#define R_DELIVERERS	(RB_(WRITER) | RB_(RUNNER))

#define IPC_PAYLOAD_MAX	16384
/*
 * Master to a worker it replaced (lookup, for a new snapshot): exit once
 * your peers have closed their channels.  A real-time signal, which no
 * terminal or admin sends by accident.
 */
#define IPC_SIG_RETIRE	(SIGRTMIN + 2)
#define IPC_FD_NONE	0
#define IPC_FD_REQUIRED	1

enum ipc_kind {
	IPC_NOTE = 0,	/* one-way */
	IPC_REQ,	/* expects exactly one reply */
	IPC_REPLY
};

/*
 * The payloads: one struct msg_NAME each, with enc_NAME, dec_NAME and
 * ipc_check_NAME in ipc_msgs.c and ipc_check.c, or in the file of their
 * area (ipc_master.c, ipc_admin.c, ipc_relay.c, ipc_keys.c, ipc_auth.c),
 * with their codec row (ipc_codec.h); "none" is the empty payload.  The order is that of the
 * selectors of tests/fuzz/fuzz_ipc_roundtrip.c: add new ones at the end.
 */
#define IPC_PAYLOADS(P)							\
	P(log) P(setup_peer) P(peer_violation) P(error) P(addr)		\
	P(rcpt_verdict) P(qid) P(rcpt) P(commit) P(deliver)		\
	P(deliver_result) P(expand_ok) P(writer_open) P(write_mail)	\
	P(forward_read) P(forward_data) P(owner) P(rcpt_check)		\
	P(runner_open) P(deliver_progress) P(admin_entry) P(admin_rcpt)	\
	P(admin_change) P(admin_done) P(admin_text) P(uid) P(login)	\
	P(relay) P(relay_result) P(auth_check) P(auth_verdict)	\
	P(key_sign) P(key_sig) P(dns_query) P(dns_answer)		\
	P(dns_tlsa_query) P(dns_tlsa_answer) P(sasl_lookup) P(sasl_creds) \
	P(auth_mechs) P(auth_step) P(auth_step_reply) P(auth_abort)

enum ipc_payload {
	IPC_PAYLOAD_none = 0,
#define IPC_PAYLOAD_ENUM(name) IPC_PAYLOAD_##name,
	IPC_PAYLOADS(IPC_PAYLOAD_ENUM)
#undef IPC_PAYLOAD_ENUM
	IPC_PAYLOAD_COUNT
};

/*
 * The phases of a channel, as OpenSSH's monitor has them.  A channel on
 * which master awaits a spawned worker's READY starts in IPC_PHASE_START
 * (ipc_chan_await_ready); every other channel, and that one once READY
 * came, is in IPC_PHASE_RUN.  Each row says in which phases its message
 * may arrive:
 *   ANY	either (LOG: a worker logs while it sets up);
 *   READY	only in START, and it ends START: so READY comes once;
 *   RUN	only in RUN: nothing privileged before READY.
 */
enum ipc_phase {
	IPC_PHASE_START = 0x1,
	IPC_PHASE_RUN = 0x2
};
#define IPC_PH_ANY	(IPC_PHASE_START | IPC_PHASE_RUN)
#define IPC_PH_READY	IPC_PHASE_START
#define IPC_PH_RUN	IPC_PHASE_RUN

/*
 * name, kind, senders, receivers, fd, successful reply type (requests),
 * payload (one of IPC_PAYLOADS, or none), phases (IPC_PH_*).  Every seed
 * of a row is named after it in tests/fuzz/corpus/ipc/ (test_ipc_table
 * checks).
 */
#define IPC_MESSAGE_TABLE(X)						\
	X(IPC_LOG,		NOTE,	R_WORKERS, RB_(MASTER),		\
	    IPC_FD_NONE, 0, log, ANY)					\
	X(IPC_READY,		NOTE,	R_WORKERS, RB_(MASTER),		\
	    IPC_FD_NONE, 0, none, READY)				\
	X(IPC_SETUP_PEER,	NOTE,	RB_(MASTER), R_WORKERS,		\
	    IPC_FD_REQUIRED, 0, setup_peer, RUN)			\
	X(IPC_PEER_VIOLATION,	NOTE,	R_WORKERS, RB_(MASTER),		\
	    IPC_FD_NONE, 0, peer_violation, RUN)			\
	X(IPC_OK,		REPLY,	R_ALL, R_ALL,			\
	    IPC_FD_NONE, 0, none, RUN)					\
	X(IPC_ERROR,		REPLY,	R_ALL, R_ALL,			\
	    IPC_FD_NONE, 0, error, RUN)					\
	X(IPC_RCPT_CHECK,	REQ,	RB_(SMTPD), RB_(LOOKUP),	\
	    IPC_FD_NONE, IPC_RCPT_CHECK_REPLY, addr, RUN)		\
	X(IPC_RCPT_CHECK_REPLY,	REPLY,	RB_(LOOKUP), RB_(SMTPD),	\
	    IPC_FD_NONE, 0, rcpt_verdict, RUN)				\
	X(IPC_MSG_CREATE,	REQ,	R_SUBMITTERS, RB_(QUEUE),		\
	    IPC_FD_NONE, IPC_MSG_CREATE_OK, none, RUN)			\
	X(IPC_MSG_CREATE_OK,	REPLY,	RB_(QUEUE), R_SUBMITTERS,		\
	    IPC_FD_REQUIRED, 0, qid, RUN)				\
	X(IPC_MSG_RCPT,		REQ,	R_SUBMITTERS, RB_(QUEUE),		\
	    IPC_FD_NONE, IPC_OK, rcpt, RUN)				\
	X(IPC_MSG_COMMIT,	REQ,	R_SUBMITTERS, RB_(QUEUE),		\
	    IPC_FD_NONE, IPC_MSG_COMMIT_OK, commit, RUN)		\
	X(IPC_MSG_COMMIT_OK,	REPLY,	RB_(QUEUE), R_SUBMITTERS,		\
	    IPC_FD_NONE, 0, qid, RUN)					\
	X(IPC_MSG_ABORT,	REQ,	R_SUBMITTERS, RB_(QUEUE),		\
	    IPC_FD_NONE, IPC_OK, qid, RUN)				\
	X(IPC_DELIVER,		REQ,	RB_(QUEUE), RB_(LOCAL),		\
	    IPC_FD_REQUIRED, IPC_DELIVER_RESULT, deliver, RUN)		\
	X(IPC_DELIVER_RESULT,	REPLY,	RB_(LOCAL), RB_(QUEUE),		\
	    IPC_FD_NONE, 0, deliver_result, RUN)			\
	X(IPC_EXPAND,		REQ,	RB_(LOCAL), RB_(LOOKUP),	\
	    IPC_FD_NONE, IPC_EXPAND_OK, addr, RUN)			\
	X(IPC_EXPAND_OK,	REPLY,	RB_(LOOKUP), RB_(LOCAL),	\
	    IPC_FD_NONE, 0, expand_ok, RUN)				\
	X(IPC_WRITER_OPEN,	REQ,	RB_(LOCAL), RB_(MASTER),	\
	    IPC_FD_NONE, IPC_WRITER_OPEN_OK, writer_open, RUN)		\
	X(IPC_WRITER_OPEN_OK,	REPLY,	RB_(MASTER), RB_(LOCAL),	\
	    IPC_FD_REQUIRED, 0, none, RUN)				\
	X(IPC_WRITE_MAIL,	REQ,	RB_(LOCAL), R_DELIVERERS,	\
	    IPC_FD_REQUIRED, IPC_OK, write_mail, RUN)			\
	X(IPC_FORWARD_READ,	REQ,	RB_(LOCAL), RB_(WRITER),	\
	    IPC_FD_NONE, IPC_FORWARD_DATA, forward_read, RUN)		\
	X(IPC_FORWARD_DATA,	REPLY,	RB_(WRITER), RB_(LOCAL),	\
	    IPC_FD_NONE, 0, forward_data, RUN)				\
	X(IPC_OWNER_QUERY,	REQ,	RB_(LOCAL), RB_(LOOKUP),	\
	    IPC_FD_NONE, IPC_OWNER_REPLY, addr, RUN)			\
	X(IPC_OWNER_REPLY,	REPLY,	RB_(LOOKUP), RB_(LOCAL),	\
	    IPC_FD_NONE, 0, owner, RUN)					\
	X(IPC_RCPT_CHECK_CLIENT, REQ,	RB_(SMTPD), RB_(LOOKUP),	\
	    IPC_FD_NONE, IPC_RCPT_CHECK_REPLY, rcpt_check, RUN)		\
	X(IPC_RUNNER_OPEN,	REQ,	RB_(LOCAL), RB_(MASTER),	\
	    IPC_FD_NONE, IPC_RUNNER_OPEN_OK, runner_open, RUN)		\
	X(IPC_RUNNER_OPEN_OK,	REPLY,	RB_(MASTER), RB_(LOCAL),	\
	    IPC_FD_REQUIRED, 0, none, RUN)				\
	X(IPC_DELIVER_PROGRESS,	NOTE,	RB_(LOCAL), RB_(QUEUE),		\
	    IPC_FD_NONE, 0, deliver_progress, RUN)			\
	X(IPC_ADMIN_LIST,	REQ,	RB_(CONTROL), RB_(QUEUE),	\
	    IPC_FD_NONE, IPC_OK, none, RUN)				\
	X(IPC_ADMIN_ENTRY,	NOTE,	RB_(QUEUE), RB_(CONTROL),	\
	    IPC_FD_NONE, 0, admin_entry, RUN)				\
	X(IPC_ADMIN_RCPT,	NOTE,	RB_(QUEUE), RB_(CONTROL),	\
	    IPC_FD_NONE, 0, admin_rcpt, RUN)				\
	X(IPC_ADMIN_FLUSH,	REQ,	RB_(CONTROL), RB_(QUEUE),	\
	    IPC_FD_NONE, IPC_ADMIN_DONE, none, RUN)			\
	X(IPC_ADMIN_CHANGE,	REQ,	RB_(CONTROL), RB_(QUEUE),	\
	    IPC_FD_NONE, IPC_ADMIN_DONE, admin_change, RUN)		\
	X(IPC_ADMIN_DONE,	REPLY,	RB_(QUEUE), RB_(CONTROL),	\
	    IPC_FD_NONE, 0, admin_done, RUN)				\
	X(IPC_ADMIN_CAT,	REQ,	RB_(CONTROL), RB_(QUEUE),	\
	    IPC_FD_NONE, IPC_OK, qid, RUN)				\
	X(IPC_ADMIN_TEXT,	NOTE,	RB_(QUEUE), RB_(CONTROL),	\
	    IPC_FD_NONE, 0, admin_text, RUN)				\
	X(IPC_INCLUDE_READ,	REQ,	RB_(LOCAL), RB_(RUNNER),	\
	    IPC_FD_NONE, IPC_INCLUDE_DATA, none, RUN)			\
	X(IPC_INCLUDE_DATA,	REPLY,	RB_(RUNNER), RB_(LOCAL),	\
	    IPC_FD_NONE, 0, forward_data, RUN)				\
	X(IPC_UID_QUERY,	REQ,	RB_(PICKUP), RB_(LOOKUP),	\
	    IPC_FD_NONE, IPC_UID_REPLY, uid, RUN)			\
	X(IPC_UID_REPLY,	REPLY,	RB_(LOOKUP), RB_(PICKUP),	\
	    IPC_FD_NONE, 0, login, RUN)				\
	X(IPC_RELAY,		REQ,	RB_(QUEUE), RB_(RELAY),		\
	    IPC_FD_REQUIRED, IPC_RELAY_RESULT, relay, RUN)		\
	X(IPC_RELAY_RESULT,	REPLY,	RB_(RELAY), RB_(QUEUE),		\
	    IPC_FD_NONE, 0, relay_result, RUN)		\
	X(IPC_AUTH_CHECK,	REQ,	RB_(SMTPD), RB_(AUTH),		\
	    IPC_FD_NONE, IPC_AUTH_VERDICT, auth_check, RUN)		\
	X(IPC_AUTH_VERDICT,	REPLY,	RB_(AUTH), RB_(SMTPD),		\
	    IPC_FD_NONE, 0, auth_verdict, RUN)				\
	X(IPC_AUTH_CONNECT,	REQ,	RB_(AUTH), RB_(MASTER),		\
	    IPC_FD_NONE, IPC_AUTH_CONNECT_OK, none, RUN)		\
	X(IPC_AUTH_CONNECT_OK,	REPLY,	RB_(MASTER), RB_(AUTH),		\
	    IPC_FD_REQUIRED, 0, none, RUN)			\
	X(IPC_KEY_SIGN,		REQ,	RB_(SMTPD), RB_(KEYS),		\
	    IPC_FD_NONE, IPC_KEY_SIGN_OK, key_sign, RUN)		\
	X(IPC_KEY_SIGN_OK,	REPLY,	RB_(KEYS), RB_(SMTPD),		\
	    IPC_FD_NONE, 0, key_sig, RUN)				\
	X(IPC_DNS_MX,		REQ,	RB_(QUEUE), RB_(DNS),		\
	    IPC_FD_NONE, IPC_DNS_MX_RESULT, dns_query, RUN)		\
	X(IPC_DNS_MX_RESULT,	REPLY,	RB_(DNS), RB_(QUEUE),		\
	    IPC_FD_NONE, 0, dns_answer, RUN)				\
	X(IPC_DNS_TLSA,		REQ,	RB_(QUEUE), RB_(DNS),		\
	    IPC_FD_NONE, IPC_DNS_TLSA_RESULT, dns_tlsa_query, RUN)	\
	X(IPC_DNS_TLSA_RESULT,	REPLY,	RB_(DNS), RB_(QUEUE),		\
	    IPC_FD_NONE, 0, dns_tlsa_answer, RUN)			\
	X(IPC_SASL_LOOKUP,	REQ,	RB_(QUEUE), RB_(MASTER),	\
	    IPC_FD_NONE, IPC_SASL_CREDS, sasl_lookup, RUN)		\
	X(IPC_SASL_CREDS,	REPLY,	RB_(MASTER), RB_(QUEUE),	\
	    IPC_FD_NONE, 0, sasl_creds, RUN)				\
	X(IPC_AUTH_MECHS,	NOTE,	RB_(AUTH), RB_(SMTPD),		\
	    IPC_FD_NONE, 0, auth_mechs, RUN)				\
	X(IPC_AUTH_STEP,	REQ,	RB_(SMTPD), RB_(AUTH),		\
	    IPC_FD_NONE, IPC_AUTH_STEP_REPLY, auth_step, RUN)		\
	X(IPC_AUTH_STEP_REPLY,	REPLY,	RB_(AUTH), RB_(SMTPD),		\
	    IPC_FD_NONE, 0, auth_step_reply, RUN)			\
	X(IPC_AUTH_ABORT,	NOTE,	RB_(SMTPD), RB_(AUTH),		\
	    IPC_FD_NONE, 0, auth_abort, RUN)

enum ipc_type {
	IPC_NONE = 0,
#define IPC_ENUM(name, kind, from, to, fd, reply, payload, phase) name,
	IPC_MESSAGE_TABLE(IPC_ENUM)
#undef IPC_ENUM
	IPC_TYPE_COUNT
};

struct ipc_type_info {
	const char	*name;
	enum ipc_kind	 kind;
	uint32_t	 senders;	/* role bit mask */
	uint32_t	 receivers;
	int		 fd;
	enum ipc_type	 reply;
	enum ipc_payload payload;
	unsigned	 phases;	/* IPC_PHASE_* it may arrive in */
};

struct ipc_hdr {
	uint32_t	type;
	uint32_t	len;		/* payload bytes */
	uint32_t	id;		/* request id; 0 for notes */
	uint32_t	flags;
};
#define IPC_HDR_FD	0x1		/* an fd rides along */

const struct ipc_type_info *ipc_type_info(uint32_t type);
const char	*ipc_role_name(enum bh_role);
int		 ipc_role_from_name(const char *, enum bh_role *);
const char	*ipc_type_name(uint32_t type);

/*
 * Check a received header against the table for a channel between self and
 * peer.  Returns NULL when acceptable, or a static reason.
 */
const char	*ipc_check_header(const struct ipc_hdr *, enum bh_role self,
		    enum bh_role peer, int have_fd);

/* ---- channels ---- */

struct ipc_chan;
union ipc_msg;		/* ipc_msgs.h */

/*
 * A message that passed the table and whose payload decoded: msg is the
 * payload as the row names it (msg->NAME, ipc_msgs.h), already checked
 * by its validator, and valid until the handler returns.  A payload that
 * does not decode never reaches the handler: the channel closes as for
 * any other violation ("bad TYPE payload").
 */
typedef void (*ipc_msg_fn)(struct ipc_chan *, const struct ipc_hdr *,
    const union ipc_msg *msg, int fd, void *arg);
/* The channel is dead: EOF, error, or (violation != 0) a protocol breach. */
typedef void (*ipc_close_fn)(struct ipc_chan *, const char *why,
    int violation, void *arg);

struct ipc_chan	*ipc_chan_new(struct event_base *, int fd, enum bh_role self,
		    enum bh_role peer, ipc_msg_fn, ipc_close_fn, void *arg);
void		 ipc_chan_free(struct ipc_chan *);
enum bh_role	 ipc_chan_peer(const struct ipc_chan *);
void		 ipc_chan_set_arg(struct ipc_chan *, void *arg);
void		 ipc_chan_set_outq_max(struct ipc_chan *, size_t);
size_t		 ipc_chan_noutq(const struct ipc_chan *);
/*
 * Requests sent on the channel whose reply has not come yet.  Inside a
 * reply's ipc_msg_fn that reply no longer counts: 0 there means it was
 * the last one (a retiring channel may then be freed).
 */
size_t		 ipc_chan_npending(const struct ipc_chan *);
/*
 * master, for a worker it spawned: the channel starts in IPC_PHASE_START
 * and accepts READY once (see the phases above the table).
 */
void		 ipc_chan_await_ready(struct ipc_chan *);
enum ipc_phase	 ipc_chan_phase(const struct ipc_chan *);
/* NULL if a message of this type may arrive in this phase, else why. */
const char	*ipc_check_phase(uint32_t type, enum ipc_phase);

/*
 * Send.  The payload is copied; fd (or -1) is owned by the channel from
 * here on and closed once sent.  ipc_request returns the new request id.
 */
uint32_t	 ipc_request(struct ipc_chan *, enum ipc_type,
		    const struct wbuf *, int fd);
void		 ipc_reply(struct ipc_chan *, enum ipc_type, uint32_t id,
		    const struct wbuf *, int fd);
void		 ipc_note(struct ipc_chan *, enum ipc_type,
		    const struct wbuf *, int fd);
/* Reply IPC_ERROR with an enhanced status code ("4.3.0") and text. */
void		 ipc_reply_error(struct ipc_chan *, uint32_t id,
		    const char *dsn, const char *text);

/* A receiver found a message it cannot accept: log, close, report
   through close_fn. */
void		 ipc_chan_fail(struct ipc_chan *, const char *why);

/* Best effort: push queued messages out before the process exits. */
void		 ipc_chan_flush(struct ipc_chan *);

#endif
