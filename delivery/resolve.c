/*
 * resolve.c: recipient decisions.  See resolve.h.
 *
 * An address is local when its domain is in mydestination (or it has no
 * domain: "Postmaster").  Its local part, lower-cased, reaches someone when
 * it is an alias or an account that may receive mail: uid 0 (which must be
 * aliased, and is deferred otherwise so that nothing is lost) or a uid of
 * at least local_minimum_uid (and not nobody's 65534).  With recipient_delimiter "+", user+ext
 * falls back to user when user+ext itself is unknown.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "delivery/resolve.h"
#include "lib/netrange.h"
#include "lib/strl.h"
#include "privsep/mailbox_path.h"
#include "privsep/sandbox.h"

int
resolve_is_local_domain(const char *domain, void *arg)
{
	const struct bh_config	*cf = arg;
	size_t			 i;

	for (i = 0; i < cf->mydestination.n; i++)
		if (strcasecmp(domain, cf->mydestination.v[i]) == 0)
			return 1;
	return 0;
}

/*
 * A domain literal, "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321
 * 4.1.3), that names one of this host's own addresses (Postfix: those of
 * inet_interfaces).  lookup collects them before it enters its sandbox.
 */
int
resolve_is_own_literal(const struct resolver *r, const char *domain)
{
	unsigned char	 a[sizeof(struct in6_addr)], b[sizeof(a)];
	char		 buf[INET6_ADDRSTRLEN + 8];
	size_t		 n = strlen(domain), i;
	int		 af;

	if (n < 3 || domain[0] != '[' || domain[n - 1] != ']' ||
	    n - 2 >= sizeof(buf) || r->own_addrs == NULL)
		return 0;
	memcpy(buf, domain + 1, n - 2);
	buf[n - 2] = '\0';
	/* "[IPv6:...]" or "[a.b.c.d]", both as 16 bytes. */
	if (strncasecmp(buf, "IPv6:", 5) == 0) {
		if (inet_pton(AF_INET6, buf + 5, a) != 1)
			return 0;
		af = netrange_parse_addr(buf + 5, a);
	} else if (inet_pton(AF_INET, buf, a) == 1)
		af = netrange_parse_addr(buf, a);
	else
		return 0;
	for (i = 0; i < r->own_addrs->n; i++)
		if (netrange_parse_addr(r->own_addrs->v[i], b) == af &&
		    memcmp(a, b, sizeof(a)) == 0)
			return 1;
	return 0;
}

/* mydestination, or a literal of this host: an alias_domain_fn. */
static int
is_ours(const char *domain, void *arg)
{
	const struct resolver *r = arg;

	return resolve_is_local_domain(domain, (void *)r->cf) ||
	    resolve_is_own_literal(r, domain);
}

/* Split "local@domain" at the last '@'; the local part is lower-cased. */
static int
split_addr(const char *addr, char *local, size_t llen, const char **domain)
{
	const char	*at = strrchr(addr, '@');
	size_t		 n = at ? (size_t)(at - addr) : strlen(addr), i;

	if (n == 0 || n >= llen)
		return -1;
	for (i = 0; i < n; i++)
		local[i] = tolower((unsigned char)addr[i]);
	local[n] = '\0';
	*domain = at ? at + 1 : "";
	return 0;
}

/*
 * An account delivery will write as: master's own checks (so that RCPT
 * refuses what delivery would), except root's, which must be aliased and
 * is deferred, not refused, when it is not.
 */
static int
user_may_receive(const struct resolver *r, const char *name)
{
	const struct userdb_entry	*u = userdb_find(r->users, name);
	const char			*dsn;
	int				 sec;

	return u != NULL && (u->uid == 0 || account_refusal(u->name, u->uid,
	    u->gid, u->home, r->cf->local_minimum_uid, &dsn, &sec) == NULL);
}

static int
name_known(const struct resolver *r, const char *name)
{
	return aliases_lookup(r->aliases, name) != NULL ||
	    user_may_receive(r, name);
}

