/*
 * test_aliases_parse.c: parsing aliases files (delivery/aliases.c):
 * targets, continuation, comments, quoting, limits, errors, files.
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

/* --- parsing --------------------------------------------------------- */

void
test_parse_simple(void **state)
{
	struct alias_table		 t;
	const struct alias_entry	*e;

	parse_ok(&t, "postmaster: root\n");
	assert_int_equal(t.n, 1);
	assert_string_equal(t.file, "test");
	e = must_find(&t, "postmaster");
	assert_string_equal(e->name, "postmaster");
	assert_int_equal(e->line, 1);
	assert_int_equal(e->ntargets, 1);
	assert_target(&e->targets[0], ALIAS_ADDRESS, "root");
	aliases_free(&t);
	assert_null(t.v);
	aliases_free(&t);		/* twice is harmless */
}

void
test_parse_several_targets(void **state)
{
	struct alias_table		 t;
	const struct alias_entry	*e;

	parse_ok(&t, "staff:alice,  bob ,\tcarol@Example.ORG  \n");
	e = must_find(&t, "staff");
	assert_int_equal(e->ntargets, 3);
	assert_target(&e->targets[0], ALIAS_ADDRESS, "alice");
	assert_target(&e->targets[1], ALIAS_ADDRESS, "bob");
	/* Addresses are kept as written; only names are lower-cased. */
	assert_target(&e->targets[2], ALIAS_ADDRESS, "carol@Example.ORG");
	aliases_free(&t);
}

void
test_parse_continuation(void **state)
{
	struct alias_table		 t;
	const struct alias_entry	*e;

	parse_ok(&t,
	    "list: a,\n"
	    "  b,\n"
	    "\tc\n"
	    "other: d\n"
	    "split:\n"
	    "    e\n");
	assert_int_equal(t.n, 3);
	e = must_find(&t, "list");
	assert_int_equal(e->line, 1);
	assert_int_equal(e->ntargets, 3);
	assert_target(&e->targets[0], ALIAS_ADDRESS, "a");
	assert_target(&e->targets[1], ALIAS_ADDRESS, "b");
	assert_target(&e->targets[2], ALIAS_ADDRESS, "c");
	e = must_find(&t, "other");
	assert_int_equal(e->line, 4);
	e = must_find(&t, "split");
	assert_int_equal(e->line, 5);
	assert_int_equal(e->ntargets, 1);
	assert_target(&e->targets[0], ALIAS_ADDRESS, "e");
	aliases_free(&t);
}

void
test_parse_comments_blank_crlf(void **state)
{
	struct alias_table		 t;
	const struct alias_entry	*e;

	parse_ok(&t,
	    "# /etc/aliases\n"
	    "\n"
	    "mailer-daemon: postmaster\r\n"
	    "postmaster: root,\n"
	    "   # a comment inside a continued entry\n"
	    "\n"
	    "   admin\n"
	    "\t \n"
	    "abuse: root");		/* no final newline */
	assert_int_equal(t.n, 3);
	e = must_find(&t, "mailer-daemon");
	assert_int_equal(e->line, 3);
	assert_target(&e->targets[0], ALIAS_ADDRESS, "postmaster");
	e = must_find(&t, "postmaster");
	assert_int_equal(e->line, 4);
	assert_int_equal(e->ntargets, 2);
	assert_target(&e->targets[1], ALIAS_ADDRESS, "admin");
	e = must_find(&t, "abuse");
	assert_int_equal(e->line, 9);
	aliases_free(&t);

	parse_ok(&t, "");
	assert_int_equal(t.n, 0);
	assert_null(aliases_lookup(&t, "root"));
	aliases_free(&t);
	parse_ok(&t, "# only a comment\n\n");
	assert_int_equal(t.n, 0);
	aliases_free(&t);
}

