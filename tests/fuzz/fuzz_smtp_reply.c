/*
 * fuzz_smtp_reply.c: the relay's SMTP reply parser and EHLO keyword
 * reader (relay/smtp_reply.c) on what a remote server sends.
 *
 * The input is a byte stream from a server, taken whole and, a second
 * time, in chunks of sizes the first byte gives (as reads may split
 * it).  Both ways must yield the same replies; each reply must keep the
 * parser's promises (a code 200..599, an enhanced code of the code's
 * class, text without control characters within its size, consumed
 * bytes within the input), or the harness aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay/smtp_reply.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)
#define REPLIES_MAX	64

struct outcome {
	int	n;
	int	codes[REPLIES_MAX];
	int	bad;
};

static void
check_reply(const struct smtp_reply *r)
{
	const char *p;

	CHECK(r->code >= 200 && r->code <= 599);
	CHECK(r->nlines >= 1 && r->nlines <= SMTP_REPLY_LINES_MAX);
	CHECK(memchr(r->text, '\0', sizeof(r->text)) != NULL);
	for (p = r->text; *p != '\0'; p++)
		CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	CHECK(r->dsn[0] == '\0' || r->dsn[0] == '0' + r->code / 100);
}

static void
run(const uint8_t *data, size_t size, size_t chunk, struct outcome *o)
{
	static struct smtp_reply	r;
	static char			buf[3 * SMTP_REPLY_LINE_MAX];
	struct smtp_ext			e;
	enum smtp_reply_rc		rc;
	size_t				have = 0, fed = 0, used, n;

	memset(o, 0, sizeof(*o));
	memset(&e, 0, sizeof(e));
	smtp_reply_init(&r);
	while (fed < size || have > 0) {
		n = size - fed < chunk ? size - fed : chunk;
		if (n > sizeof(buf) - have)
			n = sizeof(buf) - have;
		memcpy(buf + have, data + fed, n);
		have += n;
		fed += n;
		rc = smtp_reply_parse(&r, buf, have, &used);
		CHECK(used <= have);
		if (r.nlines > 0 && rc != SMTP_REPLY_BAD)
			smtp_ext_line(&e, r.line);
		memmove(buf, buf + used, have - used);
		have -= used;
		if (rc == SMTP_REPLY_BAD) {
			CHECK(r.error != NULL);
			o->bad = 1;
			return;
		}
		if (rc == SMTP_REPLY_DONE) {
			check_reply(&r);
			if (o->n < REPLIES_MAX)
				o->codes[o->n] = r.code;
			o->n++;
			smtp_reply_init(&r);
			continue;
		}
		if (n == 0)
			break;		/* no line end left: wait forever */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome	whole, parts;
	size_t		chunk;

	if (size < 1)
		return 0;
	chunk = data[0] % 17 + 1;
	run(data + 1, size - 1, size, &whole);
	run(data + 1, size - 1, chunk, &parts);
	/* the same replies, however the reads split the stream */
	CHECK(whole.bad == parts.bad);
	CHECK(whole.n == parts.n);
	CHECK(memcmp(whole.codes, parts.codes, sizeof(whole.codes)) == 0);
	return 0;
}
