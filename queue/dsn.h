/*
 * dsn.h: delivery status notifications (RFC 3464) that queue sends for
 * its messages: a multipart/report; report-type=delivery-status with a
 * human-readable part, the message/delivery-status part (per-message and
 * per-recipient fields) and the original headers (RET=HDRS, or a message
 * larger than the size limit) or the whole original message.
 * dsn_build is pure: the caller passes the content and the time.
 */
#ifndef BH_DSN_H
#define BH_DSN_H

#include <stddef.h>
#include <time.h>

#include "queue/qfile.h"

enum dsn_kind {
	DSN_FAILURE = 0,	/* Action: failed */
	DSN_DELAY,		/* Action: delayed */
	DSN_SUCCESS		/* Action: delivered */
};

/* Does the recipient's NOTIFY ask for this kind of notice?  (RFC 3461) */
int	dsn_wants(const struct qrcpt *, enum dsn_kind);
/*
 * May failure notices about rcpt go to owner instead of the sender?  Only
 * owner-LOCAL@DOMAIN for LOCAL@DOMAIN or LOCAL<delimiter>ext@DOMAIN (no
 * domain: myhostname), without regard to case: whoever names the owner
 * (local) cannot send a message anywhere else that way.
 */
int	dsn_owner_fits(const char *rcpt, const char *owner, const char *delims,
	    const char *myhostname);

struct dsn_entry {
	size_t		 rcpt;			/* index in env->rcpt */
	char		 status[IPC_DSN_MAX];	/* "5.1.1" */
	char		 text[IPC_TEXT_MAX];	/* diagnostic; may be "" */
	char		 member[IPC_ADDR_MAX];	/* "", or the alias member
						   of rcpt this is about */
};

struct dsn_report {
	enum dsn_kind		 kind;
	const char		*hostname;	/* Reporting-MTA */
	const struct qenv	*env;		/* the original message */
	const struct dsn_entry	*entries;
	size_t			 nentries;
	const char		*content;	/* the original message */
	size_t			 content_len;
	int			 headers_only;	/* RET=HDRS or too big */
	const char		*notice_qid;	/* for Message-Id and boundary */
	const char		*to;		/* who gets the notice */
	time_t			 now;
	time_t			 retry_until;	/* DSN_DELAY */
};

/* The notice as a message (LF line ends), malloc'd; NULL on failure. */
char	*dsn_build(const struct dsn_report *, size_t *len);

#endif
