/*
 * test_transport.c: transport_maps files (relay/transport.c) and the
 * next-hop syntax they share with relayhost (relay/nexthop.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "relay/nexthop.h"
#include "relay/transport.h"

static void
test_nexthop(void **state)
{
	struct nexthop	 nh;
	const char	*why;

	assert_int_equal(nexthop_parse("[192.0.2.1]", &nh, &why), 0);
	assert_string_equal(nh.addr, "192.0.2.1");
	assert_int_equal(nh.port, 25);
	assert_int_equal(nexthop_parse("[2001:db8::1]:2525", &nh, &why), 0);
	assert_string_equal(nh.addr, "2001:db8::1");
	assert_int_equal(nh.port, 2525);
	assert_int_equal(nh.kind, NEXTHOP_NUMERIC);
	/* host names: MX lookup without brackets, A/AAAA within */
	assert_int_equal(nexthop_parse("smart.example", &nh, &why), 0);
	assert_int_equal(nh.kind, NEXTHOP_MX);
	assert_string_equal(nh.addr, "smart.example");
	assert_int_equal(nh.port, 25);
	assert_int_equal(nexthop_parse("smart.example:587", &nh, &why), 0);
	assert_int_equal(nh.kind, NEXTHOP_MX);
	assert_string_equal(nh.addr, "smart.example");
	assert_int_equal(nh.port, 587);
	assert_int_equal(nexthop_parse("[smart.example]:2525", &nh, &why), 0);
	assert_int_equal(nh.kind, NEXTHOP_HOST);
	assert_string_equal(nh.addr, "smart.example");
	assert_int_equal(nh.port, 2525);
	assert_int_equal(nexthop_parse("smart..example", &nh, &why), -1);
	assert_int_equal(nexthop_parse("smart_x.example", &nh, &why), -1);
	assert_int_equal(nexthop_parse("smart.example:0", &nh, &why), -1);
	assert_int_equal(nexthop_parse("[smart example]", &nh, &why), -1);
	assert_int_equal(nexthop_parse("", &nh, &why), -1);
	assert_int_equal(nexthop_parse("[192.0.2.1]:65536", &nh, &why), -1);
	assert_int_equal(nexthop_parse("[192.0.2.1]:0", &nh, &why), -1);
	assert_int_equal(nexthop_parse("[192.0.2.1]:25x", &nh, &why), -1);
	assert_int_equal(nexthop_parse("[192.0.2.1]x", &nh, &why), -1);
	assert_int_equal(nexthop_parse("[]", &nh, &why), -1);
	assert_int_equal(nexthop_parse("[192.0.2.1", &nh, &why), -1);
}

#define BUF(s)	(s), strlen(s)

static void
test_parse_and_find(void **state)
{
	struct transport_table		 t;
	const struct transport_entry	*e;
	char				 err[512];
	const char			*text =
	    "# a comment\n"
	    "Smart.Example   smtp:[192.0.2.25]:2525\n"
	    ".smart.example  relay:[192.0.2.26]\n"
	    "here.example    local:\n"
	    "gone.example    error:5.1.2 this domain is gone\n"
	    "later.example   retry:try again\n"
	    "spam.example    discard:\n"
	    "mx.example      smtp:\n"
	    "*               smtp:[192.0.2.99]\n";

	assert_int_equal(transport_parse_buffer(&t, BUF(text), "t", err,
	    sizeof(err)), 0);
	assert_int_equal(t.n, 8);
	e = transport_find(&t, 1, "mx.example");
	assert_int_equal(e->kind, TRANSPORT_SMTP);
	assert_string_equal(e->nh.addr, "");	/* the domain's MX hosts */
	e = transport_find(&t, 1, "SMART.example");
	assert_non_null(e);
	assert_int_equal(e->kind, TRANSPORT_SMTP);
	assert_string_equal(e->nh.addr, "192.0.2.25");
	assert_int_equal(e->nh.port, 2525);
	e = transport_find(&t, 1, "mx.smart.example");
	assert_string_equal(e->nh.addr, "192.0.2.26");
	assert_int_equal(e->nh.port, 25);
	assert_int_equal(transport_find(&t, 1, "here.example")->kind,
	    TRANSPORT_LOCAL);
	e = transport_find(&t, 1, "gone.example");
	assert_int_equal(e->kind, TRANSPORT_ERROR);
	assert_string_equal(e->dsn, "5.1.2");
	assert_string_equal(e->text, "this domain is gone");
	e = transport_find(&t, 1, "later.example");
	assert_int_equal(e->kind, TRANSPORT_RETRY);
	assert_string_equal(e->dsn, "4.0.0");
	assert_string_equal(e->text, "try again");
	e = transport_find(&t, 1, "spam.example");
	assert_int_equal(e->kind, TRANSPORT_DISCARD);
	assert_string_equal(e->text, "");
	/* a subdomain of here.example is not here.example; "*" takes it */
	e = transport_find(&t, 1, "sub.here.example");
	assert_string_equal(e->nh.addr, "192.0.2.99");
	transport_free(&t);
	assert_int_equal(transport_parse_buffer(&t, BUF("a.example local:\n"),
	    "t", err, sizeof(err)), 0);
	assert_null(transport_find(&t, 1, "b.example"));
	transport_free(&t);
}

