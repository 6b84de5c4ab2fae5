/*
 * test_restrictions.c: the restriction lists smtpd has
 * (smtpd/restrictions.c) and smtpd_sender_login_maps
 * (smtpd/sender_login.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smtpd/restrictions.h"
#include "smtpd/sender_login.h"

static void
test_lists(void **state)
{
	const char	*dflt = "permit_mynetworks, permit_sasl_authenticated, "
			    "defer_unauth_destination";
	const char	*sub = "permit_sasl_authenticated,reject";
	char		 why[256];

	(void)state;
	assert_int_equal(restr_check(dflt, why, sizeof(why)), 0);
	assert_int_equal(restr_check("", why, sizeof(why)), 0);
	assert_int_equal(restr_check("permit", why, sizeof(why)), -1);
	assert_int_equal(restr_check("$mua_client_restrictions", why,
	    sizeof(why)), -1);
	assert_int_equal(restr_eval(dflt, 1, 0), RESTR_PERMIT);
	assert_int_equal(restr_eval(dflt, 0, 1), RESTR_PERMIT);
	assert_int_equal(restr_eval(dflt, 0, 0), RESTR_DEFAULT);
	assert_int_equal(restr_eval(sub, 1, 0), RESTR_REJECT);
	assert_int_equal(restr_eval(sub, 0, 1), RESTR_PERMIT);
	assert_int_equal(restr_eval("", 0, 0), RESTR_DEFAULT);
	assert_int_equal(restr_eval("reject_sender_login_mismatch", 0, 1),
	    RESTR_LOGIN_MISMATCH);
	assert_int_equal(restr_eval("permit_mynetworks "
	    "reject_sender_login_mismatch", 1, 0), RESTR_PERMIT);
}

static void
test_sender_logins(void **state)
{
	const char		*map = "# comment\n"
				    "Alice@Example.org  alice\n"
				    "shared@example.org\talice, bob\n"
				    "@remote.example bob\n";
	struct sender_logins	 sl;
	char			 err[128];

	(void)state;
	memset(&sl, 0, sizeof(sl));
	assert_int_equal(sl_parse(&sl, map, strlen(map), "logins", err,
	    sizeof(err)), 0);
	assert_int_equal(sl_owns(&sl, "alice@example.org", "alice"), 1);
	assert_int_equal(sl_owns(&sl, "alice@example.org", "bob"), 0);
	assert_int_equal(sl_owns(&sl, "shared@example.org", "bob"), 1);
	assert_int_equal(sl_owns(&sl, "x@remote.example", "bob"), 1);
	assert_int_equal(sl_owns(&sl, "x@remote.example", "bo"), 0);
	assert_null(sl_owners(&sl, "nobody@elsewhere.example"));
	assert_int_equal(sl_owns(&sl, "nobody@elsewhere.example", "alice"),
	    0);
	sl_free(&sl);
	assert_int_equal(sl_parse(&sl, "lonely@example.org\n", 19, "logins",
	    err, sizeof(err)), -1);
	assert_string_equal(err, "logins:1: no login for lonely@example.org");
	sl_free(&sl);
	/* Postfix's continuation: a line that starts with white space. */
	map = "a@example.org alice,\n  bob\n";
	assert_int_equal(sl_parse(&sl, map, strlen(map), "logins", err,
	    sizeof(err)), 0);
	assert_int_equal(sl_owns(&sl, "a@example.org", "bob"), 1);
	sl_free(&sl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_sender_logins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
