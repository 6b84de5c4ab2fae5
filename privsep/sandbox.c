/*
 * sandbox.c: the privilege drop and the checks that it worked.  Every
 * step is fatal on failure.  The order, in sandbox_enter(): settle the
 * environment, enter the root (chroot, or a jail of private namespaces),
 * rlimits, empty the bounding set, change ids, clear capabilities, verify,
 * set the parent-death signal, no_new_privs, not dumpable, RLIMIT_NPROC,
 * then seccomp last (it would forbid the calls before it).
 *
 * One deviation from the naive order: the capability bounding set is
 * emptied BEFORE the uid change, because dropping it needs CAP_SETPCAP,
 * which the setresuid() to a non-root uid takes away.
 */
#include <sys/types.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "privsep/compartment.h"
#include "privsep/sandbox.h"

/* Keep TZ (no /etc/localtime reads later), then wipe the environment. */
static void
settle_environment(void)
{
	extern char	**environ;
	char		**e;

	if (getenv("TZ") == NULL && setenv("TZ", ":/etc/localtime", 0) == -1)
		fatal("setenv TZ");
	tzset();
	for (e = environ; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
	if (clearenv() != 0)
		fatalx("clearenv failed");
}

/* The root must be root-owned and writable by nobody else (sshd's rule). */
static void
check_root_dir(const struct sandbox_spec *sb)
{
	struct stat st;

	if (stat(sb->root, &st) == -1)
		fatal("%s root %s (run bulkhead-setup)",
		    ipc_role_name(sb->role), sb->root);
	if (!S_ISDIR(st.st_mode))
		fatalx("%s root %s is not a directory", ipc_role_name(sb->role),
		    sb->root);
	if (sb->root_writable) {
		if (st.st_uid != sb->uid || (st.st_mode & sb->root_deny) != 0)
			fatalx("%s must be owned by uid %u with no %03o "
			    "permissions (run bulkhead-setup)", sb->root,
			    (unsigned)sb->uid, (unsigned)sb->root_deny);
	} else if (st.st_uid != 0 || (st.st_mode & 022) != 0)
		fatalx("%s must be owned by root and not writable by others",
		    sb->root);
}

static void
enter_chroot(const struct sandbox_spec *sb)
{
	if (chdir(sb->root) == -1 || chroot(".") == -1 || chdir("/") == -1)
		fatal("chroot %s", sb->root);
}

/*
 * Jail mode: master created the worker in new mount, pid, ipc, uts (and,
 * for workers without network, net) namespaces.  Make our mounts private,
 * build the root (an empty read-only tmpfs, or the spool bound onto
 * itself), pivot into it and detach the old root entirely.
 */
static void
enter_jail(const struct sandbox_spec *sb)
{
	unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		fatal("jail: private mounts");
	if (sb->root_writable) {
		if (mount(sb->root, sb->root, NULL, MS_BIND | MS_REC, NULL)
		    == -1 ||
		    mount(NULL, sb->root, NULL, MS_REMOUNT | MS_BIND | fl, NULL)
		    == -1)
			fatal("jail: bind %s", sb->root);
	} else if (mount("tmpfs", sb->root, "tmpfs", fl,
	    "size=16k,nr_inodes=8,mode=0755") == -1)
		fatal("jail: tmpfs on %s", sb->root);
	if (chdir(sb->root) == -1 ||
	    syscall(SYS_pivot_root, ".", ".") == -1 ||
	    umount2(".", MNT_DETACH) == -1 || chdir("/") == -1)
		fatal("jail: pivot_root into %s", sb->root);
	if (!sb->root_writable &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | fl, NULL)
	    == -1)
		fatal("jail: remount / read-only");
}

static void
drop_bounding_set(void)
{
	int cap;

	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1)
			fatal("PR_CAPBSET_DROP %d", cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		fatal("PR_CAP_AMBIENT_CLEAR_ALL");
}

static void
change_ids(const struct sandbox_spec *sb)
{
	gid_t	groups[2] = { sb->gid, sb->spool_gid };

	/* spool_gid: a writer's one extra group, to dotlock in the spool. */
	if (setgroups(sb->spool_gid != 0 ? 2 : 1, groups) == -1)
		fatal("setgroups");
	if (setresgid(sb->gid, sb->gid, sb->gid) == -1)
		fatal("setresgid");
	if (setresuid(sb->uid, sb->uid, sb->uid) == -1)
		fatal("setresuid");
}

static void
clear_capabilities(void)
{
	struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) == -1)
		fatal("capset");
}

/* Trust, but verify: every id is the target and root cannot come back. */
static void
verify_drop(const struct sandbox_spec *sb)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg, groups[4];
	int	n;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		fatal("getresuid");
	if (ru != sb->uid || eu != sb->uid || su != sb->uid ||
	    rg != sb->gid || eg != sb->gid || sg != sb->gid)
		fatalx("privilege drop left other ids behind");
	n = getgroups(4, groups);
	/* The kernel sorts the list: check it as a set. */
	if (sb->spool_gid == 0 ? (n != 1 || groups[0] != sb->gid) :
	    (n != 2 || !((groups[0] == sb->gid && groups[1] == sb->spool_gid) ||
	    (groups[1] == sb->gid && groups[0] == sb->spool_gid))))
		fatalx("supplementary groups not dropped");
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 ||
	    setgroups(0, NULL) != -1)
		fatalx("root could be regained after the drop");
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0)
		fatalx("bounding set not empty");
}

