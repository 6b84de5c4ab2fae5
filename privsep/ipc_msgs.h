/*
 * ipc_msgs.h: the payload of every message type, with its encoder and its
 * strict decoder.  A decoder returns 0, or -1 for a short payload, an
 * overlong or NUL-carrying string, a value out of range or trailing bytes;
 * the channel (ipc.c) decodes every message with its row's decoder before
 * a handler runs, and drops the channel when that fails.
 */
#ifndef BH_IPC_MSGS_H
#define BH_IPC_MSGS_H

#include <stddef.h>
#include <stdint.h>

#include "privsep/codec.h"
#include "privsep/ipc.h"
#include "privsep/ipc_codec.h"

#define IPC_ADDR_MAX	512	/* envelope address, with room over 256 */
#define IPC_QID_MAX	32
#define IPC_USER_MAX	64
#define IPC_TEXT_MAX	512
#define IPC_DSN_MAX	16
#define IPC_EXPAND_MAX	200	/* local users one alias may expand to */

struct msg_log {
	uint32_t	prio;
	char		line[1024];
};

struct msg_setup_peer {
	uint32_t	role;
};

struct msg_peer_violation {
	uint32_t	role;
	char		reason[IPC_TEXT_MAX];
};

struct msg_error {
	char		dsn[IPC_DSN_MAX];	/* "4.3.0": class from its digit */
	char		text[IPC_TEXT_MAX];
};

struct msg_addr {			/* RCPT_CHECK, EXPAND */
	char		addr[IPC_ADDR_MAX];
};

enum rcpt_verdict {
	RCPT_OK = 0,
	RCPT_UNKNOWN_USER,		/* 550 5.1.1 */
	RCPT_RELAY_DENIED,		/* 554 5.7.1 */
	RCPT_TEMPFAIL,			/* 451 4.3.0 */
	RCPT_RELAY_UNAVAILABLE,		/* may relay, no route: 451 4.4.0 */
	RCPT_VERDICT_MAX
};

struct msg_rcpt_verdict {
	uint32_t	verdict;
};

struct msg_qid {			/* CREATE_OK, COMMIT_OK, ABORT */
	char		qid[IPC_QID_MAX];
};

/* RFC 3461 NOTIFY, as a bit mask; 0 = not given (the default applies). */
#define DSN_NOTIFY_NEVER	0x01
#define DSN_NOTIFY_SUCCESS	0x02
#define DSN_NOTIFY_FAILURE	0x04
#define DSN_NOTIFY_DELAY	0x08
#define DSN_NOTIFY_MASK		0x0f

struct msg_rcpt {
	char		qid[IPC_QID_MAX];
	char		addr[IPC_ADDR_MAX];
	uint32_t	notify;			/* DSN_NOTIFY_* */
	char		orcpt[IPC_ADDR_MAX];	/* "rfc822;addr", xtext decoded;
						   "" = not given */
};

enum dsn_ret {
	DSN_RET_NONE = 0,			/* not given */
	DSN_RET_FULL,
	DSN_RET_HDRS,
	DSN_RET_MAX
};

#define MSG_FLAG_8BITMIME	0x01		/* BODY=8BITMIME */
#define MSG_FLAG_SMTPUTF8	0x02		/* SMTPUTF8 on MAIL */
/* pickup only: the header reached hopcount_limit; queue bounces every
   recipient 5.4.0 (Postfix's cleanup bounces a local submission) */
#define MSG_FLAG_HOPS		0x04
#define MSG_FLAG_MASK		0x07
/* what relay is told (IPC_RELAY) */
#define MSG_FLAG_RELAY		(MSG_FLAG_8BITMIME | MSG_FLAG_SMTPUTF8)

#define IPC_ENVID_MAX		101		/* RFC 3461: 100 characters */

struct msg_commit {
	char		qid[IPC_QID_MAX];
	uint64_t	size;			/* content bytes written */
	char		sender[IPC_ADDR_MAX];	/* "" = null sender */
	char		helo[256];
	char		client_addr[64];
	char		client_name[256];
	uint32_t	ret;			/* enum dsn_ret */
	char		envid[IPC_ENVID_MAX];	/* xtext decoded; "" = none */
	uint32_t	flags;			/* MSG_FLAG_* */
};

/*
 * An alias member (a mailbox user, or a |command or /file with the
 * source it runs for) that a deferred recipient already delivered to:
 * 32 lower-case hex digits of a SHA-256 local computes
 * (member_key_valid).  queue keeps them with the recipient (qfile.h)
 * and hands them back with the next DELIVER; local skips those members.
 */
