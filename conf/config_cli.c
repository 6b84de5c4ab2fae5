/*
 * config_cli.c: "bulkhead -n", the configuration check an admin runs
 * (and bulkhead-setup).  It is a tool, run as root by the admin: it
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
