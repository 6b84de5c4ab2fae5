/*
 * test_compartment.c: the table of compartments is consistent, and the
 * sandbox a row makes is what the compartments entered before the table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <string.h>

#include "conf/config.h"
#include "privsep/compartment.h"
#include "privsep/sandbox.h"
#include "privsep/seccomp_lists.h"
#include "queue/qfile.h"

static const enum bh_role roles[] = {
	ROLE_SMTPD, ROLE_QUEUE, ROLE_LOOKUP, ROLE_LOCAL, ROLE_WRITER,
	ROLE_RUNNER, ROLE_KEYS
};
#define NROLES	(sizeof(roles) / sizeof(roles[0]))

static void
test_every_worker_has_a_row(void **state)
{
	size_t i;

	assert_null(compartment(ROLE_MASTER));
	assert_null(compartment(ROLE_COUNT));
	for (i = 0; i < NROLES; i++) {
		assert_non_null(compartment(roles[i]));
		assert_int_equal(compartment(roles[i])->role, roles[i]);
		assert_non_null(compartment_seccomp(roles[i])->calls);
		assert_non_null(compartment_seccomp(roles[i])->rules);
	}
}

/*
 * Every compartment has its seccomp policy (seccomp_lists.c), and only
 * a compartment: master and bulkctl have none.
 */
static void
test_every_row_has_a_policy(void **state)
{
	int r;

	for (r = ROLE_MASTER; r < ROLE_COUNT; r++)
		assert_int_equal(compartment((enum bh_role)r) != NULL,
		    compartment_seccomp((enum bh_role)r) != NULL);
	assert_null(compartment_seccomp(ROLE_MASTER));
	assert_null(compartment_seccomp(ROLE_CONTROL));
	assert_null(compartment_seccomp(ROLE_COUNT));
}

/* A channel has two ends: each row names the other. */
static void
test_peers_are_symmetric(void **state)
{
	size_t i, j;

	for (i = 0; i < NROLES; i++)
		for (j = 0; j < NROLES; j++)
			assert_int_equal(
			    !!(compartment(roles[i])->peers & (1u << roles[j])),
			    !!(compartment(roles[j])->peers & (1u << roles[i])));
}

/* Master wires exactly the five channels it always has. */
static void
test_wired_pairs(void **state)
{
	size_t	i, j, n = 0;

	for (i = 0; i < NROLES; i++)
		for (j = i + 1; j < NROLES; j++)
			n += compartment_wired(roles[i], roles[j]);
	assert_int_equal(n, 5);
	assert_true(compartment_wired(ROLE_SMTPD, ROLE_QUEUE));
	/* the key oracle talks to smtpd, and to no one else */
	assert_true(compartment_wired(ROLE_SMTPD, ROLE_KEYS));
	assert_false(compartment_wired(ROLE_KEYS, ROLE_QUEUE));
	assert_false(compartment_wired(ROLE_KEYS, ROLE_LOCAL));
	assert_true(compartment_wired(ROLE_LOOKUP, ROLE_SMTPD));
	assert_true(compartment_wired(ROLE_QUEUE, ROLE_LOCAL));
	assert_true(compartment_wired(ROLE_LOCAL, ROLE_LOOKUP));
	/* writers and runners get their channel per request */
	assert_false(compartment_wired(ROLE_LOCAL, ROLE_WRITER));
	assert_false(compartment_wired(ROLE_RUNNER, ROLE_LOCAL));
	assert_false(compartment_wired(ROLE_LOOKUP, ROLE_QUEUE));
	assert_false(compartment_wired(ROLE_SMTPD, ROLE_LOCAL));
	assert_false(compartment_wired(ROLE_MASTER, ROLE_SMTPD));
	assert_false(compartment_wired(ROLE_SMTPD, ROLE_COUNT));
}

