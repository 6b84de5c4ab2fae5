/*
 * test_aliases.c: the aliases(5) parser and alias expansion.
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

/* --- helpers --------------------------------------------------------- */

static void
parse_ok(struct alias_table *t, const char *text)
{
	char	err[ALIAS_ERR_MAX] = "";
	int	r;

	r = aliases_parse_buffer(t, text, strlen(text), "test", err,
	    sizeof(err));
	if (r != 0)
		fail_msg("unexpected parse error: %s", err);
}

/* Parse len octets of text; it must fail with exactly want. */
static void
parse_fails_len(const char *text, size_t len, const char *want)
{
	struct alias_table	t;
	char			err[ALIAS_ERR_MAX] = "";

	assert_int_equal(aliases_parse_buffer(&t, text, len, "test", err,
	    sizeof(err)), -1);
	assert_string_equal(err, want);
	/* A failed parse leaves nothing to free. */
	assert_null(t.v);
	assert_int_equal(t.n, 0);
	assert_null(t.file);
	aliases_free(&t);
}

static void
parse_fails(const char *text, const char *want)
{
	parse_fails_len(text, strlen(text), want);
}

static const struct alias_entry *
must_find(const struct alias_table *t, const char *name)
{
	const struct alias_entry	*e;

	if ((e = aliases_lookup(t, name)) == NULL)
		fail_msg("alias %s not found", name);
	return e;
}

static void
assert_target(const struct alias_target *tg, enum alias_kind kind,
    const char *value)
{
	assert_int_equal(tg->kind, kind);
	assert_string_equal(tg->value, value);
}

/*
 * Expand name in a table parsed from text; the result must be the
 * addresses in want (NULL-terminated), in that order.
 */
static void
expands_to(const char *text, const char *name, alias_domain_fn fn,
    void *arg, const char **want)
{
	struct alias_table	 t;
	struct alias_target	*out = NULL;
	char			 err[ALIAS_ERR_MAX] = "";
	int			 n, i;

	parse_ok(&t, text);
	n = aliases_expand(&t, name, fn, arg, &out, err, sizeof(err));
	if (n == -1)
		fail_msg("unexpected expansion error: %s", err);
	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < n);
		assert_target(&out[i], ALIAS_ADDRESS, want[i]);
	}
	assert_int_equal(n, i);
	aliases_free_targets(out, (size_t)n);
	aliases_free(&t);
}

static void
expand_fails(const char *text, const char *name, const char *want)
{
	struct alias_table	 t;
	struct alias_target	*out = (struct alias_target *)&t; /* not NULL */
	char			 err[ALIAS_ERR_MAX] = "";

	parse_ok(&t, text);
	assert_int_equal(aliases_expand(&t, name, NULL, NULL, &out, err,
	    sizeof(err)), -1);
	assert_null(out);
	assert_string_equal(err, want);
	aliases_free(&t);
}

/* Append to a growing text buffer; aborts the test on ENOMEM. */
static void	cat(char **, size_t *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
cat(char **buf, size_t *len, const char *fmt, ...)
{
	va_list	 ap;
	char	 piece[256];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(piece));
	*buf = realloc(*buf, *len + (size_t)n + 1);
	assert_non_null(*buf);
	memcpy(*buf + *len, piece, (size_t)n + 1);
	*len += (size_t)n;
}

/* --- parsing --------------------------------------------------------- */

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
test_parse_utf8(void **state)
{
	struct alias_table	t;

	parse_ok(&t, "\"j\xc3\xb6rg\": J\xc3\xb6rg@b\xc3\xbc" "cher.example\n");
	assert_target(&must_find(&t, "j\xc3\xb6rg")->targets[0], ALIAS_ADDRESS,
	    "J\xc3\xb6rg@b\xc3\xbc" "cher.example");
	aliases_free(&t);
}

static void
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

static void
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
static void
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

/* --- expansion ------------------------------------------------------- */

static void
test_expand_nested(void **state)
{
	expands_to("a: b\nb: c, d\n", "a", NULL, NULL,
	    (const char *[]){ "c", "d", NULL });
	expands_to("a: b, x\nb: c\nc: d, e\n", "a", NULL, NULL,
	    (const char *[]){ "d", "e", "x", NULL });
}

static void
test_expand_self_reference(void **state)
{
	expands_to("root: root, admin\n", "root", NULL, NULL,
	    (const char *[]){ "root", "admin", NULL });
	expands_to("joe: joe\n", "joe", NULL, NULL,
	    (const char *[]){ "joe", NULL });
	/* Through an alias: postmaster -> root -> root (the user). */
	expands_to("postmaster: root\nroot: ROOT, admin\n", "postmaster",
	    NULL, NULL, (const char *[]){ "root", "admin", NULL });
	/* \user stops aliasing, as in sendmail. */
	expands_to("a: \\b, c\nb: x\nc: \\C\n", "a", NULL, NULL,
	    (const char *[]){ "b", "c", NULL });
}

