/*
 * queue.h: the queue compartment's state, shared by its files: queue.c
 * (the process: messages, scheduler, channels), queue_receive.c (from
 * smtpd), queue_deliver.c (to and from local), queue_notice.c (notices),
 * queue_load.c (start-up) and admin.c (the control socket).
 */
#ifndef BH_QUEUE_H
#define BH_QUEUE_H

#include <sys/queue.h>
#include <sys/tree.h>

#include <time.h>

#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"
#include "queue/dsn.h"
#include "queue/qfile.h"
#include "queue/qid.h"
#include "queue/sched.h"
#include "queue/spare.h"
#include "queue/local_slots.h"

struct inflight;
RB_HEAD(inflight_tree, inflight);

/* What is known about a recipient only while queue runs. */
struct rcpt_sched {
	int	inflight;
	char	dsn[IPC_DSN_MAX];	/* last outcome, for notices */
	char	text[IPC_TEXT_MAX];
	char	owner[IPC_ADDR_MAX];	/* failure notices go there; "": to
					   the sender (not kept over a
					   restart) */
};

struct qmsg {
	TAILQ_ENTRY(qmsg)	 entry;
	struct qenv		 env;
	uint64_t		 env_off;
	int			 fd;		/* read-write: status marks */
	struct rcpt_sched	*sched;
	size_t			 unfinished;
	size_t			 ninflight;
	int			 held;		/* in hold/: not scheduled */
	int			 deleted;	/* file gone; freed when idle */
	int			 marks_unsynced; /* status bytes not synced */
};

struct incoming {
	TAILQ_ENTRY(incoming)	 entry;
	struct qenv		 env;
	int			 fd;		/* the queue file: queue's alone */
	int			 content;	/* the memory file smtpd writes */
	int			 failed;	/* a recipient could not be kept */
	struct ipc_chan		*chan;		/* smtpd's or pickup's */
};

struct queue {
	struct worker_env	 we;
	struct qid_gen		 qids;
	struct ipc_chan		*smtpd;
	struct ipc_chan		*local;
	struct ipc_chan		*pickup;	/* local submissions */
	struct ipc_chan		*relay;		/* queue_relay.c */
	struct ipc_chan		*dns;		/* queue_dns.c */
	TAILQ_HEAD(, qmsg)	 msgs;
	TAILQ_HEAD(, incoming)	 incoming;
	struct inflight_tree	 inflight;	/* see queue_deliver.c */
	int			 ninflight;
	struct slot_table	 slots;		/* in flight per destination */
	struct event		*run_ev;
	struct sched_params	 sp;
	time_t			 next_deferred_scan;
	int			 deferred_scan;	/* one is under way */
	struct fsync_pool	*pool;
	uint64_t		 smtpd_gen;	/* bumped for each smtpd channel */
	uint64_t		 pickup_gen;	/* and each pickup channel */
	struct evconnlistener	*admin;		/* the control socket */
	struct spare_pool	 spares;	/* emptied files for reuse */
};

/* queue.c, for admin.c */
time_t		 queue_now(void);
void		 queue_schedule_soon(struct queue *);
struct qmsg	*queue_find(struct queue *, const char *qid);
/* Take a message out of the queue: its file and its state. */
void		 queue_delete(struct queue *, struct qmsg *);
const char	*queue_dir(const struct qmsg *);

/* queue.c: master hands over a channel to smtpd or local (the unit test
   plays master with it) */
void		 queue_on_peer(struct worker_env *, enum bh_role, int fd);

/* queue.c, for the other parts */
struct qmsg	*qmsg_new(struct queue *, struct qenv *, uint64_t env_off,
		    int fd);
int		 qmsg_idle_work(struct queue *, struct qmsg *, time_t);

/* queue_receive.c */
void		 incoming_drop(struct queue *, struct incoming *);
/* A submitter's channel closed: what it had not committed goes. */
void		 incoming_drop_chan(struct queue *, struct ipc_chan *);
void		 on_create(struct queue *, struct ipc_chan *, uint32_t id);
void		 on_rcpt(struct queue *, struct ipc_chan *, uint32_t id,
		    const struct msg_rcpt *);
void		 on_commit(struct queue *, struct ipc_chan *, uint32_t id,
		    const struct msg_commit *);
void		 on_abort(struct queue *, struct ipc_chan *, uint32_t id,
		    const struct msg_qid *);

