/*
 * anvil.c: request and failure counts for the auth compartment (see
 * anvil.h).  The table is bounded: when it is full, expired windows go
 * first, then the entry found first, so that a flood of addresses costs
 * memory only up to ANVIL_ENTRIES_MAX.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/anvil.h"
#include "lib/xmalloc.h"

static int
anvil_cmp(struct anvil_entry *a, struct anvil_entry *b)
{
	return strcmp(a->key, b->key);
}
RB_GENERATE_STATIC(anvil_tree, anvil_entry, entry, anvil_cmp);

void
anvil_init(struct anvil *a, long unit)
{
	RB_INIT(&a->tree);
	a->n = 0;
	a->unit = unit > 0 ? unit : 60;
}

static void
drop(struct anvil *a, struct anvil_entry *e)
{
	RB_REMOVE(anvil_tree, &a->tree, e);
	free(e);
	a->n--;
}

void
anvil_free(struct anvil *a)
{
	struct anvil_entry *e, *t;

	RB_FOREACH_SAFE(e, anvil_tree, &a->tree, t)
		drop(a, e);
}

/* Room for one more, never at the cost of keep (an entry in use). */
static void
make_room(struct anvil *a, time_t now, struct anvil_entry *keep)
{
	struct anvil_entry *e, *t;

	RB_FOREACH_SAFE(e, anvil_tree, &a->tree, t)
		if (e != keep && now - e->start >= a->unit)
			drop(a, e);
	if (a->n < ANVIL_ENTRIES_MAX)
		return;
	e = RB_MIN(anvil_tree, &a->tree);
	if (e == keep)
		e = RB_NEXT(anvil_tree, &a->tree, e);
	if (e != NULL)
		drop(a, e);
}

/* The entry of prefix:name in its current window; NULL only if !create. */
static struct anvil_entry *
get(struct anvil *a, const char *prefix, const char *name, time_t now,
    int create, struct anvil_entry *keep)
{
	struct anvil_entry	key, *e;

	snprintf(key.key, sizeof(key.key), "%s%s", prefix, name);
	if ((e = RB_FIND(anvil_tree, &a->tree, &key)) != NULL) {
		if (now - e->start >= a->unit || now < e->start) {
			e->start = now;
			e->requests = e->failures = 0;
		}
		return e;
	}
	if (!create)
		return NULL;
	if (a->n >= ANVIL_ENTRIES_MAX)
		make_room(a, now, keep);
	e = xcalloc(1, sizeof(*e));
	memcpy(e->key, key.key, sizeof(e->key));
	e->start = now;
	RB_INSERT(anvil_tree, &a->tree, e);
	a->n++;
	return e;
}

int
anvil_request(struct anvil *a, const struct anvil_limits *l,
    const char *client, time_t now)
{
	struct anvil_entry *e = get(a, "c:", client, now, 1, NULL);

	if (l->failure_limit > 0 && e->failures >= (unsigned)l->failure_limit)
		return -1;
	if (l->rate_limit > 0 && e->requests >= (unsigned)l->rate_limit)
		return -1;
	e->requests++;
	return 0;
}

long
anvil_failure(struct anvil *a, const struct anvil_limits *l,
    const char *client, const char *user, time_t now)
{
	struct anvil_entry	*c = get(a, "c:", client, now, 1, NULL);
	struct anvil_entry	*u = get(a, "u:", user, now, 1, c);
	unsigned		 n;

	c->failures++;
	u->failures++;
	n = c->failures > u->failures ? c->failures : u->failures;
	if (n > ANVIL_DELAY_STEPS)
		n = ANVIL_DELAY_STEPS;
	return l->failure_delay * (long)n;
}

unsigned
anvil_failures(struct anvil *a, const char *key, time_t now)
{
	struct anvil_entry *e = get(a, "", key, now, 0, NULL);

	return e != NULL ? e->failures : 0;
}
