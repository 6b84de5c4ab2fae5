/*
 * test_aliases.c: the aliases(5) parser (test_aliases_parse.c) and alias
 * expansion (test_aliases_expand.c); what they share is
 * aliases_fixture.[ch].  Here: main.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_simple),
		cmocka_unit_test(test_parse_several_targets),
		cmocka_unit_test(test_parse_continuation),
		cmocka_unit_test(test_parse_comments_blank_crlf),
		cmocka_unit_test(test_parse_quoted_names),
		cmocka_unit_test(test_parse_commands_files_includes),
		cmocka_unit_test(test_parse_addresses),
		cmocka_unit_test(test_parse_duplicate_later_wins),
		cmocka_unit_test(test_lookup_case_insensitive),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_utf8),
		cmocka_unit_test(test_parse_size_limits),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_parse_fd),
		cmocka_unit_test(test_expand_nested),
		cmocka_unit_test(test_expand_self_reference),
		cmocka_unit_test(test_expand_loop),
		cmocka_unit_test(test_expand_diamond),
		cmocka_unit_test(test_expand_depth_limit),
		cmocka_unit_test(test_expand_fan_out),
		cmocka_unit_test(test_expand_depth_after_shallow_visit),
		cmocka_unit_test(test_expand_duplicates),
		cmocka_unit_test(test_expand_local_domain),
		cmocka_unit_test(test_expand_case_insensitive),
		cmocka_unit_test(test_expand_not_an_alias),
		cmocka_unit_test(test_expand_cap),
		cmocka_unit_test(test_expand_delimiter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