/* user+ext -> user when only the base name is known. */
static void
strip_extension(const struct resolver *r, char *local)
{
	const char	*delims = r->cf->recipient_delimiter;
	char		*p;

	if (delims == NULL || *delims == '\0' || name_known(r, local))
		return;
	if ((p = strpbrk(local, delims)) != NULL && p != local)
		*p = '\0';
}

enum rcpt_verdict
resolve_rcpt(const struct resolver *r, const char *addr)
{
	char		 local[IPC_ADDR_MAX];
	const char	*domain;

	if (split_addr(addr, local, sizeof(local), &domain) == -1)
		return RCPT_UNKNOWN_USER;
	if (*domain != '\0' && !is_ours(domain, (void *)r))
		return RCPT_RELAY_DENIED;
	strip_extension(r, local);
	return name_known(r, local) ? RCPT_OK : RCPT_UNKNOWN_USER;
}

const char *
resolve_account_problem(const struct resolver *r, const char *addr)
{
	const struct userdb_entry	*u;
	char				 local[IPC_ADDR_MAX];
	const char			*domain, *dsn;
	int				 sec;

	if (split_addr(addr, local, sizeof(local), &domain) == -1)
		return NULL;
	strip_extension(r, local);
	if (aliases_lookup(r->aliases, local) != NULL ||
	    (u = userdb_find(r->users, local)) == NULL || u->uid == 0)
		return NULL;
	return account_refusal(u->name, u->uid, u->gid, u->home,
	    r->cf->local_minimum_uid, &dsn, &sec);
}

int
resolve_in_networks(const struct bh_strlist *nets, const char *addr)
{
	return netrange_in_list(nets->v, nets->n, addr);
}

static int
is_relay_domain(const struct bh_config *cf, const char *domain)
{
	size_t	i;

	for (i = 0; i < cf->relay_domains.n; i++)
		if (strcasecmp(domain, cf->relay_domains.v[i]) == 0)
			return 1;
	return 0;
}

/*
 * Has relay somewhere to send mail for this domain: a transport_maps
 * entry that does not say local:, a relayhost, or a default_transport
 * (Postfix's default "smtp": the domain's MX hosts; for relay_domains
 * too, where we are a backup MX) other than local.
 */
static int
can_send_on(const struct resolver *r, const char *domain)
{
	const struct transport_entry *e;

	if (r->transports != NULL && (e = transport_find(r->transports,
	    r->ntransports, domain)) != NULL)
		return e->kind != TRANSPORT_LOCAL;
	return transport_default_remote(r->cf->relayhost,
	    r->cf->default_transport);
}

enum rcpt_verdict
resolve_rcpt_client(const struct resolver *r, const char *addr,
    const char *client_addr, int trusted)
{
	enum rcpt_verdict	 v = resolve_rcpt(r, addr);
	const char		*at = strrchr(addr, '@');

	/* A literal not ours: nothing here could relay to it. */
	if (v != RCPT_RELAY_DENIED || at == NULL || at[1] == '[')
		return v;
	if (is_relay_domain(r->cf, at + 1) || trusted ||
	    resolve_in_networks(&r->cf->mynetworks, client_addr))
		return can_send_on(r, at + 1) ? RCPT_OK :
		    RCPT_RELAY_UNAVAILABLE;
	return RCPT_RELAY_DENIED;
}

static const char *
kind_name(enum alias_kind k)
{
	switch (k) {
	case ALIAS_FILE:
		return "file";
	case ALIAS_COMMAND:
		return "command";
	case ALIAS_INCLUDE:
		return ":include:";
	default:
		return "remote address";
	}
}

/* Which alias_maps entry holds this line of the concatenated table. */
static uint32_t
map_of_line(const struct resolver *r, int line)
{
	size_t	i, best = 0;
	int	first = 0;

	for (i = 0; i < r->nmaps; i++)
		if (r->map_line[i] <= line && r->map_line[i] >= first) {
			first = r->map_line[i];
			best = i;
		}
	return (uint32_t)best;
}

