/*
 * dropfile.c: the drop file's envelope, written by sendmail(1) and
 * parsed by pickup as hostile input (dropfile.h has the format).  The
 * parser is strict: one magic line, known keywords only, each at most
 * once but rcpt, every value checked, an empty line at the end, all
 * within DROP_ENVELOPE_MAX bytes.  Fuzzed by tests/fuzz/fuzz_dropfile.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/rfc5321.h"
#include "lib/utf8.h"
#include "lib/xmalloc.h"
#include "pickup/dropfile.h"
#include "privsep/ipc_msgs.h"

int
drop_addr_valid(const char *s, size_t n)
{
	const char	*at;
	size_t		 where;

	if (n == 0 || n > DROP_ADDR_MAX)
		return 0;
	if ((at = memchr(s, '@', n)) == NULL)
		return rfc5321_is_dot_string(s, n, 0);
	if (!rfc5321_is_dot_string(s, (size_t)(at - s), 0))
		return 0;
	return rfc5321_check_domain(at + 1, n - (size_t)(at - s) - 1, 0,
	    &where) == RFC5321_OK;
}

int
drop_text_valid(const char *s, size_t n, size_t max)
{
	size_t	i, k;

	if (n > max)
		return 0;
	for (i = 0; i < n; i += k) {
		const unsigned char c = (unsigned char)s[i];

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			k = 1;
		} else if ((k = utf8_seqlen((const unsigned char *)s + i,
		    n - i)) == 0)
			return 0;
	}
	return 1;
}

int
drop_name_valid(const char *name)
{
	size_t	i;

	for (i = 0; i < DROP_NAME_LEN; i++)
		if (!isdigit((unsigned char)name[i]) &&
		    (name[i] < 'A' || name[i] > 'F'))
			return 0;
	return name[DROP_NAME_LEN] == '\0';
}

static int
parse_notify(const char *v, size_t n, uint32_t *out)
{
	static const struct { const char *name; uint32_t bit; } words[] = {
		{ "never", DSN_NOTIFY_NEVER },
		{ "success", DSN_NOTIFY_SUCCESS },
		{ "failure", DSN_NOTIFY_FAILURE },
		{ "delay", DSN_NOTIFY_DELAY },
	};
	size_t	 i, k, w;
	uint32_t bits = 0;

	for (i = 0; i <= n; i = k + 1) {
		for (k = i; k < n && v[k] != ','; k++)
			;
		for (w = 0; w < sizeof(words) / sizeof(words[0]); w++)
			if (strlen(words[w].name) == k - i &&
			    strncasecmp(words[w].name, v + i, k - i) == 0)
				break;
		if (w == sizeof(words) / sizeof(words[0]) ||
		    (bits & words[w].bit) != 0)
			return -1;
		bits |= words[w].bit;
	}
	if ((bits & DSN_NOTIFY_NEVER) && bits != DSN_NOTIFY_NEVER)
		return -1;
	*out = bits;
	return 0;
}

/* RFC 3461 xtext's characters, decoded: printable ASCII but '+', '='. */
static int
envid_valid(const char *v, size_t n)
{
	size_t	i;

	if (n == 0 || n > DROP_ENVID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (v[i] < 0x21 || v[i] > 0x7e || v[i] == '+' || v[i] == '=')
			return 0;
	return 1;
}

#define SEEN_SENDER	0x01
#define SEEN_FULLNAME	0x02
#define SEEN_NOTIFY	0x04
#define SEEN_RET	0x08
#define SEEN_ENVID	0x10
#define SEEN_BODY	0x20

static int
copy_value(char *dst, size_t dstsize, const char *v, size_t n)
{
	if (n >= dstsize)
		return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* One "keyword value" line, without its LF.  NULL or the reason. */
static const char *
parse_line(struct drop_env *e, unsigned *seen, const char *l, size_t n)
{
	const char	*sp = memchr(l, ' ', n), *v;
	size_t		 kn, vn;

	if (sp == NULL)
		return "a line without a value";
	kn = (size_t)(sp - l);
	v = sp + 1;
	vn = n - kn - 1;
#define KEY(s)	(kn == sizeof(s) - 1 && memcmp(l, s, kn) == 0)
#define ONCE(bit) do {							\
		if (*seen & (bit))					\
			return "a keyword given twice";			\
		*seen |= (bit);						\
	} while (0)
	if (KEY("rcpt")) {
		if (e->nrcpt == DROP_RCPT_MAX)
			return "too many recipients";
		if (!drop_addr_valid(v, vn))
			return "a malformed recipient";
		if (e->nrcpt == e->rcpt_cap) {
			/* grown as needed: all 1,000 at once were 257 KB */
			e->rcpt_cap = e->rcpt_cap ? e->rcpt_cap * 2 : 8;
			if (e->rcpt_cap > DROP_RCPT_MAX)
				e->rcpt_cap = DROP_RCPT_MAX;
			e->rcpt = xreallocarray(e->rcpt, e->rcpt_cap,
			    sizeof(*e->rcpt));
		}
		copy_value(e->rcpt[e->nrcpt++], DROP_ADDR_MAX + 1, v, vn);
	} else if (KEY("sender")) {
		ONCE(SEEN_SENDER);
		/* "<>": the null sender */
		if (vn == 2 && memcmp(v, "<>", 2) == 0)
			vn = 0;
		else if (!drop_addr_valid(v, vn))
			return "a malformed sender";
		e->have_sender = 1;
		copy_value(e->sender, sizeof(e->sender), v, vn);
	} else if (KEY("fullname")) {
		ONCE(SEEN_FULLNAME);
		if (!drop_text_valid(v, vn, DROP_FULLNAME_MAX))
			return "a malformed full name";
		copy_value(e->fullname, sizeof(e->fullname), v, vn);
	} else if (KEY("notify")) {
		ONCE(SEEN_NOTIFY);
		if (parse_notify(v, vn, &e->notify) == -1)
			return "a malformed notify list";
	} else if (KEY("ret")) {
		ONCE(SEEN_RET);
		if (vn == 4 && memcmp(v, "full", 4) == 0)
			e->ret = DSN_RET_FULL;
		else if (vn == 4 && memcmp(v, "hdrs", 4) == 0)
			e->ret = DSN_RET_HDRS;
		else
			return "a malformed ret";
	} else if (KEY("envid")) {
		ONCE(SEEN_ENVID);
		if (!envid_valid(v, vn))
			return "a malformed envid";
		copy_value(e->envid, sizeof(e->envid), v, vn);
	} else if (KEY("body")) {
		ONCE(SEEN_BODY);
		if (vn == 4 && memcmp(v, "7bit", 4) == 0)
			e->body8 = 0;
		else if (vn == 8 && memcmp(v, "8bitmime", 8) == 0)
			e->body8 = 1;
		else
			return "a malformed body type";
	} else
		return "an unknown keyword";
#undef KEY
#undef ONCE
	return NULL;
}

int
drop_parse_env(const char *buf, size_t len, struct drop_env *e, char *err,
    size_t errlen)
{
	const char	*why = NULL, *nl;
	size_t		 off, magic = sizeof(DROP_MAGIC) - 1;
	unsigned	 seen = 0;

	memset(e, 0, sizeof(*e));
	if (len < magic || memcmp(buf, DROP_MAGIC, magic) != 0) {
		snprintf(err, errlen, "not a drop file (no \"bulkdrop 1\")");
		return -1;
	}
	if (len > DROP_ENVELOPE_MAX)
		len = DROP_ENVELOPE_MAX;
	for (off = magic; why == NULL; off = (size_t)(nl - buf) + 1) {
		if ((nl = memchr(buf + off, '\n', len - off)) == NULL) {
			why = "the envelope does not end (within 256 KiB)";
			break;
		}
		if (nl == buf + off)
			break;
		if (memchr(buf + off, '\0', (size_t)(nl - buf) - off) != NULL)
			why = "a NUL in the envelope";
		else
			why = parse_line(e, &seen, buf + off,
			    (size_t)(nl - buf) - off);
	}
	if (why == NULL && e->nrcpt == 0)
		why = "no recipient";
	if (why != NULL) {
		snprintf(err, errlen, "%s (at byte %zu)", why, off);
		drop_env_free(e);
		return -1;
	}
	e->env_len = off + 1;
	return 0;
}

void
drop_env_free(struct drop_env *e)
{
	free(e->rcpt);
	e->rcpt = NULL;
	e->nrcpt = e->rcpt_cap = 0;
}

/* A header field's name at the start of line l (n bytes) is name. */
static int
header_is(const char *l, size_t n, const char *name)
{
	size_t	k = strlen(name);

	return n > k && l[k] == ':' && strncasecmp(l, name, k) == 0;
}

unsigned
drop_scan_headers(const char *msg, size_t len)
{
	const char	*nl;
	size_t		 off, n;
	unsigned	 have = 0;

	for (off = 0; off < len; off += n + 1) {
		nl = memchr(msg + off, '\n', len - off);
		n = nl == NULL ? len - off : (size_t)(nl - (msg + off));
		if (n == 0)
			break;			/* the end of the header */
		if (header_is(msg + off, n, "date"))
			have |= DROP_HAVE_DATE;
		else if (header_is(msg + off, n, "message-id"))
			have |= DROP_HAVE_MSGID;
		else if (header_is(msg + off, n, "from"))
			have |= DROP_HAVE_FROM;
		else if (msg[off] != ' ' && msg[off] != '\t' &&
		    memchr(msg + off, ':', n) == NULL)
			break;			/* not a header: the body */
		if (nl == NULL)
			break;
	}
	return have;
}
