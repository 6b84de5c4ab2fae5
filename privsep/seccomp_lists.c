/*
 * seccomp_lists.c: each compartment's seccomp policy: the system calls
 * its filter allows (or, for the runner, refuses) and their argument
 * rules, one row per role beside its row of the compartment table
 * (compartment.c).  Only a compartment, after exec, builds its filter
 * from here (seccomp.c); master, which only starts it, never links
 * this file.
 *
 * The lists were measured with strace on Debian 12 x86_64; names a
 * kernel or architecture lacks are skipped by libseccomp.  In the
 * allowlists mmap and mprotect may never ask for PROT_EXEC, ioctl may
 * only ask FIONREAD, and nothing may create sockets, namespaces,
 * processes or change credentials.
 *
 * `bulkhead -x policy ROLE` prints the filter a row makes, and
 * tests/policy/ROLE.pfc holds the reviewed copy: change a row, and
 * regenerate that file in the same commit.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <sched.h>
#include <stddef.h>

#include "privsep/seccomp_lists.h"

#define CALLS(...)	((const char *const[]){ __VA_ARGS__, NULL })
#define RULES(...)	((const struct comp_rule[]){ __VA_ARGS__, { .call = NULL } })
/* Allowed only when argument n, op'ed with a (and b), holds. */
#define ALLOW_IF(call, n, op, a, b) \
	{ call, SCMP_ACT_ALLOW, 1, { n, op, a, b } }
#define FAIL(call, err)	{ call, SCMP_ACT_ERRNO(err), 0, { 0 } }
#define FAIL_IF(call, err, n, op, a, b) \
	{ call, SCMP_ACT_ERRNO(err), 1, { n, op, a, b } }

/*
 * Every allowlist: the event loop (libevent's signal pipe uses send and
 * recv, which are sendto and recvfrom), IPC, memory, time, randomness.
 */
#define BASE_CALLS							\
	"read", "write", "readv", "writev", "close", "exit", "exit_group", \
	"brk", "munmap", "mremap", "madvise", "rt_sigreturn",		\
	"clock_gettime", "gettimeofday", "clock_nanosleep", "nanosleep", \
	"getpid", "getrandom",						\
	"epoll_wait", "epoll_pwait", "epoll_ctl",			\
	"recvmsg", "sendmsg", "recvfrom", "sendto", "fcntl"

/* Memory may be mapped, never executable. */
#define NO_EXEC_MEMORY							\
	ALLOW_IF("mmap", 2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0),		\
	ALLOW_IF("mprotect", 2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)

/* evbuffer_read() asks how much is waiting; nothing else. */
#define FIONREAD_ONLY	ALLOW_IF("ioctl", 1, SCMP_CMP_EQ, FIONREAD, 0)

/*
 * pthread_create: clone with exactly glibc's thread flags (no new
 * process, no namespace); clone3 answers ENOSYS, so glibc falls back to
 * clone, whose flags a filter can see.  glibc installs its SIGRT_1
 * (set*id broadcast; SIGRTMIN itself is a function) handler at the
 * first thread: that signal only.
 */
#define THREAD_CLONE_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES |	\
	CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |	\
	CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
#define SIGRTMIN_GLIBC_SETXID	33
#define THREADS								\
	ALLOW_IF("clone", 0, SCMP_CMP_EQ, THREAD_CLONE_FLAGS, 0),	\
	FAIL("clone3", ENOSYS),						\
	ALLOW_IF("rt_sigaction", 0, SCMP_CMP_EQ, SIGRTMIN_GLIBC_SETXID, 0)

/* No new namespace through clone (runner); clone3 hides its flags. */
#define NO_NAMESPACE(flag)						\
	FAIL_IF("clone", EPERM, 0, SCMP_CMP_MASKED_EQ, flag, flag)


