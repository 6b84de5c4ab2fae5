/*
 * pickup.h: the pickup compartment's parts.
 */
#ifndef BH_PICKUP_H
#define BH_PICKUP_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include "pickup/dropfile.h"

/*
 * pickup_headers.c: what Postfix's cleanup adds to a local submission:
 * always a Received: line naming the uid, and Date:, Message-ID: and
 * From: (with the full name) when the message has none (have:
 * DROP_HAVE_*).  Written into buf; returns the length, or 0 if it does
 * not fit.
 */
struct pickup_hdr_in {
	const char	*myhostname;
	const char	*mail_name;
	const char	*qid;
	uid_t		 uid;
	const char	*from;		/* the author: the user's address */
	const char	*fullname;	/* "" = none */
	unsigned	 have;
	time_t		 now;
};

size_t	pickup_headers(const struct pickup_hdr_in *, char *buf, size_t len);

#endif