#define IPC_MEMBER_KEY_LEN	32
#define IPC_DONE_MAX		256	/* users + targets of one recipient */

/*
 * IPC_DELIVER_PROGRESS (a note, local to queue): a command or file
 * member of the recipient of DELIVER request deliver_id has the message,
 * and more members follow.  queue records it at once, so that a crash
 * before the result does not run the command again.
 */
struct msg_deliver_progress {
	uint32_t	deliver_id;
	char		key[IPC_MEMBER_KEY_LEN + 1];
};

struct msg_deliver {
	char		qid[IPC_QID_MAX];
	uint32_t	rcpt_index;
	uint64_t	content_len;
	char		sender[IPC_ADDR_MAX];
	char		rcpt[IPC_ADDR_MAX];
	uint32_t	ndone;
	char		done[IPC_DONE_MAX][IPC_MEMBER_KEY_LEN + 1];
};

enum deliver_status {
	DELIVER_SENT = 0,
	DELIVER_DEFER,
	DELIVER_BOUNCE,
	DELIVER_STATUS_MAX
};

/*
 * A member of an alias that cannot be delivered for good (an unknown
 * user, a remote address): the others still get the message, and queue
 * sends a notice about this one (Final-Recipient: the member).
 */
#define IPC_FAILED_MAX		4
#define IPC_FAILED_TEXT_MAX	128
/*
 * Remote addresses an alias forwards to (with a relayhost: lookup lists
 * them, local passes them on with a successful result, queue adds them
 * to the message as recipients for the relay).
 */
#define IPC_REMOTE_MAX		4
struct msg_failed {
	char		addr[IPC_ADDR_MAX];
	char		dsn[IPC_DSN_MAX];		/* 5.x.x */
	char		text[IPC_FAILED_TEXT_MAX];
};

/*
 * owner: "" or the owner-NAME address the recipient's alias delivered
 * with (Postfix's owner_request_special); queue then sends failure
 * notices there instead of to the sender, once it checked that the
 * address is owner-<the recipient's local part>@<its domain>.
 */
struct msg_deliver_result {
	uint32_t	status;
	char		dsn[IPC_DSN_MAX];
	char		text[IPC_TEXT_MAX];
	char		owner[IPC_ADDR_MAX];
	uint32_t	nfailed;	/* DELIVER_SENT only: alias members */
	struct msg_failed failed[IPC_FAILED_MAX];
	uint32_t	ndone;		/* members delivered this time */
	char		done[IPC_DONE_MAX][IPC_MEMBER_KEY_LEN + 1];
	uint32_t	nremote;	/* DELIVER_SENT only: forward to */
	char		remote[IPC_REMOTE_MAX][IPC_ADDR_MAX];
};

/*
 * A |command or /file target and where it was written: for an alias,
 * map is the index of the alias file in alias_maps and name the alias
 * that lists it; for a .forward, name is the user and suffix the
 * "+ext" the .forward was read with.  master and the runner re-read
 * that source: the value is checked against it, never trusted.
 */
enum runner_source {
	RUNNER_ALIAS = 0,
	RUNNER_FORWARD,
	RUNNER_SOURCE_MAX
};

enum runner_kind {
	RUNNER_COMMAND = 1,		/* |command, the | removed */
	RUNNER_FILE,			/* /path */
	RUNNER_INCLUDE,			/* :include:/path: read it for local */
	RUNNER_KIND_MAX
};

/* A runner's exit status when its source does not list its target. */
#define RUNNER_EXIT_REFUSED	77
/* A verifying runner's (-V): the chain holds; it could not be read. */
#define RUNNER_EXIT_LISTED	76
#define RUNNER_EXIT_UNKNOWN	75

#define IPC_TARGETS_MAX	4	/* commands and files of one expansion */
#define IPC_MAPS_MAX	64	/* alias_maps entries a source may name */

struct msg_target {
	uint32_t	kind;		/* enum runner_kind */
	uint32_t	map;		/* alias source: index in alias_maps */
	char		name[IPC_USER_MAX + 1];
	char		value[IPC_TEXT_MAX];
};

