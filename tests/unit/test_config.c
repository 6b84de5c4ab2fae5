/*
 * test_config.c: main.cf parsing, expansion and the typed parameters.
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

#define FN	"t.cf"

/* The warn callback has no context argument: the test keeps its own. */
#define NWARN	8
static char	warnings[NWARN][CF_ERR_MAX];
static int	nwarn;

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
static int have_uts_ns;

static void
set_hostname(const char *name)
{
	if (sethostname(name, strlen(name)) == -1)
		fail_msg("sethostname %s: %s", name, strerror(errno));
}

static int
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

static void
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

static void
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

static void
assert_value(const struct cf_table *t, const char *name, const char *value,
    int line)
{
	const struct cf_param	*p = cf_lookup(t, name);

	assert_non_null(p);
	assert_string_equal(p->value, value);
	assert_string_equal(p->file, FN);
	assert_int_equal(p->line, line);
}

static int
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

static void
build_ok(struct bh_config *cf, const char *text)
{
	char	 err[CF_ERR_MAX] = "";

	if (build(cf, text, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
}

static void
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

static void
assert_expands(const char *table, const char *value, const char *want)
{
	char	 err[CF_ERR_MAX] = "", *r;

	if ((r = expand(table, value, err, sizeof(err))) == NULL)
		fail_msg("unexpected error: %s", err);
	assert_string_equal(r, want);
	free(r);
}

static void
assert_expand_error(const char *table, const char *value, const char *want)
{
	char	 err[CF_ERR_MAX] = "";

	assert_null(expand(table, value, err, sizeof(err)));
	assert_string_equal(err, want);
}

/* The raw parser. */

static void
test_comments_and_blank_lines(void **state)
{
	struct cf_table	 t;

	parse_ok(&t, "# a comment\n\n   \n\t# indented comment\n"
	    "a = 1\n#b = 2\n\n");
	assert_int_equal(t.n, 1);
	assert_value(&t, "a", "1", 5);
	assert_null(cf_lookup(&t, "b"));
	cf_free(&t);

	parse_ok(&t, "");
	assert_int_equal(t.n, 0);
	cf_free(&t);
}

static void
test_white_space(void **state)
{
	struct cf_table	 t;

	parse_ok(&t, "a=1\nb   =\t2 \t\nc = x # not a comment\nd =\n"
	    "e = 5\r\nf = 6");
	assert_value(&t, "a", "1", 1);
	assert_value(&t, "b", "2", 2);
	assert_value(&t, "c", "x # not a comment", 3);
	assert_value(&t, "d", "", 4);
	assert_value(&t, "e", "5", 5);
	assert_value(&t, "f", "6", 6);	/* no final newline */
	cf_free(&t);
}

static void
test_continuation_lines(void **state)
{
	struct cf_table	 t;

	parse_ok(&t, "a = x,\n  y,\n\tz\nb = 2\n    more\n");
	assert_value(&t, "a", "x, y, z", 1);
	assert_value(&t, "b", "2 more", 4);
	cf_free(&t);

	/* Comment and blank lines do not end a logical line (as Postfix). */
	parse_ok(&t, "a = x\n# comment\n  y\n\n  z\nb =\n  w\n");
	assert_value(&t, "a", "x y z", 1);
	assert_value(&t, "b", "w", 6);
	cf_free(&t);
}

static void
test_continuation_without_line(void **state)
{
	assert_parse_error("  a = 1\n", FN ":1: continuation line (starts "
	    "with white space) without a line before it");
	assert_parse_error("# comment\n\n\ta = 1\n", FN ":3: continuation "
	    "line (starts with white space) without a line before it");
}

static void
test_last_definition_wins(void **state)
{
	struct cf_table	 t;

	parse_ok(&t, "a = 1\nb = 2\na = 3\nc = 4\na = 5\n");
	assert_int_equal(t.n, 3);
	assert_value(&t, "a", "5", 5);
	assert_value(&t, "b", "2", 2);
	/* The table is sorted by name. */
	assert_string_equal(t.v[0].name, "a");
	assert_string_equal(t.v[1].name, "b");
	assert_string_equal(t.v[2].name, "c");
	cf_free(&t);
}

static void
test_missing_equals(void **state)
{
	assert_parse_error("a = 1\nfoo bar\n",
	    FN ":2: missing '=' after parameter name");
	assert_parse_error("a = 1\n\nfoo\n  bar\n",
	    FN ":3: missing '=' after parameter name");
}

static void
test_bad_names(void **state)
{
	assert_parse_error("foo-bar = 1\n", FN ":1: bad parameter name "
	    "'foo-bar': use only letters, digits and '_'");
	assert_parse_error("a = 1\nfoo bar = 1\n", FN ":2: bad parameter name "
	    "'foo bar': use only letters, digits and '_'");
	assert_parse_error("a = 1\n= 1\n",
	    FN ":2: missing parameter name before '='");
	assert_parse_error("$a = 1\n", FN ":1: bad parameter name '$a': use "
	    "only letters, digits and '_'");
}

static void
test_nul_and_limits(void **state)
{
	static const char text[] = "a = 1\nb = \0x\n";
	struct cf_table	 t;
	char		 err[CF_ERR_MAX], *big;
	size_t		 n;

	assert_int_equal(cf_parse_buffer(&t, text, sizeof(text) - 1, FN, err,
	    sizeof(err)), -1);
	assert_string_equal(err, FN ":2: NUL byte in line");

	/* Only len bytes are read: no NUL terminator needed. */
	assert_int_equal(cf_parse_buffer(&t, "a = 1\nb = 2", 5, FN, err,
	    sizeof(err)), 0);
	assert_int_equal(t.n, 1);
	assert_value(&t, "a", "1", 1);
	cf_free(&t);

	n = CF_FILE_MAX + 1;
	assert_non_null(big = malloc(n));
	memset(big, '\n', n);
	assert_int_equal(cf_parse_buffer(&t, big, n, FN, err, sizeof(err)), -1);
	assert_string_equal(err, FN ": file is larger than 1048576 bytes");
	assert_int_equal(cf_parse_buffer(&t, big, CF_LINES_MAX + 1, FN, err,
	    sizeof(err)), -1);
	assert_string_equal(err, FN ":100001: too many lines (at most 100000)");
	assert_int_equal(cf_parse_buffer(&t, big, CF_LINES_MAX, FN, err,
	    sizeof(err)), 0);
	cf_free(&t);
	free(big);
}

static void
test_parse_file(void **state)
{
	struct cf_table	 t;
	char		 path[] = "/tmp/test_config.XXXXXX", err[CF_ERR_MAX];
	char		 want[CF_ERR_MAX];
	const char	*text = "mail_name = x\n";
	int		 fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(cf_parse_file(&t, path, err, sizeof(err)), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(cf_lookup(&t, "mail_name")->file, path);
	assert_int_equal(cf_lookup(&t, "mail_name")->line, 1);
	cf_free(&t);
	unlink(path);

	assert_int_equal(cf_parse_file(&t, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot open: %s", path,
	    strerror(ENOENT));
	assert_string_equal(err, want);
	assert_int_equal(cf_parse_file(&t, "/", err, sizeof(err)), -1);
	assert_string_equal(err, "/: not a regular file");
}

static void
test_cf_set(void **state)
{
	struct cf_table	 t;

	memset(&t, 0, sizeof(t));
	assert_int_equal(cf_set(&t, "m", "1", "x", 1), 0);
	assert_int_equal(cf_set(&t, "a", "2", "x", 2), 0);
	assert_int_equal(cf_set(&t, "z", "3", "x", 3), 0);
	assert_int_equal(cf_set(&t, "m", "4", "y", 4), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0].name, "a");
	assert_string_equal(t.v[1].value, "4");
	assert_string_equal(t.v[2].name, "z");
	assert_null(cf_lookup(&t, "mm"));
	assert_null(cf_lookup(&t, ""));
	cf_free(&t);
}

/* Expansion. */

static void
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

static void
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

static void
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

static void
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

static void
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

/* Typed parameters. */

static void
test_defaults(void **state)
{
	struct bh_config cf;
	char		 err[CF_ERR_MAX];

	if (!hostname_tests_possible()) {
		skip();
		return;
	}
	build_ok(&cf, "");
	assert_int_equal(nwarn, 0);
	assert_string_equal(cf.config_directory, "/etc/bh");
	assert_string_equal(cf.myhostname, "Test-Host.example.net");
	assert_string_equal(cf.mydomain, "example.net");
	assert_string_equal(cf.mail_name, "bulkhead");
	assert_string_equal(cf.smtpd_banner,
	    "Test-Host.example.net ESMTP bulkhead");
	assert_int_equal(cf.mydestination.n, 3);
	assert_string_equal(cf.mydestination.v[0], "test-host.example.net");
	assert_string_equal(cf.mydestination.v[1], "localhost.example.net");
	assert_string_equal(cf.mydestination.v[2], "localhost");
	assert_int_equal(cf.inet_interfaces.n, 1);
	assert_string_equal(cf.inet_interfaces.v[0], "all");
	assert_string_equal(cf.queue_directory, "/var/spool/bulkhead");
	assert_string_equal(cf.empty_directory, "/var/empty");
	assert_string_equal(cf.pid_file, "/run/bulkhead.pid");
	assert_string_equal(cf.maillog_file, "");
	assert_string_equal(cf.smtpd_user, "_bhsmtpd");
	assert_string_equal(cf.queue_user, "_bhqueue");
	assert_string_equal(cf.lookup_user, "_bhlookup");
	assert_string_equal(cf.keys_user, "_bhkeys");
	assert_string_equal(cf.local_user, "_bhlocal");
	assert_int_equal(cf.sandbox, SANDBOX_CHROOT);
	assert_int_equal(cf.alias_maps.n, 1);
	assert_string_equal(cf.alias_maps.v[0], "/etc/aliases");
	assert_string_equal(cf.home_mailbox, "Maildir/");
	assert_string_equal(cf.recipient_delimiter, "");
	assert_int_equal(cf.message_size_limit, 10240000);
	assert_int_equal(cf.smtpd_timeout, 300);
	assert_int_equal(cf.smtpd_recipient_limit, 1000);
	assert_int_equal(cf.local_minimum_uid, 1000);
	assert_int_equal(cf.minimal_backoff_time, 300);
	assert_int_equal(cf.maximal_backoff_time, 4000);
	assert_int_equal(cf.maximal_queue_lifetime, 5 * 86400);
	assert_int_equal(cf.queue_run_delay, 300);
	config_free(&cf);
	config_free(&cf);	/* safe twice: the struct is zeroed */

	/* NULL table and NULL config_dir: the built-in directory. */
	assert_int_equal(config_build(&cf, NULL, NULL, NULL, err,
	    sizeof(err)), 0);
	assert_string_equal(cf.config_directory, BH_CONFIG_DIR);
	config_free(&cf);
}

static void
test_bad_default_hostname(void **state)
{
	struct bh_config cf;

	if (!hostname_tests_possible()) {
		skip();
		return;
	}
	set_hostname("box");
	build_ok(&cf, "");
	assert_string_equal(cf.mydomain, "localdomain");
	assert_string_equal(cf.mydestination.v[1], "localhost.localdomain");
	config_free(&cf);

	set_hostname("my_box");
	assert_build_error("", "(default): bad value for myhostname: 'my_box': "
	    "not a valid domain name (set it in main.cf)");
	/* Setting myhostname is the cure. */
	build_ok(&cf, "myhostname = box.example\n");
	assert_string_equal(cf.mydomain, "example");
	config_free(&cf);

	set_hostname("Test-Host.example.net");
}

static void
test_mydestination(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = Mail.Example.ORG\n");
	assert_string_equal(cf.mydomain, "Example.ORG");
	assert_int_equal(cf.mydestination.n, 3);
	assert_string_equal(cf.mydestination.v[0], "mail.example.org");
	assert_string_equal(cf.mydestination.v[1], "localhost.example.org");
	assert_string_equal(cf.mydestination.v[2], "localhost");
	config_free(&cf);

	build_ok(&cf, "myhostname = box\n");
	assert_string_equal(cf.mydomain, "localdomain");
	assert_string_equal(cf.mydestination.v[1], "localhost.localdomain");
	config_free(&cf);

	build_ok(&cf, "myhostname = mx.example.net\nmydomain = example.com\n"
	    "mydestination = $myhostname,,  $mydomain\n\tb.example\n");
	assert_int_equal(cf.mydestination.n, 3);
	assert_string_equal(cf.mydestination.v[0], "mx.example.net");
	assert_string_equal(cf.mydestination.v[1], "example.com");
	assert_string_equal(cf.mydestination.v[2], "b.example");
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\nmydestination =\n");
	assert_int_equal(cf.mydestination.n, 0);
	config_free(&cf);

	assert_build_error("myhostname = h.example\n"
	    "mydestination = hash:/etc/x\n", FN ":2: bad value for "
	    "mydestination: 'hash:/etc/x': 'hash:/etc/x' is not a domain name "
	    "(lookup tables are not supported here)");
}

static void
test_expansion_in_build(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nlimit = 5\n"
	    "smtpd_recipient_limit = $limit\nsmtpd_banner = $$myhostname "
	    "${mail_name?is $mail_name}\n");
	assert_int_equal(cf.smtpd_recipient_limit, 5);
	assert_string_equal(cf.smtpd_banner, "$myhostname is bulkhead");
	assert_int_equal(nwarn, 1);
	assert_string_equal(warnings[0], FN ":2: unknown parameter limit");
	config_free(&cf);

	assert_build_error("myhostname = h.example\n"
	    "smtpd_banner = ${myhostname\n", FN ":2: bad value for "
	    "smtpd_banner: '${myhostname': unterminated '${'");
	assert_build_error("myhostname = h.example\nsmtpd_banner = $a\n"
	    "a = $b\nb = $a\n", FN ":2: bad value for smtpd_banner: '$a': "
	    "$name expansion nested deeper than 10 levels (a loop through $a?)");
}

static void
test_unknown_parameters(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nzzz = 1\nfoo_bar = 2\n"
	    "config_directory = /elsewhere\n");
	assert_int_equal(nwarn, 3);
	/* In file order, not in name order. */
	assert_string_equal(warnings[0], FN ":2: unknown parameter zzz");
	assert_string_equal(warnings[1], FN ":3: unknown parameter foo_bar");
	assert_string_equal(warnings[2], FN ":4: config_directory cannot be "
	    "set in main.cf; it is /etc/bh");
	assert_string_equal(cf.config_directory, "/etc/bh");
	config_free(&cf);
}

static void
test_myhostname(void **state)
{
	assert_build_error("myhostname = -bad.example\n", FN ":1: bad value "
	    "for myhostname: '-bad.example': not a valid domain name");
	assert_build_error("\nmyhostname = a..example\n", FN ":2: bad value "
	    "for myhostname: 'a..example': not a valid domain name");
	assert_build_error("myhostname = 192.0.2.1\n", FN ":1: bad value "
	    "for myhostname: '192.0.2.1': not a valid domain name");
	assert_build_error("myhostname = host.123\n", FN ":1: bad value "
	    "for myhostname: 'host.123': not a valid domain name");
	assert_build_error("myhostname = h_x.example\n", FN ":1: bad value "
	    "for myhostname: 'h_x.example': not a valid domain name");
	assert_build_error("myhostname = h.example.\n", FN ":1: bad value "
	    "for myhostname: 'h.example.': not a valid domain name");
}

static void
test_integers(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nmessage_size_limit = "
	    "52428800\nsmtpd_recipient_limit = 1\nlocal_minimum_uid = 500\n");
	assert_int_equal(cf.message_size_limit, 52428800);
	assert_int_equal(cf.smtpd_recipient_limit, 1);
	assert_int_equal(cf.local_minimum_uid, 500);
	config_free(&cf);

	assert_build_error("message_size_limit = 10k\n", FN ":1: bad value "
	    "for message_size_limit: '10k': not a decimal number");
	assert_build_error("message_size_limit =\n", FN ":1: bad value "
	    "for message_size_limit: '': not a decimal number");
	assert_build_error("message_size_limit = 0x10\n", FN ":1: bad value "
	    "for message_size_limit: '0x10': not a decimal number");
	assert_build_error("message_size_limit = 99999999999999999999\n",
	    FN ":1: bad value for message_size_limit: '99999999999999999999': "
	    "number out of range");
	assert_build_error("message_size_limit = 0\n", FN ":1: bad value "
	    "for message_size_limit: '0': must be at least 1");
	assert_build_error("smtpd_recipient_limit = -5\n", FN ":1: bad value "
	    "for smtpd_recipient_limit: '-5': must be at least 1");
	assert_build_error("smtpd_recipient_limit = +5\n", FN ":1: bad value "
	    "for smtpd_recipient_limit: '+5': not a decimal number");
	assert_build_error("smtpd_recipient_limit = 1 000\n", FN ":1: bad "
	    "value for smtpd_recipient_limit: '1 000': not a decimal number");
	assert_build_error("local_minimum_uid = 0\n", FN ":1: bad value for "
	    "local_minimum_uid: '0': must be at least 1");
	assert_build_error("local_minimum_uid = 4294967295\n", FN ":1: bad "
	    "value for local_minimum_uid: '4294967295': must be at most "
	    "4294967294");
}