static const struct comp_seccomp lists[ROLE_COUNT] = {
	[ROLE_SMTPD] = {
		.kind = COMP_ALLOWLIST,
		/* poll: a signature from keys, inside a handshake
		   (smtpd/tls_keys.c) */
		.calls = CALLS(BASE_CALLS, "accept4", "poll", "ppoll"),
		.rules = RULES(NO_EXEC_MEMORY, FIONREAD_ONLY),
	},
	[ROLE_QUEUE] = {
		.kind = COMP_ALLOWLIST,
		.calls = CALLS(BASE_CALLS,
		    /* file calls, confined to the spool by its root */
		    "openat", "newfstatat", "fstat", "pread64",
		    "pwrite64", "fsync", "fdatasync", "rename",
		    "renameat", "renameat2", "unlink", "unlinkat",
		    "mkdir", "mkdirat", "getdents64",
		    /* spare files are checked and emptied */
		    "geteuid", "ftruncate",
		    /* smtpd writes the content into a memory file
		       that queue seals (fcntl) at the commit */
		    "memfd_create",
		    /* the commit pool (glibc 2.36): its wake-up pipe,
		       locks, the signal mask around clone, each
		       thread's set-up; clone under THREADS */
		    "pipe2", "futex", "set_robust_list", "rseq",
		    "rt_sigprocmask",
		    /* the control socket: SO_PEERCRED of bulkctl */
		    "accept4", "getsockopt"),
		.rules = RULES(NO_EXEC_MEMORY, FIONREAD_ONLY, THREADS),
	},
	[ROLE_LOOKUP] = {
		/*
		 * it answers from memory; getuid tells nothing it
		 * does not know (a test build's alias parser logs
		 * its uid: test_alias_parser.py)
		 */
		.kind = COMP_ALLOWLIST,
		.calls = CALLS(BASE_CALLS, "getuid"),
		.rules = RULES(NO_EXEC_MEMORY),
	},
	[ROLE_LOCAL] = {
		/* it reads the queue file it was given and feeds
		   pipes to writers and runners */
		.kind = COMP_ALLOWLIST,
		.calls = CALLS(BASE_CALLS, "pipe2", "pread64"),
		.rules = RULES(NO_EXEC_MEMORY),
	},
	[ROLE_KEYS] = {
		/* futex: OpenSSL's locks (RSA blinding), in its
		   own single thread */
		.kind = COMP_ALLOWLIST,
		.calls = CALLS(BASE_CALLS, "futex"),
		.rules = RULES(NO_EXEC_MEMORY),
	},
	[ROLE_WRITER] = {
		.kind = COMP_ALLOWLIST,
		.calls = CALLS(BASE_CALLS,
		    /* Maildir and mbox */
		    "openat", "mkdir", "mkdirat", "link", "linkat",
		    "unlink", "unlinkat", "fsync",
		    /* owner checks (fstat is newfstatat in glibc
		       2.36); ftruncate: a failed mbox append is cut
		       back */
		    "newfstatat", "geteuid", "ftruncate",
		    /* a stale mbox dotlock is renamed aside before
		       it is removed */
		    "rename", "renameat", "renameat2"),
		.rules = RULES(NO_EXEC_MEMORY),
	},
	[ROLE_RUNNER] = {
		/*
		 * It execs /bin/sh and whatever the admin's or the
		 * user's command runs (procmail, a list manager, a
		 * script): no allowlist fits every such program, and
		 * one that killed them would lose mail.  The opposite
		 * then: everything is allowed but the calls that only
		 * widen the kernel's attack surface or reach other
		 * processes, which fail with EPERM (a program may
		 * probe them).  Every process the command starts
		 * inherits it.  The user's own rights are the fence;
		 * this list, no capabilities and no_new_privs keep
		 * it from growing.
		 */
		.kind = COMP_DENYLIST,
		.calls = CALLS("ptrace", "process_vm_readv",
		    "process_vm_writev", "kcmp", "pidfd_getfd",
		    "unshare", "setns", "mount", "umount2",
		    "pivot_root", "chroot", "fsopen", "fsmount",
		    "fsconfig", "move_mount", "open_tree",
		    "mount_setattr", "bpf", "perf_event_open",
		    "userfaultfd", "keyctl", "add_key", "request_key",
		    "kexec_load", "kexec_file_load", "init_module",
		    "finit_module", "delete_module", "iopl", "ioperm",
		    "open_by_handle_at", "name_to_handle_at", "swapon",
		    "swapoff", "reboot", "acct", "quotactl", "syslog",
		    "personality", "io_uring_setup", "io_uring_enter",
		    "io_uring_register"),
		.rules = RULES(NO_NAMESPACE(CLONE_NEWUSER),
		    NO_NAMESPACE(CLONE_NEWNS),
		    NO_NAMESPACE(CLONE_NEWNET),
		    NO_NAMESPACE(CLONE_NEWPID),
		    NO_NAMESPACE(CLONE_NEWIPC),
		    NO_NAMESPACE(CLONE_NEWUTS),
		    NO_NAMESPACE(CLONE_NEWCGROUP),
		    /* glibc falls back to clone on ENOSYS */
		    FAIL("clone3", ENOSYS),
		    /* no keystrokes pushed into a terminal, no
		       console tricks (the kernel reads cmd as an
		       unsigned int: the high bits do not count) */
		    FAIL_IF("ioctl", EPERM, 1, SCMP_CMP_MASKED_EQ,
		    0xffffffffU, TIOCSTI),
		    FAIL_IF("ioctl", EPERM, 1, SCMP_CMP_MASKED_EQ,
		    0xffffffffU, TIOCLINUX)),
	},
	[ROLE_PICKUP] = {
		.kind = COMP_ALLOWLIST,
		.calls = CALLS(BASE_CALLS,
		    /* the drop files: read, checked, removed or
		       moved to corrupt/ */
		    "openat", "newfstatat", "fstat", "pread64",
		    "getdents64", "unlink", "unlinkat", "rename",
		    "renameat", "renameat2", "mkdir", "mkdirat",
		    /* new files wake it up */
		    "inotify_init1", "inotify_add_watch"),
		.rules = RULES(NO_EXEC_MEMORY),
	},
	[ROLE_RELAY] = {
		.kind = COMP_ALLOWLIST,
		/* connect, then SO_ERROR of a non-blocking connect */
		.calls = CALLS(BASE_CALLS, "pread64", "connect",
		    "getsockopt"),
		.rules = RULES(NO_EXEC_MEMORY, FIONREAD_ONLY,
		    /* TCP over IPv4 or IPv6 only */
		    ALLOW_IF("socket", 0, SCMP_CMP_EQ, AF_INET, 0),
		    ALLOW_IF("socket", 0, SCMP_CMP_EQ, AF_INET6, 0)),
	},
	[ROLE_AUTH] = {
		/* the Dovecot backend reads its socket (master
		   connected it) through a bufferevent */
		.kind = COMP_ALLOWLIST,
		.calls = CALLS(BASE_CALLS),
		.rules = RULES(NO_EXEC_MEMORY, FIONREAD_ONLY),
	},
	[ROLE_DNS] = {
		.kind = COMP_ALLOWLIST,
		.calls = CALLS(BASE_CALLS, "connect", "bind",
		    "getsockopt", "setsockopt", "getsockname",
		    "pipe2", "futex", "set_robust_list", "rseq",
		    "rt_sigprocmask",
		    /* libunbound's worker asks who it is */
		    "getuid", "geteuid", "getgid", "getegid",
		    /* and its own event loop */
		    "epoll_create1", "eventfd2"),
		.rules = RULES(NO_EXEC_MEMORY, FIONREAD_ONLY, THREADS,
		    ALLOW_IF("socket", 0, SCMP_CMP_EQ, AF_INET, 0),
		    ALLOW_IF("socket", 0, SCMP_CMP_EQ, AF_INET6, 0)),
	},
};

const struct comp_seccomp *
compartment_seccomp(enum bh_role role)
{
	if (role <= ROLE_MASTER || role >= ROLE_COUNT ||
	    lists[role].calls == NULL)
		return NULL;
	return &lists[role];
}
