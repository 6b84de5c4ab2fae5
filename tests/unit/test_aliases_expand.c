/*
 * test_aliases_expand.c: alias expansion: nesting, loops, depth and fan-out
 * limits, duplicates, local domains, the recipient delimiter.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "delivery/alias_expand.h"

#include "tests/unit/aliases_fixture.h"

/* --- expansion ------------------------------------------------------- */

void
test_expand_nested(void **state)
{
	expands_to("a: b\nb: c, d\n", "a", NULL, NULL,
	    (const char *[]){ "c", "d", NULL });
	expands_to("a: b, x\nb: c\nc: d, e\n", "a", NULL, NULL,
	    (const char *[]){ "d", "e", "x", NULL });
}

void
test_expand_self_reference(void **state)
{
	expands_to("root: root, admin\n", "root", NULL, NULL,
	    (const char *[]){ "root", "admin", NULL });
	expands_to("joe: joe\n", "joe", NULL, NULL,
	    (const char *[]){ "joe", NULL });
	/* Through an alias: postmaster -> root -> root (the user). */
	expands_to("postmaster: root\nroot: ROOT, admin\n", "postmaster",
	    NULL, NULL, (const char *[]){ "root", "admin", NULL });
	/* \user stops aliasing, as in sendmail. */
	expands_to("a: \\b, c\nb: x\nc: \\C\n", "a", NULL, NULL,
	    (const char *[]){ "b", "c", NULL });
}

void
test_expand_loop(void **state)
{
	expand_fails("a: b\nb: a\n", "a", "alias loop: a -> b -> a");
	expand_fails("x: a\na: b\nb: c, a\nc: d\n", "x",
	    "alias loop: x -> a -> b -> a");
	expand_fails("a: b\nb: a, b\n", "b", "alias loop: b -> a -> b");
}

/* A diamond (a -> b, c; b, c -> d) is not a loop. */
void
test_expand_diamond(void **state)
{
	expands_to("a: b, c\nb: d\nc: d, y\nd: e\n", "a", NULL, NULL,
	    (const char *[]){ "e", "y", NULL });
}

/* Aliases l<i>: l<i+1>; the last one names user. */
static char *
chain_of(int nalias)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 i;

	for (i = 1; i < nalias; i++)
		cat(&buf, &len, "l%d: l%d\n", i, i + 1);
	cat(&buf, &len, "l%d: user\n", nalias);
	return buf;
}

void
test_expand_depth_limit(void **state)
{
	char	*text;

	text = chain_of(ALIAS_EXPAND_DEPTH);
	expands_to(text, "l1", NULL, NULL, (const char *[]){ "user", NULL });
	free(text);
	text = chain_of(ALIAS_EXPAND_DEPTH + 1);
	expand_fails(text, "l1", "aliases nested too deeply: l1 -> l2 -> "
	    "l3 -> l4 -> l5 -> l6 -> l7 -> l8 -> l9 -> l10 -> l11 -> l12 -> "
	    "l13 -> l14 -> l15 -> l16 -> l17");
	/* Starting lower in the chain stays within the limit. */
	expands_to(text, "l2", NULL, NULL, (const char *[]){ "user", NULL });
	free(text);
}

/*
 * Every level names both aliases of the next level: 2^16 paths.  Must
 * finish at once, with the two final users.
 */
void
test_expand_fan_out(void **state)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 i;

	for (i = 1; i < ALIAS_EXPAND_DEPTH; i++)
		cat(&buf, &len, "a%d: a%d, b%d\nb%d: b%d, a%d\n",
		    i, i + 1, i + 1, i, i + 1, i + 1);
	cat(&buf, &len, "a%d: ua\nb%d: ub\n", ALIAS_EXPAND_DEPTH,
	    ALIAS_EXPAND_DEPTH);
	expands_to(buf, "a1", NULL, NULL,
	    (const char *[]){ "ua", "ub", NULL });
	free(buf);
}

/*
 * x is first expanded one level down and completes; reached again
 * through a long chain, it must still hit the depth limit there.
 */
void
test_expand_depth_after_shallow_visit(void **state)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 i, last = ALIAS_EXPAND_DEPTH - 3;

	cat(&buf, &len, "a: x, p1\nx: y\ny: user\n");
	for (i = 1; i < last; i++)
		cat(&buf, &len, "p%d: p%d\n", i, i + 1);
	cat(&buf, &len, "p%d: x\n", last);
	/* a p1 .. p13 x y: 16 nested aliases */
	expands_to(buf, "a", NULL, NULL, (const char *[]){ "user", NULL });
	cat(&buf, &len, "p%d: p%d\np%d: x\n", last, last + 1, last + 1);
	expand_fails(buf, "a", "aliases nested too deeply: a -> p1 -> p2 -> "
	    "p3 -> p4 -> p5 -> p6 -> p7 -> p8 -> p9 -> p10 -> p11 -> p12 -> "
	    "p13 -> p14 -> x -> y");
	free(buf);
}

void
test_expand_duplicates(void **state)
{
	struct alias_table	 t;
	struct alias_target	*out;
	char			 err[ALIAS_ERR_MAX];

	expands_to("a: b, c, B\nc: b, d, D@Remote.example, d@remote.EXAMPLE\n",
	    "a", NULL, NULL,
	    (const char *[]){ "b", "d", "D@Remote.example", NULL });

	/* Files and commands: kept, unchanged, each once. */
	parse_ok(&t, "a: /x, |cmd, /x, b, :include:/l\nb: |cmd, /X\n");
	assert_int_equal(aliases_expand(&t, "a", NULL, NULL, &out, err,
	    sizeof(err)), 4);
	assert_target(&out[0], ALIAS_FILE, "/x");
	assert_target(&out[1], ALIAS_COMMAND, "cmd");
	assert_target(&out[2], ALIAS_FILE, "/X");
	assert_target(&out[3], ALIAS_INCLUDE, "/l");
	aliases_free_targets(out, 4);
	aliases_free(&t);
}

