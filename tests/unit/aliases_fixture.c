/*
 * aliases_fixture.c: the helpers of aliases_fixture.h.
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

/* --- helpers --------------------------------------------------------- */

void
parse_ok(struct alias_table *t, const char *text)
{
	char	err[ALIAS_ERR_MAX] = "";
	int	r;

	r = aliases_parse_buffer(t, text, strlen(text), "test", err,
	    sizeof(err));
	if (r != 0)
		fail_msg("unexpected parse error: %s", err);
}

/* Parse len octets of text; it must fail with exactly want. */
void
parse_fails_len(const char *text, size_t len, const char *want)
{
	struct alias_table	t;
	char			err[ALIAS_ERR_MAX] = "";

	assert_int_equal(aliases_parse_buffer(&t, text, len, "test", err,
	    sizeof(err)), -1);
	assert_string_equal(err, want);
	/* A failed parse leaves nothing to free. */
	assert_null(t.v);
	assert_int_equal(t.n, 0);
	assert_null(t.file);
	aliases_free(&t);
}

void
parse_fails(const char *text, const char *want)
{
	parse_fails_len(text, strlen(text), want);
}

const struct alias_entry *
must_find(const struct alias_table *t, const char *name)
{
	const struct alias_entry	*e;

	if ((e = aliases_lookup(t, name)) == NULL)
		fail_msg("alias %s not found", name);
	return e;
}

void
assert_target(const struct alias_target *tg, enum alias_kind kind,
    const char *value)
{
	assert_int_equal(tg->kind, kind);
	assert_string_equal(tg->value, value);
}

/*
 * Expand name in a table parsed from text; the result must be the
 * addresses in want (NULL-terminated), in that order.
 */
void
expands_to(const char *text, const char *name, alias_domain_fn fn,
    void *arg, const char **want)
{
	struct alias_table	 t;
	struct alias_target	*out = NULL;
	char			 err[ALIAS_ERR_MAX] = "";
	int			 n, i;

	parse_ok(&t, text);
	n = aliases_expand(&t, name, fn, arg, &out, err, sizeof(err));
	if (n == -1)
		fail_msg("unexpected expansion error: %s", err);
	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < n);
		assert_target(&out[i], ALIAS_ADDRESS, want[i]);
	}
	assert_int_equal(n, i);
	aliases_free_targets(out, (size_t)n);
	aliases_free(&t);
}

void
expand_fails(const char *text, const char *name, const char *want)
{
	struct alias_table	 t;
	struct alias_target	*out = (struct alias_target *)&t; /* not NULL */
	char			 err[ALIAS_ERR_MAX] = "";

	parse_ok(&t, text);
	assert_int_equal(aliases_expand(&t, name, NULL, NULL, &out, err,
	    sizeof(err)), -1);
	assert_null(out);
	assert_string_equal(err, want);
	aliases_free(&t);
}

/* Append to a growing text buffer; aborts the test on ENOMEM. */
void	cat(char **, size_t *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

void
cat(char **buf, size_t *len, const char *fmt, ...)
{
	va_list	 ap;
	char	 piece[256];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(piece));
	*buf = realloc(*buf, *len + (size_t)n + 1);
	assert_non_null(*buf);
	memcpy(*buf + *len, piece, (size_t)n + 1);
	*len += (size_t)n;
}
