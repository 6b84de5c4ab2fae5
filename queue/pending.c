/*
 * pending.c: the set of queue's lookups in flight (pending.h).
 */
#include <sys/tree.h>

#include <stdlib.h>

#include "lib/log.h"
#include "queue/pending.h"
#include "queue/queue.h"

static int
pending_cmp(struct pending *a, struct pending *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}
RB_PROTOTYPE_STATIC(pending_tree, pending, entry, pending_cmp);
RB_GENERATE_STATIC(pending_tree, pending, entry, pending_cmp);

void
pending_add(struct pending_set *s, struct pending *p)
{
	if (RB_INSERT(pending_tree, &s->tree, p) != NULL)
		fatalx("pending_add: request id %u in use", p->id);
	s->n++;
}

struct pending *
pending_find(struct pending_set *s, uint32_t id)
{
	struct pending key;

	key.id = id;
	return RB_FIND(pending_tree, &s->tree, &key);
}

struct pending *
pending_take(struct pending_set *s, uint32_t id)
{
	struct pending *p;

	if ((p = pending_find(s, id)) == NULL)
		return NULL;
	RB_REMOVE(pending_tree, &s->tree, p);
	s->n--;
	return p;
}

void
pending_mark(struct pending *p)
{
	size_t k;

	for (k = 0; k < p->n; k++)
		p->msg->sched[p->rcpt[k]].inflight = 1;
	p->msg->ninflight += p->n;
	dest_inc(p->dest);
}

void
pending_release(struct pending *p)
{
	size_t k;

	for (k = 0; k < p->n; k++)
		p->msg->sched[p->rcpt[k]].inflight = 0;
	p->msg->ninflight -= p->n;
	dest_dec(p->dest);
}

void
pending_requeue_all(struct pending_set *s, time_t next_try)
{
	struct pending	*p, *tmp;
	size_t		 k;

	RB_FOREACH_SAFE(p, pending_tree, &s->tree, tmp) {
		RB_REMOVE(pending_tree, &s->tree, p);
		pending_release(p);
		for (k = 0; k < p->n; k++)
			p->msg->env.rcpt[p->rcpt[k]].next_try = next_try;
		free(p);
	}
	s->n = 0;
}
