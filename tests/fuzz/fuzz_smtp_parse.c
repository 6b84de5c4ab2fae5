/*
 * fuzz_smtp_parse.c: libFuzzer entry point for the SMTP command and address
 * parsers.
 *
 * The input is taken as a whole command line, as a bare MAIL/RCPT argument,
 * as a bare path and as a HELO argument, under every combination of flags.
 * The sanitizers catch memory errors; this file catches wrong answers: after
 * every successful parse it checks what the parser promises (terminated
 * results within the limits, nothing the flags forbid, a formatted address
 * that parses back to itself) and aborts when a promise is broken.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd/smtp_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ALL_FLAGS	(SMTP_ADDR_ALLOW_NULL | SMTP_ADDR_ALLOW_UTF8 | \
			    SMTP_ADDR_POSTMASTER)

/* Room for a local part quoted with every octet escaped, '@' and domain. */
#define FORMAT_MAX	(2 + 2 * SMTP_LOCAL_MAX + 1 + SMTP_DOMAIN_MAX + 1)

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* Is there a NUL within the first max + 1 octets of the size at s? */
static int
terminated_within(const char *s, size_t size, size_t max)
{
	const char *nul = memchr(s, '\0', size);

	return nul != NULL && (size_t)(nul - s) <= max;
}

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 32 || *s == 127)
			return 1;
	return 0;
}

