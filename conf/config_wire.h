/*
 * config_wire.h: the typed configuration as "bulkhead -x config-parse"
 * sends it to master on a pipe, one record a line, no NUL anywhere:
 *
 *   l<prio> TEXT		a log line of the parser (priority 0-7)
 *   w TEXT			a warning of the parse (unknown parameter)
 *   e TEXT			the parse failed: "file:line: what is wrong";
 *				nothing follows
 *   p INDEX KIND VALUE	parameter INDEX of the layout, every one once,
 *				in the layout's order; KIND is S (string),
 *				L (list: VALUE is the count of the "i ELEMENT"
 *				lines that follow), N (long), Q (long long),
 *				T (seconds), X (sandbox, 0 chroot, 1 jail);
 *				numbers in decimal, already converted
 *   m COUNT			master.cf's services follow (only when asked),
 *				each as "s LINE MAXPROC NOPTS", "f FILE",
 *				"n NAME", "h HOST" or "H" (none), "t PORT",
 *				"c COMMAND", and NOPTS "o NAME VALUE"
 *   .				the end
 *
 * Log and warning lines come first.  Master decodes strictly against
 * its layout (config_layout.h): a kind that is not the row's, a number
 * out of the row's range, a list longer than BH_LIST_MAX, a record out
 * of place or missing, a NUL, more than CFG_WIRE_MAX bytes: refused.
 */
#ifndef BH_CONFIG_WIRE_H
#define BH_CONFIG_WIRE_H

#include <stddef.h>

#include "conf/config.h"
#include "conf/mastercf.h"

#define CFG_WIRE_MAX	(4 * 1024 * 1024)	/* bytes master reads */

struct dbuf;

/* config_encode.c (the parser): append cf and (if not NULL) mcf. */
int	config_encode(const struct bh_config *, const struct mcf_table *,
	    struct dbuf *, char *err, size_t errlen);

/*
 * config_decode.c (master): buf[0..len) (changed in place) into cf and,
 * if mcf is not NULL, mcf (which must then be there).  Log and warning
 * lines go to logfn.  Returns 0, or -1 with err: the parser's own
 * verdict as it wrote it (*parse_error set), or why the output is
 * malformed; cf and mcf are then empty.
 */
typedef void (*cfg_log_fn)(int prio, const char *line, void *arg);
int	config_decode(char *buf, size_t len, struct bh_config *,
	    struct mcf_table *, cfg_log_fn, void *arg, int *parse_error,
	    char *err, size_t errlen);

#endif
