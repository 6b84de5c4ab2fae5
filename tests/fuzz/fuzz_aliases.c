/*
 * fuzz_aliases.c: the aliases(5) parser and alias expansion.
 *
 * Whatever parses must be internally consistent: every entry is found
 * again by its name, in any case, and every expansion either fails with
 * a message or returns at most ALIAS_EXPAND_MAX well-formed targets.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "delivery/alias_expand.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define EXPAND_FIRST	4	/* entries expanded from the start of a file */

/* Some domains must be "ours", or local@domain recursion goes untested. */
static int
fuzz_is_local(const char *domain, void *arg)
{
	return domain[0] == 'l' || strcmp(domain, "example.org") == 0;
}

static void
check_expansion(const struct alias_table *t, const char *name)
{
	struct alias_target	*out = NULL;
	char			 err[ALIAS_ERR_MAX];
	int			 n, i;

	err[0] = '\0';
	n = aliases_expand(t, name, fuzz_is_local, NULL, &out, err,
	    sizeof(err));
	if (n == -1) {
		if (out != NULL || err[0] == '\0')
			abort();
		return;
	}
	if (n < 1 || n > ALIAS_EXPAND_MAX || out == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (out[i].value == NULL)
			abort();
		if (out[i].kind < ALIAS_ADDRESS || out[i].kind > ALIAS_INCLUDE)
			abort();
	}
	aliases_free_targets(out, (size_t)n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alias_table		 t;
	const struct alias_entry	*e;
	char				 err[ALIAS_ERR_MAX];
	size_t				 i;

	err[0] = '\0';
	if (aliases_parse_buffer(&t, (const char *)data, size, "fuzz", err,
	    sizeof(err)) == -1) {
		/* A failure says where, and leaves nothing behind. */
		if (strncmp(err, "fuzz:", 5) != 0 || t.v != NULL || t.n != 0)
			abort();
		return 0;
	}
	for (i = 0; i < t.n; i++) {
		e = aliases_lookup(&t, t.v[i].name);
		if (e != &t.v[i] || e->ntargets == 0)
			abort();
		/*
		 * Expanding every entry made a fan-in seed (200 names, each
		 * a 1,000-member list) cost 200,000 targets per input, and
		 * its mutants held the whole run to a few hundred inputs a
		 * second: the first entries and the last are enough to
		 * reach every path of the expansion.
		 */
		if (i < EXPAND_FIRST || i == t.n - 1)
			check_expansion(&t, t.v[i].name);
	}
	check_expansion(&t, "Postmaster");
	aliases_free(&t);
	return 0;
}
