/*
 * fuzz_dns_answer.c: the dns compartment's record parsers
 * (dns/dns_parse.c) on what a name server sends.
 *
 * Input: records, each a type byte (0 MX, 1 A, 2 AAAA, 3 a bare name,
 * 4 TLSA),
 * a length byte and that many octets of record data.  Each record is
 * parsed; what parses must keep the parser's promises (a name of
 * lower-case letters, digits, hyphens and dots within 255 octets, an
 * address that inet_pton reads back, a TLSA record relay can use with
 * its data copied whole), and the MX set that results is
 * ordered, which must leave it sorted by preference; else abort.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)
#define MX_MAX		32

static void
check_name(const char *s)
{
	size_t n = strlen(s);

	CHECK(n <= DNS_NAME_MAX);
	for (; *s != '\0'; s++)
		CHECK((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '.');
}

static uint32_t
rnd(uint32_t n)
{
	return n > 1 ? (uint32_t)rand() % n : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_mx	mx[MX_MAX];
	struct dns_tlsa	tlsa;
	char		out[DNS_NAME_MAX + 1], addr[DNS_ADDR_MAX];
	unsigned char	back[16];
	size_t		at = 0, len, n = 0, used, i;
	uint8_t		type;

	while (at + 2 <= size) {
		type = data[at] % 5;
		len = data[at + 1];
		at += 2;
		if (len > size - at)
			len = size - at;
		switch (type) {
		case 0:
			if (n < MX_MAX && dns_parse_mx(data + at, len,
			    &mx[n]) == 0) {
				check_name(mx[n].host);
				n++;
			}
			break;
		case 1:
			if (dns_parse_a(data + at, len, addr, sizeof(addr))
			    == 0)
				CHECK(inet_pton(AF_INET, addr, back) == 1 &&
				    memcmp(back, data + at, 4) == 0);
			break;
		case 2:
			if (dns_parse_aaaa(data + at, len, addr, sizeof(addr))
			    == 0)
				CHECK(inet_pton(AF_INET6, addr, back) == 1 &&
				    memcmp(back, data + at, 16) == 0);
			break;
		case 4:
			if (dns_parse_tlsa(data + at, len, &tlsa) == 0)
				CHECK((tlsa.usage == 2 || tlsa.usage == 3) &&
				    tlsa.selector <= 1 && tlsa.mtype <= 2 &&
				    tlsa.len == len - 3 &&
				    tlsa.len <= sizeof(tlsa.data) &&
				    memcmp(tlsa.data, data + at + 3, tlsa.len)
				    == 0);
			break;
		default:
			if (dns_name_text(data + at, len, &used, out,
			    sizeof(out)) == 0) {
				check_name(out);
				CHECK(used >= 1 && used <= len && used <= 255);
			}
		}
		at += len;
	}
	(void)dns_mx_is_null(mx, n);
	n = dns_mx_order(mx, n, rnd);
	for (i = 0; i + 1 < n; i++)
		CHECK(mx[i].pref <= mx[i + 1].pref && mx[i].host[0] != '\0');
	return 0;
}
