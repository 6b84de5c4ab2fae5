/*
 * seccomp.c: one system call allowlist per compartment (libseccomp).
 *
 * The default action kills the whole process; the kernel logs the call
 * number, master logs "killed by SIGSYS (seccomp)".  Lists were measured
 * with strace on Debian 12 x86_64; names a kernel or architecture lacks
 * are skipped by libseccomp.  mmap and mprotect may never ask for
 * PROT_EXEC, ioctl may only ask FIONREAD, and nothing may create
 * sockets, namespaces, processes or change credentials.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <sched.h>

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "privsep/sandbox.h"

/*
 * Every worker: its event loop (libevent's signal pipe uses send/recv,
 * which are sendto/recvfrom), IPC, memory, time and randomness.
 */
static const char *const base_calls[] = {
	"read", "write", "readv", "writev", "close", "exit", "exit_group",
	"brk", "munmap", "mremap", "madvise", "rt_sigreturn",
	"clock_gettime", "gettimeofday", "clock_nanosleep", "nanosleep",
	"getpid", "getrandom",
	"epoll_wait", "epoll_pwait", "epoll_ctl",
	"recvmsg", "sendmsg", "recvfrom", "sendto", "fcntl",
	NULL
};

/* smtpd: accept; ioctl(FIONREAD) is added with an argument rule. */
static const char *const smtpd_calls[] = {
	"accept4",
	NULL
};

/* queue: file calls, confined to the spool by its root. */
static const char *const queue_calls[] = {
	"openat", "newfstatat", "fstat", "pread64", "pwrite64",
	"fsync", "fdatasync", "rename", "renameat", "renameat2",
	"unlink", "unlinkat", "mkdir", "mkdirat", "getdents64",
	/* and geteuid, ftruncate: spare files are checked and emptied */
	"geteuid", "ftruncate",
	/*
	 * Its commit thread pool (measured with strace, glibc 2.36): the
	 * wake-up pipe, locks, the signal mask around clone, the thread's
	 * own set-up.  clone and rt_sigaction have argument rules below.
	 */
	"pipe2", "futex", "set_robust_list", "rseq", "rt_sigprocmask",
	/* the control socket master handed over: SO_PEERCRED of bulkctl */
	"accept4", "getsockopt",
	NULL
};

/* local: read the queue file it was given, feed pipes to writers. */
static const char *const local_calls[] = {
	"pipe2", "pread64",
	NULL
};

/* writer: Maildir calls, as the recipient. */
static const char *const writer_calls[] = {
	"openat", "mkdir", "mkdirat", "link", "linkat", "unlink", "unlinkat",
	"fsync",
	/* owner checks (fstat is newfstatat in glibc 2.36), measured with
	 * strace; ftruncate: an mbox append that failed is cut back */
	"newfstatat", "geteuid", "ftruncate",
	/* a stale mbox dotlock is renamed aside before it is removed */
	"rename", "renameat", "renameat2",
	NULL
};

static const char *const no_calls[] = { NULL };

#ifdef BH_SANITIZER
#define SANITIZER_BUILD	1
/* ASan and UBSan need these to report from inside the filter. */
static const char *const sanitizer_calls[] = {
	"sigaltstack", "ioctl", "futex", "tgkill", "gettid", "readlink",
	"open", "prctl", "sched_yield", "mprotect", "getppid",
	"rt_sigprocmask", "rt_sigaction",
	"sched_getaffinity",	/* ASan's thread start (queue's pool) */
	NULL
};
#else
#define SANITIZER_BUILD	0
#endif

static const char *const *
role_calls(enum bh_role role)
{
	switch (role) {
	case ROLE_SMTPD:
		return smtpd_calls;
	case ROLE_QUEUE:
		return queue_calls;
	case ROLE_LOCAL:
		return local_calls;
	case ROLE_WRITER:
		return writer_calls;
	default:
		return no_calls;
	}
}

/* The process-wide filter mode, chosen once by master's -S option. */
static uint32_t default_action = SCMP_ACT_KILL_PROCESS;
static const char *mode_name = "kill";

void
seccomp_set_mode(const char *mode)
{
	if (strcmp(mode, "trap") == 0)
		default_action = SCMP_ACT_TRAP;
	else if (strcmp(mode, "log") == 0)
		default_action = SCMP_ACT_LOG;
	else if (strcmp(mode, "kill") == 0)
		default_action = SCMP_ACT_KILL_PROCESS;
	else
		fatalx("unknown seccomp mode %s", mode);
	mode_name = default_action == SCMP_ACT_TRAP ? "trap" :
	    default_action == SCMP_ACT_LOG ? "log" : "kill";
}

const char *
seccomp_get_mode(void)
{
	return mode_name;
}

/* Trap mode: say which call was blocked (async-signal-safe), then die. */
static void
sigsys_report(int sig, siginfo_t *si, void *ctx)
{
	char	buf[64];
	int	nr = si->si_syscall, i = sizeof(buf);

	buf[--i] = '\n';
	do {
		buf[--i] = '0' + nr % 10;
		nr /= 10;
	} while (nr > 0 && i > 24);
	memcpy(buf + i - 23, "seccomp: blocked call #", 23);
	i -= 23;
	if (write(STDERR_FILENO, buf + i, sizeof(buf) - i) < 0)
		_exit(159);	/* nowhere to say it; die all the same */
	_exit(159);
}

