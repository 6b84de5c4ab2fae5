/*
 * test_smtp_parse.c: unit tests for the SMTP command and address parsers.
 *
 * Every input is copied into a heap buffer of exactly its length before it
 * is parsed, so that under ASan a read one byte past the end is caught: the
 * parsers must never rely on a terminating NUL.
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

#define ALL_FLAGS	(SMTP_ADDR_ALLOW_NULL | SMTP_ADDR_ALLOW_UTF8 | \
			    SMTP_ADDR_POSTMASTER)

/* An exact-size, unterminated copy of the n bytes at s. */
static char *
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
static void
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
static enum smtp_verb
parse_cmd(const char *line, char *arg, size_t argsz)
{
	struct smtp_cmd cmd;

	parse_cmd_n(line, strlen(line), &cmd, arg, argsz);
	return cmd.verb;
}

static enum smtp_parse_err
mailrcpt_n(const char *arg, size_t len, const char *prefix, int flags,
    struct smtp_mailrcpt *out)
{
	enum smtp_parse_err err;
	char *copy = exact_copy(arg, len);

	err = smtp_parse_mailrcpt(copy, len, prefix, flags, out);
	free(copy);
	return err;
}

static enum smtp_parse_err
mail(const char *arg, int flags, struct smtp_mailrcpt *out)
{
	return mailrcpt_n(arg, strlen(arg), "FROM:", flags, out);
}

static enum smtp_parse_err
rcpt(const char *arg, int flags, struct smtp_mailrcpt *out)
{
	return mailrcpt_n(arg, strlen(arg), "TO:", flags, out);
}

static enum smtp_parse_err
path_n(const char *s, size_t len, int flags, struct smtp_addr *out,
    size_t *consumed)
{
	enum smtp_parse_err err;
	char *copy = exact_copy(s, len);

	err = smtp_parse_path(copy, len, flags, out, consumed);
	free(copy);
	return err;
}

static enum smtp_parse_err
path(const char *s, int flags, struct smtp_addr *out)
{
	size_t consumed;

	return path_n(s, strlen(s), flags, out, &consumed);
}

static int
helo(const char *s)
{
	char *copy = exact_copy(s, strlen(s));
	int ok;

	ok = smtp_valid_helo(copy, strlen(s));
	free(copy);
	return ok;
}

/* n copies of c, terminated, in a static buffer per call site's needs. */
static char *
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
static char *
domain_of(char *buf, size_t bufsz, size_t n)
{
	size_t i;

	assert_true(n < bufsz);
	for (i = 0; i < n; i++)
		buf[i] = (i % 50 == 49 && i != n - 1) ? '.' : 'd';
	buf[n] = '\0';
	return buf;
}

static void
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
static void
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

