/*
 * smtp_parse.c: the SMTP command line and RFC 5321 address parsers.
 *
 * Every function here reads bytes that came straight from the network as
 * (pointer, length): none relies on a terminating NUL, none reads past the
 * length it was given, none keeps state between calls.  The grammar is RFC
 * 5321 section 4.1.2, widened by RFC 6531 (SMTPUTF8) only when the caller
 * says UTF-8 is allowed.  Where the RFC leaves room we do what Postfix does.
 *
 * Character classes are spelt out for ASCII: <ctype.h> would ask the locale,
 * and an address must mean the same thing whatever the locale says.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/rfc5321.h"
#include "lib/utf8.h"
#include "smtpd/smtp_parse.h"

#define LABEL_MAX	63	/* RFC 1035 2.3.4 */

static const struct {
	const char	*name;
	enum smtp_verb	 verb;
} smtp_verbs[] = {
	{ "HELO", SMTP_HELO },		{ "EHLO", SMTP_EHLO },
	{ "MAIL", SMTP_MAIL },		{ "RCPT", SMTP_RCPT },
	{ "DATA", SMTP_DATA },		{ "RSET", SMTP_RSET },
	{ "NOOP", SMTP_NOOP },		{ "QUIT", SMTP_QUIT },
	{ "VRFY", SMTP_VRFY },		{ "EXPN", SMTP_EXPN },
	{ "HELP", SMTP_HELP },		{ "STARTTLS", SMTP_STARTTLS },
	{ "BDAT", SMTP_BDAT },		{ "AUTH", SMTP_AUTH },
};

static int
is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_letdig(unsigned char c)
{
	return rfc5321_is_letdig(c);
}

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* atext, RFC 5322 3.2.3, as RFC 5321 uses it for Atom (ASCII only). */
static int
is_atext(unsigned char c)
{
	return rfc5321_is_atext(c, 0);
}

/* dcontent: printable US-ASCII except "[", "\" and "]". */
static int
is_dcontent(unsigned char c)
{
	return (c >= 33 && c <= 90) || (c >= 94 && c <= 126);
}

static unsigned char
to_upper(unsigned char c)
{
	return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

/* Are the n octets at s equal to word, ignoring ASCII case? */
static int
ascii_caseeq(const char *s, const char *word, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (to_upper(s[i]) != to_upper(word[i]))
			return 0;
	return 1;
}

/*
 * The octet at s is >= 0x80: accept it as the start of a UTF-8 sequence if
 * the caller allows UTF-8.  Returns the sequence length, or 0 with *err set.
 */
static size_t
accept_8bit(const char *s, size_t len, int flags, enum smtp_parse_err *err)
{
	size_t n;

	if (!(flags & SMTP_ADDR_ALLOW_UTF8)) {
		*err = SMTP_PARSE_UTF8;
		return 0;
	}
	if ((n = utf8_seqlen((const unsigned char *)s, len)) == 0)
		*err = SMTP_PARSE_SYNTAX;
	return n;
}

/* The known verb spelt by the n letters at s, or SMTP_UNKNOWN. */
static enum smtp_verb
lookup_verb(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(smtp_verbs) / sizeof(smtp_verbs[0]); i++)
		if (strlen(smtp_verbs[i].name) == n &&
		    ascii_caseeq(s, smtp_verbs[i].name, n))
			return smtp_verbs[i].verb;
	return SMTP_UNKNOWN;
}

int
smtp_cmd_parse(const char *line, size_t len, struct smtp_cmd *out)
{
	size_t verblen = 0, start, end;

	out->verb = SMTP_UNKNOWN;
	out->arg = line;
	out->arglen = 0;

	while (verblen < len && is_alpha(line[verblen]))
		verblen++;
	/* "MAILX" or "MAIL\tFROM" is not MAIL: the verb ends at SP or EOL. */
	if (verblen == 0 || (verblen < len && line[verblen] != ' '))
		return 0;
	if ((out->verb = lookup_verb(line, verblen)) == SMTP_UNKNOWN)
		return 0;

	start = verblen;
	while (start < len && is_blank(line[start]))
		start++;
	end = len;
	while (end > start && is_blank(line[end - 1]))
		end--;
	out->arg = line + start;
	out->arglen = end - start;
	return 0;
}

/*
 * Dot-string = Atom *("." Atom).  Stops at the first octet that cannot
 * continue it; the caller decides whether that octet ('@') belongs there.
 * The limit is on the octets as written (RFC 5321 4.5.3.1.1).
 */
