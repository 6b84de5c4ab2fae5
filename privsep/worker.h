/*
 * worker.h: what every compartment shares: its channel to master (fd 3),
 * log forwarding, peer channels handed over by master, SIGTERM, and the
 * report that it is in its compartment.
 */
#ifndef BH_WORKER_H
#define BH_WORKER_H

#include "conf/config.h"
#include "privsep/ipc.h"

#define WORKER_MASTER_FD	3

struct event_base;

struct worker_env {
	enum bh_role		 role;
	struct event_base	*base;
	struct bh_config	 cf;
	struct ipc_chan		*master;
	int			 nlisteners;	/* smtpd: fds 4 .. */
	const char		*own_addrs;	/* lookup: -A, own_addrs.h */
	/* Master handed us a channel to a peer compartment. */
	void			(*on_peer)(struct worker_env *, enum bh_role,
				    int fd);
	/* A reply from master (local: WRITER_OPEN_OK / ERROR). */
	void			(*on_master_reply)(struct worker_env *,
				    const struct ipc_hdr *, struct rbuf *,
				    int fd);
	void			*arg;
};

/* Parse "-c DIR -L N -S MODE [-A ADDRS] -v", read the config, connect to
   master. */
void	worker_init(struct worker_env *, enum bh_role, int argc, char **argv);
/* Tell master the compartment is entered (after sandbox_enter). */
void	worker_ready(struct worker_env *);
/* A peer broke the protocol: log it and ask master to restart it. */
void	worker_peer_violation(struct worker_env *, enum bh_role peer,
	    const char *why);

int	smtpd_main(int argc, char **argv);
int	queue_main(int argc, char **argv);
int	lookup_main(int argc, char **argv);
int	local_main(int argc, char **argv);
int	writer_main(int argc, char **argv);
int	runner_main(int argc, char **argv);

#endif