static void
test_verbs_all(void **state)
{
	static const struct {
		const char	*line;
		enum smtp_verb	 verb;
	} t[] = {
		{ "HELO x", SMTP_HELO },	{ "EHLO x", SMTP_EHLO },
		{ "MAIL FROM:<>", SMTP_MAIL },	{ "RCPT TO:<a@b>", SMTP_RCPT },
		{ "DATA", SMTP_DATA },		{ "RSET", SMTP_RSET },
		{ "NOOP", SMTP_NOOP },		{ "QUIT", SMTP_QUIT },
		{ "VRFY x", SMTP_VRFY },	{ "EXPN x", SMTP_EXPN },
		{ "HELP", SMTP_HELP },		{ "STARTTLS", SMTP_STARTTLS },
		{ "BDAT 10 LAST", SMTP_BDAT },	{ "AUTH PLAIN", SMTP_AUTH },
		{ "helo x", SMTP_HELO },	{ "eHlO x", SMTP_EHLO },
		{ "StartTls", SMTP_STARTTLS },	{ "quit", SMTP_QUIT },
	};
	char arg[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(parse_cmd(t[i].line, arg, sizeof(arg)),
		    t[i].verb);
}

static void
test_verb_arguments(void **state)
{
	char arg[64];

	assert_int_equal(parse_cmd("MAIL FROM:<a@b> SIZE=1", arg,
	    sizeof(arg)), SMTP_MAIL);
	assert_string_equal(arg, "FROM:<a@b> SIZE=1");

	/* Blanks around the argument are cut, both spaces and tabs. */
	assert_int_equal(parse_cmd("EHLO  \t mail.example.com \t ", arg,
	    sizeof(arg)), SMTP_EHLO);
	assert_string_equal(arg, "mail.example.com");

	/* Inner blanks are kept. */
	assert_int_equal(parse_cmd("NOOP hello  world", arg, sizeof(arg)),
	    SMTP_NOOP);
	assert_string_equal(arg, "hello  world");

	assert_int_equal(parse_cmd("DATA", arg, sizeof(arg)), SMTP_DATA);
	assert_string_equal(arg, "");
	assert_int_equal(parse_cmd("QUIT    ", arg, sizeof(arg)), SMTP_QUIT);
	assert_string_equal(arg, "");
	assert_int_equal(parse_cmd("RSET \t", arg, sizeof(arg)), SMTP_RSET);
	assert_string_equal(arg, "");
}

static void
test_verb_unknown(void **state)
{
	static const char *bad[] = {
		"",			/* empty line */
		"MAILX FROM:<a@b>",	/* a verb's prefix is not the verb */
		"STARTTLSX",
		"HEL x",
		"XYZZY",
		"HELO\tx",		/* verb must end at SP */
		"MAIL:FROM:<a@b>",
		" HELO x",		/* nothing before the verb */
		"123",
		"MAIL-FROM",
		"\xc3\xa9HLO x",
	};
	struct smtp_cmd cmd;
	char arg[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse_cmd_n(bad[i], strlen(bad[i]), &cmd, arg, sizeof(arg));
		assert_int_equal(cmd.verb, SMTP_UNKNOWN);
		assert_int_equal(cmd.arglen, 0);
	}

	/* A zero-length line may come with no buffer at all. */
	assert_int_equal(smtp_cmd_parse(NULL, 0, &cmd), 0);
	assert_int_equal(cmd.verb, SMTP_UNKNOWN);
}

static void
test_verb_nul_bytes(void **state)
{
	struct smtp_cmd cmd;
	char arg[64];

	/* NUL right after the verb: not SP, so not a command. */
	parse_cmd_n("HELO\0x", 6, &cmd, arg, sizeof(arg));
	assert_int_equal(cmd.verb, SMTP_UNKNOWN);
	parse_cmd_n("HE\0LO x", 7, &cmd, arg, sizeof(arg));
	assert_int_equal(cmd.verb, SMTP_UNKNOWN);
	parse_cmd_n("\0", 1, &cmd, arg, sizeof(arg));
	assert_int_equal(cmd.verb, SMTP_UNKNOWN);

	/* NUL inside the argument stays there for the caller to refuse. */
	parse_cmd_n("HELO a\0b ", 9, &cmd, arg, sizeof(arg));
	assert_int_equal(cmd.verb, SMTP_HELO);
	assert_int_equal(cmd.arglen, 3);
	/* cmd.arg pointed into the freed copy; arg holds the bytes. */
	assert_memory_equal(arg, "a\0b", 3);
	assert_false(smtp_valid_helo(arg, cmd.arglen));
}

/* ---- MAIL / RCPT --------------------------------------------------------- */

static void
test_mail_null_path(void **state)
{
	struct smtp_mailrcpt m;

	assert_int_equal(mail("FROM:<>", SMTP_ADDR_ALLOW_NULL, &m),
	    SMTP_PARSE_OK);
	assert_true(m.addr.is_null);
	assert_string_equal(m.addr.local, "");
	assert_string_equal(m.addr.domain, "");
	assert_int_equal(m.nparams, 0);
	assert_format(&m.addr, "");

	assert_int_equal(mail("FROM:<>", 0, &m),
	    SMTP_PARSE_NULL_NOT_ALLOWED);
	assert_int_equal(rcpt("TO:<>", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_NULL_NOT_ALLOWED);

	assert_int_equal(mail("FROM:<> SIZE=100 BODY=7BIT",
	    SMTP_ADDR_ALLOW_NULL, &m), SMTP_PARSE_OK);
	assert_true(m.addr.is_null);
	assert_int_equal(m.nparams, 2);

	/* A blank inside the brackets is no null path. */
	assert_int_equal(mail("FROM:< >", SMTP_ADDR_ALLOW_NULL, &m),
	    SMTP_PARSE_SYNTAX);
}

static void
test_mail_params(void **state)
{
	struct smtp_mailrcpt m;

	assert_int_equal(mail("FROM:<alice@example.com> SIZE=123 "
	    "BODY=8BITMIME smtputf8", 0, &m), SMTP_PARSE_OK);
	assert_false(m.addr.is_null);
	assert_string_equal(m.addr.local, "alice");
	assert_string_equal(m.addr.domain, "example.com");
	assert_int_equal(m.nparams, 3);
	assert_string_equal(m.params[0].keyword, "SIZE");
	assert_string_equal(m.params[0].value, "123");
	assert_true(m.params[0].has_value);
	assert_string_equal(m.params[1].keyword, "BODY");
	assert_string_equal(m.params[1].value, "8BITMIME");
	/* Keyword upper-cased, no value. */
	assert_string_equal(m.params[2].keyword, "SMTPUTF8");
	assert_false(m.params[2].has_value);
	assert_string_equal(m.params[2].value, "");

	/* Several spaces between parameters; value case kept. */
	assert_int_equal(mail("FROM:<a@b>   ret=HDRS    envid=Abc.1",
	    0, &m), SMTP_PARSE_OK);
	assert_int_equal(m.nparams, 2);
	assert_string_equal(m.params[0].keyword, "RET");
	assert_string_equal(m.params[0].value, "HDRS");
	assert_string_equal(m.params[1].keyword, "ENVID");
	assert_string_equal(m.params[1].value, "Abc.1");

	/* Trailing spaces after the path or the last parameter. */
	assert_int_equal(mail("FROM:<a@b>   ", 0, &m), SMTP_PARSE_OK);
	assert_int_equal(m.nparams, 0);
	assert_int_equal(mail("FROM:<a@b> SIZE=1  ", 0, &m), SMTP_PARSE_OK);
	assert_int_equal(m.nparams, 1);

	/* Duplicates are the session's to refuse, not ours. */
	assert_int_equal(mail("FROM:<a@b> SIZE=1 size=2", 0, &m),
	    SMTP_PARSE_OK);
	assert_int_equal(m.nparams, 2);
	assert_string_equal(m.params[1].keyword, "SIZE");
	assert_string_equal(m.params[1].value, "2");

	/* Keyword with digits and a hyphen. */
	assert_int_equal(mail("FROM:<a@b> X-FOO2=1 9X=y", 0, &m),
	    SMTP_PARSE_OK);
	assert_string_equal(m.params[0].keyword, "X-FOO2");
	assert_string_equal(m.params[1].keyword, "9X");
}

static void
test_rcpt_params(void **state)
{
	struct smtp_mailrcpt m;

	assert_int_equal(rcpt("TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE "
	    "ORCPT=rfc822;a+2Bb@x", 0, &m), SMTP_PARSE_OK);
	assert_string_equal(m.addr.local, "bob");
	assert_string_equal(m.addr.domain, "example.org");
	assert_int_equal(m.nparams, 2);
	assert_string_equal(m.params[0].keyword, "NOTIFY");
	assert_string_equal(m.params[0].value, "SUCCESS,FAILURE");
	assert_string_equal(m.params[1].keyword, "ORCPT");
	assert_string_equal(m.params[1].value, "rfc822;a+2Bb@x");
}

static void
test_param_syntax(void **state)
{
	static const char *bad[] = {
		"FROM:<a@b> =1",		/* no keyword */
		"FROM:<a@b> SIZE=",		/* empty value */
		"FROM:<a@b> SIZE==1",		/* '=' in value */
		"FROM:<a@b> SIZE=1=2",
		"FROM:<a@b> -X=1",		/* keyword starts with '-' */
		"FROM:<a@b> SI_ZE=1",
		"FROM:<a@b> SIZE:1",
		"FROM:<a@b> SIZE=\x01",		/* control in value */
		"FROM:<a@b> SIZE=1\t",		/* tab is not SP */
		"FROM:<a@b> SIZE=\x7f",
		"FROM:<a@b> ENVID=\xc3\xa9",	/* 8-bit, no SMTPUTF8 */
	};
	struct smtp_mailrcpt m;
	char line[1200];
	char kw[64], val[600];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mail(bad[i], SMTP_ADDR_ALLOW_NULL, &m),
		    SMTP_PARSE_PARAM);
		/* A failed parse leaves nothing behind. */
		assert_int_equal(m.nparams, 0);
		assert_string_equal(m.addr.local, "");
	}

	/* 8-bit in a value: only as well-formed UTF-8, only when allowed. */
	assert_int_equal(mail("FROM:<a@b> ENVID=\xc3\xa9t\xc3\xa9",
	    SMTP_ADDR_ALLOW_UTF8, &m), SMTP_PARSE_OK);
	assert_string_equal(m.params[0].value, "\xc3\xa9t\xc3\xa9");
	assert_int_equal(mail("FROM:<a@b> ENVID=\xc3(",
	    SMTP_ADDR_ALLOW_UTF8, &m), SMTP_PARSE_PARAM);
	assert_int_equal(mail("FROM:<a@b> ENVID=\xc0\xbc",
	    SMTP_ADDR_ALLOW_UTF8, &m), SMTP_PARSE_PARAM);

	/* Keyword: 31 octets fit, 32 do not. */
	snprintf(line, sizeof(line), "FROM:<a@b> %s=1",
	    repeat(kw, sizeof(kw), 'K', 31));
	assert_int_equal(mail(line, 0, &m), SMTP_PARSE_OK);
	assert_string_equal(m.params[0].keyword, kw);
	snprintf(line, sizeof(line), "FROM:<a@b> %s=1",
	    repeat(kw, sizeof(kw), 'K', 32));
	assert_int_equal(mail(line, 0, &m), SMTP_PARSE_PARAM);

	/* Value: 511 octets fit, 512 do not. */
	snprintf(line, sizeof(line), "FROM:<a@b> X=%s",
	    repeat(val, sizeof(val), 'v', 511));
	assert_int_equal(mail(line, 0, &m), SMTP_PARSE_OK);
	assert_string_equal(m.params[0].value, val);
	snprintf(line, sizeof(line), "FROM:<a@b> X=%s",
	    repeat(val, sizeof(val), 'v', 512));
	assert_int_equal(mail(line, 0, &m), SMTP_PARSE_PARAM);
}