/* A |command, /file or :include: local asks master for a runner with. */
static int
add_target(const struct resolver *r, const struct alias_target *t,
    struct msg_expand_ok *out, char *dsn, size_t dsnlen, char *text,
    size_t textlen)
{
	struct msg_target *mt;

	xstrlcpy(dsn, "5.3.0", dsnlen);
	if (out->ntargets == IPC_TARGETS_MAX) {
		snprintf(text, textlen, "alias expands to more than %d "
		    "commands and files", IPC_TARGETS_MAX);
		return -1;
	}
	mt = &out->targets[out->ntargets];
	if (t->alias == NULL || strlcpy(mt->name, t->alias, sizeof(mt->name))
	    >= sizeof(mt->name) || strlcpy(mt->value, t->value,
	    sizeof(mt->value)) >= sizeof(mt->value)) {
		snprintf(text, textlen, "alias target too long");
		return -1;
	}
	if (t->kind == ALIAS_INCLUDE && strlen(t->value) >= IPC_PATH_MAX) {
		snprintf(text, textlen, ":include: path too long");
		return -1;
	}
	mt->kind = t->kind == ALIAS_COMMAND ? RUNNER_COMMAND :
	    t->kind == ALIAS_FILE ? RUNNER_FILE : RUNNER_INCLUDE;
	/* What master and the runner would refuse, refused here. */
	if (!ipc_valid_target(mt->kind, mt->value, NULL)) {
		snprintf(text, textlen, "alias %s: %s", t->alias,
		    resolve_target_problem(mt->kind, mt->value));
		return 1;
	}
	mt->map = map_of_line(r, t->line);
	out->ntargets++;
	return 0;
}

/*
 * A member that cannot be delivered for good: the alias still reaches
 * the others (as in Postfix) and queue bounces this one.  -1 when there
 * are too many to carry; the whole alias then fails with this reason.
 * A local name gets the alias's domain (or myhostname) for the notice.
 */
static int
add_failed(const struct resolver *r, struct msg_expand_ok *out,
    const char *member, const char *domain, const char *dsn,
    const char *text)
{
	struct msg_failed	*f;
	int			 n;

	if (out->nfailed == IPC_FAILED_MAX)
		return -1;
	f = &out->failed[out->nfailed];
	n = strchr(member, '@') != NULL ?
	    snprintf(f->addr, sizeof(f->addr), "%s", member) :
	    snprintf(f->addr, sizeof(f->addr), "%s@%s", member,
	    *domain != '\0' ? domain : r->cf->myhostname);
	if (n < 0 || (size_t)n >= sizeof(f->addr) ||
	    strpbrk(f->addr, " \t\r\n") != NULL)
		return -1;
	xstrlcpy(f->dsn, dsn, sizeof(f->dsn));
	snprintf(f->text, sizeof(f->text), "%s", text);
	out->nfailed++;
	return 0;
}

/*
 * A remote address an alias lists: when relay can send it on (MX
 * routing by default_transport, a relayhost, transport_maps) it goes out
 * (queue adds it to the message for relay).  1 if taken, 0 if it is not
 * such an address (or it has no route: "not supported" as before), -1
 * if there is no room left.
 */
static int
add_remote(const struct resolver *r, const struct alias_target *t,
    struct msg_expand_ok *out)
{
	const char	*at = strrchr(t->value, '@');
	uint32_t	 i;

	if (t->kind != ALIAS_ADDRESS || at == NULL || at == t->value ||
	    at[1] == '\0' || at[1] == '[' ||
	    resolve_is_local_domain(at + 1, (void *)r->cf) ||
	    !can_send_on(r, at + 1) ||
	    strlen(t->value) >= IPC_ADDR_MAX || !ipc_valid_text(t->value) ||
	    strchr(t->value, ' ') != NULL)
		return 0;
	for (i = 0; i < out->nremote; i++)
		if (strcasecmp(out->remote[i], t->value) == 0)
			return 1;
	if (out->nremote == IPC_REMOTE_MAX)
		return -1;
	xstrlcpy(out->remote[out->nremote++], t->value, IPC_ADDR_MAX);
	return 1;
}

/*
 * Why master would refuse a |command, /file or :include: target, for
 * resolve and for aliases check: NULL if it would not.
 */
