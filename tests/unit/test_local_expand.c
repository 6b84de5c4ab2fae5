/*
 * test_local_expand.c: local's expansion worklist (delivery/worklist.c)
 * driven the way local drives it, with made-up lookup answers: the order
 * of delivery (accounts before targets, an :include: file's accounts
 * before the targets after it), one node per account and per target,
 * the parent chain (no ~/.forward for an account a .forward reached),
 * a .forward that fails taking back all it added, and the limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "delivery/worklist.h"

/* A made-up lookup: the accounts and commands an address reaches. */
struct answer {
	const char	*addr;
	const char	*users[4];
	const char	*cmds[2];
};

static const struct answer answers[] = {
	{ "team", { "alice", "bob" }, { "/usr/bin/archive" } },
	{ "fwd-bob", { "bob", "carol" }, { NULL } },
	{ "list", { "dave" }, { NULL } },
	{ "self", { "alice" }, { NULL } },
};

static struct msg_runner_open *
target(uint32_t kind, const char *name, const char *value)
{
	static struct msg_runner_open t;

	memset(&t, 0, sizeof(t));
	t.source = RUNNER_ALIAS;
	t.kind = kind;
	strlcpy(t.name, name, sizeof(t.name));
	strlcpy(t.value, value, sizeof(t.value));
	return &t;
}

/* lookup answered for node a (or the root): add what addr reaches. */
static void
answer(struct worklist *wl, struct wl_node *a, const char *addr, int dedup)
{
	const struct answer	*x = NULL;
	size_t			 i;

	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		if (strcmp(answers[i].addr, addr) == 0)
			x = &answers[i];
	assert_non_null(x);
	if (a->kind == WL_ADDRESS)
		a->state = WL_DONE;
	for (i = 0; i < 4 && x->users[i] != NULL; i++)
		assert_int_not_equal(wl_add_user(wl, a, x->users[i], "",
		    dedup), -1);
	for (i = 0; i < 2 && x->cmds[i] != NULL; i++)
		assert_int_not_equal(wl_add_target(wl, a,
		    target(RUNNER_COMMAND, addr, x->cmds[i])), -1);
}

/* Take the next node and check what it is. */
static struct wl_node *
take(struct worklist *wl, enum wl_kind kind, const char *value)
{
	struct wl_node *n;

	n = wl_next(wl);
	assert_non_null(n);
	assert_int_equal(n->kind, kind);
	assert_string_equal(kind == WL_USER ? n->value : n->t->value, value);
	wl_take(wl, n);
	return n;
}

static void
test_order_accounts_then_targets(void **state)
{
	struct worklist wl;

	wl_init(&wl, "team@example.org");
	answer(&wl, wl.root, "team", 0);
	assert_int_equal(wl.nusers, 2);
	assert_int_equal(wl.ntargets, 1);
	take(&wl, WL_USER, "alice");
	assert_true(wl_more(&wl));
	take(&wl, WL_USER, "bob");
	take(&wl, WL_COMMAND, "/usr/bin/archive");
	assert_false(wl_more(&wl));
	assert_null(wl_next(&wl));
	wl_clear(&wl);
}

static void
test_forward_chain(void **state)
{
	struct worklist	 wl;
	struct wl_node	*alice, *fwd, *a, *n;

	wl_init(&wl, "team@example.org");
	answer(&wl, wl.root, "team", 0);
	alice = take(&wl, WL_USER, "alice");
	assert_false(wl_by_forward(alice));
	/* alice's ~/.forward names fwd-bob: one lookup outstanding */
	fwd = wl_add(&wl, alice, WL_FORWARD, "");
	a = wl_add(&wl, fwd, WL_ADDRESS, "fwd-bob");
	assert_ptr_equal(wl_waiting(&wl), a);
	answer(&wl, a, "fwd-bob", 1);
	assert_null(wl_waiting(&wl));
	/* bob was there already: one mailbox; carol is new */
	assert_int_equal(wl.nusers, 3);
	take(&wl, WL_USER, "bob");
	n = take(&wl, WL_USER, "carol");
	assert_true(wl_by_forward(n));
	assert_ptr_equal(n->parent, a);
	assert_ptr_equal(n->parent->parent->parent, alice);
	assert_int_equal(n->depth, 4);
	take(&wl, WL_COMMAND, "/usr/bin/archive");
	wl_clear(&wl);
}

