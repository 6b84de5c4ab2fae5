/*
 * aliases_table.c: the parsed aliases(5) table: read from a file (bounded,
 * a regular file only), sorted by name with duplicates removed (the later
 * definition wins, as in Postfix) so that a lookup is a binary search,
 * and freed.  The text is parsed by aliases.c.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/aliases.h"
#include "conf/aliases_int.h"
#include "lib/fdio.h"

/* Free one entry's strings, not the entry itself. */
void
entry_free(struct alias_entry *e)
{
	size_t	i;

	free(e->name);
	for (i = 0; i < e->ntargets; i++)
		free(e->targets[i].value);
	free(e->targets);
	memset(e, 0, sizeof(*e));
}

static int
entry_order(const void *a, const void *b)
{
	const struct alias_entry	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

static int
entry_name_cmp(const void *a, const void *b)
{
	const struct alias_entry	*x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Sort by name; of several definitions of one name, keep the last. */
void
sort_and_dedup(struct alias_entry *v, size_t *n)
{
	size_t	i, j;

	if (*n == 0)
		return;
	qsort(v, *n, sizeof(*v), entry_order);
	for (i = 0, j = 0; i < *n; i++) {
		if (i + 1 < *n && strcmp(v[i].name, v[i + 1].name) == 0) {
			entry_free(&v[i]);
			continue;
		}
		v[j++] = v[i];
	}
	*n = j;
}

/* Read all of fd, at most max octets; -1 with errno set (EFBIG if more). */
static int
read_all(int fd, size_t hint, size_t max, char **out, size_t *outlen)
{
	char	*buf = NULL;
	void	*v;
	size_t	 len = 0, cap = 0;
	ssize_t	 r;

	for (;;) {
		if (len == cap) {
			if (len > max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			v = buf;
			if (grow(&v, &cap, len + (hint > 4096 ? hint : 4096),
			    1) == -1) {
				free(buf);
				errno = ENOMEM;
				return -1;
			}
			buf = v;
		}
		if ((r = fd_read_all(fd, buf + len, cap - len)) == -1) {
			free(buf);
			return -1;
		}
		len += (size_t)r;
		if (len < cap)
			break;		/* end of file */
	}
	if (len > max) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int
aliases_read_fd(int fd, const char *path, char **buf, size_t *len,
    struct stat *st, char *err, size_t errlen)
{
	int	r, saved;

	*buf = NULL;
	*len = 0;
	if (fstat(fd, st) == -1) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		errf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (st->st_size > ALIASES_FILE_MAX) {
		errf(err, errlen, "%s: larger than 16 MiB", path);
		return -1;
	}
	/* The file may grow between fstat and read: read_all bounds it. */
	r = read_all(fd, (size_t)st->st_size + 1, ALIASES_FILE_MAX, buf, len);
	saved = errno;
	if (r == -1) {
		if (saved == EFBIG)
			errf(err, errlen, "%s: larger than 16 MiB", path);
		else
			errf(err, errlen, "%s: %s", path, strerror(saved));
		return -1;
	}
	return 0;
}

int
aliases_parse_fd(struct alias_table *t, int fd, const char *path, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		*buf;
	size_t		 len;
	int		 r;

	memset(t, 0, sizeof(*t));
	if (aliases_read_fd(fd, path, &buf, &len, &st, err, errlen) == -1)
		return -1;
	r = aliases_parse_buffer(t, buf, len, path, err, errlen);
	free(buf);
	return r;
}

int
aliases_parse_file(struct alias_table *t, const char *path, char *err,
    size_t errlen)
{
	int	fd, r;

	memset(t, 0, sizeof(*t));
	/* O_NONBLOCK: a FIFO there is refused, not waited on. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK))
	    == -1) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	r = aliases_parse_fd(t, fd, path, err, errlen);
	close(fd);
	return r;
}

const struct alias_entry *
aliases_lookup(const struct alias_table *t, const char *name)
{
	struct alias_entry	key;
	char			buf[ALIAS_NAME_MAX + 1];
	size_t			n;

	if (t == NULL || name == NULL || t->n == 0)
		return NULL;
	n = strnlen(name, sizeof(buf));
	if (n == 0 || n > ALIAS_NAME_MAX)	/* no name is that long */
		return NULL;
	memcpy(buf, name, n);
	buf[n] = '\0';
	lower_str(buf);
	memset(&key, 0, sizeof(key));
	key.name = buf;
	return bsearch(&key, t->v, t->n, sizeof(*t->v), entry_name_cmp);
}

void
aliases_free(struct alias_table *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		entry_free(&t->v[i]);
	free(t->v);
	free(t->file);
	memset(t, 0, sizeof(*t));
}
