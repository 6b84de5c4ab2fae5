/*
 * qfile.h: the queue file, version 2.  One writer (qfile_format), one
 * reader (qfile_parse_envelope), fuzzed.
 *
 *   [content]   the message as received: trace header, headers, body,
 *               LF line endings, written by smtpd into the fd queue gave it
 *   [envelope]  appended by queue at commit, one record a line:
 *                 V2            version
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
 */
#ifndef BH_QFILE_H
#define BH_QFILE_H

#include <stddef.h>
#include <stdint.h>

#include "privsep/ipc_msgs.h"

#define QFILE_VERSION		"2"
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
