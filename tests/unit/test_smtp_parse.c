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

#include "tests/unit/smtp_parse_fixture.h"

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
