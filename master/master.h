/*
 * master.h: state of the root process, shared by the files of master/
 * and seen by nothing outside it.
 */
#ifndef BH_MASTER_H
#define BH_MASTER_H

#include <sys/types.h>
#include <limits.h>
#include <time.h>

#include "conf/config.h"
#include "privsep/ipc.h"
#include "privsep/ipc_msgs.h"
#include "conf/config_load.h"
#include "conf/config_wire.h"
#include "conf/mastercf.h"
#include "lib/ratelimit.h"

#define LISTENER_MAX	16

struct listener {
	int	 fd;
	char	 host[64];	/* "" = any */
	char	 port[8];
};

struct worker {
	enum bh_role	 role;
	pid_t		 pid;		/* 0 = not running */
	struct ipc_chan	*chan;
	time_t		 started;
	int		 backoff;	/* seconds before the next restart */
	int		 asked;		/* master asked it to stop: no backoff */
	int		 accused;	/* killed on a peer's report: no backoff */
	struct ratelimit reports;	/* its reports master believes */
	struct ratelimit requests;	/* its requests master serves */
	struct ratelimit logs;		/* its log lines master writes */
	struct event	*restart_ev;
	struct event	*retire_ev;	/* retired: killed if still there */
	struct master	*m;
};

/* lookups replaced by a new snapshot, answering what they still owe */
#define RETIRED_MAX	4

struct master {
	struct event_base	*base;
	struct bh_config	 cf;
	struct mcf_table	 mcf;
	char			 confdir[PATH_MAX];
	char			 self_exe[PATH_MAX];
	int			 debug;
	int			 verbose;
	struct listener		 lis[LISTENER_MAX];
	size_t			 nlis;
	struct worker		 workers[ROLE_COUNT];	/* by role; not writer */
	struct worker		 retired[RETIRED_MAX];
	int			 nwriters;
	int			 stopping;
	struct event		*stop_ev;
	struct event		*watch_ev;
	unsigned long long	 watch_sum;	/* passwd + aliases */
	int			 control_fd;	/* handed to queue; -1: none */
	struct child		*kids;		/* writers and runners */
	size_t			 nkids, capkids;
	struct event		*kids_ev;	/* child_watch.c's tick */
	struct include_check	*checks;	/* include_verify.c */
	size_t			 nchecks;
	struct check_job	*acheck;	/* alias_check.c: running */
	struct check_job	*ccheck;	/* config_parse.c: running */
	int			 reload_again;	/* SIGHUP during a check */
};

/* sasl_creds.c: smtp_sasl_password_maps for queue */
struct msg_sasl_lookup;
void	sasl_lookup(struct master *, struct ipc_chan *, uint32_t id,
	    const struct msg_sasl_lookup *);

/* listen.c */
int	listeners_open(struct master *, char *err, size_t errlen);

/* spawn.c */
void	spawn_all(struct master *);
void	spawn_reap(struct master *);
void	spawn_stop_all(struct master *, int sig);
int	spawn_running(const struct master *);
void	spawn_kill(struct master *, enum bh_role, const char *why);
void	spawn_rewire(struct master *, enum bh_role, enum bh_role);
void	log_suppressed(struct worker *);
void	spawn_restart(struct master *, enum bh_role);
void	spawn_kill_worker(struct worker *, const char *why);
void	spawn_handover(struct master *, enum bh_role);

/* watch.c */
/* alias_check.c: the alias files checked by a child as lookup_user. */
int	alias_check(const struct master *, const struct bh_config *,
	    char *err, size_t errlen);
typedef void (*alias_check_done)(struct master *, int ok, const char *err,
	    void *arg);
int	alias_check_start(struct master *, const struct bh_config *,
	    alias_check_done, void *arg, char *err, size_t errlen);

