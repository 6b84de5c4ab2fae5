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
 * One decoder: decode into a zeroed struct; on success re-encode, which
 * must give the input bytes, and decode those into a second zeroed struct,
 * which must equal the first.
 */
struct codec {
	size_t	  size;
	int	(*dec)(struct rbuf *, void *);
	void	(*enc)(struct wbuf *, const void *);
};

#define WRAP(name, type)						\
static int								\
d_##name(struct rbuf *rb, void *m)					\
{									\
	return dec_##name(rb, (type *)m);				\
}									\
static void								\
e_##name(struct wbuf *wb, const void *m)				\
{									\
	enc_##name(wb, (const type *)m);				\
}

WRAP(log, struct msg_log)
WRAP(setup_peer, struct msg_setup_peer)
WRAP(peer_violation, struct msg_peer_violation)
WRAP(error, struct msg_error)
WRAP(addr, struct msg_addr)
WRAP(rcpt_verdict, struct msg_rcpt_verdict)
WRAP(qid, struct msg_qid)
WRAP(rcpt, struct msg_rcpt)
WRAP(commit, struct msg_commit)
WRAP(deliver, struct msg_deliver)
WRAP(deliver_result, struct msg_deliver_result)
WRAP(deliver_progress, struct msg_deliver_progress)
WRAP(expand_ok, struct msg_expand_ok)
WRAP(writer_open, struct msg_writer_open)
WRAP(write_mail, struct msg_write_mail)
WRAP(rcpt_check, struct msg_rcpt_check)
WRAP(runner_open, struct msg_runner_open)

static void
roundtrip(const struct codec *c, const uint8_t *p, size_t n, uint8_t *wbuf)
{
	struct rbuf	 rb;
	struct wbuf	 wb;
	void		*a, *b;

	if ((a = calloc(1, c->size)) == NULL || (b = calloc(1, c->size)) == NULL)
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
#define C(name, type)	{ sizeof(type), d_##name, e_##name }
	const struct codec codecs[] = {
		C(log, struct msg_log),
		C(setup_peer, struct msg_setup_peer),
		C(peer_violation, struct msg_peer_violation),
		C(error, struct msg_error),
		C(addr, struct msg_addr),
		C(rcpt_verdict, struct msg_rcpt_verdict),
		C(qid, struct msg_qid),
		C(rcpt, struct msg_rcpt),
		C(commit, struct msg_commit),
		C(deliver, struct msg_deliver),
		C(deliver_result, struct msg_deliver_result),
		C(deliver_progress, struct msg_deliver_progress),
		C(expand_ok, struct msg_expand_ok),
		C(writer_open, struct msg_writer_open),
		C(write_mail, struct msg_write_mail),
		C(rcpt_check, struct msg_rcpt_check),
		C(runner_open, struct msg_runner_open),
	};
#undef C
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
	for (i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		roundtrip(&codecs[i], p, n, wbuf);
	free(wbuf);
	return 0;
}
