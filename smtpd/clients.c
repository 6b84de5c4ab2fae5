/*
 * clients.c: how many sessions each client address has open, for
 * smtpd_client_connection_count_limit (Postfix asks anvil; smtpd is one
 * process here, so a tree in memory is enough).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "smtpd/smtpd.h"

static int
client_cmp(struct client *a, struct client *b)
{
	return strcmp(a->addr, b->addr);
}
RB_GENERATE_STATIC(client_tree, client, entry, client_cmp);

struct client *
client_enter(struct smtpd *sd, const char *addr)
{
	struct client	key, *c;

	xstrlcpy(key.addr, addr, sizeof(key.addr));
	if ((c = RB_FIND(client_tree, &sd->clients, &key)) == NULL) {
		c = xcalloc(1, sizeof(*c));
		xstrlcpy(c->addr, addr, sizeof(c->addr));
		RB_INSERT(client_tree, &sd->clients, c);
	}
	c->n++;
	return c;
}

void
client_leave(struct smtpd *sd, struct client *c)
{
	if (--c->n > 0)
		return;
	RB_REMOVE(client_tree, &sd->clients, c);
	free(c);
}
