/*
 * test_tls_policy.c: smtp_tls_policy_maps files and the certificate
 * names of verify and secure (relay/tls_policy.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "relay/tls_policy.h"

#define BUF(s)	(s), strlen(s)

static void
test_parse_and_find(void **state)
{
	struct tls_policy_table		 t;
	const struct tls_policy_entry	*e;
	char				 err[512];
	const char			*text =
	    "# a comment\n"
	    "Example.COM      secure\n"
	    ".example.com     verify match=hostname:.example.com\n"
	    "[192.0.2.25]:587 secure match=smtp.example.org\n"
	    "[192.0.2.26]     encrypt\n"
	    "legacy.example   none\n"
	    "signed.example\n"
	    "  dane\n";

	assert_int_equal(tls_policy_parse_buffer(&t, BUF(text), "p", err,
	    sizeof(err)), 0);
	assert_int_equal(t.n, 6);
	e = tls_policy_find(&t, 1, "example.com");
	assert_non_null(e);
	assert_int_equal(e->level, TLS_SECURE);
	assert_string_equal(e->match, "");
	e = tls_policy_find(&t, 1, "mx.sub.example.com");
	assert_int_equal(e->level, TLS_VERIFY);
	assert_string_equal(e->match, "hostname:.example.com");
	e = tls_policy_find(&t, 1, "[192.0.2.25]:587");
	assert_int_equal(e->level, TLS_SECURE);
	assert_null(tls_policy_find(&t, 1, "[192.0.2.25]:25"));
	assert_int_equal(tls_policy_find(&t, 1, "[192.0.2.26]")->level,
	    TLS_ENCRYPT);
	assert_int_equal(tls_policy_find(&t, 1, "signed.example")->level,
	    TLS_DANE);
	assert_null(tls_policy_find(&t, 1, "other.example"));
	/* a domain entry does not take its subdomains */
	assert_null(tls_policy_find(&t, 1, "x.legacy.example"));
	tls_policy_free(&t);
}

static void
bad(const char *text, const char *want)
{
	struct tls_policy_table	t;
	char			err[512];

	assert_int_equal(tls_policy_parse_buffer(&t, BUF(text), "p", err,
	    sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(t.n, 0);
}

static void
test_errors(void **state)
{
	bad("ok.example may\nx.example sometimes\n", "p:2: unknown level "
	    "(use none, may, encrypt, verify, secure or dane)");
	bad("x.example\n", "p:1: expected: destination level");
	bad("x.example may match=x.example\n", "p:1: match= is for verify "
	    "and secure");
	bad("x.example secure match=\n", "p:1: match=: names, nexthop, "
	    "dot-nexthop or hostname, between colons");
	bad("x.example secure match=a..b\n", "p:1: match=: names, nexthop, "
	    "dot-nexthop or hostname, between colons");
	bad("x.example secure ciphers=high\n", "p:1: unknown attribute "
	    "(bulkhead takes match= only)");
	bad("user@x.example none\n", "p:1: the destination must be a domain, "
	    ".domain or [host]:port");
	bad("[192.0.2.1]:0 none\n", "p:1: bad port: write "
	    "[address]:port, port 1..65535");
}

static void
test_match_names(void **state)
{
	char out[256];

	assert_int_equal(tls_match_names(TLS_SECURE, NULL, "example.com", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "example.com .example.com");
	assert_int_equal(tls_match_names(TLS_SECURE, "nexthop, dot-nexthop",
	    "[192.0.2.1]:587", out, sizeof(out)), 0);
	assert_string_equal(out, "192.0.2.1 .192.0.2.1");
	assert_int_equal(tls_match_names(TLS_VERIFY, "", "example.com", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "hostname");
	assert_int_equal(tls_match_names(TLS_SECURE, "hostname:mx.example.net",
	    "example.com", out, sizeof(out)), 0);
	assert_string_equal(out, "hostname mx.example.net");
	assert_int_equal(tls_match_names(TLS_SECURE, NULL, "example.com", out,
	    12), -1);
	assert_int_equal(tls_match_list_ok("nexthop, dot-nexthop"), 1);
	assert_int_equal(tls_match_list_ok(" , "), 0);
	assert_int_equal(tls_match_list_ok("a/b"), 0);
	assert_int_equal(tls_level_parse("dane"), TLS_DANE);
	assert_int_equal(tls_level_parse("fingerprint"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_find),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_match_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
