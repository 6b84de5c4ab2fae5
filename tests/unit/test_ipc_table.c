/*
 * test_ipc_table.c: the message table and the fuzzer cannot drift apart.
 * Every row of IPC_MESSAGE_TABLE names a payload with a decoder (or the
 * empty one) and has a seed in tests/fuzz/corpus/ipc/ named after it
 * ("IPC_MSG_ABORT": msg_abort) that passes the header check for its
 * selector and decodes with the row's decoder; every payload has a
 * template in tests/fuzz/corpus/ipc_roundtrip/.
 */
#include <sys/types.h>

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "privsep/codec.h"
#include "privsep/ipc.h"
#include "privsep/ipc_msgs.h"

#define SEED_MAX	(20 + IPC_PAYLOAD_MAX + 1)

static uint8_t seedbuf[SEED_MAX];

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* Read corpus/DIR/NAME under $srcdir/tests/fuzz; -1 if there is none. */
static ssize_t
read_seed(const char *dir, const char *name)
{
	const char	*srcdir = getenv("srcdir");
	char		 path[1024];
	FILE		*f;
	size_t		 n;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/%s/%s",
	    srcdir != NULL ? srcdir : ".", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		print_error("no seed %s\n", path);
		return -1;
	}
	n = fread(seedbuf, 1, sizeof(seedbuf), f);
	fclose(f);
	return n;
}

/* "IPC_MSG_ABORT" -> "msg_abort" */
static void
seed_name(const char *type, char *out, size_t outsz)
{
	size_t i;

	if (strncmp(type, "IPC_", 4) == 0)
		type += 4;
	for (i = 0; type[i] != '\0' && i + 1 < outsz; i++)
		out[i] = tolower((unsigned char)type[i]);
	out[i] = '\0';
}

static void
test_every_row_has_a_decoder(void **state)
{
	const struct ipc_type_info	*ti;
	const struct ipc_codec		*c;
	uint32_t			 t;

	for (t = IPC_NONE + 1; t < IPC_TYPE_COUNT; t++) {
		ti = ipc_type_info(t);
		assert_non_null(ti);
		c = ipc_type_codec(t);
		if (c == NULL)
			fail_msg("%s: no codec for its payload", ti->name);
		if (c->dec == NULL || c->enc == NULL || c->check == NULL)
			fail_msg("%s: payload %s lacks a decoder, encoder or "
			    "validator", ti->name, c->name);
		/* "none" is the declared empty payload, and only it is. */
		assert_int_equal(c->size == 0,
		    ti->payload == IPC_PAYLOAD_none);
	}
	assert_null(ipc_type_codec(IPC_NONE));
	assert_null(ipc_type_codec(IPC_TYPE_COUNT));
	assert_null(ipc_codec(IPC_PAYLOAD_COUNT));
}

/* The seed of one row: its selector and header name the row's type, the
   header passes the table for the selector's roles, the payload decodes. */
static int
check_row_seed(uint32_t t)
{
	const struct ipc_type_info	*ti = ipc_type_info(t);
	const struct ipc_codec		*c = ipc_type_codec(t);
	struct ipc_hdr			 h;
	struct rbuf			 rb;
	char				 name[64];
	const char			*why;
	void				*m;
	ssize_t				 n;
	int				 rc;

	seed_name(ti->name, name, sizeof(name));
	if ((n = read_seed("ipc", name)) == -1)
		return -1;
	if (n < 20 || seedbuf[0] != t || le32(seedbuf + 4) != t) {
		print_error("seed ipc/%s: selector or header is not %s\n",
		    name, ti->name);
		return -1;
	}
	h.type = t;
	h.len = le32(seedbuf + 8);
	h.id = le32(seedbuf + 12);
	h.flags = le32(seedbuf + 16);
	if ((why = ipc_check_header(&h, seedbuf[1], seedbuf[2],
	    seedbuf[3] & 1)) != NULL || h.len != (size_t)n - 20) {
		print_error("seed ipc/%s: header refused: %s\n", name,
		    why ? why : "length");
		return -1;
	}
	if ((m = calloc(1, c->size + 1)) == NULL)
		return -1;
	rb_init(&rb, seedbuf + 20, h.len);
	if ((rc = c->dec(&rb, m)) != 0)
		print_error("seed ipc/%s: payload does not decode as %s\n",
		    name, c->name);
	free(m);
	return rc;
}

static void
test_every_row_has_a_seed(void **state)
{
	uint32_t	t;
	int		bad = 0;

	for (t = IPC_NONE + 1; t < IPC_TYPE_COUNT; t++)
		if (check_row_seed(t) != 0)
			bad++;
	assert_int_equal(bad, 0);
}

static void
test_every_payload_has_a_template(void **state)
{
	char		name[64];
	uint32_t	p;
	ssize_t		n;
	int		bad = 0;

	for (p = IPC_PAYLOAD_none + 1; p < IPC_PAYLOAD_COUNT; p++) {
		snprintf(name, sizeof(name), "template_%s", ipc_codec(p)->name);
		if ((n = read_seed("ipc_roundtrip", name)) == -1)
			bad++;
		else if (n < 1 || seedbuf[0] != p - 1) {
			print_error("seed ipc_roundtrip/%s: selector %u, "
			    "not %u\n", name, n ? seedbuf[0] : 0, p - 1);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_has_a_decoder),
		cmocka_unit_test(test_every_row_has_a_seed),
		cmocka_unit_test(test_every_payload_has_a_template),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
