/*
 * dupfilter.h: local's duplicate filter across the recipients of one
 * message.  queue hands local one recipient at a time; when an alias
 * (or a .forward) reaches an account that another recipient of the same
 * message reaches too (team and alice both in RCPT TO), the account's
 * mailbox gets one copy, as Postfix's duplicate filter gives it.
 *
 * A claim is (queue id, key) held by one recipient index: the first
 * recipient to reach the key holds it for good (its retries deliver it),
 * the others skip it (a command or a file by dup_target_key()).  The
 * table is bounded: the oldest claims go first,
 * so a message retried long after may repeat a copy, never lose one.
 */
#ifndef BH_DUPFILTER_H
#define BH_DUPFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "privsep/ipc_msgs.h"

#define DUP_KEY_MAX	1024	/* dup_target_key(): fits the longest */

struct dupfilter;

struct dupfilter *dup_new(size_t max);
void	dup_free(struct dupfilter *);
/*
 * 0 if idx holds (qid, key) (now, or since an earlier call), 1 if another
 * recipient index does (then *holder is that index).
 */
int	dup_claim(struct dupfilter *, const char *qid, const char *key,
	    uint32_t idx, uint32_t *holder);
size_t	dup_count(const struct dupfilter *);

/*
 * The identity of a runner target, as Postfix's duplicate filter keys it:
 * its kind and text, and the account it runs as, named by what master
 * derives it from (the ~/.forward's user; the alias file by its map, or
 * the :include: file that lists it).  Two targets are one delivery when
 * their keys are equal.
 */
void	dup_target_key(const struct msg_runner_open *, char *out, size_t len);

#endif
