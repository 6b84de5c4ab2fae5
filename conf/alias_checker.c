/*
 * alias_checker.c: "bulkhead -x alias-check -c DIR -A PATH ...", the
 * process master (master/alias_check.c) starts to check the alias files
 * it opened, so that master itself never parses them.  The files are
 * open on fds 3, 4, ... in -A's order, stdout and stderr are a pipe to
 * master.  It reads main.cf as every compartment does, becomes
 * lookup_user (whose compartment parses the same files anyway), and
 * only then parses: newaliases' check (config_check_alias_fds).  Before
 * that, as root as queue and lookup do, it parses transport_maps, so
 * that master need not.  Its log
 * lines go to master as "w<priority> text", the verdict as "e text".
 */
#include <sys/prctl.h>
#include <sys/stat.h>

#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf/alias_checker.h"
#include "conf/aliases_check.h"
#include "conf/config_load.h"
#include "lib/log.h"
#include "privsep/sandbox.h"
#include "relay/tls_policy.h"
#include "relay/transport.h"

static void
sink(int prio, const char *line)
{
	dprintf(STDOUT_FILENO, "w%d %s\n", prio, line);
}

static void
quiet(const char *msg)
{
	(void)msg;		/* master has said it already */
}

static int
fail(const char *what, const char *why)
{
	dprintf(STDOUT_FILENO, "e %s%s\n", what, why);
	return 2;
}

static const char *
become(const struct bh_config *cf, char *err, size_t errlen)
{
	uid_t	uid;
	gid_t	gid;

	if (sandbox_resolve_user(cf->lookup_user, &uid, &gid, err, errlen)
	    == -1)
		return err;
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1 || setuid(0) != -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		return "cannot become lookup_user";
	return NULL;
}

/*
 * Every transport_maps and smtp_tls_policy_maps file parses (queue and
 * lookup read them as root when they start): in the checker and the
 * tools, never in master.
 */
int
config_check_tables(const struct bh_config *cf, char *err, size_t errlen)
{
	struct transport_table	t;
	struct tls_policy_table	tp;
	char			why[CF_ERR_MAX];
	size_t			i;

	for (i = 0; i < cf->transport_maps.n; i++) {
		if (transport_parse_file(&t, cf->transport_maps.v[i], why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "transport_maps: %s", why);
			return -1;
		}
		transport_free(&t);
	}
	for (i = 0; i < cf->smtp_tls_policy_maps.n; i++) {
		if (tls_policy_parse_file(&tp, cf->smtp_tls_policy_maps.v[i],
		    why, sizeof(why)) == -1) {
			snprintf(err, errlen, "smtp_tls_policy_maps: %s", why);
			return -1;
		}
		tls_policy_free(&tp);
	}
	return 0;
}

int
alias_checker_main(int argc, char **argv)
{
	static struct bh_config	 cf;
	const char		*confdir = NULL, *paths[BH_LIST_MAX], *why;
	char			 err[CF_ERR_MAX];
	int			 fds[BH_LIST_MAX], ch;
	size_t			 n = 0, i;
	struct stat		 st;

	log_init("alias-check", 1);
	while ((ch = getopt(argc, argv, "c:A:")) != -1) {
		if (ch == 'c')
			confdir = optarg;
		else if (ch == 'A' && n < BH_LIST_MAX && optarg[0] == '/')
			paths[n++] = optarg;
		else
			return fail("usage: bulkhead -x alias-check -c DIR "
			    "-A PATH ...", "");
	}
	if (confdir == NULL || optind != argc)
		return fail("usage: bulkhead -x alias-check -c DIR -A PATH ...",
		    "");
	if (config_load(&cf, confdir, quiet, err, sizeof(err)) == -1 ||
	    config_check_tables(&cf, err, sizeof(err)) == -1)
		return fail(err, "");
	/* master's list (a main.cf changed since its reload is not ours) */
	for (i = 0; i < n; i++) {
		fds[i] = 3 + i;
		if (fstat(fds[i], &st) == -1 || !S_ISREG(st.st_mode))
			return fail(paths[i], ": not handed over by master");
		cf.alias_maps.v[i] = (char *)paths[i];
	}
	cf.alias_maps.n = n;
	if ((why = become(&cf, err, sizeof(err))) != NULL)
		return fail("alias file checker: ", why);
	log_set_sink(sink);
	if (config_check_alias_fds(&cf, fds, err, sizeof(err)) == -1) {
		dprintf(STDOUT_FILENO, "e %s\n", err);
		return 1;
	}
	return 0;
}
