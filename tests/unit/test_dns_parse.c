/*
 * test_dns_parse.c: the dns compartment's record parsers
 * (dns/dns_parse.c): names, MX, A, AAAA, null MX, MX order, TLSA; and
 * this host's addresses (dns/dns_self.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/dns_parse.h"
#include "dns/dns_self.h"

#define B(s)	((const uint8_t *)(s)), (sizeof(s) - 1)

static void
test_names(void **state)
{
	char	out[DNS_NAME_MAX + 1];
	size_t	used;
	uint8_t	big[300];
	size_t	i;

	assert_int_equal(dns_name_text(B("\2Mx\7Example\3org\0"), &used, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "mx.example.org");
	assert_int_equal(used, 16);
	assert_int_equal(dns_name_text(B("\0"), &used, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* compression, no end, bad characters, hyphens at the edges */
	assert_int_equal(dns_name_text(B("\300\14"), &used, out, sizeof(out)),
	    -1);
	assert_int_equal(dns_name_text(B("\2mx"), &used, out, sizeof(out)), -1);
	assert_int_equal(dns_name_text(B("\3a b\0"), &used, out, sizeof(out)),
	    -1);
	assert_int_equal(dns_name_text(B("\3a\nb\0"), &used, out,
	    sizeof(out)), -1);
	assert_int_equal(dns_name_text(B("\2-a\0"), &used, out, sizeof(out)),
	    -1);
	assert_int_equal(dns_name_text(B("\2a-\0"), &used, out, sizeof(out)),
	    -1);
	assert_int_equal(dns_name_text(B("\3a.b\0"), &used, out, sizeof(out)),
	    -1);
	/* longer than 255 octets */
	for (i = 0; i + 64 < sizeof(big); i += 64) {
		big[i] = 63;
		memset(big + i + 1, 'a', 63);
	}
	big[i] = 0;
	assert_int_equal(dns_name_text(big, i + 1, &used, out, sizeof(out)),
	    -1);
}

static void
test_records(void **state)
{
	struct dns_mx	mx;
	char		a[DNS_ADDR_MAX];

	assert_int_equal(dns_parse_mx(B("\0\12\2mx\7example\0"), &mx), 0);
	assert_int_equal(mx.pref, 10);
	assert_string_equal(mx.host, "mx.example");
	/* trailing octets, too short */
	assert_int_equal(dns_parse_mx(B("\0\12\2mx\0x"), &mx), -1);
	assert_int_equal(dns_parse_mx(B("\0\12"), &mx), -1);
	assert_int_equal(dns_parse_a(B("\177\0\0\2"), a, sizeof(a)), 0);
	assert_string_equal(a, "127.0.0.2");
	assert_int_equal(dns_parse_a(B("\177\0\0"), a, sizeof(a)), -1);
	assert_int_equal(dns_parse_aaaa(B("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1"),
	    a, sizeof(a)), 0);
	assert_string_equal(a, "::1");
	assert_int_equal(dns_parse_aaaa(B("\177\0\0\2"), a, sizeof(a)), -1);
}

static uint32_t
first(uint32_t n)
{
	return 0;
}

static uint32_t
last(uint32_t n)
{
	return n - 1;
}

static void
test_null_and_order(void **state)
{
	struct dns_mx	mx[4] = { { 20, "c.example" }, { 10, "a.example" },
			    { 10, "b.example" }, { 30, "" } };
	struct dns_mx	null[1] = { { 0, "" } };
	struct dns_mx	m2[4];

	assert_true(dns_mx_is_null(null, 1));
	assert_false(dns_mx_is_null(mx, 4));
	memcpy(m2, mx, sizeof(mx));
	assert_int_equal(dns_mx_order(m2, 4, first), 3);
	assert_string_equal(m2[2].host, "c.example");
	assert_int_equal(m2[0].pref, 10);
	assert_int_equal(m2[1].pref, 10);
	/* equal preferences: the random source decides their order */
	memcpy(m2, mx, sizeof(mx));
	dns_mx_order(m2, 4, first);
	memcpy(mx, m2, sizeof(m2));
	memcpy(m2, mx, sizeof(mx));
	dns_mx_order(m2, 3, last);
	assert_string_equal(m2[2].host, "c.example");
	assert_true(strcmp(m2[0].host, "a.example") == 0 ||
	    strcmp(m2[0].host, "b.example") == 0);
}

static void
test_tlsa(void **state)
{
	struct dns_tlsa	t;
	uint8_t		rd[3 + 300];

	memset(rd, 0xab, sizeof(rd));
	rd[0] = 3; rd[1] = 1; rd[2] = 1;	/* DANE-EE SPKI SHA-256 */
	assert_int_equal(dns_parse_tlsa(rd, 3 + 32, &t), 0);
	assert_int_equal(t.usage, 3);
	assert_int_equal(t.selector, 1);
	assert_int_equal(t.mtype, 1);
	assert_int_equal(t.len, 32);
	assert_int_equal(t.data[31], 0xab);
	rd[0] = 2; rd[1] = 0; rd[2] = 2;	/* DANE-TA Cert SHA-512 */
	assert_int_equal(dns_parse_tlsa(rd, 3 + 64, &t), 0);
	assert_int_equal(t.len, 64);
	rd[2] = 0;				/* full data */
	assert_int_equal(dns_parse_tlsa(rd, 3 + 100, &t), 0);
	assert_int_equal(t.len, 100);
	/* well-formed, not for DANE in SMTP: PKIX usages, selector 2,
	   matching type 3, full data over the limit */
	rd[0] = 1;
	assert_int_equal(dns_parse_tlsa(rd, 3 + 100, &t), 1);
	rd[0] = 3; rd[1] = 2;
	assert_int_equal(dns_parse_tlsa(rd, 3 + 100, &t), 1);
	rd[1] = 1; rd[2] = 3;
	assert_int_equal(dns_parse_tlsa(rd, 3 + 100, &t), 1);
	rd[2] = 0;
	assert_int_equal(dns_parse_tlsa(rd, 3 + 300, &t), 1);
	/* malformed: no data, a digest of the wrong length */
	assert_int_equal(dns_parse_tlsa(rd, 3, &t), -1);
	assert_int_equal(dns_parse_tlsa(rd, 2, &t), -1);
	rd[2] = 1;
	assert_int_equal(dns_parse_tlsa(rd, 3 + 31, &t), -1);
	rd[2] = 2;
	assert_int_equal(dns_parse_tlsa(rd, 3 + 32, &t), -1);
}

/* master's -A list: this host by its address, in either family's form */
static void
test_self(void **state)
{
	struct dns_self	self;

	(void)state;
	dns_self_init(&self, NULL);
	assert_int_equal(self.n, 0);
	assert_false(dns_self_has(&self, "127.0.0.1"));
	dns_self_init(&self, "127.0.0.1,::1,,junk,192.0.2.77");
	assert_int_equal(self.n, 3);
	assert_true(dns_self_has(&self, "127.0.0.1"));
	assert_true(dns_self_has(&self, "::ffff:127.0.0.1"));
	assert_true(dns_self_has(&self, "0:0::1"));
	assert_true(dns_self_has(&self, "192.0.2.77"));
	assert_false(dns_self_has(&self, "127.0.0.2"));
	assert_false(dns_self_has(&self, "mx.example"));
	assert_false(dns_self_has(&self, ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_null_and_order),
		cmocka_unit_test(test_tlsa),
		cmocka_unit_test(test_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