static void
test_times(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nsmtpd_timeout = 5m\n"
	    "minimal_backoff_time = 10\nmaximal_backoff_time = 2h\n"
	    "maximal_queue_lifetime = 1w\nqueue_run_delay = 30s\n");
	assert_int_equal(cf.smtpd_timeout, 300);
	assert_int_equal(cf.minimal_backoff_time, 10);
	assert_int_equal(cf.maximal_backoff_time, 7200);
	assert_int_equal(cf.maximal_queue_lifetime, 604800);
	assert_int_equal(cf.queue_run_delay, 30);
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\nmaximal_queue_lifetime = 0\n");
	assert_int_equal(cf.maximal_queue_lifetime, 0);
	config_free(&cf);

	/* A bare number is days for maximal_queue_lifetime, as in Postfix. */
	build_ok(&cf, "myhostname = h.example\nmaximal_queue_lifetime = 2\n"
	    "smtpd_timeout = 2\n");
	assert_int_equal(cf.maximal_queue_lifetime, 2 * 86400);
	assert_int_equal(cf.smtpd_timeout, 2);
	config_free(&cf);

	assert_build_error("smtpd_timeout = 10x\n", FN ":1: bad value for "
	    "smtpd_timeout: '10x': bad time unit 'x' (use s, m, h, d or w)");
	assert_build_error("smtpd_timeout = 10ms\n", FN ":1: bad value for "
	    "smtpd_timeout: '10ms': bad time unit 'ms' (use s, m, h, d or w)");
	assert_build_error("smtpd_timeout = 10S\n", FN ":1: bad value for "
	    "smtpd_timeout: '10S': bad time unit 'S' (use s, m, h, d or w)");
	assert_build_error("smtpd_timeout = s\n", FN ":1: bad value for "
	    "smtpd_timeout: 's': not a decimal number");
	assert_build_error("smtpd_timeout = 0s\n", FN ":1: bad value for "
	    "smtpd_timeout: '0s': must be at least 1");
	assert_build_error("queue_run_delay = 99999999999w\n", FN ":1: bad "
	    "value for queue_run_delay: '99999999999w': must be at most "
	    "2147483647");
	assert_build_error("queue_run_delay = 9999999999999999999w\n", FN ":1: "
	    "bad value for queue_run_delay: '9999999999999999999w': number "
	    "out of range");
	assert_build_error("maximal_backoff_time = 100s\n", FN ":1: bad value "
	    "for maximal_backoff_time: '100s': less than minimal_backoff_time "
	    "(default)");
	assert_build_error("\nminimal_backoff_time = 2h\n", FN ":2: bad value "
	    "for minimal_backoff_time: '2h': greater than maximal_backoff_time "
	    "(default)");
	assert_build_error("minimal_backoff_time = 1h\nmaximal_backoff_time = "
	    "59m\n", FN ":2: bad value for maximal_backoff_time: '59m': less "
	    "than minimal_backoff_time (" FN ":1)");
}

