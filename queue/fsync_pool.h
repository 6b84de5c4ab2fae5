/*
 * fsync_pool.h: a few threads that run the blocking part of a commit
 * (fsync of the file, rename, fsync of the directory) so that commits of
 * concurrent sessions overlap and the event loop never waits on the disk.
 *
 * A job's work function runs in a pool thread and must touch nothing but
 * its own argument; its done function runs later in the event loop.
 * Completion reaches the loop through a pipe.  The threads are created
 * inside the sandbox; seccomp allows clone with thread flags only.
 */
#ifndef BH_FSYNC_POOL_H
#define BH_FSYNC_POOL_H

struct event_base;
struct fsync_pool;

typedef void (*pool_work_fn)(void *arg);	/* in a pool thread */
typedef void (*pool_done_fn)(void *arg);	/* in the event loop */

struct fsync_pool *fsync_pool_new(struct event_base *, int nthreads);
void	fsync_pool_submit(struct fsync_pool *, pool_work_fn, pool_done_fn,
	    void *arg);

#endif