static void
fake_config(struct bh_config *cf)
{
	static char smtpd[] = "bh-smtpd", queue[] = "bh-queue",
	    lookup[] = "bh-lookup", local[] = "bh-local", keys[] = "bh-keys",
	    spool[] = "/var/spool/bh", empty[] = "/var/empty";

	memset(cf, 0, sizeof(*cf));
	cf->smtpd_user = smtpd;
	cf->queue_user = queue;
	cf->lookup_user = lookup;
	cf->local_user = local;
	cf->keys_user = keys;
	cf->queue_directory = spool;
	cf->empty_directory = empty;
	cf->sandbox = SANDBOX_JAIL;
	cf->message_size_limit = 10240000;
}

static void
spec(enum bh_role role, const struct bh_config *cf, struct sandbox_spec *sb)
{
	memset(sb, 0, sizeof(*sb));
	compartment_spec(role, cf, sb);
	assert_int_equal(sb->role, role);
}

/* The values each *_main passed to sandbox_enter() before the table. */
static void
test_spawned_sandboxes(void **state)
{
	struct bh_config	cf;
	struct sandbox_spec	sb;

	fake_config(&cf);
	spec(ROLE_SMTPD, &cf, &sb);
	assert_string_equal(sb.user, "bh-smtpd");
	assert_string_equal(sb.root, "/var/empty");
	assert_int_equal(sb.root_writable, 0);
	assert_int_equal(sb.mode, SANDBOX_JAIL);
	assert_int_equal(sb.nofile, COMP_NOFILE_BY_ROLE);
	assert_int_equal(sb.fsize, 10240000 + 65536);
	assert_int_equal(sb.may_fork, 0);
	assert_int_equal(sb.threads, 0);

	spec(ROLE_QUEUE, &cf, &sb);
	assert_string_equal(sb.user, "bh-queue");
	assert_string_equal(sb.root, "/var/spool/bh");
	assert_int_equal(sb.root_writable, 1);
	assert_int_equal(sb.nofile, 4096);
	assert_int_equal(sb.fsize, 2 * 10240000 + QFILE_ENVELOPE_MAX);
	assert_int_equal(sb.threads, 16);

	spec(ROLE_LOOKUP, &cf, &sb);
	assert_string_equal(sb.user, "bh-lookup");
	assert_string_equal(sb.root, "/var/empty");
	assert_int_equal(sb.nofile, 64);
	assert_int_equal(sb.fsize, 0);

	cf.sandbox = SANDBOX_CHROOT;
	spec(ROLE_LOCAL, &cf, &sb);
	assert_string_equal(sb.user, "bh-local");
	assert_string_equal(sb.root, "/var/empty");
	assert_int_equal(sb.mode, SANDBOX_CHROOT);
	assert_int_equal(sb.nofile, 1024);
	assert_int_equal(sb.fsize, 0);
	assert_int_equal(sb.may_fork, 0);

	/* the key oracle: its own account, an empty root, no files */
	spec(ROLE_KEYS, &cf, &sb);
	assert_string_equal(sb.user, "bh-keys");
	assert_string_equal(sb.root, "/var/empty");
	assert_int_equal(sb.root_writable, 0);
	assert_int_equal(sb.nofile, 16);
	assert_int_equal(sb.fsize, 0);
	assert_int_equal(sb.may_fork, 0);
	assert_int_equal(sb.threads, 0);
}

/* relay: its own account, an empty root, a channel to queue only, and
   the host's network in jail mode (it must connect out). */
