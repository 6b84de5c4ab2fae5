/*
 * smtp_parse.h: the SMTP command line and RFC 5321 address parsers.
 *
 * Both take (pointer, length) and never rely on a terminating NUL: they are
 * fed bytes straight from the network and are fuzzed.  They do not log.
 */
#ifndef BH_SMTP_PARSE_H
#define BH_SMTP_PARSE_H

#include <stddef.h>

#define SMTP_LINE_MAX		512	/* RFC 5321 4.5.3.1.4, with CRLF */
/*
 * MAIL and RCPT lines carry ESMTP parameters, and RFC 5321 4.5.3.1.4 lets
 * each extension lengthen them (RFC 3461 4: 500 octets more on RCPT for
 * NOTIFY and ORCPT, whose xtext may triple an address).  Postfix takes
 * any line up to line_length_limit (2048); so do we for these two.
 */
#define SMTP_PARAM_LINE_MAX	2048
#define SMTP_VALUE_MAX		511	/* one parameter value */
#define SMTP_LONG_VALUE_MAX	1023	/* with SMTP_PARAM_LONG (ORCPT) */
#define SMTP_LOCAL_MAX		64	/* 4.5.3.1.1 */
#define SMTP_DOMAIN_MAX		255	/* 4.5.3.1.2 */
#define SMTP_PATH_MAX		256	/* 4.5.3.1.3, with the brackets */
#define SMTP_PARAM_MAX		16	/* ESMTP parameters on one command */

enum smtp_verb {
	SMTP_UNKNOWN = 0,
	SMTP_HELO, SMTP_EHLO, SMTP_MAIL, SMTP_RCPT, SMTP_DATA, SMTP_RSET,
	SMTP_NOOP, SMTP_QUIT, SMTP_VRFY, SMTP_EXPN, SMTP_HELP, SMTP_STARTTLS,
	SMTP_BDAT, SMTP_AUTH
};

struct smtp_cmd {
	enum smtp_verb	 verb;
	const char	*arg;		/* points into the line; NOT terminated */
	size_t		 arglen;	/* argument with surrounding blanks cut */
};

/*
 * Split a command line (without its CRLF).  The verb is matched without
 * regard to case.  Returns 0; verb is SMTP_UNKNOWN for anything else.
 * MAIL and RCPT keep "FROM:..."/"TO:..." in arg; see smtp_parse_mailrcpt().
 */
int	smtp_cmd_parse(const char *line, size_t len, struct smtp_cmd *out);

/* A mailbox: local@domain.  The null path has both empty. */
struct smtp_addr {
	char	local[SMTP_LOCAL_MAX + 1];	/* quoting removed */
	char	domain[SMTP_DOMAIN_MAX + 1];	/* as written; literal keeps [] */
	int	is_null;			/* <> */
	int	is_utf8;			/* has octets >= 0x80 */
};

struct smtp_param {
	char	keyword[32];		/* upper-cased */
	char	value[SMTP_LONG_VALUE_MAX + 1];	/* "" when no '=' */
	int	has_value;
};

struct smtp_mailrcpt {
	struct smtp_addr	addr;
	struct smtp_param	params[SMTP_PARAM_MAX];
	size_t			nparams;
};

/* Error codes; smtpd maps each to its reply. */
enum smtp_parse_err {
	SMTP_PARSE_OK = 0,
	SMTP_PARSE_SYNTAX,		/* 501 5.5.4 / 5.1.3 */
	SMTP_PARSE_TOO_LONG,		/* local part, domain or path over limit */
	SMTP_PARSE_UTF8,		/* 8-bit address without SMTPUTF8 allowed */
	SMTP_PARSE_NULL_NOT_ALLOWED,	/* <> where a mailbox is required */
	SMTP_PARSE_PARAM		/* malformed ESMTP parameter list */
};

#define SMTP_ADDR_ALLOW_NULL	0x01	/* MAIL FROM:<> */
#define SMTP_ADDR_ALLOW_UTF8	0x02	/* SMTPUTF8 given on MAIL */
#define SMTP_ADDR_POSTMASTER	0x04	/* RCPT TO:<Postmaster> without domain */
#define SMTP_PARAM_LONG		0x08	/* values up to SMTP_LONG_VALUE_MAX */

/*
 * Parse the argument of MAIL ("FROM:<path> params") or RCPT
 * ("TO:<path> params").  prefix is "FROM:" or "TO:" (case-insensitive,
 * blanks between the colon and the "<" are tolerated, as Postfix does).
 * Source routes (<@a,@b:u@d>) are accepted and dropped.
 */
enum smtp_parse_err smtp_parse_mailrcpt(const char *arg, size_t len,
	    const char *prefix, int flags, struct smtp_mailrcpt *out);

/* Parse a bare path "<...>" (no prefix, no params). */
enum smtp_parse_err smtp_parse_path(const char *s, size_t len, int flags,
	    struct smtp_addr *out, size_t *consumed);

/* Format an address as local@domain (quoting the local part if needed). */
int	smtp_addr_format(const struct smtp_addr *, char *buf, size_t bufsz);

/* Is this a syntactically valid HELO/EHLO argument (domain or literal)? */
int	smtp_valid_helo(const char *s, size_t len);

#endif
