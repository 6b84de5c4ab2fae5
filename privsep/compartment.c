/*
 * compartment.c: the table of compartments, one row per role: who each
 * runs as, its root, rlimits and threads, the namespaces master starts
 * it in and the compartments it has channels to (compartment.h says
 * what each field means).  Its seccomp policy, which only the
 * compartment itself needs, is its row of seccomp_lists.c.
 */
#include <sched.h>
#include <stddef.h>

#include "privsep/compartment.h"
#include "queue/qfile.h"

#define ACCOUNT(param)	#param, offsetof(struct bh_config, param)

/*
 * Jail mode: every spawned compartment gets its own empty network
 * namespace, smtpd included: it only accepts on listeners master opened
 * in the host namespace, which works across namespaces, and it never
 * connects out.
 */
#define JAIL_NS	(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | \
	CLONE_NEWNET)

static const struct compartment table[ROLE_COUNT] = {
	[ROLE_SMTPD] = {
		.role = ROLE_SMTPD,
		.start = COMP_SPAWNED,
		.account = ACCOUNT(smtpd_user),
		.root = COMP_ROOT_EMPTY,
		.jail_clone = JAIL_NS,
		/* two fds per session, within the hard limit (smtpd.c) */
		.nofile = COMP_NOFILE_BY_ROLE,
		/* it writes message content into queue files, no more */
		.fsize_msgs = 1, .fsize_plus = 65536,
		.peers = RB_(QUEUE) | RB_(LOOKUP) | RB_(AUTH) | RB_(KEYS),
	},
	[ROLE_QUEUE] = {
		.role = ROLE_QUEUE,
		.start = COMP_SPAWNED,
		.account = ACCOUNT(queue_user),
		.root = COMP_ROOT_SPOOL,
		.jail_clone = JAIL_NS,
		.nofile = 4096,
		.fsize_msgs = 2, .fsize_plus = QFILE_ENVELOPE_MAX,
		/* the commit pool: fsyncs of concurrent commits overlap */
		.threads = 16,
		.peers = RB_(SMTPD) | RB_(LOCAL) | RB_(PICKUP) |
		    RB_(RELAY) | RB_(DNS),
	},
	[ROLE_LOOKUP] = {
		.role = ROLE_LOOKUP,
		.start = COMP_SPAWNED,
		.account = ACCOUNT(lookup_user),
		.root = COMP_ROOT_EMPTY,
		.jail_clone = JAIL_NS,
		.nofile = 64,
		.peers = RB_(SMTPD) | RB_(LOCAL) | RB_(PICKUP),
	},
	[ROLE_LOCAL] = {
		.role = ROLE_LOCAL,
		.start = COMP_SPAWNED,
		.account = ACCOUNT(local_user),
		.root = COMP_ROOT_EMPTY,
		.jail_clone = JAIL_NS,
		.nofile = 1024,
		.peers = RB_(QUEUE) | RB_(LOOKUP) | RB_(WRITER) | RB_(RUNNER),
	},
	[ROLE_KEYS] = {
		/*
		 * The TLS private keys, read before the drop; it answers
		 * smtpd's signing requests from memory (keys/keys.c).
		 */
		.role = ROLE_KEYS,
		.start = COMP_SPAWNED,
		.account = ACCOUNT(keys_user),
		.root = COMP_ROOT_EMPTY,
		.jail_clone = JAIL_NS,
		.nofile = 16,
		.peers = RB_(SMTPD),
	},
	[ROLE_WRITER] = {
		/* as the recipient, uid and gid from master; no root */
		.role = ROLE_WRITER,
		.start = COMP_FORKED,
		.root = COMP_ROOT_NONE,
		.nofile = 32,
		.fsize_plus = RLIM_INFINITY,
		.peers = RB_(LOCAL),
	},
	[ROLE_RUNNER] = {
		/*
		 * As the alias file's owner (default_privs for root) or the
		 * .forward's user, uid and gid from master.  No root: a
		 * command needs the file system.
		 */
		.role = ROLE_RUNNER,
		.start = COMP_FORKED,
		.root = COMP_ROOT_NONE,
		.nofile = 1024,
		.fsize_plus = RLIM_INFINITY,
		.may_fork = 1,
		.peers = RB_(LOCAL),
	},
	[ROLE_PICKUP] = {
		/*
		 * Local submissions: in the drop directory, its own, as
		 * its root; it reads what users dropped there (hostile
		 * input) and writes it into the fd queue gave it.
		 */
		.role = ROLE_PICKUP,
		.start = COMP_SPAWNED,
		.account = ACCOUNT(pickup_user),
		.root = COMP_ROOT_MAILDROP,
		.jail_clone = JAIL_NS,
		.nofile = 64,
		/* the message plus the headers it adds */
		.fsize_msgs = 1, .fsize_plus = 65536,
		.peers = RB_(QUEUE) | RB_(LOOKUP),
	},
	[ROLE_RELAY] = {
		/*
		 * The outbound SMTP client: TCP connections to the numeric
		 * addresses queue names (it never resolves a name), the
		 * queue file queue hands it, read with pread.  In jail mode
		 * it keeps the host's network namespace: it must reach the
		 * network.
		 */
		.role = ROLE_RELAY,
		.start = COMP_SPAWNED,
		.account = ACCOUNT(relay_user),
		.root = COMP_ROOT_EMPTY,
		.jail_clone = JAIL_NS & ~CLONE_NEWNET,
		.nofile = 1024,
		.peers = RB_(QUEUE),
	},
	[ROLE_AUTH] = {
		/*
		 * SASL verdicts for smtpd.  It read the credentials before
		 * it entered its empty root, and hashes from memory.
		 */
		.role = ROLE_AUTH,
		.start = COMP_SPAWNED,
		.account = ACCOUNT(auth_user),
		.root = COMP_ROOT_EMPTY,
		.jail_clone = JAIL_NS,
		.nofile = 64,
		.peers = RB_(SMTPD),
	},
	[ROLE_DNS] = {
		/*
		 * The only process that talks to name servers: libunbound,
		 * configured before the drop (resolv.conf or
		 * dns_resolvers), in its thread mode (a worker thread;
		 * the fork mode would need fork).  UDP and TCP sockets to
		 * the resolvers, bound to a random source port.  It keeps
		 * the host's network in jail mode.
		 */
		.role = ROLE_DNS,
		.start = COMP_SPAWNED,
		.account = ACCOUNT(dns_user),
		.root = COMP_ROOT_EMPTY,
		.jail_clone = JAIL_NS & ~CLONE_NEWNET,
		.nofile = 1024,
		.threads = 1,
		.peers = RB_(QUEUE),
	},
};

const struct compartment *
compartment(enum bh_role role)
{
	/* bulkctl (ROLE_CONTROL) is a role on the wire, not a compartment. */
	if (role <= ROLE_MASTER || role >= ROLE_COUNT ||
	    table[role].role != role)
		return NULL;
	return &table[role];
}

int
compartment_wired(enum bh_role a, enum bh_role b)
{
	const struct compartment *ca = compartment(a), *cb = compartment(b);

	return ca != NULL && cb != NULL && ca->start == COMP_SPAWNED &&
	    cb->start == COMP_SPAWNED && (ca->peers & (1u << b)) != 0;
}
