/*
 * codec.c: bounded, strict payload encoding.  See codec.h.
 */
#include <string.h>

#include "privsep/codec.h"

void
wb_init(struct wbuf *wb, uint8_t *buf, size_t cap)
{
	wb->p = buf;
	wb->len = 0;
	wb->cap = cap;
	wb->err = 0;
}

static void
wb_bytes(struct wbuf *wb, const void *src, size_t n)
{
	if (wb->err || n > wb->cap - wb->len) {
		wb->err = 1;
		return;
	}
	memcpy(wb->p + wb->len, src, n);
	wb->len += n;
}

void
wb_u32(struct wbuf *wb, uint32_t v)
{
	uint8_t b[4];
	int	i;

	for (i = 0; i < 4; i++)
		b[i] = (v >> (8 * i)) & 0xff;
	wb_bytes(wb, b, sizeof(b));
}

void
wb_u64(struct wbuf *wb, uint64_t v)
{
	uint8_t b[8];
	int	i;

	for (i = 0; i < 8; i++)
		b[i] = (v >> (8 * i)) & 0xff;
	wb_bytes(wb, b, sizeof(b));
}

void
wb_str(struct wbuf *wb, const char *s)
{
	size_t	n = strlen(s);
	uint8_t	b[2];

	if (n > UINT16_MAX) {
		wb->err = 1;
		return;
	}
	b[0] = n & 0xff;
	b[1] = n >> 8;
	wb_bytes(wb, b, sizeof(b));
	wb_bytes(wb, s, n);
}

void
wb_blob(struct wbuf *wb, const void *p, size_t n)
{
	uint8_t	b[2];

	if (n > UINT16_MAX) {
		wb->err = 1;
		return;
	}
	b[0] = n & 0xff;
	b[1] = n >> 8;
	wb_bytes(wb, b, sizeof(b));
	wb_bytes(wb, p, n);
}

void
rb_init(struct rbuf *rb, const uint8_t *buf, size_t len)
{
	rb->p = buf;
	rb->len = len;
	rb->off = 0;
	rb->err = 0;
}

static const uint8_t *
rb_take(struct rbuf *rb, size_t n)
{
	const uint8_t *q;

	if (rb->err || n > rb->len - rb->off) {
		rb->err = 1;
		return NULL;
	}
	q = rb->p + rb->off;
	rb->off += n;
	return q;
}

int
rb_u32(struct rbuf *rb, uint32_t *v)
{
	const uint8_t	*q = rb_take(rb, 4);
	int		 i;

	*v = 0;
	if (q == NULL)
		return -1;
	for (i = 0; i < 4; i++)
		*v |= (uint32_t)q[i] << (8 * i);
	return 0;
}

int
rb_u64(struct rbuf *rb, uint64_t *v)
{
	const uint8_t	*q = rb_take(rb, 8);
	int		 i;

	*v = 0;
	if (q == NULL)
		return -1;
	for (i = 0; i < 8; i++)
		*v |= (uint64_t)q[i] << (8 * i);
	return 0;
}

int
rb_str(struct rbuf *rb, char *dst, size_t dstsz)
{
	const uint8_t	*q;
	size_t		 n;

	if (dstsz > 0)
		dst[0] = '\0';
	if ((q = rb_take(rb, 2)) == NULL)
		return -1;
	n = q[0] | ((size_t)q[1] << 8);
	if (n >= dstsz) {
		rb->err = 1;		/* overlong field */
		return -1;
	}
	if ((q = rb_take(rb, n)) == NULL)
		return -1;
	if (memchr(q, '\0', n) != NULL) {
		rb->err = 1;		/* embedded NUL */
		return -1;
	}
	memcpy(dst, q, n);
	dst[n] = '\0';
	return 0;
}

int
rb_blob(struct rbuf *rb, void *dst, size_t dstsz, size_t *len)
{
	const uint8_t	*q;
	size_t		 n;

	*len = 0;
	if ((q = rb_take(rb, 2)) == NULL)
		return -1;
	n = q[0] | ((size_t)q[1] << 8);
	if (n > dstsz) {
		rb->err = 1;
		return -1;
	}
	if ((q = rb_take(rb, n)) == NULL)
		return -1;
	memcpy(dst, q, n);
	*len = n;
	return 0;
}

int
rb_end(struct rbuf *rb)
{
	if (rb->err || rb->off != rb->len)
		return -1;
	return 0;
}
