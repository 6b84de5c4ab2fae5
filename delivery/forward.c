/*
 * forward.c: the ~/.forward parser.  See forward.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "delivery/forward.h"

static int
error(char *err, size_t errlen, int line, const char *what)
{
	snprintf(err, errlen, ".forward:%d: %s", line, what);
	return -1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One target, quotes already removed; kind from its first character. */
static int
add_entry(struct forward *f, const char *p, size_t n, int quoted, int line,
    char *err, size_t errlen)
{
	struct forward_entry	*e;
	size_t			 i;

	if (n == 0)
		return quoted ? error(err, errlen, line, "empty quoted target")
		    : 0;
	if (f->n == FORWARD_ENTRIES_MAX)
		return error(err, errlen, line, "more than 100 targets");
	if (n >= FORWARD_VALUE_MAX)
		return error(err, errlen, line, "target longer than 511 bytes");
	e = &f->v[f->n];
	switch (p[0]) {
	case '\\':
		e->kind = FWD_SELF;
		p++;
		n--;
		break;
	case '|':
		e->kind = FWD_COMMAND;
		p++;
		n--;
		break;
	case '/':
		e->kind = FWD_FILE;
		break;
	case ':':
		if (n < 9 || strncasecmp(p, ":include:", 9) != 0) {
			e->kind = FWD_ADDRESS;
			break;
		}
		e->kind = FWD_INCLUDE;
		p += 9;
		n -= 9;
		if (n > 0 && p[0] != '/')
			return error(err, errlen, line, ":include: needs an "
			    "absolute path");
		break;
	default:
		e->kind = FWD_ADDRESS;
		break;
	}
	if (n == 0)
		return error(err, errlen, line, "target has nothing after its "
		    "prefix");
	if (e->kind == FWD_SELF || e->kind == FWD_ADDRESS)
		for (i = 0; i < n; i++)
			if (is_blank(p[i]) || p[i] == '"' || p[i] == '\\')
				return error(err, errlen, line, "blank, quote or "
				    "backslash inside an address");
	memcpy(e->value, p, n);
	e->value[n] = '\0';
	f->n++;
	return 0;
}

int
forward_parse(struct forward *f, const char *buf, size_t len, char *err,
    size_t errlen)
{
	size_t		 i = 0, start, end;
	int		 line = 1, quoted;
	unsigned char	 c;

	f->n = 0;
	if (len > FORWARD_SIZE_MAX)
		return error(err, errlen, 0, "larger than 4096 bytes");
	for (i = 0; i < len; i++) {
		c = buf[i];
		if ((c < ' ' && c != '\t' && c != '\n' && c != '\r') ||
		    c == 0x7f) {
			for (end = 0, line = 1; end < i; end++)
				line += buf[end] == '\n';
			return error(err, errlen, line, "control character");
		}
	}
	i = 0;
	while (i < len) {
		while (i < len && is_blank(buf[i]))
			i++;
		if (i < len && buf[i] == '#') {		/* comment line */
			while (i < len && buf[i] != '\n')
				i++;
			continue;
		}
		while (i < len) {
			while (i < len && is_blank(buf[i]))
				i++;
			if (i == len || buf[i] == '\n')
				break;
			quoted = buf[i] == '"';
			if (quoted) {
				start = ++i;
				while (i < len && buf[i] != '"' &&
				    buf[i] != '\n')
					i++;
				if (i == len || buf[i] != '"')
					return error(err, errlen, line,
					    "unterminated quote");
				end = i++;
			} else {
				start = i;
				while (i < len && buf[i] != ',' &&
				    buf[i] != '\n')
					i++;
				end = i;
				while (end > start && is_blank(buf[end - 1]))
					end--;
			}
			if (add_entry(f, buf + start, end - start, quoted,
			    line, err, errlen) == -1)
				return -1;
			while (i < len && is_blank(buf[i]))
				i++;
			if (i < len && buf[i] == ',')
				i++;
			else if (i < len && buf[i] != '\n')
				return error(err, errlen, line, "expected ',' "
				    "after a quoted target");
		}
		if (i < len && buf[i] == '\n') {
			line++;
			i++;
		}
	}
	return 0;
}
