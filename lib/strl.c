/*
 * strl.c: strlcpy that dies on truncation.  See strl.h.
 */
#include <string.h>

#include "lib/log.h"
#include "lib/strl.h"

void
xstrlcpy(char *dst, const char *src, size_t size)
{
	size_t	n;

	if ((n = strlcpy(dst, src, size)) >= size)
		fatalx("xstrlcpy: %zu bytes do not fit in %zu", n + 1, size);
}
