/*
 * aliases.c: read an aliases(5) file.
 *
 * The file belongs to root, but it is parsed as if it did not: the lookup
 * process reads it, and a parser that trusts its input is one typo away
 * from a crash.  Input is (pointer, length), may hold any byte, and every
 * size is bounded.  Nothing here logs or exits; errors are written to the
 * caller's buffer as "file:line: what is wrong".
 *
 * aliases_parse_buffer() is here; reading the file, sorting, looking up
 * and freeing the table are in aliases_table.c, expanding a name to its
 * final recipients in delivery/alias_expand.c.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/rfc5321.h"
#include "conf/aliases.h"
#include "conf/aliases_int.h"

#define ALIASES_ENTRIES_MAX	1000000

#define INCLUDE_PREFIX		":include:"
#define INCLUDE_PREFIX_LEN	(sizeof(INCLUDE_PREFIX) - 1)

/* Where one physical line starts inside the logical line being parsed. */
struct lseg {
	size_t	off;
	int	line;
};

struct parser {
	const char		*fname;
	char			*err;
	size_t			 errlen;
	struct alias_entry	*v;		/* entries in file order */
	size_t			 n, cap;
	char			*lbuf;		/* the current logical line */
	size_t			 llen, lcap;
	struct lseg		*seg;		/* its physical lines */
	size_t			 nseg, segcap;
};

static void	perr(struct parser *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* A parse error: "file:line: message". */
static void
perr(struct parser *P, int line, const char *fmt, ...)
{
	char	msg[ALIAS_ERR_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errf(P->err, P->errlen, "%s:%d: %s", P->fname, line, msg);
}

static int
is_ws(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_ctl(int c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}


static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_ws((*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_ws((*s)[*n - 1]))
		(*n)--;
}

static char *
copy_span(const char *s, size_t n)
{
	char	*p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int
has_ctl(const char *s, size_t n, int allow_tab)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (is_ctl(s[i]) && !(allow_tab && s[i] == '\t'))
			return 1;
	return 0;
}

/*
 * s[0] is '"': the whole of s must be one quoted string, in which a
 * backslash takes the next octet literally.  Returns NULL and sets *out
 * (malloc'd, unquoted) and *outlen, or returns what is wrong.
 */
static const char *
unquote(const char *s, size_t n, char **out, size_t *outlen)
{
	char	*p;
	size_t	 i, j;

	if ((p = malloc(n)) == NULL)
		return "out of memory";
	for (i = 1, j = 0; i < n && s[i] != '"'; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		p[j++] = s[i];
	}
	if (i >= n) {
		free(p);
		return "unterminated quoted string";
	}
	if (i != n - 1) {
		free(p);
		return "text after closing quote";
	}
	p[j] = '\0';
	*out = p;
	*outlen = j;
	return NULL;
}

/* --- the name before the colon ------------------------------------- */

/* The first ':' outside double quotes, or -1 with the error set. */
static int
find_colon(struct parser *P, int line, const char *s, size_t n, size_t *at)
{
	size_t	i;
	int	inq = 0;

	for (i = 0; i < n; i++) {
		if (inq) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			else if (s[i] == '"')
				inq = 0;
		} else if (s[i] == '"')
			inq = 1;
		else if (s[i] == ':') {
			*at = i;
			return 0;
		}
	}
	if (inq)
		perr(P, line, "unterminated quoted string");
	else
		perr(P, line, "missing ':' after alias name");
	return -1;
}

/*
 * Unquoted names may not hold white space, quotes or '@' (Postfix asks
 * for quotes around those); a quoted name may hold anything printable.
 */
static int
check_unquoted_name(struct parser *P, int line, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (is_ws(s[i])) {
			perr(P, line, "unquoted white space in alias name");
			return -1;
		}
		if (s[i] == '"') {
			perr(P, line, "misplaced '\"' in alias name");
			return -1;
		}
		if (s[i] == '@') {
			perr(P, line, "unquoted '@' in alias name");
			return -1;
		}
	}
	return 0;
}

static int
parse_name(struct parser *P, int line, const char *s, size_t n, char **out)
{
	const char	*why;
	char		*name;
	size_t		 len;

	trim(&s, &n);
	if (n == 0) {
		perr(P, line, "empty alias name");
		return -1;
	}
	if (s[0] == '"') {
		if ((why = unquote(s, n, &name, &len)) != NULL) {
			perr(P, line, "%s", why);
			return -1;
		}
	} else {
		if (check_unquoted_name(P, line, s, n) == -1)
			return -1;
		if ((name = copy_span(s, n)) == NULL) {
			perr(P, line, "out of memory");
			return -1;
		}
		len = n;
	}
	why = NULL;
	if (len == 0)
		why = "empty alias name";
	else if (len > ALIAS_NAME_MAX)
		why = "alias name longer than 64 octets";
	else if (has_ctl(name, len, 0))
		why = "control character in alias name";
	if (why != NULL) {
		perr(P, line, "%s", why);
		free(name);
		return -1;
	}
	lower_str(name);
	*out = name;
	return 0;
}

/* --- one target ------------------------------------------------------ */

/* RFC 5322 atext, plus 8-bit octets for UTF-8 local parts. */
static int
is_atext(int c)
{
	return rfc5321_is_atext(c, RFC5321_8BIT);
}

static const char *
check_local_part(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return "empty local part in address";
	for (i = 0; i < n; i++) {
		if (is_ws(s[i]))
			return "white space in address";
		if (s[i] == '@')
			return "more than one '@' in address";
		if (s[i] == '<' || s[i] == '>')
			return "misplaced '<' or '>' in address";
		if (s[i] == ':')
			return "':' in address (only :include: is known)";
		if (!is_atext(s[i]) && s[i] != '.')
			return "invalid character in address";
	}
	return NULL;
}

/*
 * Dot-separated labels of letters, digits, '-', '_' (and UTF-8); more
 * tolerant than RFC 5321 (no hyphen rule, no length limits), as the
 * aliases(5) parser has always been.
 */
#define ALIAS_DOMAIN_FLAGS (RFC5321_8BIT | RFC5321_UNDERSCORE | \
	RFC5321_ANY_HYPHEN | RFC5321_NO_LIMITS)