struct msg_expand_ok {
	uint32_t	n;
	char		users[IPC_EXPAND_MAX][IPC_USER_MAX + 1];
	/* users[i]'s address extension, with its delimiter ("+lists" for
	   an alias target alice+lists), or "": for Delivered-To and the
	   ~/.forward+ext lookup.  A valid IPC_FORWARD_READ suffix. */
	char		ext[IPC_EXPAND_MAX][IPC_USER_MAX + 1];
	uint32_t	ntargets;	/* alias commands and files */
	struct msg_target targets[IPC_TARGETS_MAX];
	uint32_t	nfailed;	/* members that failed for good */
	struct msg_failed failed[IPC_FAILED_MAX];
	uint32_t	nremote;	/* remote addresses to forward to */
	char		remote[IPC_REMOTE_MAX][IPC_ADDR_MAX];
};

struct msg_writer_open {
	char		user[IPC_USER_MAX + 1];
};

struct msg_write_mail {
	char		qid[IPC_QID_MAX];
	uint64_t	content_len;	/* bytes that must arrive on the pipe */
	char		return_path[IPC_ADDR_MAX];
	char		delivered_to[IPC_ADDR_MAX];
	/* The envelope recipient before alias and .forward expansion
	   (Postfix's ORIGINAL_RECIPIENT); "" = delivered_to. */
	char		orig_rcpt[IPC_ADDR_MAX];
	uint32_t	rcpt_index;	/* in the queue file: with qid, names
					   this delivery (Maildir file name) */
};

void	enc_log(struct wbuf *, const struct msg_log *);
int	dec_log(struct rbuf *, struct msg_log *);
void	enc_setup_peer(struct wbuf *, const struct msg_setup_peer *);
int	dec_setup_peer(struct rbuf *, struct msg_setup_peer *);
void	enc_peer_violation(struct wbuf *, const struct msg_peer_violation *);
int	dec_peer_violation(struct rbuf *, struct msg_peer_violation *);
void	enc_error(struct wbuf *, const struct msg_error *);
int	dec_error(struct rbuf *, struct msg_error *);
int	dec_empty(struct rbuf *);
void	enc_addr(struct wbuf *, const struct msg_addr *);
int	dec_addr(struct rbuf *, struct msg_addr *);
void	enc_rcpt_verdict(struct wbuf *, const struct msg_rcpt_verdict *);
int	dec_rcpt_verdict(struct rbuf *, struct msg_rcpt_verdict *);
void	enc_qid(struct wbuf *, const struct msg_qid *);
int	dec_qid(struct rbuf *, struct msg_qid *);
void	enc_rcpt(struct wbuf *, const struct msg_rcpt *);
int	dec_rcpt(struct rbuf *, struct msg_rcpt *);
void	enc_commit(struct wbuf *, const struct msg_commit *);
int	dec_commit(struct rbuf *, struct msg_commit *);
void	enc_deliver(struct wbuf *, const struct msg_deliver *);
int	dec_deliver(struct rbuf *, struct msg_deliver *);
void	enc_deliver_result(struct wbuf *, const struct msg_deliver_result *);
int	dec_deliver_result(struct rbuf *, struct msg_deliver_result *);
void	enc_expand_ok(struct wbuf *, const struct msg_expand_ok *);
int	dec_expand_ok(struct rbuf *, struct msg_expand_ok *);
void	enc_writer_open(struct wbuf *, const struct msg_writer_open *);
int	dec_writer_open(struct rbuf *, struct msg_writer_open *);
void	enc_write_mail(struct wbuf *, const struct msg_write_mail *);
int	dec_write_mail(struct rbuf *, struct msg_write_mail *);

/* IPC_FORWARD_DATA: the writer read ~/.forward as the user, or did not. */
#define IPC_FORWARD_MAX	4096		/* = FORWARD_SIZE_MAX */

enum forward_status {
	FORWARD_NONE = 0,		/* no .forward */
	FORWARD_IGNORED,		/* unsafe or unreadable: reason says */
	FORWARD_FOUND,			/* text holds it */
	FORWARD_STATUS_MAX
};

struct msg_forward_data {
	uint32_t	status;		/* enum forward_status */
	char		reason[IPC_TEXT_MAX];
	char		text[IPC_FORWARD_MAX + 1];	/* no NUL inside */
};

/*
 * IPC_FORWARD_READ: which file.  suffix is "" (~/.forward) or a
 * delimiter and an extension ("+news": ~/.forward+news, then ~/.forward,
 * as Postfix's forward_path); never a '/', at most 64 bytes.
 */
struct msg_forward_read {
	char		suffix[IPC_USER_MAX + 1];
};

void	enc_forward_read(struct wbuf *, const struct msg_forward_read *);
int	dec_forward_read(struct rbuf *, struct msg_forward_read *);
void	enc_forward_data(struct wbuf *, const struct msg_forward_data *);
int	dec_forward_data(struct rbuf *, struct msg_forward_data *);

