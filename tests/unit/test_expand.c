/*
 * test_expand.c: properties of the expansion, over random alias graphs:
 * resolve_expand() against a reference model, every account
 * once, and local's duplicate filter (one copy per mailbox and message).
 */
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf/aliases.h"
#include "delivery/dupfilter.h"
#include "delivery/resolve.h"
#include "delivery/userdb.h"
#include "conf/config.h"
#include "privsep/ipc_msgs.h"

#define NALIAS	8
#define NACCT	3
#define TMAX	4

static const char *accounts[NACCT] = { "alice", "bob", "carol" };

/* A target of the random graph: what it names, and how it is written. */
enum tkind { T_ALIAS, T_ALIAS_EXT, T_USER, T_USER_EXT, T_USER_AT, T_GHOST };

struct graph {
	int		 nt[NALIAS];
	enum tkind	 kind[NALIAS][TMAX];
	int		 to[NALIAS][TMAX];	/* alias or account index */
};

static uint32_t	rng;

static uint32_t
rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 16) % n;
}

static void
graph_random(struct graph *g)
{
	int i, k;

	for (i = 0; i < NALIAS; i++) {
		g->nt[i] = 1 + rnd(TMAX);
		for (k = 0; k < g->nt[i]; k++) {
			g->kind[i][k] = (enum tkind)rnd(T_GHOST + 1);
			/* aliases point mostly forward: loops, but not always */
			g->to[i][k] = g->kind[i][k] <= T_ALIAS_EXT ?
			    (int)rnd(NALIAS) : (int)rnd(NACCT);
			if (g->kind[i][k] <= T_ALIAS_EXT && rnd(3) != 0 &&
			    i + 1 < NALIAS)
				g->to[i][k] = i + 1 + rnd(NALIAS - i - 1);
		}
	}
}

static void
graph_text(const struct graph *g, char *buf, size_t len)
{
	char	t[64];
	int	i, k;

	buf[0] = '\0';
	for (i = 0; i < NALIAS; i++) {
		snprintf(t, sizeof(t), "n%d: ", i);
		strlcat(buf, t, len);
		for (k = 0; k < g->nt[i]; k++) {
			switch (g->kind[i][k]) {
			case T_ALIAS:
				snprintf(t, sizeof(t), "N%d", g->to[i][k]);
				break;
			case T_ALIAS_EXT:
				snprintf(t, sizeof(t), "n%d+e%d", g->to[i][k],
				    k);
				break;
			case T_USER:
				snprintf(t, sizeof(t), "%s",
				    accounts[g->to[i][k]]);
				break;
			case T_USER_EXT:
				snprintf(t, sizeof(t), "%s+x%d",
				    accounts[g->to[i][k]], i);
				break;
			case T_USER_AT:
				snprintf(t, sizeof(t), "%s@LocalHost",
				    accounts[g->to[i][k]]);
				break;
			default:
				snprintf(t, sizeof(t), "ghost");
				break;
			}
			strlcat(buf, t, len);
			strlcat(buf, k + 1 < g->nt[i] ? ", " : "\n", len);
		}
	}
}

/* The reference: accounts reached, ghost reached, a loop reachable. */
struct ref {
	int	user[NACCT];
	char	failed[2 * NALIAS * TMAX + 1][16];	/* distinct */
	int	nfailed;
	int	loop;
	int	onchain[NALIAS];
	int	seen[NALIAS];
};

static void
ref_fail(struct ref *r, const char *addr)
{
	int i;

	for (i = 0; i < r->nfailed; i++)
		if (strcmp(r->failed[i], addr) == 0)
			return;
	strlcpy(r->failed[r->nfailed++], addr, sizeof(r->failed[0]));
}

