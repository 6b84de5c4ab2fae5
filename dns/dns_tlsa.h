/*
 * dns_tlsa.h: the dns compartment's TLSA lookups for DANE (dns_tlsa.c).
 */
#ifndef BH_DNS_TLSA_H
#define BH_DNS_TLSA_H

#include <stdint.h>

#include "privsep/ipc_msgs.h"

struct ub_ctx;

/* Answer queue's IPC_DNS_TLSA on *queue (checked again when it ends). */
void	dns_tlsa_query(struct ub_ctx *, struct ipc_chan **queue, uint32_t id,
	    const struct msg_dns_tlsa_query *);
/* queue went away: the answers in libunbound find nobody to answer. */
void	dns_tlsa_queue_gone(void);

#endif
