/*
 * seccomp.c: a compartment's seccomp filter (libseccomp), made from its
 * row of seccomp_lists.c, where the lists and their argument rules
 * are.  Here: the sanitizer build's additions, building, loading and
 * printing a filter (the -S mode it takes is in sandbox_shared.c).
 *
 * An allowlist's default action kills the whole process; the kernel
 * logs the call number, master logs "killed by SIGSYS (seccomp)".
 */
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "privsep/sandbox.h"
#include "privsep/seccomp_lists.h"

#ifdef BH_SANITIZER
#define SANITIZER_BUILD	1
/*
 * ASan and UBSan need these to report from inside the filter, in every
 * allowlist; a rule of the table for one of them is then left out (the
 * call is allowed outright).
 */
static const char *const sanitizer_calls[] = {
	"sigaltstack", "ioctl", "futex", "tgkill", "gettid", "readlink",
	"open", "prctl", "sched_yield", "mprotect", "getppid",
	"rt_sigprocmask", "rt_sigaction",
	"sched_getaffinity",	/* ASan's thread start (queue's pool) */
	NULL
};
#else
#define SANITIZER_BUILD	0
static const char *const sanitizer_calls[] = { NULL };
#endif

/* The action of the -S mode master chose (sandbox_shared.c). */
static uint32_t
default_action(void)
{
	const char *mode = seccomp_get_mode();

	if (strcmp(mode, "trap") == 0)
		return SCMP_ACT_TRAP;
	if (strcmp(mode, "log") == 0)
		return SCMP_ACT_LOG;
	return SCMP_ACT_KILL_PROCESS;
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

static int
listed(const char *const *names, const char *name)
{
	for (; *names != NULL; names++)
		if (strcmp(*names, name) == 0)
			return 1;
	return 0;
}

static void
add_calls(scmp_filter_ctx ctx, uint32_t action, const char *const *names)
{
	int nr;

	for (; *names != NULL; names++) {
		if ((nr = seccomp_syscall_resolve_name(*names)) == __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if (seccomp_rule_add(ctx, action, nr, 0) != 0)
			fatalx("seccomp: cannot add %s", *names);
	}
}

static void
add_rules(scmp_filter_ctx ctx, const struct comp_rule *r, int sanitizer)
{
	int nr;

	for (; r->call != NULL; r++) {
		if (sanitizer && r->action == SCMP_ACT_ALLOW &&
		    listed(sanitizer_calls, r->call))
			continue;	/* allowed outright already */
		if ((nr = seccomp_syscall_resolve_name(r->call)) ==
		    __NR_SCMP_ERROR)
			continue;
		if ((r->nargs == 0 ? seccomp_rule_add(ctx, r->action, nr, 0) :
		    seccomp_rule_add_array(ctx, r->action, nr, 1, &r->arg)) != 0)
			fatalx("seccomp: cannot add the rule for %s", r->call);
	}
}

/* The filter of a role's row; sanitizer: with the sanitizers' calls. */
static scmp_filter_ctx
seccomp_build(enum bh_role role, int sanitizer)
{
	const struct comp_seccomp	*c = compartment_seccomp(role);
	scmp_filter_ctx			 ctx;
	int				 deny;

	if (c == NULL)
		fatalx("no seccomp policy for %s", ipc_role_name(role));
	deny = c->kind == COMP_DENYLIST;
	if ((ctx = seccomp_init(deny ? SCMP_ACT_ALLOW : default_action()))
	    == NULL)
		fatalx("seccomp_init failed");
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) != 0)
		fatalx("seccomp: cannot set the bad-architecture action");
	add_calls(ctx, deny ? SCMP_ACT_ERRNO(EPERM) : SCMP_ACT_ALLOW,
	    c->calls);
	sanitizer = sanitizer && !deny;
	if (sanitizer)
		add_calls(ctx, SCMP_ACT_ALLOW, sanitizer_calls);
	add_rules(ctx, c->rules, sanitizer);
	return ctx;
}

static void
trap_report(void)
{
	struct sigaction	sa;

	if (default_action() != SCMP_ACT_TRAP)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_report;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("sigaction SIGSYS");
}

void
seccomp_apply(enum bh_role role)
{
	scmp_filter_ctx		ctx;

	if (compartment_seccomp(role) != NULL &&
	    compartment_seccomp(role)->kind == COMP_ALLOWLIST)
		trap_report();
	ctx = seccomp_build(role, SANITIZER_BUILD);
	if (seccomp_load(ctx) != 0)
		fatalx("seccomp_load failed");
	seccomp_release(ctx);
}

/*
 * An allowlist that is no compartment's row: the configuration parser
 * (check/config_parser.c) runs before any compartment exists.  The -S
 * mode and the sanitizers' calls apply as to the rows.
 */
void
seccomp_apply_calls(const char *const *calls)
{
	scmp_filter_ctx		ctx;

	trap_report();
	if ((ctx = seccomp_init(default_action())) == NULL)
		fatalx("seccomp_init failed");
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) != 0)
		fatalx("seccomp: cannot set the bad-architecture action");
	add_calls(ctx, SCMP_ACT_ALLOW, calls);
	if (SANITIZER_BUILD)
		add_calls(ctx, SCMP_ACT_ALLOW, sanitizer_calls);
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