/*
 * IPC_OWNER_REPLY: the envelope sender for deliveries through an alias
 * that has an owner-NAME companion ("owner-NAME@domain"), or "" for none.
 * IPC_OWNER_QUERY carries a msg_addr (the recipient).
 */
struct msg_owner {
	char		addr[IPC_ADDR_MAX];
};

void	enc_owner(struct wbuf *, const struct msg_owner *);
int	dec_owner(struct rbuf *, struct msg_owner *);
/* RCPT_CHECK_CLIENT: the recipient and who asks (for mynetworks). */
struct msg_rcpt_check {
	char		addr[IPC_ADDR_MAX];
	char		client_addr[64];	/* numeric IPv4 or IPv6 */
	uint32_t	trusted;	/* 1: smtpd's restrictions let this
					   client relay (a login) */
};

void	enc_rcpt_check(struct wbuf *, const struct msg_rcpt_check *);
int	dec_rcpt_check(struct rbuf *, struct msg_rcpt_check *);

/*
 * IPC_RUNNER_OPEN: run a command, append to a file or read an :include:
 * file, for this source.  An alias target reached through :include:
 * files names them in chain, in order: the alias lists chain[0], which
 * lists chain[1], ..., and the last one lists the target.
 */
#define IPC_INCLUDE_DEPTH	4	/* nested :include: files */
#define IPC_PATH_MAX		256

struct msg_runner_open {
	uint32_t	source;		/* enum runner_source */
	uint32_t	kind;		/* enum runner_kind */
	uint32_t	map;		/* RUNNER_ALIAS: index in alias_maps */
	char		name[IPC_USER_MAX + 1];	/* alias name or user */
	char		suffix[IPC_USER_MAX + 1];	/* RUNNER_FORWARD */
	char		value[IPC_TEXT_MAX];	/* the command or path */
	uint32_t	depth;		/* RUNNER_ALIAS: chain entries */
	char		chain[IPC_INCLUDE_DEPTH][IPC_PATH_MAX];
};

void	enc_runner_open(struct wbuf *, const struct msg_runner_open *);
int	dec_runner_open(struct rbuf *, struct msg_runner_open *);

/* Is s a well-formed queue id (what qid_new makes)? */
int	qid_valid(const char *s);
/* An alias member key: IPC_MEMBER_KEY_LEN lower-case hex digits. */
int	member_key_valid(const char *s);

void	enc_deliver_progress(struct wbuf *, const struct msg_deliver_progress *);
int	dec_deliver_progress(struct rbuf *, struct msg_deliver_progress *);

/*
 * Field validators, one per field type (ipc_fields.c), and one validator
 * per message built from them (ipc_check.c, or beside the codec in the
 * file of its area).  A decoder ends with its message's
 * ipc_check_*(), an encoder starts with it (and fatalx()es: a sender
 * that gets there has a bug), and a sender whose values come from
 * outside calls it first and refuses the value itself (a reply to the
 * client, a bounce, a log line).  Each returns NULL or why not.
 */
int	ipc_valid_text(const char *);		/* no control characters */
int	ipc_valid_dsn(const char *);		/* "4.3.0" */
int	ipc_valid_user(const char *);		/* an account name */
int	ipc_valid_suffix(const char *);		/* "" or "+ext" */
int	ipc_valid_target(uint32_t kind, const char *value,
	    const char *suffix);
int	ipc_valid_client_addr(const char *);	/* numeric IPv4 or IPv6 */
int	ipc_valid_notify(uint32_t);		/* DSN_NOTIFY_* */
/* Make free text (a reason, an error text) pass ipc_valid_text: '?'s. */
void	ipc_text_clean(char *);

const char *ipc_check_log(const struct msg_log *);
const char *ipc_check_setup_peer(const struct msg_setup_peer *);
const char *ipc_check_peer_violation(const struct msg_peer_violation *);
const char *ipc_check_error(const struct msg_error *);
const char *ipc_check_addr(const struct msg_addr *);
const char *ipc_check_rcpt_verdict(const struct msg_rcpt_verdict *);
const char *ipc_check_qid(const struct msg_qid *);
const char *ipc_check_rcpt(const struct msg_rcpt *);
const char *ipc_check_commit(const struct msg_commit *);
const char *ipc_check_deliver(const struct msg_deliver *);
const char *ipc_check_failed(uint32_t n, const struct msg_failed *);
const char *ipc_check_remote(uint32_t n,
	    const char (*remote)[IPC_ADDR_MAX]);
