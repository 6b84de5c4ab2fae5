/*
 * config_parser.c: "bulkhead -x config-parse -c DIR [-S MODE] [-m] [-M]",
 * the process master (master/config_parse.c) starts to parse main.cf
 * and master.cf, so that master itself parses neither.  Master opened
 * the files (as root; -m: main.cf is on fd 3, -M: master.cf on the next
 * fd); stdout is a pipe to master, stderr the same.
 *
 * The compartments' accounts are named in main.cf, so this process
 * cannot take one of them before it parsed it: it becomes the fixed
 * account nobody with its own group (Debian's nogroup), looked up by
 * name, and refuses to go on if that is missing or root's.  Before it reads a byte of either
 * file it drops every group and root's uid, sets no_new_privs, is not
 * dumpable, takes rlimits (no files written, no processes, no core, a
 * few descriptors, bounded CPU time) and loads a seccomp allowlist:
 * read, write, close, fstat, memory, uname (gethostname: myhostname's
 * default), time and exit.  No open call of any kind is allowed, so the
 * file system is out of reach without a chroot (there is no directory
 * known to be empty before main.cf names empty_directory).  The checks
 * that need the system (accounts, spool, key files) are master's, on
 * what this process sends (conf/config_system.c).
 *
 * It then parses with the same code and the same messages as ever
 * (conf/config_load.c) and writes config_wire.h's records: log lines,
 * warnings, the verdict or the typed configuration.
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check/alias_checker.h"
#include "check/say.h"
#include "conf/config_load.h"
#include "conf/config_wire.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/textfile.h"
#include "privsep/sandbox.h"

#define USAGE	"usage: bulkhead -x config-parse -c DIR [-S MODE] [-m] [-M]"
#define PARSER_USER	"nobody"
#define PARSER_CPU	10		/* seconds of CPU time */

static const char *const parser_calls[] = {
	"read", "write", "close", "fstat", "newfstatat", "statx",
	"brk", "mmap", "munmap", "mremap", "madvise",
	"uname", "clock_gettime", "gettimeofday", "time",
	"getpid", "getuid",		/* the test build's marker line */
	"rt_sigreturn", "exit", "exit_group",
#ifdef BH_TEST_HOOKS
	"nanosleep", "clock_nanosleep",	/* the pause hook */
#endif
	NULL
};

#ifdef BH_TEST_HOOKS
/* A main.cf line that makes the parser pause once it dropped its rights,
   so that a test can find it and stop it (test_config_parser.py). */
#define PARSER_PAUSE	"#bh-test-hook: config parser pause\n"

static void
pause_hook(const struct dbuf *d)
{
	struct timespec	pause = { 3, 0 };

	if (d->p != NULL && memmem(d->p, d->len, PARSER_PAUSE,
	    sizeof(PARSER_PAUSE) - 1) != NULL)
		nanosleep(&pause, NULL);
}
#endif

static void
sink(int prio, const char *line)
{
	checker_say("l%d %s", prio < 0 || prio > 7 ? 4 : prio, line);
}

static void
warn_master(const char *msg)
{
	checker_say("w %s", msg);
}

static int
fail(const char *what)
{
	checker_say("e %s", what);
	return 1;
}

static void
set_limit(int res, rlim_t v)
{
	struct rlimit	rl = { v, v };

	if (setrlimit(res, &rl) == -1)
		fatal("setrlimit %d", res);
}

/* nobody and its group: everything gone before the first byte is read. */
static void
drop(int maxfd)
{
	struct passwd	*pw;
	uid_t		 uid;
	gid_t		 gid;

	if ((pw = getpwnam(PARSER_USER)) == NULL || pw->pw_uid == 0)
		fatalx("no unprivileged account %s to parse as", PARSER_USER);
	uid = pw->pw_uid;
	gid = pw->pw_gid;	/* Debian's nogroup; other systems' own */
	if (gid == 0)
		fatalx("%s's group is root's: not a group to parse as",
		    PARSER_USER);
	endpwent();
	set_limit(RLIMIT_NOFILE, maxfd + 1 + 8);	/* a sanitizer's few */
	set_limit(RLIMIT_FSIZE, 0);
	set_limit(RLIMIT_CORE, 0);
	set_limit(RLIMIT_NPROC, 0);
	set_limit(RLIMIT_CPU, PARSER_CPU);
	if (setgroups(0, NULL) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		fatal("cannot become %s", PARSER_USER);
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0 ||
	    getegid() == 0 || setuid(0) != -1)
		fatalx("still root");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl");
	seccomp_apply_calls(parser_calls);
}

static int
slurp(int fd, const char *dir, const char *name, size_t max,
    struct dbuf *d, char *err, size_t errlen)
{
	char	path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return text_slurp_fd(fd, path, max, d, err, errlen);
}

int
config_parser_main(int argc, char **argv)
{
	static struct bh_config	 cf;
	static struct mcf_table	 mcf;
	struct dbuf		 main_cf = { NULL, 0, 0 };
	struct dbuf		 master_cf = { NULL, 0, 0 }, out = { NULL, 0, 0 };
	const char		*dir = NULL;
	char			 err[CF_ERR_MAX];
	int			 ch, has_main = 0, has_master = 0, fd = 3;

	log_init("config-parse", 1);
	log_set_sink(sink);
	while ((ch = getopt(argc, argv, "c:mMS:")) != -1) {
		if (ch == 'c')
			dir = optarg;
		else if (ch == 'm')
			has_main = 1;
		else if (ch == 'M')
			has_master = 1;
		else if (ch == 'S')
			seccomp_set_mode(optarg);
		else
			return fail(USAGE);
	}
	if (dir == NULL || optind != argc)
		return fail(USAGE);
	drop(2 + has_main + has_master);
	if ((has_main && slurp(fd++, dir, "main.cf", CF_FILE_MAX, &main_cf,
	    err, sizeof(err)) == -1) ||
	    (has_master && slurp(fd, dir, "master.cf", MCF_FILE_MAX,
	    &master_cf, err, sizeof(err)) == -1))
		return fail(err);
#ifdef BH_TEST_HOOKS
	pause_hook(&main_cf);
#endif
	if (config_load_text(&cf, dir, has_main ? (main_cf.p != NULL ?
	    main_cf.p : "") : NULL, main_cf.len, warn_master, err,
	    sizeof(err)) == -1 ||
	    (has_master && config_load_mastercf_text(&mcf, dir,
	    master_cf.p != NULL ? master_cf.p : "", master_cf.len, err,
	    sizeof(err)) == -1) ||
	    config_encode(&cf, has_master ? &mcf : NULL, &out, err,
	    sizeof(err)) == -1)
		return fail(err);
	if (fd_write_all(STDOUT_FILENO, out.p, out.len) == -1)
		return 1;
	return 0;
}
