/*
 * textfile.h: what the Postfix-style file parsers share: a growing buffer,
 * reading a bounded regular file, and "logical lines" (comment and blank
 * lines dropped; a line that starts with white space continues the one
 * before it, even across comment lines, as Postfix's readlline() does).
 */
#ifndef BH_TEXTFILE_H
#define BH_TEXTFILE_H

#include <stddef.h>

struct dbuf {
	char	*p;		/* NUL-terminated once anything was added */
	size_t	 len;
	size_t	 cap;
};

int	dbuf_add(struct dbuf *, const char *, size_t);

/* Read a whole regular file of at most max bytes; err says why not. */
int	text_slurp(const char *path, size_t max, struct dbuf *, char *err,
	    size_t errlen);
/* The same from an open descriptor (left open); path names it in err. */
int	text_slurp_fd(int fd, const char *path, size_t max, struct dbuf *,
	    char *err, size_t errlen);

/* A cursor over (buf, len), one physical line at a time. */
struct lreader {
	const char	*buf;
	size_t		 len;
	size_t		 off;
	int		 lineno;
	int		 max_lines;
	const char	*fname;
};

void	lline_init(struct lreader *, const char *buf, size_t len,
	    const char *fname, int max_lines);
/*
 * The next logical line into lb: 1 with *first = the number of its first
 * physical line, 0 at the end, -1 with err = "fname:line: ...".
 */
int	lline_next(struct lreader *, struct dbuf *lb, int *first, char *err,
	    size_t errlen);

/*
 * lline_each: fn for every logical line of (buf, len), with its first
 * physical line's number; fn may change the line (it is lline_each's
 * copy), and returns 0 to go on, -1 to stop with err set ("fname:line:
 * ...").  0 at the end, -1 with err from fn or lline_next().
 */
typedef int	lline_fn(void *arg, char *line, const char *fname, int lineno,
		    char *err, size_t errlen);
int	lline_each(const char *buf, size_t len, const char *fname,
	    int max_lines, lline_fn *fn, void *arg, char *err, size_t errlen);

int	lline_is_space(char);
int	lline_is_name_char(char);	/* [A-Za-z0-9_] */

#endif