static void
test_expand_loop(void **state)
{
	expand_fails("a: b\nb: a\n", "a", "alias loop: a -> b -> a");
	expand_fails("x: a\na: b\nb: c, a\nc: d\n", "x",
	    "alias loop: x -> a -> b -> a");
	expand_fails("a: b\nb: a, b\n", "b", "alias loop: b -> a -> b");
}

/* A diamond (a -> b, c; b, c -> d) is not a loop. */
static void
test_expand_diamond(void **state)
{
	expands_to("a: b, c\nb: d\nc: d, y\nd: e\n", "a", NULL, NULL,
	    (const char *[]){ "e", "y", NULL });
}

/* Aliases l<i>: l<i+1>; the last one names user. */
static char *
chain_of(int nalias)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 i;

	for (i = 1; i < nalias; i++)
		cat(&buf, &len, "l%d: l%d\n", i, i + 1);
	cat(&buf, &len, "l%d: user\n", nalias);
	return buf;
}

static void
test_expand_depth_limit(void **state)
{
	char	*text;

	text = chain_of(ALIAS_EXPAND_DEPTH);
	expands_to(text, "l1", NULL, NULL, (const char *[]){ "user", NULL });
	free(text);
	text = chain_of(ALIAS_EXPAND_DEPTH + 1);
	expand_fails(text, "l1", "aliases nested too deeply: l1 -> l2 -> "
	    "l3 -> l4 -> l5 -> l6 -> l7 -> l8 -> l9 -> l10 -> l11 -> l12 -> "
	    "l13 -> l14 -> l15 -> l16 -> l17");
	/* Starting lower in the chain stays within the limit. */
	expands_to(text, "l2", NULL, NULL, (const char *[]){ "user", NULL });
	free(text);
}

/*
 * Every level names both aliases of the next level: 2^16 paths.  Must
 * finish at once, with the two final users.
 */
static void
test_expand_fan_out(void **state)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 i;

	for (i = 1; i < ALIAS_EXPAND_DEPTH; i++)
		cat(&buf, &len, "a%d: a%d, b%d\nb%d: b%d, a%d\n",
		    i, i + 1, i + 1, i, i + 1, i + 1);
	cat(&buf, &len, "a%d: ua\nb%d: ub\n", ALIAS_EXPAND_DEPTH,
	    ALIAS_EXPAND_DEPTH);
	expands_to(buf, "a1", NULL, NULL,
	    (const char *[]){ "ua", "ub", NULL });
	free(buf);
}

/*
 * x is first expanded one level down and completes; reached again
 * through a long chain, it must still hit the depth limit there.
 */
static void
test_expand_depth_after_shallow_visit(void **state)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 i, last = ALIAS_EXPAND_DEPTH - 3;

	cat(&buf, &len, "a: x, p1\nx: y\ny: user\n");
	for (i = 1; i < last; i++)
		cat(&buf, &len, "p%d: p%d\n", i, i + 1);
	cat(&buf, &len, "p%d: x\n", last);
	/* a p1 .. p13 x y: 16 nested aliases */
	expands_to(buf, "a", NULL, NULL, (const char *[]){ "user", NULL });
	cat(&buf, &len, "p%d: p%d\np%d: x\n", last, last + 1, last + 1);
	expand_fails(buf, "a", "aliases nested too deeply: a -> p1 -> p2 -> "
	    "p3 -> p4 -> p5 -> p6 -> p7 -> p8 -> p9 -> p10 -> p11 -> p12 -> "
	    "p13 -> p14 -> x -> y");
	free(buf);
}

static void
test_expand_duplicates(void **state)
{
	struct alias_table	 t;
	struct alias_target	*out;
	char			 err[ALIAS_ERR_MAX];

	expands_to("a: b, c, B\nc: b, d, D@Remote.example, d@remote.EXAMPLE\n",
	    "a", NULL, NULL,
	    (const char *[]){ "b", "d", "D@Remote.example", NULL });

	/* Files and commands: kept, unchanged, each once. */
	parse_ok(&t, "a: /x, |cmd, /x, b, :include:/l\nb: |cmd, /X\n");
	assert_int_equal(aliases_expand(&t, "a", NULL, NULL, &out, err,
	    sizeof(err)), 4);
	assert_target(&out[0], ALIAS_FILE, "/x");
	assert_target(&out[1], ALIAS_COMMAND, "cmd");
	assert_target(&out[2], ALIAS_FILE, "/X");
	assert_target(&out[3], ALIAS_INCLUDE, "/l");
	aliases_free_targets(out, 4);
	aliases_free(&t);
}

struct domains {
	const char	*local;
	int		 calls;
	char		 last[64];
};