/* Host names as next hops: the dns compartment resolves them. */
static void
test_host_names(void **state)
{
	struct transport_table		 t;
	const struct transport_entry	*e;
	char				 err[256];

	assert_int_equal(transport_parse_buffer(&t, BUF(
	    "a.example smtp:mx.a.example\n"
	    "b.example smtp:[smart.example]:2525\n"
	    "c.example relay:smart.example:587\n"), "t", err, sizeof(err)), 0);
	e = transport_find(&t, 1, "a.example");
	assert_int_equal(e->nh.kind, NEXTHOP_MX);
	assert_string_equal(e->nh.addr, "mx.a.example");
	e = transport_find(&t, 1, "b.example");
	assert_int_equal(e->nh.kind, NEXTHOP_HOST);
	assert_int_equal(e->nh.port, 2525);
	e = transport_find(&t, 1, "c.example");
	assert_int_equal(e->nh.kind, NEXTHOP_MX);
	assert_int_equal(e->nh.port, 587);
	transport_free(&t);
	/* default_transport's form, and whether remote mail has a route */
	{
		struct transport_entry de;

		assert_null(transport_parse_result("smtp", &de));
		assert_int_equal(de.kind, TRANSPORT_SMTP);
		assert_string_equal(de.nh.addr, "");
	}
	assert_true(transport_default_remote("", "smtp"));
	assert_true(transport_default_remote(NULL, "smtp:[192.0.2.1]"));
	assert_true(transport_default_remote("", "error:5.7.1 no"));
	assert_false(transport_default_remote("", "local"));
	assert_true(transport_default_remote("[192.0.2.1]", "local"));
	assert_false(transport_default_remote("", "bogus"));
}

static void
bad(const char *text, const char *want)
{
	struct transport_table	t;
	char			err[512];

	assert_int_equal(transport_parse_buffer(&t, BUF(text), "t", err,
	    sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void
test_errors(void **state)
{
	bad("x.example\n", "t:1: expected: pattern result");
	bad("\n\nx.example nope\n", "t:3: the result must be transport:nexthop");
	bad("x.example pipe:foo\n", "t:1: unknown transport (use smtp, relay, "
	    "local, error, retry or discard)");
	bad("x.example smtp:mx_1.example\n", "t:1: bad next hop: write a host "
	    "name, name:port, [name]:port or [address]:port");
	bad("x.example smtp:[mx.example]:99999\n", "t:1: bad port: write "
	    "[address]:port, port 1..65535");
	bad("-x.example local:\n", "t:1: the pattern must be a domain, "
	    ".domain or *");
	bad("user@x.example local:\n", "t:1: the pattern must be a domain, "
	    ".domain or *");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nexthop),
		cmocka_unit_test(test_host_names),
		cmocka_unit_test(test_parse_and_find),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
