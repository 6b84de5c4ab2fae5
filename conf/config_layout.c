/*
 * config_layout.c: the layout of a bh_config (config_layout.h), made
 * from config_params.h's rows without their defaults and checks, and
 * config_free, which needs no more than the layout.
 */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conf/config.h"
#include "conf/config_layout.h"

#define F(f)		offsetof(struct bh_config, f)
#define STR(n, d, c)	{ #n, K_STR, F(n), 0, 0 },
#define STR_AS(s, n, d, c) { s, K_STR, F(n), 0, 0 },
#define LIST(n, d, e)	{ #n, K_LIST, F(n), 0, 0 },
#define NUM(n, d, k, lo, hi) { #n, k, F(n), lo, hi },
#define TIME(n, d, u, lo) { #n, K_TIME, F(n), lo, INT_MAX },
#define SANDBOX(n, d)	{ #n, K_SANDBOX, F(n), SANDBOX_CHROOT, SANDBOX_JAIL },

const struct param_layout param_layout[] = {
#include "conf/config_params.h"
};

const size_t nparam_layout = sizeof(param_layout) / sizeof(param_layout[0]);

void
config_free(struct bh_config *cf)
{
	struct bh_strlist	*l;
	size_t			 i, j;

	if (cf == NULL)
		return;
	for (i = 0; i < nparam_layout; i++) {
		if (param_layout[i].kind == K_STR)
			free(*(char **)((char *)cf + param_layout[i].off));
		else if (param_layout[i].kind == K_LIST) {
			l = (void *)((char *)cf + param_layout[i].off);
			for (j = 0; j < l->n && j < BH_LIST_MAX; j++)
				free(l->v[j]);
		}
	}
	memset(cf, 0, sizeof(*cf));
}