static void
test_sandbox(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nsandbox = jail\n");
	assert_int_equal(cf.sandbox, SANDBOX_JAIL);
	config_free(&cf);
	assert_build_error("myhostname = h.example\nsandbox = docker\n",
	    FN ":2: bad value for sandbox: 'docker': must be chroot or jail");
	assert_build_error("sandbox = Chroot\n", FN ":1: bad value for "
	    "sandbox: 'Chroot': must be chroot or jail");
}

static void
test_users(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nsmtpd_user = s\nqueue_user = q\n"
	    "lookup_user = l\nlocal_user = d\n");
	assert_string_equal(cf.smtpd_user, "s");
	assert_string_equal(cf.local_user, "d");
	config_free(&cf);

	assert_build_error("myhostname = h.example\nqueue_user = _bhsmtpd\n",
	    FN ":2: bad value for queue_user: '_bhsmtpd': same user as "
	    "smtpd_user (default): each compartment needs its own uid");
	assert_build_error("smtpd_user = _bhqueue\n", FN ":1: bad value for "
	    "smtpd_user: '_bhqueue': same user as queue_user (default): each "
	    "compartment needs its own uid");
	assert_build_error("smtpd_user = a\nqueue_user = b\nlocal_user = a\n",
	    FN ":3: bad value for local_user: 'a': same user as smtpd_user "
	    "(" FN ":1): each compartment needs its own uid");
	assert_build_error("local_user = root\n", FN ":1: bad value for "
	    "local_user: 'root': a compartment never runs as root");
	assert_build_error("\ndefault_privs = root\n", FN ":2: bad value for "
	    "default_privs: 'root': default_privs may not be root");
	assert_build_error("default_privs = no body\n", FN ":1: bad value for "
	    "default_privs: 'no body': a user name has no white space, "
	    "control characters or ':'");
	assert_build_error("lookup_user =\n", FN ":1: bad value for "
	    "lookup_user: '': empty user name");
	assert_build_error("smtpd_user = a b\n", FN ":1: bad value for "
	    "smtpd_user: 'a b': a user name has no white space, control "
	    "characters or ':'");
}

