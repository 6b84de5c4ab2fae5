/*
 * worklist.h: the expansion of one recipient by local, as one list of
 * typed nodes in the order they were found, each with its parent (the
 * shape of OpenSMTPD's expand.c).  The root is the recipient; lookup's
 * answer adds its accounts and alias targets; an account's ~/.forward
 * and an :include: file add a node of their own, the local addresses
 * they name (one lookup each), and below those the accounts and targets
 * lookup answers with.
 *
 * Order of delivery: every account (mailbox) waiting, in the order
 * found, before the next command, file or :include: target; accounts an
 * :include: file adds come before the targets after it.  An account is
 * one mailbox however it was reached, a target one run per account it
 * runs as (dup_target_key()).  No I/O here: local_expand.c asks lookup
 * and the writers, and unit tests drive this with made-up answers.
 */
#ifndef BH_WORKLIST_H
#define BH_WORKLIST_H

#include <sys/queue.h>

#include <stddef.h>

#include "privsep/ipc_msgs.h"

#define WL_TARGETS_MAX	32	/* commands, files, :include: of a recipient */

enum wl_kind {
	WL_RCPT,	/* the recipient queue handed over: the root */
	WL_USER,	/* an account: its mailbox, and its ~/.forward */
	WL_FORWARD,	/* an account's ~/.forward being expanded */
	WL_ADDRESS,	/* a local address of a .forward or :include: file,
			   asked of lookup */
	WL_COMMAND,	/* |command, by a runner */
	WL_FILE,	/* /file, by a runner */
	WL_INCLUDE	/* :include: file, read by a runner */
};

enum wl_state {
	WL_PENDING,	/* to be delivered (accounts and targets) */
	WL_ACTIVE,	/* being delivered, expanded or looked up */
	WL_DONE
};

struct wl_node {
	TAILQ_ENTRY(wl_node)	 entry;
	enum wl_kind		 kind;
	enum wl_state		 state;
	struct wl_node		*parent;	/* NULL: the root */
	unsigned int		 depth;		/* nodes above it */
	/* RCPT: the address; USER: the account; ADDRESS: the local part;
	   FORWARD: the ~/.forward's suffix ("" or "+ext") */
	char			 value[IPC_ADDR_MAX];
	char			 ext[IPC_USER_MAX + 1];	/* USER: "+ext" that
							   reached it, or "" */
	int			 self;		/* FORWARD: and the own
						   mailbox */
	int			 failed;	/* FORWARD: a target failed:
						   none of it counts */
	struct msg_runner_open	*t;		/* COMMAND, FILE, INCLUDE */
};

struct worklist {
	TAILQ_HEAD(wl_nodes_head, wl_node) nodes;		/* in the order found */
	struct wl_node		*root;
	struct wl_node		*cur;		/* the account or target being
						   delivered */
	size_t			 nusers;
	size_t			 ntargets;
};

void	wl_init(struct worklist *, const char *rcpt);
void	wl_clear(struct worklist *);

/*
 * An account below parent, pending: 1 added, 0 when it is in the list
 * already (dedup) and -1 when IPC_EXPAND_MAX accounts are.
 */
int	wl_add_user(struct worklist *, struct wl_node *parent,
	    const char *user, const char *ext, int dedup);
/* A runner target below parent: 1 added, 0 already there, -1 full. */
int	wl_add_target(struct worklist *, struct wl_node *parent,
	    const struct msg_runner_open *);
/* A ~/.forward or an address asked of lookup, active at once. */
struct wl_node *wl_add(struct worklist *, struct wl_node *parent,
	    enum wl_kind, const char *value);

/* The next account, or else the next target, to deliver; NULL: none. */
struct wl_node *wl_next(const struct worklist *);
/* Deliver n now: the current one is done. */
void	wl_take(struct worklist *, struct wl_node *n);
/* Is an account or a target still to be delivered? */
int	wl_more(const struct worklist *);

/* The first address whose lookup is outstanding, or NULL. */
struct wl_node *wl_waiting(const struct worklist *);
/* Forget everything found below n (a .forward stands or falls whole). */
void	wl_drop_below(struct worklist *, struct wl_node *n);
/* 1 if a ~/.forward led to this account: its own is not read. */
int	wl_by_forward(const struct wl_node *user);

int	wl_is_target(const struct wl_node *);

#endif
