/*
 * spool.h: the queue's files.  Paths are relative to the spool, which is
 * the queue compartment's root.
 *   incoming/  being received (never acknowledged; removed at start-up)
 *   active/    committed messages
 *   hold/      held by the administrator
 *   corrupt/   files that could not be read, moved aside and kept
 *   spare/     emptied files of delivered messages, for reuse (spare.h)
 */
#ifndef BH_SPOOL_H
#define BH_SPOOL_H

#include <stdint.h>

#include "queue/qfile.h"

void	spool_init(void);
/* Create incoming/<qid>, read-write; no other process ever holds it. */
int	spool_create(const char *qid, int *fd);
/* Append the envelope, fsync, move to active/, fsync the directory. */
int	spool_commit(int fd, struct qenv *, char *err, size_t errlen);
/* The same in two steps: the appending, then the blocking part. */
int	spool_commit_prepare(int fd, struct qenv *, char *err, size_t errlen);
int	spool_commit_sync(int fd, const char *qid);	/* 0 or an errno */
/* A new envelope (M records changed) after the file's end, synced. */
int	spool_append_envelope(int fd, struct qenv *, uint64_t *env_off);
void	spool_discard_failed(const char *qid);
void	spool_discard_incoming(const char *qid);
/* Open and read <dir>/<qid>; -1 with err when it is corrupt. */
int	spool_load(const char *dir, const char *qid, struct qenv *,
	    uint64_t *env_off, char *err, size_t errlen);
/* Open active/<qid>: O_RDONLY for local, O_RDWR for status marks. */
int	spool_open(const char *qid, int flags);
/* pwrite without a sync: the caller syncs, or removes the file. */
int	spool_write_at(int fd, uint64_t off, const void *buf, size_t len);
int	spool_mark(int fd, uint64_t off, char status);
/* Rewrite len bytes at off in place, durably. */
int	spool_patch(int fd, uint64_t off, const char *buf, size_t len);
/*
 * Queue a message queue makes itself (a notice): env->qid if the caller
 * chose one (a new one if that is taken, or none was chosen), the content
 * written, the envelope committed as spool_commit does.  Returns the
 * read-write fd of active/<qid>, or -1 with err set.
 */
struct qid_gen;
int	spool_inject(struct qid_gen *, struct qenv *, const char *content,
	    size_t len, char *err, size_t errlen);
int	spool_remove(const char *dir, const char *qid);
/* Move <from>/<qid> to <to>/<qid> (hold, release), durably. */
int	spool_move(const char *qid, const char *from, const char *to);
/* Move <dir>/<name> to corrupt/<name>; never deletes. */
int	spool_quarantine(const char *dir, const char *name);

typedef void (*spool_walk_fn)(const char *name, void *arg);
int	spool_walk(const char *dir, spool_walk_fn, void *arg);

#endif
