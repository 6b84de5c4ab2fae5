/*
 * test_config_expand.c: $name expansion: names, conditionals, defaults,
 * recursion, syntax errors.
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

/* Expansion. */

void
test_expand_names(void **state)
{
	const char	*tab = "a = x\nb = $a-${a}-$(a)-$$a\nc = $b!\ne =\n";

	assert_expands(tab, "$a", "x");
	assert_expands(tab, "${a}y", "xy");
	assert_expands(tab, "$ay", "");		/* $ay is one name */
	assert_expands(tab, "$b", "x-x-x-$a");
	assert_expands(tab, "$c", "x-x-x-$a!");
	assert_expands(tab, "$$", "$");
	assert_expands(tab, "$$$$a", "$$a");
	assert_expands(tab, "[$undefined]", "[]");
	assert_expands(tab, "[$e]", "[]");
	assert_expands(tab, "no dollar", "no dollar");
}

void
test_expand_conditionals(void **state)
{
	const char	*tab = "a = x\ne =\nr = $e\n";

	assert_expands(tab, "${a?yes}", "yes");
	assert_expands(tab, "${a:no}", "");
	assert_expands(tab, "${e?yes}", "");
	assert_expands(tab, "${e:no}", "no");
	assert_expands(tab, "${r:empty after expansion}",
	    "empty after expansion");
	assert_expands(tab, "${undefined:no}", "no");
	assert_expands(tab, "${undefined?yes}", "");
	assert_expands(tab, "<${a?[$a ${e:{e}}]}>", "<[x {e}]>");
	assert_expands(tab, "$(a?yes)", "yes");
}

void
test_expand_defaults(void **state)
{
	const char	*tab = "myhostname = mail.example.org\n";

	assert_expands(tab, "$mail_name", "bulkhead");
	assert_expands(tab, "$queue_directory", "/var/spool/bulkhead");
	assert_expands(tab, "$mydomain", "example.org");
	assert_expands(tab, "$smtpd_banner",
	    "mail.example.org ESMTP bulkhead");
	assert_expands("mail_name = X\n" "myhostname = h.example\n",
	    "$smtpd_banner", "h.example ESMTP X");
}

void
test_expand_recursion(void **state)
{
	const char	*chain = "x1 = $x2\nx2 = $x3\nx3 = $x4\nx4 = $x5\n"
	    "x5 = $x6\nx6 = $x7\nx7 = $x8\nx8 = $x9\nx9 = $x10\n";
	char		 tab[512];

	snprintf(tab, sizeof(tab), "%sx10 = end\n", chain);
	assert_expands(tab, "$x1", "end");
	snprintf(tab, sizeof(tab), "%sx10 = $x11\nx11 = end\n", chain);
	assert_expand_error(tab, "$x1", "$name expansion nested deeper than "
	    "10 levels (a loop through $x11?)");
	assert_expand_error("a = $b\nb = ${a}\n", "$a", "$name expansion "
	    "nested deeper than 10 levels (a loop through $a?)");
	/* Exponential growth stops at the look-up budget. */
	assert_expand_error("a = $b$b$b$b$b$b$b$b\nb = $c$c$c$c$c$c$c$c\n"
	    "c = $d$d$d$d$d$d$d$d\nd = $e$e$e$e$e$e$e$e\n", "$a",
	    "too many $name expansions (at $e)");
}

void
test_expand_syntax_errors(void **state)
{
	assert_expand_error("", "${a", "unterminated '${'");
	assert_expand_error("", "x ${a?${b}", "unterminated '${'");
	assert_expand_error("", "$(a", "unterminated '$('");
	assert_expand_error("", "cost: 5$", "'$' at the end of 'cost: 5$' "
	    "(write $$ for a literal '$')");
	assert_expand_error("", "a $-b", "'$' not followed by a parameter name "
	    "in '$-b' (write $$ for a literal '$')");
	assert_expand_error("", "${}", "bad parameter name in '${}'");
	assert_expand_error("", "${a b}", "bad parameter name in '${a b}'");
	assert_expand_error("b = ${c\n", "[$b]", "unterminated '${'");
}
