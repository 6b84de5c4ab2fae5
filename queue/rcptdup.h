/*
 * rcptdup.h: one envelope recipient per address per message, as
 * Postfix's cleanup keeps it.  A RCPT that repeats an address already in
 * the envelope (the domain compared without regard to case, the local
 * part exactly) adds no recipient; its DSN NOTIFY is merged into the
 * first one's and the first ORCPT stays.
 */
#ifndef BH_RCPTDUP_H
#define BH_RCPTDUP_H

#include <stddef.h>
#include <stdint.h>

#include "queue/qfile.h"

/* Do a and b name the same recipient? */
int		 rcpt_same(const char *a, const char *b);
/* The recipient of env that addr repeats, or NULL. */
struct qrcpt	*rcpt_find(struct qenv *, const char *addr);
/*
 * The NOTIFY that keeps both requests' notices: the union of what each
 * asked for (not given counts as FAILURE,DELAY, RFC 3461 section 4.1);
 * NEVER only when both said NEVER.
 */
uint32_t	 rcpt_merge_notify(uint32_t first, uint32_t again);

#endif