const char *
resolve_target_problem(uint32_t kind, const char *value)
{
	if (ipc_valid_target(kind, value, NULL))
		return NULL;
	if (value[0] == '\0')
		return "empty command or file name";
	if ((kind == RUNNER_FILE || kind == RUNNER_INCLUDE) && value[0] != '/')
		return "file name is not an absolute path";
	return "command or file name contains a control character (such as "
	    "a tab), which cannot be run";
}

/*
 * A local address target (lower-cased, no domain): the account it
 * reaches, and the extension it carries ("+ext", or "" when there is
 * none or it could not name a ~/.forward+ext file).  -1: no account.
 */
static int
target_account(const struct resolver *r, const char *value, char *user,
    size_t ulen, char *ext, size_t elen)
{
	const char	*delims = r->cf->recipient_delimiter;
	size_t		 n;

	ext[0] = '\0';
	if (user_may_receive(r, value))
		return strlcpy(user, value, ulen) < ulen ? 0 : -1;
	if (delims == NULL || *delims == '\0')
		return -1;
	n = strcspn(value, delims);
	if (n == 0 || value[n] == '\0' || n >= ulen)
		return -1;
	memcpy(user, value, n);
	user[n] = '\0';
	if (!user_may_receive(r, user))
		return -1;
	if (strlen(value + n) < elen && ipc_valid_suffix(value + n))
		xstrlcpy(ext, value + n, elen);
	return 0;
}

/* Add an account once (alice and alice+x are one mailbox); -1: full. */
static int
add_user(struct msg_expand_ok *out, const char *user, const char *ext)
{
	uint32_t i;

	for (i = 0; i < out->n; i++)
		if (strcmp(out->users[i], user) == 0)
			return 0;
	if (out->n == IPC_EXPAND_MAX || !ipc_valid_user(user))
		return -1;
	xstrlcpy(out->users[out->n], user, sizeof(out->users[0]));
	xstrlcpy(out->ext[out->n], ext, sizeof(out->ext[0]));
	out->n++;
	return 0;
}

size_t
resolve_expand_size(const struct msg_expand_ok *m)
{
	size_t		n = 3 * 4;	/* the three counts */
	uint32_t	i;

	for (i = 0; i < m->n; i++)
		n += 2 + strlen(m->users[i]) + 2 + strlen(m->ext[i]);
	for (i = 0; i < m->ntargets; i++)
		n += 8 + 2 + strlen(m->targets[i].name) + 2 +
		    strlen(m->targets[i].value);
	for (i = 0; i < m->nfailed; i++)
		n += 2 + strlen(m->failed[i].addr) + 2 +
		    strlen(m->failed[i].dsn) + 2 + strlen(m->failed[i].text);
	n += 4;		/* nremote */
	for (i = 0; i < m->nremote; i++)
		n += 2 + strlen(m->remote[i]);
	return n;
}