const char *ipc_check_deliver_result(const struct msg_deliver_result *);
const char *ipc_check_target(const struct msg_target *);
const char *ipc_check_expand_ok(const struct msg_expand_ok *);
const char *ipc_check_writer_open(const struct msg_writer_open *);
const char *ipc_check_write_mail(const struct msg_write_mail *);
const char *ipc_check_forward_read(const struct msg_forward_read *);
const char *ipc_check_forward_data(const struct msg_forward_data *);
const char *ipc_check_owner(const struct msg_owner *);
const char *ipc_check_rcpt_check(const struct msg_rcpt_check *);
const char *ipc_check_runner_open(const struct msg_runner_open *);

const char *ipc_check_deliver_progress(const struct msg_deliver_progress *);

/*
 * pickup asks lookup whose a drop file's owner uid is (UID_QUERY); the
 * answer is the login name (UID_REPLY), or IPC_ERROR for a uid lookup
 * does not know.
 */
struct msg_uid {
	uint32_t	uid;
};

struct msg_login {
	uint32_t	uid;
	char		name[IPC_USER_MAX + 1];
};

void	enc_uid(struct wbuf *, const struct msg_uid *);
int	dec_uid(struct rbuf *, struct msg_uid *);
void	enc_login(struct wbuf *, const struct msg_login *);
int	dec_login(struct rbuf *, struct msg_login *);
const char *ipc_check_uid(const struct msg_uid *);
const char *ipc_check_login(const struct msg_login *);

/*
 * bulkctl and queue on the control socket (ipc_admin.c).  ADMIN_LIST is
 * answered by an ADMIN_ENTRY per message, each followed by an ADMIN_RCPT
 * per pending recipient, then IPC_OK; ADMIN_CAT by ADMIN_TEXT chunks,
 * then IPC_OK; ADMIN_FLUSH and ADMIN_CHANGE by ADMIN_DONE (how many
 * messages); a refusal by IPC_ERROR, whose text bulkctl prints.
 */
enum admin_queue {
	ADMIN_Q_ACTIVE = 0,
	ADMIN_Q_DEFERRED,
	ADMIN_Q_HOLD,
	ADMIN_Q_MAX
};
struct msg_admin_entry {
	uint32_t	queue;			/* enum admin_queue */
	char		qid[IPC_QID_MAX];
	uint64_t	arrival;
	uint64_t	size;
	char		sender[IPC_ADDR_MAX];	/* "" = null sender */
};
struct msg_admin_rcpt {
	char		addr[IPC_ADDR_MAX];
	char		reason[IPC_TEXT_MAX];	/* "" = none */
};
enum admin_op {
	ADMIN_HOLD = 0,
	ADMIN_RELEASE,
	ADMIN_DELETE,
	ADMIN_REQUEUE,
	ADMIN_OP_MAX
};
#define ADMIN_ALL	"ALL"
struct msg_admin_change {
	uint32_t	op;			/* enum admin_op */
	char		id[IPC_QID_MAX];	/* a queue id or ADMIN_ALL */
};
struct msg_admin_done {
	uint32_t	n;
};
#define IPC_ADMIN_TEXT_MAX	8192
struct msg_admin_text {
	uint32_t	len;
	uint8_t		data[IPC_ADMIN_TEXT_MAX];	/* any octets */
};
void	enc_admin_entry(struct wbuf *, const struct msg_admin_entry *);
int	dec_admin_entry(struct rbuf *, struct msg_admin_entry *);
void	enc_admin_rcpt(struct wbuf *, const struct msg_admin_rcpt *);
int	dec_admin_rcpt(struct rbuf *, struct msg_admin_rcpt *);
void	enc_admin_change(struct wbuf *, const struct msg_admin_change *);
int	dec_admin_change(struct rbuf *, struct msg_admin_change *);
void	enc_admin_done(struct wbuf *, const struct msg_admin_done *);
int	dec_admin_done(struct rbuf *, struct msg_admin_done *);
void	enc_admin_text(struct wbuf *, const struct msg_admin_text *);
int	dec_admin_text(struct rbuf *, struct msg_admin_text *);
const char *ipc_check_admin_entry(const struct msg_admin_entry *);
const char *ipc_check_admin_rcpt(const struct msg_admin_rcpt *);
const char *ipc_check_admin_change(const struct msg_admin_change *);
const char *ipc_check_admin_done(const struct msg_admin_done *);
const char *ipc_check_admin_text(const struct msg_admin_text *);
/*
 * IPC_RELAY (queue to relay, with a read-only fd of the queue file): one
 * SMTP transaction for up to IPC_RELAY_RCPT_MAX recipients of one
 * destination, tried at the next hops in order (numeric addresses: relay
 * never resolves names; name is what the log shows).  content_len
 * octets from offset 0 of the fd are the message, stored with LF line
 * ends and no dot-stuffing.  IPC_RELAY_RESULT: one verdict per
 * recipient, in order, and the hop that gave them.
 */
