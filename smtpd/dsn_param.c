/*
 * dsn_param.c: RFC 3461 parameters and xtext (section 4).
 *
 *   xtext   = *( xchar / hexchar )
 *   xchar   = any ASCII from "!" to "~" except "+" and "="
 *   hexchar = "+" 2(DIGIT / "A".."F")
 */
#include <stdint.h>
#include <string.h>

#include "privsep/ipc_msgs.h"
#include "smtpd/dsn_param.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
xtext_decode(const char *s, size_t len, char *buf, size_t bufsz)
{
	size_t		i, o = 0;
	unsigned char	c;
	int		hi, lo;

	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '+') {
			if (i + 2 >= len)
				return -1;
			if ((hi = hexval(s[i + 1])) == -1 ||
			    (lo = hexval(s[i + 2])) == -1)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			/* a NUL would cut the string short downstream */
			if (c == 0)
				return -1;
		} else if (c < '!' || c > '~' || c == '=')
			return -1;
		if (o + 1 >= bufsz)
			return -1;
		buf[o++] = (char)c;
	}
	if (bufsz == 0)
		return -1;
	buf[o] = '\0';
	return 0;
}

/* Is the n octets at s equal to word (upper case), ignoring ASCII case? */
static int
word_eq(const char *s, size_t n, const char *word)
{
	size_t	i;

	if (strlen(word) != n)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c != (unsigned char)word[i])
			return 0;
	}
	return 1;
}

int
dsn_parse_ret(const char *s, size_t len, uint32_t *ret)
{
	if (word_eq(s, len, "FULL"))
		*ret = DSN_RET_FULL;
	else if (word_eq(s, len, "HDRS"))
		*ret = DSN_RET_HDRS;
	else
		return -1;
	return 0;
}

/*
 * The decoded value of ENVID and ORCPT: printable US-ASCII only (xtext
 * can encode any octet, and a CR, LF or other control character would
 * reach a queue file, a notice and queue's strict IPC decoder).  Returns
 * the length, or -1.
 */
int
dsn_printable(const char *buf)
{
	size_t	i;

	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
			return -1;
	return i > INT32_MAX ? -1 : (int)i;
}

int
dsn_parse_envid(const char *s, size_t len, char *buf, size_t bufsz)
{
	int	n;

	if (len == 0 || xtext_decode(s, len, buf, bufsz) == -1 ||
	    (n = dsn_printable(buf)) == -1)
		return -1;
	return n <= 100 ? 0 : -1;
}

int
dsn_parse_notify(const char *s, size_t len, uint32_t *mask)
{
	size_t		start = 0, i;
	uint32_t	m = 0, bit;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != ',')
			continue;
		if (word_eq(s + start, i - start, "NEVER"))
			bit = DSN_NOTIFY_NEVER;
		else if (word_eq(s + start, i - start, "SUCCESS"))
			bit = DSN_NOTIFY_SUCCESS;
		else if (word_eq(s + start, i - start, "FAILURE"))
			bit = DSN_NOTIFY_FAILURE;
		else if (word_eq(s + start, i - start, "DELAY"))
			bit = DSN_NOTIFY_DELAY;
		else
			return -1;
		if (m & bit)
			return -1;
		m |= bit;
		start = i + 1;
	}
	/* NEVER stands alone (RFC 3461 4.1). */
	if ((m & DSN_NOTIFY_NEVER) && m != DSN_NOTIFY_NEVER)
		return -1;
	*mask = m;
	return 0;
}

int
dsn_parse_orcpt(const char *s, size_t len, char *buf, size_t bufsz)
{
	const char	*semi = memchr(s, ';', len);
	size_t		 tlen, i;

	if (semi == NULL || (tlen = semi - s) == 0 || tlen + 2 > bufsz)
		return -1;
	/* addr-type is an atom; we keep it lower-cased ("rfc822"). */
	for (i = 0; i < tlen; i++) {
		unsigned char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return -1;
		buf[i] = (c >= 'A' && c <= 'Z') ? c + 'a' - 'A' : c;
	}
	buf[tlen] = ';';
	if (len - tlen - 1 == 0)
		return -1;
	if (xtext_decode(semi + 1, len - tlen - 1, buf + tlen + 1,
	    bufsz - tlen - 1) == -1 || dsn_printable(buf) == -1)
		return -1;
	return 0;
}
