/*
 * ipc_codec.c: the table of every payload's codec, by number, so that
 * each row of the message table has its decoder and encoder.  A payload
 * whose codec row (IPC_CODEC_DEFINE, ipc_codec.h) is missing does not
 * link; tests/unit/test_ipc_table.c checks that every row has a decoder
 * and a fuzz seed, and the fuzz harnesses take their list of decoders
 * from here.  The compartments decode with this table; master with its
 * own (ipc_master.c).
 */
#include <stddef.h>

#include "privsep/codec.h"
#include "privsep/ipc.h"
#include "privsep/ipc_codec.h"

const struct ipc_codec *const ipc_codecs_all[IPC_PAYLOAD_COUNT] = {
	[IPC_PAYLOAD_none] = &ipc_codec_none,
#define IPC_CODEC_ROW(name) [IPC_PAYLOAD_##name] = &ipc_codec_##name,
	IPC_PAYLOADS(IPC_CODEC_ROW)
#undef IPC_CODEC_ROW
};

const struct ipc_codec *
ipc_codec(uint32_t payload)
{
	return payload < IPC_PAYLOAD_COUNT ? ipc_codecs_all[payload] : NULL;
}

const struct ipc_codec *
ipc_type_codec(uint32_t type)
{
	const struct ipc_type_info *ti = ipc_type_info(type);

	return ti != NULL ? ipc_codec(ti->payload) : NULL;
}
