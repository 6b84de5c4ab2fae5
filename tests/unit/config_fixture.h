/*
 * config_fixture.h: what the test_config*.c files share: parsing, building
 * and expanding a main.cf text, and the warnings it gave.
 */
#ifndef BH_CONFIG_FIXTURE_H
#define BH_CONFIG_FIXTURE_H

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

#define FN	"t.cf"

/* The warn callback has no context argument: the test keeps its own. */
#define NWARN	8

/* config_fixture.c */
extern char	warnings[NWARN][CF_ERR_MAX];
extern int	nwarn;
extern int have_uts_ns;
void	set_hostname(const char *name);
int	hostname_tests_possible(void);
void	parse_ok(struct cf_table *t, const char *text);
void	assert_parse_error(const char *text, const char *want);
void	assert_value(const struct cf_table *t, const char *name,
	    const char *value, int line);
int	build(struct bh_config *cf, const char *text, char *err,
	    size_t errlen);
void	build_ok(struct bh_config *cf, const char *text);
void	assert_build_error(const char *text, const char *want);
void	assert_expands(const char *table, const char *value, const char *want);
void	assert_expand_error(const char *table, const char *value,
	    const char *want);

/* test_config_parse.c */
void	test_comments_and_blank_lines(void **state);
void	test_white_space(void **state);
void	test_continuation_lines(void **state);
void	test_continuation_without_line(void **state);
void	test_last_definition_wins(void **state);
void	test_missing_equals(void **state);
void	test_bad_names(void **state);
void	test_nul_and_limits(void **state);
void	test_parse_file(void **state);
void	test_cf_set(void **state);

/* test_config_expand.c */
void	test_expand_names(void **state);
void	test_expand_conditionals(void **state);
void	test_expand_defaults(void **state);
void	test_expand_recursion(void **state);
void	test_expand_syntax_errors(void **state);

/* test_config_typed.c */
void	test_defaults(void **state);
void	test_bad_default_hostname(void **state);
void	test_mydestination(void **state);
void	test_expansion_in_build(void **state);
void	test_unknown_parameters(void **state);
void	test_myhostname(void **state);
void	test_integers(void **state);
void	test_times(void **state);
void	test_sandbox(void **state);
void	test_users(void **state);
void	test_paths(void **state);

/* test_config_params.c */
void	test_alias_maps(void **state);
void	test_home_mailbox(void **state);
void	test_recipient_delimiter(void **state);
void	test_inet_interfaces(void **state);
void	test_list_limit(void **state);
void	test_config_print(void **state);
void	test_command_parameters(void **state);
void	test_smtpd_parameters(void **state);
void	test_relay_parameters(void **state);

#endif