/* RCPT's ORCPT (RFC 3461 4): with SMTP_PARAM_LONG, 1023 octets fit. */
static void
test_long_param_value(void **state)
{
	static char		line[1200], val[1100];
	struct smtp_mailrcpt	m;

	snprintf(line, sizeof(line), "TO:<a@b> ORCPT=%s",
	    repeat(val, sizeof(val), 'v', 1023));
	assert_int_equal(rcpt(line, SMTP_PARAM_LONG, &m), SMTP_PARSE_OK);
	assert_string_equal(m.params[0].value, val);
	assert_int_equal(rcpt(line, 0, &m), SMTP_PARSE_PARAM);
	snprintf(line, sizeof(line), "TO:<a@b> ORCPT=%s",
	    repeat(val, sizeof(val), 'v', 1024));
	assert_int_equal(rcpt(line, SMTP_PARAM_LONG, &m), SMTP_PARSE_PARAM);
	snprintf(line, sizeof(line), "TO:<a@b> ORCPT=%s",
	    repeat(val, sizeof(val), 'v', 511));
	assert_int_equal(rcpt(line, 0, &m), SMTP_PARSE_OK);
}

static void
test_too_many_params(void **state)
{
	struct smtp_mailrcpt m;
	char line[512];
	size_t i, off;

	off = strlcpy(line, "TO:<a@b>", sizeof(line));
	for (i = 0; i < SMTP_PARAM_MAX; i++)
		off += snprintf(line + off, sizeof(line) - off, " P%zu=%zu",
		    i, i);
	assert_int_equal(rcpt(line, 0, &m), SMTP_PARSE_OK);
	assert_int_equal(m.nparams, SMTP_PARAM_MAX);
	assert_string_equal(m.params[SMTP_PARAM_MAX - 1].keyword, "P15");
	assert_string_equal(m.params[SMTP_PARAM_MAX - 1].value, "15");

	snprintf(line + off, sizeof(line) - off, " ONEMORE");
	assert_int_equal(rcpt(line, 0, &m), SMTP_PARSE_PARAM);
	assert_int_equal(m.nparams, 0);
}

