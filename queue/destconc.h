/*
 * destconc.h: relay transactions (and the MX lookups before them) in
 * flight per destination, for default_destination_concurrency_limit.
 * A destination is a next hop as queue_route.c names it: the recipient
 * domain for MX routing, "[address]:port" or "name:port" for a fixed
 * next hop.
 */
#ifndef BH_DESTCONC_H
#define BH_DESTCONC_H

#include <stddef.h>

#define DEST_KEY_MAX	300

size_t	dest_count(const char *key);
void	dest_inc(const char *key);
void	dest_dec(const char *key);

#endif