static enum smtp_parse_err
parse_dot_string(const char *s, size_t len, int flags, struct smtp_addr *out,
    size_t *used)
{
	enum smtp_parse_err err;
	size_t i = 0, atom = 0, n;
	unsigned char c;

	while (i < len) {
		c = s[i];
		if (is_atext(c))
			n = 1;
		else if (c >= 0x80) {
			if ((n = accept_8bit(s + i, len - i, flags, &err)) == 0)
				return err;
			out->is_utf8 = 1;
		} else if (c == '.' && atom > 0)
			n = 1;
		else
			break;	/* also a leading or doubled dot */
		if (i + n > SMTP_LOCAL_MAX)
			return SMTP_PARSE_TOO_LONG;
		atom = (c == '.') ? 0 : atom + n;
		i += n;
	}
	if (atom == 0)		/* empty, or ends in a dot */
		return SMTP_PARSE_SYNTAX;
	memcpy(out->local, s, i);
	out->local[i] = '\0';
	*used = i;
	return SMTP_PARSE_OK;
}

/*
 * Quoted-string = DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE.  The local
 * part is stored without the quotes and backslashes; the limit counts them,
 * since RFC 5321 limits what travels on the wire.  quoted-pairSMTP allows
 * only %d32-126 after the backslash, so no control character gets in.
 */
static enum smtp_parse_err
parse_quoted_string(const char *s, size_t len, int flags,
    struct smtp_addr *out, size_t *used)
{
	enum smtp_parse_err err;
	size_t i = 1, o = 0, n;
	unsigned char c;

	for (;;) {
		if (i == len)
			return SMTP_PARSE_SYNTAX;	/* no closing quote */
		c = s[i];
		if (c == '"')
			break;
		if (c == '\\') {
			if (i + 1 == len || (unsigned char)s[i + 1] < 32 ||
			    (unsigned char)s[i + 1] > 126)
				return SMTP_PARSE_SYNTAX;
			n = 2;
		} else if (c >= 0x80) {
			if ((n = accept_8bit(s + i, len - i, flags, &err)) == 0)
				return err;
			out->is_utf8 = 1;
		} else if (c >= 32 && c != 127)
			n = 1;
		else
			return SMTP_PARSE_SYNTAX;
		/* Leave room for the closing quote within the limit. */
		if (i + n + 1 > SMTP_LOCAL_MAX)
			return SMTP_PARSE_TOO_LONG;
		if (c == '\\')
			out->local[o++] = s[i + 1];
		else {
			memcpy(out->local + o, s + i, n);
			o += n;
		}
		i += n;
	}
	out->local[o] = '\0';
	*used = i + 1;
	return SMTP_PARSE_OK;
}

static enum smtp_parse_err
parse_local_part(const char *s, size_t len, int flags, struct smtp_addr *out,
    size_t *used)
{
	if (len > 0 && s[0] == '"')
		return parse_quoted_string(s, len, flags, out, used);
	return parse_dot_string(s, len, flags, out, used);
}

/*
 * Domain = sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str],
 * or a U-label when UTF-8 is allowed (RFC 6531 3.3).  A label holds at most
 * 63 octets.  With trailing_dot, one final dot is tolerated: HELO arguments
 * are often written as absolute names.  Stops at the first octet that
 * cannot continue the domain.
 */
static enum smtp_parse_err
parse_domain(const char *s, size_t len, int flags, int trailing_dot,
    size_t *used, int *utf8)
{
	enum smtp_parse_err err;
	size_t i = 0, start, n;
	unsigned char c, last;

	for (;;) {
		start = i;
		last = '-';
		while (i < len) {
			c = s[i];
			if (is_letdig(c) || (c == '-' && i > start))
				n = 1;
			else if (c >= 0x80) {
				n = accept_8bit(s + i, len - i, flags, &err);
				if (n == 0)
					return err;
				*utf8 = 1;
			} else
				break;
			if (i + n - start > LABEL_MAX)
				return SMTP_PARSE_SYNTAX;
			if (i + n > SMTP_DOMAIN_MAX)
				return SMTP_PARSE_TOO_LONG;
			last = c;
			i += n;
		}
		/* Empty label (leading or doubled dot) or one ending in '-'. */
		if (last == '-')
			return SMTP_PARSE_SYNTAX;
		if (i == len || s[i] != '.')
			break;
		if (++i > SMTP_DOMAIN_MAX)
			return SMTP_PARSE_TOO_LONG;
		if (trailing_dot && i == len)
			break;
	}
	*used = i;
	return SMTP_PARSE_OK;
}

