/*
 * config_fixture.c: the helpers of config_fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/config.h"

#include "tests/unit/config_fixture.h"

char	warnings[NWARN][CF_ERR_MAX];
int	nwarn;

static void
collect_warning(const char *msg)
{
	if (nwarn < NWARN)
		snprintf(warnings[nwarn], sizeof(warnings[0]), "%s", msg);
	nwarn++;
}

/*
 * The host name the defaults see.  The tests run in a UTS namespace of
 * their own (see main), so they can set any name without touching the
 * machine's, and do not depend on it.
 */
int have_uts_ns;

void
set_hostname(const char *name)
{
	if (sethostname(name, strlen(name)) == -1)
		fail_msg("sethostname %s: %s", name, strerror(errno));
}

int
hostname_tests_possible(void)
{
	if (!have_uts_ns) {
		print_message("no private UTS namespace (not root?): "
		    "host name tests skipped\n");
		return 0;
	}
	return 1;
}

/* A copy without a terminating NUL, so that ASan sees any over-read. */
static char *
exact(const char *s, size_t *len)
{
	char	*b;

	*len = strlen(s);
	b = malloc(*len ? *len : 1);
	assert_non_null(b);
	memcpy(b, s, *len);
	return b;
}

void
parse_ok(struct cf_table *t, const char *text)
{
	char	 err[CF_ERR_MAX] = "", *b;
	size_t	 n;
	int	 rc;

	b = exact(text, &n);
	rc = cf_parse_buffer(t, b, n, FN, err, sizeof(err));
	free(b);
	if (rc != 0)
		fail_msg("unexpected error: %s", err);
}

void
assert_parse_error(const char *text, const char *want)
{
	struct cf_table	 t;
	char		 err[CF_ERR_MAX] = "", *b;
	size_t		 n;

	b = exact(text, &n);
	assert_int_equal(cf_parse_buffer(&t, b, n, FN, err, sizeof(err)), -1);
	free(b);
	assert_string_equal(err, want);
	assert_null(t.v);
	assert_int_equal(t.n, 0);
}

void
assert_value(const struct cf_table *t, const char *name, const char *value,
    int line)
{
	const struct cf_param	*p = cf_lookup(t, name);

	assert_non_null(p);
	assert_string_equal(p->value, value);
	assert_string_equal(p->file, FN);
	assert_int_equal(p->line, line);
}

int
build(struct bh_config *cf, const char *text, char *err, size_t errlen)
{
	struct cf_table	 t;
	int		 rc;

	parse_ok(&t, text);
	nwarn = 0;
	rc = config_build(cf, &t, "/etc/bh", collect_warning, err, errlen);
	cf_free(&t);
	return rc;
}

void
build_ok(struct bh_config *cf, const char *text)
{
	char	 err[CF_ERR_MAX] = "";

	if (build(cf, text, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
}

void
assert_build_error(const char *text, const char *want)
{
	struct bh_config cf, zero;
	char		 err[CF_ERR_MAX] = "";

	assert_int_equal(build(&cf, text, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	/* A failed build leaves nothing allocated. */
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&cf, &zero, sizeof(cf));
	config_free(&cf);
}

static char *
expand(const char *table, const char *value, char *err, size_t errlen)
{
	struct cf_table	 t;
	char		*r;

	parse_ok(&t, table);
	r = cf_expand(&t, value, err, errlen);
	cf_free(&t);
	return r;
}

void
assert_expands(const char *table, const char *value, const char *want)
{
	char	 err[CF_ERR_MAX] = "", *r;

	if ((r = expand(table, value, err, sizeof(err))) == NULL)
		fail_msg("unexpected error: %s", err);
	assert_string_equal(r, want);
	free(r);
}

void
assert_expand_error(const char *table, const char *value, const char *want)
{
	char	 err[CF_ERR_MAX] = "";

	assert_null(expand(table, value, err, sizeof(err)));
	assert_string_equal(err, want);
}
