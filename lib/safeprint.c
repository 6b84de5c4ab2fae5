/*
 * safeprint.c: control characters out of message data an admin tool
 * prints (safeprint.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/safeprint.h"
#include "lib/utf8.h"
#include "lib/xmalloc.h"

/* A lead byte whose sequence the end of the data cut short. */
static int
cut_short(const unsigned char *p, size_t len)
{
	size_t need, i;

	if (*p < 0xc2 || *p > 0xf4)
		return 0;
	need = *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
	if (len >= need)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return 1;
}

/*
 * The printable form of the bytes at p into out (at most 7 bytes and a
 * NUL); returns how many bytes it consumed, or 0 when the data ends
 * inside a UTF-8 sequence and more may come (!final).
 */
static size_t
one(const unsigned char *p, size_t len, int final, char *out)
{
	size_t n;

	if (*p == '\t' || *p == '\n' || (*p >= 0x20 && *p < 0x7f)) {
		out[0] = *p;
		out[1] = '\0';
		return 1;
	}
	if ((n = utf8_seqlen(p, len)) > 0) {
		/* U+0080-U+009F: C1 controls, CSI among them. */
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			snprintf(out, 8, "\\u%04x", p[1]);
		else {
			memcpy(out, p, n);
			out[n] = '\0';
		}
		return n;
	}
	if (!final && cut_short(p, len))
		return 0;
	snprintf(out, 8, "\\%03o", *p);
	return 1;
}

/* Print p; keep an unfinished sequence at its end in sp (unless final). */
static void
run(struct safeprint *sp, FILE *f, const unsigned char *p, size_t len,
    int final)
{
	char	out[8];
	size_t	n;

	while (len > 0) {
		if ((n = one(p, len, final, out)) == 0) {
			memcpy(sp->carry, p, len);
			sp->ncarry = len;
			return;
		}
		fputs(out, f);
		p += n;
		len -= n;
	}
}

void
safeprint_chunk(struct safeprint *sp, FILE *f, const void *data, size_t len)
{
	unsigned char	*joined;
	size_t		 n = sp->ncarry;

	if (n == 0) {
		run(sp, f, data, len, 0);
		return;
	}
	joined = xmalloc(n + len);
	memcpy(joined, sp->carry, n);
	memcpy(joined + n, data, len);
	sp->ncarry = 0;
	run(sp, f, joined, n + len, 0);
	free(joined);
}

void
safeprint_end(struct safeprint *sp, FILE *f)
{
	size_t n = sp->ncarry;

	sp->ncarry = 0;
	if (n > 0)
		run(sp, f, sp->carry, n, 1);
}

char *
safeprint_str(const char *s, char *buf, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, o = 0, sl = strlen(s), k;
	char			 out[8];

	if (len == 0)
		return buf;
	while (sl > 0) {
		n = one(p, sl, 1, out);
		k = strlen(out);
		if (o + k + 1 > len)
			break;
		memcpy(buf + o, out, k);
		o += k;
		p += n;
		sl -= n;
	}
	buf[o] = '\0';
	return buf;
}