static void
ref_visit(const struct graph *g, struct ref *r, int a)
{
	char	self[16];
	int	k, to;

	r->onchain[a] = 1;
	r->seen[a] = 1;
	for (k = 0; k < g->nt[a] && !r->loop; k++) {
		to = g->to[a][k];
		switch (g->kind[a][k]) {
		case T_ALIAS:
		case T_ALIAS_EXT:
			if (to == a) {	/* "a: a": a final address, */
				if (g->kind[a][k] == T_ALIAS)	/* no account */
					snprintf(self, sizeof(self), "n%d", a);
				else
					snprintf(self, sizeof(self), "n%d+e%d",
					    a, k);
				ref_fail(r, self);
			} else if (r->onchain[to])
				r->loop = 1;
			else
				ref_visit(g, r, to);
			break;
		case T_GHOST:
			ref_fail(r, "ghost");
			break;
		default:
			r->user[to] = 1;
		}
	}
	r->onchain[a] = 0;
}

struct fix {
	struct bh_config	 cf;
	struct userdb		 users;
	struct alias_table	 aliases;
	struct resolver		 r;
};

static void
fix_init(struct fix *f, const char *text)
{
	char	err[ALIAS_ERR_MAX] = "";
	int	i;

	memset(f, 0, sizeof(*f));
	f->cf.mydestination.v[0] = "test.example";
	f->cf.mydestination.v[1] = "localhost";
	f->cf.mydestination.n = 2;
	f->cf.local_minimum_uid = 1000;
	f->cf.recipient_delimiter = "+";
	f->cf.myhostname = "mx.test.example";
	for (i = 0; i < NACCT; i++)
		userdb_add(&f->users, accounts[i], 1001 + i);
	userdb_sort(&f->users);
	if (aliases_parse_buffer(&f->aliases, text, strlen(text), "aliases",
	    err, sizeof(err)) != 0)
		fail_msg("aliases: %s\n%s", err, text);
	f->r.cf = &f->cf;
	f->r.users = &f->users;
	f->r.aliases = &f->aliases;
}

static void
fix_free(struct fix *f)
{
	aliases_free(&f->aliases);
	userdb_free(&f->users);
}

static int	nloop, nnone, nok;

static void
check_one(const struct graph *g, const char *text, int top)
{
	static struct msg_expand_ok	 out;
	struct fix			 f;
	struct ref			 r;
	char				 addr[64], dsn[IPC_DSN_MAX];
	char				 msg[IPC_TEXT_MAX];
	uint32_t			 i, k;
	int				 rc, want[NACCT], n = 0;

	memset(&r, 0, sizeof(r));
	ref_visit(g, &r, top);
	fix_init(&f, text);
	snprintf(addr, sizeof(addr), "N%d+tag@test.example", top);
	rc = resolve_expand(&f.r, addr, &out, dsn, sizeof(dsn), msg,
	    sizeof(msg));
	memset(want, 0, sizeof(want));
	for (i = 0; i < NACCT; i++)
		n += want[i] = r.user[i];
	if (r.loop) {
		nloop++;
		if (rc != -1 || strcmp(dsn, "5.4.6") != 0)
			fail_msg("%s: want a loop, got %d %s\n%s", addr, rc,
			    dsn, text);
		goto done;
	}
	if (n == 0 || r.nfailed > IPC_FAILED_MAX) {
		nnone++;
		if (rc != -1 || strcmp(dsn, "5.1.1") != 0)
			fail_msg("%s: want 5.1.1, got %d %s\n%s", addr, rc, dsn,
			    text);
		goto done;
	}
	if (rc != 0)
		fail_msg("%s: failed %s %s\n%s", addr, dsn, msg, text);
	nok++;
	/* every account reached once, nothing else */
	assert_int_equal(out.n, (uint32_t)n);
	for (i = 0; i < out.n; i++) {
		for (k = 0; k < NACCT; k++)
			if (strcmp(out.users[i], accounts[k]) == 0)
				break;
		if (k == NACCT || !want[k])
			fail_msg("%s: %s not expected\n%s", addr, out.users[i],
			    text);
		want[k] = 0;		/* a second one fails above */
		assert_true(ipc_valid_suffix(out.ext[i]));
	}
	assert_int_equal(out.nfailed, (uint32_t)r.nfailed);
	assert_int_equal(out.ntargets, 0);
done:
	fix_free(&f);
}

