/*
 * mastercf.h: master.cf, Postfix style.
 *
 * One service per logical line (continuation lines start with white space):
 *   service type private unpriv chroot wakeup maxproc command [-o name=value]...
 * bulkhead's compartments (queue, lookup, local) are fixed by design and are
 * not declared here: master.cf declares the network services, each served
 * by the smtpd compartment.
 */
#ifndef BH_MASTERCF_H
#define BH_MASTERCF_H

#include <stddef.h>

#define MCF_OPT_MAX	32
#define MCF_FILE_MAX		(1024 * 1024)
#define MCF_SERVICES_MAX	256
#define MCF_MAXPROC_MAX		100000

struct mcf_option {
	char	*name;
	char	*value;
};

struct mcf_service {
	char		*name;		/* "smtp", "127.0.0.1:2525", "[::1]:25" */
	char		*host;		/* NULL = inet_interfaces (all) */
	char		*port;		/* numeric string, resolved from name */
	char		*command;	/* "smtpd" */
	long		 maxproc;	/* -1 = default */
	struct mcf_option opts[MCF_OPT_MAX];
	size_t		 nopts;
	char		*file;
	int		 line;
};

struct mcf_table {
	struct mcf_service *v;
	size_t		    n;
};

/* Returns 0, or -1 with err = "file:line: what is wrong". */
int	mcf_parse_buffer(struct mcf_table *, const char *buf, size_t len,
	    const char *fname, char *err, size_t errlen);
int	mcf_parse_file(struct mcf_table *, const char *path, char *err,
	    size_t errlen);
/* mastercf_table.c: what master links of it too */
void	mcf_service_clear(struct mcf_service *);
void	mcf_free(struct mcf_table *);

#endif
