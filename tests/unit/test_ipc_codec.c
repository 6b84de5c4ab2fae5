/*
 * test_ipc_codec.c: the payload codec: wbuf/rbuf round trips, short,
 * overlong and trailing input.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "privsep/codec.h"
#include "privsep/ipc.h"
#include "delivery/member.h"
#include "privsep/ipc_msgs.h"

#include "tests/unit/ipc_fixture.h"

/* --- codec ----------------------------------------------------------- */

void
test_codec_roundtrip(void **state)
{
	uint8_t		 buf[4096];
	struct wbuf	 wb;
	struct rbuf	 rb;
	uint32_t	 a, b, c;
	uint64_t	 d, e, f;
	char		 s1[8], s2[16], s3[1001], *big = repeat('q', 1000);

	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, 0x01020304);
	wb_u32(&wb, 0);
	wb_u32(&wb, UINT32_MAX);
	wb_u64(&wb, 0x0102030405060708ULL);
	wb_u64(&wb, 0);
	wb_u64(&wb, UINT64_MAX);
	wb_str(&wb, "");
	wb_str(&wb, "hello, world");
	wb_str(&wb, big);
	assert_int_equal(wb.err, 0);
	assert_int_equal(wb.len, 4 * 3 + 8 * 3 + 2 + 14 + 1002);
	/* Little-endian, u16 string length. */
	assert_memory_equal(buf, "\x04\x03\x02\x01", 4);
	assert_memory_equal(buf + 12, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	assert_memory_equal(buf + 36, "\x00\x00\x0c\x00hello", 9);
	assert_memory_equal(buf + 52, "\xe8\x03qq", 4);

	rb_init(&rb, buf, wb.len);
	assert_int_equal(rb_u32(&rb, &a), 0);
	assert_int_equal(rb_u32(&rb, &b), 0);
	assert_int_equal(rb_u32(&rb, &c), 0);
	assert_int_equal(rb_u64(&rb, &d), 0);
	assert_int_equal(rb_u64(&rb, &e), 0);
	assert_int_equal(rb_u64(&rb, &f), 0);
	assert_int_equal(rb_str(&rb, s1, sizeof(s1)), 0);
	assert_int_equal(rb_str(&rb, s2, sizeof(s2)), 0);
	assert_int_equal(rb_str(&rb, s3, sizeof(s3)), 0);
	assert_int_equal(rb_end(&rb), 0);
	assert_int_equal(a, 0x01020304);
	assert_int_equal(b, 0);
	assert_int_equal(c, UINT32_MAX);
	assert_true(d == 0x0102030405060708ULL);
	assert_true(e == 0);
	assert_true(f == UINT64_MAX);
	assert_string_equal(s1, "");
	assert_string_equal(s2, "hello, world");
	assert_string_equal(s3, big);
	free(big);
}

void
test_codec_short(void **state)
{
	const uint8_t	 p[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t		 sp[8];
	struct rbuf	 rb;
	uint32_t	 u;
	uint64_t	 v;
	char		 s[16];

	rb_init(&rb, p, 3);
	assert_int_equal(rb_u32(&rb, &u), -1);
	assert_int_equal(rb_end(&rb), -1);

	rb_init(&rb, p, 7);
	assert_int_equal(rb_u64(&rb, &v), -1);
	assert_int_equal(rb_end(&rb), -1);

	rb_init(&rb, p, 0);
	assert_int_equal(rb_u32(&rb, &u), -1);

	/* Length prefix cut in half. */
	rb_init(&rb, (const uint8_t *)"\x03", 1);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);
	assert_int_equal(rb_end(&rb), -1);

	/* Length says 5, 4 bytes follow. */
	memcpy(sp, "\x05\x00" "abcd", 6);
	rb_init(&rb, sp, 6);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);
	assert_string_equal(s, "");
	assert_int_equal(rb_end(&rb), -1);

	/* Exactly enough works. */
	rb_init(&rb, p, 4);
	assert_int_equal(rb_u32(&rb, &u), 0);
	assert_int_equal(u, 0x04030201);
	assert_int_equal(rb_end(&rb), 0);
}

