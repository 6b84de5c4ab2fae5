/*
 * alias_checker.h: the alias files checked in lookup's compartment, on
 * the descriptors master opened ("bulkhead -x alias-check"); and the
 * table files' check it shares with the tools.
 */
#ifndef BH_ALIAS_CHECKER_H
#define BH_ALIAS_CHECKER_H

#include <stddef.h>

#include "conf/config.h"

int	alias_checker_main(int argc, char **argv);
/* config_parser.c: "bulkhead -x config-parse", main.cf parsed as nobody */
int	config_parser_main(int argc, char **argv);
/* Every transport_maps and smtp_tls_policy_maps file parses: 0, or -1. */
int	config_check_tables(const struct bh_config *, char *err,
	    size_t errlen);

#endif