static void
test_random_alias_graphs(void **state)
{
	struct graph	g;
	char		text[4096];
	int		round, top;

	(void)state;
	for (round = 0; round < 3000; round++) {
		rng = 7919u * (uint32_t)round + 1;
		graph_random(&g);
		graph_text(&g, text, sizeof(text));
		top = (int)rnd(NALIAS);
		check_one(&g, text, top);
	}
	/* the generator must reach every case */
	print_message("%d loops, %d failures, %d expansions\n", nloop, nnone,
	    nok);
	assert_true(nloop > 100 && nnone > 20 && nok > 500);
}

/*
 * local's duplicate filter: of the recipients of one message, the first
 * to write a mailbox holds it for good; other messages are apart; the
 * table is bounded.
 */
static void
test_dupfilter(void **state)
{
	struct dupfilter	*d;
	uint32_t		 holder, first[3][4], idx, q, m;
	char			 qid[32], key[32];
	int			 round;

	(void)state;
	d = dup_new(1000);
	memset(first, 0xff, sizeof(first));
	rng = 42;
	for (round = 0; round < 5000; round++) {
		q = rnd(3);
		m = rnd(4);
		idx = rnd(5);
		snprintf(qid, sizeof(qid), "000000000000000%u", q);
		snprintf(key, sizeof(key), "mailbox u%u", m);
		if (first[q][m] == UINT32_MAX) {
			assert_int_equal(dup_claim(d, qid, key, idx, &holder),
			    0);
			first[q][m] = idx;
		} else
			assert_int_equal(dup_claim(d, qid, key, idx, &holder),
			    idx == first[q][m] ? 0 : 1);
		assert_int_equal(holder, first[q][m]);
	}
	assert_int_equal(dup_count(d), 12);
	dup_free(d);

	/* bounded: the oldest claim goes first */
	d = dup_new(2);
	assert_int_equal(dup_claim(d, "q", "a", 1, &holder), 0);
	assert_int_equal(dup_claim(d, "q", "b", 1, &holder), 0);
	assert_int_equal(dup_claim(d, "q", "c", 1, &holder), 0);
	assert_int_equal(dup_count(d), 2);
	assert_int_equal(dup_claim(d, "q", "a", 2, &holder), 0); /* forgot */
	assert_int_equal(dup_claim(d, "q", "c", 2, &holder), 1);
	assert_int_equal(holder, 1);
	dup_free(d);
}

/* A command's identity includes the account it runs as. */
static void
test_target_key(void **state)
{
	static struct msg_runner_open	a, b;
	char				ka[DUP_KEY_MAX], kb[DUP_KEY_MAX];

	(void)state;
	memset(&a, 0, sizeof(a));
	a.source = RUNNER_FORWARD;
	a.kind = RUNNER_COMMAND;
	strlcpy(a.name, "alice", sizeof(a.name));
	strlcpy(a.value, "procmail", sizeof(a.value));
	b = a;
	strlcpy(b.name, "bob", sizeof(b.name));
	dup_target_key(&a, ka, sizeof(ka));
	dup_target_key(&b, kb, sizeof(kb));
	assert_string_not_equal(ka, kb);		/* two users: twice */
	b = a;
	b.kind = RUNNER_FILE;
	dup_target_key(&b, kb, sizeof(kb));
	assert_string_not_equal(ka, kb);
	/* aliases: one alias file (any alias in it) runs it once */
	a.source = b.source = RUNNER_ALIAS;
	a.kind = b.kind = RUNNER_COMMAND;
	strlcpy(a.name, "list1", sizeof(a.name));
	strlcpy(b.name, "list2", sizeof(b.name));
	dup_target_key(&a, ka, sizeof(ka));
	dup_target_key(&b, kb, sizeof(kb));
	assert_string_equal(ka, kb);
	b.map = 1;					/* another file */
	dup_target_key(&b, kb, sizeof(kb));
	assert_string_not_equal(ka, kb);
	b.map = 0;					/* an :include: file */
	b.depth = 1;
	strlcpy(b.chain[0], "/etc/mail/team", sizeof(b.chain[0]));
	dup_target_key(&b, kb, sizeof(kb));
	assert_string_not_equal(ka, kb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_alias_graphs),
		cmocka_unit_test(test_dupfilter),
		cmocka_unit_test(test_target_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
