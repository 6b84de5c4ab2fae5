/*
 * test_resolve.c: what lookup decides about a recipient, at RCPT time
 * (resolve_rcpt) and at delivery time (resolve_expand).
 */
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf/aliases.h"
#include "delivery/resolve.h"
#include "delivery/userdb.h"
#include "conf/config.h"
#include "privsep/ipc_msgs.h"
#include "conf/own_addrs.h"

static const char aliases_text[] =
    "postmaster: alice\n"
    "team: alice, bob\n"
    "loop1: loop2\n"
    "loop2: loop1\n"
    "fwd: someone@remote.example\n"
    "prog: |/bin/true\n"
    "half: alice, ghost, someone@remote.example\n"
    "crowd: alice, g1, g2, g3, g4, g5\n"
    "ghosts: g1, g2\n";

struct fix {
	struct bh_config	 cf;
	struct userdb		 users;
	struct alias_table	 aliases;
	struct resolver		 r;
};

static struct fix *
fix_new(const char *delim, const char *extra_aliases)
{
	struct fix	*f;
	char		 err[ALIAS_ERR_MAX] = "", *text;
	size_t		 len;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->cf.mydestination.v[0] = "test.example";
	f->cf.mydestination.v[1] = "localhost";
	f->cf.mydestination.n = 2;
	f->cf.local_minimum_uid = 1000;
	f->cf.recipient_delimiter = (char *)delim;

	userdb_add(&f->users, "alice", 1001);
	userdb_add(&f->users, "bob", 1002);
	userdb_add(&f->users, "root", 0);
	userdb_add(&f->users, "daemon", 1);
	userdb_sort(&f->users);

	len = strlen(aliases_text) + strlen(extra_aliases);
	text = malloc(len + 1);
	assert_non_null(text);
	strlcpy(text, aliases_text, len + 1);
	strlcat(text, extra_aliases, len + 1);
	if (aliases_parse_buffer(&f->aliases, text, len, "aliases", err,
	    sizeof(err)) != 0)
		fail_msg("aliases: %s", err);
	free(text);

	f->r.cf = &f->cf;
	f->r.users = &f->users;
	f->r.aliases = &f->aliases;
	return f;
}

static int
setup_nodelim(void **state)
{
	*state = fix_new("", "");
	return 0;
}

static int
setup_plus(void **state)
{
	*state = fix_new("+", "");
	return 0;
}

static int
setup_extra(void **state)
{
	*state = fix_new("+",
	    "viaours: bob@Test.Example, alice@localhost\n"
	    "mixed: alice, /var/mail/shared\n"
	    "inc: :include:/etc/list\n"
	    "sysonly: daemon\n"
	    "deep: team, postmaster\n");
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	aliases_free(&f->aliases);
	userdb_free(&f->users);
	free(f);
	return 0;
}

static void
verdict(struct fix *f, const char *addr, enum rcpt_verdict want)
{
	enum rcpt_verdict got = resolve_rcpt(&f->r, addr);

	if (got != want)
		fail_msg("%s: verdict %d, want %d", addr, got, want);
}

/* --- relay control --------------------------------------------------- */