static void
test_prefix(void **state)
{
	struct smtp_mailrcpt m;

	assert_int_equal(mail("from:<a@b>", 0, &m), SMTP_PARSE_OK);
	assert_int_equal(rcpt("tO:<a@b>", 0, &m), SMTP_PARSE_OK);
	/* Postfix-compatible blanks between the colon and '<'. */
	assert_int_equal(mail("FROM: <a@b>", 0, &m), SMTP_PARSE_OK);
	assert_string_equal(m.addr.local, "a");
	assert_int_equal(mail("FROM:   <a@b> SIZE=1", 0, &m), SMTP_PARSE_OK);
	assert_int_equal(m.nparams, 1);

	assert_int_equal(mail("FROM :<a@b>", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("TO:<a@b>", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(rcpt("FROM:<a@b>", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM:", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM: ", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FRO", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mailrcpt_n("FR\0M:<a@b>", 10, "FROM:", 0, &m),
	    SMTP_PARSE_SYNTAX);
}

static void
test_brackets(void **state)
{
	struct smtp_mailrcpt m;

	/* The RFC requires the brackets; Postfix's strict mode too. */
	assert_int_equal(mail("FROM:a@b", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM: a@b", 0, &m), SMTP_PARSE_SYNTAX);
	/* Missing '>'. */
	assert_int_equal(mail("FROM:<a@b", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM:<a@b SIZE=1", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM:<", 0, &m), SMTP_PARSE_SYNTAX);
	/* Garbage glued to the '>'. */
	assert_int_equal(mail("FROM:<a@b>x", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM:<a@b>SIZE=1", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM:<a@b>>", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM:<>x", SMTP_ADDR_ALLOW_NULL, &m),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM:<a@b>\tSIZE=1", 0, &m),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM:<<a@b>>", 0, &m), SMTP_PARSE_SYNTAX);
	/* No '@', or nothing on one side of it. */
	assert_int_equal(mail("FROM:<ab>", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM:<@b>", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM:<a@>", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(mail("FROM:<a@b@c>", 0, &m), SMTP_PARSE_SYNTAX);
}

/* ---- local parts --------------------------------------------------------- */

static void
test_dot_string(void **state)
{
	struct smtp_addr a;

	assert_roundtrip("<first.last+tag@example.com>", 0,
	    "first.last+tag", "example.com", "first.last+tag@example.com");
	assert_roundtrip("<!#$%&'*+-/=?^_`{|}~@x>", 0,
	    "!#$%&'*+-/=?^_`{|}~", "x", "!#$%&'*+-/=?^_`{|}~@x");

	assert_int_equal(path("<.a@b>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a.@b>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a..b@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a b@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a(b)@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a,b@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a\"b\"@c>", 0, &a), SMTP_PARSE_SYNTAX);
}

static void
test_quoted_local(void **state)
{
	struct smtp_addr a;

	/* Escapes removed when stored, put back when formatted. */
	assert_roundtrip("<\"john \\\"q\\\" doe\"@example.com>", 0,
	    "john \"q\" doe", "example.com", "\"john \\\"q\\\" doe\"@example.com");
	assert_roundtrip("<\"a\\\\b\"@x>", 0, "a\\b", "x", "\"a\\\\b\"@x");
	assert_roundtrip("<\"a@b\"@x>", 0, "a@b", "x", "\"a@b\"@x");
	assert_roundtrip("<\".a\"@x>", 0, ".a", "x", "\".a\"@x");
	assert_roundtrip("<\"a..b\"@x>", 0, "a..b", "x", "\"a..b\"@x");
	/* Quoting that was not needed goes away. */
	assert_roundtrip("<\"abc\"@x>", 0, "abc", "x", "abc@x");
	assert_roundtrip("<\"a.b\"@x>", 0, "a.b", "x", "a.b@x");
	/* A needless escape of an ordinary character. */
	assert_roundtrip("<\"\\a\\ b\"@x>", 0, "a b", "x", "\"a b\"@x");
	/* The empty quoted string is grammatical. */
	assert_roundtrip("<\"\"@x>", 0, "", "x", "\"\"@x");

	assert_int_equal(path("<\"abc@x>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"abc\\\"@x>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"abc", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"abc\\", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"a\"b@x>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"a\".b@x>", 0, &a), SMTP_PARSE_SYNTAX);
	/* No control characters, not even escaped or in quotes. */
	assert_int_equal(path("<\"a\tb\"@x>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"a\\\tb\"@x>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"a\\\x7f\"@x>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path_n("<\"a\\\0\"@x>", 9, 0, &a, &(size_t){ 0 }),
	    SMTP_PARSE_SYNTAX);
}

/* ---- domains and literals ------------------------------------------------ */

static void
test_domains(void **state)
{
	struct smtp_addr a;

	assert_roundtrip("<u@Mail-1.Example.COM>", 0, "u", "Mail-1.Example.COM",
	    "u@Mail-1.Example.COM");
	assert_roundtrip("<u@123.example>", 0, "u", "123.example",
	    "u@123.example");
	assert_roundtrip("<u@xn--bcher-kva.example>", 0, "u",
	    "xn--bcher-kva.example", "u@xn--bcher-kva.example");

	assert_int_equal(path("<u@-a.example>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<u@a-.example>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<u@a..example>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<u@.example>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<u@example.>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<u@a_b.example>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<u@a b>", 0, &a), SMTP_PARSE_SYNTAX);
}

static void
test_address_literals(void **state)
{
	static const char *bad[] = {
		"<u@[300.1.1.1]>", "<u@[1.2.3]>", "<u@[1.2.3.4.5]>",
		"<u@[1234.1.1.1]>", "<u@[1.2.3.]>", "<u@[.1.2.3]>",
		"<u@[1.2.3.4 ]>", "<u@[]>", "<u@[abc]>",
		"<u@[IPv6:zz]>", "<u@[IPv6:]>", "<u@[IPv6:1::2::3]>",
		"<u@[IPv6:1:2:3:4:5:6:7:8:9]>", "<u@[IPv6:fe80::1%eth0]>",
		"<u@[IPv6:1.2.3.4]>",
		"<u@[:x]>", "<u@[-:x]>", "<u@[tag-:x]>", "<u@[tag:]>",
		"<u@[a_b:x]>",
		"<u@[a[b]>", "<u@[a\\b:c]>", "<u@[1.2.3.4>", "<u@[1.2.3.4",
		"<u@[1.2.3.4]x>", "<u@[1.2.3.4].x>", "<u@x[1.2.3.4]>",
	};
	struct smtp_addr a;
	size_t i;

	assert_roundtrip("<u@[192.0.2.1]>", 0, "u", "[192.0.2.1]",
	    "u@[192.0.2.1]");
	assert_roundtrip("<u@[0.0.0.0]>", 0, "u", "[0.0.0.0]", "u@[0.0.0.0]");
	assert_roundtrip("<u@[255.255.255.255]>", 0, "u",
	    "[255.255.255.255]", "u@[255.255.255.255]");
	assert_roundtrip("<u@[IPv6:2001:db8::1]>", 0, "u",
	    "[IPv6:2001:db8::1]", "u@[IPv6:2001:db8::1]");
	assert_roundtrip("<u@[ipv6:::1]>", 0, "u", "[ipv6:::1]",
	    "u@[ipv6:::1]");
	assert_roundtrip("<u@[IPv6:::ffff:192.0.2.1]>", 0, "u",
	    "[IPv6:::ffff:192.0.2.1]", "u@[IPv6:::ffff:192.0.2.1]");
	/* A general literal is accepted for its syntax alone. */
	assert_roundtrip("<u@[x-tag:some;thing:else]>", 0, "u",
	    "[x-tag:some;thing:else]", "u@[x-tag:some;thing:else]");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(path(bad[i], 0, &a), SMTP_PARSE_SYNTAX);
}

static void
test_source_route(void **state)
{
	struct smtp_addr a;

	/* Checked, then dropped (RFC 5321 appendix C). */
	assert_roundtrip("<@a.example,@b.example:u@c.example>", 0, "u",
	    "c.example", "u@c.example");
	assert_roundtrip("<@a.example:\"x y\"@c.example>", 0, "x y",
	    "c.example", "\"x y\"@c.example");

	assert_int_equal(path("<@a.example u@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@:u@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a,b:u@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a,:u@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a.example:>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a.example>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a-:u@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a:@b:u@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a,", 0, &a), SMTP_PARSE_SYNTAX);
}

/* ---- limits ----------------------------------------------------------- */

static void
test_limit_local(void **state)
{
	struct smtp_addr a;
	char local[100], p[200];

	snprintf(p, sizeof(p), "<%s@x>", repeat(local, sizeof(local), 'l', 64));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_OK);
	assert_string_equal(a.local, local);
	snprintf(p, sizeof(p), "<%s@x>", repeat(local, sizeof(local), 'l', 65));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);

	/* Quoted: the 64 counts the quotes, as they travel on the wire. */
	snprintf(p, sizeof(p), "<\"%s\"@x>",
	    repeat(local, sizeof(local), ' ', 62));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_OK);
	assert_string_equal(a.local, local);
	snprintf(p, sizeof(p), "<\"%s\"@x>",
	    repeat(local, sizeof(local), ' ', 63));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);

	/* ... and the backslashes: 31 escaped quotes are 64 on the wire. */
	repeat(local, sizeof(local), 'x', 62);
	for (size_t i = 0; i < 62; i += 2)
		memcpy(local + i, "\\\"", 2);
	snprintf(p, sizeof(p), "<\"%s\"@x>", local);
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_OK);
	assert_int_equal(strlen(a.local), 31);
	snprintf(p, sizeof(p), "<\"%sa\"@x>", local);
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);

	/* A UTF-8 sequence straddling the limit. */
	repeat(local, sizeof(local), 'l', 62);
	snprintf(p, sizeof(p), "<%s\xc3\xa9@x>", local);
	assert_int_equal(path(p, SMTP_ADDR_ALLOW_UTF8, &a), SMTP_PARSE_OK);
	snprintf(p, sizeof(p), "<%s\xe2\x82\xac@x>", local);
	assert_int_equal(path(p, SMTP_ADDR_ALLOW_UTF8, &a),
	    SMTP_PARSE_TOO_LONG);
}

static void
test_limit_domain(void **state)
{
	struct smtp_addr a;
	char dom[300], label[100], p[400];

	/* 255 octets is a domain; the 256-octet path limit is tested below. */
	assert_true(helo(domain_of(dom, sizeof(dom), 255)));
	assert_false(helo(domain_of(dom, sizeof(dom), 256)));
	snprintf(p, sizeof(p), "<u@%s>", domain_of(dom, sizeof(dom), 256));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);
	snprintf(p, sizeof(p), "<u@%s>", domain_of(dom, sizeof(dom), 255));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);	/* path 259 */

	/* A dot after 255 octets is one too many. */
	snprintf(p, sizeof(p), "<u@%s.x>", domain_of(dom, sizeof(dom), 255));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);

	/* An address literal is a domain too, brackets included. */
	memset(dom, 'a', 254);
	memcpy(dom, "[x:", 3);
	memcpy(dom + 254, "]", 2);
	assert_int_equal(strlen(dom), 255);
	assert_true(helo(dom));
	snprintf(p, sizeof(p), "<u@%.254sa]>", dom);	/* 256 */
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);
	snprintf(p, sizeof(p), "<u@%.254saa", dom);	/* no "]" in sight */
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);

	/* Labels: 63 octets fine, 64 not. */
	snprintf(p, sizeof(p), "<u@%s.example>",
	    repeat(label, sizeof(label), 'a', 63));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_OK);
	snprintf(p, sizeof(p), "<u@%s.example>",
	    repeat(label, sizeof(label), 'a', 64));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_SYNTAX);
	assert_true(helo(repeat(label, sizeof(label), 'a', 63)));
	assert_false(helo(repeat(label, sizeof(label), 'a', 64)));
}

