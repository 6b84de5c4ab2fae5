/*
 * forward_read.h: ~/.forward (or ~/.forward+ext, then ~/.forward, for a
 * suffix "+ext"), opened as the calling user relative to home without
 * following a link, used only if it is a regular file of the user's
 * that nobody else may write, in a home directory that nobody else may
 * write, at most IPC_FORWARD_MAX bytes without NUL.  f->status says
 * FORWARD_FOUND (f->text), FORWARD_NONE or FORWARD_IGNORED (f->reason).
 */
#ifndef BH_FORWARD_READ_H
#define BH_FORWARD_READ_H

#include <sys/types.h>

#include "privsep/ipc_msgs.h"

void	forward_read(const char *home, const char *suffix,
	    struct msg_forward_data *f);

/*
 * An :include: file, opened as the caller without following a link: a
 * regular file of at most IPC_FORWARD_MAX bytes without NUL (its owner
 * decides whose rights its commands and files get, not whether it is
 * read; *owner tells it).  Missing: FORWARD_NONE.
 */
void	include_read(const char *path, struct msg_forward_data *f,
	    uid_t *owner);

#endif
