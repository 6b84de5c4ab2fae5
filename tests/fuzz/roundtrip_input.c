/*
 * roundtrip_input.c: the helpers of roundtrip_input.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "privsep/codec.h"
#include "privsep/ipc_msgs.h"
#include "smtpd/dsn_param.h"
#include "smtpd/smtp_parse.h"

#include "tests/fuzz/roundtrip_input.h"

static uint8_t
take8(struct src *s)
{
	if (s->n == 0)
		return 0;
	s->n--;
	return *s->p++;
}

/* Mostly small values near the valid range, sometimes all 32 bits. */
void
f_u32(struct src *s, uint32_t *v, uint32_t range)
{
	uint8_t c = take8(s);

	if (c & 1)
		return;			/* keep the template's */
	if (c == 0xfe) {
		*v = (uint32_t)take8(s) | (uint32_t)take8(s) << 8 |
		    (uint32_t)take8(s) << 16 | (uint32_t)take8(s) << 24;
		return;
	}
	*v = (c >> 1) % (range + 2);
}

void
f_u64(struct src *s, uint64_t *v)
{
	uint32_t lo = 0;

	f_u32(s, &lo, 1u << 30);
	*v = lo;
}

/* Keep, or raw octets (no NUL: a C string cannot hold one). */
void
f_str(struct src *s, char *dst, size_t dstsz)
{
	size_t	len, i;
	uint8_t	c = take8(s);

	if (c & 1)
		return;
	len = (size_t)take8(s) | (size_t)(c & 0x0e) << 7;
	if (len > dstsz - 1)
		len = dstsz - 1;
	for (i = 0; i < len && s->n > 0; i++) {
		dst[i] = (char)take8(s);
		if (dst[i] == '\0')
			dst[i] = (char)(0x80 | (c >> 4));
	}
	dst[i] = '\0';
}