static void
test_relay_control(void **state)
{
	struct fix	*f = *state;

	f->cf.mynetworks.v[0] = "127.0.0.1/32";
	f->cf.mynetworks.v[1] = "192.0.2.0/24";
	f->cf.mynetworks.v[2] = "2001:db8::/32";
	f->cf.mynetworks.n = 3;
	f->cf.relay_domains.v[0] = "relay.example";
	f->cf.relay_domains.n = 1;
	/* our domains are decided as before, whoever asks */
	assert_int_equal(resolve_rcpt_client(&f->r, "alice@test.example",
	    "203.0.113.9", 0), RCPT_OK);
	assert_int_equal(resolve_rcpt_client(&f->r, "nobody1@test.example",
	    "127.0.0.1", 0), RCPT_UNKNOWN_USER);
	/* other domains: outsiders may not relay */
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "203.0.113.9", 0), RCPT_RELAY_DENIED);
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "127.0.0.2", 0), RCPT_RELAY_DENIED);
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "2001:db9::1", 0), RCPT_RELAY_DENIED);
	/* mynetworks and relay_domains may, but no route leads there */
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "127.0.0.1", 0), RCPT_RELAY_UNAVAILABLE);
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "192.0.2.200", 0), RCPT_RELAY_UNAVAILABLE);
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "::ffff:192.0.2.7", 0), RCPT_RELAY_UNAVAILABLE);
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "2001:db8:ffff::1", 0), RCPT_RELAY_UNAVAILABLE);
	assert_int_equal(resolve_rcpt_client(&f->r, "x@RELAY.example",
	    "203.0.113.9", 0), RCPT_RELAY_UNAVAILABLE);
	/* a client smtpd's restrictions let relay (a login), as mynetworks;
	   never to a literal of another host */
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "203.0.113.9", 1), RCPT_RELAY_UNAVAILABLE);
	assert_int_equal(resolve_rcpt_client(&f->r, "x@[192.0.2.9]",
	    "203.0.113.9", 1), RCPT_RELAY_DENIED);
	/* a subdomain of a relay domain is not one (Postfix's
	   parent_domain_matches_subdomains does not list relay_domains) */
	assert_int_equal(resolve_rcpt_client(&f->r, "x@sub.relay.example",
	    "203.0.113.9", 0), RCPT_RELAY_DENIED);
	/* with a relayhost, relay has somewhere to send it: accepted */
	f->cf.relayhost = "[192.0.2.25]:2525";
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "127.0.0.1", 0), RCPT_OK);
	assert_int_equal(resolve_rcpt_client(&f->r, "x@RELAY.example",
	    "203.0.113.9", 0), RCPT_OK);
	/* and still not for outsiders to other domains */
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "203.0.113.9", 0), RCPT_RELAY_DENIED);
	f->cf.relayhost = NULL;
	/* default_transport = smtp (Postfix's default): MX routing */
	f->cf.default_transport = "smtp";
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "127.0.0.1", 0), RCPT_OK);
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "203.0.113.9", 0), RCPT_RELAY_DENIED);
	/* relay_domains from anyone: we are a backup MX */
	assert_int_equal(resolve_rcpt_client(&f->r, "x@RELAY.example",
	    "203.0.113.9", 0), RCPT_OK);
	f->cf.default_transport = "error:5.7.1 no mail out";
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "127.0.0.1", 0), RCPT_OK);	/* then bounced, as Postfix */
	f->cf.default_transport = "local";
	assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
	    "127.0.0.1", 0), RCPT_RELAY_UNAVAILABLE);
	f->cf.default_transport = NULL;

	/* no relayhost: a transport_maps entry that sends it somewhere */
	{
		struct transport_table	t;
		char			err[256];
		const char		*tt = "else.example smtp:[192.0.2.1]\n"
		    "here.example local:\n";

		assert_int_equal(transport_parse_buffer(&t, tt, strlen(tt),
		    "t", err, sizeof(err)), 0);
		f->r.transports = &t;
		f->r.ntransports = 1;
		assert_int_equal(resolve_rcpt_client(&f->r, "x@else.example",
		    "127.0.0.1", 0), RCPT_OK);
		assert_int_equal(resolve_rcpt_client(&f->r, "x@here.example",
		    "127.0.0.1", 0), RCPT_RELAY_UNAVAILABLE);
		assert_int_equal(resolve_rcpt_client(&f->r, "x@other.example",
		    "127.0.0.1", 0), RCPT_RELAY_UNAVAILABLE);
		f->r.transports = NULL;
		f->r.ntransports = 0;
		transport_free(&t);
	}
}

