/*
 * config_load.h: main.cf and master.cf from the configuration directory,
 * as the parser master starts (check/config_parser.c), the compartments
 * and the tools read them; then the checks that need the system
 * (accounts, spool: config_system.c), which master runs on what the
 * parser sent it.  The alias files' check is aliases_check.h's.
 */
#ifndef BH_CONFIG_LOAD_H
#define BH_CONFIG_LOAD_H

#include <stddef.h>

#include "conf/config.h"
#include "conf/mastercf.h"

int	config_load(struct bh_config *, const char *dir, cf_warn_fn,
	    char *err, size_t errlen);
int	config_load_mastercf(struct mcf_table *, const char *dir,
	    char *err, size_t errlen);
/* The same from the files' text; main.cf's buf NULL: there is none. */
int	config_load_text(struct bh_config *, const char *dir,
	    const char *buf, size_t len, cf_warn_fn, char *err, size_t errlen);
int	config_load_mastercf_text(struct mcf_table *, const char *dir,
	    const char *buf, size_t len, char *err, size_t errlen);
/* config_system.c: what needs root's view of the system */
int	config_check_system(const struct bh_config *, char *err, size_t errlen);

#endif
