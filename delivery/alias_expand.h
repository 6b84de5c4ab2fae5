/*
 * alias_expand.h: a name expanded through an aliases(5) table
 * (conf/aliases.h) to its final recipients (delivery/alias_expand.c).
 */
#ifndef BH_ALIAS_EXPAND_H
#define BH_ALIAS_EXPAND_H

#include <stddef.h>

#include "conf/aliases.h"

#define ALIAS_EXPAND_DEPTH	16	/* nested aliases */
#define ALIAS_EXPAND_MAX	1000	/* final recipients of one expansion */

/*
 * Expand name recursively to final local recipients.  A target that is
 * itself an alias is expanded; an alias that names itself (directly, as
 * "root: root") ends there as a final recipient, as sendmail and Postfix
 * do.  Loops and depth beyond ALIAS_EXPAND_DEPTH fail with err set.
 * is_local_domain tells whether user@domain is ours (then the local part
 * is looked up again); other targets are returned unchanged.
 * out receives malloc'd targets (kind + value); the caller frees them with
 * aliases_free_targets().  Duplicates are removed.
 * Returns the number of targets, or -1.
 */
typedef int (*alias_domain_fn)(const char *domain, void *arg);
int	aliases_expand(const struct alias_table *, const char *name,
	    alias_domain_fn is_local_domain, void *arg,
	    struct alias_target **out, char *err, size_t errlen);
/*
 * The same with recipient_delimiter (NULL or "": none): an address target
 * user+ext that is not an alias itself is expanded as the alias user if
 * there is one (the extension dropped), else returned as user+ext.
 */
int	aliases_expand_delim(const struct alias_table *, const char *name,
	    const char *delims, alias_domain_fn is_local_domain, void *arg,
	    struct alias_target **out, char *err, size_t errlen);
void	aliases_free_targets(struct alias_target *, size_t);

#endif