static const char *
check_domain(const char *s, size_t n)
{
	size_t	at = 0;

	switch (rfc5321_check_domain(s, n, ALIAS_DOMAIN_FLAGS, &at)) {
	case RFC5321_OK:
		return NULL;
	case RFC5321_EMPTY:
		return "empty domain in address";
	case RFC5321_EMPTY_LABEL:
		return "empty label in domain";
	default:
		break;
	}
	if (at < n && is_ws(s[at]))
		return "white space in address";
	if (at < n && (s[at] == '<' || s[at] == '>'))
		return "misplaced '<' or '>' in address";
	return "invalid character in domain";
}

/*
 * user, user@domain, <user@domain>, or \user (sendmail's "this local user,
 * no further aliasing"; kept with its backslash, aliases_expand() knows).
 */
static int
parse_address(struct parser *P, int line, const char *s, size_t n,
    struct alias_target *tg)
{
	const char	*why, *local;
	size_t		 at, llen;

	if (n > 0 && s[0] == '<') {
		if (n < 2 || s[n - 1] != '>') {
			perr(P, line, "unbalanced '<' in address");
			return -1;
		}
		s++;
		n -= 2;
	}
	if (n == 0) {
		perr(P, line, "empty address");
		return -1;
	}
	for (at = n; at > 0 && s[at - 1] != '@'; at--)
		;
	local = s;
	llen = at > 0 ? at - 1 : n;
	if (local[0] == '\\') {
		if (at > 0) {
			perr(P, line, "'\\user' cannot have a domain");
			return -1;
		}
		local++;
		llen--;
	}
	why = check_local_part(local, llen);
	if (why == NULL && at > 0)
		why = check_domain(s + at, n - at);
	if (why != NULL) {
		perr(P, line, "%s", why);
		return -1;
	}
	if ((tg->value = copy_span(s, n)) == NULL) {
		perr(P, line, "out of memory");
		return -1;
	}
	tg->kind = ALIAS_ADDRESS;
	return 0;
}

/* s is unquoted (if it was quoted) and not empty. */
static int
classify_target(struct parser *P, int line, const char *s, size_t n,
    struct alias_target *tg)
{
	const char	*v = s;
	size_t		 vn = n;

