/*
 * destconc.c: per-destination counts of relay work in flight (see
 * destconc.h).  A tree of the destinations that have any.
 */
#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "queue/destconc.h"

struct dest {
	RB_ENTRY(dest)	 entry;
	char		 key[DEST_KEY_MAX];
	size_t		 n;
};

static int
dest_cmp(struct dest *a, struct dest *b)
{
	return strcasecmp(a->key, b->key);
}
RB_HEAD(dest_tree, dest);
RB_PROTOTYPE_STATIC(dest_tree, dest, entry, dest_cmp);
RB_GENERATE_STATIC(dest_tree, dest, entry, dest_cmp);

static struct dest_tree	dests = RB_INITIALIZER(&dests);

static struct dest *
find(const char *key)
{
	struct dest k;

	if (strlcpy(k.key, key, sizeof(k.key)) >= sizeof(k.key))
		fatalx("destination key too long: %.64s", key);
	return RB_FIND(dest_tree, &dests, &k);
}

size_t
dest_count(const char *key)
{
	struct dest *d = find(key);

	return d != NULL ? d->n : 0;
}

void
dest_inc(const char *key)
{
	struct dest *d;

	if ((d = find(key)) == NULL) {
		d = xcalloc(1, sizeof(*d));
		xstrlcpy(d->key, key, sizeof(d->key));
		RB_INSERT(dest_tree, &dests, d);
	}
	d->n++;
}

void
dest_dec(const char *key)
{
	struct dest *d;

	if ((d = find(key)) == NULL || d->n == 0)
		fatalx("dest_dec: %s has nothing in flight", key);
	if (--d->n == 0) {
		RB_REMOVE(dest_tree, &dests, d);
		free(d);
	}
}
