/*
 * sendmail_msg.c: what sendmail(1) does to the message it reads, before
 * the drop file (sendmail_msg.h).  It runs as the user on the user's own
 * bytes; pickup checks everything again.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/xmalloc.h"
#include "pickup/dropfile.h"
#include "tools/sendmail_msg.h"

static void
put(struct sm_msg *m, size_t *cap, char c)
{
	if (m->len == *cap) {
		*cap = *cap == 0 ? 65536 : *cap * 2;
		m->buf = xreallocarray(m->buf, *cap, 1);
	}
	m->buf[m->len++] = c;
}

enum sm_read
sm_read_message(int fd, int dot_ends, size_t limit, struct sm_msg *m)
{
	char	in[65536];
	size_t	cap = 0, line = 0, i;
	ssize_t	n;

	m->buf = NULL;
	m->len = 0;
	for (;;) {
		if ((n = read(fd, in, sizeof(in))) == -1) {
			if (errno == EINTR)
				continue;
			return SM_READ_ERROR;
		}
		if (n == 0)
			break;
		for (i = 0; i < (size_t)n; i++) {
			if (in[i] != '\n') {
				put(m, &cap, in[i]);
				if (m->len > limit + 1)
					return SM_READ_TOO_BIG;
				continue;
			}
			if (m->len > line && m->buf[m->len - 1] == '\r')
				m->len--;
			if (dot_ends && m->len - line == 1 &&
			    m->buf[line] == '.') {
				m->len = line;
				goto done;
			}
			put(m, &cap, '\n');
			line = m->len;
		}
	}
	if (dot_ends && m->len - line == 1 && m->buf[line] == '.')
		m->len = line;
	else if (m->len > line)
		put(m, &cap, '\n');	/* the last line's end */
done:
	if (m->len > limit)
		return SM_READ_TOO_BIG;
	put(m, &cap, '\0');
	m->len--;
	return SM_READ_OK;
}

void
sm_rcpts_add(struct sm_rcpts *r, const char *a)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->v[i], a) == 0)
			return;
	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	r->v[r->n++] = xstrdup(a);
}

void
sm_rcpts_free(struct sm_rcpts *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

int
sm_parse_addr(const char *s, size_t n, char *out, size_t outlen)
{
	size_t	i, o = 0, depth = 0, start = 0, end = 0;
	int	quoted = 0, angle = 0, gap = 0, words = 0;

	/* an <addr> at the top level wins; else what is outside comments */
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (quoted) {
			if (c == '\\' && i + 1 < n)
				i++;
			else if (c == '"')
				quoted = 0;
			if (!angle && o < outlen)
				out[o++] = c;
			continue;
		}
		if (depth > 0) {
			if (c == '\\' && i + 1 < n)
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			continue;
		}
		if (c == '(') {
			depth = 1;
		} else if (c == '<' && !angle) {
			angle = 1;
			start = i + 1;
		} else if (c == '>' && angle == 1) {
			angle = 2;
			end = i;
		} else if (c == '"') {
			quoted = 1;
			if (o < outlen)
				out[o++] = c;
		} else if (isspace((unsigned char)c)) {
			gap = o > 0;
		} else if (angle == 0 && o < outlen) {
			words += gap;	/* "a b@c": two words */
			gap = 0;
			out[o++] = c;
		}
	}
	if (quoted || depth > 0 || angle == 1 || (angle == 0 && words > 0))
		return -1;
	if (angle == 2) {
		const char *a = s + start;
		size_t k = end - start, j;

		/* a source route "@a,@b:x@y" is dropped, as RFC 5321 says */
		if (k > 0 && a[0] == '@') {
			for (j = 0; j < k && a[j] != ':'; j++)
				;
			if (j == k)
				return -1;
			a += j + 1;
			k -= j + 1;
		}
		while (k > 0 && isspace((unsigned char)a[0])) {
			a++;
			k--;
		}
		while (k > 0 && isspace((unsigned char)a[k - 1]))
			k--;
		if (k >= outlen)
			return -1;
		memcpy(out, a, k);
		o = k;
	}
	if (o >= outlen)
		return -1;
	out[o] = '\0';
	if (o == 0)
		return 1;
	return drop_addr_valid(out, o) ? 0 : -1;
}

/* Split a To:/Cc:/Bcc: value into addresses; groups' names dropped. */
static int
split_list(const char *v, size_t n, struct sm_rcpts *r, char *bad,
    size_t badlen)
{
	char	addr[DROP_ADDR_MAX + 1];
	size_t	i, item = 0, depth = 0;
	int	quoted = 0, angle = 0, rc;

	for (i = 0; i <= n; i++) {
		char c = i < n ? v[i] : ',';

		if (quoted) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quoted = 0;
			if (i < n)
				continue;
			c = ',';
		}
		if (depth > 0) {
			if (c == '\\')
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			if (i < n)
				continue;
			c = ',';
		}
		if (c == '"')
			quoted = 1;
		else if (c == '(')
			depth = 1;
		else if (c == '<')
			angle = 1;
		else if (c == '>')
			angle = 0;
		else if (c == ':' && !angle)
			item = i + 1;		/* "group:" */
		else if ((c == ',' || c == ';') && (!angle || i == n)) {
			rc = sm_parse_addr(v + item, (i < n ? i : n) - item,
			    addr, sizeof(addr));
			if (rc == -1) {
				snprintf(bad, badlen, "%.*s",
				    (int)((i < n ? i : n) - item), v + item);
				return -1;
			}
			if (rc == 0)
				sm_rcpts_add(r, addr);
			item = i + 1;
		}
	}
	return 0;
}

static int
name_is(const char *l, size_t n, const char *name)
{
	size_t	k = strlen(name);

	return n > k && l[k] == ':' && strncasecmp(l, name, k) == 0;
}

int
sm_extract_rcpts(struct sm_msg *m, struct sm_rcpts *r, char *bad,
    size_t badlen)
{
	size_t	 off = 0, end, k, vlen;
	char	*val;
	int	 bcc, rc;

	while (off < m->len && m->buf[off] != '\n') {
		/* one field: its first line and its continuation lines */
		for (end = off; end < m->len; end++)
			if (m->buf[end] == '\n' && (end + 1 >= m->len ||
			    (m->buf[end + 1] != ' ' && m->buf[end + 1] != '\t')))
				break;
		if (end < m->len)
			end++;
		k = end - off;
		if (memchr(m->buf + off, ':', k) == NULL)
			break;			/* not a header: the body */
		bcc = name_is(m->buf + off, k, "bcc");
		if (bcc || name_is(m->buf + off, k, "to") ||
		    name_is(m->buf + off, k, "cc")) {
			val = (char *)memchr(m->buf + off, ':', k) + 1;
			vlen = (size_t)(m->buf + end - val);
			rc = split_list(val, vlen, r, bad, badlen);
			if (rc == -1)
				return -1;
		}
		if (bcc) {
			memmove(m->buf + off, m->buf + end, m->len - end + 1);
			m->len -= k;
			continue;
		}
		off = end;
	}
	return 0;
}