static void
test_paths(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nmaillog_file = /var/log/bh\n"
	    "queue_directory = /q\nempty_directory = /e\npid_file = /p\n");
	assert_string_equal(cf.maillog_file, "/var/log/bh");
	assert_string_equal(cf.queue_directory, "/q");
	config_free(&cf);

	assert_build_error("queue_directory = spool\n", FN ":1: bad value for "
	    "queue_directory: 'spool': not an absolute path");
	assert_build_error("pid_file = run/x.pid\n", FN ":1: bad value for "
	    "pid_file: 'run/x.pid': not an absolute path");
	assert_build_error("maillog_file = log\n", FN ":1: bad value for "
	    "maillog_file: 'log': neither empty (syslog) nor an absolute path");
	assert_build_error("empty_directory = /var/spool/bulkhead/\n",
	    FN ":1: bad value for empty_directory: '/var/spool/bulkhead/': "
	    "same directory as queue_directory (default)");
	assert_build_error("queue_directory = /var/empty\n", FN ":1: bad value "
	    "for queue_directory: '/var/empty': same directory as "
	    "empty_directory (default)");
}

static void
test_alias_maps(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nalias_maps = hash:/etc/aliases,"
	    " /etc/more btree:/b, lmdb:/l\n  cdb:/c texthash:/t\n");
	assert_int_equal(cf.alias_maps.n, 6);
	assert_string_equal(cf.alias_maps.v[0], "/etc/aliases");
	assert_string_equal(cf.alias_maps.v[1], "/etc/more");
	assert_string_equal(cf.alias_maps.v[2], "/b");
	assert_string_equal(cf.alias_maps.v[3], "/l");
	assert_string_equal(cf.alias_maps.v[4], "/c");
	assert_string_equal(cf.alias_maps.v[5], "/t");
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\nalias_maps =\n");
	assert_int_equal(cf.alias_maps.n, 0);
	config_free(&cf);

	assert_build_error("alias_maps = regexp:/etc/x\n", FN ":1: bad value "
	    "for alias_maps: 'regexp:/etc/x': unsupported table type 'regexp' "
	    "in 'regexp:/etc/x' (use hash:/path or /path)");
	assert_build_error("alias_maps = /a, proxy:hash:/etc/aliases\n",
	    FN ":1: bad value for alias_maps: '/a, proxy:hash:/etc/aliases': "
	    "unsupported table type 'proxy' in 'proxy:hash:/etc/aliases' (use "
	    "hash:/path or /path)");
	assert_build_error("alias_maps = ldap:/etc/x\n", FN ":1: bad value "
	    "for alias_maps: 'ldap:/etc/x': unsupported table type 'ldap' "
	    "in 'ldap:/etc/x' (use hash:/path or /path)");
	assert_build_error("alias_maps = hash:etc/aliases\n", FN ":1: bad value "
	    "for alias_maps: 'hash:etc/aliases': 'hash:etc/aliases' is not an "
	    "absolute path");
	assert_build_error("alias_maps = aliases\n", FN ":1: bad value for "
	    "alias_maps: 'aliases': 'aliases' is not an absolute path");
}