static void
test_limit_path(void **state)
{
	struct smtp_mailrcpt m;
	struct smtp_addr a;
	char local[100], dom[300], p[420], line[450];

	/* 1 + 64 + 1 + 189 + 1 = 256 */
	snprintf(p, sizeof(p), "<%s@%s>", repeat(local, sizeof(local), 'l', 64),
	    domain_of(dom, sizeof(dom), 189));
	assert_int_equal(strlen(p), 256);
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_OK);
	assert_string_equal(a.domain, dom);
	snprintf(line, sizeof(line), "TO:%s NOTIFY=NEVER", p);
	assert_int_equal(rcpt(line, 0, &m), SMTP_PARSE_OK);

	snprintf(p, sizeof(p), "<%s@%s>", local,
	    domain_of(dom, sizeof(dom), 190));
	assert_int_equal(strlen(p), 257);
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);
	assert_string_equal(a.local, "");
	snprintf(line, sizeof(line), "TO:%s", p);
	assert_int_equal(rcpt(line, 0, &m), SMTP_PARSE_TOO_LONG);

	/* The source route counts too, although it is dropped. */
	snprintf(p, sizeof(p), "<@r.example:%s@%s>", local,
	    domain_of(dom, sizeof(dom), 179));
	assert_int_equal(strlen(p), 257);
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);
}