int
resolve_expand(const struct resolver *r, const char *addr,
    struct msg_expand_ok *out, char *dsn, size_t dsnlen, char *text,
    size_t textlen)
{
	char			 local[IPC_ADDR_MAX], err[ALIAS_ERR_MAX];
	char			 whole[IPC_ADDR_MAX], user[IPC_USER_MAX + 1];
	char			 ext[IPC_USER_MAX + 1];
	const char		*domain;
	struct alias_target	*t = NULL;
	int			 n, i, rc = -1, k;

	out->n = 0;
	out->ntargets = 0;
	out->nfailed = 0;
	out->nremote = 0;
	xstrlcpy(dsn, "5.1.1", dsnlen);
	if (split_addr(addr, local, sizeof(local), &domain) == -1 ||
	    (*domain != '\0' && !is_ours(domain, (void *)r))) {
		snprintf(text, textlen, "not a local address");
		return -1;
	}
	STRLCPY_ARRAY(whole, local);
	strip_extension(r, local);
	if ((n = aliases_expand_delim(r->aliases, local,
	    r->cf->recipient_delimiter, is_ours, (void *)r, &t, err,
	    sizeof(err))) < 0) {
		xstrlcpy(dsn, "5.4.6", dsnlen);	/* routing loop */
		snprintf(text, textlen, "%s", err);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (t[i].kind == ALIAS_COMMAND || t[i].kind == ALIAS_FILE ||
		    t[i].kind == ALIAS_INCLUDE) {
			if ((k = add_target(r, &t[i], out, dsn, dsnlen, text,
			    textlen)) == -1 || (k == 1 && add_failed(r, out,
			    t[i].alias, domain, dsn, text) == -1))
				goto done;
			continue;
		}
		if ((k = add_remote(r, &t[i], out)) == 1)
			continue;
		if (k == -1) {
			xstrlcpy(dsn, "5.3.0", dsnlen);
			snprintf(text, textlen, "alias forwards to more than %d "
			    "remote addresses", IPC_REMOTE_MAX);
			if (add_failed(r, out, t[i].value, domain, dsn, text)
			    == -1)
				goto done;
			continue;
		}
		if (t[i].kind != ALIAS_ADDRESS || strchr(t[i].value, '@')) {
			xstrlcpy(dsn, "5.3.0", dsnlen);
			snprintf(text, textlen, "alias target %s (%s) is not "
			    "supported by this release", t[i].value,
			    kind_name(t[i].kind));
			if (add_failed(r, out, t[i].value, domain, dsn, text)
			    == -1)
				goto done;
			continue;
		}
		if (target_account(r, t[i].value, user, sizeof(user), ext,
		    sizeof(ext)) == -1) {
			xstrlcpy(dsn, "5.1.1", dsnlen);
			snprintf(text, textlen, "unknown user %s", t[i].value);
			if (add_failed(r, out, t[i].value, domain, dsn, text)
			    == -1)
				goto done;
			continue;
		}
		/* user+ext asked for, user reached: the extension stays. */
		if (ext[0] == '\0' && strcmp(user, local) == 0 &&
		    strcmp(whole, local) != 0 &&
		    ipc_valid_suffix(whole + strlen(local)) &&
		    strlen(whole + strlen(local)) < sizeof(ext))
			xstrlcpy(ext, whole + strlen(local), sizeof(ext));
		if (add_user(out, user, ext) == -1) {
			xstrlcpy(dsn, "5.3.0", dsnlen);
			snprintf(text, textlen, "alias expands too far");
			goto done;
		}
	}
	if (resolve_expand_size(out) > IPC_PAYLOAD_MAX) {
		xstrlcpy(dsn, "5.3.0", dsnlen);
		snprintf(text, textlen, "alias expands too far (more than one "
		    "answer can carry)");
		goto done;
	}
	rc = out->n + out->ntargets + out->nremote > 0 ? 0 : -1;
	/* Only failed members: the alias fails, with the first reason. */
	if (rc == -1 && out->nfailed > 0) {
		xstrlcpy(dsn, out->failed[0].dsn, dsnlen);
		snprintf(text, textlen, "%s", out->failed[0].text);
	} else if (rc == -1)
		snprintf(text, textlen, "alias expands to nobody");
done:
	aliases_free_targets(t, n);
	return rc;
}

void
resolve_owner(const struct resolver *r, const char *addr, char *out,
    size_t outlen)
{
	char		 local[IPC_ADDR_MAX], owner[IPC_ADDR_MAX + 8];
	const char	*domain;

	out[0] = '\0';
	if (split_addr(addr, local, sizeof(local), &domain) == -1 ||
	    (*domain != '\0' && !is_ours(domain, (void *)r)))
		return;
	strip_extension(r, local);
	if (strncmp(local, "owner-", 6) == 0 ||
	    aliases_lookup(r->aliases, local) == NULL)
		return;
	snprintf(owner, sizeof(owner), "owner-%s", local);
	if (aliases_lookup(r->aliases, owner) == NULL)
		return;
	if ((size_t)snprintf(out, outlen, "%s@%s", owner, *domain != '\0' ?
	    domain : r->cf->myhostname) >= outlen)
		out[0] = '\0';
}
