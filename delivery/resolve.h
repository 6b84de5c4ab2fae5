/*
 * resolve.h: what lookup decides about a recipient address, as pure
 * functions over the configuration, the passwd snapshot and the aliases,
 * so that unit tests need no running daemon.
 */
#ifndef BH_RESOLVE_H
#define BH_RESOLVE_H

#include "delivery/alias_expand.h"
#include "delivery/userdb.h"
#include "conf/config.h"
#include "privsep/ipc_msgs.h"
#include "relay/transport.h"

struct resolver {
	const struct bh_config	*cf;
	const struct userdb	*users;
	const struct alias_table *aliases;
	/* The aliases table is alias_maps read last-to-first into one
	   buffer: map_line[i] is the first line of alias_maps[i] in it
	   (nmaps 0: everything is map 0). */
	const int		*map_line;
	size_t			 nmaps;
	/* This host's own addresses, numeric (NULL: none known), for
	   domain literals such as user@[192.0.2.1]. */
	const struct bh_strlist	*own_addrs;
	/* transport_maps (NULL: none): a domain they send somewhere is
	   one a trusted client may relay to without a relayhost */
	const struct transport_table *transports;
	size_t			 ntransports;
};

/* RCPT time: is this address ours, and does it reach someone? */
enum rcpt_verdict resolve_rcpt(const struct resolver *, const char *addr);

/*
 * The same, knowing the client's numeric address: mail for a domain that
 * is not ours may be relayed for a client in mynetworks, or to a domain
 * in relay_domains.  When a route leads there (default_transport smtp,
 * a relayhost, a transport_maps entry that is not local:) it is RCPT_OK
 * (queue hands it to relay); with default_transport = local and neither
 * a relayhost nor an entry, bulkhead has nowhere to send it:
 * RCPT_RELAY_UNAVAILABLE (a temporary refusal).
 */
enum rcpt_verdict resolve_rcpt_client(const struct resolver *,
	    const char *addr, const char *client_addr, int trusted);

/*
 * Why a local address that names an account is refused (the account
 * fails master's checks: account_refusal()), for lookup's log; NULL if
 * it names no such account.
 */
const char *resolve_account_problem(const struct resolver *,
	    const char *addr);

/* Is the numeric address in one of the "address/prefix" networks? */
int	resolve_in_networks(const struct bh_strlist *, const char *addr);

/*
 * Delivery time: the local accounts an address reaches, and the
 * |command and /file targets with the alias that lists them.  Returns 0 and
 * fills out, or -1 with dsn and text for a permanent or temporary failure.
 */
int	resolve_expand(const struct resolver *, const char *addr,
	    struct msg_expand_ok *out, char *dsn, size_t dsnlen, char *text,
	    size_t textlen);

/* The bytes enc_expand_ok() writes for m (at most IPC_PAYLOAD_MAX fit). */
size_t	resolve_expand_size(const struct msg_expand_ok *m);

/*
 * The envelope sender for mail delivered through the alias addr names:
 * "owner-NAME@domain" when NAME is an alias and owner-NAME is one too
 * (Postfix's owner_request_special), else "".  out has outlen bytes.
 */
void	resolve_owner(const struct resolver *, const char *addr, char *out,
	    size_t outlen);

/*
 * What master would refuse in a |command, /file or :include: target
 * (kind: enum runner_kind), in words; NULL if nothing.
 */
const char *resolve_target_problem(uint32_t kind, const char *value);

/* Is the domain "[addr]" ("[IPv6:addr]") with addr one of own_addrs? */
int	resolve_is_own_literal(const struct resolver *, const char *domain);

/* Is the domain one of mydestination (case-insensitive)? */
int	resolve_is_local_domain(const char *domain, void *cf);

#endif
