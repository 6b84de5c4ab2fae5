/*
 * local.h: what the files of the local delivery compartment share (not
 * an interface to anything else): a job (one recipient queue handed to
 * local), a writer or runner slot, the compartment's state, and the
 * functions one file of local calls in another.
 *
 *   local.c		the handlers: channels to queue, lookup and master,
 *			local_main
 *   local_job.c	a job's life: IPC_DELIVER, the owner and the
 *			recipient's expansion asked of lookup, failures,
 *			members done, the result to queue
 *   local_writer.c	the writer pool: opening, keeping and releasing
 *			writers, streaming the message to one
 *   local_expand.c	~/.forward and :include: files, and the accounts,
 *			commands and files they add to a job
 *   local_target.c	|command and /file targets, each by a runner
 *   worklist.c		the expansion as typed nodes with parents (pure,
 *			in the library, unit-tested)
 *   local_hooks.c	test-only triggers (--enable-test-hooks)
 *
 * The job machine (local_job, local_writer, local_expand, local_target,
 * worklist) is in libbulkhead.a: tests/unit/test_local_job.c drives it
 * through local.c's handlers against a fake queue, lookup, master and
 * writers.
 */
#ifndef BH_DELIVERY_LOCAL_H
#define BH_DELIVERY_LOCAL_H

#include <sys/queue.h>
#include <sys/tree.h>

#include <event2/event.h>

#include "delivery/worklist.h"
#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"

#define DUP_CLAIMS_MAX	20000	/* mailboxes remembered across recipients */

struct local;
struct wslot;

/* One recipient queue handed to local, until its result (local_job.c). */
struct job {
	TAILQ_ENTRY(job)	 entry;
	TAILQ_ENTRY(job)	 wentry;	/* in lo->wwait */
	int			 wwaiting;	/* for a writer slot */
	struct event		*busy_ev;	/* asks master again */
	int			 busy_tries;
	struct local		*lo;
	struct ipc_chan		*queue;		/* NULL once queue went away */
	uint32_t		 queue_id;
	struct msg_deliver	 d;
	int			 msg_fd;
	struct worklist		 wl;		/* the expansion: accounts,
						   targets, .forward and
						   :include: lookups */
	/* members that failed for good: queue bounces them if the rest
	   goes */
	uint32_t		 nfailed;
	struct msg_failed	 failed[IPC_FAILED_MAX];
	/* remote addresses the alias forwards to: queue adds them */
	uint32_t		 nremote;
	char			 remote[IPC_REMOTE_MAX][IPC_ADDR_MAX];
	int			 owner_wait;	/* OWNER_QUERY outstanding */
	int			 runner_wait;	/* RUNNER_OPEN outstanding */
	char			 owner[IPC_ADDR_MAX];	/* "": the sender */
	struct wslot		*slot;		/* the writer in use */
	struct ipc_chan		*writer;	/* its channel */
	int			 pipe_w;
	struct event		*pump_ev;
	uint64_t		 sent;
	int			 nsent;
	int			 nrun;		/* commands and files delivered */
	int			 defer;		/* a 4xx happened */
	int			 bounce;	/* a 5xx happened */
	char			 dsn[IPC_DSN_MAX];
	char			 text[IPC_TEXT_MAX];
	/* alias members delivered in this attempt, for queue (d.done: in
	   earlier ones) */
	uint32_t		 ndone;
	char			 done[IPC_DONE_MAX][IPC_MEMBER_KEY_LEN + 1];
};

#define LOOKUP_RETIRING_MAX	4

struct lwait;
RB_HEAD(lwait_tree, lwait);

/*
 * A writer master forked for one user.  It is kept a few seconds after a
 * delivery, so that a burst for the same user pays one fork and exec,
 * not one per message; it only ever serves the user master made it for.
 */
