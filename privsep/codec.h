/*
 * codec.h: typed reads and writes on an IPC payload.
 *
 * Integers are little-endian fixed width; a string is a u16 length and that
 * many bytes, which may not contain NUL (a blob is the same, NUL
 * allowed).  A reader never trusts a length:
 * every get checks the bytes are there and fit the caller's buffer, and
 * rb_end() fails unless the payload was consumed exactly.  The first error
 * sticks, so a decoder may do all its gets and check once.
 */
#ifndef BH_CODEC_H
#define BH_CODEC_H

#include <stddef.h>
#include <stdint.h>

struct wbuf {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
	int	 err;		/* set when a put did not fit */
};

struct rbuf {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	int		 err;	/* set by the first failed get */
};

void	wb_init(struct wbuf *, uint8_t *buf, size_t cap);
void	wb_u32(struct wbuf *, uint32_t);
void	wb_u64(struct wbuf *, uint64_t);
void	wb_str(struct wbuf *, const char *);
/* Bytes that may hold NUL: a u16 length and the bytes. */
void	wb_blob(struct wbuf *, const void *, size_t);

void	rb_init(struct rbuf *, const uint8_t *buf, size_t len);
int	rb_u32(struct rbuf *, uint32_t *);
int	rb_u64(struct rbuf *, uint64_t *);
/* Copy a string into dst (NUL-terminated); fails if it does not fit. */
int	rb_str(struct rbuf *, char *dst, size_t dstsz);
/* Copy bytes (NUL allowed) into dst, their count into *len. */
int	rb_blob(struct rbuf *, void *dst, size_t dstsz, size_t *len);
/* 0 when every get succeeded and no byte is left over; else -1. */
int	rb_end(struct rbuf *);

#endif