static void
test_networks(void **state)
{
	struct bh_strlist	l = { { "10.0.0.0/8", "192.0.2.128/25",
	    "::1/128", "0.0.0.0/0" }, 3 };

	assert_true(resolve_in_networks(&l, "10.255.1.2"));
	assert_false(resolve_in_networks(&l, "11.0.0.1"));
	assert_true(resolve_in_networks(&l, "192.0.2.128"));
	assert_true(resolve_in_networks(&l, "192.0.2.255"));
	assert_false(resolve_in_networks(&l, "192.0.2.127"));
	assert_true(resolve_in_networks(&l, "::1"));
	assert_false(resolve_in_networks(&l, "::2"));
	assert_false(resolve_in_networks(&l, "unknown"));
	assert_false(resolve_in_networks(&l, ""));
	/* an IPv4 network never matches an IPv6 address and back */
	assert_false(resolve_in_networks(&l, "::a00:1"));
	l.n = 4;	/* 0.0.0.0/0: every IPv4 client */
	assert_true(resolve_in_networks(&l, "203.0.113.1"));
	assert_false(resolve_in_networks(&l, "2001:db8::1"));
}

/*
 * An IPv4-mapped network (as config_check.c canonicalises
 * "[::ffff:192.0.2.0]/120") matches the IPv4 clients it stands for, in
 * both spellings, and every byte compared is a byte of the address (it
 * used to run its IPv6 prefix over a 4-byte IPv4 address: uninitialised
 * stack).
 */
static void
test_networks_v4mapped(void **state)
{
	struct bh_strlist	l = { { "::ffff:192.0.2.0/120",
	    "::ffff:198.51.100.7/128" }, 2 };

	assert_true(resolve_in_networks(&l, "192.0.2.5"));
	assert_true(resolve_in_networks(&l, "192.0.2.255"));
	assert_true(resolve_in_networks(&l, "::ffff:192.0.2.9"));
	assert_false(resolve_in_networks(&l, "192.0.3.5"));
	assert_true(resolve_in_networks(&l, "198.51.100.7"));
	assert_false(resolve_in_networks(&l, "198.51.100.8"));
	assert_false(resolve_in_networks(&l, "::c000:205"));
	assert_false(resolve_in_networks(&l, "2001:db8::1"));
}

/* --- RCPT time ------------------------------------------------------- */

static void
test_rcpt_common(void **state)
{
	struct fix *f = *state;

	verdict(f, "alice@test.example", RCPT_OK);
	verdict(f, "ALICE@Test.Example", RCPT_OK);
	verdict(f, "bob@localhost", RCPT_OK);
	verdict(f, "bob@LOCALHOST", RCPT_OK);
	verdict(f, "team@test.example", RCPT_OK);
	verdict(f, "Team@test.example", RCPT_OK);
	verdict(f, "fwd@test.example", RCPT_OK);	/* an alias: ours */
	verdict(f, "nobody@test.example", RCPT_UNKNOWN_USER);
	verdict(f, "daemon@test.example", RCPT_UNKNOWN_USER);	/* uid 1 */
	verdict(f, "root@test.example", RCPT_OK);	/* deferred later */
	verdict(f, "Postmaster", RCPT_OK);
	verdict(f, "postmaster@test.example", RCPT_OK);
	verdict(f, "alice", RCPT_OK);
	verdict(f, "nobody", RCPT_UNKNOWN_USER);

	/* Not ours: no relaying, whoever the local part names. */
	verdict(f, "x@remote.example", RCPT_RELAY_DENIED);
	verdict(f, "alice@remote.example", RCPT_RELAY_DENIED);
	verdict(f, "alice@sub.test.example", RCPT_RELAY_DENIED);
	verdict(f, "alice@test.example.evil", RCPT_RELAY_DENIED);
	verdict(f, "alice@example", RCPT_RELAY_DENIED);

	/* The domain is after the last '@'. */
	verdict(f, "alice@remote.example@test.example", RCPT_UNKNOWN_USER);
	verdict(f, "@test.example", RCPT_UNKNOWN_USER);
	verdict(f, "", RCPT_UNKNOWN_USER);
}

static void
test_rcpt_no_delimiter(void **state)
{
	struct fix *f = *state;

	verdict(f, "alice+tag@test.example", RCPT_UNKNOWN_USER);
	verdict(f, "team+x@test.example", RCPT_UNKNOWN_USER);
}

