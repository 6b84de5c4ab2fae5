/*
 * fuzz_ipc.c: the IPC header check and every payload decoder.
 *
 * Input: 4 selector bytes (type, self role, peer role, have_fd), a 16-byte
 * header (type, len, id, flags, little-endian), then the payload.
 * ipc_check_header must agree with the table; every decoder gets the
 * payload, and whatever one accepts must re-encode to exactly the input
 * and decode again to the same struct.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "privsep/codec.h"
#include "privsep/ipc.h"
#include "privsep/ipc_msgs.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define SEL_LEN	4
#define HDR_LEN	16

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* What ipc_check_header must decide, derived from the table alone. */
static int
header_ok(const struct ipc_hdr *h, unsigned self, unsigned peer, int have_fd)
{
	const struct ipc_type_info *ti = ipc_type_info(h->type);

	if (ti == NULL || self >= ROLE_COUNT || peer >= ROLE_COUNT)
		return 0;
	if (!(ti->senders & (1u << peer)) || !(ti->receivers & (1u << self)))
		return 0;
	if (h->len > IPC_PAYLOAD_MAX)
		return 0;
	if (h->flags != 0 && h->flags != IPC_HDR_FD)
		return 0;
	if ((h->flags == IPC_HDR_FD) != (have_fd != 0))
		return 0;
	if ((ti->fd == IPC_FD_REQUIRED) != (have_fd != 0))
		return 0;
	if ((ti->kind == IPC_NOTE) != (h->id == 0))
		return 0;
	return 1;
}

static void
check_header(const uint8_t *sel, const uint8_t *hb)
{
	struct ipc_hdr	 h;
	unsigned	 self, peer;
	int		 have_fd;
	const char	*why;

	h.type = le32(hb);
	h.len = le32(hb + 4);
	h.id = le32(hb + 8);
	h.flags = le32(hb + 12);
	/* Mostly a type near the table; sometimes the raw 32 bits. */
	if (!(sel[0] & 0x80))
		h.type = sel[0] % (IPC_TYPE_COUNT + 1);
	self = sel[1] % (ROLE_COUNT + 2);
	peer = sel[2] % (ROLE_COUNT + 2);
	have_fd = sel[3] & 1;
	why = ipc_check_header(&h, self, peer, have_fd);
	if ((why == NULL) != header_ok(&h, self, peer, have_fd))
		abort();
	if (why != NULL && why[0] == '\0')
		abort();
}

/*
 * One decoder, the table's (ipc_codec): decode into a zeroed struct; on
 * success re-encode, which must give the input bytes, and decode those
 * into a second zeroed struct, which must equal the first.
 */
static void
roundtrip(const struct ipc_codec *c, const uint8_t *p, size_t n,
    uint8_t *wbuf)
{
	struct rbuf	 rb;
	struct wbuf	 wb;
	void		*a, *b;

	/* + 1: the empty payload's struct has no bytes */
	if ((a = calloc(1, c->size + 1)) == NULL ||
	    (b = calloc(1, c->size + 1)) == NULL)
		abort();
	rb_init(&rb, p, n);
	if (c->dec(&rb, a) == 0) {
		if (n > IPC_PAYLOAD_MAX)
			abort();
		wb_init(&wb, wbuf, IPC_PAYLOAD_MAX);
		c->enc(&wb, a);
		if (wb.err || wb.len != n || memcmp(wbuf, p, n) != 0)
			abort();
		rb_init(&rb, wbuf, wb.len);
		if (c->dec(&rb, b) != 0 || memcmp(a, b, c->size) != 0)
			abort();
	}
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*p;
	uint8_t		*wbuf;
	struct rbuf	 rb;
	size_t		 n, i;

	if (size < SEL_LEN + HDR_LEN)
		return 0;
	check_header(data, data + SEL_LEN);
	p = data + SEL_LEN + HDR_LEN;
	n = size - SEL_LEN - HDR_LEN;

	rb_init(&rb, p, n);
	if ((dec_empty(&rb) == 0) != (n == 0))
		abort();
	if ((wbuf = malloc(IPC_PAYLOAD_MAX)) == NULL)
		abort();
	for (i = 0; i < IPC_PAYLOAD_COUNT; i++)
		roundtrip(ipc_codec(i), p, n, wbuf);
	free(wbuf);
	return 0;
}