static void
test_home_mailbox(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nhome_mailbox = mail/inbox/\n");
	assert_string_equal(cf.home_mailbox, "mail/inbox/");
	config_free(&cf);

	assert_build_error("home_mailbox = /var/mail/\n", FN ":1: bad value for "
	    "home_mailbox: '/var/mail/': must be relative to the home "
	    "directory");
	/* An mbox file in home, and (empty) one in mail_spool_directory. */
	build_ok(&cf, "myhostname = h.example\nhome_mailbox = mail/Mailbox\n");
	assert_string_equal(cf.home_mailbox, "mail/Mailbox");
	assert_string_equal(cf.mail_spool_directory, "/var/mail");
	config_free(&cf);
	build_ok(&cf, "myhostname = h.example\nhome_mailbox =\n"
	    "mail_spool_directory = /var/spool/mail\n");
	assert_string_equal(cf.home_mailbox, "");
	assert_string_equal(cf.mail_spool_directory, "/var/spool/mail");
	config_free(&cf);
	assert_build_error("home_mailbox = mail/..\n", FN ":1: bad value "
	    "for home_mailbox: 'mail/..': must not contain a '..' component");
	assert_build_error("home_mailbox = mail/.\n", FN ":1: bad value "
	    "for home_mailbox: 'mail/.': must not contain empty or '.' "
	    "components");
	assert_build_error("mail_spool_directory = var/mail\n", FN ":1: bad "
	    "value for mail_spool_directory: 'var/mail': not an absolute "
	    "path");
	assert_build_error("home_mailbox = ../Maildir/\n", FN ":1: bad value "
	    "for home_mailbox: '../Maildir/': must not contain a '..' "
	    "component");
	assert_build_error("home_mailbox = a/../b/\n", FN ":1: bad value for "
	    "home_mailbox: 'a/../b/': must not contain a '..' component");
	assert_build_error("home_mailbox = ./\n", FN ":1: bad value for "
	    "home_mailbox: './': must not contain empty or '.' components");
	assert_build_error("home_mailbox = a//\n", FN ":1: bad value for "
	    "home_mailbox: 'a//': must not contain empty or '.' components");
}