struct wslot {
	TAILQ_ENTRY(wslot)	 entry;		/* in idle while unused */
	struct local		*lo;
	char			 user[IPC_USER_MAX + 1];
	struct ipc_chan		*chan;
	struct job		*job;		/* NULL while idle */
	struct event		*idle_ev;
	int			 runner;	/* a runner: one delivery only */
};

/* The compartment: its peers, its jobs, its writers. */
struct local {
	struct worker_env	 we;
	struct ipc_chan		*queue;
	struct ipc_chan		*lookup;
	struct ipc_chan		*retiring[LOOKUP_RETIRING_MAX]; /* replaced,
						   still answering */
	struct lwait_tree	 waits;
	TAILQ_HEAD(, job)	 jobs;
	TAILQ_HEAD(, wslot)	 idle;
	int			 nidle;
	struct dupfilter	*dups;		/* mailboxes per message */
	int			 nwriters;	/* slots alive + opens asked */
	TAILQ_HEAD(, job)	 wwait;		/* jobs waiting for a slot */
};

/* local_job.c: a job's life, its questions to lookup, its result */
void wait_for(struct local *lo, enum bh_role peer, uint32_t id, struct job *j,
    struct wl_node *node);
struct job *waited_on(struct local *lo, struct ipc_chan *c, enum bh_role peer,
    uint32_t id, struct wl_node **node);
struct job *waited(struct local *lo, enum bh_role peer, uint32_t id);
void job_fail(struct job *j, const char *dsn, const char *text);
void add_failed_members(struct job *j, const struct msg_expand_ok *x);
int member_was_done(const struct job *j, const char *user,
    const struct msg_runner_open *t);
void member_delivered(struct job *j, const char *user,
    const struct msg_runner_open *t);
void job_finish(struct job *j);
void ask_lookup(struct job *j, struct wl_node *node, uint32_t type,
    const char *addr);
void expand_answer(struct job *j, struct wl_node *a, uint32_t type,
    const union ipc_msg *msg);
void on_deliver(struct local *lo, struct ipc_chan *c, uint32_t id,
    const struct msg_deliver *d, int fd);
void fail_lookup_waits(struct local *lo, struct ipc_chan *c);

/* local_writer.c: the writer pool, streaming to a writer */
void open_release(struct local *lo);
void on_slot_idle(evutil_socket_t fd, short ev, void *arg);
void writer_release(struct job *j, int keep);
void writer_done(struct job *j);
void writer_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg);
void writer_closed(struct ipc_chan *c, const char *why, int violation,
    void *arg);
void writer_ready(struct job *j, int wfd);
void start_writing(struct job *j);
void next_user(struct job *j);
void open_request(struct job *j);
int open_busy(struct job *j, const struct msg_error *e);
void writer_refused(struct job *j, const struct msg_error *e);

/* local_expand.c: ~/.forward and :include: files */
void forward_suffix(const struct job *j, const char *user, char *out,
    size_t len);
const char *cur_user(const struct job *j);
const char *cur_ext(const struct job *j);
void add_alias_targets(struct job *j, const struct msg_expand_ok *x,
    struct wl_node *node);
void forward_expanded(struct job *j, struct wl_node *a, uint32_t type,
    const union ipc_msg *msg);
void on_forward(struct job *j, const struct msg_forward_data *fd);
void include_ask(struct job *j);
void include_expanded(struct job *j, struct wl_node *a, uint32_t type,
    const union ipc_msg *msg);
void on_include(struct job *j, const struct msg_forward_data *fd);

/* local_target.c: |command and /file targets, by a runner */
void next_target(struct job *j);
void runner_answer(struct job *j, const struct ipc_hdr *h, int fd);
void runner_refused(struct job *j, const struct msg_error *e);

#ifdef BH_TEST_HOOKS
/* local_hooks.c: requests played as a compromised local would. */
void hostile_load(struct local *lo);
void hostile_load_runner(struct local *lo);
void hostile_load_flood(struct local *lo);
void hostile_send(struct local *lo);
int hostile_answer(struct local *lo, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd);
#endif

#endif
