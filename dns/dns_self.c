/*
 * dns_self.c: see dns_self.h.
 */
#include <string.h>

#include "dns/dns_self.h"
#include "lib/netrange.h"

void
dns_self_init(struct dns_self *self, const char *s)
{
	char		 buf[64];
	const char	*p;
	size_t		 n;

	self->n = 0;
	for (p = s; p != NULL && *p != '\0' && self->n < DNS_SELF_MAX; ) {
		n = strcspn(p, ",");
		if (n > 0 && n < sizeof(buf)) {
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (netrange_parse_addr(buf, self->a[self->n]) != -1)
				self->n++;
		}
		p += n;
		if (*p == ',')
			p++;
	}
}

int
dns_self_has(const struct dns_self *self, const char *addr)
{
	unsigned char	a[16];
	size_t		i;

	if (netrange_parse_addr(addr, a) == -1)
		return 0;
	for (i = 0; i < self->n; i++)
		if (memcmp(self->a[i], a, sizeof(a)) == 0)
			return 1;
	return 0;
}
