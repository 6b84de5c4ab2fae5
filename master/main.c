/*
 * main.c: one binary, every role.  Without -x it is master; master starts
 * each compartment as "bulkhead -x ROLE ...".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/alias_checker.h"
#include "conf/config_cli.h"
#include "lib/log.h"
#include "privsep/ipc.h"
#include "privsep/sandbox.h"
#include "privsep/worker.h"

/* How master runs: as a daemon, -d (foreground, log to stderr) or -F. */
#define MASTER_DAEMON		0
#define MASTER_DEBUG		1
#define MASTER_FOREGROUND	2
int	master_main(const char *confdir, int mode, int verbose);

#ifdef BH_SANITIZER
/*
 * Sanitizer builds: the compartments get no environment, so the options
 * are compiled in.  LeakSanitizer cannot work inside a seccomp filter
 * (it needs ptrace-like calls at exit); leaks are checked by the unit
 * tests, which run unsandboxed.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0:abort_on_error=1";
}

const char *
__ubsan_default_options(void)
{
	return "print_stacktrace=1:halt_on_error=1";
}
#endif

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: bulkhead [-dFnv] [-c config_dir] "
	    "[-S kill|trap|log]\n"
	    "       bulkhead [-c config_dir] -P [parameter ...]\n"
	    "       bulkhead -x policy [-t] [-S kill|trap|log] role\n"
	    "       bulkhead -V\n");
	exit(2);
}

/*
 * bulkhead -x policy [-t] [-S mode] ROLE: the seccomp filter a
 * compartment loads, as libseccomp's pseudo filter code.  -t: as the
 * compartment table declares it, without a sanitizer build's additions.
 */
static int
print_policy(int argc, char **argv)
{
	enum bh_role	role;
	int		ch, table_only = 0;

	while ((ch = getopt(argc, argv, "S:t")) != -1) {
		switch (ch) {
		case 'S':
			seccomp_set_mode(optarg);
			break;
		case 't':
			table_only = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 ||
	    ipc_role_from_name(argv[optind], &role) == -1 ||
	    role == ROLE_MASTER)
		usage();
	if (seccomp_print(role, table_only, STDOUT_FILENO) == -1) {
		fprintf(stderr, "bulkhead: cannot print the filter of %s\n",
		    argv[optind]);
		return 1;
	}
	return 0;
}

static int
run_role(const char *name, int argc, char **argv)
{
	enum bh_role role;

	if (strcmp(name, "policy") == 0)
		return print_policy(argc, argv);
	if (strcmp(name, "alias-check") == 0)
		return alias_checker_main(argc, argv);
	if (strcmp(name, "config-parse") == 0)
		return config_parser_main(argc, argv);
	if (ipc_role_from_name(name, &role) == -1)
		usage();
	switch (role) {
	case ROLE_SMTPD:
		return smtpd_main(argc, argv);
	case ROLE_QUEUE:
		return queue_main(argc, argv);
	case ROLE_LOOKUP:
		return lookup_main(argc, argv);
	case ROLE_LOCAL:
		return local_main(argc, argv);
	case ROLE_WRITER:
		return writer_main(argc, argv);
	case ROLE_RUNNER:
		return runner_main(argc, argv);
	case ROLE_PICKUP:
		return pickup_main(argc, argv);
	case ROLE_RELAY:
		return relay_main(argc, argv);
	case ROLE_AUTH:
		return auth_main(argc, argv);
	case ROLE_KEYS:
		return keys_main(argc, argv);
	case ROLE_DNS:
		return dns_main(argc, argv);
	default:
		usage();
	}
	return 1;
}

int
main(int argc, char **argv)
{
	const char	*confdir = BH_CONFIG_DIR;
	int		 ch, mode = MASTER_DAEMON, check = 0, verbose = 0;
	int		 print = 0;

	/* Compartments: "bulkhead -x ROLE ..." (argv[1], argv[2]). */
	if (argc >= 3 && strcmp(argv[1], "-x") == 0) {
		char *role = argv[2];

		argv[2] = argv[0];
		return run_role(role, argc - 2, argv + 2);
	}
	while ((ch = getopt(argc, argv, "c:dFnPS:vV")) != -1) {
		switch (ch) {
		case 'c':
			confdir = optarg;
			break;
		case 'd':
			mode = MASTER_DEBUG;
			break;
		case 'F':
			mode = MASTER_FOREGROUND;
			break;
		case 'n':
			check = 1;
			break;
		case 'P':
			print = 1;
			break;
		case 'S':
			seccomp_set_mode(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("bulkhead %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (print)
		return config_print_main(confdir, argc - optind, argv + optind);
	if (optind != argc)
		usage();
	if (check)
		return config_check_main(confdir);
	return master_main(confdir, mode, verbose);
}
