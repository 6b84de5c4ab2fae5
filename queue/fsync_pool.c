/*
 * fsync_pool.c: see fsync_pool.h.
 */
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/xmalloc.h"
#include "queue/fsync_pool.h"

struct job {
	STAILQ_ENTRY(job)	 entry;
	pool_work_fn		 work;
	pool_done_fn		 done;
	void			*arg;
};
STAILQ_HEAD(jobq, job);

struct fsync_pool {
	pthread_mutex_t	 lock;
	pthread_cond_t	 more;
	struct jobq	 todo;		/* waiting for a thread */
	struct jobq	 finished;	/* waiting for the loop */
	int		 wake[2];	/* pipe: a thread -> the loop */
	struct event	*ev;
};

static void *
pool_thread(void *arg)
{
	struct fsync_pool	*p = arg;
	struct job		*j;
	char			 c = 0;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while ((j = STAILQ_FIRST(&p->todo)) == NULL)
			pthread_cond_wait(&p->more, &p->lock);
		STAILQ_REMOVE_HEAD(&p->todo, entry);
		pthread_mutex_unlock(&p->lock);

		j->work(j->arg);

		pthread_mutex_lock(&p->lock);
		STAILQ_INSERT_TAIL(&p->finished, j, entry);
		pthread_mutex_unlock(&p->lock);
		/* A full pipe already holds a wake-up: nothing is lost. */
		while (write(p->wake[1], &c, 1) == -1 && errno == EINTR)
			;
	}
	return NULL;
}

/* In the loop: run the done functions of the finished jobs. */
static void
pool_wakeup(evutil_socket_t fd, short ev, void *arg)
{
	struct fsync_pool	*p = arg;
	struct jobq		 done;
	struct job		*j;
	char			 buf[256];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&p->lock);
	STAILQ_INIT(&done);
	STAILQ_CONCAT(&done, &p->finished);
	pthread_mutex_unlock(&p->lock);
	while ((j = STAILQ_FIRST(&done)) != NULL) {
		STAILQ_REMOVE_HEAD(&done, entry);
		j->done(j->arg);
		free(j);
	}
}

struct fsync_pool *
fsync_pool_new(struct event_base *base, int nthreads)
{
	struct fsync_pool	*p;
	pthread_t		 t;
	sigset_t		 all, old;
	int			 i, rc;

	p = xcalloc(1, sizeof(*p));
	STAILQ_INIT(&p->todo);
	STAILQ_INIT(&p->finished);
	if (pthread_mutex_init(&p->lock, NULL) != 0 ||
	    pthread_cond_init(&p->more, NULL) != 0)
		fatalx("fsync pool: cannot initialise its lock");
	if (pipe2(p->wake, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("fsync pool: pipe2");
	if ((p->ev = event_new(base, p->wake[0], EV_READ | EV_PERSIST,
	    pool_wakeup, p)) == NULL || event_add(p->ev, NULL) == -1)
		fatalx("fsync pool: event");
	/* Signals are the event loop's: the threads start with all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < nthreads; i++) {
		if ((rc = pthread_create(&t, NULL, pool_thread, p)) != 0) {
			errno = rc;
			fatal("fsync pool: pthread_create");
		}
		pthread_detach(t);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p;
}

void
fsync_pool_submit(struct fsync_pool *p, pool_work_fn work, pool_done_fn done,
    void *arg)
{
	struct job *j;

	j = xcalloc(1, sizeof(*j));
	j->work = work;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&p->lock);
	STAILQ_INSERT_TAIL(&p->todo, j, entry);
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
}
