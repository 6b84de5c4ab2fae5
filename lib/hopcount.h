/*
 * hopcount.h: the Received: header fields of a message's primary header,
 * as Postfix's cleanup counts them for hopcount_limit (default 50): a
 * message whose header holds that many is refused (smtpd: "554 5.4.0
 * Error: too many hops" at the end of DATA) or bounced (a local
 * submission).  Only Received: counts (Delivered-To: is local
 * delivery's loop check, not a hop); the field name is matched without
 * regard to case, with blanks allowed before the colon, as Postfix's
 * header_opts_find() does.  The header ends at the first empty line, or
 * at a line that is neither a field nor a continuation (the body).
 * smtpd and pickup, which parse the content on receipt, share these.
 */
#ifndef BH_HOPCOUNT_H
#define BH_HOPCOUNT_H

#include <stddef.h>

enum hop_line {
	HOP_RECEIVED,		/* a Received: field */
	HOP_FIELD,		/* another header field */
	HOP_CONTINUATION,	/* a folded line (starts with a blank) */
	HOP_END			/* empty, or not a header line: the body */
};

/* What the line l (n octets, without its newline) is in a header. */
enum hop_line	hop_line_kind(const char *l, size_t n);
/*
 * The same for only the first n octets of a longer line: a name (and
 * blanks) that runs to the end of them is taken as another field, never
 * as the end of the header.
 */
enum hop_line	hop_prefix_kind(const char *l, size_t n);
/* The Received: fields of the header that starts msg (LF line ends). */
size_t		hop_count(const char *msg, size_t len);

#endif