static void
allow_list(scmp_filter_ctx ctx, const char *const *names)
{
	int nr;

	for (; *names != NULL; names++) {
		if ((nr = seccomp_syscall_resolve_name(*names)) == __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) != 0)
			fatalx("seccomp: cannot allow %s", *names);
	}
}

/*
 * pthread_create: clone with exactly glibc's thread flags (no new
 * process, no namespace); clone3 answers ENOSYS, so glibc falls back to
 * clone, whose flags a filter can see.  glibc installs its SIGRT_1
 * (set*id broadcast) handler at the first thread: that signal only.
 */
/* glibc's SIGRT_1 (__SIGRTMIN + 1); SIGRTMIN itself is a function. */
#define SIGRTMIN_GLIBC_SETXID	33

#define THREAD_CLONE_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | \
	CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | \
	CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

static int
allow_threads(scmp_filter_ctx ctx)
{
	int rc = 0;

	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_EQ, THREAD_CLONE_FLAGS, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
	    0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1,
	    SCMP_A0(SCMP_CMP_EQ, SIGRTMIN_GLIBC_SETXID, 0));
	return rc;
}

static void
allow_restricted(scmp_filter_ctx ctx, enum bh_role role, int sanitizer)
{
	int rc = 0;

	/* Memory may be mapped, never executable. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!sanitizer)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect),
		    1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* evbuffer_read() asks how much is waiting; nothing else (smtpd,
	   and queue's control socket connections). */
	if (!sanitizer && (role == ROLE_SMTPD || role == ROLE_QUEUE))
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_EQ, FIONREAD, 0));
	if (role == ROLE_QUEUE)
		rc |= allow_threads(ctx);
	if (rc != 0)
		fatalx("seccomp: cannot add argument rules");
}

/*
 * The runner execs /bin/sh and whatever the admin's or the user's
 * command runs (procmail, a list manager, a script): no allowlist fits
 * every such program, and one that killed them would lose mail.  It gets
 * the opposite: everything is allowed but the calls that only widen the
 * kernel's attack surface or reach other processes, which fail with
 * EPERM (a program may probe them).  It is inherited by every process
 * the command starts.  The user's own rights are the fence here; this
 * list, no capabilities and no_new_privs keep it from growing.
 */
static const char *const runner_denied[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	"pidfd_getfd", "unshare", "setns", "mount", "umount2", "pivot_root",
	"chroot", "fsopen", "fsmount", "fsconfig", "move_mount",
	"open_tree", "mount_setattr", "bpf", "perf_event_open", "userfaultfd",
	"keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load",
	"init_module", "finit_module", "delete_module", "iopl", "ioperm",
	"open_by_handle_at", "name_to_handle_at", "swapon", "swapoff",
	"reboot", "acct", "quotactl", "syslog", "personality",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	NULL
};

static scmp_filter_ctx
runner_filter(void)
{
	static const unsigned long ns[] = { CLONE_NEWUSER, CLONE_NEWNS,
	    CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWUTS,
	    CLONE_NEWCGROUP };
	scmp_filter_ctx	ctx;
	int		nr, rc = 0;
	size_t		i;
	const char *const *name;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		fatalx("seccomp_init failed");
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) != 0)
		fatalx("seccomp: cannot set the bad-architecture action");
	for (name = runner_denied; *name != NULL; name++) {
		if ((nr = seccomp_syscall_resolve_name(*name)) ==
		    __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	/* No new namespaces through clone either; clone3 hides its flags
	   from a filter, and glibc falls back to clone on ENOSYS. */
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i],
		    ns[i]));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
	    0);
	if (rc != 0)
		fatalx("seccomp: cannot build the runner's list");
	return ctx;
}

static scmp_filter_ctx
seccomp_build(enum bh_role role, int sanitizer)
{
	scmp_filter_ctx		ctx;

	if (role == ROLE_RUNNER)
		return runner_filter();
	if ((ctx = seccomp_init(default_action)) == NULL)
		fatalx("seccomp_init failed");
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) != 0)
		fatalx("seccomp: cannot set the bad-architecture action");
	allow_list(ctx, base_calls);
	allow_list(ctx, role_calls(role));
#ifdef BH_SANITIZER
	if (sanitizer)
		allow_list(ctx, sanitizer_calls);
#endif
	allow_restricted(ctx, role, sanitizer);
	return ctx;
}

void
seccomp_apply(enum bh_role role)
{
	scmp_filter_ctx		ctx;
	struct sigaction	sa;

	if (role != ROLE_RUNNER && default_action == SCMP_ACT_TRAP) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sigsys_report;
		sa.sa_flags = SA_SIGINFO;
		if (sigaction(SIGSYS, &sa, NULL) == -1)
			fatal("sigaction SIGSYS");
	}
	ctx = seccomp_build(role, SANITIZER_BUILD);
	if (seccomp_load(ctx) != 0)
		fatalx("seccomp_load failed");
	seccomp_release(ctx);
}

int
seccomp_print(enum bh_role role, int table_only, int fd)
{
	scmp_filter_ctx	ctx;
	int		rc;

	if (SANITIZER_BUILD && !table_only)
		dprintf(fd, "# sanitizer build: with the calls the sanitizers "
		    "need (-t: without)\n");
	ctx = seccomp_build(role, SANITIZER_BUILD && !table_only);
	rc = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	return rc == 0 ? 0 : -1;
}
