/*
 * config_layout.h: the shape of a bh_config, all that master knows of
 * main.cf's parameters: each one's name, kind, field and range.  It is
 * made from the same rows as the parser's table (config_params.h), so
 * the two cannot disagree; master decodes the parser's output against
 * it (config_decode.h) and links no parser and no value check.
 */
#ifndef BH_CONFIG_LAYOUT_H
#define BH_CONFIG_LAYOUT_H

#include <stddef.h>

#include "conf/config.h"

enum kind {
	K_STR,		/* char * */
	K_LIST,		/* struct bh_strlist */
	K_LONG,		/* long, an integer */
	K_LLONG,	/* long long, an integer */
	K_TIME,		/* long, seconds */
	K_SANDBOX	/* enum sandbox_mode */
};

struct param_layout {
	const char	*name;
	enum kind	 kind;
	size_t		 off;		/* of the field in struct bh_config */
	long long	 min, max;	/* K_LONG, K_LLONG, K_TIME, K_SANDBOX */
};

extern const struct param_layout	 param_layout[];
extern const size_t			 nparam_layout;	/* its rows */

#endif
