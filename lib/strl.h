/*
 * strl.h: strlcpy(3) into fixed buffers without silent truncation.
 *
 * STRLCPY_ARRAY(dst, src): both are char arrays and dst is at least as
 * large as src, checked at compile time, so a string held in src always
 * fits: truncation is impossible.
 *
 * xstrlcpy(): for a source of any length where truncation can only be a
 * bug (a caller checked the length before); fatalx() if it would truncate.
 * Where an outsider controls the length, check strlcpy's result instead
 * and answer with an error.
 *
 * strlcpy_text(): human-readable text (a log line, a DSN diagnostic, a
 * reason for a log) where cutting a long text short is the intended
 * answer, said at the call.
 */
#ifndef BH_STRL_H
#define BH_STRL_H

#include <stddef.h>
#include <string.h>

#define BH_IS_ARRAY(a)							\
	(!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])))

#define STRLCPY_ARRAY(dst, src) do {					\
	_Static_assert(BH_IS_ARRAY(dst) && BH_IS_ARRAY(src),		\
	    "STRLCPY_ARRAY needs arrays");				\
	_Static_assert(sizeof(dst) >= sizeof(src),			\
	    "STRLCPY_ARRAY: " #dst " is smaller than " #src);		\
	(void)strlcpy((dst), (src), sizeof(dst));			\
} while (0)

void	xstrlcpy(char *dst, const char *src, size_t size);

static inline void
strlcpy_text(char *dst, const char *src, size_t size)
{
	(void)strlcpy(dst, src, size);
}

#endif
