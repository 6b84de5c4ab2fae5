/*
 * bulkctl.c: the administration tool.
 *
 *   bulkctl [-c config_dir] audit	the compartments, as /proc shows them
 *   bulkctl [-c config_dir] mailq | list [-j] | flush
 *   bulkctl [-c config_dir] hold | release | delete | requeue | cat
 *       id ... | ALL | -
 *   bulkctl [-c config_dir] aliases check
 *   bulkctl [-c config_dir] config ...	postconf (bulkctl_config.c)
 *   mailq [-c config_dir] [-j]		(bulkctl called as mailq)
 *   newaliases [-c config_dir]		(bulkctl aliases check)
 */
#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "conf/aliases_check.h"
#include "tools/audit.h"
#include "tools/bulkctl_queue.h"
#include "tools/bulkctl_config.h"
#include "tools/bulkctl_passwd.h"
#include "conf/config_load.h"

#define AUDIT_ROWS	256

static void
usage(void)
{
	fprintf(stderr, "usage: bulkctl [-c config_dir] audit | mailq | "
	    "list [-j] | flush\n"
	    "       bulkctl [-c config_dir] hold | release | delete | "
	    "requeue | cat  id ... | ALL | -\n"
	    "       bulkctl [-c config_dir] aliases check\n"
	    "       bulkctl [-c config_dir] config [-dhnx] [name[=value] ...]"
	    " | -M\n"
	    "       bulkctl [-c config_dir] passwd login\n"
	    "       bulkctl -V\n"
	    "       mailq [-c config_dir] [-j]\n"
	    "       newaliases [-c config_dir]\n");
	exit(2);
}

/*
 * newaliases: bulkhead reads the alias files as they are (no database to
 * rebuild), so this checks them as the daemon will: syntax errors with
 * file:line (exit 1), then warnings (targets nothing can deliver, no
 * postmaster) that do not stop mail.  lookup picks changes up by itself.
 */
static int
cmd_aliases_check(const struct bh_config *cf)
{
	char err[CF_ERR_MAX];

	if (config_check_aliases(cf, err, sizeof(err)) == -1) {
		fprintf(stderr, "bulkctl: %s\n", err);
		return 1;
	}
	return 0;
}

static pid_t
master_pid(const struct bh_config *cf)
{
	FILE	*f;
	long	 pid = 0;

	if ((f = fopen(cf->pid_file, "r")) == NULL)
		return -1;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = -1;
	fclose(f);
	if (pid <= 1 || kill((pid_t)pid, 0) == -1)
		return -1;
	return (pid_t)pid;
}

static int
cmd_audit(const struct bh_config *cf)
{
	struct audit_row	rows[AUDIT_ROWS];
	pid_t			master;
	int			n, i, bad = 0;

	if ((master = master_pid(cf)) == -1) {
		fprintf(stderr, "bulkctl: bulkhead is not running (%s)\n",
		    cf->pid_file);
		return 2;
	}
	if ((n = audit_collect(master, rows, AUDIT_ROWS)) == -1) {
		fprintf(stderr, "bulkctl: cannot read /proc for pid %d\n",
		    (int)master);
		return 2;
	}
	audit_print_header();
	for (i = 0; i < n; i++) {
		audit_print_row(&rows[i]);
		if (i > 0 && !rows[i].ok)
			bad = 1;
	}
	return bad;
}

int
main(int argc, char **argv)
{
	struct bh_config	 cf;
	const char		*confdir = BH_CONFIG_DIR, *prog;
	char			 err[CF_ERR_MAX];
	int			 ch, rc = 2, json = 0, as_mailq, as_newaliases;

	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	as_mailq = strcmp(prog, "mailq") == 0;
	as_newaliases = strcmp(prog, "newaliases") == 0;
	while ((ch = getopt(argc, argv, "+c:jV")) != -1) {
		switch (ch) {
		case 'c':
			confdir = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'V':
			printf("bulkctl (bulkhead) %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (!as_mailq && !as_newaliases && argc < 1)
		usage();
	log_init("bulkctl", 1);
	if (!as_mailq && !as_newaliases && strcmp(argv[0], "config") == 0)
		return bulkctl_config(confdir, argc, argv);
	memset(&cf, 0, sizeof(cf));
	if (config_load(&cf, confdir, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "bulkctl: %s\n", err);
		return 2;
	}
	if (as_mailq && argc == 0)
		rc = bulkctl_mailq(&cf, json);
	else if (as_newaliases && argc == 0 && !json)
		rc = cmd_aliases_check(&cf);
	else if (as_mailq || as_newaliases)
		usage();
	else if (strcmp(argv[0], "aliases") == 0 && argc == 2 &&
	    strcmp(argv[1], "check") == 0)
		rc = cmd_aliases_check(&cf);
	else if (strcmp(argv[0], "audit") == 0 && argc == 1)
		rc = cmd_audit(&cf);
	else if ((strcmp(argv[0], "mailq") == 0 ||
	    strcmp(argv[0], "list") == 0) && argc == 1)
		rc = bulkctl_mailq(&cf, json || strcmp(argv[0], "list") == 0);
	else if (strcmp(argv[0], "list") == 0 && argc == 2 &&
	    strcmp(argv[1], "-j") == 0)
		rc = bulkctl_mailq(&cf, 1);
	else if (strcmp(argv[0], "passwd") == 0 && argc == 2)
		rc = bulkctl_passwd(&cf, argv[1]);
	else if (strcmp(argv[0], "flush") == 0 && argc == 1)
		rc = bulkctl_flush(&cf);
	else if ((strcmp(argv[0], "hold") == 0 ||
	    strcmp(argv[0], "release") == 0 ||
	    strcmp(argv[0], "delete") == 0 ||
	    strcmp(argv[0], "requeue") == 0 ||
	    strcmp(argv[0], "cat") == 0) && argc >= 2)
		rc = bulkctl_change(&cf, argv[0], argc - 1, argv + 1);
	else
		usage();
	config_free(&cf);
	return rc;
}
