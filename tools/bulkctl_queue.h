/*
 * bulkctl_queue.h: bulkctl's queue commands, spoken over the control
 * socket that queue serves (see queue/admin.c).
 */
#ifndef BH_BULKCTL_QUEUE_H
#define BH_BULKCTL_QUEUE_H

#include <stddef.h>

#include "conf/config.h"

/* One queue listing line "M\t..." or "R\t..." split; for tests too. */
struct ql_msg {
	char	queue[16];
	char	id[64];
	long long arrival;
	long long size;
	char	sender[1024];
};

int	bulkctl_mailq(const struct bh_config *, int json);
int	bulkctl_flush(const struct bh_config *);
/* hold, release, delete, requeue, cat: ids, "ALL", or "-" (stdin). */
int	bulkctl_change(const struct bh_config *, const char *op, int argc,
	    char **argv);

#endif