#define IPC_RELAY_RCPT_MAX	8
#define IPC_RELAY_HOPS_MAX	8
#define IPC_HOST_MAX		256	/* a domain name, 255 octets */
#define IPC_NUMADDR_MAX		64	/* a numeric IPv4 or IPv6 address */

struct msg_relay_rcpt {
	char		addr[IPC_ADDR_MAX];
	uint32_t	notify;			/* DSN_NOTIFY_*; 0: not given */
	char		orcpt[IPC_ADDR_MAX];	/* "rfc822;addr" or "" */
};

struct msg_relay_hop {
	char		name[IPC_HOST_MAX];	/* for the log: mx.example */
	char		addr[IPC_NUMADDR_MAX];	/* numeric */
	uint32_t	port;			/* 1 .. 65535 */
	uint32_t	flags;			/* IPC_HOP_* */
};

/*
 * A host of the best MX preference, or a next hop reached without an MX
 * lookup.  A server there that answers EHLO with this host's myhostname
 * is a mail loop that bounces (5.4.6); at a worse MX host the next host
 * is tried, as in Postfix's smtp(8).
 */
#define IPC_HOP_BEST	0x01

/*
 * A DNSSEC-validated TLSA record (RFC 6698) for the host of hops[hop]
 * (and every hop of the same name): usage 2 or 3, selector 0 or 1,
 * matching type 0, 1 (32 octets) or 2 (64 octets).  In IPC_RELAY, a
 * record of usage IPC_TLSA_UNUSABLE (selector, matching type 0, no data)
 * says instead that the host's validated TLSA records are all unusable
 * (RFC 7672 2.2: TLS is required, the certificate not checked: as at
 * encrypt); such a host has no other record.
 */
#define IPC_TLSA_MAX		8
#define IPC_TLSA_UNUSABLE	255
#define IPC_TLSA_DATA_MAX	128
#define IPC_SASL_MAX		256

struct msg_relay_tlsa {
	uint32_t	hop;
	uint32_t	usage;
	uint32_t	selector;
	uint32_t	mtype;
	uint32_t	len;
	uint8_t		data[IPC_TLSA_DATA_MAX];
};

struct msg_relay {
	char		qid[IPC_QID_MAX];
	uint64_t	content_len;
	char		sender[IPC_ADDR_MAX];	/* "" = null sender */
	uint32_t	flags;			/* MSG_FLAG_* */
	uint32_t	ret;			/* enum dsn_ret */
	char		envid[IPC_ENVID_MAX];
	uint32_t	nrcpt;			/* 1 .. IPC_RELAY_RCPT_MAX */
	struct msg_relay_rcpt rcpt[IPC_RELAY_RCPT_MAX];
	uint32_t	nhops;			/* 1 .. IPC_RELAY_HOPS_MAX */
	struct msg_relay_hop hops[IPC_RELAY_HOPS_MAX];
	/* the destination's TLS policy (queue read smtp_tls_policy_maps) */
	uint32_t	tls_level;		/* enum tls_level */
	char		tls_match[IPC_TEXT_MAX];	/* verify, secure: the
					   names, blank-separated; "hostname"
					   is the hop's name */
	uint32_t	ntlsa;			/* dane: 0 acts as may */
	struct msg_relay_tlsa tlsa[IPC_TLSA_MAX];
	/* smtp_sasl_password_maps: this destination's only; "": no AUTH */
	char		sasl_user[IPC_SASL_MAX];
	char		sasl_pass[IPC_SASL_MAX];
};

struct msg_relay_verdict {
	uint32_t	status;			/* enum deliver_status */
	char		dsn[IPC_DSN_MAX];
	char		text[IPC_TEXT_MAX];	/* the server's reply, or why */
};

struct msg_relay_result {
	/* "mx.example[192.0.2.1]:25", or "none" when no hop answered */
	char		relay[IPC_HOST_MAX + IPC_NUMADDR_MAX + 16];
	/* Postfix's delays c/d: connection set-up and transmission, ms */
	uint32_t	conn_ms;
	uint32_t	xfer_ms;
	uint32_t	nrcpt;
	struct msg_relay_verdict v[IPC_RELAY_RCPT_MAX];
};