/* queue_deliver.c */
/* 1: not now, the recipient's destination has all its slots */
int		 deliver_one(struct queue *, struct qmsg *, size_t rcpt);
void		 sync_marks(struct qmsg *);
void		 on_deliver_result(struct queue *, struct ipc_chan *,
		    uint32_t id, uint32_t type, const union ipc_msg *);
void		 on_progress(struct queue *, struct ipc_chan *,
		    const struct msg_deliver_progress *);
void		 requeue_inflight(struct queue *);
void		 record_final(struct qmsg *, size_t i, char status,
		    const struct msg_deliver_result *);

/* queue_relay.c */
void		 relay_prepare(struct queue *);
int		 relay_wanted(const struct queue *, const struct qmsg *,
		    size_t rcpt);
/* 1: not now, the destination (or the relay) has all its slots */
int		 relay_dispatch(struct queue *, struct qmsg *, size_t rcpt,
		    time_t now, int deferred_scan);
void		 on_relay_result(struct queue *, struct ipc_chan *,
		    uint32_t id, uint32_t type, const union ipc_msg *);
void		 relay_requeue_inflight(struct queue *);
int		 relay_add_forwards(struct queue *, struct qmsg *, size_t rcpt,
		    const struct msg_deliver_result *);
void		 relay_send(struct queue *, struct qmsg *, const size_t *rcpt,
		    size_t n, const struct msg_relay_hop *hops, size_t nhops,
		    int marked);
void		 relay_send_tlsa(struct queue *, struct qmsg *,
		    const size_t *rcpt, size_t n,
		    const struct msg_relay_hop *hops, size_t nhops, int marked,
		    const struct msg_relay_tlsa *, size_t ntlsa);
void		 relay_send_creds(struct queue *, struct qmsg *,
		    const size_t *rcpt, size_t n,
		    const struct msg_relay_hop *hops, size_t nhops, int marked,
		    const struct msg_relay_tlsa *, size_t ntlsa,
		    const struct msg_sasl_creds *);
void		 relay_destination(const struct queue *, const struct qmsg *,
		    size_t rcpt, char *out, size_t outlen);
void		 relay_record(struct queue *, struct qmsg *, size_t rcpt,
		    uint32_t status, const char *dsn, const char *text);
struct route;
int		 relay_same_route(const struct queue *, const struct qmsg *,
		    size_t rcpt, const struct route *);

/* queue_dns.c */
void		 dns_ask(struct queue *, struct qmsg *, size_t rcpt,
		    const struct route *, time_t now, int deferred_scan);
void		 on_dns_result(struct queue *, struct ipc_chan *, uint32_t id,
		    uint32_t type, const union ipc_msg *);
void		 dns_requeue_inflight(struct queue *);
size_t		 dns_pending(void);

/* queue_dane.c: TLSA lookups for the dane level */
int		 dane_ask(struct queue *, struct qmsg *, const size_t *rcpt,
		    size_t n, const char *domain, const struct msg_dns_answer *);
int		 dane_owns(uint32_t id);
size_t		 dane_pending(void);
void		 on_tlsa_result(struct queue *, struct ipc_chan *, uint32_t id,
		    uint32_t type, const union ipc_msg *);
void		 dane_requeue_inflight(struct queue *);

/* queue_sasl.c: credentials from master for the relay's AUTH */
int		 sasl_ask(struct queue *, struct qmsg *, const size_t *rcpt,
		    size_t n, const struct msg_relay_hop *hops, size_t nhops,
		    int marked, const struct msg_relay_tlsa *, size_t ntlsa);
int		 sasl_owns(uint32_t id);
size_t		 sasl_pending(void);
void		 on_sasl_creds(struct queue *, uint32_t id, uint32_t type,
		    const union ipc_msg *);

/* queue_tls.c: smtp_tls_policy_maps */
void		 tls_policy_prepare(struct queue *);
int		 tls_policy_level(const struct queue *, const char *dest);
int		 tls_policy_fill(const struct queue *, const char *dest,
		    struct msg_relay *, const char **why);

/* queue_notice.c */
int		 notice_send(struct queue *, struct qmsg *, enum dsn_kind,
		    struct dsn_entry *, size_t n, time_t now, const char *owner);
void		 send_notices(struct queue *, struct qmsg *, time_t now);
int		 notice_pending(struct qmsg *);
void		 send_delay_warning(struct queue *, struct qmsg *, time_t now);

/* queue_load.c: spool_walk() callbacks */
void		 drop_unacknowledged(const char *name, void *arg);
void		 load_active(const char *name, void *arg);
void		 load_held(const char *name, void *arg);

/* admin.c */
void		 admin_start(struct queue *, int listen_fd);

#endif
