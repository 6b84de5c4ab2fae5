/*
 * queue_tls.c: the TLS policy of a destination, as Postfix's smtp(8)
 * finds it: smtp_tls_policy_maps (relay/tls_policy.c; read before
 * queue's privilege drop, checked by master at start) for the
 * destination, else smtp_tls_security_level; at verify and secure the
 * names the certificate must carry (match=, or
 * smtp_tls_verify_cert_match / smtp_tls_secure_cert_match).  relay gets
 * the result in each IPC_RELAY; it never sees the table.
 */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "privsep/ipc_msgs.h"
#include "queue/queue.h"
#include "relay/tls_policy.h"

static struct tls_policy_table	policies[BH_LIST_MAX];
static size_t			npolicies;
static char			policy_error[IPC_TEXT_MAX];

void
tls_policy_prepare(struct queue *q)
{
	const struct bh_config	*cf = &q->we.cf;
	char			 err[IPC_TEXT_MAX - 64];
	size_t			 i;

	for (i = 0; i < cf->smtp_tls_policy_maps.n; i++) {
		if (tls_policy_parse_file(&policies[i],
		    cf->smtp_tls_policy_maps.v[i], err, sizeof(err)) == -1) {
			/* as Postfix: a table that fails defers the mail */
			log_warnx("smtp_tls_policy_maps: %s; deliveries are "
			    "deferred until it is fixed", err);
			snprintf(policy_error, sizeof(policy_error),
			    "smtp_tls_policy_maps lookup failure: %s", err);
			ipc_text_clean(policy_error);
			break;
		}
		npolicies++;
	}
}

/* The entry for dest: "[host]:port" also as "[host]" at port 25. */
static const struct tls_policy_entry *
find(const char *dest)
{
	const struct tls_policy_entry	*e;
	char				 alt[IPC_HOST_MAX + 8];
	size_t				 n;

	if ((e = tls_policy_find(policies, npolicies, dest)) != NULL)
		return e;
	n = strlen(dest);
	if (dest[0] == '[' && n > 4 && strcmp(dest + n - 3, ":25") == 0 &&
	    n - 3 < sizeof(alt)) {
		memcpy(alt, dest, n - 3);
		alt[n - 3] = '\0';
		return tls_policy_find(policies, npolicies, alt);
	}
	return NULL;
}

int
tls_policy_level(const struct queue *q, const char *dest)
{
	const struct tls_policy_entry	*e;
	int				 l;

	if ((e = find(dest)) != NULL)
		return e->level;
	l = tls_level_parse(q->we.cf.smtp_tls_security_level);
	return l == -1 ? TLS_NONE : (enum tls_level)l;
}

int
tls_policy_fill(const struct queue *q, const char *dest,
    struct msg_relay *req, const char **why)
{
	const struct bh_config		*cf = &q->we.cf;
	const struct tls_policy_entry	*e;
	const char			*match = NULL;

	if (policy_error[0] != '\0') {
		*why = policy_error;
		return -1;
	}
	req->tls_level = tls_policy_level(q, dest);
	if ((e = find(dest)) != NULL && e->match[0] != '\0')
		match = e->match;
	else if (req->tls_level == TLS_SECURE)
		match = cf->smtp_tls_secure_cert_match;
	else if (req->tls_level == TLS_VERIFY)
		match = cf->smtp_tls_verify_cert_match;
	req->tls_match[0] = '\0';
	if (match != NULL && tls_match_names(req->tls_level, match, dest,
	    req->tls_match, sizeof(req->tls_match)) == -1) {
		*why = "smtp_tls_policy_maps: the certificate names do not fit";
		return -1;
	}
	return 0;
}
