/*
 * alias_checker.c: "bulkhead -x alias-check -c DIR [-S MODE] -A PATH ...",
 * the process master (master/alias_check.c) starts to check the alias
 * files it opened, so that master itself never parses them.  The files
 * are open on fds 3, 4, ... in -A's order; stdout and stderr are a pipe
 * to master.
 *
 * As root it reads main.cf (as every compartment does), parses
 * transport_maps and smtp_tls_policy_maps (as queue and lookup do when
 * they start, so that master need not), reads the alias files whole
 * from their descriptors and takes a snapshot of the passwd database.
 * Then it enters lookup's compartment, whose parser reads the same
 * files: its row of the compartment table (privsep/compartment.c), so
 * the empty root, lookup_user, no capabilities, no_new_privs and
 * lookup's seccomp allowlist (read, write, memory, time, exit: no file,
 * socket or process call), always in chroot mode (it was not started
 * in namespaces of its own).  Only there does it parse and run
 * newaliases' checks (conf/aliases_check.c) on those bytes and that
 * snapshot; /file targets' paths are not looked at (bulkhead -n and
 * newaliases do).  Its log lines go to master as "w<priority> text",
 * the verdict as "e text", written with write(2) alone.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check/alias_checker.h"
#include "check/say.h"
#include "conf/aliases.h"
#include "conf/aliases_check.h"
#include "conf/config_load.h"
#include "delivery/userdb.h"
#include "lib/log.h"
#include "privsep/compartment.h"
#include "privsep/sandbox.h"
#include "relay/tls_policy.h"
#include "relay/transport.h"

#define USAGE	"usage: bulkhead -x alias-check -c DIR [-S MODE] -A PATH ..."

#ifdef BH_TEST_HOOKS
/* An alias file line that makes the checker pause in its compartment. */
#define CHECKER_PAUSE	"#bh-test-hook: alias checker pause\n"
/* One that makes it hang past master's deadline (a stopped checker). */
#define CHECKER_STALL	"#bh-test-hook: alias checker stall\n"
#endif

static struct userdb	 users;		/* the passwd snapshot */

static void
sink(int prio, const char *line)
{
	checker_say("w%d %s", prio, line);
}

static void
quiet(const char *msg)
{
	(void)msg;		/* master has said it already */
}

static int
fail(const char *what, const char *why)
{
	checker_say("e %s%s", what, why);
	return 2;
}

/* For aliases_check, from the snapshot: -1 no such account. */
static int
snapshot_user(const char *name, void *arg)
{
	const struct userdb_entry *e;

	if ((e = userdb_find(&users, name)) == NULL)
		return -1;
	return alias_account_kind(arg, e->uid);
}

/* lookup's compartment, entered as lookup enters it, but never a jail. */
static void
enter_compartment(const struct bh_config *cf)
{
	struct sandbox_spec sb;

	memset(&sb, 0, sizeof(sb));
	compartment_spec(ROLE_LOOKUP, cf, &sb);
	sb.mode = SANDBOX_CHROOT;
	sandbox_enter(&sb);
}

#ifdef BH_TEST_HOOKS
/*
 * Test builds: pause, so that a test can look at the compartment, or
 * hang, so that a test can see master go on without the verdict.
 */
static void
pause_hook(const struct alias_file *f, size_t n)
{
	struct timespec	pause = { 3, 0 }, stall = { 60, 0 };
	size_t		i;

	for (i = 0; i < n; i++) {
		if (f[i].buf == NULL)
			continue;
		if (memmem(f[i].buf, f[i].len, CHECKER_STALL,
		    sizeof(CHECKER_STALL) - 1) != NULL) {
			nanosleep(&stall, NULL);
			return;
		}
		if (memmem(f[i].buf, f[i].len, CHECKER_PAUSE,
		    sizeof(CHECKER_PAUSE) - 1) != NULL) {
			nanosleep(&pause, NULL);
			return;
		}
	}
}
#endif

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
	static struct alias_file	 f[BH_LIST_MAX];
	static struct bh_config		 cf;
	const struct userdb_entry	*privs;
	const char			*confdir = NULL;
	char				 err[CF_ERR_MAX];
	gid_t				 privs_gid;
	size_t				 n = 0, i;
	int				 ch;

	log_init("alias-check", 1);
	log_set_sink(sink);
	while ((ch = getopt(argc, argv, "c:A:S:")) != -1) {
		if (ch == 'c')
			confdir = optarg;
		else if (ch == 'S')
			seccomp_set_mode(optarg);
		else if (ch == 'A' && n < BH_LIST_MAX && optarg[0] == '/')
			f[n++].path = optarg;
		else
			return fail(USAGE, "");
	}
	if (confdir == NULL || optind != argc)
		return fail(USAGE, "");
	if (config_load(&cf, confdir, quiet, err, sizeof(err)) == -1 ||
	    config_check_tables(&cf, err, sizeof(err)) == -1)
		return fail(err, "");
	/* master's list (a main.cf changed since its reload is not ours) */
	for (i = 0; i < n; i++) {
		cf.alias_maps.v[i] = (char *)f[i].path;
		if (aliases_read_fd(3 + i, f[i].path, &f[i].buf, &f[i].len,
		    &f[i].st, err, sizeof(err)) == -1)
			return fail(err, " (not handed over by master?)");
		close(3 + i);
	}
	cf.alias_maps.n = n;
	userdb_load(&users);
	privs = userdb_find(&users, cf.default_privs);
	privs_gid = privs != NULL ? privs->gid : (gid_t)-1;
	enter_compartment(&cf);
#ifdef BH_TEST_HOOKS
	pause_hook(f, n);
#endif
	if (aliases_check_files(&cf, f, n, snapshot_user, &cf, privs_gid, 0,
	    err, sizeof(err)) == -1) {
		checker_say("e %s", err);
		return 1;
	}
	return 0;
}