/* checker.c: a child that parses for master (fds on 3.., out a pipe) */
#define CHECKER_FDS_MAX	BH_LIST_MAX
struct check_job;
typedef void (*check_job_fn)(struct master *, pid_t, char *out, size_t got,
	    int status, int cancelled, void *arg);
pid_t	checker_spawn(const struct master *, char *const argv[],
	    const int *fds, size_t n, int *in, char *err, size_t errlen);
size_t	checker_collect(pid_t, int in, char *buf, size_t len, int wait_ms,
	    int *status);
void	checker_job_start(struct master *, struct check_job **slot,
	    const char *what, pid_t, int in, size_t max, int wait_ms,
	    check_job_fn, void *arg);
int	checker_reaped(struct master *, pid_t, int status);
void	checker_cancel(struct master *, struct check_job **slot);

/* config_parse.c: main.cf and master.cf parsed by a child as nobody */
int	config_parse_wait(const struct master *, struct bh_config *,
	    struct mcf_table *, char *err, size_t errlen);
/* cf: the new configuration (the callee's to keep), or NULL and err */
typedef void (*config_parsed)(struct master *, struct bh_config *cf,
	    const char *err);
int	config_parse_start(struct master *, config_parsed, char *err,
	    size_t errlen);
/* master.c: read the configuration again (SIGHUP) */
void	master_reload(struct master *);

void	watch_start(struct master *);
void	watch_reset(struct master *);

/* writer_fork.c */
struct msg_writer_open;
void	writer_open(struct master *, struct ipc_chan *, uint32_t id,
	    const struct msg_writer_open *);
int	writer_reaped(struct master *, pid_t, int status);
struct passwd;
const char *account_check(const struct master *, const char *user,
	    struct passwd **, const char **dsn, int *security);
void	printable(char *dst, const char *src, size_t len);
pid_t	child_start(struct master *, struct ipc_chan *, uint32_t id,
	    uint32_t ok_type, const char *what, char *const argv[]);

/* child_watch.c */
struct child;
void	child_track(struct master *, pid_t, const char *what);
void	child_kill_all(struct master *);
void	child_untrack(struct master *, pid_t);

/* child_log.c */
int	child_log_open(const struct master *, int *rfd);
void	child_log_watch(struct master *, int rfd, int wfd, const char *role,
	    pid_t);
int	child_log_stdio(int wfd);

/* auth_connect.c: auth asks for a connection to Dovecot's socket. */
void	auth_connect(struct master *, struct ipc_chan *, uint32_t id);

/* runner_fork.c */
struct msg_runner_open;
struct stat;
/* The account a runner gets, and its identity on the command line. */
struct runner_target {
	uid_t	 uid;
	gid_t	 gid;
	uid_t	 owner;			/* alias file: its owner, maybe 0 */
	char	 login[IPC_USER_MAX + 1];
	char	 home[PATH_MAX];
	char	 shell[PATH_MAX];
};
struct runner_ids {
	char	uid[16], gid[16], owner[16];
};
void	runner_open(struct master *, struct ipc_chan *, uint32_t id,
	    const struct msg_runner_open *);
void	runner_continue(struct master *, struct ipc_chan *, uint32_t id,
	    const struct msg_runner_open *, const struct stat *chain_st);
void	runner_refuse(struct ipc_chan *, uint32_t id, const char *name,
	    const char *why, const char *dsn, int security);
struct passwd *owner_account(const struct master *, uid_t owner);
const char *take_account(const struct passwd *, struct runner_target *);
int	runner_add_identity(char **argv, int argc,
	    const struct runner_target *, uid_t owner, struct runner_ids *);

/* include_verify.c: an :include: chain verified without master waiting */
struct include_check;
void	include_verify_start(struct master *, struct ipc_chan *, uint32_t id,
	    const struct msg_runner_open *);
int	include_reaped(struct master *, pid_t, int status);
void	include_chan_gone(struct master *, struct ipc_chan *);
void	include_stop_all(struct master *);

#endif
