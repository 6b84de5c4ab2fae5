/*
 * test_config.c: main.cf parsing (test_config_parse.c), expansion
 * (test_config_expand.c), the typed parameters (test_config_typed.c) and
 * each part's parameters (test_config_params.c); what they share is
 * config_fixture.[ch].  Here: main.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_parameters),
		cmocka_unit_test(test_comments_and_blank_lines),
		cmocka_unit_test(test_white_space),
		cmocka_unit_test(test_smtpd_parameters),
		cmocka_unit_test(test_command_parameters),
		cmocka_unit_test(test_continuation_lines),
		cmocka_unit_test(test_continuation_without_line),
		cmocka_unit_test(test_last_definition_wins),
		cmocka_unit_test(test_missing_equals),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_nul_and_limits),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_cf_set),
		cmocka_unit_test(test_expand_names),
		cmocka_unit_test(test_expand_conditionals),
		cmocka_unit_test(test_expand_defaults),
		cmocka_unit_test(test_expand_recursion),
		cmocka_unit_test(test_expand_syntax_errors),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_default_hostname),
		cmocka_unit_test(test_mydestination),
		cmocka_unit_test(test_expansion_in_build),
		cmocka_unit_test(test_unknown_parameters),
		cmocka_unit_test(test_myhostname),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_sandbox),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_alias_maps),
		cmocka_unit_test(test_home_mailbox),
		cmocka_unit_test(test_recipient_delimiter),
		cmocka_unit_test(test_inet_interfaces),
		cmocka_unit_test(test_list_limit),
		cmocka_unit_test(test_config_print),
	};

	/* A private UTS namespace: our host name is ours to change. */
	if (unshare(CLONE_NEWUTS) == 0) {
		have_uts_ns = 1;
		set_hostname("Test-Host.example.net");
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
