/*
 * worklist.c: the expansion of one recipient as a list of typed nodes
 * with parents (see worklist.h).  Pure: no I/O, no events.
 */
#include <stdlib.h>
#include <string.h>

#include "delivery/dupfilter.h"
#include "delivery/worklist.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"

static struct wl_node *
node_new(struct worklist *wl, struct wl_node *parent, enum wl_kind kind,
    enum wl_state state, const char *value)
{
	struct wl_node *n;

	n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->state = state;
	n->parent = parent;
	n->depth = parent != NULL ? parent->depth + 1 : 0;
	if (value != NULL)
		/* a recipient, a local part or a user: IPC_ADDR_MAX at most */
		xstrlcpy(n->value, value, sizeof(n->value));
	TAILQ_INSERT_TAIL(&wl->nodes, n, entry);
	return n;
}

static void
node_free(struct worklist *wl, struct wl_node *n)
{
	TAILQ_REMOVE(&wl->nodes, n, entry);
	if (n->kind == WL_USER)
		wl->nusers--;
	else if (wl_is_target(n))
		wl->ntargets--;
	if (wl->cur == n)
		wl->cur = NULL;
	free(n->t);
	free(n);
}

void
wl_init(struct worklist *wl, const char *rcpt)
{
	memset(wl, 0, sizeof(*wl));
	TAILQ_INIT(&wl->nodes);
	wl->root = node_new(wl, NULL, WL_RCPT, WL_ACTIVE, rcpt);
}

void
wl_clear(struct worklist *wl)
{
	struct wl_node *n;

	while ((n = TAILQ_FIRST(&wl->nodes)) != NULL)
		node_free(wl, n);
	wl->root = NULL;
}

int
wl_is_target(const struct wl_node *n)
{
	return n->kind == WL_COMMAND || n->kind == WL_FILE ||
	    n->kind == WL_INCLUDE;
}

int
wl_add_user(struct worklist *wl, struct wl_node *parent, const char *user,
    const char *ext, int dedup)
{
	struct wl_node *n;

	if (dedup)
		TAILQ_FOREACH(n, &wl->nodes, entry)
			if (n->kind == WL_USER && strcmp(n->value, user) == 0)
				return 0;
	if (wl->nusers == IPC_EXPAND_MAX)
		return -1;
	n = node_new(wl, parent, WL_USER, WL_PENDING, user);
	xstrlcpy(n->ext, ext, sizeof(n->ext));
	wl->nusers++;
	return 1;
}

int
wl_add_target(struct worklist *wl, struct wl_node *parent,
    const struct msg_runner_open *t)
{
	static char	 key[DUP_KEY_MAX], old[DUP_KEY_MAX];
	struct wl_node	*n;

	dup_target_key(t, key, sizeof(key));
	TAILQ_FOREACH(n, &wl->nodes, entry) {
		if (!wl_is_target(n))
			continue;
		dup_target_key(n->t, old, sizeof(old));
		if (strcmp(old, key) == 0)
			return 0;
	}
	if (wl->ntargets == WL_TARGETS_MAX)
		return -1;
	n = node_new(wl, parent, t->kind == RUNNER_COMMAND ? WL_COMMAND :
	    t->kind == RUNNER_FILE ? WL_FILE : WL_INCLUDE, WL_PENDING, NULL);
	n->t = xmalloc(sizeof(*n->t));
	*n->t = *t;
	wl->ntargets++;
	return 1;
}

struct wl_node *
wl_add(struct worklist *wl, struct wl_node *parent, enum wl_kind kind,
    const char *value)
{
	return node_new(wl, parent, kind, WL_ACTIVE, value);
}

struct wl_node *
wl_next(const struct worklist *wl)
{
	struct wl_node *n, *tgt = NULL;

	TAILQ_FOREACH(n, &wl->nodes, entry) {
		if (n->state != WL_PENDING)
			continue;
		if (n->kind == WL_USER)
			return n;
		if (tgt == NULL && wl_is_target(n))
			tgt = n;
	}
	return tgt;
}

void
wl_take(struct worklist *wl, struct wl_node *n)
{
	if (wl->cur != NULL)
		wl->cur->state = WL_DONE;
	n->state = WL_ACTIVE;
	wl->cur = n;
}

int
wl_more(const struct worklist *wl)
{
	return wl_next(wl) != NULL;
}

struct wl_node *
wl_waiting(const struct worklist *wl)
{
	struct wl_node *n;

	TAILQ_FOREACH(n, &wl->nodes, entry)
		if (n->kind == WL_ADDRESS && n->state == WL_ACTIVE)
			return n;
	return NULL;
}

static int
below(const struct wl_node *n, const struct wl_node *top)
{
	for (n = n->parent; n != NULL; n = n->parent)
		if (n == top)
			return 1;
	return 0;
}

void
wl_drop_below(struct worklist *wl, struct wl_node *top)
{
	struct wl_node *n, *tmp;

	/* Children come after their parents: drop from the end. */
	TAILQ_FOREACH_REVERSE_SAFE(n, &wl->nodes, wl_nodes_head, entry, tmp)
		if (below(n, top))
			node_free(wl, n);
}

int
wl_by_forward(const struct wl_node *user)
{
	const struct wl_node *p = user->parent;

	return p != NULL && p->kind == WL_ADDRESS && p->parent != NULL &&
	    p->parent->kind == WL_FORWARD;
}
