/*
 * member.h: the key of an alias member, for the progress queue keeps
 * (qfile.h M records).  A member is a mailbox (its user) or a |command
 * or /file target with the source it runs for (alias file and alias,
 * or .forward user and suffix, and the :include: chain), which decides
 * whose rights it has.  The key is the first IPC_MEMBER_KEY_LEN hex
 * digits of a SHA-256 of that identity: short, fixed, the same in every
 * attempt, and different for the same command run for two users.
 */
#ifndef BH_MEMBER_H
#define BH_MEMBER_H

#include "privsep/ipc_msgs.h"

/* t == NULL: the mailbox of user; else the target t (user unused). */
void	member_key(const char *user, const struct msg_runner_open *t,
	    char out[IPC_MEMBER_KEY_LEN + 1]);

#endif
