/*
 * safeprint.h: message data as an admin's terminal may see it.  Queued
 * bytes came from outside (a client, a local user): printed raw, an
 * escape sequence could retitle the window, move the cursor, rewrite
 * what was printed before or, on some terminals, answer back into the
 * shell.  Tab and newline pass; every other C0 control, DEL and C1
 * control (U+0080-U+009F) is shown as "\ooo" (three octal digits) or,
 * for UTF-8 C1, "\u00XX"; well-formed UTF-8 passes; any other byte
 * above 0x7f is "\ooo".  A backslash stays a backslash.
 */
#ifndef BH_SAFEPRINT_H
#define BH_SAFEPRINT_H

#include <stddef.h>
#include <stdio.h>

/* A stream of chunks: a UTF-8 sequence may straddle two of them. */
struct safeprint {
	unsigned char	carry[4];
	size_t		ncarry;
};

void	safeprint_chunk(struct safeprint *, FILE *, const void *, size_t);
void	safeprint_end(struct safeprint *, FILE *);
/* One whole string into buf (NUL-terminated, cut to fit). */
char	*safeprint_str(const char *, char *buf, size_t len);

#endif