/*
 * IPC_DNS_MX (queue to dns): where mail for a domain (or a next-hop
 * host name) goes.
 * IPC_DNS_MX_RESULT: the next hops in order (MX preference, equal ones
 * shuffled, each host's IPv4 then IPv6 addresses; the domain itself when
 * it has no MX), or why there are none.  secure: the answers were
 * DNSSEC-validated.
 */
enum dns_status {
	DNS_OK = 0,
	DNS_NXDOMAIN,		/* the domain does not exist: 5.1.2 */
	DNS_NULLMX,		/* RFC 7505: it takes no mail: 5.1.10 */
	DNS_NOHOST,		/* its hosts have no address: 5.4.4 */
	DNS_TEMPFAIL,		/* try again: 4.4.3 */
	DNS_LOOP,		/* the best MX is self: 5.4.6 */
	DNS_NOPRIMARY,		/* self is the best MX with an address, a
				   better one has none: 4.4.4 */
	DNS_STATUS_MAX
};

#define DNS_QUERY_NOMX	0x1	/* [name]: its A/AAAA only, no MX lookup */

struct msg_dns_query {
	char		domain[IPC_HOST_MAX];
	uint32_t	flags;			/* DNS_QUERY_* */
	/* myhostname, or "" (queue sends it for port 25 only, as
	   Postfix's smtp(8) detects loops there only): an MX host of that
	   name, or one with an address of this host (master's -A: the
	   addresses of inet_interfaces and proxy_interfaces), and every
	   host of equal or worse preference are left out (we are a backup
	   MX); if it is the best, the answer is DNS_LOOP.  A "[name]"
	   (DNS_QUERY_NOMX) with an address of this host: DNS_LOOP */
	char		self[IPC_HOST_MAX];
};

struct msg_dns_answer {
	uint32_t	status;			/* enum dns_status */
	uint32_t	secure;			/* 0 or 1 */
	char		text[IPC_TEXT_MAX];	/* why, for the log */
	uint32_t	nhops;			/* DNS_OK: 1 .. */
	struct msg_relay_hop hops[IPC_RELAY_HOPS_MAX];
};

void	enc_dns_query(struct wbuf *, const struct msg_dns_query *);
int	dec_dns_query(struct rbuf *, struct msg_dns_query *);
void	enc_dns_answer(struct wbuf *, const struct msg_dns_answer *);
int	dec_dns_answer(struct rbuf *, struct msg_dns_answer *);
const char *ipc_check_dns_query(const struct msg_dns_query *);
const char *ipc_check_dns_answer(const struct msg_dns_answer *);

/*
 * IPC_DNS_TLSA (queue to dns): the TLSA records (RFC 7672 2.2) of mail
 * hosts, _PORT._tcp.HOST, for a destination at the dane level whose MX
 * (or, for a "[name]" next hop, address) answer was DNSSEC-validated.
 * IPC_DNS_TLSA_RESULT: per host, in the query's order, whether DANE
 * applies (validated records relay can use), does not (none, or not
 * validated: the host is used as at may), applies with every record
 * unusable (validated records, none of usage 2 or 3 with a selector
 * and matching type relay knows: TLS without authentication, RFC 7672
 * 2.2), or the lookup failed (a validation or server failure: the host
 * is not used); and the records, rec[i].hop naming the host by its
 * index.
 */
enum dns_tlsa_state {
	TLSA_NONE = 0,
	TLSA_FOUND,
	TLSA_FAILED,
	TLSA_UNUSABLE,
	TLSA_STATE_MAX
};

struct msg_dns_tlsa_query {
	uint32_t	port;			/* 1 .. 65535: _PORT._tcp */
	uint32_t	nhosts;			/* 1 .. IPC_RELAY_HOPS_MAX */
	char		hosts[IPC_RELAY_HOPS_MAX][IPC_HOST_MAX];
};

struct msg_dns_tlsa_answer {
	uint32_t	nhosts;			/* as the query's */
	uint32_t	state[IPC_RELAY_HOPS_MAX];	/* dns_tlsa_state */
	uint32_t	nrec;
	struct msg_relay_tlsa rec[IPC_TLSA_MAX];
};

void	enc_dns_tlsa_query(struct wbuf *, const struct msg_dns_tlsa_query *);
int	dec_dns_tlsa_query(struct rbuf *, struct msg_dns_tlsa_query *);
void	enc_dns_tlsa_answer(struct wbuf *,
	    const struct msg_dns_tlsa_answer *);
