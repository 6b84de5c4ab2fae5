/*
 * qfile.h: the queue file, version 1.  One writer (queue), one reader
 * (qfile_parse_envelope), fuzzed.
 *
 *   [content]   the message as received: trace header, headers, body,
 *               LF line endings, written by smtpd into the fd queue gave it
 *   [envelope]  appended by queue at commit, one record a line:
 *                 V1            version
 *                 I<queue id>
 *                 T<arrival, seconds since the epoch>
 *                 Z<content bytes>
 *                 S<sender>     (empty: the null sender)
 *                 H<helo name>
 *                 C<client address>
 *                 N<client name>
 *                 R<s><address> one per recipient; s is the status byte:
 *                               '-' pending, 'D' delivered, 'B' bounced
 *                 E             end
 *   [trailer]   "BHQ1 " + 16 hex digits (the envelope offset) + "\n"
 *
 * A recipient's status byte is rewritten in place (one pwrite and one
 * fdatasync), so a crash may repeat a delivery but never lose one.  A file
 * without a valid trailer and envelope is corrupt and is moved aside.
 */
#ifndef BH_QFILE_H
#define BH_QFILE_H

#include <stddef.h>
#include <stdint.h>

#include "privsep/ipc_msgs.h"

#define QFILE_TRAILER_LEN	22
#define QFILE_ENVELOPE_MAX	(4 * 1024 * 1024)
#define QFILE_RCPT_MAX		10000

#define QRCPT_PENDING		'-'
#define QRCPT_DELIVERED		'D'
#define QRCPT_BOUNCED		'B'

struct qrcpt {
	char		addr[IPC_ADDR_MAX];
	char		status;
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
	struct qrcpt	*rcpt;
	size_t		 nrcpt;
};

/*
 * Format the envelope and trailer for a file whose content is env->size
 * bytes.  Returns a malloc'd buffer and its length, and sets each
 * recipient's status_off; NULL if a field cannot be stored.
 */
char	*qfile_format(struct qenv *, size_t *len);

/*
 * Parse the trailer (the last QFILE_TRAILER_LEN bytes of a file of
 * file_size bytes): returns the envelope offset, or -1.
 */
int64_t	 qfile_parse_trailer(const char *buf, size_t len, uint64_t file_size);

/* Parse an envelope (without trailer).  0, or -1 with err set. */
int	 qfile_parse_envelope(const char *buf, size_t len, struct qenv *,
	    char *err, size_t errlen);

void	 qenv_free(struct qenv *);
int	 qenv_add_rcpt(struct qenv *, const char *addr);

#endif
