/*
 * alias_checker.h: the alias files checked, as lookup_user, on the
 * descriptors master opened ("bulkhead -x alias-check").
 */
#ifndef BH_ALIAS_CHECKER_H
#define BH_ALIAS_CHECKER_H

#include <stddef.h>

#include "conf/config.h"

int	alias_checker_main(int argc, char **argv);
/* Every transport_maps file parses: 0, or -1 with err. */
int	config_check_transport_maps(const struct bh_config *, char *err,
	    size_t errlen);

#endif
