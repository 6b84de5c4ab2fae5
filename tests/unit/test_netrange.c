/*
 * test_netrange.c: numeric addresses and "address/prefix" networks as
 * smtpd (mynetworks exemptions) and lookup (relay clients) match them.
 */
#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/netrange.h"

static void
test_parse_addr(void **state)
{
	static const unsigned char mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0xff, 0xff, 192, 0, 2, 1 };
	unsigned char	a[16];

	(void)state;
	assert_int_equal(netrange_parse_addr("192.0.2.1", a), AF_INET);
	assert_memory_equal(a, mapped, sizeof(a));
	memset(a, 0, sizeof(a));
	assert_int_equal(netrange_parse_addr("::ffff:192.0.2.1", a), AF_INET);
	assert_memory_equal(a, mapped, sizeof(a));
	assert_int_equal(netrange_parse_addr("2001:db8::1", a), AF_INET6);
	assert_int_equal(netrange_parse_addr("unknown", a), -1);
	assert_int_equal(netrange_parse_addr("", a), -1);
	assert_int_equal(netrange_parse_addr("192.0.2", a), -1);
	assert_int_equal(netrange_parse_addr("[192.0.2.1]", a), -1);
}

static void
test_match(void **state)
{
	unsigned char	a[16];
	int		af;

	(void)state;
	af = netrange_parse_addr("192.0.2.77", a);
	assert_true(netrange_match("192.0.2.0/24", af, a));
	assert_true(netrange_match("192.0.2.77/32", af, a));
	assert_true(netrange_match("0.0.0.0/0", af, a));
	assert_false(netrange_match("192.0.2.78/32", af, a));
	assert_false(netrange_match("192.0.3.0/24", af, a));
	/* malformed networks match nothing */
	assert_false(netrange_match("192.0.2.77", af, a));
	assert_false(netrange_match("192.0.2.0/33", af, a));
	assert_false(netrange_match("192.0.2.0/-1", af, a));
	assert_false(netrange_match("192.0.2.0/24x", af, a));
	assert_false(netrange_match("host.example/24", af, a));
	assert_false(netrange_match("192.0.2.0/00000000000000000000000000000"
	    "000000000000000000000000000000000000024", af, a));
	/* families do not cross, except through the mapped form */
	assert_false(netrange_match("::/0", af, a));
	assert_true(netrange_match("::ffff:192.0.2.0/120", af, a));
	af = netrange_parse_addr("2001:db8::5", a);
	assert_true(netrange_match("2001:db8::/32", af, a));
	assert_false(netrange_match("2001:db9::/32", af, a));
	assert_false(netrange_match("0.0.0.0/0", af, a));
	assert_true(netrange_match("::/0", af, a));
}

static void
test_in_list(void **state)
{
	char	*nets[] = { "10.0.0.0/8", "bogus", "::1/128" };

	(void)state;
	assert_true(netrange_in_list(nets, 3, "10.1.2.3"));
	assert_true(netrange_in_list(nets, 3, "::1"));
	assert_false(netrange_in_list(nets, 3, "11.1.2.3"));
	assert_false(netrange_in_list(nets, 1, "::1"));
	assert_false(netrange_in_list(nets, 0, "10.1.2.3"));
	assert_false(netrange_in_list(nets, 3, "unknown"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_in_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