/* IPv4-address-literal: four Snum (1*3DIGIT, 0-255) separated by dots. */
static int
valid_ipv4(const char *s, size_t len)
{
	size_t i = 0, digits;
	unsigned int part, val;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i == len || s[i] != '.')
				return 0;
			i++;
		}
		for (val = 0, digits = 0; i < len && is_digit(s[i]) &&
		    digits < 3; i++, digits++)
			val = val * 10 + (s[i] - '0');
		if (digits == 0 || val > 255)
			return 0;
	}
	return i == len;
}

/* IPv6-addr, checked by the system's own parser. */
static int
valid_ipv6(const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr in6;

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &in6) == 1;
}

/* Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig: the tag of a literal. */
static int
valid_ldh_str(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !is_letdig(s[len - 1]))
		return 0;
	for (i = 0; i < len; i++)
		if (!is_letdig(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/*
 * address-literal = "[" ( IPv4-address-literal / IPv6-address-literal /
 * General-address-literal ) "]".  The IP forms are checked for real (an
 * octet of 300 is no address); a general literal only for its syntax, as
 * its meaning belongs to whoever registered the tag.  The "IPv6" tag is
 * never taken as a general literal: a bad IPv6 address is just bad.
 */
static enum smtp_parse_err
parse_address_literal(const char *s, size_t len, size_t *used)
{
	const char *body, *colon;
	size_t i, blen, taglen;
	int ok;

	for (i = 1; i < len && s[i] != ']'; i++) {
		/* The literal with both brackets must fit in a domain. */
		if (i + 2 > SMTP_DOMAIN_MAX)
			return SMTP_PARSE_TOO_LONG;
		if (!is_dcontent(s[i]))
			return SMTP_PARSE_SYNTAX;
	}
	if (i == len)
		return SMTP_PARSE_SYNTAX;	/* no closing bracket */
	body = s + 1;
	blen = i - 1;

	if ((colon = memchr(body, ':', blen)) == NULL)
		ok = valid_ipv4(body, blen);
	else {
		taglen = colon - body;
		if (!valid_ldh_str(body, taglen))
			ok = 0;
		else if (taglen == 4 && ascii_caseeq(body, "IPv6", 4))
			ok = valid_ipv6(colon + 1, blen - taglen - 1);
		else
			ok = blen - taglen - 1 > 0;	/* 1*dcontent */
	}
	if (!ok)
		return SMTP_PARSE_SYNTAX;
	*used = i + 1;
	return SMTP_PARSE_OK;
}

/* The domain half of a Mailbox: a Domain or an address-literal. */
static enum smtp_parse_err
parse_mailbox_domain(const char *s, size_t len, int flags,
    struct smtp_addr *out, size_t *used)
{
	enum smtp_parse_err err;
	size_t n = 0;
	int utf8 = 0;

	if (len > 0 && s[0] == '[')
		err = parse_address_literal(s, len, &n);
	else
		err = parse_domain(s, len, flags, 0, &n, &utf8);
	if (err != SMTP_PARSE_OK)
		return err;
	memcpy(out->domain, s, n);
	out->domain[n] = '\0';
	if (utf8)
		out->is_utf8 = 1;
	*used = n;
	return SMTP_PARSE_OK;
}

/* Mailbox = Local-part "@" ( Domain / address-literal ) */
static enum smtp_parse_err
parse_mailbox(const char *s, size_t len, int flags, struct smtp_addr *out,
    size_t *used)
{
	enum smtp_parse_err err;
	size_t i = 0, n = 0;

	if ((err = parse_local_part(s, len, flags, out, &i)) != SMTP_PARSE_OK)
		return err;
	if (i == len || s[i] != '@')
		return SMTP_PARSE_SYNTAX;
	i++;
	err = parse_mailbox_domain(s + i, len - i, flags, out, &n);
	if (err != SMTP_PARSE_OK)
		return err;
	*used = i + n;
	return SMTP_PARSE_OK;
}

/*
 * A-d-l ":" where A-d-l = At-domain *( "," At-domain ).  Source routes are
 * obsolete and RFC 5321 appendix C tells receivers to ignore them: they are
 * checked for syntax and dropped.
 */
static enum smtp_parse_err
skip_source_route(const char *s, size_t len, int flags, size_t *used)
{
	enum smtp_parse_err err;
	size_t i = 0, n = 0;
	int utf8;

	for (;;) {
		if (i == len || s[i] != '@')
			return SMTP_PARSE_SYNTAX;
		i++;
		err = parse_domain(s + i, len - i, flags, 0, &n, &utf8);
		if (err != SMTP_PARSE_OK)
			return err;
		i += n;
		if (i == len)
			return SMTP_PARSE_SYNTAX;
		if (s[i] == ':') {
			*used = i + 1;
			return SMTP_PARSE_OK;
		}
		if (s[i] != ',')
			return SMTP_PARSE_SYNTAX;
		i++;
	}
}

/*
 * RCPT TO:<Postmaster> needs no domain (RFC 5321 4.1.1.3); only that exact
 * word, in any case, and only where the caller allows it.
 */
static int
is_bare_postmaster(const char *s, size_t len, int flags)
{
	return (flags & SMTP_ADDR_POSTMASTER) && len >= 12 &&
	    ascii_caseeq(s + 1, "postmaster", 10) && s[11] == '>';
}

/* Path = "<" [ A-d-l ":" ] Mailbox ">", or the null path "<>". */
static enum smtp_parse_err
parse_path(const char *s, size_t len, int flags, struct smtp_addr *out,
    size_t *used)
{
	enum smtp_parse_err err;
	size_t i = 1, n = 0;

	if (len == 0 || s[0] != '<')
		return SMTP_PARSE_SYNTAX;	/* RFC requires the brackets */
	if (len > 1 && s[1] == '>') {
		if (!(flags & SMTP_ADDR_ALLOW_NULL))
			return SMTP_PARSE_NULL_NOT_ALLOWED;
		out->is_null = 1;
		*used = 2;
		return SMTP_PARSE_OK;
	}
	if (is_bare_postmaster(s, len, flags)) {
		memcpy(out->local, s + 1, 10);
		out->local[10] = '\0';
		*used = 12;
		return SMTP_PARSE_OK;
	}
	if (i < len && s[i] == '@') {
		if ((err = skip_source_route(s + i, len - i, flags, &n)) !=
		    SMTP_PARSE_OK)
			return err;
		i += n;
	}
	if ((err = parse_mailbox(s + i, len - i, flags, out, &n)) !=
	    SMTP_PARSE_OK)
		return err;
	i += n;
	if (i == len || s[i] != '>')
		return SMTP_PARSE_SYNTAX;
	*used = i + 1;
	return SMTP_PARSE_OK;
}

enum smtp_parse_err
smtp_parse_path(const char *s, size_t len, int flags, struct smtp_addr *out,
    size_t *consumed)
{
	enum smtp_parse_err err;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	*consumed = 0;
	err = parse_path(s, len, flags, out, &n);
	/* RFC 5321 4.5.3.1.3 counts the whole path, brackets and route. */
	if (err == SMTP_PARSE_OK && n > SMTP_PATH_MAX)
		err = SMTP_PARSE_TOO_LONG;
	if (err != SMTP_PARSE_OK) {
		memset(out, 0, sizeof(*out));	/* no half-parsed address */
		return err;
	}
	*consumed = n;
	return SMTP_PARSE_OK;
}

/*
 * esmtp-param = esmtp-keyword ["=" esmtp-value]
 * esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
 * esmtp-value = 1*(%d33-60 / %d62-126), plus UTF-8 under RFC 6531.
 * Ends at SP or at the end of the argument.
 */
static enum smtp_parse_err
parse_param(const char *s, size_t len, int flags, struct smtp_param *p,
    size_t *used)
{
	enum smtp_parse_err err;
	size_t i = 0, v = 0, n;
	unsigned char c;

	while (i < len && (is_letdig(s[i]) || (i > 0 && s[i] == '-'))) {
		if (i + 1 >= sizeof(p->keyword))
			return SMTP_PARSE_PARAM;
		p->keyword[i] = to_upper(s[i]);
		i++;
	}
	if (i == 0)
		return SMTP_PARSE_PARAM;
	p->keyword[i] = '\0';

	if (i < len && s[i] == '=') {
		i++;
		while (i < len && s[i] != ' ') {
			c = s[i];
			if (c >= 0x80) {
				/* Whatever is wrong, it is a bad parameter. */
				n = accept_8bit(s + i, len - i, flags, &err);
				if (n == 0)
					return SMTP_PARSE_PARAM;
			} else if (c >= 33 && c <= 126 && c != '=')
				n = 1;
			else
				return SMTP_PARSE_PARAM;
			if (v + n > ((flags & SMTP_PARAM_LONG) ?
			    SMTP_LONG_VALUE_MAX : SMTP_VALUE_MAX))
				return SMTP_PARSE_PARAM;
			memcpy(p->value + v, s + i, n);
			v += n;
			i += n;
		}
		if (v == 0)
			return SMTP_PARSE_PARAM;	/* "SIZE=" */
		p->value[v] = '\0';
		p->has_value = 1;
	}
	if (i < len && s[i] != ' ')
		return SMTP_PARSE_PARAM;
	*used = i;
	return SMTP_PARSE_OK;
}

/*
 * Zero or more parameters, each after one or more SP.  Duplicates are the
 * session's business: it knows which keywords it advertised.
 */
static enum smtp_parse_err
parse_params(const char *s, size_t len, int flags, struct smtp_mailrcpt *out)
{
	enum smtp_parse_err err;
	size_t i = 0, n = 0;

	for (;;) {
		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			return SMTP_PARSE_OK;
		if (out->nparams == SMTP_PARAM_MAX)
			return SMTP_PARSE_PARAM;
		err = parse_param(s + i, len - i, flags,
		    &out->params[out->nparams], &n);
		if (err != SMTP_PARSE_OK)
			return err;
		out->nparams++;
		i += n;
	}
}

enum smtp_parse_err
smtp_parse_mailrcpt(const char *arg, size_t len, const char *prefix,
    int flags, struct smtp_mailrcpt *out)
{
	enum smtp_parse_err err;
	size_t plen = strlen(prefix), i, n = 0;

	memset(out, 0, sizeof(*out));
	if (len < plen || !ascii_caseeq(arg, prefix, plen))
		return SMTP_PARSE_SYNTAX;
	/* The RFC allows no blank before '<'; Postfix and many clients do. */
	for (i = plen; i < len && arg[i] == ' '; i++)
		;
	err = smtp_parse_path(arg + i, len - i, flags, &out->addr, &n);
	if (err != SMTP_PARSE_OK)
		goto fail;
	i += n;
	/* "<a@b>SIZE=1": parameters must be set off by a space. */
	if (i < len && arg[i] != ' ') {
		err = SMTP_PARSE_SYNTAX;
		goto fail;
	}
	if ((err = parse_params(arg + i, len - i, flags, out)) != SMTP_PARSE_OK)
		goto fail;
	return SMTP_PARSE_OK;
fail:
	memset(out, 0, sizeof(*out));
	return err;
}

/*
 * Could the n octets at s be written as a Dot-string?  Octets >= 0x80 were
 * checked as UTF-8 on the way in and count as atext (RFC 6531).
 */
static int
is_dot_string(const char *s, size_t n)
{
	return rfc5321_is_dot_string(s, n, RFC5321_8BIT);
}

/* A bounded writer: remembers overflow instead of truncating silently. */
struct outbuf {
	char	*buf;
	size_t	 size;
	size_t	 len;
	int	 overflow;
};

static void
out_put(struct outbuf *ob, const char *s, size_t n)
{
	if (ob->overflow || ob->size - ob->len <= n) {
		ob->overflow = 1;
		return;
	}
	memcpy(ob->buf + ob->len, s, n);
	ob->len += n;
}

/* The local part as a Quoted-string: '"' and '\' become quoted pairs. */
static void
out_put_quoted(struct outbuf *ob, const char *s, size_t n)
{
	size_t i;

	out_put(ob, "\"", 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			out_put(ob, "\\", 1);
		out_put(ob, s + i, 1);
	}
	out_put(ob, "\"", 1);
}

int
smtp_addr_format(const struct smtp_addr *a, char *buf, size_t bufsz)
{
	struct outbuf ob = { buf, bufsz, 0, 0 };
	size_t llen;

	if (bufsz == 0)
		return -1;
	buf[0] = '\0';
	if (a->is_null)
		return 0;
	llen = strnlen(a->local, sizeof(a->local));
	if (is_dot_string(a->local, llen))
		out_put(&ob, a->local, llen);
	else
		out_put_quoted(&ob, a->local, llen);
	/* Only <Postmaster> has no domain. */
	if (a->domain[0] != '\0') {
		out_put(&ob, "@", 1);
		out_put(&ob, a->domain, strnlen(a->domain, sizeof(a->domain)));
	}
	if (ob.overflow) {
		buf[0] = '\0';
		return -1;
	}
	buf[ob.len] = '\0';
	return 0;
}

int
smtp_valid_helo(const char *s, size_t len)
{
	enum smtp_parse_err err;
	size_t n = 0;
	int utf8 = 0;

	if (len == 0 || len > SMTP_DOMAIN_MAX)
		return 0;
	if (s[0] == '[')
		err = parse_address_literal(s, len, &n);
	else
		err = parse_domain(s, len, 0, 1, &n, &utf8);
	return err == SMTP_PARSE_OK && n == len;
}
