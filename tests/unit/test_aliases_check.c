/*
 * test_aliases_check.c: newaliases' checks on alias files already read
 * (aliases_check_files), as the alias checker runs them in its empty
 * root: accounts from a callback (its passwd snapshot), no path looked
 * at unless asked, errors with file:line.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf/aliases_check.h"
#include "conf/config.h"
#include "lib/log.h"

static char	warned[8192];

static void
capture(int prio, const char *line)
{
	size_t n = strlen(warned);

	snprintf(warned + n, sizeof(warned) - n, "%s\n", line);
}

/* alice is an account, daemon a system account, nobody else exists. */
static int
accounts(const char *name, void *arg)
{
	int *asked = arg;

	(*asked)++;
	if (strcmp(name, "alice") == 0)
		return 0;
	if (strcmp(name, "daemon") == 0)
		return 1;
	return -1;
}

/* Check text as /etc/aliases, root's with mode; privs_gid as given. */
static int
check(const char *text, mode_t mode, gid_t privs_gid, int files, char *err,
    size_t errlen, int *asked)
{
	struct bh_config	cf;
	struct alias_file	f;
	char			why[256];
	int			rc;

	memset(&cf, 0, sizeof(cf));
	assert_int_equal(config_build(&cf, NULL, NULL, NULL, why,
	    sizeof(why)), 0);
	memset(&f, 0, sizeof(f));
	f.path = "/etc/aliases";
	f.buf = (char *)text;
	f.len = strlen(text);
	f.st.st_mode = S_IFREG | mode;
	warned[0] = '\0';
	err[0] = '\0';
	*asked = 0;
	log_set_sink(capture);
	rc = aliases_check_files(&cf, &f, 1, accounts, asked, privs_gid,
	    files, err, errlen);
	log_set_sink(NULL);
	config_free(&cf);
	return rc;
}

static void
test_accounts_come_from_the_callback(void **state)
{
	char	err[512];
	int	asked;

	assert_int_equal(check("postmaster: alice\nx: nosuchuser\n"
	    "y: daemon\n", 0644, 65534, 0, err, sizeof(err), &asked), 0);
	assert_true(asked >= 3);
	assert_non_null(strstr(warned, "/etc/aliases:2: alias x: nosuchuser: "
	    "no such alias or user\n"));
	assert_non_null(strstr(warned, "/etc/aliases:3: alias y: daemon: "
	    "system account"));
	assert_null(strstr(warned, "alias postmaster"));
}

/* The checker's empty root has no paths: it looks only when asked. */
static void
test_file_paths_only_when_asked(void **state)
{
	const char	*text = "postmaster: alice\n"
			    "f: /nonexistent-bh-dir/sub/file\n";
	char		 err[512];
	int		 asked;

	assert_int_equal(check(text, 0644, 65534, 1, err, sizeof(err),
	    &asked), 0);
	assert_non_null(strstr(warned, "/etc/aliases:2: alias f: "
	    "/nonexistent-bh-dir/sub/file: the file's directory does not "
	    "exist"));
	assert_int_equal(check(text, 0644, 65534, 0, err, sizeof(err),
	    &asked), 0);
	assert_string_equal(warned, "");
}

static void
test_syntax_error_has_file_and_line(void **state)
{
	char	err[512];
	int	asked;

	assert_int_equal(check("postmaster: alice\n# c\nno colon\n", 0644,
	    65534, 0, err, sizeof(err), &asked), -1);
	assert_string_equal(err, "/etc/aliases:3: missing ':' after alias "
	    "name");
}

/* A root file default_privs cannot read, with a command in it. */
static void
test_unreadable_root_file_with_commands(void **state)
{
	const char	*text = "postmaster: alice\np: |/bin/true\n";
	char		 err[512];
	int		 asked;

	assert_int_equal(check(text, 0600, 65534, 0, err, sizeof(err),
	    &asked), -1);
	assert_non_null(strstr(err, "/etc/aliases:2: alias p: the file is "
	    "root's and default_privs"));
	assert_int_equal(check(text, 0644, 65534, 0, err, sizeof(err),
	    &asked), 0);
	/* no default_privs account: nothing to say about the mode */
	assert_int_equal(check(text, 0600, (gid_t)-1, 0, err, sizeof(err),
	    &asked), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accounts_come_from_the_callback),
		cmocka_unit_test(test_file_paths_only_when_asked),
		cmocka_unit_test(test_syntax_error_has_file_and_line),
		cmocka_unit_test(test_unreadable_root_file_with_commands),
	};

	log_init("test", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