int	dec_dns_tlsa_answer(struct rbuf *, struct msg_dns_tlsa_answer *);
const char *ipc_check_dns_tlsa_query(const struct msg_dns_tlsa_query *);
const char *ipc_check_dns_tlsa_answer(const struct msg_dns_tlsa_answer *);

/*
 * IPC_SASL_LOOKUP (queue to master): the smtp_sasl_password_maps entry
 * of one destination ("[address]:port" or a domain), which master alone
 * reads.  IPC_SASL_CREDS: found, and that entry's user and password;
 * queue passes them to relay with that destination's delivery only.
 */
struct msg_sasl_lookup {
	char		dest[IPC_HOST_MAX];
};

struct msg_sasl_creds {
	uint32_t	found;			/* 0 or 1 */
	char		user[IPC_SASL_MAX];
	char		pass[IPC_SASL_MAX];
};

void	enc_sasl_lookup(struct wbuf *, const struct msg_sasl_lookup *);
int	dec_sasl_lookup(struct rbuf *, struct msg_sasl_lookup *);
void	enc_sasl_creds(struct wbuf *, const struct msg_sasl_creds *);
int	dec_sasl_creds(struct rbuf *, struct msg_sasl_creds *);
const char *ipc_check_sasl_lookup(const struct msg_sasl_lookup *);
const char *ipc_check_sasl_creds(const struct msg_sasl_creds *);

void	enc_relay(struct wbuf *, const struct msg_relay *);
int	dec_relay(struct rbuf *, struct msg_relay *);
void	enc_relay_result(struct wbuf *, const struct msg_relay_result *);
int	dec_relay_result(struct rbuf *, struct msg_relay_result *);
const char *ipc_check_relay(const struct msg_relay *);
const char *ipc_check_relay_result(const struct msg_relay_result *);


/* The payloads between smtpd and auth. */
#include "privsep/ipc_auth.h"

/*
 * IPC_KEY_SIGN (smtpd to keys): one private-key operation on key number
 * key (0: smtpd_tls_key_file).  The oracle only signs: an RSA private
 * encryption of data with PKCS#1 type 1 padding (a DigestInfo) or none
 * (TLS's PSS, padded by the asker, exactly the modulus' size), or an
 * ECDSA signature of a digest.  IPC_KEY_SIGN_OK: the signature (RSA:
 * the modulus' size; ECDSA: DER).
 */
#define IPC_KEYS_MAX		4	/* keys the oracle may hold */
#define IPC_KEY_DATA_MAX	1024	/* 8192-bit RSA */
#define IPC_KEY_DIGEST_MAX	64	/* SHA-512 */
enum key_op {
	KEY_OP_RSA_PKCS1 = 0,
	KEY_OP_RSA_RAW,
	KEY_OP_ECDSA,
	KEY_OP_MAX
};
struct msg_key_sign {
	uint32_t	key;			/* < IPC_KEYS_MAX */
	uint32_t	op;			/* enum key_op */
	uint32_t	len;			/* 1 .. IPC_KEY_DATA_MAX */
	uint8_t		data[IPC_KEY_DATA_MAX];
};
struct msg_key_sig {
	uint32_t	len;			/* 1 .. IPC_KEY_DATA_MAX */
	uint8_t		data[IPC_KEY_DATA_MAX];
};
void	enc_key_sign(struct wbuf *, const struct msg_key_sign *);
int	dec_key_sign(struct rbuf *, struct msg_key_sign *);
void	enc_key_sig(struct wbuf *, const struct msg_key_sig *);
int	dec_key_sig(struct rbuf *, struct msg_key_sig *);
const char *ipc_check_key_sign(const struct msg_key_sign *);
const char *ipc_check_key_sig(const struct msg_key_sig *);
/* An encoder's own check (ipc_fields.c): fatal unless ipc_enc_unchecked. */
void	ipc_enc_check(const char *what, const char *why);

/*
 * Every payload, as the channel hands it to a handler: the member is the
 * row's payload name (msg->qid for a row whose payload is qid), decoded
 * and validated before the handler runs.  A row without a payload
 * (none) leaves it unset.
 */
union ipc_msg {
#define IPC_MSG_MEMBER(name) struct msg_##name name;
	IPC_PAYLOADS(IPC_MSG_MEMBER)
#undef IPC_MSG_MEMBER
};

/*
 * Set only by tests playing a compromised sender: encoders then write
 * what they are given (a compromised process can write any bytes, so
 * this gives nothing away).
 */
extern int	ipc_enc_unchecked;

#endif
