/*
 * config_table.c: every main.cf parameter bulkhead knows, one row each:
 * its name, its default (NULL: computed by config_defaults), its kind
 * and its check (config_check.c).  The rows are config_params.h's, in
 * its order; config_layout.c makes master's table from the same rows.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf/config.h"
#include "conf/config_int.h"

#define F(f)		offsetof(struct bh_config, f)
#define STR(n, d, c)	{ #n, d, K_STR, F(n), c, NULL, 0, 0, 0 },
#define STR_AS(s, n, d, c) { s, d, K_STR, F(n), c, NULL, 0, 0, 0 },
#define LIST(n, d, e)	{ #n, d, K_LIST, F(n), NULL, e, 0, 0, 0 },
#define NUM(n, d, k, lo, hi) { #n, d, k, F(n), NULL, NULL, lo, hi, 0 },
#define TIME(n, d, u, lo) { #n, d, K_TIME, F(n), NULL, NULL, lo, INT_MAX, u },
#define SANDBOX(n, d)	{ #n, d, K_SANDBOX, F(n), NULL, NULL, 0, 1, 0 },

const struct param params[] = {
#include "conf/config_params.h"
};

#define NPARAMS	(sizeof(params) / sizeof(params[0]))

const size_t nparams = NPARAMS;
_Static_assert(NPARAMS <= NPARAMS_MAX, "NPARAMS_MAX is too small");

const struct param *
param_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NPARAMS; i++)
		if (strcmp(params[i].name, name) == 0)
			return &params[i];
	return NULL;
}

size_t
param_index(const char *name)
{
	return (size_t)(param_find(name) - params);
}
