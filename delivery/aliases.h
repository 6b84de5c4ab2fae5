/*
 * aliases.h: the aliases(5) file.
 *
 *   name: target, target, ...
 * '#' lines are comments, a line starting with white space continues the
 * previous one, names are matched without regard to case and may be
 * double-quoted.  A target is an address (user or user@domain), a file
 * (/path), a command (|cmd, possibly quoted) or :include:/path.
 * The parser never logs; errors are "file:line: what is wrong".
 */
#ifndef BH_ALIASES_H
#define BH_ALIASES_H

#include <stddef.h>

#define ALIAS_ERR_MAX		512
#define ALIAS_EXPAND_DEPTH	16	/* nested aliases */
#define ALIAS_EXPAND_MAX	1000	/* final recipients of one expansion */

enum alias_kind {
	ALIAS_ADDRESS = 0,	/* user or user@domain */
	ALIAS_FILE,		/* /path */
	ALIAS_COMMAND,		/* |command */
	ALIAS_INCLUDE		/* :include:/path */
};

struct alias_target {
	enum alias_kind	 kind;
	char		*value;		/* quotes and the |, :include: removed */
	/* aliases_expand() output, files and commands: the alias listing
	   it (owned by the table) and that alias's line. */
	const char	*alias;
	int		 line;
};

struct alias_entry {
	char			*name;		/* lower-cased */
	struct alias_target	*targets;
	size_t			 ntargets;
	int			 line;
};

struct alias_table {
	struct alias_entry	*v;
	size_t			 n;
	char			*file;
};

int	aliases_parse_buffer(struct alias_table *, const char *buf, size_t len,
	    const char *fname, char *err, size_t errlen);
int	aliases_parse_file(struct alias_table *, const char *path, char *err,
	    size_t errlen);
/* Case-insensitive; a later definition of a name replaces an earlier one. */
const struct alias_entry *aliases_lookup(const struct alias_table *,
	    const char *name);
void	aliases_free(struct alias_table *);

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
