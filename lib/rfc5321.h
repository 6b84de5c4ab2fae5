/*
 * rfc5321.h: the character classes and the domain and Dot-string syntax
 * of RFC 5321 4.1.2 (and RFC 5322 3.2.3 atext), shared by the SMTP parser,
 * the aliases(5) parser and the main.cf validators.
 */
#ifndef BH_RFC5321_H
#define BH_RFC5321_H

#include <stddef.h>

/* Flags; the default is RFC 5321's strict syntax, ASCII only. */
#define RFC5321_8BIT		0x01	/* octets >= 0x80 count as letters
					   (checked as UTF-8 elsewhere) */
#define RFC5321_UNDERSCORE	0x02	/* '_' in a label (aliases(5)) */
#define RFC5321_ANY_HYPHEN	0x04	/* a label may begin or end in '-' */
#define RFC5321_NO_LIMITS	0x08	/* no 63-octet label, 253-octet name */
#define RFC5321_NAME_ONLY	0x10	/* refuse "192.0.2.1" and "host.123" */

enum rfc5321_err {
	RFC5321_OK = 0,
	RFC5321_EMPTY,		/* nothing at all */
	RFC5321_EMPTY_LABEL,	/* leading, trailing or doubled dot */
	RFC5321_BAD_CHAR,	/* an octet the syntax does not allow */
	RFC5321_HYPHEN,		/* a label begins or ends in '-' */
	RFC5321_TOO_LONG,	/* label over 63 or name over 253 octets */
	RFC5321_NUMERIC,	/* an IPv4 address or an all-digit last label */
};

/* ALPHA / DIGIT. */
int	rfc5321_is_letdig(int c);

/* atext (RFC 5322 3.2.3); with RFC5321_8BIT also octets >= 0x80. */
int	rfc5321_is_atext(int c, int flags);

/*
 * Is s (n octets) a domain: labels of letters, digits and '-' separated
 * by single dots?  On an error, *where (if not NULL) is the offset of the
 * octet found wrong (n for what only the end shows).
 */
enum rfc5321_err rfc5321_check_domain(const char *s, size_t n, int flags,
	    size_t *where);

/* Is s (n octets) a Dot-string: atext atoms separated by single dots? */
int	rfc5321_is_dot_string(const char *s, size_t n, int flags);

#endif
