/*
 * qfile.h: the queue file, version 3.  One writer (qfile_format), one
 * reader (qfile_parse_envelope), fuzzed.  Version 2 files (no M records)
 * are still read, and written back as version 3.
 *
 *   [content]   the message as received: trace header, headers, body,
 *               LF line endings, written by smtpd into the fd queue gave it
 *   [envelope]  appended by queue at commit, one record a line:
 *                 V3            version (V2: the same without M)
 *                 I<queue id>
 *                 T<arrival, seconds since the epoch>
 *                 Z<content bytes>
 *                 S<sender>     (empty: the null sender)
 *                 H<helo name>
 *                 C<client address>
 *                 N<client name>
 *                 Q<ret>        DSN RET: 0 not given, 1 FULL, 2 HDRS
 *                 F<flags>      decimal, MSG_FLAG_* | QFLAG_*
 *                 X<envid>      DSN ENVID (may be empty)
 *                 W<w>          '-', or 'W' once a delay warning is queued
 *                 R<s><n> <next try> <attempts> <notify> <address>
 *                               one per recipient, then its O record:
 *                               s status: '-' pending, 'D' delivered,
 *                                 'B' bounced (failed for good)
 *                               n notice: '-' none queued yet, 'N' the
 *                                 DSN for this final status is queued
 *                               next try: 16 lower-case hex digits
 *                               attempts: 8 lower-case hex digits
 *                               notify: one hex digit, DSN_NOTIFY_*
 *                 O<orcpt>      DSN ORCPT ("rfc822;addr"; may be empty)
 *                 M<key>        zero or more (up to QRCPT_DONE_MAX): an
 *                               alias member the recipient already
 *                               delivered to while it was deferred, as
 *                               local keys it (IPC_MEMBER_KEY_LEN hex
 *                               digits); retries skip it
 *                 E             end
 *   [trailer]   "BHQ2 " + 16 hex digits (the envelope offset) + "\n"
 *
 * The mutable bytes (W, status, notice, next try and attempts) are
 * rewritten in place with pwrite and fdatasync.  Each of those bytes is
 * valid whatever its neighbours hold, so even a torn write leaves a
 * readable file.  A status goes final only after the delivery, and a
 * notice flag only after the notice is committed: a crash may repeat a
 * delivery or a notice, never lose one.  A file without a valid trailer
 * and envelope is corrupt and is moved aside.
 *
 * M records are added by appending a whole new envelope and trailer
 * after the old trailer (qfile_format_at with the new offset), then
 * fdatasync: the old envelope stays behind as dead bytes, the last
 * trailer names the envelope in force.  The content is still the first
 * Z bytes; the envelope offset may be larger than Z.
 */
#ifndef BH_QFILE_H
#define BH_QFILE_H

#include <stddef.h>
#include <stdint.h>

#include "privsep/ipc_msgs.h"

#define QFILE_VERSION		"3"
#define QFILE_VERSION_OLD	"2"	/* read, never written */
#define QRCPT_DONE_MAX		IPC_DONE_MAX
#define QFILE_TRAILER_LEN	22
#define QFILE_ENVELOPE_MAX	(8 * 1024 * 1024)
#define QFILE_RCPT_MAX		10000

#define QRCPT_PENDING		'-'
#define QRCPT_DELIVERED		'D'
#define QRCPT_BOUNCED		'B'

#define QNOTICE_NONE		'-'
#define QNOTICE_QUEUED		'N'

#define QWARN_NONE		'-'
#define QWARN_SENT		'W'

/* Queue-internal message flags, above the MSG_FLAG_* from smtpd. */
#define QFLAG_BOUNCE		0x100	/* a notice queue made itself */
#define QFLAG_DOUBLE_BOUNCE	0x200	/* a notice about a failed notice */
#define QFLAG_MASK		(MSG_FLAG_MASK | QFLAG_BOUNCE | \
				    QFLAG_DOUBLE_BOUNCE)

/* Offsets of the mutable fields from a recipient's status byte. */
#define QRCPT_NOTICE_OFF	1
#define QRCPT_SCHED_OFF		3	/* "%016x %08x" */
#define QRCPT_SCHED_LEN		25

struct qrcpt {
	char		addr[IPC_ADDR_MAX];
	char		orcpt[IPC_ADDR_MAX];
	char		status;
	char		notice;
	uint32_t	notify;		/* DSN_NOTIFY_* */
	uint64_t	next_try;	/* seconds since the epoch */
	uint32_t	attempts;
	uint64_t	status_off;	/* from the start of the envelope */
	char		(*done)[IPC_MEMBER_KEY_LEN + 1];	/* M records */
	uint32_t	ndone;
};

struct qenv {
	char		 qid[IPC_QID_MAX];
	uint64_t	 arrival;
	uint64_t	 size;
	char		 sender[IPC_ADDR_MAX];
	char		 helo[256];
	char		 client_addr[64];
	char		 client_name[256];
	uint32_t	 ret;		/* enum dsn_ret */
	uint32_t	 flags;		/* MSG_FLAG_* | QFLAG_* */
	char		 envid[IPC_ENVID_MAX];
	char		 warned;	/* QWARN_* */
	uint64_t	 warn_off;	/* of the W byte, in the envelope */
	struct qrcpt	*rcpt;
	size_t		 nrcpt;
};

/*
 * Format the envelope and trailer for a file whose content is env->size
 * bytes.  Returns a malloc'd buffer and its length, and sets each
 * recipient's status_off and env->warn_off; NULL if a field cannot be
 * stored.
 */
char	*qfile_format(struct qenv *, size_t *len);
/* The same for an envelope that starts at env_off (its trailer says so). */
char	*qfile_format_at(struct qenv *, uint64_t env_off, size_t *len);

/*
 * Add an alias member key to a recipient's done list: 1 added, 0 it was
 * there, -1 a bad key, the list is full or no memory.
 */
int	 qrcpt_done_add(struct qrcpt *, const char *key);

/* The bytes of a recipient's next try and attempts, for an in-place update. */
void	 qfile_format_sched(const struct qrcpt *, char out[QRCPT_SCHED_LEN + 1]);

/*
 * Parse the trailer (the last QFILE_TRAILER_LEN bytes of a file of
 * file_size bytes): returns the envelope offset, or -1.
 */
int64_t	 qfile_parse_trailer(const char *buf, size_t len, uint64_t file_size);

/* Parse an envelope (without trailer).  0, or -1 with err set. */
int	 qfile_parse_envelope(const char *buf, size_t len, struct qenv *,
	    char *err, size_t errlen);

void	 qenv_free(struct qenv *);
/* Add a pending recipient; orcpt may be "" and notify 0. */
int	 qenv_add_rcpt(struct qenv *, const char *addr);
int	 qenv_add_rcpt_dsn(struct qenv *, const char *addr, uint32_t notify,
	    const char *orcpt);

#endif