static void
test_rcpt_plus(void **state)
{
	struct fix *f = *state;

	verdict(f, "alice+tag@test.example", RCPT_OK);
	verdict(f, "Alice+Tag@Test.Example", RCPT_OK);
	verdict(f, "alice+@test.example", RCPT_OK);
	verdict(f, "team+x@test.example", RCPT_OK);
	verdict(f, "nobody+alice@test.example", RCPT_UNKNOWN_USER);
	verdict(f, "+alice@test.example", RCPT_UNKNOWN_USER);
	verdict(f, "daemon+x@test.example", RCPT_UNKNOWN_USER);
	verdict(f, "alice+tag@remote.example", RCPT_RELAY_DENIED);
}

static void
test_local_domain(void **state)
{
	struct fix *f = *state;

	assert_true(resolve_is_local_domain("test.example", &f->cf));
	assert_true(resolve_is_local_domain("TEST.EXAMPLE", &f->cf));
	assert_true(resolve_is_local_domain("localhost", &f->cf));
	assert_false(resolve_is_local_domain("", &f->cf));
	assert_false(resolve_is_local_domain("example", &f->cf));
	assert_false(resolve_is_local_domain("test.example.", &f->cf));
}

/* --- delivery time --------------------------------------------------- */

static struct msg_expand_ok out;	/* 13 KiB */

