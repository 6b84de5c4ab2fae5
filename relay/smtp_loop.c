/*
 * smtp_loop.c: a server that answers EHLO with this host's own
 * myhostname is this host, or one that shares its name: a mail loop
 * (Postfix's smtp(8) check, for a misconfigured DNS or routing table).
 * At a host of the best MX preference, or a next hop reached without an
 * MX lookup (IPC_HOP_BEST), the recipients bounce with 5.4.6; at a worse
 * MX host the next host is tried, and if none is left they are deferred.
 */
#include <string.h>
#include <strings.h>

#include "conf/config.h"
#include "lib/log.h"
#include "relay/relay.h"

/* The recipients' domain, as Postfix names the next hop in the text. */
static const char *
rcpt_domain(const struct rsess *s)
{
	const char *at = strrchr(s->req.rcpt[0].addr, '@');

	return at != NULL ? at + 1 : s->req.rcpt[0].addr;
}

int
relay_loops_back(struct rsess *s)
{
	const char	*me = cf_of(s)->myhostname, *name = s->reply.text;
	size_t		 n = strcspn(name, " ");
	char		 why[IPC_TEXT_MAX];

	if (me == NULL || n != strlen(me) || strncasecmp(name, me, n) != 0)
		return 0;
	log_warnx("%s: host %s replied to HELO/EHLO with my own hostname %s",
	    s->req.qid, s->hopname, me);
	textf(why, sizeof(why), "mail for %s loops back to myself",
	    rcpt_domain(s));
	if ((s->req.hops[s->hop].flags & IPC_HOP_BEST) == 0) {
		hop_failed(s, why, 0);
		return 1;
	}
	decide_rest(s, DELIVER_BOUNCE, "5.4.6", why, 0);
	answer(s);
	rsess_free(s);
	return 1;
}
