/*
 * seccomp_lists.h: a compartment's seccomp policy (the rows are in
 * seccomp_lists.c, one per role of the compartment table; seccomp.c
 * turns a row into the filter).
 */
#ifndef BH_SECCOMP_LISTS_H
#define BH_SECCOMP_LISTS_H

#include <stdint.h>

#include <seccomp.h>

#include "privsep/ipc.h"

/* A call with an action other than allow, or allowed only with one
   argument condition. */
struct comp_rule {
	const char		*call;		/* NULL ends a list */
	uint32_t		 action;	/* SCMP_ACT_ALLOW, SCMP_ACT_ERRNO */
	unsigned		 nargs;		/* 0 or 1 */
	struct scmp_arg_cmp	 arg;
};

enum comp_filter {
	COMP_ALLOWLIST,	/* calls: allowed; any other call takes the -S
			   action (kill the process, by default) */
	COMP_DENYLIST	/* calls: fail with EPERM; any other is allowed */
};

struct comp_seccomp {
	enum comp_filter	  kind;
	const char *const	 *calls;	/* NULL-terminated */
	const struct comp_rule	 *rules;	/* call NULL ends it */
};

/* The policy of a role; NULL for master and bulkctl. */
const struct comp_seccomp *compartment_seccomp(enum bh_role);

#endif
