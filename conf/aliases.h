/*
 * aliases.h: the aliases(5) file and its parser (conf/aliases.c); the
 * expansion of a name is delivery/alias_expand.h.
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

#ifdef BH_TEST_HOOKS
/* A line that makes the parser log its pid and uid (test builds only). */
#define ALIASES_WHOAMI	"#bh-test-hook: alias parser whoami\n"
#endif

int	aliases_parse_buffer(struct alias_table *, const char *buf, size_t len,
	    const char *fname, char *err, size_t errlen);
struct stat;
/*
 * Read all of fd, an alias file (regular, at most 16 MiB), into *buf
 * (freed by the caller), for aliases_parse_buffer later (the checker
 * reads as root and parses in its sandbox); its fstat in *st.
 */
int	aliases_read_fd(int fd, const char *path, char **buf, size_t *len,
	    struct stat *st, char *err, size_t errlen);
/* fd: an open alias file, read from where it is; path names it in errors. */
int	aliases_parse_fd(struct alias_table *, int fd, const char *path,
	    char *err, size_t errlen);
int	aliases_parse_file(struct alias_table *, const char *path, char *err,
	    size_t errlen);
/* Case-insensitive; a later definition of a name replaces an earlier one. */
const struct alias_entry *aliases_lookup(const struct alias_table *,
	    const char *name);
void	aliases_free(struct alias_table *);

#endif
