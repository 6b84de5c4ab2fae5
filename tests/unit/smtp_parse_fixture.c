/*
 * smtp_parse_fixture.c: the helpers of smtp_parse_fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smtpd/smtp_parse.h"

#include "tests/unit/smtp_parse_fixture.h"

/* An exact-size, unterminated copy of the n bytes at s. */
char *
exact_copy(const char *s, size_t n)
{
	char *p;

	p = malloc(n > 0 ? n : 1);
	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

/*
 * Parse an exact-size copy of the line.  The copy is freed on return, so
 * cmd->arg dangles afterwards: use the terminated copy left in arg.
 */
void
parse_cmd_n(const char *line, size_t len, struct smtp_cmd *cmd,
    char *arg, size_t argsz)
{
	char *copy = exact_copy(line, len);

	assert_int_equal(smtp_cmd_parse(copy, len, cmd), 0);
	assert_true(cmd->arg >= copy && cmd->arg + cmd->arglen <= copy + len);
	assert_true(cmd->arglen < argsz);
	memcpy(arg, cmd->arg, cmd->arglen);
	arg[cmd->arglen] = '\0';
	free(copy);
}

/* Parse a NUL-free command line; *arg gets the argument, terminated. */
enum smtp_verb
parse_cmd(const char *line, char *arg, size_t argsz)
{
	struct smtp_cmd cmd;

	parse_cmd_n(line, strlen(line), &cmd, arg, argsz);
	return cmd.verb;
}

enum smtp_parse_err
mailrcpt_n(const char *arg, size_t len, const char *prefix, int flags,
    struct smtp_mailrcpt *out)
{
	enum smtp_parse_err err;
	char *copy = exact_copy(arg, len);

	err = smtp_parse_mailrcpt(copy, len, prefix, flags, out);
	free(copy);
	return err;
}

enum smtp_parse_err
mail(const char *arg, int flags, struct smtp_mailrcpt *out)
{
	return mailrcpt_n(arg, strlen(arg), "FROM:", flags, out);
}

enum smtp_parse_err
rcpt(const char *arg, int flags, struct smtp_mailrcpt *out)
{
	return mailrcpt_n(arg, strlen(arg), "TO:", flags, out);
}

enum smtp_parse_err
path_n(const char *s, size_t len, int flags, struct smtp_addr *out,
    size_t *consumed)
{
	enum smtp_parse_err err;
	char *copy = exact_copy(s, len);

	err = smtp_parse_path(copy, len, flags, out, consumed);
	free(copy);
	return err;
}

enum smtp_parse_err
path(const char *s, int flags, struct smtp_addr *out)
{
	size_t consumed;

	return path_n(s, strlen(s), flags, out, &consumed);
}

int
helo(const char *s)
{
	char *copy = exact_copy(s, strlen(s));
	int ok;

	ok = smtp_valid_helo(copy, strlen(s));
	free(copy);
	return ok;
}

/* n copies of c, terminated, in a static buffer per call site's needs. */
char *
repeat(char *buf, size_t bufsz, char c, size_t n)
{
	assert_true(n < bufsz);
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/*
 * A domain of exactly n octets: labels of 49 octets joined by dots (the
 * last one up to 50), so that only the total length can be at fault.
 */
char *
domain_of(char *buf, size_t bufsz, size_t n)
{
	size_t i;

	assert_true(n < bufsz);
	for (i = 0; i < n; i++)
		buf[i] = (i % 50 == 49 && i != n - 1) ? '.' : 'd';
	buf[n] = '\0';
	return buf;
}

void
assert_format(const struct smtp_addr *a, const char *want)
{
	char buf[600];

	assert_int_equal(smtp_addr_format(a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

/*
 * Parse <s>, format it, parse <formatted> again: the same address must come
 * back, and the formatted form must be what we expect.
 */
void
assert_roundtrip(const char *p, int flags, const char *want_local,
    const char *want_domain, const char *want_formatted)
{
	struct smtp_addr a, b;
	char fmt[600], again[610];

	assert_int_equal(path(p, flags, &a), SMTP_PARSE_OK);
	assert_string_equal(a.local, want_local);
	assert_string_equal(a.domain, want_domain);
	assert_int_equal(smtp_addr_format(&a, fmt, sizeof(fmt)), 0);
	assert_string_equal(fmt, want_formatted);
	snprintf(again, sizeof(again), "<%s>", fmt);
	assert_int_equal(path(again, flags, &b), SMTP_PARSE_OK);
	assert_string_equal(b.local, a.local);
	assert_string_equal(b.domain, a.domain);
	assert_int_equal(b.is_null, a.is_null);
}

/* ---- command lines ---------------------------------------------------- */

