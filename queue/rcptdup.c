/*
 * rcptdup.c: duplicate recipients of one message.  See rcptdup.h.
 */
#include <string.h>
#include <strings.h>

#include "privsep/ipc_msgs.h"
#include "queue/rcptdup.h"

int
rcpt_same(const char *a, const char *b)
{
	const char	*da = strrchr(a, '@'), *db = strrchr(b, '@');
	size_t		 la, lb;

	la = da != NULL ? (size_t)(da - a) : strlen(a);
	lb = db != NULL ? (size_t)(db - b) : strlen(b);
	if (la != lb || memcmp(a, b, la) != 0)
		return 0;
	if (da == NULL || db == NULL)
		return da == db;
	return strcasecmp(da, db) == 0;
}

struct qrcpt *
rcpt_find(struct qenv *env, const char *addr)
{
	size_t	i;

	for (i = 0; i < env->nrcpt; i++)
		if (rcpt_same(env->rcpt[i].addr, addr))
			return &env->rcpt[i];
	return NULL;
}

static uint32_t
effective(uint32_t notify)
{
	return notify == 0 ? DSN_NOTIFY_FAILURE | DSN_NOTIFY_DELAY : notify;
}

uint32_t
rcpt_merge_notify(uint32_t first, uint32_t again)
{
	uint32_t	m;

	if (first == again)
		return first;
	m = (effective(first) | effective(again)) & ~DSN_NOTIFY_NEVER;
	return m == 0 ? DSN_NOTIFY_NEVER : m;
}
