/*
 * audit.h: what a running compartment is allowed to do, read from outside
 * through /proc, as "bulkctl audit" prints it and the tests assert it.
 */
#ifndef BH_AUDIT_H
#define BH_AUDIT_H

#include <sys/types.h>

struct audit_row {
	pid_t	pid;
	char	role[16];
	char	uid[64];	/* "real effective saved fs" */
	char	gid[64];
	char	groups[128];
	char	capeff[20];
	char	capbnd[20];
	int	nnp;
	int	seccomp;
	char	root[256];
	char	ns[64];		/* namespaces that differ from master's */
	int	ok;		/* a compartment that passes every check */
};

/* Fill a row for pid, comparing namespaces with master_pid's. */
int	audit_read(pid_t pid, pid_t master_pid, struct audit_row *);
/* Children of master: fills up to max rows (master first). */
int	audit_collect(pid_t master_pid, struct audit_row *, int max);
void	audit_print_header(void);
void	audit_print_row(const struct audit_row *);

#endif
