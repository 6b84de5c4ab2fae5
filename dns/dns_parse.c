/*
 * dns_parse.c: record data from a resolver, read strictly (see
 * dns_parse.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_parse.h"

static int
ldh(uint8_t c)
{
	return isalnum(c) || c == '-';
}

int
dns_name_text(const uint8_t *p, size_t len, size_t *used, char *out,
    size_t outsz)
{
	size_t	at = 0, o = 0, i;
	uint8_t	l;

	if (outsz < DNS_NAME_MAX + 1)
		return -1;
	for (;;) {
		if (at >= len)
			return -1;
		l = p[at++];
		if (l == 0)
			break;
		/* no compression pointer, no extended label type */
		if (l > 63 || at + l > len || at + l > 255)
			return -1;
		if (o > 0)
			out[o++] = '.';
		for (i = 0; i < l; i++) {
			if (!ldh(p[at + i]))
				return -1;
			out[o++] = (char)tolower(p[at + i]);
		}
		if (p[at] == '-' || p[at + l - 1] == '-')
			return -1;
		at += l;
	}
	if (at > 255 || o > DNS_NAME_MAX)
		return -1;
	out[o] = '\0';
	*used = at;
	return 0;
}

int
dns_parse_mx(const uint8_t *rdata, size_t len, struct dns_mx *mx)
{
	size_t used;

	if (len < 3)
		return -1;
	mx->pref = (uint16_t)(rdata[0] << 8 | rdata[1]);
	if (dns_name_text(rdata + 2, len - 2, &used, mx->host,
	    sizeof(mx->host)) == -1 || used != len - 2)
		return -1;
	return 0;
}

int
dns_parse_a(const uint8_t *rdata, size_t len, char *out, size_t outsz)
{
	if (len != 4 || inet_ntop(AF_INET, rdata, out, outsz) == NULL)
		return -1;
	return 0;
}

int
dns_parse_aaaa(const uint8_t *rdata, size_t len, char *out, size_t outsz)
{
	if (len != 16 || inet_ntop(AF_INET6, rdata, out, outsz) == NULL)
		return -1;
	return 0;
}

int
dns_parse_tlsa(const uint8_t *rdata, size_t len, struct dns_tlsa *t)
{
	static const size_t	 hash_len[] = { 0, 32, 64 };

	memset(t, 0, sizeof(*t));
	if (len < 4)			/* three octets and some data */
		return -1;
	t->usage = rdata[0];
	t->selector = rdata[1];
	t->mtype = rdata[2];
	t->len = len - 3;
	if (t->mtype >= 1 && t->mtype <= 2 && t->len != hash_len[t->mtype])
		return -1;		/* a digest of the wrong length */
	if ((t->usage != 2 && t->usage != 3) || t->selector > 1 ||
	    t->mtype > 2 || t->len > sizeof(t->data))
		return 1;
	memcpy(t->data, rdata + 3, t->len);
	return 0;
}

int
dns_mx_is_null(const struct dns_mx *mx, size_t n)
{
	return n == 1 && mx[0].pref == 0 && mx[0].host[0] == '\0';
}

static int
by_pref(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;

	return (int)x->pref - (int)y->pref;
}

size_t
dns_mx_order(struct dns_mx *mx, size_t n, uint32_t (*rnd)(uint32_t))
{
	struct dns_mx	t;
	size_t		i, j, k, run;

	for (i = j = 0; i < n; i++)		/* no "." among real hosts */
		if (mx[i].host[0] != '\0')
			mx[j++] = mx[i];
	n = j;
	qsort(mx, n, sizeof(*mx), by_pref);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && mx[j].pref == mx[i].pref; j++)
			;
		/* Fisher-Yates over the run of equal preference */
		for (run = j - i; run > 1; run--) {
			k = i + rnd((uint32_t)run);
			t = mx[i + run - 1];
			mx[i + run - 1] = mx[k];
			mx[k] = t;
		}
	}
	return n;
}
