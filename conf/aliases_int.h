/*
 * aliases_int.h: what the aliases(5) parser (conf/aliases.c), its table
 * (conf/aliases_table.c) and the alias expansion
 * (delivery/alias_expand.c) share: limits and small helpers.  Private to
 * those files.
 */
#ifndef BH_ALIASES_INT_H
#define BH_ALIASES_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ALIASES_FILE_MAX	(16 * 1024 * 1024)	/* octets in one file */
#define ALIAS_NAME_MAX		64	/* RFC 5321 local-part limit */
#define ALIAS_TARGET_MAX	1024

static inline void	errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static inline void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Make room for need items in *vp; capacity doubles. */
static inline int
grow(void **vp, size_t *cap, size_t need, size_t size)
{
	size_t	 ncap;
	void	*nv;

	if (need <= *cap)
		return 0;
	ncap = *cap != 0 ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if ((nv = reallocarray(*vp, ncap, size)) == NULL)
		return -1;
	*vp = nv;
	*cap = ncap;
	return 0;
}

/* ASCII only: case folding must not depend on the locale. */
static inline int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* strcasecmp() folds by the locale; names and addresses fold ASCII. */
static inline int
ascii_ncase_eq(const char *a, const char *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
		if (a[i] == '\0')
			break;
	}
	return 1;
}

static inline void
lower_str(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)lower((unsigned char)*s);
}

/* aliases_table.c, for the parser */
struct alias_entry;
/* Free one entry's strings, not the entry itself. */
void	entry_free(struct alias_entry *);
/* Sort by name; of several definitions of one name, keep the last. */
void	sort_and_dedup(struct alias_entry *, size_t *n);

#endif