static void
expand_ok(struct fix *f, const char *addr, const char **want, size_t n)
{
	char	dsn[IPC_DSN_MAX], text[IPC_TEXT_MAX];
	size_t	i;

	memset(&out, 0, sizeof(out));
	dsn[0] = text[0] = '\0';
	if (resolve_expand(&f->r, addr, &out, dsn, sizeof(dsn), text,
	    sizeof(text)) != 0)
		fail_msg("%s: failed %s %s", addr, dsn, text);
	assert_int_equal(out.n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(out.users[i], want[i]);
}

static void
expand_fails(struct fix *f, const char *addr, const char *want_dsn)
{
	char	dsn[IPC_DSN_MAX], text[IPC_TEXT_MAX];
	int	r;

	memset(&out, 0, sizeof(out));
	dsn[0] = text[0] = '\0';
	r = resolve_expand(&f->r, addr, &out, dsn, sizeof(dsn), text,
	    sizeof(text));
	if (r != -1)
		fail_msg("%s: expanded to %u users", addr, out.n);
	if (strcmp(dsn, want_dsn) != 0)
		fail_msg("%s: dsn %s, want %s (%s)", addr, dsn, want_dsn, text);
	assert_true(text[0] != '\0');
}

static void
test_expand(void **state)
{
	struct fix	*f = *state;
	const char	*team[] = { "alice", "bob" };
	const char	*alice[] = { "alice" };

	expand_ok(f, "team@test.example", team, 2);
	expand_ok(f, "TEAM@localhost", team, 2);
	expand_ok(f, "alice@test.example", alice, 1);
	expand_ok(f, "alice", alice, 1);
	expand_ok(f, "Postmaster", alice, 1);
	expand_fails(f, "loop1@test.example", "5.4.6");
	expand_fails(f, "loop2", "5.4.6");
	expand_fails(f, "fwd@test.example", "5.3.0");
	expand_fails(f, "nobody@test.example", "5.1.1");
	/* A command: no users, one target naming its alias. */
	expand_ok(f, "prog@test.example", NULL, 0);
	assert_int_equal(out.ntargets, 1);
	assert_int_equal(out.targets[0].kind, RUNNER_COMMAND);
	assert_int_equal(out.targets[0].map, 0);
	assert_string_equal(out.targets[0].name, "prog");
	assert_string_equal(out.targets[0].value, "/bin/true");
	expand_fails(f, "nobody@test.example", "5.1.1");
	expand_fails(f, "daemon@test.example", "5.1.1");
	expand_fails(f, "alice@remote.example", "5.1.1");
	/* Bad members fail alone; the alias reaches the others. */
	expand_ok(f, "Half@Test.Example", alice, 1);
	assert_int_equal(out.nfailed, 2);
	assert_string_equal(out.failed[0].addr, "ghost@Test.Example");
	assert_string_equal(out.failed[0].dsn, "5.1.1");
	assert_string_equal(out.failed[0].text, "unknown user ghost");
	assert_string_equal(out.failed[1].addr, "someone@remote.example");
	assert_string_equal(out.failed[1].dsn, "5.3.0");
	f->cf.myhostname = "mx.test.example";
	expand_ok(f, "half", alice, 1);
	assert_string_equal(out.failed[0].addr, "ghost@mx.test.example");
	/* More than IPC_FAILED_MAX bad members, or no good one: all fails. */
	expand_fails(f, "crowd@test.example", "5.1.1");
	expand_fails(f, "ghosts@test.example", "5.1.1");
}

static void
test_expand_no_delimiter(void **state)
{
	struct fix *f = *state;

	expand_fails(f, "alice+tag@test.example", "5.1.1");
}

static void
test_expand_plus(void **state)
{
	struct fix	*f = *state;
	const char	*team[] = { "alice", "bob" };
	const char	*alice[] = { "alice" };

	expand_ok(f, "alice+tag@test.example", alice, 1);
	expand_ok(f, "team+x@test.example", team, 2);
	expand_fails(f, "nobody+alice@test.example", "5.1.1");
}

static void
test_expand_extra(void **state)
{
	struct fix	*f = *state;
	const char	*bobalice[] = { "bob", "alice" };
	const char	*teampm[] = { "alice", "bob" };

	/* user@ one of ours is local, looked up again without the domain. */
	expand_ok(f, "viaours", bobalice, 2);
	/* Duplicates are removed. */
	expand_ok(f, "deep", teampm, 2);
	/* A user and a file. */
	expand_ok(f, "mixed", teampm, 1);
	assert_int_equal(out.ntargets, 1);
	assert_int_equal(out.targets[0].kind, RUNNER_FILE);
	assert_string_equal(out.targets[0].name, "mixed");
	assert_string_equal(out.targets[0].value, "/var/mail/shared");
	assert_int_equal(out.targets[0].map, 0);

	/*
	 * Two alias_maps, read last-to-first into one table: the built-in
	 * lines 1-6 play the second file, the extra ones from line 7 the
	 * first.  A command names the file its alias is in.
	 */
	{
		static const int lines[] = { 7, 1 };

		f->r.map_line = lines;
		f->r.nmaps = 2;
		expand_ok(f, "prog", NULL, 0);
		assert_int_equal(out.targets[0].map, 1);
		expand_ok(f, "mixed", teampm, 1);
		assert_int_equal(out.targets[0].map, 0);
		f->r.map_line = NULL;
		f->r.nmaps = 0;
	}
	/* An :include: file: local reads it through a runner. */
	expand_ok(f, "inc", NULL, 0);
	assert_int_equal(out.ntargets, 1);
	assert_int_equal(out.targets[0].kind, RUNNER_INCLUDE);
	assert_string_equal(out.targets[0].value, "/etc/list");
	expand_fails(f, "sysonly", "5.1.1");
}

static int
setup_owner(void **state)
{
	*state = fix_new("+", "owner-team: alice\nowner-alice: bob\n"
	    "owner-owner-team: bob\n");
	return 0;
}

static void
owner_is(struct fix *f, const char *addr, const char *want)
{
	char got[IPC_ADDR_MAX];

	resolve_owner(&f->r, addr, got, sizeof(got));
	assert_string_equal(got, want);
}

/* owner-NAME becomes the sender for mail through the alias NAME. */
static void
test_owner(void **state)
{
	struct fix *f = *state;

	f->cf.myhostname = "mx.test.example";
	owner_is(f, "team@test.example", "owner-team@test.example");
	owner_is(f, "TEAM@Test.Example", "owner-team@Test.Example");
	owner_is(f, "team+x@test.example", "owner-team@test.example");
	owner_is(f, "team", "owner-team@mx.test.example");
	owner_is(f, "alice@test.example", "");	/* a user, not an alias */
	owner_is(f, "loop1@test.example", "");	/* an alias without owner */
	owner_is(f, "owner-team@test.example", "");	/* no owner-owner- */
	owner_is(f, "team@remote.example", "");
}

/* --- targets as Postfix resolves them ------------ */

static int
setup_targets(void **state)
{
	*state = fix_new("+",
	    "list: alice+lists\n"
	    "viateam: team+x\n"
	    "twice: alice, alice+x, ALICE+Y@localhost\n"
	    "tab: \"|/bin/cat\t-\", alice\n"
	    "tabonly: \"/tmp/a\tb\"\n"
	    "odd: odd+x\n");
	return 0;
}

static void
test_expand_targets(void **state)
{
	struct fix	*f = *state;
	const char	*alice[] = { "alice" };
	const char	*team[] = { "alice", "bob" };

	/* user+ext reaches user; the extension stays for Delivered-To. */
	expand_ok(f, "list@test.example", alice, 1);
	assert_string_equal(out.ext[0], "+lists");
	/* an alias reached as alias+ext: its members, no extension */
	expand_ok(f, "viateam", team, 2);
	assert_string_equal(out.ext[0], "");
	assert_string_equal(out.ext[1], "");
	/* one account, one entry, whatever address reached it */
	expand_ok(f, "twice", alice, 1);
	assert_string_equal(out.ext[0], "");
	/* the recipient's own extension */
	expand_ok(f, "alice+news@test.example", alice, 1);
	assert_string_equal(out.ext[0], "+news");
	expand_ok(f, "alice@test.example", alice, 1);
	assert_string_equal(out.ext[0], "");
	/* a target master would refuse: a failed member, never sent */
	f->cf.myhostname = "mx.test.example";
	expand_ok(f, "tab", alice, 1);
	assert_int_equal(out.ntargets, 0);
	assert_int_equal(out.nfailed, 1);
	assert_string_equal(out.failed[0].addr, "tab@mx.test.example");
	assert_string_equal(out.failed[0].dsn, "5.3.0");
	assert_non_null(strstr(out.failed[0].text, "control character"));
	expand_fails(f, "tabonly@test.example", "5.3.0");
	expand_fails(f, "odd@test.example", "5.1.1");
	assert_null(resolve_target_problem(RUNNER_COMMAND, "/bin/cat -"));
	assert_non_null(resolve_target_problem(RUNNER_COMMAND, "/bin/cat\t-"));
	assert_non_null(resolve_target_problem(RUNNER_FILE, "rel/ative"));
}

/* RCPT refuses the accounts delivery would refuse (master's checks). */
static void
test_rcpt_accounts(void **state)
{
	struct fix	*f = *state;

	userdb_add_account(&f->users, "mach$", 1005, 1005, "/home/mach");
	userdb_add_account(&f->users, "grp0", 1006, 0, "/home/grp0");
	userdb_add_account(&f->users, "slash", 1007, 1007, "/home/slash/");
	userdb_add_account(&f->users, "dots", 1008, 1008, "/home/../x");
	userdb_sort(&f->users);
	verdict(f, "mach$@test.example", RCPT_UNKNOWN_USER);
	verdict(f, "grp0@test.example", RCPT_UNKNOWN_USER);
	verdict(f, "dots@test.example", RCPT_UNKNOWN_USER);
	verdict(f, "slash@test.example", RCPT_OK);
	verdict(f, "root@test.example", RCPT_OK);	/* deferred, aliased */
	assert_string_equal(resolve_account_problem(&f->r,
	    "mach$@test.example"), "malformed user name");
	assert_string_equal(resolve_account_problem(&f->r,
	    "grp0@test.example"), "account has primary group 0");
	assert_null(resolve_account_problem(&f->r, "slash@test.example"));
	assert_null(resolve_account_problem(&f->r, "nobody@test.example"));
	expand_fails(f, "grp0@test.example", "5.1.1");
}

/* user@[one of this host's addresses] is local (RFC 5321 4.1.3). */
static void
test_domain_literal(void **state)
{
	struct fix		*f = *state;
	static struct bh_strlist own, nets;
	const char		*alice[] = { "alice" };
	size_t			 i;

	/* as master hands them to lookup (-A) */
	own_addrs_parse("127.0.0.1,::1,,192.0.2.10", &own);
	assert_int_equal(own.n, 3);
	assert_string_equal(own.v[1], "::1");
	{
		struct bh_config	cf;
		char			buf[64];

		memset(&cf, 0, sizeof(cf));
		cf.inet_interfaces.v[0] = "loopback-only";
		cf.inet_interfaces.v[1] = "192.0.2.10";
		cf.inet_interfaces.n = 2;
		own_addrs_string(&cf, buf, sizeof(buf));
		assert_string_equal(buf, "127.0.0.1,::1,192.0.2.10");
	}
	nets.v[0] = "127.0.0.0/8";
	nets.n = 1;
	f->cf.mynetworks = nets;
	verdict(f, "alice@[127.0.0.1]", RCPT_RELAY_DENIED);	/* none known */
	f->r.own_addrs = &own;
	verdict(f, "alice@[127.0.0.1]", RCPT_OK);
	verdict(f, "alice@[192.0.2.10]", RCPT_OK);
	verdict(f, "alice@[IPv6:::1]", RCPT_OK);
	verdict(f, "alice@[ipv6:0::1]", RCPT_OK);
	verdict(f, "nobody@[127.0.0.1]", RCPT_UNKNOWN_USER);
	verdict(f, "alice@[192.0.2.11]", RCPT_RELAY_DENIED);
	verdict(f, "alice@[::1]", RCPT_RELAY_DENIED);	/* needs IPv6: */
	verdict(f, "alice@[127.0.0.1", RCPT_RELAY_DENIED);
	/* not ours: refused for a trusted client too, never 4xx */
	assert_int_equal(resolve_rcpt_client(&f->r, "alice@[192.0.2.11]",
	    "127.0.0.1", 0), RCPT_RELAY_DENIED);
	assert_int_equal(resolve_rcpt_client(&f->r, "alice@[127.0.0.1]",
	    "127.0.0.1", 0), RCPT_OK);
	expand_ok(f, "alice@[127.0.0.1]", alice, 1);
	f->r.own_addrs = NULL;
	for (i = 0; i < own.n; i++)
		free(own.v[i]);
	own.n = 0;
}

/* An expansion that would not fit in one IPC answer fails cleanly. */
static void
test_expand_reply_limit(void **state)
{
	struct fix	*f = *state;
	static uint8_t	 buf[2 * IPC_PAYLOAD_MAX];
	static char	 text[200000];
	char		 name[IPC_USER_MAX + 1], line[700], dsn[IPC_DSN_MAX];
	char		 why[IPC_TEXT_MAX], err[ALIAS_ERR_MAX];
	struct wbuf	 wb;
	int		 i;

	strlcpy(text, "big: ", sizeof(text));
	for (i = 0; i < IPC_EXPAND_MAX; i++) {
		snprintf(name, sizeof(name), "u%03d%s", i,
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		userdb_add(&f->users, name, 2000 + i);
		snprintf(line, sizeof(line), "%s+e, ", name);
		strlcat(text, line, sizeof(text));
	}
	userdb_sort(&f->users);
	for (i = 0; i < IPC_TARGETS_MAX; i++) {
		snprintf(line, sizeof(line), "\"|/bin/echo %d %0400d\", ", i,
		    0);
		strlcat(text, line, sizeof(text));
	}
	for (i = 0; i < IPC_FAILED_MAX; i++) {
		snprintf(line, sizeof(line), "ghost%d%0200d, ", i, 0);
		strlcat(text, line, sizeof(text));
	}
	strlcat(text, "alice\nsmall: alice+x, bob, |/bin/true, ghost\n",
	    sizeof(text));
	aliases_free(&f->aliases);
	if (aliases_parse_buffer(&f->aliases, text, strlen(text), "aliases",
	    err, sizeof(err)) != 0)
		fail_msg("aliases: %s", err);
	f->cf.myhostname = "mx.test.example";
	assert_int_equal(resolve_expand(&f->r, "big@test.example", &out, dsn,
	    sizeof(dsn), why, sizeof(why)), -1);
	assert_string_equal(dsn, "5.3.0");
	assert_non_null(strstr(why, "expands too far"));
	/* the size is the encoder's */
	assert_int_equal(resolve_expand(&f->r, "small", &out, dsn,
	    sizeof(dsn), why, sizeof(why)), 0);
	wb_init(&wb, buf, sizeof(buf));
	enc_expand_ok(&wb, &out);
	assert_int_equal(wb.err, 0);
	assert_int_equal(resolve_expand_size(&out), wb.len);
}

/* Remote alias targets: sent on with a relayhost, refused without. */
static void
test_remote_targets(void **state)
{
	struct fix	*f = fix_new("+", "fwd: alice, Admin@Remote.Example, "
			    "b@far.example\nonly: x@remote.example\n"
			    "many: a@r.example, b@r.example, c@r.example, "
			    "d@r.example, e@r.example\n");
	const char	*alice[] = { "alice" };
	char		 dsn[IPC_DSN_MAX], text[IPC_TEXT_MAX];

	/* no relayhost: as before, a failed member */
	expand_ok(f, "fwd@test.example", alice, 1);
	assert_int_equal(out.nremote, 0);
	assert_int_equal(out.nfailed, 2);
	assert_string_equal(out.failed[0].dsn, "5.3.0");
	expand_fails(f, "only@test.example", "5.3.0");

	f->cf.relayhost = "[192.0.2.25]:2525";
	expand_ok(f, "fwd@test.example", alice, 1);
	assert_int_equal(out.nfailed, 0);
	assert_int_equal(out.nremote, 2);
	assert_string_equal(out.remote[0], "Admin@Remote.Example");
	assert_string_equal(out.remote[1], "b@far.example");
	assert_null(ipc_check_expand_ok(&out));
	/* an alias of remote addresses only expands to them */
	expand_ok(f, "only@test.example", NULL, 0);
	assert_int_equal(out.nremote, 1);
	assert_null(ipc_check_expand_ok(&out));
	/* the count starts afresh on each call (lookup reuses its answer) */
	assert_int_equal(resolve_expand(&f->r, "alice@test.example", &out,
	    dsn, sizeof(dsn), text, sizeof(text)), 0);
	assert_int_equal(out.nremote, 0);
	/* more than IPC_REMOTE_MAX: the rest fail, not lost silently */
	expand_ok(f, "many@test.example", NULL, 0);
	assert_int_equal(out.nremote, IPC_REMOTE_MAX);
	assert_int_equal(out.nfailed, 1);
	assert_string_equal(out.failed[0].addr, "e@r.example");
	/* no relayhost, default_transport smtp: MX routing sends them on */
	f->cf.relayhost = NULL;
	f->cf.default_transport = "smtp";
	expand_ok(f, "only@test.example", NULL, 0);
	assert_int_equal(out.nremote, 1);
	f->cf.default_transport = NULL;
	*state = f;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_remote_targets, teardown),
		cmocka_unit_test_setup_teardown(test_rcpt_common,
		    setup_nodelim, teardown),
		{ "test_rcpt_common (delimiter +)", test_rcpt_common,
		    setup_plus, teardown, NULL },
		cmocka_unit_test_setup_teardown(test_rcpt_no_delimiter,
		    setup_nodelim, teardown),
		cmocka_unit_test_setup_teardown(test_rcpt_plus,
		    setup_plus, teardown),
		cmocka_unit_test_setup_teardown(test_local_domain,
		    setup_nodelim, teardown),
		cmocka_unit_test_setup_teardown(test_expand,
		    setup_nodelim, teardown),
		{ "test_expand (delimiter +)", test_expand,
		    setup_plus, teardown, NULL },
		cmocka_unit_test_setup_teardown(test_expand_no_delimiter,
		    setup_nodelim, teardown),
		cmocka_unit_test_setup_teardown(test_expand_plus,
		    setup_plus, teardown),
		cmocka_unit_test_setup_teardown(test_relay_control,
		    setup_nodelim, teardown),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_networks_v4mapped),
		cmocka_unit_test_setup_teardown(test_expand_extra,
		    setup_extra, teardown),
		cmocka_unit_test_setup_teardown(test_owner,
		    setup_owner, teardown),
		cmocka_unit_test_setup_teardown(test_expand_targets,
		    setup_targets, teardown),
		cmocka_unit_test_setup_teardown(test_rcpt_accounts,
		    setup_plus, teardown),
		cmocka_unit_test_setup_teardown(test_domain_literal,
		    setup_plus, teardown),
		cmocka_unit_test_setup_teardown(test_expand_reply_limit,
		    setup_plus, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
