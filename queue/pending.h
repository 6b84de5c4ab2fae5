/*
 * pending.h: queue's lookups in flight for a message's recipients (an MX
 * lookup or a TLSA lookup at dns, credentials at master), by request id.
 * Each kind keeps its own set and embeds struct pending first in its
 * record, so the set's functions and free() work on it.  While a lookup
 * is in flight its recipients are marked in flight and count against
 * their destination's concurrency (destconc.c).
 */
#ifndef BH_PENDING_H
#define BH_PENDING_H

#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "privsep/ipc_msgs.h"
#include "queue/destconc.h"

struct qmsg;

struct pending {
	RB_ENTRY(pending)	 entry;
	uint32_t		 id;		/* the request's id */
	struct qmsg		*msg;
	size_t			 n;
	size_t			 rcpt[IPC_RELAY_RCPT_MAX];
	char			 dest[DEST_KEY_MAX];	/* destconc.c's key */
};

RB_HEAD(pending_tree, pending);

struct pending_set {
	struct pending_tree	 tree;
	size_t			 n;
};

#define PENDING_SET_INITIALIZER(s)	{ RB_INITIALIZER(&(s).tree), 0 }

/* Add p (its id set); a second request with the same id is fatal. */
void		 pending_add(struct pending_set *, struct pending *);
/* The request with this id, taken out of the set; NULL if none. */
struct pending	*pending_take(struct pending_set *, uint32_t id);
/* The request with this id, left in the set; NULL if none. */
struct pending	*pending_find(struct pending_set *, uint32_t id);
/* Mark p's recipients in flight and count its destination. */
void		 pending_mark(struct pending *);
/* The lookup is over without a delivery: undo pending_mark. */
void		 pending_release(struct pending *);
/*
 * The peer went away: every request is released, freed, and its
 * recipients are due again at next_try.
 */
void		 pending_requeue_all(struct pending_set *, time_t next_try);

#endif