static void
test_recipient_delimiter(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\nrecipient_delimiter = +-\n");
	assert_string_equal(cf.recipient_delimiter, "+-");
	config_free(&cf);

	assert_build_error("recipient_delimiter = a\n", FN ":1: bad value for "
	    "recipient_delimiter: 'a': 'a' cannot be a delimiter: use "
	    "punctuation such as + or -");
	assert_build_error("recipient_delimiter = +@\n", FN ":1: bad value for "
	    "recipient_delimiter: '+@': '@' cannot be a delimiter: use "
	    "punctuation such as + or -");
	assert_build_error("recipient_delimiter = + -\n", FN ":1: bad value "
	    "for recipient_delimiter: '+ -': ' ' cannot be a delimiter: use "
	    "punctuation such as + or -");
	assert_build_error("recipient_delimiter = +++++++++\n", FN ":1: bad "
	    "value for recipient_delimiter: '+++++++++': more than 8 "
	    "delimiter characters");
}

static void
test_inet_interfaces(void **state)
{
	struct bh_config cf;

	build_ok(&cf, "myhostname = h.example\n"
	    "inet_interfaces = 127.0.0.1, [::1] 2001:db8::25\n");
	assert_int_equal(cf.inet_interfaces.n, 3);
	assert_string_equal(cf.inet_interfaces.v[0], "127.0.0.1");
	assert_string_equal(cf.inet_interfaces.v[1], "::1");
	assert_string_equal(cf.inet_interfaces.v[2], "2001:db8::25");
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\ninet_interfaces = Loopback-Only\n");
	assert_string_equal(cf.inet_interfaces.v[0], "loopback-only");
	config_free(&cf);

	assert_build_error("inet_interfaces = localhost\n", FN ":1: bad value "
	    "for inet_interfaces: 'localhost': 'localhost' is not all, "
	    "loopback-only or a numeric IPv4/IPv6 address (host names are not "
	    "looked up)");
	assert_build_error("inet_interfaces = 127.0.0.1, all\n", FN ":1: bad "
	    "value for inet_interfaces: '127.0.0.1, all': all and "
	    "loopback-only cannot be combined with anything else");
	assert_build_error("inet_interfaces = ::1 loopback-only\n", FN ":1: "
	    "bad value for inet_interfaces: '::1 loopback-only': all and "
	    "loopback-only cannot be combined with anything else");
	assert_build_error("inet_interfaces =\n", FN ":1: bad value for "
	    "inet_interfaces: '': no interface given");
}

static void
test_list_limit(void **state)
{
	struct bh_config cf;
	char		 text[1024], err[2048];
	const char	*prefix = FN ":1: bad value for mydestination: "
	    "'a.example a.example ";
	size_t		 i;

	snprintf(text, sizeof(text), "mydestination =");
	for (i = 0; i <= BH_LIST_MAX; i++)
		strlcat(text, " a.example", sizeof(text));
	strlcat(text, "\n", sizeof(text));
	assert_int_equal(build(&cf, text, err, sizeof(err)), -1);
	assert_int_equal(strncmp(err, prefix, strlen(prefix)), 0);
	assert_non_null(strstr(err, " a.example': more than 64 elements"));
	config_free(&cf);
}

