/*
 * textfile.c: shared pieces of the configuration file parsers.  See
 * textfile.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/textfile.h"

int
dbuf_add(struct dbuf *d, const char *s, size_t n)
{
	size_t	 ncap;
	char	*np;

	if (n >= SIZE_MAX / 2 - d->len)
		return -1;
	if (d->len + n + 1 > d->cap) {
		ncap = d->cap ? d->cap : 128;
		while (ncap < d->len + n + 1)
			ncap *= 2;
		if ((np = realloc(d->p, ncap)) == NULL)
			return -1;
		d->p = np;
		d->cap = ncap;
	}
	memcpy(d->p + d->len, s, n);
	d->len += n;
	d->p[d->len] = '\0';
	return 0;
}

int
text_slurp(const char *path, size_t max, struct dbuf *d, char *err,
    size_t errlen)
{
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	rc = text_slurp_fd(fd, path, max, d, err, errlen);
	close(fd);
	return rc;
}

int
text_slurp_fd(int fd, const char *path, size_t max, struct dbuf *d,
    char *err, size_t errlen)
{
	struct stat	 st;
	char		 chunk[8192];
	ssize_t		 n;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: fstat: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: read: %s", path,
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		if (d->len + (size_t)n > max) {
			snprintf(err, errlen, "%s: file is larger than %zu "
			    "bytes", path, max);
			return -1;
		}
		if (dbuf_add(d, chunk, (size_t)n) == -1) {
			snprintf(err, errlen, "%s: out of memory", path);
			return -1;
		}
	}
}

int
lline_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

int
lline_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

void
lline_init(struct lreader *r, const char *buf, size_t len, const char *fname,
    int max_lines)
{
	r->buf = buf;
	r->len = len;
	r->off = 0;
	r->lineno = 0;
	r->max_lines = max_lines;
	r->fname = fname;
}

int
lline_next(struct lreader *r, struct dbuf *lb, int *first, char *err,
    size_t errlen)
{
	const char	*p, *q, *nl, *end;
	size_t		 save_off;
	int		 save_line, have = 0;

	lb->len = 0;
	while (r->off < r->len) {
		save_off = r->off;
		save_line = r->lineno;
		p = r->buf + r->off;
		nl = memchr(p, '\n', r->len - r->off);
		end = nl != NULL ? nl : r->buf + r->len;
		r->off = (size_t)(end - r->buf) + (nl != NULL);
		if (++r->lineno > r->max_lines) {
			snprintf(err, errlen, "%s:%d: too many lines (at most %d)",
			    r->fname, r->lineno, r->max_lines);
			return -1;
		}
		if (memchr(p, '\0', (size_t)(end - p)) != NULL) {
			snprintf(err, errlen, "%s:%d: NUL byte in line",
			    r->fname, r->lineno);
			return -1;
		}
		while (end > p && lline_is_space(end[-1]))
			end--;
		for (q = p; q < end && lline_is_space(*q); q++)
			;
		if (q == end || *q == '#')
			continue;
		if (q != p) {
			if (!have) {
				snprintf(err, errlen, "%s:%d: continuation line "
				    "(starts with white space) without a line "
				    "before it", r->fname, r->lineno);
				return -1;
			}
			if (dbuf_add(lb, " ", 1) == -1 ||
			    dbuf_add(lb, q, (size_t)(end - q)) == -1)
				goto nomem;
			continue;
		}
		if (have) {
			/* The next logical line starts here: unread it. */
			r->off = save_off;
			r->lineno = save_line;
			break;
		}
		have = 1;
		*first = r->lineno;
		if (dbuf_add(lb, p, (size_t)(end - p)) == -1)
			goto nomem;
	}
	return have;
nomem:
	snprintf(err, errlen, "%s:%d: out of memory", r->fname, r->lineno);
	return -1;
}

int
lline_each(const char *buf, size_t len, const char *fname, int max_lines,
    lline_fn *fn, void *arg, char *err, size_t errlen)
{
	struct lreader	lr;
	struct dbuf	lb;
	int		first, rc;

	memset(&lb, 0, sizeof(lb));
	lline_init(&lr, buf, len, fname, max_lines);
	while ((rc = lline_next(&lr, &lb, &first, err, errlen)) == 1)
		if (fn(arg, lb.p, fname, first, err, errlen) != 0) {
			rc = -1;
			break;
		}
	free(lb.p);
	return rc;
}