static int
is_local(const char *domain, void *arg)
{
	struct domains	*d = arg;

	d->calls++;
	strlcpy(d->last, domain, sizeof(d->last));
	return strcmp(domain, d->local) == 0;
}

static void
test_expand_local_domain(void **state)
{
	struct domains	d = { "local.example", 0, "" };
	const char	*text =
	    "a: b@local.example, c@remote.example, B@LOCAL.Example\n"
	    "b: real\n"
	    "root: root@local.example\n";

	expands_to(text, "a", is_local, &d,
	    (const char *[]){ "real", "c@remote.example", NULL });
	assert_int_equal(d.calls, 3);
	/* The callback sees the domain lower-cased. */
	assert_string_equal(d.last, "local.example");
	expands_to(text, "root", is_local, &d,
	    (const char *[]){ "root", NULL });
	/* Without a callback no domain is ours. */
	expands_to(text, "a", NULL, NULL, (const char *[]){
	    "b@local.example", "c@remote.example", NULL });
}

static void
test_expand_case_insensitive(void **state)
{
	expands_to("postmaster: Root\nroot: Admin\n", "PostMaster", NULL,
	    NULL, (const char *[]){ "admin", NULL });
}

static void
test_expand_not_an_alias(void **state)
{
	struct alias_target	*out;
	char			 err[ALIAS_ERR_MAX];

	expands_to("root: admin\n", "Alice", NULL, NULL,
	    (const char *[]){ "alice", NULL });
	expands_to("", "bob", NULL, NULL, (const char *[]){ "bob", NULL });
	assert_int_equal(aliases_expand(NULL, "carol", NULL, NULL, &out, err,
	    sizeof(err)), 1);
	assert_target(&out[0], ALIAS_ADDRESS, "carol");
	aliases_free_targets(out, 1);
	assert_int_equal(aliases_expand(NULL, "", NULL, NULL, &out, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "empty alias name");
	assert_null(out);
}

static void
test_expand_cap(void **state)
{
	struct alias_table	 t;
	struct alias_target	*out;
	char			 err[ALIAS_ERR_MAX];
	char			*buf = NULL;
	size_t			 len = 0;
	int			 i;

	/* big: u0 ... u998 and sub; sub: u999 (and u0 again) */
	cat(&buf, &len, "big: sub");
	for (i = 0; i < ALIAS_EXPAND_MAX - 1; i++)
		cat(&buf, &len, ",\n u%d", i);
	cat(&buf, &len, "\nsub: u%d, u0\n", ALIAS_EXPAND_MAX - 1);
	parse_ok(&t, buf);
	assert_int_equal(aliases_expand(&t, "big", NULL, NULL, &out, err,
	    sizeof(err)), ALIAS_EXPAND_MAX);
	assert_target(&out[0], ALIAS_ADDRESS, "u999");
	assert_target(&out[1], ALIAS_ADDRESS, "u0");
	assert_target(&out[ALIAS_EXPAND_MAX - 1], ALIAS_ADDRESS, "u998");
	aliases_free_targets(out, ALIAS_EXPAND_MAX);
	aliases_free(&t);

	cat(&buf, &len, "sub: u%d, one-too-many\n", ALIAS_EXPAND_MAX - 1);
	expand_fails(buf, "big", "alias big expands to more than 1000 "
	    "recipients");
	free(buf);
}

/* With recipient_delimiter: list: team+x expands team; alice+x stays. */
static void
test_expand_delimiter(void **state)
{
	static const char text[] =
	    "list: team+x, alice+lists, \"team+y\"\n"
	    "team: alice, bob\n"
	    "self: self+x\n";
	struct alias_table	 t;
	struct alias_target	*out = NULL;
	char			 err[ALIAS_ERR_MAX] = "";
	int			 n;

	(void)state;
	parse_ok(&t, text);
	n = aliases_expand_delim(&t, "list", "+", NULL, NULL, &out, err,
	    sizeof(err));
	assert_int_equal(n, 3);
	assert_target(&out[0], ALIAS_ADDRESS, "alice");
	assert_target(&out[1], ALIAS_ADDRESS, "bob");
	assert_target(&out[2], ALIAS_ADDRESS, "alice+lists");
	aliases_free_targets(out, (size_t)n);
	/* self+x names self itself: a final recipient, not a loop */
	n = aliases_expand_delim(&t, "self", "+", NULL, NULL, &out, err,
	    sizeof(err));
	assert_int_equal(n, 1);
	assert_target(&out[0], ALIAS_ADDRESS, "self+x");
	aliases_free_targets(out, (size_t)n);
	/* without a delimiter team+x is an address of its own */
	n = aliases_expand(&t, "list", NULL, NULL, &out, err, sizeof(err));
	assert_int_equal(n, 3);
	assert_target(&out[0], ALIAS_ADDRESS, "team+x");
	aliases_free_targets(out, (size_t)n);
	aliases_free(&t);
}

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
