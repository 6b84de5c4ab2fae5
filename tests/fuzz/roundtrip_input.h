/*
 * roundtrip_input.h: what the fuzz_ipc_roundtrip harness shares between its
 * files: the input as field material (struct src, f_*), the builders'
 * table.
 */
#ifndef BH_ROUNDTRIP_INPUT_H
#define BH_ROUNDTRIP_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "privsep/codec.h"
#include "privsep/ipc_msgs.h"
#include "smtpd/dsn_param.h"
#include "smtpd/smtp_parse.h"

struct src {
	const uint8_t	*p;
	size_t		 n;
};

#define QID	"0123456789ABCDEF"

/* ---- the round trip ---- */

/*
 * One builder per payload of the message table (IPC_PAYLOADS, in its
 * order: selector i builds payload i + 1); the codec is the table's.
 */
struct msgdef {
	void		(*build)(struct src *, void *);
};

/* roundtrip_input.c */
void	f_u32(struct src *s, uint32_t *v, uint32_t range);
void	f_u64(struct src *s, uint64_t *v);
void	f_str(struct src *s, char *dst, size_t dstsz);

/* roundtrip_build.c */
extern const struct msgdef msgs[IPC_PAYLOAD_COUNT];

#endif