/* ---- UTF-8 and control characters -------------------------------------- */

static void
test_utf8(void **state)
{
	static const char *malformed[] = {
		"<\xc3(@x>",			/* bad continuation */
		"<\xc0\xaf@x>",			/* overlong '/' */
		"<\xc1\xbf@x>",
		"<\xe0\x80\xaf@x>",		/* overlong, 3 octets */
		"<\xf0\x80\x80\xaf@x>",		/* overlong, 4 octets */
		"<\xed\xa0\x80@x>",		/* surrogate U+D800 */
		"<\xf4\x90\x80\x80@x>",		/* above U+10FFFF */
		"<\xf5\x80\x80\x80@x>",
		"<\xff@x>",
		"<\x80@x>",			/* lone continuation */
		"<u@\xe2\x82>",			/* truncated before '>' */
		"<\"\xe2\x82\"@x>",
	};
	struct smtp_mailrcpt m;
	struct smtp_addr a;
	size_t i;

	assert_int_equal(path("<\xc3\xbcser@ex\xc3\xa4mple.de>", 0, &a),
	    SMTP_PARSE_UTF8);
	assert_int_equal(path("<user@ex\xc3\xa4mple.de>", 0, &a),
	    SMTP_PARSE_UTF8);
	assert_int_equal(path("<\"\xc3\xbc\"@x>", 0, &a), SMTP_PARSE_UTF8);
	assert_int_equal(path("<@r\xc3\xa4:u@x>", 0, &a), SMTP_PARSE_UTF8);

	assert_roundtrip("<\xc3\xbcser@ex\xc3\xa4mple.de>",
	    SMTP_ADDR_ALLOW_UTF8, "\xc3\xbcser", "ex\xc3\xa4mple.de",
	    "\xc3\xbcser@ex\xc3\xa4mple.de");
	assert_int_equal(path("<\xc3\xbcser@ex\xc3\xa4mple.de>",
	    SMTP_ADDR_ALLOW_UTF8, &a), SMTP_PARSE_OK);
	assert_true(a.is_utf8);
	assert_int_equal(path("<user@ex\xc3\xa4mple.de>",
	    SMTP_ADDR_ALLOW_UTF8, &a), SMTP_PARSE_OK);
	assert_true(a.is_utf8);
	assert_int_equal(path("<user@example.de>", SMTP_ADDR_ALLOW_UTF8, &a),
	    SMTP_PARSE_OK);
	assert_false(a.is_utf8);
	/* Four-octet sequence, and UTF-8 inside quotes. */
	assert_roundtrip("<\xf0\x9f\x93\xa7@x>", SMTP_ADDR_ALLOW_UTF8,
	    "\xf0\x9f\x93\xa7", "x", "\xf0\x9f\x93\xa7@x");
	assert_roundtrip("<\"\xc3\xa9 t\xc3\xa9\"@x>", SMTP_ADDR_ALLOW_UTF8,
	    "\xc3\xa9 t\xc3\xa9", "x", "\"\xc3\xa9 t\xc3\xa9\"@x");

	assert_int_equal(mail("FROM:<\xc3\xbc@x> SMTPUTF8",
	    SMTP_ADDR_ALLOW_UTF8, &m), SMTP_PARSE_OK);
	assert_true(m.addr.is_utf8);
	assert_string_equal(m.params[0].keyword, "SMTPUTF8");

	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		assert_int_equal(path(malformed[i], SMTP_ADDR_ALLOW_UTF8, &a),
		    SMTP_PARSE_SYNTAX);
	/* A literal is ASCII even under SMTPUTF8. */
	assert_int_equal(path("<u@[\xc3\xa4:x]>", SMTP_ADDR_ALLOW_UTF8, &a),
	    SMTP_PARSE_SYNTAX);
	/* A sequence cut off by the end of the input is malformed too. */
	assert_int_equal(path_n("<u@x\xe2\x82", 6, SMTP_ADDR_ALLOW_UTF8, &a,
	    &(size_t){ 0 }), SMTP_PARSE_SYNTAX);
}