static void
test_config_print(void **state)
{
	struct bh_config cf;
	FILE		*fp;
	char		 out[8192], *line, *save, prev[128] = "";
	size_t		 n, lines = 0;

	build_ok(&cf, "myhostname = h.example\nalias_maps = /a, /b\n"
	    "sandbox = jail\n");
	assert_non_null(fp = tmpfile());
	config_print(&cf, fileno(fp));
	rewind(fp);
	n = fread(out, 1, sizeof(out) - 1, fp);
	out[n] = '\0';
	fclose(fp);
	config_free(&cf);

	assert_non_null(strstr(out, "alias_maps = /a, /b\n"));
	assert_non_null(strstr(out, "\nconfig_directory = /etc/bh\n"));
	assert_non_null(strstr(out, "\nmaximal_queue_lifetime = 5d\n"));
	assert_non_null(strstr(out, "\nmaximal_backoff_time = 4000s\n"));
	assert_non_null(strstr(out, "\nmessage_size_limit = 10240000\n"));
	assert_non_null(strstr(out, "\nmaillog_file =\n"));	/* as postconf */
	assert_non_null(strstr(out, "\nmydestination = h.example, "
	    "localhost.example, localhost\n"));
	assert_non_null(strstr(out, "\nsandbox = jail\n"));
	assert_non_null(strstr(out, "\nsmtpd_banner = h.example ESMTP "
	    "bulkhead\n"));
	assert_non_null(strstr(out, "\nsmtpd_timeout = 5m\n"));
	assert_non_null(strstr(out, "\ndefault_privs = nobody\n"));
	assert_non_null(strstr(out, "\ndeliver_lock_attempts = 20\n"));
	assert_non_null(strstr(out, "\nstale_lock_time = 500s\n"));
	assert_non_null(strstr(out, "\nlocal_writer_limit = 64\n"));
	assert_non_null(strstr(out, "\nlocal_writer_idle_limit = 48\n"));
	assert_non_null(strstr(out, "\nlocal_time_limit = 1000s\n"));
	assert_non_null(strstr(out,
	    "\nlocal_destination_concurrency_limit = 20\n"));
	assert_non_null(strstr(out, "\nbounce_queue_lifetime = 5d\n"));
	assert_non_null(strstr(out, "\nbounce_size_limit = 50000\n"));
	assert_non_null(strstr(out, "\ndelay_warning_time = 0s\n"));
	assert_non_null(strstr(out, "2bounce_notice_recipient = postmaster\n"));
	assert_non_null(strstr(out, "\ncontrol_timeout = 1m\n"));
	assert_non_null(strstr(out, "\nsyslog_name = bulkhead\n"));
	assert_non_null(strstr(out, "\npickup_user = _bhpickup\n"));
	assert_non_null(strstr(out, "\ntrusted_users = root\n"));
	assert_non_null(strstr(out, "\nrelay_user = _bhrelay\n"));
	assert_non_null(strstr(out, "\nrelayhost =\n"));
	assert_non_null(strstr(out, "\nsmtp_connect_timeout = 30s\n"));
	assert_non_null(strstr(out, "\nsmtp_data_done_timeout = 10m\n"));
	assert_non_null(strstr(out, "\nkeys_user = _bhkeys\n"));
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		assert_true(strcmp(prev, line) < 0);
		assert_non_null(strstr(line, " ="));
		snprintf(prev, sizeof(prev), "%s", line);
		lines++;
	}
	assert_int_equal(lines, 109);	/* every parameter */
}

/* |command and /file delivery: Postfix's names and defaults. */
static void
test_command_parameters(void **state)
{
	struct bh_config	 cf;

	memset(&cf, 0, sizeof(cf));
	build_ok(&cf, "myhostname = h.example\n");
	assert_int_equal(cf.allow_mail_to_commands.n, 2);
	assert_string_equal(cf.allow_mail_to_commands.v[0], "alias");
	assert_string_equal(cf.allow_mail_to_commands.v[1], "forward");
	assert_int_equal(cf.allow_mail_to_files.n, 2);
	assert_int_equal(cf.command_time_limit, 1000);
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\n"
	    "allow_mail_to_commands = Forward, include\n"
	    "allow_mail_to_files =\n"
	    "command_time_limit = 2m\n");
	assert_int_equal(cf.allow_mail_to_commands.n, 2);
	assert_string_equal(cf.allow_mail_to_commands.v[0], "forward");
	assert_string_equal(cf.allow_mail_to_commands.v[1], "include");
	assert_int_equal(cf.allow_mail_to_files.n, 0);
	assert_int_equal(cf.command_time_limit, 120);
	config_free(&cf);

	assert_build_error("myhostname = h.example\n"
	    "allow_mail_to_files = alias, pipe\n",
	    "t.cf:2: bad value for allow_mail_to_files: 'alias, pipe': "
	    "'pipe' is not one of alias, forward, include");
	assert_build_error("myhostname = h.example\n"
	    "command_time_limit = 0\n",
	    "t.cf:2: bad value for command_time_limit: '0': must be at "
	    "least 1");
}

/* smtpd parameters: bare-newline policy, mynetworks, relay_domains. */
static void
test_smtpd_parameters(void **state)
{
	struct bh_config	 cf;

	memset(&cf, 0, sizeof(cf));
	build_ok(&cf, "myhostname = h.example\n");
	assert_string_equal(cf.smtpd_forbid_bare_newline, "reject");
	assert_int_equal(cf.mynetworks.n, 2);
	assert_string_equal(cf.mynetworks.v[0], "127.0.0.1/32");
	assert_string_equal(cf.mynetworks.v[1], "::1/128");
	assert_int_equal(cf.relay_domains.n, 0);
	assert_int_equal(cf.smtpd_hard_error_limit, 20);
	assert_int_equal(cf.smtpd_client_connection_count_limit, 50);
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\n"
	    "mynetworks = 192.0.2.0/24 [2001:DB8::]/32, 10.1.2.3 [::1]\n"
	    "relay_domains = Relay.Example\n"
	    "smtpd_forbid_bare_newline = normalize\n");
	assert_int_equal(cf.mynetworks.n, 4);
	assert_string_equal(cf.mynetworks.v[0], "192.0.2.0/24");
	assert_string_equal(cf.mynetworks.v[1], "2001:db8::/32");
	assert_string_equal(cf.mynetworks.v[2], "10.1.2.3/32");
	assert_string_equal(cf.mynetworks.v[3], "::1/128");
	assert_string_equal(cf.relay_domains.v[0], "relay.example");
	config_free(&cf);

	assert_build_error("mynetworks = 192.0.2.1/24\n", FN ":1: bad value for "
	    "mynetworks: '192.0.2.1/24': bits set beyond the prefix");
	assert_build_error("mynetworks = 192.0.2.0/33\n", FN ":1: bad value for "
	    "mynetworks: '192.0.2.0/33': not a network address/prefix "
	    "(host names and tables are not supported here)");
	assert_build_error("mynetworks = hash:/etc/nets\n", FN ":1: bad value for "
	    "mynetworks: 'hash:/etc/nets': not a network address/prefix "
	    "(host names and tables are not supported here)");
	assert_build_error("smtpd_forbid_bare_newline = no\n", FN ":1: bad value for "
	    "smtpd_forbid_bare_newline: 'no': use reject, normalize or yes "
	    "(= normalize)");
}

