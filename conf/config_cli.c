/*
 * config_cli.c: "bulkhead -n", the configuration check an admin runs
 * (and bulkhead-setup), and "bulkhead -P", the parameters printed.  It is a tool, run as root by the admin: it
 * parses main.cf, master.cf and the alias files in its own process,
 * checks the system and reads the TLS key and certificate as start-up
 * does.  The daemon's master does not call this: it has the alias files
 * parsed by a child (master/alias_check.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/alias_checker.h"
#include "conf/aliases_check.h"
#include "conf/config_cli.h"
#include "conf/config_load.h"
#include "conf/tls_check.h"
#include "lib/log.h"

static void
warn_log(const char *msg)
{
	log_warnx("%s", msg);
}

int
config_check_main(const char *confdir)
{
	static struct bh_config	cf;
	static struct mcf_table	mcf;
	char			dir[PATH_MAX], err[CF_ERR_MAX];

	if (geteuid() != 0) {
		fprintf(stderr, "bulkhead: must be started as root\n");
		return 1;
	}
	log_init("master", 1);
	if (realpath(confdir, dir) == NULL) {
		fprintf(stderr, "bulkhead: %s: %s\n", confdir, strerror(errno));
		return 1;
	}
	if (config_load(&cf, dir, warn_log, err, sizeof(err)) == -1 ||
	    config_load_mastercf(&mcf, dir, err, sizeof(err)) == -1 ||
	    config_check_system(&cf, err, sizeof(err)) == -1 ||
	    config_check_tables(&cf, err, sizeof(err)) == -1 ||
	    config_check_aliases(&cf, err, sizeof(err)) == -1 ||
	    /* the key and certificate, as keys and smtpd read them */
	    config_check_tls(&cf, err, sizeof(err)) == -1) {
		fprintf(stderr, "bulkhead: %s\n", err);
		return 1;
	}
	return 0;
}

/*
 * "bulkhead -P [name ...]": print the effective parameters, as postconf
 * does; with names, only their values (as "postconf -h name").  A tool:
 * it parses main.cf in its own process, never in the daemon's master.
 */
int
config_print_main(const char *confdir, int argc, char **argv)
{
	struct bh_config	 cf;
	char			 err[CF_ERR_MAX], line[8192];
	FILE			*f;
	size_t			 n;
	int			 i, found, rc = 0;

	memset(&cf, 0, sizeof(cf));
	log_init("master", 1);
	if (config_load(&cf, confdir, warn_log, err, sizeof(err)) == -1) {
		fprintf(stderr, "bulkhead: %s\n", err);
		return 1;
	}
	if ((f = tmpfile()) == NULL)
		fatal("tmpfile");
	config_print(&cf, fileno(f));
	for (i = 0; i < argc || (argc == 0 && i == 0); i++) {
		found = 0;
		rewind(f);
		while (fgets(line, sizeof(line), f) != NULL) {
			if (argc == 0) {
				fputs(line, stdout);
				continue;
			}
			n = strlen(argv[i]);
			if (strncmp(line, argv[i], n) == 0 &&
			    strncmp(line + n, " =", 2) == 0) {
				fputs(line + n + 2 + (line[n + 2] == ' '),
				    stdout);
				found = 1;
			}
		}
		if (argc > 0 && !found) {
			fprintf(stderr, "bulkhead: unknown parameter %s\n",
			    argv[i]);
			rc = 1;
		}
	}
	fclose(f);
	config_free(&cf);
	return rc;
}
