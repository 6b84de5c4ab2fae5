/*
 * dns_parse.h: the dns compartment's strict reading of what a resolver
 * returns: record data in wire format (RFC 1035 3.3), which arrives from
 * the network and is fuzzed (tests/fuzz/fuzz_dns_answer.c).  A name is
 * taken only uncompressed, with labels of 1..63 letters, digits and
 * hyphens (a host name, RFC 1123 2.1), 255 octets at most; anything else
 * is refused, never repaired.
 */
#ifndef BH_DNS_PARSE_H
#define BH_DNS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX	255		/* text, without the root dot */
#define DNS_ADDR_MAX	64		/* inet_ntop of an IPv6 address */

/*
 * The name at p (len octets left) as lower-case text without the final
 * dot ("" for the root); *used: its wire length.  0, or -1.
 */
int	dns_name_text(const uint8_t *p, size_t len, size_t *used, char *out,
	    size_t outsz);

struct dns_mx {
	uint16_t	pref;
	char		host[DNS_NAME_MAX + 1];	/* "" = the root (null MX) */
};

/* One MX record's data, which must be consumed exactly: 0, or -1. */
int	dns_parse_mx(const uint8_t *rdata, size_t len, struct dns_mx *);
/* One A (4 octets) or AAAA (16 octets) record's data as text. */
int	dns_parse_a(const uint8_t *rdata, size_t len, char *out, size_t outsz);
int	dns_parse_aaaa(const uint8_t *rdata, size_t len, char *out,
	    size_t outsz);

/*
 * A TLSA record (RFC 6698 2.1) relay can use for DANE (RFC 7672 3.1):
 * usage 2 (DANE-TA) or 3 (DANE-EE), selector 0 (certificate) or 1
 * (public key), matching type 0 (the data itself, up to
 * DNS_TLSA_DATA_MAX octets), 1 (SHA-256: 32 octets) or 2 (SHA-512: 64).
 * 0; 1 for a well-formed record relay cannot use (other usages,
 * selectors or matching types, full data over the limit: RFC 7672
 * ignores them); -1 for a malformed one.
 */
#define DNS_TLSA_DATA_MAX	128

struct dns_tlsa {
	uint8_t		usage;
	uint8_t		selector;
	uint8_t		mtype;
	size_t		len;
	uint8_t		data[DNS_TLSA_DATA_MAX];
};

int	dns_parse_tlsa(const uint8_t *rdata, size_t len, struct dns_tlsa *);

/* RFC 7505: exactly one MX, preference 0, host "." (here ""). */
int	dns_mx_is_null(const struct dns_mx *, size_t n);

/*
 * Sort by preference, equal preferences in random order (RFC 5321
 * 5.1): rnd(n) returns 0 .. n - 1.  A null-MX host ("") in a set of
 * several is dropped.  Returns the new count.
 */
size_t	dns_mx_order(struct dns_mx *, size_t n, uint32_t (*rnd)(uint32_t));

#endif