void
test_codec_overlong(void **state)
{
	uint8_t		 buf[64];
	struct wbuf	 wb;
	struct rbuf	 rb;
	char		 s[11], z[1];

	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, "0123456789");		/* 10 bytes */

	rb_init(&rb, buf, wb.len);
	assert_int_equal(rb_str(&rb, s, 10), -1);	/* no room for NUL */
	assert_int_equal(rb_end(&rb), -1);

	rb_init(&rb, buf, wb.len);
	assert_int_equal(rb_str(&rb, s, 11), 0);
	assert_string_equal(s, "0123456789");
	assert_int_equal(rb_end(&rb), 0);

	/* Even "" does not fit a zero-size buffer; a 1-byte one takes it. */
	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, "");
	rb_init(&rb, buf, wb.len);
	assert_int_equal(rb_str(&rb, z, 0), -1);
	rb_init(&rb, buf, wb.len);
	assert_int_equal(rb_str(&rb, z, 1), 0);
	assert_int_equal(rb_end(&rb), 0);
}

void
test_codec_embedded_nul(void **state)
{
	uint8_t		 p[16];
	size_t		 n;
	struct rbuf	 rb;
	char		 s[16];

	n = raw_str(p, "a\0b", 3);
	rb_init(&rb, p, n);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);
	assert_int_equal(rb_end(&rb), -1);

	n = raw_str(p, "ab\0", 3);
	rb_init(&rb, p, n);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);

	n = raw_str(p, "\0", 1);
	rb_init(&rb, p, n);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);
}

void
test_codec_trailing(void **state)
{
	const uint8_t	 p[5] = { 1, 0, 0, 0, 9 };
	uint8_t		 q[8];
	struct rbuf	 rb;
	uint32_t	 u;
	char		 s[8];

	rb_init(&rb, p, 5);
	assert_int_equal(rb_u32(&rb, &u), 0);
	assert_int_equal(u, 1);
	assert_int_equal(rb_end(&rb), -1);

	memcpy(q, "\x01\x00xy", 4);
	rb_init(&rb, q, 4);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), 0);
	assert_string_equal(s, "x");
	assert_int_equal(rb_end(&rb), -1);

	/* Nothing read at all from a non-empty payload. */
	rb_init(&rb, p, 1);
	assert_int_equal(rb_end(&rb), -1);
	rb_init(&rb, p, 0);
	assert_int_equal(rb_end(&rb), 0);
}

void
test_codec_sticky(void **state)
{
	uint8_t		 buf[64];
	struct wbuf	 wb;
	struct rbuf	 rb;
	uint32_t	 u;
	uint64_t	 v;
	char		 s[4];

	/* "toolong" does not fit s; everything after it fails too. */
	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, "toolong");
	wb_u32(&wb, 7);
	wb_u64(&wb, 8);
	wb_str(&wb, "ok");
	rb_init(&rb, buf, wb.len);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);
	assert_int_equal(rb_u32(&rb, &u), -1);
	assert_int_equal(u, 0);
	assert_int_equal(rb_u64(&rb, &v), -1);
	assert_true(v == 0);
	assert_int_equal(rb_str(&rb, s, sizeof(s)), -1);
	assert_string_equal(s, "");
	assert_int_equal(rb.err, 1);
	assert_int_equal(rb_end(&rb), -1);
}

void
test_codec_wbuf_overflow(void **state)
{
	uint8_t		 buf[16];
	struct wbuf	 wb;
	char		*huge;

	memset(buf, 0xaa, sizeof(buf));
	wb_init(&wb, buf, 6);
	wb_u32(&wb, 1);
	assert_int_equal(wb.err, 0);
	wb_u32(&wb, 2);				/* 8 > 6 */
	assert_int_equal(wb.err, 1);
	assert_int_equal(wb.len, 4);
	assert_int_equal(buf[4], 0xaa);		/* nothing partial written */
	wb_str(&wb, "");			/* would fit, but err sticks */
	assert_int_equal(wb.err, 1);
	assert_int_equal(wb.len, 4);

	wb_init(&wb, buf, 8);
	wb_u64(&wb, 1);
	assert_int_equal(wb.err, 0);
	wb_u32(&wb, 1);
	assert_int_equal(wb.err, 1);

	wb_init(&wb, buf, sizeof(buf));
	wb_str(&wb, "fifteen chars!!");	/* 2 + 15 > 16 */
	assert_int_equal(wb.err, 1);

	/* A string longer than a u16 length can say. */
	huge = repeat('h', 65536);
	{
		uint8_t *big = malloc(70000);

		assert_non_null(big);
		wb_init(&wb, big, 70000);
		wb_str(&wb, huge);
		assert_int_equal(wb.err, 1);
		free(big);
	}
	free(huge);
}