void
test_parse_quoted_names(void **state)
{
	struct alias_table		 t;
	const struct alias_entry	*e;

	parse_ok(&t,
	    "\"Name With Space\": x\n"
	    "\"a\\\"b\" : y\n"
	    "\"c:d\": z\n"
	    "\"e@f\": w\n");
	assert_int_equal(t.n, 4);
	e = must_find(&t, "name with space");
	assert_string_equal(e->name, "name with space");
	assert_target(&e->targets[0], ALIAS_ADDRESS, "x");
	e = must_find(&t, "a\"b");
	assert_target(&e->targets[0], ALIAS_ADDRESS, "y");
	e = must_find(&t, "C:D");
	assert_target(&e->targets[0], ALIAS_ADDRESS, "z");
	e = must_find(&t, "e@f");
	assert_target(&e->targets[0], ALIAS_ADDRESS, "w");
	aliases_free(&t);
}

void
test_parse_commands_files_includes(void **state)
{
	struct alias_table		 t;
	const struct alias_entry	*e;

	parse_ok(&t,
	    "log: \"|/usr/bin/logger -t a,b\", /var/log/mail.copy\n"
	    "proc: |/usr/bin/procmail -a x\n"
	    "lists: :include:/etc/mail/staff, :INCLUDE: /etc/mail/more\n"
	    "q: \"/var/mail/with space\", \"|echo \\\"hi\\\"\"\n");
	e = must_find(&t, "log");
	assert_int_equal(e->ntargets, 2);
	assert_target(&e->targets[0], ALIAS_COMMAND,
	    "/usr/bin/logger -t a,b");
	assert_target(&e->targets[1], ALIAS_FILE, "/var/log/mail.copy");
	e = must_find(&t, "proc");
	assert_int_equal(e->ntargets, 1);
	assert_target(&e->targets[0], ALIAS_COMMAND,
	    "/usr/bin/procmail -a x");
	e = must_find(&t, "lists");
	assert_int_equal(e->ntargets, 2);
	assert_target(&e->targets[0], ALIAS_INCLUDE, "/etc/mail/staff");
	assert_target(&e->targets[1], ALIAS_INCLUDE, "/etc/mail/more");
	e = must_find(&t, "q");
	assert_target(&e->targets[0], ALIAS_FILE, "/var/mail/with space");
	assert_target(&e->targets[1], ALIAS_COMMAND, "echo \"hi\"");
	aliases_free(&t);
}

void
test_parse_addresses(void **state)
{
	struct alias_table		 t;
	const struct alias_entry	*e;

	parse_ok(&t,
	    "a: user@example.com, <bracket@example.net>, \\root, "
	    "first.last+tag@sub.example-1.org, \"quoted\"\n");
	e = must_find(&t, "a");
	assert_int_equal(e->ntargets, 5);
	assert_target(&e->targets[0], ALIAS_ADDRESS, "user@example.com");
	assert_target(&e->targets[1], ALIAS_ADDRESS, "bracket@example.net");
	assert_target(&e->targets[2], ALIAS_ADDRESS, "\\root");
	assert_target(&e->targets[3], ALIAS_ADDRESS,
	    "first.last+tag@sub.example-1.org");
	assert_target(&e->targets[4], ALIAS_ADDRESS, "quoted");
	aliases_free(&t);
}

void
test_parse_duplicate_later_wins(void **state)
{
	struct alias_table		 t;
	const struct alias_entry	*e;

	parse_ok(&t, "a: b\nz: y\nA: c, d\n");
	assert_int_equal(t.n, 2);
	e = must_find(&t, "a");
	assert_int_equal(e->line, 3);
	assert_int_equal(e->ntargets, 2);
	assert_target(&e->targets[0], ALIAS_ADDRESS, "c");
	assert_target(&e->targets[1], ALIAS_ADDRESS, "d");
	assert_non_null(aliases_lookup(&t, "z"));
	aliases_free(&t);
}

void
test_lookup_case_insensitive(void **state)
{
	struct alias_table	t;
	char			longname[100];

	parse_ok(&t, "PostMaster: root\nm: n\nb: c\n");
	assert_string_equal(must_find(&t, "postmaster")->name, "postmaster");
	assert_non_null(aliases_lookup(&t, "POSTMASTER"));
	assert_non_null(aliases_lookup(&t, "M"));
	assert_null(aliases_lookup(&t, "root"));
	assert_null(aliases_lookup(&t, ""));
	assert_null(aliases_lookup(&t, NULL));
	assert_null(aliases_lookup(NULL, "m"));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_null(aliases_lookup(&t, longname));
	aliases_free(&t);
}