	if (has_ctl(s, n, 1)) {
		perr(P, line, "control character in target");
		return -1;
	}
	if (s[0] == '|') {
		tg->kind = ALIAS_COMMAND;
		v = s + 1;
		vn = n - 1;
		trim(&v, &vn);
		if (vn == 0) {
			perr(P, line, "empty command");
			return -1;
		}
		v = s + 1;		/* keep the command as written */
		vn = n - 1;
	} else if (s[0] == '/') {
		tg->kind = ALIAS_FILE;
	} else if (n >= INCLUDE_PREFIX_LEN &&
	    ascii_ncase_eq(s, INCLUDE_PREFIX, INCLUDE_PREFIX_LEN)) {
		tg->kind = ALIAS_INCLUDE;
		v = s + INCLUDE_PREFIX_LEN;
		vn = n - INCLUDE_PREFIX_LEN;
		trim(&v, &vn);
		if (vn == 0) {
			perr(P, line, "empty :include: path");
			return -1;
		}
		if (v[0] != '/') {
			perr(P, line, ":include: path is not absolute");
			return -1;
		}
	} else
		return parse_address(P, line, s, n, tg);
	if ((tg->value = copy_span(v, vn)) == NULL) {
		perr(P, line, "out of memory");
		return -1;
	}
	return 0;
}

static int
parse_target(struct parser *P, int line, const char *s, size_t n,
    struct alias_target *tg)
{
	const char	*why;
	char		*text;
	size_t		 tlen;
	int		 r;

	if (n == 0) {
		perr(P, line, "empty target");
		return -1;
	}
	if (n > ALIAS_TARGET_MAX) {
		perr(P, line, "target longer than 1024 octets");
		return -1;
	}
	if (s[0] != '"') {
		if (memchr(s, '"', n) != NULL) {
			perr(P, line, "misplaced '\"' in target");
			return -1;
		}
		return classify_target(P, line, s, n, tg);
	}
	if ((why = unquote(s, n, &text, &tlen)) != NULL) {
		perr(P, line, "%s", why);
		return -1;
	}
	if (tlen == 0) {
		perr(P, line, "empty target");
		r = -1;
	} else
		r = classify_target(P, line, text, tlen, tg);
	free(text);
	return r;
}

/* --- one logical line ---------------------------------------------- */

/* The physical line at offset off; *k only moves forward. */
static int
seg_line(const struct parser *P, size_t *k, size_t off)
{
	while (*k + 1 < P->nseg && P->seg[*k + 1].off <= off)
		(*k)++;
	return P->seg[*k].line;
}

/* The end of the target that starts at pos: the next ',' outside quotes. */
static size_t
target_end(const char *s, size_t n, size_t pos, int *inq)
{
	*inq = 0;
	for (; pos < n; pos++) {
		if (*inq) {
			if (s[pos] == '\\' && pos + 1 < n)
				pos++;
			else if (s[pos] == '"')
				*inq = 0;
		} else if (s[pos] == '"')
			*inq = 1;
		else if (s[pos] == ',')
			break;
	}
	return pos;
}

static int
parse_targets(struct parser *P, size_t pos, struct alias_entry *e)
{
	const char		*s = P->lbuf, *t;
	struct alias_target	 tg;
	size_t			 n = P->llen, end, tn, k = 0, cap = 0;
	int			 inq, line;
	void			*v;

	t = s + pos;
	tn = n - pos;
	trim(&t, &tn);
	if (tn == 0) {
		perr(P, seg_line(P, &k, pos), "empty target list");
		return -1;
	}
	for (;;) {
		end = target_end(s, n, pos, &inq);
		t = s + pos;
		tn = end - pos;
		trim(&t, &tn);
		line = seg_line(P, &k, (size_t)(t - s));
		if (inq) {
			perr(P, line, "unterminated quoted string");
			return -1;
		}
		v = e->targets;
		if (grow(&v, &cap, e->ntargets + 1, sizeof(*e->targets)) ==
		    -1) {
			perr(P, line, "out of memory");
			return -1;
		}
		e->targets = v;
		if (parse_target(P, line, t, tn, &tg) == -1)
			return -1;
		e->targets[e->ntargets++] = tg;
		if (end == n)
			return 0;
		pos = end + 1;
	}
}

static int
parse_logical_line(struct parser *P)
{
	struct alias_entry	 e;
	size_t			 colon;
	int			 line = P->seg[0].line;
	void			*v;

	memset(&e, 0, sizeof(e));
	e.line = line;
	if (find_colon(P, line, P->lbuf, P->llen, &colon) == -1)
		return -1;
	if (parse_name(P, line, P->lbuf, colon, &e.name) == -1)
		return -1;
	if (parse_targets(P, colon + 1, &e) == -1)
		goto fail;
	if (P->n >= ALIASES_ENTRIES_MAX) {
		perr(P, line, "more than %d aliases", ALIASES_ENTRIES_MAX);
		goto fail;
	}
	v = P->v;
	if (grow(&v, &P->cap, P->n + 1, sizeof(*P->v)) == -1) {
		perr(P, line, "out of memory");
		goto fail;
	}
	P->v = v;
	P->v[P->n++] = e;
	return 0;
fail:
	entry_free(&e);
	return -1;
}

