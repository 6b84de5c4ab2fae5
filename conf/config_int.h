/*
 * config_int.h: what the parts of the typed main.cf share, private to
 * conf/config*.c: the row of the parameter table (config_table.c), the
 * value checks it names (config_check.c), used by config.c to build and
 * print a bh_config.
 */
#ifndef BH_CONFIG_INT_H
#define BH_CONFIG_INT_H

#include <stddef.h>

#include "conf/config_layout.h"	/* enum kind */

typedef int (*check_fn)(const char *, char *, size_t);
/* Check one list element and return it converted (malloc'd), or NULL. */
typedef char *(*elem_fn)(const char *, size_t, char *, size_t);

struct param {
	const char	*name;
	const char	*def;		/* NULL: computed by config_defaults */
	enum kind	 kind;
	size_t		 off;		/* of the field in struct bh_config */
	check_fn	 check;		/* K_STR */
	elem_fn		 elem;		/* K_LIST */
	long long	 min, max;	/* K_LONG, K_LLONG, K_TIME */
	char		 unit;		/* K_TIME: the unit of a bare number */
};

static inline void *
field(struct bh_config *cf, const struct param *p)
{
	return (char *)cf + p->off;
}

static inline const void *
cfield(const struct bh_config *cf, const struct param *p)
{
	return (const char *)cf + p->off;
}

#define NPARAMS_MAX	128	/* rows of params[] at most */

/* config_table.c: the table */
extern const struct param	 params[];
extern const size_t		 nparams;	/* its rows */
const struct param	*param_find(const char *name);
size_t			 param_index(const char *name);

/* config_check.c: checks of single values; 0, or -1 with why set */
int	 check_domain(const char *, char *, size_t);
int	 check_abspath(const char *, char *, size_t);
int	 check_optpath(const char *, char *, size_t);
int	 check_user(const char *, char *, size_t);
int	 check_mailbox(const char *, char *, size_t);
int	 check_delimiter(const char *, char *, size_t);
int	 check_privs(const char *, char *, size_t);
int	 check_bare_newline(const char *, char *, size_t);
int	 check_tls_level(const char *, char *, size_t);
int	 check_yesno(const char *, char *, size_t);
int	 check_sasl_type(const char *, char *, size_t);
int	 check_restrictions(const char *, char *, size_t);
int	 check_syslog_name(const char *, char *, size_t);
int	 check_relayhost(const char *, char *, size_t);
int	 check_default_transport(const char *, char *, size_t);
int	 check_smtp_tls_level(const char *, char *, size_t);
int	 check_tls_cert_match(const char *, char *, size_t);
int	 check_sasl_options(const char *, char *, size_t);
/* list elements: the element converted (malloc'd), or NULL */
char	*elem_network(const char *, size_t, char *, size_t);
char	*elem_domain(const char *, size_t, char *, size_t);
char	*elem_resolver(const char *, size_t, char *, size_t);
char	*elem_interface(const char *, size_t, char *, size_t);
char	*elem_address(const char *, size_t, char *, size_t);
char	*elem_aliasmap(const char *, size_t, char *, size_t);
char	*elem_mailto(const char *, size_t, char *, size_t);
char	*elem_login(const char *, size_t, char *, size_t);
/* Convert, check and store v in p's field of cf. */
int	 set_value(struct bh_config *, const struct param *, const char *v,
	    char *why, size_t whylen);

#endif
