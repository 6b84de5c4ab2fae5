/*
 * utf8.h: well-formed UTF-8 (RFC 3629, section 4).
 */
#ifndef BH_UTF8_H
#define BH_UTF8_H

#include <stddef.h>

/*
 * The length of the well-formed UTF-8 sequence of 2 to 4 octets at p
 * (len octets available), or 0: overlong forms, surrogates and code
 * points above U+10FFFF are not well-formed.
 */
size_t	utf8_seqlen(const unsigned char *p, size_t len);

#endif
