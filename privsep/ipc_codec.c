/*
 * ipc_codec.c: the codec of every payload in IPC_PAYLOADS, by number, so
 * that the message table names each row's decoder and encoder.  A row
 * whose payload has no codec does not compile; tests/unit/test_ipc_table.c
 * checks that every row has a decoder and a fuzz seed, and the fuzz
 * harnesses take their list of decoders from here.
 */
#include <stddef.h>

#include "privsep/codec.h"
#include "privsep/ipc.h"
#include "privsep/ipc_msgs.h"

static int
dec_none(struct rbuf *rb, void *m)
{
	return dec_empty(rb);
}

static void
enc_none(struct wbuf *wb, const void *m)
{
}

static const char *
check_none(const void *m)
{
	return NULL;
}

#define IPC_CODEC_WRAP(name)						\
static int								\
dec_any_##name(struct rbuf *rb, void *m)				\
{									\
	return dec_##name(rb, (struct msg_##name *)m);			\
}									\
static void								\
enc_any_##name(struct wbuf *wb, const void *m)				\
{									\
	enc_##name(wb, (const struct msg_##name *)m);			\
}									\
static const char *							\
check_any_##name(const void *m)						\
{									\
	return ipc_check_##name((const struct msg_##name *)m);		\
}
IPC_PAYLOADS(IPC_CODEC_WRAP)
#undef IPC_CODEC_WRAP

static const struct ipc_codec codecs[IPC_PAYLOAD_COUNT] = {
	[IPC_PAYLOAD_none] = { "none", 0, dec_none, enc_none, check_none },
#define IPC_CODEC_ROW(name)						\
	[IPC_PAYLOAD_##name] = { #name, sizeof(struct msg_##name),	\
	    dec_any_##name, enc_any_##name, check_any_##name },
	IPC_PAYLOADS(IPC_CODEC_ROW)
#undef IPC_CODEC_ROW
};

const struct ipc_codec *
ipc_codec(uint32_t payload)
{
	return payload < IPC_PAYLOAD_COUNT ? &codecs[payload] : NULL;
}

const struct ipc_codec *
ipc_type_codec(uint32_t type)
{
	const struct ipc_type_info *ti = ipc_type_info(type);

	return ti != NULL ? ipc_codec(ti->payload) : NULL;
}