static void
test_forward_fails_whole(void **state)
{
	struct worklist	 wl;
	struct wl_node	*alice, *fwd, *a;

	wl_init(&wl, "team@example.org");
	answer(&wl, wl.root, "team", 0);
	alice = take(&wl, WL_USER, "alice");
	fwd = wl_add(&wl, alice, WL_FORWARD, "+ext");
	assert_int_equal(wl_add_target(&wl, fwd, target(RUNNER_FILE,
	    "alice", "/home/alice/log")), 1);
	a = wl_add(&wl, fwd, WL_ADDRESS, "fwd-bob");
	answer(&wl, a, "fwd-bob", 1);
	assert_int_equal(wl.nusers, 3);
	assert_int_equal(wl.ntargets, 2);
	wl_drop_below(&wl, fwd);
	assert_int_equal(wl.nusers, 2);
	assert_int_equal(wl.ntargets, 1);
	assert_ptr_equal(wl.cur, alice);
	take(&wl, WL_USER, "bob");
	take(&wl, WL_COMMAND, "/usr/bin/archive");
	assert_null(wl_next(&wl));
	wl_clear(&wl);
}

static void
test_include_accounts_before_later_targets(void **state)
{
	struct worklist	 wl;
	struct wl_node	*inc, *a, *n;

	wl_init(&wl, "owners@example.org");
	assert_int_equal(wl_add_user(&wl, wl.root, "alice", "+x", 0), 1);
	assert_int_equal(wl_add_target(&wl, wl.root, target(RUNNER_INCLUDE,
	    "owners", "/etc/mail/owners.list")), 1);
	assert_int_equal(wl_add_target(&wl, wl.root, target(RUNNER_COMMAND,
	    "owners", "/usr/bin/notify")), 1);
	n = take(&wl, WL_USER, "alice");
	assert_string_equal(n->ext, "+x");
	inc = take(&wl, WL_INCLUDE, "/etc/mail/owners.list");
	a = wl_add(&wl, inc, WL_ADDRESS, "list");
	assert_ptr_equal(wl_waiting(&wl), a);
	assert_ptr_equal(wl_waiting(&wl)->parent, inc);
	answer(&wl, a, "list", 1);
	n = take(&wl, WL_USER, "dave");
	/* an :include: member's own ~/.forward counts */
	assert_false(wl_by_forward(n));
	take(&wl, WL_COMMAND, "/usr/bin/notify");
	assert_false(wl_more(&wl));
	wl_clear(&wl);
}

static void
test_one_node_per_target(void **state)
{
	struct worklist		wl;
	struct msg_runner_open	t;

	wl_init(&wl, "team@example.org");
	t = *target(RUNNER_COMMAND, "team", "/bin/true");
	assert_int_equal(wl_add_target(&wl, wl.root, &t), 1);
	assert_int_equal(wl_add_target(&wl, wl.root, &t), 0);
	/* the same command run as another account is another delivery */
	t.source = RUNNER_FORWARD;
	strlcpy(t.name, "alice", sizeof(t.name));
	assert_int_equal(wl_add_target(&wl, wl.root, &t), 1);
	assert_int_equal(wl.ntargets, 2);
	wl_clear(&wl);
}

static void
test_limits(void **state)
{
	struct worklist	wl;
	char		name[16];
	int		i;

	wl_init(&wl, "big@example.org");
	for (i = 0; i < IPC_EXPAND_MAX; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		assert_int_equal(wl_add_user(&wl, wl.root, name, "", 1), 1);
	}
	assert_int_equal(wl_add_user(&wl, wl.root, "u0", "", 1), 0);
	assert_int_equal(wl_add_user(&wl, wl.root, "one-more", "", 1), -1);
	for (i = 0; i < WL_TARGETS_MAX; i++) {
		snprintf(name, sizeof(name), "/bin/c%d", i);
		assert_int_equal(wl_add_target(&wl, wl.root,
		    target(RUNNER_COMMAND, "big", name)), 1);
	}
	assert_int_equal(wl_add_target(&wl, wl.root,
	    target(RUNNER_COMMAND, "big", "/bin/last")), -1);
	wl_clear(&wl);
	assert_null(wl.root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_accounts_then_targets),
		cmocka_unit_test(test_forward_chain),
		cmocka_unit_test(test_forward_fails_whole),
		cmocka_unit_test(test_include_accounts_before_later_targets),
		cmocka_unit_test(test_one_node_per_target),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
