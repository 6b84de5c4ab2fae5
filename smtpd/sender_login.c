/*
 * sender_login.c: smtpd_sender_login_maps (see sender_login.h).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/xmalloc.h"
#include "smtpd/sender_login.h"

#define SL_FILE_MAX	(16 * 1024 * 1024)

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

int
sl_parse(struct sender_logins *sl, const char *buf, size_t len, char *err,
    size_t errlen)
{
	char	*copy, *line, *nl, *key, *val;
	int	 lineno = 0;

	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL byte");
		return -1;
	}
	copy = xmalloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = '\0';
	for (line = copy; line != NULL && *line != '\0'; line = nl) {
		lineno++;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		key = line + strspn(line, " \t");
		if (*key == '\0' || *key == '#')
			continue;
		val = key + strcspn(key, " \t");
		if (*val != '\0')
			*val++ = '\0';
		val += strspn(val, " \t");
		if (*val == '\0') {
			snprintf(err, errlen, "line %d: no login for %s",
			    lineno, key);
			free(copy);
			return -1;
		}
		lower(key);
		sl->v = xreallocarray(sl->v, sl->n + 1, sizeof(*sl->v));
		sl->v[sl->n].key = xstrdup(key);
		sl->v[sl->n].logins = xstrdup(val);
		sl->n++;
	}
	free(copy);
	return 0;
}

int
sl_load(struct sender_logins *sl, const char *spec, char *err, size_t errlen)
{
	const char	*path = spec, *colon;
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd, rc;

	if (*spec != '/' && (colon = strchr(spec, ':')) != NULL) {
		if (strncmp(spec, "hash:", 5) != 0 &&
		    strncmp(spec, "texthash:", 9) != 0) {
			snprintf(err, errlen, "%s: only hash: and texthash: "
			    "maps (read as text)", spec);
			return -1;
		}
		path = colon + 1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || st.st_size > SL_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path, fd == -1 ?
		    strerror(errno) : "too large");
		if (fd != -1)
			close(fd);
		return -1;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size &&
	    (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	rc = sl_parse(sl, buf, got, err, errlen);
	free(buf);
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