static void
test_control_chars(void **state)
{
	struct smtp_addr a;
	size_t c;
	char p[32];

	for (c = 1; c < 32; c++) {
		snprintf(p, sizeof(p), "<a%cb@x>", (int)c);
		assert_int_equal(path(p, ALL_FLAGS, &a), SMTP_PARSE_SYNTAX);
		snprintf(p, sizeof(p), "<ab@x%cy>", (int)c);
		assert_int_equal(path(p, ALL_FLAGS, &a), SMTP_PARSE_SYNTAX);
		snprintf(p, sizeof(p), "<\"a%cb\"@x>", (int)c);
		assert_int_equal(path(p, ALL_FLAGS, &a), SMTP_PARSE_SYNTAX);
	}
	assert_int_equal(path("<a\x7f@x>", ALL_FLAGS, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a@x\x7f>", ALL_FLAGS, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a@[1.2.3.4\x7f]>", ALL_FLAGS, &a),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(path_n("<a\0b@x>", 7, ALL_FLAGS, &a, &(size_t){ 0 }),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(path_n("<ab@x\0>", 7, ALL_FLAGS, &a, &(size_t){ 0 }),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(path_n("<\"a\0\"@x>", 8, ALL_FLAGS, &a,
	    &(size_t){ 0 }), SMTP_PARSE_SYNTAX);
}

/* ---- Postmaster, bare paths, formatting, HELO --------------------------- */

static void
test_postmaster(void **state)
{
	struct smtp_mailrcpt m;

	assert_int_equal(rcpt("TO:<Postmaster>", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_OK);
	assert_string_equal(m.addr.local, "Postmaster");
	assert_string_equal(m.addr.domain, "");
	assert_false(m.addr.is_null);
	assert_format(&m.addr, "Postmaster");

	/* Kept as written. */
	assert_int_equal(rcpt("TO:<POSTMASTER> NOTIFY=NEVER",
	    SMTP_ADDR_POSTMASTER, &m), SMTP_PARSE_OK);
	assert_string_equal(m.addr.local, "POSTMASTER");
	assert_int_equal(m.nparams, 1);
	assert_roundtrip("<postMaster>", SMTP_ADDR_POSTMASTER, "postMaster", "",
	    "postMaster");

	assert_int_equal(rcpt("TO:<Postmaster>", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(rcpt("TO:<Postmasterx>", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(rcpt("TO:<Postmaste>", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(rcpt("TO:<\"Postmaster\">", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(rcpt("TO:<@r:Postmaster>", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(rcpt("TO:<Postmaster", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_SYNTAX);

	/* With a domain it is an ordinary mailbox. */
	assert_int_equal(rcpt("TO:<postmaster@example.com>",
	    SMTP_ADDR_POSTMASTER, &m), SMTP_PARSE_OK);
	assert_string_equal(m.addr.domain, "example.com");
}

static void
test_parse_path_consumed(void **state)
{
	struct smtp_addr a;
	size_t n;

	assert_int_equal(path_n("<a@b> SIZE=1", 12, 0, &a, &n), SMTP_PARSE_OK);
	assert_int_equal(n, 5);
	assert_int_equal(path_n("<a@b>junk", 9, 0, &a, &n), SMTP_PARSE_OK);
	assert_int_equal(n, 5);
	assert_int_equal(path_n("<>", 2, SMTP_ADDR_ALLOW_NULL, &a, &n),
	    SMTP_PARSE_OK);
	assert_int_equal(n, 2);
	assert_true(a.is_null);
	assert_int_equal(path_n("<Postmaster>>", 13, SMTP_ADDR_POSTMASTER, &a,
	    &n), SMTP_PARSE_OK);
	assert_int_equal(n, 12);

	n = 99;
	assert_int_equal(path_n("<a@b", 4, 0, &a, &n), SMTP_PARSE_SYNTAX);
	assert_int_equal(n, 0);
	assert_int_equal(path_n("", 0, 0, &a, &n), SMTP_PARSE_SYNTAX);
	assert_int_equal(path_n("<", 1, ALL_FLAGS, &a, &n), SMTP_PARSE_SYNTAX);
	assert_int_equal(path_n("a@b", 3, 0, &a, &n), SMTP_PARSE_SYNTAX);
}

static void
test_format(void **state)
{
	struct smtp_addr a;
	char buf[64];

	assert_int_equal(path("<a@b.c>", 0, &a), SMTP_PARSE_OK);
	/* Exactly enough room: 5 octets and the NUL. */
	assert_int_equal(smtp_addr_format(&a, buf, 6), 0);
	assert_string_equal(buf, "a@b.c");
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(smtp_addr_format(&a, buf, 5), -1);
	assert_string_equal(buf, "");		/* never a truncated address */
	assert_int_equal(smtp_addr_format(&a, buf, 0), -1);

	/* The quotes and escapes need room as well. */
	assert_int_equal(path("<\"a\\\"b\"@c>", 0, &a), SMTP_PARSE_OK);
	assert_int_equal(smtp_addr_format(&a, buf, 9), 0);
	assert_string_equal(buf, "\"a\\\"b\"@c");
	assert_int_equal(smtp_addr_format(&a, buf, 8), -1);

	memset(&a, 0, sizeof(a));
	a.is_null = 1;
	assert_int_equal(smtp_addr_format(&a, buf, 1), 0);
	assert_string_equal(buf, "");
}

static void
test_helo(void **state)
{
	static const char *good[] = {
		"mail.example.com", "mail.example.com.", "localhost", "a",
		"1.2.3.4", "xn--bcher-kva.example", "A-1.b-2",
		"[192.0.2.1]", "[IPv6:2001:db8::1]", "[x-tag:abc]",
	};
	static const char *bad[] = {
		"", ".", "-a.com", "a-.com", "a..b", "a.com..", ".a.com",
		"a b", "a_b", "a@b", "[300.1.1.1]", "[IPv6:zz]", "[1.2.3.4",
		"[1.2.3.4].", "[1.2.3.4]x", "ex\xc3\xa4mple.de", "a\tb",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(helo(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(helo(bad[i]));
	assert_false(smtp_valid_helo("a\0b", 3));
	assert_false(smtp_valid_helo(NULL, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs_all),
		cmocka_unit_test(test_verb_arguments),
		cmocka_unit_test(test_verb_unknown),
		cmocka_unit_test(test_verb_nul_bytes),
		cmocka_unit_test(test_mail_null_path),
		cmocka_unit_test(test_mail_params),
		cmocka_unit_test(test_rcpt_params),
		cmocka_unit_test(test_param_syntax),
		cmocka_unit_test(test_long_param_value),
		cmocka_unit_test(test_too_many_params),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_brackets),
		cmocka_unit_test(test_dot_string),
		cmocka_unit_test(test_quoted_local),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_address_literals),
		cmocka_unit_test(test_source_route),
		cmocka_unit_test(test_limit_local),
		cmocka_unit_test(test_limit_domain),
		cmocka_unit_test(test_limit_path),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_postmaster),
		cmocka_unit_test(test_parse_path_consumed),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_helo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
