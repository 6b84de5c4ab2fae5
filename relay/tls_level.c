/*
 * tls_level.c: the TLS security levels and certificate match lists, as
 * main.cf (smtp_tls_security_level, smtp_tls_*_cert_match) and the
 * policy table write them (see tls_level.h).  Apart from the table
 * files (tls_policy.c): master checks main.cf's values with this.
 */
#include <string.h>

#include "lib/rfc5321.h"
#include "relay/tls_level.h"

static const char *const level_names[TLS_LEVEL_MAX] = {
	"none", "may", "encrypt", "verify", "secure", "dane"
};

int
tls_level_parse(const char *s)
{
	int i;

	for (i = 0; i < TLS_LEVEL_MAX; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

const char *
tls_level_name(enum tls_level l)
{
	return l < TLS_LEVEL_MAX ? level_names[l] : "?";
}

/* One name of a match list: a word of ours or a host name. */
static int
match_word_ok(const char *w, size_t n)
{
	if ((n == 7 && strncmp(w, "nexthop", 7) == 0) ||
	    (n == 11 && strncmp(w, "dot-nexthop", 11) == 0) ||
	    (n == 8 && strncmp(w, "hostname", 8) == 0))
		return 1;
	if (n > 0 && w[0] == '.') {
		w++;
		n--;
	}
	return n > 0 && rfc5321_check_domain(w, n, RFC5321_NAME_ONLY, NULL)
	    == 0;
}

int
tls_match_list_ok(const char *m)
{
	const char	*p;
	size_t		 n, words = 0;

	if (strlen(m) >= TLS_MATCH_MAX)
		return 0;
	for (p = m; *p != '\0'; p += n) {
		p += strspn(p, ":, \t");
		if ((n = strcspn(p, ":, \t")) == 0)
			break;
		if (!match_word_ok(p, n))
			return 0;
		words++;
	}
	return words > 0;
}
