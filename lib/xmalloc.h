/*
 * xmalloc.h: allocations that cannot fail: out of memory is fatal() with
 * a message.  Only for callers that have no better answer; parsers and
 * code fed by outsiders return an error instead.
 */
#ifndef BH_XMALLOC_H
#define BH_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

#endif
