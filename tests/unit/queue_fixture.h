/*
 * queue_fixture.h: what the test_queue*.c files share: the real queue with
 * fake peers on real channels (a "world"), and smtpd's side of a message.
 */
#ifndef BH_QUEUE_FIXTURE_H
#define BH_QUEUE_FIXTURE_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/event.h>

#include "lib/log.h"
#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"
#include "queue/fsync_pool.h"
#include "queue/queue.h"
#include "queue/spool.h"

#define CONTENT		"Subject: test\n\nhello\n"
#define ROUNDS_MAX	5000	/* event loop turns before giving up */

/* ---- the fakes ---- */

struct fake {
	struct ipc_chan	*c;
	int		 closed;
	int		 violation;
	/* the last reply or request that came in */
	int		 got;
	uint32_t	 type;
	uint32_t	 id;
	int		 fd;
	struct msg_qid	 qid;
	struct msg_error err;
	struct msg_deliver deliver;
};

struct world {
	char		 dir[64];
	int		 olddir;
	struct queue	 q;
	int		 runs;		/* queue asked for a scheduler run */
	struct fake	 smtpd;
	struct fake	 local;
	struct fake	 pickup;
};

/*
 * Turn the loop until cond holds (a commit's fsync runs in a pool
 * thread and comes back through a pipe: that may take a moment).
 */
#define RUN_UNTIL(w, cond) do {						\
	int	i_;							\
									\
	for (i_ = 0; i_ < ROUNDS_MAX && !(cond); i_++) {		\
		event_base_loop((w)->q.we.base, EVLOOP_NONBLOCK);	\
		if (!(cond))						\
			usleep(1000);					\
	}								\
	assert_true(cond);						\
} while (0)

/* queue_fixture.c */
extern int	violations;
extern char	violation_why[256];
extern char	logbuf[65536];
void	fake_connect(struct world *w, struct fake *f, enum bh_role role);
void	ask(struct world *w, struct fake *f, enum ipc_type type,
	    const struct wbuf *wb);
int	setup(void **state);
int	teardown(void **state);
size_t	count_files(const char *dir);
int	file_in(const char *dir, const char *qid);
size_t	count_msgs(struct world *w);
void	create(struct world *w, char *qid, size_t qidlen);
void	add_rcpt(struct world *w, const char *qid, const char *addr);
void	commit(struct world *w, const char *qid, const char *sender);
struct qmsg	*receive(struct world *w, const char *sender,
	    const char *rcpt);

/* test_queue_receive.c */
void	test_receive_commit(void **state);
void	test_receive_commit_without_rcpt(void **state);
void	test_receive_abort(void **state);
void	test_receive_bad_payload(void **state);
void	test_receive_smtpd_gone_during_commit(void **state);
void	test_receive_from_pickup(void **state);

/* test_queue_deliver.c */
void	test_deliver_request(void **state);
void	test_deliver_sent(void **state);
void	test_deliver_defer(void **state);
void	test_deliver_bounce(void **state);
void	test_deliver_local_gone(void **state);
void	test_deliver_bad_result(void **state);

#endif
