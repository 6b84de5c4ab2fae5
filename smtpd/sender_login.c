/*
 * sender_login.c: smtpd_sender_login_maps (see sender_login.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/textfile.h"
#include "lib/xmalloc.h"
#include "smtpd/sender_login.h"

#define SL_FILE_MAX	(16 * 1024 * 1024)
#define SL_LINES_MAX	1000000

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* One logical line: "address  login, login..." */
static int
add_line(struct sender_logins *sl, char *line, const char *fname, int lineno,
    char *err, size_t errlen)
{
	char *key = line, *val;

	val = key + strcspn(key, " \t");
	if (*val != '\0')
		*val++ = '\0';
	val += strspn(val, " \t");
	if (*val == '\0') {
		snprintf(err, errlen, "%s:%d: no login for %s", fname, lineno,
		    key);
		return -1;
	}
	lower(key);
	sl->v = xreallocarray(sl->v, sl->n + 1, sizeof(*sl->v));
	sl->v[sl->n].key = xstrdup(key);
	sl->v[sl->n].logins = xstrdup(val);
	sl->n++;
	return 0;
}

/* lline_each's callback. */
static int
each_line(void *sl, char *line, const char *fname, int lineno, char *err,
    size_t errlen)
{
	return add_line(sl, line, fname, lineno, err, errlen);
}

int
sl_parse(struct sender_logins *sl, const char *buf, size_t len,
    const char *fname, char *err, size_t errlen)
{
	return lline_each(buf, len, fname, SL_LINES_MAX, each_line, sl, err,
	    errlen);
}

int
sl_load(struct sender_logins *sl, const char *spec, char *err, size_t errlen)
{
	const char	*path = spec, *colon;
	struct dbuf	 b;
	int		 rc;

	if (*spec != '/' && (colon = strchr(spec, ':')) != NULL) {
		if (strncmp(spec, "hash:", 5) != 0 &&
		    strncmp(spec, "texthash:", 9) != 0) {
			snprintf(err, errlen, "%s: only hash: and texthash: "
			    "maps (read as text)", spec);
			return -1;
		}
		path = colon + 1;
	}
	memset(&b, 0, sizeof(b));
	if (text_slurp(path, SL_FILE_MAX, &b, err, errlen) == -1)
		return -1;
	rc = sl_parse(sl, b.p != NULL ? b.p : "", b.len, path, err, errlen);
	free(b.p);
	return rc;
}

static const char *
find(const struct sender_logins *sl, const char *key)
{
	size_t i;

	for (i = 0; i < sl->n; i++)
		if (strcasecmp(sl->v[i].key, key) == 0)
			return sl->v[i].logins;
	return NULL;
}

const char *
sl_owners(const struct sender_logins *sl, const char *sender)
{
	const char *at = strrchr(sender, '@'), *o;

	if ((o = find(sl, sender)) != NULL || at == NULL)
		return o;
	return find(sl, at);
}

int
sl_owns(const struct sender_logins *sl, const char *sender,
    const char *login)
{
	const char	*o = sl_owners(sl, sender);
	size_t		 n, len = strlen(login);

	while (o != NULL && *(o += strspn(o, " \t,")) != '\0') {
		n = strcspn(o, " \t,");
		if (n == len && strncmp(o, login, n) == 0)
			return 1;
		o += n;
	}
	return 0;
}

void
sl_free(struct sender_logins *sl)
{
	size_t i;

	for (i = 0; i < sl->n; i++) {
		free(sl->v[i].key);
		free(sl->v[i].logins);
	}
	free(sl->v);
	memset(sl, 0, sizeof(*sl));
}
