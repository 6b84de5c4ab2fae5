/*
 * cf_edit.c: main.cf edited in place, as postconf -e does it: physical
 * lines are kept byte for byte unless they belong to a parameter being
 * set.  A line is blank or a comment (kept), starts with white space (a
 * continuation: it goes with the parameter it continues), or starts a
 * parameter "name = value".  This is the same division of lines as the
 * parser's (lib/textfile.c), so the result parses as the parser would
 * read the edit.
 */
#include <string.h>

#include "conf/cf_edit.h"
#include "lib/textfile.h"

static struct cf_edit *
edit_find(struct cf_edit *ed, size_t n, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strlen(ed[i].name) == len &&
		    strncmp(ed[i].name, name, len) == 0)
			return &ed[i];
	return NULL;
}

static int
add_assignment(struct dbuf *out, const struct cf_edit *e)
{
	return dbuf_add(out, e->name, strlen(e->name)) == -1 ||
	    dbuf_add(out, " =", 2) == -1 ||
	    (*e->value != '\0' && (dbuf_add(out, " ", 1) == -1 ||
	    dbuf_add(out, e->value, strlen(e->value)) == -1)) ||
	    dbuf_add(out, "\n", 1) == -1 ? -1 : 0;
}

enum line_kind {
	L_OTHER,	/* blank or comment: always kept */
	L_CONT,		/* starts with white space: continues a parameter */
	L_ASSIGN	/* "name = value" */
};

static enum line_kind
line_kind(const char *p, const char *e)
{
	const char	*q;

	for (q = p; q < e && lline_is_space(*q); q++)
		;
	if (q == e || *q == '#')
		return L_OTHER;
	return q != p ? L_CONT : L_ASSIGN;
}

/* The edit an assignment line's name is, or NULL. */
static struct cf_edit *
line_edit(const char *p, const char *e, struct cf_edit *ed, size_t ned)
{
	size_t	 n = 0;

	while (p + n < e && lline_is_name_char(p[n]))
		n++;
	return n > 0 ? edit_find(ed, ned, p, n) : NULL;
}

int
cf_edit_text(const char *in, size_t len, struct cf_edit *ed, size_t ned,
    struct dbuf *out)
{
	const char	*p, *e, *nl, *next, *end = in + len;
	struct cf_edit	*hit;
	size_t		 i;
	int		 skipping = 0, keep = 1;

	for (p = in; p < end; p = next) {
		nl = memchr(p, '\n', (size_t)(end - p));
		e = nl != NULL ? nl : end;
		next = nl != NULL ? nl + 1 : end;
		switch (line_kind(p, e)) {
		case L_OTHER:
			keep = 1;
			break;
		case L_CONT:
			keep = !skipping;
			break;
		case L_ASSIGN:
			hit = line_edit(p, e, ed, ned);
			skipping = hit != NULL;
			keep = !skipping;
			if (hit != NULL && !hit->done) {
				hit->done = 1;
				if (add_assignment(out, hit) == -1)
					return -1;
			}
			break;
		}
		if (keep && dbuf_add(out, p, (size_t)(next - p)) == -1)
			return -1;
	}
	if (out->len > 0 && out->p[out->len - 1] != '\n' &&
	    dbuf_add(out, "\n", 1) == -1)
		return -1;
	for (i = 0; i < ned; i++)
		if (!ed[i].done && add_assignment(out, &ed[i]) == -1)
			return -1;
	return dbuf_add(out, "", 0);
}

