/*
 * rfc5321.c: RFC 5321 domain and Dot-string syntax.  See rfc5321.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/rfc5321.h"

#define LABEL_MAX	63
#define NAME_MAX_	253

int
rfc5321_is_letdig(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

int
rfc5321_is_atext(int c, int flags)
{
	static const char specials[] = "!#$%&'*+-/=?^_`{|}~";
	unsigned char	 u = (unsigned char)c;

	if (u >= 0x80)
		return (flags & RFC5321_8BIT) != 0;
	/* memchr, not strchr: strchr would find the terminator for c == 0. */
	return rfc5321_is_letdig(u) ||
	    memchr(specials, u, sizeof(specials) - 1) != NULL;
}

static int
is_label_char(unsigned char c, int flags)
{
	if (c >= 0x80)
		return (flags & RFC5321_8BIT) != 0;
	if (c == '_')
		return (flags & RFC5321_UNDERSCORE) != 0;
	return rfc5321_is_letdig(c) || c == '-';
}

static int
all_digits(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* "192.0.2.1" or "host.123" are addresses or typos, not names. */
static int
is_numeric_name(const char *s, size_t n, size_t last)
{
	struct in_addr	 a;
	char		 buf[NAME_MAX_ + 1];

	if (n > NAME_MAX_)
		return all_digits(s + last, n - last);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, &a) == 1 ||
	    (last > 0 && all_digits(s + last, n - last));
}

static enum rfc5321_err
fail(enum rfc5321_err e, size_t at, size_t *where)
{
	if (where != NULL)
		*where = at;
	return e;
}

enum rfc5321_err
rfc5321_check_domain(const char *s, size_t n, int flags, size_t *where)
{
	int	 strict_hyphen = !(flags & RFC5321_ANY_HYPHEN);
	int	 limits = !(flags & RFC5321_NO_LIMITS);
	size_t	 i, lab = 0, last = 0;

	if (n == 0)
		return fail(RFC5321_EMPTY, 0, where);
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (lab == 0)
				return fail(RFC5321_EMPTY_LABEL, i, where);
			if (strict_hyphen && s[i - 1] == '-')
				return fail(RFC5321_HYPHEN, i - 1, where);
			lab = 0;
			last = i + 1;
			continue;
		}
		if (!is_label_char(s[i], flags))
			return fail(RFC5321_BAD_CHAR, i, where);
		if (strict_hyphen && s[i] == '-' && lab == 0)
			return fail(RFC5321_HYPHEN, i, where);
		if (++lab > LABEL_MAX && limits)
			return fail(RFC5321_TOO_LONG, i, where);
	}
	if (lab == 0)
		return fail(RFC5321_EMPTY_LABEL, n - 1, where);
	if (strict_hyphen && s[n - 1] == '-')
		return fail(RFC5321_HYPHEN, n - 1, where);
	if (limits && n > NAME_MAX_)
		return fail(RFC5321_TOO_LONG, n, where);
	if ((flags & RFC5321_NAME_ONLY) && is_numeric_name(s, n, last))
		return fail(RFC5321_NUMERIC, n, where);
	return RFC5321_OK;
}

int
rfc5321_is_dot_string(const char *s, size_t n, int flags)
{
	size_t	i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i - 1] == '.')
				return 0;
		} else if (!rfc5321_is_atext(s[i], flags))
			return 0;
	}
	return 1;
}
