/*
 * local_slots.c: per-destination counting for queue's delivery slots
 * (local_slots.h).  Pure: the unit tests drive it.
 */
#include <ctype.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "queue/local_slots.h"

/*
 * "Alice+news@Example.ORG" -> "alice@example.org": the local part up to
 * the first recipient_delimiter character, lower case, and the domain.
 * Every extension of one user is one destination (as Postfix's local
 * transport counts by recipient; here the extension does not make a new
 * one, or a user could take every slot with alice+1, alice+2, ...).
 */
void
slot_key(const char *addr, const char *delim, char *key, size_t len)
{
	const char	*at = strrchr(addr, '@');
	size_t		 i, o = 0, lp;

	if (len == 0)
		return;
	lp = at != NULL ? (size_t)(at - addr) : strlen(addr);
	for (i = 0; i < lp && o + 1 < len; i++) {
		if (delim != NULL && *delim != '\0' &&
		    strchr(delim, addr[i]) != NULL)
			break;
		key[o++] = tolower((unsigned char)addr[i]);
	}
	for (i = lp; addr[i] != '\0' && o + 1 < len; i++)
		key[o++] = tolower((unsigned char)addr[i]);
	key[o] = '\0';
}

static struct slot_dest *
find(const struct slot_table *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->d[i].key, key) == 0)
			return &t->d[i];
	return NULL;
}

int
slot_may_take(const struct slot_table *t, const char *key, unsigned limit)
{
	const struct slot_dest *d = find(t, key);

	return d == NULL || d->n < limit;
}

void
slot_take(struct slot_table *t, const char *key)
{
	struct slot_dest *d;

	if ((d = find(t, key)) == NULL) {
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 16;
			t->d = xreallocarray(t->d, t->cap, sizeof(*t->d));
		}
		d = &t->d[t->n++];
		memset(d, 0, sizeof(*d));
		memcpy(d->key, key, strnlen(key, sizeof(d->key) - 1));
	}
	d->n++;
}

void
slot_release(struct slot_table *t, const char *key)
{
	struct slot_dest *d;

	if ((d = find(t, key)) == NULL || d->n == 0)
		return;
	if (--d->n == 0)
		*d = t->d[--t->n];
}
