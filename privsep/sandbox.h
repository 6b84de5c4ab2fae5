/*
 * sandbox.h: entering a compartment.
 *
 * sandbox_enter() is the only code in bulkhead that changes credentials.
 * worker_main() (worker.c) calls it once, after the compartment opened
 * what it needs and before it reads any untrusted byte, with the
 * description its row of the compartment table makes (compartment.h).
 * On any failure it exits: a worker never runs half-sandboxed.
 */
#ifndef BH_SANDBOX_H
#define BH_SANDBOX_H

#include <sys/types.h>
#include <sys/resource.h>

#include "conf/config.h"
#include "privsep/ipc.h"
#include "privsep/sandbox_shared.h"

/* nobody: the kernel's overflow uid is never a mailbox owner. */
#define BH_OVERFLOW_UID	65534

struct sandbox_spec {
	enum bh_role	 role;		/* also picks the seccomp policy */
	const char	*user;		/* account to become; NULL: uid/gid */
	uid_t		 uid;
	gid_t		 gid;
	const char	*root;		/* chroot or jail root; NULL = none */
	int		 root_writable;	/* the spool: bind it, do not empty it */
	mode_t		 root_deny;	/* a writable root's mode has none of
					   these bits: the spool 066 (0711),
					   the drop directory 047 (1730) */
	enum sandbox_mode mode;
	rlim_t		 nofile;
	rlim_t		 fsize;		/* RLIM_INFINITY for file writers */
	int		 may_fork;	/* 0: RLIMIT_NPROC 0 */
	gid_t		 spool_gid;	/* writer only: the mail spool's group
					   as the one supplementary group, for
					   dotlocks; 0 = none */
	int		 threads;	/* threads it will start (queue's
					   commit pool); seccomp allows
					   only thread clones then */
};

void	sandbox_enter(const struct sandbox_spec *);

/*
 * The sandbox a role enters, from its row and the configuration (NULL
 * for a forked role, which has none).  Fills every field but uid, gid
 * and spool_gid, which a forked role gets from master's arguments.
 */
void	compartment_spec(enum bh_role, const struct bh_config *,
	    struct sandbox_spec *);


/* seccomp.c: the filter of a role's row of seccomp_lists.c */
void	seccomp_apply(enum bh_role role);
/* A NULL-terminated allowlist that is no role's (the config parser). */
void	seccomp_apply_calls(const char *const *calls);
/*
 * The role's filter as libseccomp's pseudo filter code, to fd: the one
 * this build loads, or (table_only) without a sanitizer build's additions.
 */
int	seccomp_print(enum bh_role role, int table_only, int fd);

#endif
