/*
 * aliases_fixture.h: what the test_aliases*.c files share: parsing an
 * aliases text, finding an entry, expanding a name.
 */
#ifndef BH_ALIASES_FIXTURE_H
#define BH_ALIASES_FIXTURE_H

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


/* aliases_fixture.c */
void	parse_ok(struct alias_table *t, const char *text);
void	parse_fails_len(const char *text, size_t len, const char *want);
void	parse_fails(const char *text, const char *want);
const struct alias_entry	*must_find(const struct alias_table *t,
	    const char *name);
void	assert_target(const struct alias_target *tg, enum alias_kind kind,
	    const char *value);
void	expands_to(const char *text, const char *name, alias_domain_fn fn,
	    void *arg, const char **want);
void	expand_fails(const char *text, const char *name, const char *want);
void	cat(char **, size_t *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* test_aliases_parse.c */
void	test_parse_simple(void **state);
void	test_parse_several_targets(void **state);
void	test_parse_continuation(void **state);
void	test_parse_comments_blank_crlf(void **state);
void	test_parse_quoted_names(void **state);
void	test_parse_commands_files_includes(void **state);
void	test_parse_addresses(void **state);
void	test_parse_duplicate_later_wins(void **state);
void	test_lookup_case_insensitive(void **state);
void	test_parse_limits(void **state);
void	test_parse_errors(void **state);
void	test_parse_utf8(void **state);
void	test_parse_size_limits(void **state);
void	test_parse_file(void **state);
void	test_parse_fd(void **state);

/* test_aliases_expand.c */
void	test_expand_nested(void **state);
void	test_expand_self_reference(void **state);
void	test_expand_loop(void **state);
void	test_expand_diamond(void **state);
void	test_expand_depth_limit(void **state);
void	test_expand_fan_out(void **state);
void	test_expand_depth_after_shallow_visit(void **state);
void	test_expand_duplicates(void **state);
void	test_expand_local_domain(void **state);
void	test_expand_case_insensitive(void **state);
void	test_expand_not_an_alias(void **state);
void	test_expand_cap(void **state);
void	test_expand_delimiter(void **state);

#endif
