/*
 * ipc_codec.h: a payload's codec, as the message table names it, and
 * the tables of codecs a channel decodes with.
 *
 * Each payload's row (ipc_codec_NAME: its struct's size, its strict
 * decoder, its encoder and its validator, on a struct msg_NAME passed
 * as void *) is defined with IPC_CODEC_DEFINE in the file of its
 * codec.  ipc_codecs_all (ipc_codec.c) names every row; master's
 * channels decode with ipc_codecs_master (ipc_master.c), which names
 * only the rows of what master receives, so that master links no other
 * codec.  A process picks its table with ipc_codecs_use() before its
 * first channel: a compartment, bulkctl, a test or a fuzz harness
 * ipc_codecs_all, master its own.
 */
#ifndef BH_IPC_CODEC_H
#define BH_IPC_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "privsep/codec.h"
#include "privsep/ipc.h"

struct ipc_codec {
	const char	*name;
	size_t		 size;
	int		(*dec)(struct rbuf *, void *);
	void		(*enc)(struct wbuf *, const void *);
	const char	*(*check)(const void *);
};

/* The rows, one per payload (and the empty one, "none"). */
extern const struct ipc_codec ipc_codec_none;
#define IPC_CODEC_EXTERN(name) extern const struct ipc_codec ipc_codec_##name;
IPC_PAYLOADS(IPC_CODEC_EXTERN)
#undef IPC_CODEC_EXTERN

/*
 * The row of payload NAME, from its dec_NAME, enc_NAME and
 * ipc_check_NAME (ipc_msgs.h): in the file that defines them.
 */
#define IPC_CODEC_DEFINE(name)						\
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
}									\
const struct ipc_codec ipc_codec_##name = { #name,			\
	sizeof(struct msg_##name), dec_any_##name, enc_any_##name,	\
	check_any_##name };

/* Indexed by enum ipc_payload; a NULL entry: not decoded here. */
extern const struct ipc_codec *const ipc_codecs_all[IPC_PAYLOAD_COUNT];
extern const struct ipc_codec *const ipc_codecs_master[IPC_PAYLOAD_COUNT];

/*
 * The table this process's channels decode with (ipc.c).  A received
 * payload whose entry is NULL closes the channel as a violation, as one
 * that does not decode does; ipc_chan_new() is fatal before a table is
 * chosen.
 */
void	ipc_codecs_use(const struct ipc_codec *const *table);

/* From the full table, for tests, fuzz harnesses and smtpd's keys. */
const struct ipc_codec *ipc_codec(uint32_t payload);	/* enum ipc_payload */
const struct ipc_codec *ipc_type_codec(uint32_t type);	/* NULL: unknown */

#endif