struct domains {
	const char	*local;
	int		 calls;
	char		 last[64];
};

static int
is_local(const char *domain, void *arg)
{
	struct domains	*d = arg;

	d->calls++;
	strlcpy(d->last, domain, sizeof(d->last));
	return strcmp(domain, d->local) == 0;
}

void
test_expand_local_domain(void **state)
{
	struct domains	d = { "local.example", 0, "" };
	const char	*text =
	    "a: b@local.example, c@remote.example, B@LOCAL.Example\n"
	    "b: real\n"
	    "root: root@local.example\n";

	expands_to(text, "a", is_local, &d,
	    (const char *[]){ "real", "c@remote.example", NULL });
	assert_int_equal(d.calls, 3);
	/* The callback sees the domain lower-cased. */
	assert_string_equal(d.last, "local.example");
	expands_to(text, "root", is_local, &d,
	    (const char *[]){ "root", NULL });
	/* Without a callback no domain is ours. */
	expands_to(text, "a", NULL, NULL, (const char *[]){
	    "b@local.example", "c@remote.example", NULL });
}

void
test_expand_case_insensitive(void **state)
{
	expands_to("postmaster: Root\nroot: Admin\n", "PostMaster", NULL,
	    NULL, (const char *[]){ "admin", NULL });
}

void
test_expand_not_an_alias(void **state)
{
	struct alias_target	*out;
	char			 err[ALIAS_ERR_MAX];

	expands_to("root: admin\n", "Alice", NULL, NULL,
	    (const char *[]){ "alice", NULL });
	expands_to("", "bob", NULL, NULL, (const char *[]){ "bob", NULL });
	assert_int_equal(aliases_expand(NULL, "carol", NULL, NULL, &out, err,
	    sizeof(err)), 1);
	assert_target(&out[0], ALIAS_ADDRESS, "carol");
	aliases_free_targets(out, 1);
	assert_int_equal(aliases_expand(NULL, "", NULL, NULL, &out, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "empty alias name");
	assert_null(out);
}

void
test_expand_cap(void **state)
{
	struct alias_table	 t;
	struct alias_target	*out;
	char			 err[ALIAS_ERR_MAX];
	char			*buf = NULL;
	size_t			 len = 0;
	int			 i;

	/* big: u0 ... u998 and sub; sub: u999 (and u0 again) */
	cat(&buf, &len, "big: sub");
	for (i = 0; i < ALIAS_EXPAND_MAX - 1; i++)
		cat(&buf, &len, ",\n u%d", i);
	cat(&buf, &len, "\nsub: u%d, u0\n", ALIAS_EXPAND_MAX - 1);
	parse_ok(&t, buf);
	assert_int_equal(aliases_expand(&t, "big", NULL, NULL, &out, err,
	    sizeof(err)), ALIAS_EXPAND_MAX);
	assert_target(&out[0], ALIAS_ADDRESS, "u999");
	assert_target(&out[1], ALIAS_ADDRESS, "u0");
	assert_target(&out[ALIAS_EXPAND_MAX - 1], ALIAS_ADDRESS, "u998");
	aliases_free_targets(out, ALIAS_EXPAND_MAX);
	aliases_free(&t);

	cat(&buf, &len, "sub: u%d, one-too-many\n", ALIAS_EXPAND_MAX - 1);
	expand_fails(buf, "big", "alias big expands to more than 1000 "
	    "recipients");
	free(buf);
}

/* With recipient_delimiter: list: team+x expands team; alice+x stays. */
void
test_expand_delimiter(void **state)
{
	static const char text[] =
	    "list: team+x, alice+lists, \"team+y\"\n"
	    "team: alice, bob\n"
	    "self: self+x\n";
	struct alias_table	 t;
	struct alias_target	*out = NULL;
	char			 err[ALIAS_ERR_MAX] = "";
	int			 n;

	(void)state;
	parse_ok(&t, text);
	n = aliases_expand_delim(&t, "list", "+", NULL, NULL, &out, err,
	    sizeof(err));
	assert_int_equal(n, 3);
	assert_target(&out[0], ALIAS_ADDRESS, "alice");
	assert_target(&out[1], ALIAS_ADDRESS, "bob");
	assert_target(&out[2], ALIAS_ADDRESS, "alice+lists");
	aliases_free_targets(out, (size_t)n);
	/* self+x names self itself: a final recipient, not a loop */
	n = aliases_expand_delim(&t, "self", "+", NULL, NULL, &out, err,
	    sizeof(err));
	assert_int_equal(n, 1);
	assert_target(&out[0], ALIAS_ADDRESS, "self+x");
	aliases_free_targets(out, (size_t)n);
	/* without a delimiter team+x is an address of its own */
	n = aliases_expand(&t, "list", NULL, NULL, &out, err, sizeof(err));
	assert_int_equal(n, 3);
	assert_target(&out[0], ALIAS_ADDRESS, "team+x");
	aliases_free_targets(out, (size_t)n);
	aliases_free(&t);
}