static void
test_relay_row(void **state)
{
	static char		 relay[] = "bh-relay";
	const struct compartment *c = compartment(ROLE_RELAY);
	struct bh_config	 cf;
	struct sandbox_spec	 sb;
	size_t			 i;

	assert_non_null(c);
	assert_int_equal(c->role, ROLE_RELAY);
	assert_int_equal(c->start, COMP_SPAWNED);
	assert_true(compartment_wired(ROLE_QUEUE, ROLE_RELAY));
	assert_true(compartment(ROLE_QUEUE)->peers & RB_(RELAY));
	for (i = 0; i < NROLES; i++)
		if (roles[i] != ROLE_QUEUE)
			assert_false(compartment_wired(ROLE_RELAY, roles[i]));
	assert_int_equal(c->jail_clone & CLONE_NEWNET, 0);
	assert_int_equal(c->jail_clone, CLONE_NEWNS | CLONE_NEWPID |
	    CLONE_NEWIPC | CLONE_NEWUTS);
	fake_config(&cf);
	cf.relay_user = relay;
	spec(ROLE_RELAY, &cf, &sb);
	assert_string_equal(sb.user, "bh-relay");
	assert_string_equal(sb.root, "/var/empty");
	assert_int_equal(sb.root_writable, 0);
	assert_int_equal(sb.fsize, 0);
	assert_int_equal(sb.may_fork, 0);
	assert_int_equal(sb.threads, 0);
}

/* dns: like relay, and a thread (libunbound's worker). */
static void
test_dns_row(void **state)
{
	static char		 dns[] = "bh-dns";
	const struct compartment *c = compartment(ROLE_DNS);
	struct bh_config	 cf;
	struct sandbox_spec	 sb;

	assert_non_null(c);
	assert_int_equal(c->role, ROLE_DNS);
	assert_true(compartment_wired(ROLE_QUEUE, ROLE_DNS));
	assert_false(compartment_wired(ROLE_DNS, ROLE_RELAY));
	assert_false(compartment_wired(ROLE_DNS, ROLE_SMTPD));
	assert_int_equal(c->jail_clone & CLONE_NEWNET, 0);
	fake_config(&cf);
	cf.dns_user = dns;
	spec(ROLE_DNS, &cf, &sb);
	assert_string_equal(sb.user, "bh-dns");
	assert_string_equal(sb.root, "/var/empty");
	assert_int_equal(sb.threads, 1);
	assert_int_equal(sb.fsize, 0);
}

static void
test_forked_sandboxes(void **state)
{
	struct sandbox_spec sb;

	spec(ROLE_WRITER, NULL, &sb);
	assert_null(sb.user);
	assert_null(sb.root);
	assert_int_equal(sb.mode, SANDBOX_CHROOT);
	assert_int_equal(sb.nofile, 32);
	assert_true(sb.fsize == RLIM_INFINITY);
	assert_int_equal(sb.may_fork, 0);

	spec(ROLE_RUNNER, NULL, &sb);
	assert_null(sb.user);
	assert_null(sb.root);
	assert_int_equal(sb.nofile, 1024);
	assert_true(sb.fsize == RLIM_INFINITY);
	assert_int_equal(sb.may_fork, 1);
}

/* Spawned compartments run in the jail's namespaces; forked ones are
   plain forks of master. */
static void
test_clone_flags(void **state)
{
	unsigned long	ns = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
			    CLONE_NEWUTS | CLONE_NEWNET;
	size_t		i;

	for (i = 0; i < NROLES; i++)
		assert_true(compartment(roles[i])->jail_clone ==
		    (compartment(roles[i])->start == COMP_SPAWNED ? ns : 0));
}

/* The one role with threads is the one whose filter allows their clone. */
static void
test_threads_match_the_filter(void **state)
{
	const struct comp_rule	*r;
	size_t			 i;
	int			 clone;

	for (i = 0; i < NROLES; i++) {
		clone = 0;
		for (r = compartment_seccomp(roles[i])->rules; r->call; r++)
			clone |= strcmp(r->call, "clone") == 0 &&
			    r->action == SCMP_ACT_ALLOW;
		assert_int_equal(clone, compartment(roles[i])->threads > 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_worker_has_a_row),
		cmocka_unit_test(test_every_row_has_a_policy),
		cmocka_unit_test(test_peers_are_symmetric),
		cmocka_unit_test(test_wired_pairs),
		cmocka_unit_test(test_spawned_sandboxes),
		cmocka_unit_test(test_forked_sandboxes),
		cmocka_unit_test(test_relay_row),
		cmocka_unit_test(test_dns_row),
		cmocka_unit_test(test_clone_flags),
		cmocka_unit_test(test_threads_match_the_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