/* The relay's parameters: Postfix's names and defaults; relayhost. */
static void
test_relay_parameters(void **state)
{
	struct bh_config	 cf;

	memset(&cf, 0, sizeof(cf));
	build_ok(&cf, "myhostname = h.example\n");
	assert_string_equal(cf.relay_user, "_bhrelay");
	assert_string_equal(cf.relayhost, "");
	assert_string_equal(cf.smtp_helo_name, "h.example");
	assert_int_equal(cf.smtp_connect_timeout, 30);
	assert_int_equal(cf.smtp_helo_timeout, 300);
	assert_int_equal(cf.smtp_data_init_timeout, 120);
	assert_int_equal(cf.smtp_data_xfer_timeout, 180);
	assert_int_equal(cf.smtp_data_done_timeout, 600);
	config_free(&cf);

	build_ok(&cf, "myhostname = h.example\n"
	    "relayhost = [192.0.2.1]:2525\nsmtp_connect_timeout = 5\n");
	assert_string_equal(cf.relayhost, "[192.0.2.1]:2525");
	assert_int_equal(cf.smtp_connect_timeout, 5);
	config_free(&cf);
	build_ok(&cf, "myhostname = h.example\nrelayhost = [2001:db8::1]\n");
	config_free(&cf);
	/* dns: its own account, resolvers as [address]:port */
	build_ok(&cf, "myhostname = h.example\n"
	    "dns_resolvers = [127.0.0.1]:5353, [::1]\n");
	assert_string_equal(cf.dns_user, "_bhdns");
	assert_int_equal(cf.dns_resolvers.n, 2);
	assert_string_equal(cf.dns_resolvers.v[0], "127.0.0.1@5353");
	assert_string_equal(cf.dns_resolvers.v[1], "::1@53");
	config_free(&cf);

	assert_build_error("relayhost = [192.0.2.1]:0\n", FN ":1: bad value "
	    "for relayhost: '[192.0.2.1]:0': bad port: write [address]:port, "
	    "port 1..65535");
	assert_build_error("relayhost = [192.0.2.1\n", FN ":1: bad value "
	    "for relayhost: '[192.0.2.1': no closing ]");
	assert_build_error("relayhost = [smart_x.example]\n", FN ":1: bad "
	    "value for relayhost: '[smart_x.example]': bad host name or "
	    "address in brackets");
	/* host names: the dns compartment resolves them */
	build_ok(&cf, "myhostname = h.example\n"
	    "relayhost = [smart.example]:2525\n");
	config_free(&cf);
	build_ok(&cf, "myhostname = h.example\nrelayhost = smart.example\n");
	/* Postfix's defaults */
	assert_string_equal(cf.default_transport, "smtp");
	assert_int_equal(cf.default_destination_concurrency_limit, 20);
	assert_int_equal(cf.default_process_limit, 100);
	assert_string_equal(cf.smtp_connection_cache_on_demand, "yes");
	assert_int_equal(cf.smtp_connection_cache_time_limit, 2);
	assert_int_equal(cf.smtp_rset_timeout, 20);
	config_free(&cf);
	build_ok(&cf, "myhostname = h.example\n"
	    "default_transport = error:5.7.1 no mail out\n");
	config_free(&cf);
	assert_build_error("default_transport = uucp\n", FN ":1: bad value "
	    "for default_transport: 'uucp': unknown transport (use smtp, "
	    "relay, local, error, retry or discard)");
	assert_build_error("dns_resolvers = [ns.example]\n", FN ":1: bad value "
	    "for dns_resolvers: '[ns.example]': write [address] or "
	    "[address]:port");
	build_ok(&cf, "myhostname = h.example\n"
	    "smtp_tls_security_level = verify\n");
	assert_string_equal(cf.smtp_tls_security_level, "verify");
	assert_string_equal(cf.smtp_tls_CAfile, "");
	assert_string_equal(cf.smtp_tls_secure_cert_match,
	    "nexthop, dot-nexthop");
	assert_string_equal(cf.smtp_tls_verify_cert_match, "hostname");
	assert_int_equal(cf.smtp_tls_policy_maps.n, 0);
	config_free(&cf);
	build_ok(&cf, "myhostname = h.example\n"
	    "smtp_tls_security_level = dane\n"
	    "smtp_tls_policy_maps = hash:/etc/bulkhead/tls_policy\n"
	    "smtp_tls_secure_cert_match = nexthop, .example.net\n");
	assert_string_equal(cf.smtp_tls_security_level, "dane");
	assert_string_equal(cf.smtp_tls_policy_maps.v[0],
	    "/etc/bulkhead/tls_policy");
	config_free(&cf);
	assert_build_error("smtp_tls_security_level = fingerprint\n", FN ":1: "
	    "bad value for smtp_tls_security_level: 'fingerprint': use none, "
	    "may, encrypt, verify, secure or dane");
	assert_build_error("smtp_tls_secure_cert_match = [x]\n", FN ":1: bad "
	    "value for smtp_tls_secure_cert_match: '[x]': a list of nexthop, "
	    "dot-nexthop, hostname or host names");
	assert_build_error("relay_user = _bhlocal\n", FN ":1: bad value for "
	    "relay_user: '_bhlocal': same user as local_user (default): each compartment needs its "
	    "own uid");
}

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
