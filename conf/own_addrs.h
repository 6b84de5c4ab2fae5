/*
 * own_addrs.h: this host's own addresses, for domain literals such as
 * user@[192.0.2.1] and for MX hosts that are this host (Postfix's
 * own_inet_addr and proxy_inet_addr: those of inet_interfaces, every
 * interface's for "all", and proxy_interfaces).  Master collects them
 * when it starts lookup, which may live in a network namespace of its
 * own (jail mode), and dns, and hands them over on their command
 * lines.
 */
#ifndef BH_OWN_ADDRS_H
#define BH_OWN_ADDRS_H

#include <stddef.h>

#include "conf/config.h"

/* The numeric addresses, comma-separated, into out ("" if none). */
void	own_addrs_string(const struct bh_config *, char *out, size_t len);
/* Split such a string into l (strdup'd; at most BH_LIST_MAX). */
void	own_addrs_parse(const char *s, struct bh_strlist *l);

#endif