static void
set_limit(int resource, rlim_t value, const char *name)
{
	struct rlimit rl = { value, value };

	if (setrlimit(resource, &rl) == -1)
		fatal("setrlimit %s", name);
}

/*
 * RLIMIT_NOFILE, while still root.  Where root lacks CAP_SYS_RESOURCE (a
 * container) a hard limit below the role's cannot be raised: the role
 * then lives with the hard limit it inherited, and says so, rather than
 * dying at every start.
 */
static void
set_nofile(enum bh_role role, rlim_t want)
{
	struct rlimit rl = { want, want };

	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		return;
	if (errno != EPERM || getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_max >= want)
		fatal("setrlimit nofile");
	log_warnx("%s: RLIMIT_NOFILE hard limit %llu is below %llu and "
	    "cannot be raised: using %llu", ipc_role_name(role),
	    (unsigned long long)rl.rlim_max, (unsigned long long)want,
	    (unsigned long long)rl.rlim_max);
	set_limit(RLIMIT_NOFILE, rl.rlim_max, "nofile");
}

void
sandbox_enter(const struct sandbox_spec *spec)
{
	struct sandbox_spec	 sb = *spec;
	char			 err[256];
	pid_t			 parent = getppid();

	if (sb.user != NULL &&
	    sandbox_resolve_user(sb.user, &sb.uid, &sb.gid, err, sizeof(err))
	    == -1)
		fatalx("%s", err);
	if (sb.uid == 0 || sb.gid == 0)
		fatalx("refusing to run %s as root", ipc_role_name(sb.role));

	settle_environment();
	/* EPIPE and EFBIG as errors, not as deaths. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		fatal("signal");
	umask(077);

	if (sb.root != NULL) {
		check_root_dir(&sb);
		if (sb.mode == SANDBOX_JAIL)
			enter_jail(&sb);
		else
			enter_chroot(&sb);
	}
	/*
	 * Limits while still root: raising a hard limit above what master
	 * inherited needs CAP_SYS_RESOURCE, which the uid change takes.
	 */
	set_limit(RLIMIT_CORE, 0, "core");
	set_nofile(sb.role, sb.nofile);
	set_limit(RLIMIT_FSIZE, sb.fsize, "fsize");
	drop_bounding_set();
	change_ids(&sb);
	clear_capabilities();
	verify_drop(&sb);

	/* The uid change cleared any parent-death signal: set it now. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		fatal("PR_SET_PDEATHSIG");
	if (parent != 0 && getppid() != parent)
		fatalx("master went away during start-up");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");

	/*
	 * RLIMIT_NPROC 0 forbids fork.  It counts every task of the account
	 * system-wide, threads included, so it cannot leave room for a
	 * worker's own threads only; a worker with threads keeps the
	 * inherited limit, and its seccomp filter (clone with thread flags
	 * only) is what forbids a new process.
	 */
	if (!sb.may_fork && sb.threads == 0)
		set_limit(RLIMIT_NPROC, 0, "nproc");

	seccomp_apply(sb.role);
}

void
compartment_spec(enum bh_role role, const struct bh_config *cf,
    struct sandbox_spec *sb)
{
	const struct compartment *c = compartment(role);
	char			*drop;

	if (c == NULL)
		fatalx("no compartment for %s", ipc_role_name(role));
	if (cf == NULL && (c->account != NULL || c->root != COMP_ROOT_NONE ||
	    c->fsize_msgs != 0))
		fatalx("%s needs its configuration", ipc_role_name(role));
	sb->role = role;
	sb->user = c->account == NULL ? NULL :
	    *(char *const *)(const void *)((const char *)cf + c->account_off);
	switch (c->root) {
	case COMP_ROOT_NONE:
		sb->root = NULL;
		break;
	case COMP_ROOT_EMPTY:
		sb->root = cf->empty_directory;
		break;
	case COMP_ROOT_SPOOL:
		sb->root = cf->queue_directory;
		sb->root_deny = 066;
		break;
	case COMP_ROOT_MAILDROP:
		/* once per process: the compartment's root for its life */
		if (asprintf(&drop, "%s/maildrop", cf->queue_directory) == -1)
			fatalx("out of memory");
		sb->root = drop;
		sb->root_deny = 047;
		break;
	}
	sb->root_writable = c->root == COMP_ROOT_SPOOL ||
	    c->root == COMP_ROOT_MAILDROP;
	sb->mode = c->root == COMP_ROOT_NONE ? SANDBOX_CHROOT : cf->sandbox;
	sb->nofile = c->nofile;
	sb->fsize = c->fsize_plus == RLIM_INFINITY ? RLIM_INFINITY :
	    (rlim_t)c->fsize_msgs * (rlim_t)(c->fsize_msgs ?
	    cf->message_size_limit : 0) + c->fsize_plus;
	sb->may_fork = c->may_fork;
	sb->threads = c->threads;
}
