/*
 * smtp_reply.c: the SMTP client's reply parser and EHLO keyword reader
 * (see smtp_reply.h).  Strict about the shape of a reply, lenient about
 * its text, which is only logged and quoted in notices.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay/smtp_reply.h"

void
smtp_reply_init(struct smtp_reply *r)
{
	r->code = 0;
	r->dsn[0] = '\0';
	r->text[0] = '\0';
	r->nlines = 0;
	r->error = NULL;
	r->line[0] = '\0';
	r->line_fn = NULL;
	r->line_arg = NULL;
}

static enum smtp_reply_rc
bad(struct smtp_reply *r, const char *why)
{
	r->error = why;
	return SMTP_REPLY_BAD;
}

/* "N.N{1,3}.N{1,3}" then a blank or the end, class digit c: its length. */
static size_t
enhanced_len(const char *s, size_t len, char c)
{
	size_t	i = 0, part, n;

	if (len < 5 || s[0] != c || s[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (n = 0; i < len && isdigit((unsigned char)s[i]) && n < 4;
		    i++, n++)
			;
		if (n == 0 || n > 3)
			return 0;
		if (part == 0 && (i >= len || s[i++] != '.'))
			return 0;
	}
	return i == len || s[i] == ' ' ? i : 0;
}

/* Append text to r->text, cleaned, joined by a blank. */
static void
text_add(struct smtp_reply *r, const char *s, size_t len)
{
	size_t	at = strlen(r->text), i;

	if (at > 0 && at + 1 < sizeof(r->text))
		r->text[at++] = ' ';
	for (i = 0; i < len && at + 1 < sizeof(r->text); i++) {
		unsigned char c = s[i];

		r->text[at++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	r->text[at] = '\0';
}

enum smtp_reply_rc
smtp_reply_line(struct smtp_reply *r, const char *s, size_t len)
{
	const char	*text;
	size_t		 tlen, i, elen;
	int		 code;

	if (len > SMTP_REPLY_LINE_MAX)
		return bad(r, "reply line too long");
	if (r->nlines >= SMTP_REPLY_LINES_MAX)
		return bad(r, "too many reply lines");
	if (len < 3 || s[0] < '2' || s[0] > '5' || !isdigit((unsigned char)s[1])
	    || !isdigit((unsigned char)s[2]) || (len > 3 && s[3] != ' ' &&
	    s[3] != '-'))
		return bad(r, "malformed reply line");
	code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (r->nlines > 0 && code != r->code)
		return bad(r, "reply code changes within a reply");
	r->code = code;
	text = len > 4 ? s + 4 : "";
	tlen = len > 4 ? len - 4 : 0;
	for (i = 0; i < tlen; i++)
		r->line[i] = (unsigned char)text[i] < 0x20 ||
		    text[i] == 0x7f ? '?' : text[i];
	r->line[tlen] = '\0';
	if (r->line_fn != NULL)
		r->line_fn(r->line_arg, r->line);
	/* the first enhanced code is kept; every line's is cut */
	if ((elen = enhanced_len(text, tlen, s[0])) > 0) {
		if (r->dsn[0] == '\0' && elen < sizeof(r->dsn)) {
			memcpy(r->dsn, text, elen);
			r->dsn[elen] = '\0';
		}
		text += elen;
		tlen -= elen;
		while (tlen > 0 && *text == ' ')
			text++, tlen--;
	}
	text_add(r, text, tlen);
	r->nlines++;
	return len > 3 && s[3] == '-' ? SMTP_REPLY_MORE : SMTP_REPLY_DONE;
}

enum smtp_reply_rc
smtp_reply_parse(struct smtp_reply *r, const char *buf, size_t len,
    size_t *used)
{
	const char		*nl;
	size_t			 at = 0, ll;
	enum smtp_reply_rc	 rc;

	*used = 0;
	while (at < len) {
		if ((nl = memchr(buf + at, '\n', len - at)) == NULL) {
			/* room for the line and its CR */
			if (len - at > SMTP_REPLY_LINE_MAX + 1)
				return bad(r, "reply line too long");
			return SMTP_REPLY_MORE;
		}
		ll = (size_t)(nl - (buf + at));
		*used = at + ll + 1;
		if (ll > 0 && buf[at + ll - 1] == '\r')
			ll--;
		rc = smtp_reply_line(r, buf + at, ll);
		if (rc != SMTP_REPLY_MORE)
			return rc;
		at = *used;
	}
	return SMTP_REPLY_MORE;
}

/* Does the keyword at s (up to a blank or the end) equal kw? */
static int
keyword_is(const char *s, size_t n, const char *kw)
{
	return strlen(kw) == n && strncasecmp(s, kw, n) == 0;
}

/* "AUTH PLAIN LOGIN" (or the old "AUTH=LOGIN PLAIN"): the ones we use */
static void
auth_mechs(struct smtp_ext *e, const char *s)
{
	size_t n;

	e->flags |= SMTP_EXT_AUTH;
	for (; *s != '\0'; s += n) {
		s += strspn(s, " ");
		n = strcspn(s, " ");
		if (keyword_is(s, n, "PLAIN"))
			e->flags |= SMTP_EXT_AUTH_PLAIN;
		else if (keyword_is(s, n, "LOGIN"))
			e->flags |= SMTP_EXT_AUTH_LOGIN;
	}
}

void
smtp_ext_line(struct smtp_ext *e, const char *s)
{
	static const struct {
		const char	*kw;
		uint32_t	 flag;
	} kws[] = {
		{ "PIPELINING", SMTP_EXT_PIPELINING },
		{ "SIZE", SMTP_EXT_SIZE },
		{ "8BITMIME", SMTP_EXT_8BITMIME },
		{ "SMTPUTF8", SMTP_EXT_SMTPUTF8 },
		{ "DSN", SMTP_EXT_DSN },
		{ "STARTTLS", SMTP_EXT_STARTTLS },
		{ "AUTH", SMTP_EXT_AUTH },
		{ "ENHANCEDSTATUSCODES", SMTP_EXT_ENHANCED },
	};
	size_t		 n = strcspn(s, " "), i;
	const char	*v;
	uint64_t	 size = 0;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (keyword_is(s, n, kws[i].kw))
			e->flags |= kws[i].flag;
	if (keyword_is(s, n, "AUTH") || (n > 5 && strncasecmp(s, "AUTH=", 5)
	    == 0))
		auth_mechs(e, s + (n > 5 ? 5 : n));
	if (!keyword_is(s, n, "SIZE") || s[n] != ' ')
		return;
	/* "SIZE 10240000": digits only, no overflow; else no limit known */
	for (v = s + n + 1; isdigit((unsigned char)*v); v++) {
		if (size > (UINT64_MAX - 9) / 10)
			return;
		size = size * 10 + (uint64_t)(*v - '0');
	}
	if (*v == '\0')
		e->size = size;
}
