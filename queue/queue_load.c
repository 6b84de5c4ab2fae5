/*
 * queue_load.c: the spool scan at start-up.  Files left in incoming/
 * were never acknowledged to smtpd and are removed; active/ and hold/
 * are loaded; a file that does not parse is moved to corrupt/.
 */
#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"
#include "queue/dsn.h"
#include "queue/fsync_pool.h"
#include "queue/qid.h"
#include "queue/rcptdup.h"
#include "queue/sched.h"
#include "queue/queue.h"
#include "queue/spool.h"

/* ---- start-up ---- */

void
drop_unacknowledged(const char *name, void *arg)
{
	char path[300];

	snprintf(path, sizeof(path), "incoming/%s", name);
	if (unlink(path) == 0)
		log_info("%s: removed unacknowledged incoming file", name);
}

static void
load_committed(struct queue *q, const char *dir, const char *name)
{
	struct qmsg	*m;
	struct qenv	 env;
	uint64_t	 off;
	char		 err[256], path[300];
	int		 fd;

	if (!qid_valid(name)) {
		xstrlcpy(err, "not a queue id", sizeof(err));
		goto corrupt;
	}
	if (spool_load(dir, name, &env, &off, err, sizeof(err)) == -1)
		goto corrupt;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		log_warn("%s: cannot open", name);
		qenv_free(&env);
		return;
	}
	m = qmsg_new(q, &env, off, fd);
	m->held = strcmp(dir, "hold") == 0;
	return;
corrupt:
	if (spool_quarantine(dir, name) == -1)
		log_warn("%s: corrupt (%s) and cannot be moved aside", name,
		    err);
	else
		log_warnx("%s: corrupt queue file (%s): moved to corrupt/",
		    name, err);
}

void
load_active(const char *name, void *arg)
{
	load_committed(arg, "active", name);
}

void
load_held(const char *name, void *arg)
{
	load_committed(arg, "hold", name);
}
