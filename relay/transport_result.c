/*
 * transport_result.c: one transport(5) result, "transport:nexthop", as
 * a transport_maps entry and main.cf's default_transport write it (see
 * transport_result.h).  Apart from the table files (transport.c): master
 * checks default_transport with this and nothing else of transport_maps.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lib/strl.h"
#include "relay/transport_result.h"

/* "5.1.2 text": the code (class c) and the rest; default code def. */
static void
split_code(const char *s, char c, const char *def, struct transport_entry *e)
{
	size_t	n = 0, dots = 0;

	if (s[0] == c && s[1] == '.') {
		for (n = 2; isdigit((unsigned char)s[n]) || s[n] == '.'; n++)
			dots += s[n] == '.';
		if (dots == 1 && n < sizeof(e->dsn) && n >= 5 &&
		    (s[n] == ' ' || s[n] == '\0') && s[n - 1] != '.') {
			memcpy(e->dsn, s, n);
			e->dsn[n] = '\0';
			s += n;
			while (*s == ' ')
				s++;
			strlcpy_text(e->text, s, sizeof(e->text));
			return;
		}
	}
	xstrlcpy(e->dsn, def, sizeof(e->dsn));
	strlcpy_text(e->text, s, sizeof(e->text));
}

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* "transport:nexthop" into e; NULL or why not. */
static const char *
parse_result(const char *r, struct transport_entry *e)
{
	const char	*colon = strchr(r, ':'), *nh, *why;
	size_t		 tl;

	if (colon == NULL)
		return "the result must be transport:nexthop";
	tl = (size_t)(colon - r);
	nh = colon + 1;
	if (!printable(nh) || strlen(nh) >= TRANSPORT_TEXT_MAX)
		return "the next hop is too long or has control characters";
	if ((tl == 4 && strncmp(r, "smtp", 4) == 0) ||
	    (tl == 5 && strncmp(r, "relay", 5) == 0)) {
		e->kind = TRANSPORT_SMTP;
		if (*nh == '\0')	/* the recipient domain's MX hosts */
			return NULL;
		if (nexthop_parse(nh, &e->nh, &why) == -1)
			return why;
		return NULL;
	}
	if (tl == 5 && strncmp(r, "local", 5) == 0) {
		e->kind = TRANSPORT_LOCAL;
		return NULL;
	}
	if (tl == 5 && strncmp(r, "error", 5) == 0) {
		e->kind = TRANSPORT_ERROR;
		split_code(nh, '5', "5.0.0", e);
		return NULL;
	}
	if (tl == 5 && strncmp(r, "retry", 5) == 0) {
		e->kind = TRANSPORT_RETRY;
		split_code(nh, '4', "4.0.0", e);
		return NULL;
	}
	if (tl == 7 && strncmp(r, "discard", 7) == 0) {
		e->kind = TRANSPORT_DISCARD;
		split_code(nh, '2', "2.0.0", e);
		return NULL;
	}
	return "unknown transport (use smtp, relay, local, error, retry or "
	    "discard)";
}

const char *
transport_parse_result(const char *v, struct transport_entry *e)
{
	char	buf[TRANSPORT_TEXT_MAX + 16];

	memset(e, 0, sizeof(*e));
	if (strchr(v, ':') != NULL)
		return parse_result(v, e);
	/* "smtp" alone: transport without a next hop, as Postfix writes */
	if (snprintf(buf, sizeof(buf), "%s:", v) >= (int)sizeof(buf))
		return "too long";
	return parse_result(buf, e);
}

int
transport_default_remote(const char *relayhost, const char *default_transport)
{
	struct transport_entry e;

	if (relayhost != NULL && relayhost[0] != '\0')
		return 1;
	return default_transport != NULL && default_transport[0] != '\0' &&
	    transport_parse_result(default_transport, &e) == NULL &&
	    e.kind != TRANSPORT_LOCAL;
}
