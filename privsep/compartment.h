/*
 * compartment.h: the privileges of every compartment, one row per role
 * (the rows are in compartment.c).
 *
 * A row says who the compartment runs as, which root it gets, its
 * rlimits and threads, the namespaces master starts it in and the
 * compartments it has channels to; the system calls its seccomp filter
 * allows (with their argument rules) are its row of seccomp_lists.c,
 * which only the compartment itself links.  Nothing else grants a
 * privilege: sandbox_enter() applies a row (filled in by
 * compartment_spec(), sandbox.c), seccomp.c turns its policy into the
 * filter, master takes the clone flags and the channels to wire from
 * it, and `bulkhead -x policy ROLE` prints the filter.
 */
#ifndef BH_COMPARTMENT_H
#define BH_COMPARTMENT_H

#include <sys/resource.h>

#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "privsep/ipc.h"

enum comp_start {
	COMP_SPAWNED,	/* master starts it at start-up, wires its channels
			   (IPC_SETUP_PEER) and restarts it when it dies */
	COMP_FORKED	/* master forks one per request of local's; its
			   channel to local is fd 3 */
};

enum comp_root {
	COMP_ROOT_NONE,		/* none: it works as a user, on the user's
				   files */
	COMP_ROOT_EMPTY,	/* empty_directory (jail: an empty read-only
				   tmpfs) */
	COMP_ROOT_SPOOL,	/* queue_directory, its own and writable */
	COMP_ROOT_MAILDROP	/* queue_directory/maildrop, its own (mode
				   1730, group bulkdrop) */
};

/* nofile: the role's set-up computes RLIMIT_NOFILE (smtpd: sessions). */
#define COMP_NOFILE_BY_ROLE	0

struct compartment {
	enum bh_role		 role;
	enum comp_start		 start;
	/* main.cf parameter naming its user, and where the value is;
	   NULL: master passes the uid and gid (-u, -g) */
	const char		*account;
	size_t			 account_off;
	enum comp_root		 root;
	unsigned long		 jail_clone;	/* clone flags, sandbox = jail */
	rlim_t			 nofile;	/* RLIMIT_NOFILE */
	/* RLIMIT_FSIZE: fsize_msgs * message_size_limit + fsize_plus */
	int			 fsize_msgs;
	rlim_t			 fsize_plus;
	int			 may_fork;	/* 0: RLIMIT_NPROC 0 */
	int			 threads;	/* threads it starts */
	uint32_t		 peers;		/* RB_(ROLE) of its channels */
};

/* The row of a role; NULL for master. */
const struct compartment *compartment(enum bh_role);

/* Master wires a channel between a and b (both spawned, peers). */
int	compartment_wired(enum bh_role a, enum bh_role b);

#endif