void
test_parse_limits(void **state)
{
	struct alias_table	t;
	char			buf[2048], target[1100];

	/* A name of 64 octets is fine, 65 is not. */
	snprintf(buf, sizeof(buf), "%.64s: x\n",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	parse_ok(&t, buf);
	assert_int_equal(t.n, 1);
	aliases_free(&t);
	snprintf(buf, sizeof(buf), "%.65s: x\n",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	parse_fails(buf, "test:1: alias name longer than 64 octets");

	/* A target of 1024 octets is fine, 1025 is not. */
	memset(target, 'u', sizeof(target));
	snprintf(buf, sizeof(buf), "x: y\na: b,\n %.1024s\n", target);
	parse_ok(&t, buf);
	assert_int_equal(strlen(must_find(&t, "a")->targets[1].value), 1024);
	aliases_free(&t);
	snprintf(buf, sizeof(buf), "x: y\na: b,\n %.1025s\n", target);
	parse_fails(buf, "test:3: target longer than 1024 octets");
}

void
test_parse_errors(void **state)
{
	parse_fails("foo bar\n", "test:1: missing ':' after alias name");
	parse_fails("a: b\n\nfoo\n", "test:3: missing ':' after alias name");
	parse_fails(": x\n", "test:1: empty alias name");
	parse_fails("  \n\"\": x\n", "test:2: empty alias name");
	parse_fails("a: b,,c\n", "test:1: empty target");
	parse_fails("a: b,\n", "test:1: empty target");
	parse_fails("a: b, \"\"\n", "test:1: empty target");
	parse_fails("a:\n", "test:1: empty target list");
	parse_fails("a:   \n\n  \n", "test:1: empty target list");
	parse_fails(" a: b\n",
	    "test:1: continuation line without a preceding alias");
	parse_fails("# header\n\n\tb\n",
	    "test:3: continuation line without a preceding alias");
	parse_fails("a: :include:etc/list\n",
	    "test:1: :include: path is not absolute");
	parse_fails("a: b\nc: :include:\n", "test:2: empty :include: path");
	parse_fails_len("a: b\nc: d\0e\n", 11, "test:2: NUL byte");
	parse_fails_len("\0", 1, "test:1: NUL byte");
	parse_fails("a\x01: b\n", "test:1: control character in alias name");
	parse_fails("a b: c\n", "test:1: unquoted white space in alias name");
	parse_fails("a@b: c\n", "test:1: unquoted '@' in alias name");
	parse_fails("a\"b\": c\n", "test:1: misplaced '\"' in alias name");
	parse_fails("\"a: b\n", "test:1: unterminated quoted string");
	parse_fails("\"a\"x: b\n", "test:1: text after closing quote");
	parse_fails("a: \"b\n", "test:1: unterminated quoted string");
	parse_fails("a: b\"c\"\n", "test:1: misplaced '\"' in target");
	parse_fails("a: b\x7f\n", "test:1: control character in target");
	parse_fails("a: |  \n", "test:1: empty command");
	/* An error in a continuation reports the line it is on. */
	parse_fails("a: b,\n  c d\n", "test:2: white space in address");
	parse_fails("a: b # comment\n", "test:1: white space in address");
	parse_fails("a: b@\n", "test:1: empty domain in address");
	parse_fails("a: @b\n", "test:1: empty local part in address");
	parse_fails("a: b@c@d\n", "test:1: more than one '@' in address");
	parse_fails("a: <b@c\n", "test:1: unbalanced '<' in address");
	parse_fails("a: <>\n", "test:1: empty address");
	parse_fails("a: b>\n", "test:1: misplaced '<' or '>' in address");
	parse_fails("a: b@c..d\n", "test:1: empty label in domain");
	parse_fails("a: b@c!d\n", "test:1: invalid character in domain");
	parse_fails("a: (b)\n", "test:1: invalid character in address");
	parse_fails("a: :incude:/x\n",
	    "test:1: ':' in address (only :include: is known)");
	parse_fails("a: \\b@c\n", "test:1: '\\user' cannot have a domain");
	parse_fails("a: b@c d\n", "test:1: white space in address");
	parse_fails("a: b@<c\n", "test:1: misplaced '<' or '>' in address");
	parse_fails("a: \"b\"c\n", "test:1: text after closing quote");
}

void
test_parse_utf8(void **state)
{
	struct alias_table	t;

	parse_ok(&t, "\"j\xc3\xb6rg\": J\xc3\xb6rg@b\xc3\xbc" "cher.example\n");
	assert_target(&must_find(&t, "j\xc3\xb6rg")->targets[0], ALIAS_ADDRESS,
	    "J\xc3\xb6rg@b\xc3\xbc" "cher.example");
	aliases_free(&t);
}

void
test_parse_size_limits(void **state)
{
	const size_t	 max = 16 * 1024 * 1024;
	char		*buf;
	size_t		 i;

	/* Entries: "a:b\n" a million times and once more. */
	assert_non_null(buf = malloc(max + 1));
	for (i = 0; i < 1000001; i++)
		memcpy(buf + 4 * i, "a:b\n", 4);
	parse_fails_len(buf, 4 * i, "test:1000001: more than 1000000 aliases");
	memset(buf, '#', max + 1);
	parse_fails_len(buf, max + 1, "test: larger than 16 MiB");
	free(buf);
}

void
test_parse_file(void **state)
{
	struct alias_table	t;
	char			path[] = "/tmp/test_aliases.XXXXXX";
	char			err[ALIAS_ERR_MAX], want[ALIAS_ERR_MAX];
	const char		*text = "root: admin\nbad line\n";
	int			fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, 12), 12);
	assert_int_equal(aliases_parse_file(&t, path, err, sizeof(err)), 0);
	assert_string_equal(t.file, path);
	assert_target(&must_find(&t, "root")->targets[0], ALIAS_ADDRESS,
	    "admin");
	aliases_free(&t);

	/* Errors name the file. */
	assert_int_equal(write(fd, text + 12, strlen(text) - 12),
	    (ssize_t)(strlen(text) - 12));
	assert_int_equal(aliases_parse_file(&t, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: missing ':' after alias name",
	    path);
	assert_string_equal(err, want);

	/* More than 16 MiB is refused before it is read. */
	assert_int_equal(ftruncate(fd, 16 * 1024 * 1024 + 1), 0);
	assert_int_equal(aliases_parse_file(&t, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: larger than 16 MiB", path);
	assert_string_equal(err, want);
	assert_null(t.v);
	close(fd);
	unlink(path);

	assert_int_equal(aliases_parse_file(&t, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
	assert_int_equal(aliases_parse_file(&t, "/", err, sizeof(err)), -1);
	assert_string_equal(err, "/: not a regular file");
}

/* The descriptor master opened: the path only names it in errors. */
void
test_parse_fd(void **state)
{
	struct alias_table	t;
	char			path[] = "/tmp/test_aliases_fd.XXXXXX";
	char			err[ALIAS_ERR_MAX], want[ALIAS_ERR_MAX];
	const char		*text = "root: admin\nbad line\n";
	int			fd, p[2];

	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, 12), 12);
	unlink(path);		/* read through the descriptor only */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(aliases_parse_fd(&t, fd, "/etc/aliases", err,
	    sizeof(err)), 0);
	assert_string_equal(t.file, "/etc/aliases");
	assert_non_null(aliases_lookup(&t, "root"));
	aliases_free(&t);
	assert_int_equal(write(fd, text + 12, strlen(text) - 12),
	    (ssize_t)(strlen(text) - 12));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(aliases_parse_fd(&t, fd, "/etc/aliases", err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "/etc/aliases:2: missing ':' after "
	    "alias name");
	assert_string_equal(err, want);
	close(fd);
	/* A pipe (or FIFO) is not read at all. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(aliases_parse_fd(&t, p[0], "/etc/aliases", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "/etc/aliases: not a regular file");
	assert_null(t.v);
	close(p[0]);
	close(p[1]);
}
