/*
 * cf_edit.h: main.cf edited as postconf -e edits it (bulkctl config
 * name=value): the text comes back with each named parameter set, every
 * comment, blank line and other parameter as it was.
 */
#ifndef BH_CF_EDIT_H
#define BH_CF_EDIT_H

#include <stddef.h>

#include "lib/textfile.h"

struct cf_edit {
	char	*name;		/* a parameter name: [A-Za-z0-9_]+ */
	char	*value;		/* one line, no leading or trailing space */
	int	 done;		/* set by cf_edit_text: main.cf had it */
};

/*
 * Where main.cf (in, len) sets a name of ed, its first logical line (the
 * line and the continuation lines after it) becomes "name = value" and
 * a later definition of the same name goes; names it does not set are
 * appended in the order given.  out gets the text, NUL-terminated; the
 * caller checks the result (cf_parse_buffer, config_build) before using
 * it.  Returns 0, or -1 when out of memory.
 */
int	cf_edit_text(const char *in, size_t len, struct cf_edit *ed, size_t ned,
	    struct dbuf *out);

#endif
