/*
 * worker.h: the skeleton every compartment runs in, worker_main().  It
 * does the set-up they share: the command line, the log, closing what
 * was inherited, the event base, the channel on fd 3 (to master; a
 * writer's or runner's goes to local), the configuration, SIGTERM, the
 * sandbox its row of the compartment table describes, and the READY
 * report.  A compartment brings its handlers and hooks in a struct
 * worker_role.
 */
#ifndef BH_WORKER_H
#define BH_WORKER_H

#include "conf/config.h"
#include "privsep/ipc.h"

#define WORKER_MASTER_FD	3

struct event_base;
struct sandbox_spec;

struct worker_env {
	enum bh_role		 role;
	struct event_base	*base;
	struct bh_config	 cf;		/* spawned roles only */
	struct ipc_chan		*master;	/* spawned roles: fd 3 */
	struct ipc_chan		*local;		/* writer, runner: fd 3 */
	int			 nlisteners;	/* smtpd: fds 4 .. */
	const char		*own_addrs;	/* lookup, dns: -A, own_addrs.h */
	/* Master handed us a channel to a peer compartment. */
	void			(*on_peer)(struct worker_env *, enum bh_role,
				    int fd);
	/* A reply from master (local: WRITER_OPEN_OK / ERROR). */
	void			(*on_master_reply)(struct worker_env *,
				    const struct ipc_hdr *,
				    const union ipc_msg *, int fd);
	void			*arg;
};

/*
 * A compartment's part.  worker_main() calls, in this order: parse
 * (forked roles: their own command line, and the uid and gid of the
 * sandbox; spawned roles take "-c DIR -L N -S MODE [-A ADDRS] -v"),
 * prepare (before the privilege drop: open and read what it cannot
 * later; sb comes from the compartment table, prepare may set
 * what the row leaves to the role), start (inside the compartment,
 * before READY), ready (after READY, spawned roles: its "ready" line;
 * by default "ready"), then runs the event loop until SIGTERM or the
 * channel closes.  Any hook but a forked role's parse may be NULL.
 */
struct worker_role {
	enum bh_role	 role;
	void		(*parse)(struct worker_env *, struct sandbox_spec *,
			    int argc, char **argv);
	void		(*prepare)(struct worker_env *, struct sandbox_spec *);
	void		(*start)(struct worker_env *);
	void		(*ready)(struct worker_env *);
	/* spawned roles: from master, as in struct worker_env */
	void		(*on_peer)(struct worker_env *, enum bh_role, int fd);
	void		(*on_master_reply)(struct worker_env *,
			    const struct ipc_hdr *, const union ipc_msg *,
			    int fd);
	/* forked roles: the channel to local, and the role it speaks as
	   (its own: ROLE_WRITER or ROLE_RUNNER) */
	ipc_msg_fn	 chan_msg;
	ipc_close_fn	 chan_closed;
	enum bh_role	 chan_as;
};

/* Run a compartment; arg is its state (we->arg).  Returns its exit
   status. */
int	worker_main(const struct worker_role *, struct worker_env *,
	    void *arg, int argc, char **argv);
/* A peer broke the protocol: log it and ask master to restart it. */
void	worker_peer_violation(struct worker_env *, enum bh_role peer,
	    const char *why);

int	smtpd_main(int argc, char **argv);
int	queue_main(int argc, char **argv);
int	lookup_main(int argc, char **argv);
int	local_main(int argc, char **argv);
int	writer_main(int argc, char **argv);
int	runner_main(int argc, char **argv);
int	pickup_main(int argc, char **argv);
int	relay_main(int argc, char **argv);
int	auth_main(int argc, char **argv);
int	keys_main(int argc, char **argv);
int	dns_main(int argc, char **argv);

#endif