static int
has_8bit(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

static int
is_postmaster(const char *s)
{
	static const char pm[] = "postmaster";
	size_t i;

	for (i = 0; i < sizeof(pm); i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = c - 'A' + 'a';
		if (c != pm[i])
			return 0;
	}
	return 1;
}

/* An exact-size copy, so that ASan sees a read one past the end. */
static char *
exact_copy(const char *s, size_t n)
{
	char *p = malloc(n > 0 ? n : 1);

	CHECK(p != NULL);
	memcpy(p, s, n);
	return p;
}

/*
 * Format the address, parse "<formatted>" back with the same flags: the
 * same address must come out.  Also check the buffer bound is exact.
 */
static void
check_roundtrip(const struct smtp_addr *a, int flags)
{
	char fmt[FORMAT_MAX], small[FORMAT_MAX];
	struct smtp_addr b;
	size_t len, consumed;
	char *p;

	CHECK(smtp_addr_format(a, fmt, sizeof(fmt)) == 0);
	len = strlen(fmt);
	CHECK(smtp_addr_format(a, small, len + 1) == 0);
	CHECK(strcmp(small, fmt) == 0);
	CHECK(smtp_addr_format(a, small, len) == -1);

	p = malloc(len + 2);
	CHECK(p != NULL);
	p[0] = '<';
	memcpy(p + 1, fmt, len);
	p[len + 1] = '>';
	CHECK(smtp_parse_path(p, len + 2, flags, &b, &consumed) ==
	    SMTP_PARSE_OK);
	CHECK(consumed == len + 2);
	CHECK(strcmp(a->local, b.local) == 0);
	CHECK(strcmp(a->domain, b.domain) == 0);
	CHECK(a->is_null == b.is_null);
	CHECK(a->is_utf8 == b.is_utf8);
	free(p);
}

static void
check_addr(const struct smtp_addr *a, int flags)
{
	CHECK(terminated_within(a->local, sizeof(a->local), SMTP_LOCAL_MAX));
	CHECK(terminated_within(a->domain, sizeof(a->domain),
	    SMTP_DOMAIN_MAX));
	if (a->is_null) {
		CHECK(flags & SMTP_ADDR_ALLOW_NULL);
		CHECK(a->local[0] == '\0' && a->domain[0] == '\0');
		CHECK(!a->is_utf8);
	} else if (a->domain[0] == '\0')
		CHECK((flags & SMTP_ADDR_POSTMASTER) && is_postmaster(a->local));
	CHECK(!has_control(a->local) && !has_control(a->domain));
	CHECK(a->is_utf8 == (has_8bit(a->local) || has_8bit(a->domain)));
	if (a->is_utf8)
		CHECK(flags & SMTP_ADDR_ALLOW_UTF8);
	check_roundtrip(a, flags);
}

static void
check_params(const struct smtp_mailrcpt *m, int flags)
{
	const struct smtp_param *p;
	const char *c;
	size_t i;

	CHECK(m->nparams <= SMTP_PARAM_MAX);
	for (i = 0; i < m->nparams; i++) {
		p = &m->params[i];
		CHECK(terminated_within(p->keyword, sizeof(p->keyword),
		    sizeof(p->keyword) - 1));
		CHECK(terminated_within(p->value, sizeof(p->value),
		    sizeof(p->value) - 1));
		CHECK(p->keyword[0] != '\0' && p->keyword[0] != '-');
		for (c = p->keyword; *c != '\0'; c++)
			CHECK((*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || *c == '-');
		CHECK(p->has_value == (p->value[0] != '\0'));
		for (c = p->value; *c != '\0'; c++)
			CHECK(*c != ' ' && *c != '=' && *c != 127 &&
			    (unsigned char)*c > 32);
		if (has_8bit(p->value))
			CHECK(flags & SMTP_ADDR_ALLOW_UTF8);
	}
}

static void
fuzz_mailrcpt(const char *s, size_t size, const char *prefix, int flags)
{
	struct smtp_mailrcpt m;

	if (smtp_parse_mailrcpt(s, size, prefix, flags, &m) != SMTP_PARSE_OK)
		return;
	check_addr(&m.addr, flags);
	check_params(&m, flags);
}

static void
fuzz_path(const char *s, size_t size, int flags)
{
	struct smtp_addr a, b;
	size_t consumed, again;

	if (smtp_parse_path(s, size, flags, &a, &consumed) != SMTP_PARSE_OK) {
		CHECK(consumed == 0);
		return;
	}
	CHECK(consumed >= 2 && consumed <= size && consumed <= SMTP_PATH_MAX);
	CHECK(s[0] == '<' && s[consumed - 1] == '>');
	check_addr(&a, flags);
	/* The parser must not have looked past what it consumed. */
	CHECK(smtp_parse_path(s, consumed, flags, &b, &again) ==
	    SMTP_PARSE_OK);
	CHECK(again == consumed && memcmp(&a, &b, sizeof(a)) == 0);
}

/* A valid HELO name without a trailing dot is also a mailbox domain. */
static void
fuzz_helo(const char *s, size_t size)
{
	struct smtp_addr a;
	size_t consumed;
	char *p;

	if (!smtp_valid_helo(s, size))
		return;
	CHECK(size > 0 && size <= SMTP_DOMAIN_MAX);
	CHECK(memchr(s, '\0', size) == NULL);
	if (s[size - 1] == '.' || size + 4 > SMTP_PATH_MAX)
		return;
	p = malloc(size + 4);
	CHECK(p != NULL);
	memcpy(p, "<u@", 3);
	memcpy(p + 3, s, size);
	p[size + 3] = '>';
	CHECK(smtp_parse_path(p, size + 4, 0, &a, &consumed) ==
	    SMTP_PARSE_OK);
	CHECK(strlen(a.domain) == size && memcmp(a.domain, s, size) == 0);
	free(p);
}

static void
fuzz_cmd(const char *s, size_t size, struct smtp_cmd *cmd)
{
	CHECK(smtp_cmd_parse(s, size, cmd) == 0);
	CHECK(cmd->verb >= SMTP_UNKNOWN && cmd->verb <= SMTP_AUTH);
	CHECK(cmd->arg >= s && cmd->arglen <= size &&
	    cmd->arg + cmd->arglen <= s + size);
	if (cmd->verb == SMTP_UNKNOWN) {
		CHECK(cmd->arglen == 0);
		return;
	}
	if (cmd->arglen > 0) {
		CHECK(cmd->arg[0] != ' ' && cmd->arg[0] != '\t');
		CHECK(cmd->arg[cmd->arglen - 1] != ' ' &&
		    cmd->arg[cmd->arglen - 1] != '\t');
	}
}

/* Run the argument of a command through the parser the session would use. */
static void
fuzz_cmd_arg(const struct smtp_cmd *cmd)
{
	char *arg = exact_copy(cmd->arg, cmd->arglen);
	int flags;

	for (flags = 0; flags <= ALL_FLAGS; flags++) {
		if (cmd->verb == SMTP_MAIL)
			fuzz_mailrcpt(arg, cmd->arglen, "FROM:", flags);
		else if (cmd->verb == SMTP_RCPT)
			fuzz_mailrcpt(arg, cmd->arglen, "TO:", flags);
	}
	if (cmd->verb == SMTP_HELO || cmd->verb == SMTP_EHLO)
		fuzz_helo(arg, cmd->arglen);
	free(arg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct smtp_cmd cmd;
	int flags;

	fuzz_cmd(s, size, &cmd);
	fuzz_cmd_arg(&cmd);
	for (flags = 0; flags <= ALL_FLAGS; flags++) {
		fuzz_mailrcpt(s, size, "FROM:", flags);
		fuzz_mailrcpt(s, size, "TO:", flags);
		fuzz_path(s, size, flags);
	}
	fuzz_helo(s, size);
	return 0;
}
