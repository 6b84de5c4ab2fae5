/*
 * dupfilter.c: see dupfilter.h.
 */
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delivery/dupfilter.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

struct claim {
	RB_ENTRY(claim)		 node;
	TAILQ_ENTRY(claim)	 age;
	uint32_t		 idx;
	char			*qid;
	char			*key;
};

static int
claim_cmp(struct claim *a, struct claim *b)
{
	int c;

	if ((c = strcmp(a->qid, b->qid)) != 0)
		return c;
	return strcmp(a->key, b->key);
}

RB_HEAD(claim_tree, claim);
RB_GENERATE_STATIC(claim_tree, claim, node, claim_cmp);

struct dupfilter {
	struct claim_tree	 tree;
	TAILQ_HEAD(, claim)	 ages;
	size_t			 n, max;
};

struct dupfilter *
dup_new(size_t max)
{
	struct dupfilter *d;

	d = xcalloc(1, sizeof(*d));
	RB_INIT(&d->tree);
	TAILQ_INIT(&d->ages);
	d->max = max > 0 ? max : 1;
	return d;
}

static void
claim_drop(struct dupfilter *d, struct claim *c)
{
	RB_REMOVE(claim_tree, &d->tree, c);
	TAILQ_REMOVE(&d->ages, c, age);
	d->n--;
	free(c->qid);
	free(c->key);
	free(c);
}

void
dup_free(struct dupfilter *d)
{
	struct claim *c;

	if (d == NULL)
		return;
	while ((c = TAILQ_FIRST(&d->ages)) != NULL)
		claim_drop(d, c);
	free(d);
}

int
dup_claim(struct dupfilter *d, const char *qid, const char *key,
    uint32_t idx, uint32_t *holder)
{
	struct claim	 k, *c;

	k.qid = (char *)qid;
	k.key = (char *)key;
	if ((c = RB_FIND(claim_tree, &d->tree, &k)) != NULL) {
		*holder = c->idx;
		return c->idx == idx ? 0 : 1;
	}
	if (d->n == d->max)
		claim_drop(d, TAILQ_FIRST(&d->ages));
	c = xcalloc(1, sizeof(*c));
	c->qid = xstrdup(qid);
	c->key = xstrdup(key);
	c->idx = idx;
	RB_INSERT(claim_tree, &d->tree, c);
	TAILQ_INSERT_TAIL(&d->ages, c, age);
	d->n++;
	*holder = idx;
	return 0;
}

size_t
dup_count(const struct dupfilter *d)
{
	return d->n;
}

/*
 * The file whose owner's rights an alias target gets (master's
 * alias_owner()): the :include: file that lists it, "" for its alias
 * file (the map tells which).
 */
static const char *
rights_file(const struct msg_runner_open *t)
{
	if (t->source != RUNNER_ALIAS || t->depth == 0 ||
	    t->kind == RUNNER_INCLUDE)
		return "";
	return t->chain[t->depth - 1];
}

void
dup_target_key(const struct msg_runner_open *t, char *out, size_t len)
{
	const char *kind = t->kind == RUNNER_COMMAND ? "command" :
	    t->kind == RUNNER_FILE ? "file" : "include";

	if (t->source == RUNNER_FORWARD)
		snprintf(out, len, "%s forward:%s %s", kind, t->name,
		    t->value);
	else
		snprintf(out, len, "%s alias:%u:%s %s", kind,
		    (unsigned)t->map, rights_file(t), t->value);
}