/* --- physical lines ------------------------------------------------ */

static int
logical_append(struct parser *P, const char *s, size_t n, int line)
{
	void	*v;

	v = P->seg;
	if (grow(&v, &P->segcap, P->nseg + 1, sizeof(*P->seg)) == -1)
		goto nomem;
	P->seg = v;
	v = P->lbuf;
	if (grow(&v, &P->lcap, P->llen + n, 1) == -1)
		goto nomem;
	P->lbuf = v;
	P->seg[P->nseg].off = P->llen;
	P->seg[P->nseg].line = line;
	P->nseg++;
	memcpy(P->lbuf + P->llen, s, n);
	P->llen += n;
	return 0;
nomem:
	perr(P, line, "out of memory");
	return -1;
}

static int
logical_end(struct parser *P)
{
	int	r;

	if (P->nseg == 0)
		return 0;
	r = parse_logical_line(P);
	P->llen = 0;
	P->nseg = 0;
	return r;
}

/* Blank, or a comment: '#' as the first octet that is not white space. */
static int
is_skipped(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n && is_ws(s[i]); i++)
		;
	return i == n || s[i] == '#';
}

static int
feed_line(struct parser *P, const char *s, size_t n, int line)
{
	if (is_skipped(s, n))
		return 0;
	if (is_ws(s[0])) {
		if (P->nseg == 0) {
			perr(P, line,
			    "continuation line without a preceding alias");
			return -1;
		}
		return logical_append(P, s, n, line);
	}
	if (logical_end(P) == -1)
		return -1;
	return logical_append(P, s, n, line);
}

static int
parse_lines(struct parser *P, const char *buf, size_t len)
{
	const char	*p = buf, *end = buf + len, *nl, *le;
	int		 line = 0;

	while (p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		le = nl != NULL ? nl : end;
		if (memchr(p, '\0', (size_t)(le - p)) != NULL) {
			perr(P, line, "NUL byte");
			return -1;
		}
		if (le > p && le[-1] == '\r')	/* CRLF line ends */
			le--;
		if (feed_line(P, p, (size_t)(le - p), line) == -1)
			return -1;
		p = nl != NULL ? nl + 1 : end;
	}
	return logical_end(P);
}

/*
 * *t is overwritten, not freed first.  On failure it is left empty (safe
 * to pass to aliases_free()).
 */
int
aliases_parse_buffer(struct alias_table *t, const char *buf, size_t len,
    const char *fname, char *err, size_t errlen)
{
	struct parser	P;
	size_t		i;
	int		r = -1;

	memset(t, 0, sizeof(*t));
	memset(&P, 0, sizeof(P));
#ifdef BH_TEST_HOOKS
	/* Which process parses, with which rights (test_alias_parser.py). */
	if (buf != NULL && memmem(buf, len, ALIASES_WHOAMI,
	    sizeof(ALIASES_WHOAMI) - 1) != NULL)
		log_warnx("alias parser: pid %d uid %u", (int)getpid(),
		    (unsigned)getuid());
#endif
	P.fname = fname != NULL ? fname : "aliases";
	P.err = err;
	P.errlen = errlen;
	if (len > ALIASES_FILE_MAX)
		errf(err, errlen, "%s: larger than 16 MiB", P.fname);
	else if (buf == NULL && len > 0)
		errf(err, errlen, "%s: no buffer", P.fname);
	else if (parse_lines(&P, buf, len) == 0) {
		if ((t->file = strdup(P.fname)) == NULL)
			errf(err, errlen, "%s: out of memory", P.fname);
		else
			r = 0;
	}
	free(P.lbuf);
	free(P.seg);
	if (r == -1) {
		for (i = 0; i < P.n; i++)
			entry_free(&P.v[i]);
		free(P.v);
		free(t->file);
		memset(t, 0, sizeof(*t));
		return -1;
	}
	sort_and_dedup(P.v, &P.n);
	t->v = P.v;
	t->n = P.n;
	return 0;
}
