/*
 * local_slots.h: queue's delivery slots to local, shared fairly: at most
 * local_destination_concurrency_limit deliveries in flight per local
 * destination (a recipient's local part without its extension, and its
 * domain), so that one user whose deliveries hang (a writer or runner
 * the user stopped) holds no more than that; and every delivery a
 * deadline, local_time_limit.
 */
#ifndef BH_LOCAL_SLOTS_H
#define BH_LOCAL_SLOTS_H

#include <stddef.h>

#include "privsep/ipc_msgs.h"

#define SLOT_KEY_MAX	(IPC_ADDR_MAX + 1)

struct slot_dest {
	char		 key[SLOT_KEY_MAX];
	unsigned	 n;
};

/* All destinations with a delivery in flight (at most the concurrency). */
struct slot_table {
	struct slot_dest	*d;
	size_t			 n, cap;
};

void	slot_key(const char *addr, const char *delim, char *key, size_t len);
int	slot_may_take(const struct slot_table *, const char *key,
	    unsigned limit);
void	slot_take(struct slot_table *, const char *key);
void	slot_release(struct slot_table *, const char *key);

#endif
